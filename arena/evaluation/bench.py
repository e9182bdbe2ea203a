"""Head-to-head benchmarks: every agent plays exactly the same cells (game, state, seed, time
limit) of a suite, in parallel worker processes, each cell recorded as a .bk2 with sidecar.

The parent process is the single writer of ``results.jsonl`` (one line per finished cell,
flushed at once). A worker that dies, even by SIGKILL, is replaced and its cell retried; the
emulator is deterministic, so a retry plays the same episode. ``--resume`` skips cells already
in the results file, so nothing is lost or doubled.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from arena.core.errors import ArenaError, ProfileError, UsageError, did_you_mean
from arena.core.files import named_file, output_folder
from arena.core.protocol import EVALUATION, Protocol, ProtocolOptions
from arena.core.reading import read_regular
from arena.core.workers import RayPool, Worker, WorkerPool
from arena.evaluation.results import (
    RESULTS,
    ResultLine,
    append_result,
    episode_fields,
    read_results,
)
from arena.host.entries import AgentSpec, Entry, legend
from arena.host.manager import PluginHost, default_host
from arena.play.slot import EnvSlot
from arena.profiles.cheats import check_names
from arena.profiles.loading import read_yaml, schema
from arena.profiles.schema import SuiteModel
from arena.retro import roms


@dataclass(frozen=True)
class Cell:
    """One benchmark cell: every agent plays it once."""

    game: str
    state: str
    seed: int
    max_frames: int
    source: str = ""
    """How the suite names the game when it is not a registered name: a profile's path."""
    cheats: tuple[str, ...] = ()
    """The profile's cheats and pokes on in this cell (the suite's and ``--cheat``'s)."""

    @property
    def id(self) -> str:
        played = f"{self.game}/{self.state}/seed{self.seed}/{self.max_frames}"
        return played + (f"/cheats={'+'.join(self.cheats)}" if self.cheats else "")


@dataclass(frozen=True)
class Job:
    agent: Entry
    """Resolved once in the parent (it pickles): a worker builds the agent from it as it is."""
    cell: Cell
    protocol: Protocol = EVALUATION

    @property
    def id(self) -> str:
        return f"{self.agent.label}|{self.cell.id}"


@dataclass
class Suite:
    """A suite's playable cells, (cell, reason) for those skipped for a missing ROM, and the
    evaluation protocol its ``protocol:`` block sets (None: the arena's default)."""

    cells: list[Cell]
    skipped: list[tuple[str, str]]
    protocol: Protocol | None
    name: str = ""
    elsewhere: list[tuple[str, str]] = field(default_factory=list)
    """(cell, why) for cells of the other kind: 2-player ones a benchmark leaves to
    ``arena tournament --suite``, 1-player ones a tournament leaves to ``arena bench``."""


PLAYED_BY = {1: "arena bench --suite", 2: "arena tournament --suite"}


def load_suite(
    host: PluginHost, name: str, cheats: Sequence[str] = (), players: int | None = 1
) -> Suite:
    """Read and validate a suite (by name or path), dropping cells whose ROM is missing;
    ``cheats`` are switched on in every cell, beside a cell's own. Only the cells of states
    for ``players`` players are played (None: every cell, for checking a suite); a suite
    without any is an error."""
    host.refuse_clash("suite", name)
    if name in host.suites:
        path = host.suites[name].path
    elif name.endswith((".yaml", ".yml")) and Path(name).is_file():
        path = Path(name)
    else:
        valid = ", ".join(sorted(host.suites))
        raise UsageError(
            f"unknown suite {name!r}{did_you_mean(name, host.suites)}; "
            f"valid: {valid}, or a suite .yaml"
        )
    source = str(path)
    suite: SuiteModel = schema.validate(SuiteModel, read_yaml(path, "suite"), source)
    protocol = suite.protocol
    cells: list[Cell] = []
    skipped: list[tuple[str, str]] = []
    elsewhere: list[tuple[str, str]] = []
    for index, entry in enumerate(suite.cells):
        where = f"cells[{index}]"
        try:
            profile = host.profile(entry.game)
        except ArenaError as exc:
            raise ProfileError(source, f"{where}.game", exc.message) from None
        max_frames = entry.max_frames or profile.max_frames
        if max_frames is None:
            raise ProfileError(
                source, f"{where}.max_frames", f"required: {profile.name} has no time limit"
            )
        status = roms.rom_status(profile.game)
        try:
            on = check_names([*cheats, *entry.cheats], profile.cheats, profile.pokes, profile.name)
        except ArenaError as exc:
            raise ProfileError(source, f"{where}.cheats", exc.message) from None
        for state in entry.states or [profile.default_state]:
            try:
                spec = profile.state(state)
            except ArenaError as exc:
                raise ProfileError(source, f"{where}.states", exc.message) from None
            if spec.players not in PLAYED_BY:
                problem = (
                    f"{state} is for {spec.players} players; suites hold 1- and 2-player states"
                )
                raise ProfileError(source, f"{where}.states", problem)
            for seed in entry.seeds or [0]:
                origin = "" if entry.game == profile.name else profile.source
                cell = Cell(profile.name, spec.name, seed, max_frames, origin, on)
                if players is not None and spec.players != players:
                    why = f"a {spec.players}-player state: {PLAYED_BY[spec.players]} plays it"
                    elsewhere.append((cell.id, why))
                elif status.installed:
                    cells.append(cell)
                else:
                    skipped.append((cell.id, status.detail))
    if players is not None and not cells and not skipped:
        raise UsageError(
            f"suite {name!r} has no cell for {players} player(s)",
            f"{PLAYED_BY[3 - players]} {name} plays its cells",
        )
    return Suite(cells, skipped, protocol, path.stem, elsewhere)


def finished_jobs(
    results: Path, protocol: Protocol, report: Callable[[str], None] = print
) -> set[str]:
    """The jobs already in the results file; a last line cut by a crash is dropped first, and
    any other damaged line is reported by number and its cell played again. Results of
    another protocol are refused: one results file, one protocol."""
    if not results.exists():
        return set()
    try:
        data = read_regular(results)
    except OSError as exc:
        raise UsageError(f"{results}: cannot read it ({exc.strerror or exc})") from None
    if data and not data.endswith(b"\n"):
        results.write_bytes(data[: data.rfind(b"\n") + 1])
    rows, damaged = read_results(results)
    for problem in damaged:
        report(f"{problem}: its cell is played again")
    done = set()
    for record in rows:
        recorded = record.played_under()
        # Cheats differ cell by cell, and name the cell (its id): the rest is the suite's.
        if recorded.model_copy(update={"cheats": ()}) != protocol.model_copy(update={"cheats": ()}):
            raise UsageError(
                f"{results} was played under {recorded.describe()}, not {protocol.describe()}",
                "resume with the same --sticky and --noop-max, or use another --out",
            )
        done.add(record.job)
    return done


def drop_unnamed_movies(out: Path, results: Path, report: Callable[[str], None]) -> None:
    """``--resume``: remove the movies (and sidecars, and partial files) no results line
    names, which a run stopped between a movie and its line left behind; their cells are
    played again, so the folder holds one movie per results line."""
    movies = out / "movies"
    if not movies.is_dir():
        return
    rows, _ = read_results(results) if results.exists() else ([], [])
    named = {
        path.resolve() for row in rows if (path := named_file(out, row.movie, ".bk2")) is not None
    }
    dropped = 0
    for path in sorted(movies.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        partial = path.name.startswith(".") and ".part." in path.name
        movie = path if path.suffix == ".bk2" else path.with_suffix(".bk2")
        if partial or (path.suffix in (".bk2", ".json") and movie.resolve() not in named):
            path.unlink(missing_ok=True)
            dropped += path.suffix == ".bk2"
    if dropped:
        report(f"removed {dropped} movie(s) no results line names (their cells play again)")


# -- workers -------------------------------------------------------------------------------


def _play(host: PluginHost, slot: EnvSlot, job: Job, movies: Path) -> ResultLine:
    """Play one job in this worker, keeping its env alive while the game stays the same."""
    from arena.play.env import ArenaEnv
    from arena.play.runner import RunConfig, record_episode

    entry = job.agent  # resolved in the parent, once
    checkpoint = entry.checkpoint
    overrides = dict(entry.observation)
    cell = job.cell

    def build() -> ArenaEnv:
        profile = host.profile(cell.source or cell.game).with_time_limit(cell.max_frames)
        return ArenaEnv(
            profile, cell.state, protocol=job.protocol, builders=host.observations, **overrides
        )

    key = [cell.game, cell.state, cell.max_frames, overrides, job.protocol.as_dict()]
    env = slot.get(key, build)
    agents = host.build_players(entry, env, job.cell.seed)
    config = RunConfig(
        job.agent.label,
        episodes=1,
        seed=job.cell.seed,
        record=movies / job.agent.label,  # one folder per entry, named by its label
        checkpoint=checkpoint,
        options=dict(entry.spec.options),
        agent_name=entry.name,
    )
    result = record_episode(env, agents, config, 0)
    return ResultLine(**_line(job), **episode_fields(result, movies.parent))


def _line(job: Job) -> dict[str, Any]:
    """The fields every results line of ``job`` starts with."""
    return {
        "job": job.id,
        "cell": job.cell.id,
        **asdict(job.cell),
        **job.agent.spec.record(),
        "protocol": job.protocol.as_dict(),
    }


def failure(job: Job, error: str) -> ResultLine:
    """The results line of a cell that could not be played."""
    return ResultLine(**_line(job), error=error)


@dataclass
class BenchWorker(Worker):
    """Plays jobs in a worker process, keeping its plugins and its one env between jobs."""

    movies: Path

    def set_up(self) -> None:
        self.host, self.slot = default_host(), EnvSlot()  # this worker process's one host

    def handle(self, task: Job) -> ResultLine:
        return _play(self.host, self.slot, task, self.movies)

    def close(self) -> None:
        self.slot.close()


class BenchProgress(typing.Protocol):
    """Where a benchmark reports: a terminal's lines and progress bar, a web page."""

    def note(self, line: str) -> None:
        """A line to show (a cell skipped, a retry, the header)."""

    def started(self, cells: int) -> None:
        """``cells`` jobs are about to be played."""

    def played(self, record: ResultLine) -> None:
        """One job's results line is written."""

    def finished(self) -> None:
        """Every job is done (or the run stops)."""


def run_bench(
    host: PluginHost,
    agents: list[AgentSpec],
    suite: str,
    out: Path,
    workers: int,
    resume: bool,
    progress: BenchProgress,
    backend: str = "local",
    options: ProtocolOptions | None = None,
) -> Path:
    """Run every agent on every cell of ``suite``; return the results file. ``options`` (the
    command line's) override the suite's ``protocol:`` block, whose default is
    :data:`EVALUATION`; their cheats are switched on in every cell. ``progress`` is told
    every line and every cell played."""
    echo = progress.note
    options = options or ProtocolOptions()
    loaded = load_suite(host, suite, options.cheats)
    protocol = ProtocolOptions(options.sticky, options.noop_max).resolve(
        EVALUATION, loaded.protocol
    )
    entries = host.resolve_entries(agents)  # once: the workers get them as they are
    labels = [a.label for a in entries]
    if len(set(labels)) != len(labels):
        raise UsageError(f"an agent is listed twice: {', '.join(labels)}")
    for cell, reason in loaded.skipped:
        echo(f"skipped   {cell}: {reason}")
    for cell, reason in loaded.elsewhere:
        echo(f"left out  {cell}: {reason}")
    results = out / RESULTS
    if results.exists() and not resume:
        raise UsageError(
            f"{out} already holds benchmark results",
            "add --resume to continue them, or use another --out",
        )
    done = finished_jobs(results, protocol, echo)
    output_folder(out, "--out")
    if resume:
        drop_unnamed_movies(out, results, echo)
    # A cell an entry cannot play (see Entry.cannot_play) is not entered, not failed.
    refusals = {
        (agent.label, cell.game): agent.cannot_play(host.profile(cell.source or cell.game))
        for cell in loaded.cells
        for agent in entries
    }
    for (label, game), refusal in refusals.items():
        if refusal:
            echo(f"not entered {label} on {game}: {refusal}")
    entered = [
        (agent, cell)
        for cell in loaded.cells
        for agent in entries
        if refusals[(agent.label, cell.game)] is None
    ]
    jobs = [
        job
        for agent, cell in entered
        if (job := Job(agent, cell, protocol.with_cheats(cell.cheats))).id not in done
    ]
    for line in legend(agents):
        echo(line)
    echo(
        f"suite {suite}: {len(loaded.cells)} cells x {len(agents)} agents; {len(jobs)} to play"
        + (
            f" ({len(loaded.cells) * len(agents) - len(entered)} not entered)"
            if len(entered) < len(loaded.cells) * len(agents)
            else ""
        )
        + (f", {len(done)} already done" if done else "")
        + f", {workers} worker(s); protocol: {protocol.describe()}"
    )
    progress.started(len(jobs))
    failed = forfeited = 0

    def on_result(job: Job, record: ResultLine) -> None:
        nonlocal failed, forfeited
        append_result(results, record)  # the single writer, one line per cell
        if record.error is not None:
            failed += 1
            echo(f"FAILED    {job.id}: {record.error}")
        elif record.forfeit:
            forfeited += 1
            echo(f"forfeit   {job.id}: {record.forfeit}")
        progress.played(record)

    def on_played(job: Job, ok: bool, payload: Any) -> None:
        on_result(job, payload if ok else failure(job, payload))

    # Either returns once its workers can take jobs, so the timing below is the playing alone.
    worker = BenchWorker(out / "movies")
    pool = (
        RayPool(worker, workers)
        if backend == "ray"
        else WorkerPool(
            [worker] * workers, "benchmark worker", lambda why: echo(f"restarting: {why}")
        )
    )
    started = time.perf_counter()
    try:
        pool.run(jobs, on_played, lambda job, why: echo(f"retrying {job.id}: {why}"))
    finally:
        pool.close()
        progress.finished()
    seconds = time.perf_counter() - started
    skipped = len(loaded.skipped) * len(agents)
    echo(
        f"{len(jobs) - failed} cell(s) played ({forfeited} forfeited), {failed} failed, "
        f"{skipped} skipped, in {seconds:.2f} s; results in {results}"
    )
    return results
