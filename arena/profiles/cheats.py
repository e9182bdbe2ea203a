"""A profile's cheats (codes the emulator core applies) and pokes (RAM writes the arena makes).

Both are off unless switched on by name (``--cheat NAME``, a suite cell's or a probe's
``cheats:``); the names switched on are part of the episode's protocol, so cheated play is
recorded in every sidecar and results line, replayed by ``arena play`` and ``arena verify``
(a ``.bk2`` does not record cheats) and never pooled with plain play.

Codes are checked when the profile loads, in the formats the cores take: Game Genie (NES: 6 or 8
letters of APZLGITYEOXUKSVN, played here: SXIOPO keeps Mario's lives; SNES and Genesis:
``XXXX-XXXX``) and Pro Action Replay (SNES ``AAAAAAVV``, Genesis ``AAAAAA:VVVV``; these from
the cores' sources, not played here). Several codes may be joined by ``+``. A system whose
core ignores cheats (the Atari 2600, PC Engine and Saturn cores, by their sources) refuses
codes; pokes work on every system.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from arena.core.errors import ProfileError, UnknownNameError

IGNORING_SYSTEMS = {"Atari2600": "Atari 2600", "PCEngine": "PC Engine", "Saturn": "Saturn"}
"""Systems whose libretro core's cheat hook does nothing."""

_HEX = "[0-9A-Fa-f]"
_NES_GG = "[APZLGITYEOXUKSVN]"
_SNES_GG = "[DF4709156BC8A23E]"
_GENESIS_GG = "[A-HJ-NPR-TV-Z0-9]"
FORMATS: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "Nes": [
        (re.compile(f"{_NES_GG}{{6}}({_NES_GG}{{2}})?", re.I), "Game Genie (6 or 8 letters)"),
    ],
    "Snes": [
        (re.compile(f"{_SNES_GG}{{4}}-{_SNES_GG}{{4}}", re.I), "Game Genie (XXXX-XXXX)"),
        (re.compile(f"{_HEX}{{6}}:?{_HEX}{{2}}"), "Pro Action Replay (AAAAAAVV or AAAAAA:VV)"),
    ],
    "Genesis": [
        (re.compile(f"{_GENESIS_GG}{{4}}-{_GENESIS_GG}{{4}}", re.I), "Game Genie (XXXX-XXXX)"),
        (re.compile(f"{_HEX}{{6}}:{_HEX}{{4}}"), "Pro Action Replay (AAAAAA:VVVV)"),
    ],
}
OTHER_FORMAT = re.compile(r"[0-9A-Za-z:?\-]{4,32}")
"""For systems without a format of their own here: a code's characters, unchecked further."""


@dataclass(frozen=True)
class Poke:
    """A RAM write: ``value`` as ``type`` at ``address``, at reset or before every frame."""

    address: int
    type: str
    value: int
    when: Literal["reset", "every_frame"]


def code_problem(system: str, code: str) -> str | None:
    """Why ``code`` is no cheat code the core of ``system`` takes (None: it is one)."""
    if system in IGNORING_SYSTEMS:
        return (
            f"the {IGNORING_SYSTEMS[system]} core ignores cheat codes; a poke writes RAM instead "
            "(pokes: NAME: {address, type, value, when})"
        )
    formats = FORMATS.get(system)
    for part in code.split("+"):
        if formats is None:
            if not OTHER_FORMAT.fullmatch(part):
                return f"{part!r} is not a cheat code (letters, digits, ':', '?', '-')"
        elif not any(pattern.fullmatch(part) for pattern, _ in formats):
            expected = " or ".join(what for _, what in formats)
            return f"{part!r} is not a {system} code: expected {expected}"
    return None


def check_names(
    names: list[str] | tuple[str, ...],
    cheats: Mapping[str, str],
    pokes: Mapping[str, Poke],
    profile: str,
) -> tuple[str, ...]:
    """``names`` sorted, when each is one of the profile's cheats or pokes."""
    valid = [*cheats, *pokes]
    for name in names:
        if name not in valid:
            raise UnknownNameError(
                f"cheat of profile {profile!r}", name, valid, "the profile's cheats: and pokes:"
            )
    return tuple(sorted(set(names)))


def compile_cheats(
    system: str,
    raw_cheats: Mapping[str, str],
    raw_pokes: Mapping[str, object],
    fail: Callable[[str, str], ProfileError],
) -> tuple[dict[str, str], dict[str, Poke]]:
    """A profile's ``cheats:`` and ``pokes:``, checked; ``fail(key, problem)`` makes the error."""
    for name, code in raw_cheats.items():
        if problem := code_problem(system, code.strip()):
            raise fail(f"cheats.{name}", problem)
    for group, names in (("cheats", raw_cheats), ("pokes", raw_pokes)):
        for name in names:
            if not CHEAT_NAME.fullmatch(name):
                raise fail(
                    f"{group}.{name}",
                    f"{name!r} is not a plain name: a letter, then letters, digits, '_' and "
                    "'-' (64 at most); it becomes part of movie file names",
                )
    pokes = {}
    for name, spec in raw_pokes.items():
        if name in raw_cheats:
            raise fail(f"pokes.{name}", f"{name!r} already names a cheat")
        poke = Poke(spec.address, spec.type, spec.value, spec.when)  # type: ignore[attr-defined]
        low, high = value_range(poke.type)
        if not low <= poke.value <= high:
            raise fail(
                f"pokes.{name}.value",
                f"{poke.value} does not fit type {poke.type!r} ({low} to {high})",
            )
        pokes[name] = poke
    return {name: code.strip() for name, code in raw_cheats.items()}, pokes


CHEAT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
"""A cheat's or poke's name: plain, since ``--cheat NAME`` puts it into movie file names."""


def value_range(kind: str) -> tuple[int, int]:
    """The numbers a stable-retro type holds: ``u`` unsigned, ``i`` two's complement, ``d``
    two decimal digits a byte (BCD), ``n`` one decimal digit a byte."""
    width = int(kind[2:])
    return {
        "u": (0, 256**width - 1),
        "i": (-(256**width) // 2, 256**width // 2 - 1),
        "d": (0, 100**width - 1),
        "n": (0, 10**width - 1),
    }[kind[1]]
