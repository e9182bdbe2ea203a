"""What a profile asks ``arena roms fetch`` to make: the integration of a game stable-retro
lacks (``build:``), and states an integration lacks (a state's ``start:``), both checked when
the profile loads."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from arena.core.errors import ProfileError, UsageError
from arena.profiles.schema import BuildModel, StateModel
from arena.retro import states as store

Fail = Callable[..., ProfileError]
"""Makes the profile's error for a key path: ``fail(key, problem, hint=None)``."""


@dataclass(frozen=True)
class Build:
    """How ``arena roms fetch`` builds the integration of a game stable-retro lacks."""

    file: str
    """The ROM's file name in ale-py's wheel."""
    sha1: str
    """The only dump it installs: the one the profile's rules were proved on."""
    start: tuple[tuple[str | int, ...], ...]
    """The start state's script from power-on (each player's buttons, steps of 4 frames)."""
    players: int

    @property
    def state(self) -> str:
        """The name of the start state it makes."""
        return "Start" if self.players == 1 else "Start.2P"


def check_build(game: str, rom: str, raw: BuildModel, fail: Fail) -> Build:
    """A ``build:`` block: for an Atari game named NAME-Atari2600-v0 whose ROM ale-py carries,
    its script's entries all for one or all for two players."""
    base = game[: -len("-v0")] if game.endswith("-v0") else ""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*-Atari2600", base):
        raise fail("game", f"{game!r}: a game built from ale-py's ROMs is named NAME-Atari2600-v0")
    if rom != "ale-py":
        raise fail(
            "rom", f"{rom!r}: a built game's ROM comes from ale-py's wheel", "set rom: ale-py"
        )
    lengths = {len(entry) for entry in raw.start}
    if len(lengths) != 1 or not lengths <= {2, 3}:
        raise fail(
            "build.start",
            "every entry is [buttons, steps] (1 player) or [p1, p2, steps] (2 players)",
        )
    start = tuple(tuple(entry) for entry in raw.start)
    return Build(raw.file, raw.sha1, start, players=lengths.pop() - 1)


def check_made_state(game: str, name: str, spec: StateModel, fail: Fail) -> None:
    """A state the profile makes from power-on (``start``): never one the game ships, a plain
    name, and its script's entries for its players."""
    if name in store.shipped(game):
        raise fail(f"states.{name}.start", f"{game} ships {name!r}: drop start")
    try:
        store.check_name(name)
    except UsageError as exc:
        raise fail(f"states.{name}", exc.message) from None
    assert spec.start is not None
    if any(len(entry) != spec.players + 1 for entry in spec.start):
        shape = "[action, steps]" if spec.players == 1 else "[p1, p2, steps]"
        raise fail(f"states.{name}.start", f"every entry is {shape} ({spec.players}P)")
