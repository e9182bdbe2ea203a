"""``arena state save`` and ``arena state make``: save states into the arena's store, from a
movie's frame or from a scripted input sequence; ``arena integrate``: a game stable-retro
lacks, in the store, with its start state and a profile skeleton."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arena.core.errors import OutputError, UnknownNameError, UsageError
from arena.core.files import output_folder
from arena.emulation.integrate import check_game_name, parse_variables, skeleton
from arena.emulation.integrate import integrate as build_integration
from arena.emulation.movies import open_movie
from arena.emulation.state_making import POWER_ON, parse_script, play_script, state_at_frame
from arena.host.manager import PluginHost
from arena.retro import integrations
from arena.retro import states as store
from arena.retro.state_files import sha256
from arena.services.replays import movie_profile


@dataclass(frozen=True)
class SavedState:
    """A state written into the store: the game, its name, where, and how it was made."""

    game: str
    name: str
    path: Path
    players: int
    frames: int
    start: str
    """What it was played from: a movie's name, a state, or ``power-on``."""


def save_state(
    host: PluginHost, movie: Path, frame: int, name: str, replace: bool = False
) -> SavedState:
    """The emulator's state after ``frame`` frames of a recorded movie, saved as ``name``."""
    store.check_name(name)  # before the replay
    game = open_movie(movie).get_game()
    data, players, based_on = state_at_frame(movie, frame, movie_profile(host, movie))
    made_by = f"arena state save {movie.name} --frame {frame}"
    written = write_state(game, name, data, players, based_on, made_by, replace)
    return SavedState(game, name, written, players, frame, movie.name)


def write_state(
    game: str,
    name: str,
    data: bytes,
    players: int,
    based_on: str | None,
    made_by: str,
    replace: bool = False,
) -> Path:
    """A state into the arena's store, as every command writes one: with its players, the
    state it was played from and what made it (``arena info`` shows them)."""
    store.check_name(name)
    meta = store.StateMeta(players, based_on, made_by, sha256(data))
    return store.write(game, name, data, meta, replace)


@dataclass(frozen=True)
class MakeStateRequest:
    """What ``arena state make`` is asked: a profile, a script in the probes' syntax, the new
    state's name, and where to play it from (default: the profile's default state)."""

    game: str
    script: str
    name: str
    start: str | None = None
    players: int | None = None
    replace: bool = False


def make_state(
    host: PluginHost,
    request: MakeStateRequest,
    starting: Callable[[str], None] | None = None,
) -> SavedState:
    """Play the script from the start and save the state it reaches. ``starting``, when given,
    is told what is about to be played, in words, before it is (a terminal prints it)."""
    store.check_name(request.name)
    profile = host.profile(request.game)
    start = request.start if request.start is not None else profile.default_state
    states = integrations.list_states(profile.game)
    if start != POWER_ON and start not in states:
        raise UnknownNameError(f"{profile.name} state", start, [POWER_ON, *states])
    players = request.players
    if players is None:
        players = profile.states[start].players if start in profile.states else 1
    steps = parse_script(request.script, profile, players)
    frames = sum(step.frames for step in steps)
    if starting is not None:
        starting(f"playing {frames:,} frames of {profile.name} from {start}")
    data = play_script(profile, start, players, steps)
    script = request.script
    shown = script if len(script) <= 200 else script[:197] + "..."
    made_by = (
        f"arena state make {request.game} --inputs '{shown}' --from {start} --players {players}"
    )
    based_on = None if start == POWER_ON else start
    written = write_state(
        profile.game, request.name, data, players, based_on, made_by, request.replace
    )
    return SavedState(profile.game, request.name, written, players, frames, start)


@dataclass(frozen=True)
class IntegrateRequest:
    """What ``arena integrate`` is asked: a ROM, the game's name, its RAM variables
    (``NAME=ADDRESS:TYPE``), the start script, players, and where the skeleton goes."""

    rom: Path
    name: str
    variables: tuple[str, ...] = ()
    start: str = '[["noop", 1]]'
    players: int = 1
    system: str | None = None
    profile: Path | None = None


@dataclass(frozen=True)
class Integrated:
    game: str
    folder: Path
    profile: Path


def integrate(request: IntegrateRequest) -> Integrated:
    """Build the integration in the store and write the profile skeleton; either both are made
    or neither is."""
    check_game_name(request.name)  # before anything is made: a/b would make a folder a
    found = parse_variables(request.variables)
    target = request.profile or Path(f"{request.name}.yaml")
    if target.exists():
        raise UsageError(f"{target} exists", "give --profile another path")
    output_folder(target.parent, "--profile")
    game, folder = build_integration(
        request.rom, request.name, found, request.start, request.players, request.system
    )
    try:
        target.write_text(skeleton(game, integrations.system_of(game), request.players, found))
    except OSError as exc:  # the integration goes too: nothing is left half-made
        shutil.rmtree(folder, ignore_errors=True)
        target.unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write it ({exc.strerror or exc})") from None
    return Integrated(game, folder, target)
