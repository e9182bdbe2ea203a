"""``arena state``: save states made from a movie's frame or from a scripted input sequence."""

from __future__ import annotations

from pathlib import Path

import click

from arena.cli.common import echo, host
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
    from arena.services.states import save_state

    saved = save_state(host(), movie, frame, name, replace)
    echo(f"saved {saved.game} state {name!r} ({saved.players}P, frame {frame} of {movie.name})")
    echo(f"in {saved.path}")
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
    from arena.services.states import MakeStateRequest, make_state

    request = MakeStateRequest(game, script, name, start, players, replace)

    saved = make_state(host(), request, echo)
    echo(
        f"saved {saved.game} state {name!r} ({saved.players}P, {saved.frames} frames from "
        f"{saved.start})"
    )
    echo(f"in {saved.path}")
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
    from arena.services.states import IntegrateRequest
    from arena.services.states import integrate as make_integration

    request = IntegrateRequest(rom, name, variables, start, players, system, profile)
    made = make_integration(request)
    echo(f"integrated {made.game} in {made.folder}")
    echo(f"profile skeleton: {made.profile} (write its rules, then: arena probe {made.profile})")
