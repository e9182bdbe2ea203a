"""Commands that compare agents: ``bench``, ``leaderboard``, ``report``, ``match``,
``tournament``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from arena.cli.common import EVALUATION_STICKY, echo, host
from arena.core.errors import UsageError
from arena.host import params
from arena.host.entries import SYNTAX
from arena.host.params import PATH, POSITIVE, use

# -- bench and the leaderboard ---------------------------------------------------------------


@click.command()
@click.argument("agents", nargs=-1, required=True, metavar=SYNTAX)
@click.option("--suite", default="smoke", show_default=True, help="suite name or .yaml path")
@use(params.workers())
@click.option("--out", type=PATH, metavar="DIR", help="results folder (default: runs/bench-SUITE)")
@click.option("--resume", is_flag=True, help="skip the cells already in DIR's results")
@click.option(
    "--backend",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="local worker processes, or Ray tasks (set RAY_ADDRESS to use a cluster)",
)
@use(*params.protocol(f"the suite's protocol block, else {EVALUATION_STICKY}"))
def bench(
    agents: tuple[str, ...],
    suite: str,
    workers: int,
    out: Path | None,
    resume: bool,
    backend: str,
    sticky: float | None,
    noop_max: int | None,
    cheat: tuple[str, ...],
) -> None:
    """Play agents on the same cells of a suite; print a leaderboard."""
    from arena.core.protocol import ProtocolOptions
    from arena.evaluation.leaderboard import format_leaderboard
    from arena.host.entries import parse_entries
    from arena.services.bench import BenchRequest
    from arena.services.bench import bench as play_bench

    request = BenchRequest(
        parse_entries(list(agents)), suite, out, workers, resume, backend,
        ProtocolOptions(sticky, noop_max, cheat),
    )  # fmt: skip
    try:
        board = play_bench(host(), request, TerminalBar("cell"))
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the finished cells' lines are kept
        if (request.folder / "results.jsonl").is_file():
            echo(f"\ninterrupted; resume with: {_resume_command(request.folder)}")
        raise
    echo(format_leaderboard(board.leaderboard))
    echo(f"leaderboard: {board.csv}, {board.json}")


class TerminalBar:
    """A service's progress on a terminal: its lines, above a progress bar while one runs."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.bar: Any = None

    def note(self, line: str) -> None:
        if self.bar is None:
            echo(line)
        else:
            self.bar.write(line)

    def started(self, total: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit=self.unit, disable=None, leave=False)

    def played(self, record: Any) -> None:
        if self.bar is not None:
            self.bar.update()

    def finished(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _resume_command(out: Path) -> str:
    """This ``arena bench`` command line, with ``--out`` and ``--resume``: it plays on."""
    import shlex
    import sys

    args = [a for a in sys.argv[1:] if a != "--resume"]
    if "--out" not in args:
        args += ["--out", str(out)]
    return shlex.join(["arena", *args, "--resume"])


def warn(problem: str) -> None:
    click.echo(problem, err=True)


@click.command()
@click.argument("path", type=PATH)
def leaderboard(path: Path) -> None:
    """Print and export the leaderboard of a benchmark's results."""
    from arena.evaluation.leaderboard import format_leaderboard
    from arena.services.bench import leaderboard as board_of

    board = board_of(host(), path, warn)
    echo(format_leaderboard(board.leaderboard))


@click.command()
@click.argument("path", type=PATH, metavar="DIR")
@click.option(
    "--training",
    type=PATH,
    multiple=True,
    metavar="RUN",
    help="an `arena train --out` folder whose curve to include (repeatable)",
)
def report(path: Path, training: tuple[Path, ...]) -> None:
    """Write a static HTML page of a benchmark or a tournament (DIR/report/index.html)."""
    from arena.services.bench import report as write_report

    echo(f"wrote {write_report(host(), path, warn, training)}")


# -- two-player matches --------------------------------------------------------------------


def game_line(game: Any) -> str:
    """One played game of a match or tournament: who sat where, the returns, the outcome."""
    outcome = f"{game.winner} wins" if game.winner else "draw"
    if game.forfeit:
        outcome += f" (forfeit: {game.forfeit})"
    returns = f"{game.returns[0]:g} / {game.returns[1]:g}"
    players = f"{game.player1} (P1) vs {game.player2} (P2)"
    return f"{players}  seed {game.seed}  returns {returns}  {outcome}"


def match_options(f: Any) -> Any:
    f = use(
        params.game(required=False, help="a profile with a 2-player state"),
        params.state("2-player state (default: the profile's first)"),
        click.Option(
            ["--episodes"], type=POSITIVE, default=1, show_default=True,
            help="seeds per pairing and side",
        ),
        params.seed(),
        params.max_frames(),
        click.Option(
            ["--record"], type=PATH, metavar="DIR", help="write .bk2 movies and tournament.json"
        ),
        *params.protocol(EVALUATION_STICKY),
    )(f)  # fmt: skip
    return click.argument("agents", nargs=-1, required=True, metavar=SYNTAX)(f)


@click.command()
@match_options
def match(**params: Any) -> None:
    """Two agents play each other in one 2-player emulator, from both sides."""
    play_matches("match", **params)


@click.command()
@match_options
@click.option(
    "--suite", help="play every 2-player game of this suite (name or .yaml) instead of --game"
)
def tournament(suite: str | None, **params: Any) -> None:
    """A round robin of 2-player matches, with OpenSkill and Elo ratings; --suite plays it on
    every 2-player game of a suite, rated per game and overall."""
    if suite is None:
        play_matches("tournament", **params)
        return
    given = [f"--{k}" for k in ("game", "state") if params[k] is not None]
    given += [f"--{k}" for k, default in (("episodes", 1), ("seed", 0)) if params[k] != default]
    if given:
        raise UsageError(
            f"--suite plays the suite's games, states and seeds: drop {', '.join(given)}"
        )
    play_suite_matches(suite, **params)


def play_suite_matches(
    suite: str,
    agents: tuple[str, ...],
    max_frames: int | None,
    record: Path | None,
    sticky: float | None,
    noop_max: int | None,
    cheat: tuple[str, ...],
    **_: Any,
) -> None:
    from arena.core.protocol import ProtocolOptions
    from arena.evaluation.match import format_standings
    from arena.host.entries import parse_entries
    from arena.services.tournament import SuiteTournamentRequest, play_suite_tournament

    request = SuiteTournamentRequest(
        parse_entries(list(agents)), suite, max_frames, record,
        ProtocolOptions(sticky, noop_max, cheat),
    )  # fmt: skip

    class Lines:
        """The terminal's view: the notes, a line per game."""

        def note(self, line: str) -> None:
            echo(line)

        def played(self, item: Any, game: Any) -> None:
            echo(f"{item.game} {item.state}: {game_line(game)}")

    result = play_suite_tournament(host(), request, Lines())
    played = result.played
    for tournament in played.tournaments:
        echo(f"\n{tournament.game} {tournament.state}:")
        echo(format_standings(tournament.standings))
        echo(tournament.advantage.describe())
    echo(f"\noverall, {sum(len(t.pairs) for t in played.tournaments)} pairs on "
         f"{len(played.tournaments)} games:")  # fmt: skip
    echo(format_standings(played.standings))
    if result.record:
        echo(f"games, pairs and ratings in {result.record} (a page of them: arena report {record})")


def play_matches(
    command: str,
    agents: tuple[str, ...],
    game: str | None,
    state: str | None,
    episodes: int,
    seed: int,
    max_frames: int | None,
    record: Path | None,
    sticky: float | None,
    noop_max: int | None,
    cheat: tuple[str, ...],
) -> None:
    from arena.core.protocol import ProtocolOptions
    from arena.evaluation.match import Game, format_standings
    from arena.host.entries import legend, parse_entries
    from arena.services.tournament import TournamentRequest, TournamentStart, play_tournament

    if game is None:
        raise UsageError(
            f"arena {command} needs --game" + (" or --suite" if command == "tournament" else "")
        )
    entries = parse_entries(list(agents))
    wanted = "two" if command == "match" else "two or more"
    if len(entries) < 2 or (command == "match" and len(entries) != 2):
        raise UsageError(f"arena {command} needs {wanted} agents, got {len(entries)}")
    request = TournamentRequest(
        entries, game, state, episodes, seed, max_frames, record,
        ProtocolOptions(sticky, noop_max, cheat),
    )  # fmt: skip

    class Lines:
        """The terminal's view: the header, the legend, a line per game."""

        def started(self, start: TournamentStart) -> None:
            echo(
                f"{start.profile.title}: {start.state}, {len(entries)} agents, "
                f"{len(start.seeds)} seed(s) per pairing and side; protocol: {start.protocol}"
            )
            for line in legend(entries):
                echo(line)

        def played(self, game: Game) -> None:
            echo(game_line(game))

    result = play_tournament(host(), request, Lines())
    played = result.tournament
    echo(format_standings(played.standings))
    echo(f"{played.game} {played.state}: {played.advantage.describe()}")
    if result.record:
        echo(f"games, pairs and ratings in {result.record} (a page of them: arena report {record})")
