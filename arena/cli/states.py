"""``arena state``: save states made from a movie's frame or from a scripted input sequence."""

from __future__ import annotations

from pathlib import Path

import click

from arena.cli.common import echo, host, movie_profile
from arena.core.errors import UsageError
from arena.host.params import PATH

STATE_NAME_HELP = "the new state's name (letters, digits, '.', '_', '-')"


@click.group()
def state() -> None:
    """Make save states: from a frame of a movie, or from scripted inputs."""


@state.command("save")
@click.argument("movie", type=PATH)
@click.option("--frame", type=int, required=True, help="the state after this many frames")
@click.option("--name", required=True, help=STATE_NAME_HELP)
@click.option("--replace", is_flag=True, help="replace a state of that name the arena made")
def state_save(movie: Path, frame: int, name: str, replace: bool) -> None:
    """Save the emulator's state at frame N of a recorded episode (arena play --video shows
    frame numbers; so does arena inspect)."""
    from arena.emulation.movies import open_movie
    from arena.emulation.state_making import state_at_frame
    from arena.retro import states as store
    from arena.retro.state_files import sha256

    store.check_name(name)  # before the replay
    game = open_movie(movie).get_game()
    data, players, based_on = state_at_frame(movie, frame, movie_profile(movie))
    made_by = f"arena state save {movie.name} --frame {frame}"
    meta = store.StateMeta(players, based_on, made_by, sha256(data))
    written = store.write(game, name, data, meta, replace)
    echo(f"saved {game} state {name!r} ({players}P, frame {frame} of {movie.name})")
    echo(f"in {written}")
    echo(f"play from it: arena run --game PROFILE --state {name}")


@state.command("make")
@click.argument("game")
@click.option("--inputs", "script", required=True, help="[[ACTION, STEPS], ...] as in probes")
@click.option("--name", required=True, help=STATE_NAME_HELP)
@click.option(
    "--from", "start", help="the state to start from, or power-on (default: the profile's)"
)
@click.option("--players", type=click.IntRange(1, 2), help="controllers (default: the start's)")
@click.option("--replace", is_flag=True, help="replace a state of that name the arena made")
def state_make(
    game: str, script: str, name: str, start: str | None, players: int | None, replace: bool
) -> None:
    """Save the state a scripted input sequence reaches. An action is the profile's, or the
    system's buttons joined by '+' (SELECT, RESET+SELECT, P2:LEFT)."""
    from arena.emulation.state_making import POWER_ON, parse_script, play_script
    from arena.retro import integrations
    from arena.retro import states as store
    from arena.retro.state_files import sha256

    store.check_name(name)
    profile = host().profile(game)
    if start is None:
        start = profile.default_state
    if start != POWER_ON and start not in integrations.list_states(profile.game):
        from arena.core.errors import UnknownNameError

        raise UnknownNameError(
            f"{profile.name} state", start, [POWER_ON, *integrations.list_states(profile.game)]
        )
    if players is None:
        players = profile.states[start].players if start in profile.states else 1
    steps = parse_script(script, profile, players)
    echo(f"playing {sum(step.frames for step in steps):,} frames of {profile.name} from {start}")
    data = play_script(profile, start, players, steps)
    shown = script if len(script) <= 200 else script[:197] + "..."
    made_by = f"arena state make {game} --inputs '{shown}' --from {start} --players {players}"
    based_on = None if start == POWER_ON else start
    meta = store.StateMeta(players, based_on, made_by, sha256(data))
    written = store.write(profile.game, name, data, meta, replace)
    frames = sum(step.frames for step in steps)
    echo(f"saved {profile.game} state {name!r} ({players}P, {frames} frames from {start})")
    echo(f"in {written}")
    echo(f"play from it: arena run --game {game} --state {name}")


@click.command()
@click.argument("rom", type=PATH)
@click.option("--name", required=True, help="the game's name (a letter first, no '-')")
@click.option(
    "--var", "variables", multiple=True, metavar="NAME=ADDRESS:TYPE",
    help="a RAM variable for data.json, e.g. score1=0x8D:|u1 (`arena ram search` finds them)",
)  # fmt: skip
@click.option(
    "--start", default='[["noop", 1]]', show_default=True,
    help="buttons played from power-on before the start state is saved: [[BUTTONS, STEPS], ...]",
)  # fmt: skip
@click.option("--players", type=click.IntRange(1, 2), default=1, show_default=True)
@click.option("--system", help="the system, when the file's extension does not tell it")
@click.option(
    "--profile", type=PATH, help="where to write the profile skeleton (default: NAME.yaml)"
)
def integrate(
    rom: Path,
    name: str,
    variables: tuple[str, ...],
    start: str,
    players: int,
    system: str | None,
    profile: Path | None,
) -> None:
    """Make a stable-retro integration, in the arena's store, for a ROM stable-retro lacks,
    with a start state and a profile skeleton whose actions are the system's buttons."""
    import shutil

    from arena.core.errors import OutputError
    from arena.core.files import output_folder
    from arena.emulation.integrate import check_game_name, parse_variables, skeleton
    from arena.emulation.integrate import integrate as build
    from arena.retro import integrations

    check_game_name(name)  # before anything is made: a/b would make a folder a
    found = parse_variables(variables)
    target = profile or Path(f"{name}.yaml")
    if target.exists():
        raise UsageError(f"{target} exists", "give --profile another path")
    output_folder(target.parent, "--profile")
    game, folder = build(rom, name, found, start, players, system)
    try:
        target.write_text(skeleton(game, integrations.system_of(game), players, found))
    except OSError as exc:  # the integration goes too: nothing is left half-made
        shutil.rmtree(folder, ignore_errors=True)
        target.unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write it ({exc.strerror or exc})") from None
    echo(f"integrated {game} in {folder}")
    echo(f"profile skeleton: {target} (write its rules, then: arena probe {target})")
