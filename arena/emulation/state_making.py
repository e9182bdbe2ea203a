"""Making save states without stable-retro's Integration UI: from a frame of a recorded movie,
or from a scripted input sequence played on the real game.

``arena state save MOVIE --frame N`` keeps the emulator's state after the movie's first N
frames: played on from there with the rest of the movie's inputs, the game shows the same
frames and RAM as the movie did. ``arena state make GAME --inputs SCRIPT`` plays a script in
the probes' syntax (``[[ACTION, STEPS], ...]``, ``[P1, P2, STEPS]`` for two players, each step
``frame_skip`` frames) from a state or from power-on; an action is the profile's, or buttons of
the system joined by ``+`` (``SELECT``, ``RESET+SELECT``, ``P2:LEFT``), so console switches that
choose a game mode can be pressed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arena.core.errors import ArenaError, UsageError, did_you_mean
from arena.core.reading import loads_json
from arena.emulation.emulator import Emulator
from arena.emulation.movies import open_movie, read_sidecar, replay, sidecar_path
from arena.profiles.loading import Profile, split_button
from arena.profiles.schema import MAX_FRAMES
from arena.retro import integrations
from arena.retro import states as store

POWER_ON = "power-on"
"""``--from power-on``: the console as it starts, no state loaded (stable-retro's State.NONE)."""
MAX_SCRIPT_ENTRIES = 10_000
"""Entries in one ``--inputs`` script; all of them together play at most :data:`MAX_FRAMES`
frames."""


@dataclass(frozen=True)
class Step:
    """One entry of a script: each player's buttons, held for ``frames`` frames."""

    combos: tuple[tuple[str, ...], ...]
    frames: int


def state_at_frame(
    movie: Path, frame: int, profile: Profile | None = None
) -> tuple[bytes, int, str | None]:
    """The emulator's state after the first ``frame`` frames of ``movie``, its players, and
    the state the movie started from (by its sidecar, when it has one). ``profile`` (the
    movie's) switches on the cheats and pokes its sidecar names, as the episode had them."""
    if frame < 0:
        raise UsageError(f"--frame {frame}: a frame number is 0 or more")
    sidecar = read_sidecar(movie) if sidecar_path(movie).exists() else None
    based_on = sidecar.get("state") if sidecar else None
    opened = open_movie(movie)
    players = opened.players
    if frame == 0:
        return bytes(opened.get_state()), players, based_on
    last = 0
    for replayed in replay(movie, profile if sidecar else None, sidecar):
        last = replayed.frame
        if replayed.frame == frame:
            return bytes(replayed.emulator.core.get_state()), players, based_on
    raise UsageError(f"--frame {frame}: {movie} holds {last} frames")


def read_script(
    text: str, option: str, players: int, frame_skip: int
) -> list[tuple[list[str], int]]:
    """A JSON script's entries, checked before anything plays: each player's action (or
    buttons) and how many frames it is held (``steps * frame_skip``)."""
    try:
        entries = loads_json(text)  # nesting bounded: no RecursionError
    except ValueError as exc:
        raise UsageError(f"{option}: not a JSON list ({exc})", "e.g. '[[\"noop\", 30]]'") from None
    shape = "[action, steps]" if players == 1 else "[p1_action, p2_action, steps]"
    if not isinstance(entries, list) or not entries:
        raise UsageError(f"{option}: expected a non-empty list of {shape}, got {text!r:.60}")
    if len(entries) > MAX_SCRIPT_ENTRIES:
        raise UsageError(f"{option}: {len(entries):,} entries; the limit is {MAX_SCRIPT_ENTRIES:,}")
    read, total = [], 0
    for index, entry in enumerate(entries):
        where = f"{option}[{index}]"
        if not isinstance(entry, list) or len(entry) != players + 1:
            raise UsageError(f"{where}: expected {shape}, got {entry!r:.60}")
        *names, count = entry
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise UsageError(f"{where}: steps must be a whole number >= 1, got {count!r}")
        if count * frame_skip > MAX_FRAMES:
            raise UsageError(
                f"{where}: {count:,} steps; one entry plays at most {MAX_FRAMES:,} frames"
            )
        total += count * frame_skip
        if total > MAX_FRAMES:
            raise UsageError(
                f"{where}: the script reaches {total:,} frames here; a whole script plays at "
                f"most {MAX_FRAMES:,} (10 hours at 60 frames a second)"
            )
        read.append(([str(name) for name in names], count * frame_skip))
    return read


def parse_script(text: str, profile: Profile, players: int) -> list[Step]:
    """``--inputs`` text as steps, checked before anything plays."""
    steps = []
    for index, (names, frames) in enumerate(
        read_script(text, "--inputs", players, profile.frame_skip)
    ):
        where = f"--inputs[{index}]"
        combos = tuple(_combo(n, player, profile, where) for player, n in enumerate(names))
        steps.append(Step(combos, frames))
    return steps


def _combo(name: str, player: int, profile: Profile, where: str) -> tuple[str, ...]:
    """The buttons of action ``name`` for ``player``, or the raw buttons ``A+B`` names."""
    actions = profile.player_actions(player)
    if name in actions:
        return actions[name]
    buttons = [b for b in integrations.buttons(profile.game) if b]
    combo = tuple(part for part in name.split("+") if part)
    for part in combo:
        _, button = split_button(part)
        if button not in buttons:
            raise UsageError(
                f"{where}: {name!r} is neither an action of {profile.name} nor buttons of "
                f"{integrations.system_of(profile.game)}{did_you_mean(name, [*actions, *buttons])}",
                f"actions: {', '.join(actions)}; buttons: {', '.join(buttons)}",
            )
    if not combo:
        raise UsageError(f"{where}: an empty action")
    return combo


def play_script(profile: Profile, start: str, players: int, steps: Sequence[Step]) -> bytes:
    """The state reached by playing ``steps`` from state ``start`` (or power-on)."""
    emulator = Emulator(profile.integration, players, f"profile {profile.name!r}")
    try:
        if start != POWER_ON:
            emulator.load_state(profile.integration.read_state(start))
        for step in steps:
            masks = _masks(emulator, step.combos)
            for _ in range(step.frames):
                emulator.step(masks)
        return bytes(emulator.core.get_state())
    finally:
        emulator.close()


def _masks(emulator: Emulator, combos: tuple[tuple[str, ...], ...]) -> tuple[np.ndarray, ...]:
    total = np.zeros((emulator.players, len(emulator.buttons)), np.uint8)
    for player, combo in enumerate(combos):
        total |= emulator.button_masks(combo, player)
    return tuple(total)


def make_declared_states(profile: Profile) -> list[tuple[str, str]]:
    """Make the states ``profile`` declares with a ``start`` script, from power-on, into the
    arena's store (``arena roms fetch`` calls it once the ROM is installed): (state, what was
    done) for each. One made by the same script already is kept."""

    from arena.retro.state_files import sha256

    done = []
    for spec in profile.states.values():
        if spec.start is None:
            continue
        script = json.dumps([list(entry) for entry in spec.start])
        made_by = (
            f"arena roms fetch (profile {profile.name}): --inputs '{script}' --from {POWER_ON}"
        )
        meta = store.read_meta(profile.game, spec.name)
        if meta is not None and meta.made_by == made_by and _holds(profile, spec.name, meta):
            done.append((spec.name, "made already"))
            continue
        data = play_script(
            profile, POWER_ON, spec.players, parse_script(script, profile, spec.players)
        )
        meta = store.StateMeta(spec.players, None, made_by, sha256(data))
        store.write(profile.game, spec.name, data, meta, replace=True)
        done.append((spec.name, "made"))
    return done


def _holds(profile: Profile, name: str, meta: store.StateMeta) -> bool:
    """Whether the store still holds the state ``meta`` records (deleted or damaged: not)."""
    from arena.retro.state_files import sha256

    path = store.store_folder(profile.game) / f"{name}.state"
    try:
        return path.is_file() and sha256(integrations.read_state(profile.game, name)) == meta.sha256
    except ArenaError:
        return False
