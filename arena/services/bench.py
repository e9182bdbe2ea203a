"""``arena bench``, ``arena leaderboard`` and ``arena report``: entries on a suite's cells,
the board of their results, and a page of a benchmark or a tournament."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from arena.core.errors import UsageError
from arena.core.files import check_output_folder
from arena.core.locks import folder_lock
from arena.core.protocol import ProtocolOptions
from arena.evaluation.bench import BenchProgress, run_bench
from arena.evaluation.leaderboard import Leaderboard, build_leaderboard, write_leaderboard
from arena.evaluation.results import RESULTS, ResultLine, load_results, read_results
from arena.host.entries import AgentSpec
from arena.host.manager import PluginHost

Warn = Callable[[str], None]
"""Where a service reports a problem it skips past (a damaged results line): stderr, a page."""


@dataclass(frozen=True)
class BenchRequest:
    """What ``arena bench`` is asked: the entries, the suite, the results folder (default
    ``runs/bench-SUITE``), how to run, and the protocol's options."""

    entries: Sequence[AgentSpec]
    suite: str = "smoke"
    out: Path | None = None
    workers: int = 2
    resume: bool = False
    backend: str = "local"
    protocol: ProtocolOptions = field(default_factory=ProtocolOptions)

    @property
    def folder(self) -> Path:
        return self.out or Path("runs") / f"bench-{Path(self.suite).stem}"


@dataclass(frozen=True)
class Board:
    """A leaderboard and the files it was written to."""

    leaderboard: Leaderboard
    csv: Path
    json: Path


def bench(host: PluginHost, request: BenchRequest, progress: BenchProgress) -> Board:
    """Play every entry on every cell of the suite (holding the folder's lock), then rank
    them. Ctrl-C or SIGTERM keeps the finished cells' lines (``--resume`` plays on)."""
    out = request.folder
    check_output_folder(out, "--out")
    with folder_lock(out, "--out"):
        results = run_bench(
            host, list(request.entries), request.suite, out, request.workers, request.resume,
            progress, request.backend, request.protocol,
        )  # fmt: skip
        if not results.is_file():  # every cell skipped: nothing to rank
            raise UsageError(
                f"suite {request.suite}: no cell could be played (each is listed above with why)",
                "install what they need, then run the command again",
            )
        board = build_leaderboard(load_results(results), host)
        csv_path, json_path = write_leaderboard(board, out)
    return Board(board, csv_path, json_path)


def bench_cells(results: Path, warn: Warn) -> list[ResultLine]:
    """The cells of a benchmark's results file (damaged lines warned of and skipped); a file
    with no cells is a clear error."""
    if not results.is_file():
        raise UsageError(
            f"{results.parent}: no benchmark results ({results.name}) there",
            "give an `arena bench --out` or `arena tournament --record` folder",
        )
    cells, damaged = read_results(results)
    for problem in damaged if cells else []:  # no cell at all: not a benchmark (below)
        warn(problem)
    if not cells:
        raise UsageError(
            f"{results} holds no benchmark cells (`arena run` writes episodes, not cells)",
            "benchmark agents with `arena bench AGENT... --suite SUITE --out DIR`",
        )
    return cells


def leaderboard(host: PluginHost, path: Path, warn: Warn) -> Board:
    """The board of a benchmark's results (a folder or its results file), written beside
    them as CSV and JSON."""
    results = path if path.is_file() else path / RESULTS
    board = build_leaderboard(bench_cells(results, warn), host)
    csv_path, json_path = write_leaderboard(board, results.parent)
    return Board(board, csv_path, json_path)


def report(host: PluginHost, path: Path, warn: Warn, training: Sequence[Path] = ()) -> Path:
    """Write ``path/report/index.html`` for a benchmark (with the learning curves of
    ``training`` runs), a tournament or a suite's tournaments; return the page."""
    from arena.evaluation.match import TOURNAMENT
    from arena.evaluation.report import write_report, write_suite_report, write_tournament_report
    from arena.evaluation.suite_tournament import SUITE_TOURNAMENT

    tournament = (path / TOURNAMENT).is_file() or (path / SUITE_TOURNAMENT).is_file()
    if tournament and not (path / RESULTS).exists():
        if training:
            raise UsageError(
                "--training adds learning curves to a benchmark's page, not a tournament's"
            )
        if (path / SUITE_TOURNAMENT).is_file():
            return write_suite_report(path, host)
        return write_tournament_report(path, host)
    bench_cells(path / RESULTS, warn)
    for folder in training:
        if not folder.is_dir():
            raise UsageError(f"--training {folder}: no such folder")
    return write_report(path, host, list(training))
