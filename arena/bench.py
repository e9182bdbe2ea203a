"""Head-to-head benchmarks: every agent plays exactly the same cells (game, state, seed, time
limit) of a suite, in parallel worker processes, each cell recorded as a .bk2 with sidecar.

The parent process is the single writer of ``results.jsonl`` (one line per finished cell,
flushed at once). A worker that dies, even by SIGKILL, is replaced and its cell retried; the
emulator is deterministic, so a retry plays the same episode. ``--resume`` skips cells already
in the results file, so nothing is lost or doubled.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from arena import roms, schema
from arena.entries import AgentSpec, legend
from arena.errors import ArenaError, ProfileError, UsageError, did_you_mean
from arena.files import append_line, output_folder
from arena.plugin_manager import PluginHost
from arena.profiles import read_yaml
from arena.protocol import EVALUATION, Protocol
from arena.schema import SuiteModel

MAX_ATTEMPTS = 3
RESULTS = "results.jsonl"


@dataclass(frozen=True)
class Cell:
    """One benchmark cell: every agent plays it once."""

    game: str
    state: str
    seed: int
    max_frames: int
    source: str = ""
    """How the suite names the game when it is not a registered name: a profile's path."""

    @property
    def id(self) -> str:
        return f"{self.game}/{self.state}/seed{self.seed}/{self.max_frames}"


@dataclass(frozen=True)
class Job:
    agent: AgentSpec
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


def load_suite(host: PluginHost, name: str) -> Suite:
    """Read and validate a suite (by name or path), dropping cells whose ROM is missing."""
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
    protocol = None if suite.protocol is None else Protocol(**suite.protocol.model_dump())
    cells, skipped = [], []
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
        for state in entry.states or [profile.default_state]:
            try:
                spec = profile.state(state)
            except ArenaError as exc:
                raise ProfileError(source, f"{where}.states", exc.message) from None
            if spec.players != 1:
                problem = f"{state} is for {spec.players} players; benchmarks play 1-player states"
                raise ProfileError(source, f"{where}.states", problem)
            for seed in entry.seeds or [0]:
                source = "" if entry.game == profile.name else profile.source
                cell = Cell(profile.name, spec.name, seed, max_frames, source)
                if status.installed:
                    cells.append(cell)
                else:
                    skipped.append((cell.id, status.detail))
    return Suite(cells, skipped, protocol)


def finished_jobs(
    results: Path, protocol: Protocol, report: Callable[[str], None] = print
) -> set[str]:
    """The jobs already in the results file; a last line cut by a crash is dropped first, and
    any other damaged line is reported by number and its cell played again. Results of
    another protocol are refused: one results file, one protocol."""
    from arena.leaderboard import read_results

    if not results.exists():
        return set()
    data = results.read_bytes()
    if data and not data.endswith(b"\n"):
        results.write_bytes(data[: data.rfind(b"\n") + 1])
    rows, damaged = read_results(results)
    for problem in damaged:
        report(f"{problem}: its cell is played again")
    done = set()
    for record in rows:
        recorded = Protocol.from_dict(record.get("protocol"))
        if recorded != protocol:
            raise UsageError(
                f"{results} was played under {recorded.describe()}, not {protocol.describe()}",
                "resume with the same --sticky and --noop-max, or use another --out",
            )
        done.add(record["job"])
    return done


# -- workers -------------------------------------------------------------------------------


def _play(host: PluginHost, cache: dict[str, Any], job: Job, movies: Path) -> dict[str, Any]:
    """Play one job in this worker, keeping its env alive while the game stays the same."""
    from arena.agents import AgentContext
    from arena.env import ArenaEnv
    from arena.runner import RunConfig, record_episode

    entry = host.agent(job.agent.name)
    checkpoint = job.agent.checkpoint_path
    overrides = entry.observation_overrides(checkpoint, job.agent.options)
    key = json.dumps(
        [job.cell.game, job.cell.state, job.cell.max_frames, overrides, job.protocol.as_dict()],
        default=str,
    )
    if cache.get("key") != key:
        if "env" in cache:
            cache.pop("env").close()  # one emulator per process
        game = job.cell.source or job.cell.game
        profile = replace(host.profile(game), max_frames=job.cell.max_frames)
        cache["env"] = ArenaEnv(profile, job.cell.state, protocol=job.protocol, **overrides)
        cache["key"] = key
    env = cache["env"]
    context = AgentContext(env.spec_for_agents, job.cell.seed, checkpoint, job.agent.options)
    agents = host.build_agents(job.agent.name, context, 1)
    config = RunConfig(
        job.agent.label,
        episodes=1,
        seed=job.cell.seed,
        record=movies / job.agent.label,  # one folder per entry, named by its label
        checkpoint=checkpoint,
        options=dict(job.agent.options),
        agent_name=job.agent.name,
    )
    result = record_episode(env, agents, config, 0)
    return {
        **_line(job),
        "return": result.episode_return,
        "frames": result.frames,
        "progress": result.progress,
        "done_reason": result.done_reason,
        "forfeit": result.forfeit,
        "noops": result.noops,
        "digest": result.digest,
        "movie": result.movie,
        "seconds": round(result.seconds, 3),
    }


def _line(job: Job) -> dict[str, Any]:
    """The fields every results line of ``job`` starts with."""
    return {
        "job": job.id,
        "cell": job.cell.id,
        **asdict(job.cell),
        **job.agent.record(),
        "protocol": job.protocol.as_dict(),
    }


def failure(job: Job, error: str) -> dict[str, Any]:
    """The results line of a cell that could not be played."""
    return {**_line(job), "error": error}


def _worker(conn: Connection, movies: Path) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    host, cache = PluginHost(), dict[str, Any]()
    try:
        conn.send(("ready", None))
        while True:
            job = conn.recv()
            if job is None:
                return
            reply: tuple[str, Any]
            try:
                reply = ("done", _play(host, cache, job, movies))
            except ArenaError as exc:
                reply = ("error", str(exc))
            except Exception as exc:  # a bug in one cell must not take the worker down
                reply = ("error", f"{type(exc).__name__}: {exc}")
            conn.send(reply)
    except (EOFError, OSError):  # the parent is gone (killed): leave quietly
        return
    finally:
        if "env" in cache:
            cache["env"].close()


class WorkerPool:
    """Worker processes that each run one job at a time; dead ones are replaced."""

    def __init__(self, size: int, movies: Path) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.movies = movies
        self.workers: list[tuple[Any, Connection]] = [self._start() for _ in range(size)]
        for index in range(size):  # timings start once every worker has loaded its plugins
            self._await_ready(index)

    def _await_ready(self, index: int) -> None:
        process, conn = self.workers[index]
        try:
            conn.recv()
        except (EOFError, OSError):
            raise ArenaError(
                f"a benchmark worker died while starting (exit code {process.exitcode})"
            ) from None

    def _start(self) -> tuple[Any, Connection]:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker, args=(child, self.movies), daemon=True)
        process.start()
        return process, parent

    def run(
        self,
        jobs: Iterable[Job],
        on_result: Callable[[Job, dict[str, Any]], None],
        on_retry: Callable[[Job, str], None],
    ) -> None:
        pending: deque[Job] = deque(jobs)
        attempts: dict[str, int] = {}
        busy: dict[int, Job] = {}  # worker index -> job
        while pending or busy:
            for index in range(len(self.workers)):
                if index not in busy and pending:
                    if not self.workers[index][0].is_alive():  # died while idle
                        self.workers[index] = self._start()
                        self._await_ready(index)
                    busy[index] = job = pending.popleft()
                    # If it died just now, its sentinel reports it below and the job is retried.
                    with contextlib.suppress(BrokenPipeError, OSError):
                        self.workers[index][1].send(job)
            waitables: dict[Any, tuple[str, int]] = {}
            for index in busy:
                process, conn = self.workers[index]
                waitables[conn] = ("message", index)
                waitables[process.sentinel] = ("death", index)
            for ready in wait(list(waitables)):
                kind, index = waitables[ready]
                if index not in busy:
                    continue
                job = busy[index]
                process, conn = self.workers[index]
                if kind == "message":
                    try:
                        status, payload = conn.recv()
                    except (EOFError, OSError):
                        continue  # its death is handled through the sentinel
                    del busy[index]
                    on_result(job, payload if status == "done" else failure(job, payload))
                else:  # the worker died: replace it and retry its job
                    del busy[index]
                    process.join(timeout=1)
                    self.workers[index] = self._start()
                    self._await_ready(index)
                    attempts[job.id] = attempts.get(job.id, 0) + 1
                    reason = f"worker {process.pid} died (exit code {process.exitcode})"
                    if attempts[job.id] < MAX_ATTEMPTS:
                        on_retry(job, reason)
                        pending.appendleft(job)
                    else:
                        on_result(job, failure(job, f"{reason}, {MAX_ATTEMPTS} times"))

    def close(self) -> None:
        for process, conn in self.workers:
            if process.is_alive():
                try:
                    conn.send(None)
                except (BrokenPipeError, OSError):
                    continue
        for process, _ in self.workers:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()

    def pids(self) -> list[int]:
        return [process.pid for process, _ in self.workers]


_ray_worker: dict[str, Any] = {}


def _ray_play(job: Job, movies: Path) -> tuple[str, Any]:
    """One job as a Ray task; each Ray worker process keeps its plugins and its one emulator."""
    if "host" not in _ray_worker:
        _ray_worker["host"], _ray_worker["cache"] = PluginHost(), {}
    try:
        return "done", _play(_ray_worker["host"], _ray_worker["cache"], job, movies)
    except ArenaError as exc:
        return "error", str(exc)


class RayPool:
    """The same jobs as Ray tasks (``--backend ray``): on a cluster when ``RAY_ADDRESS`` is set,
    else on a local Ray instance with ``size`` CPUs. A task whose worker dies is retried."""

    def __init__(self, size: int, movies: Path) -> None:
        try:
            import ray
        except ImportError:
            raise UsageError(
                "--backend ray needs Ray", 'install it with: pip install "retro-arena[ray]"'
            ) from None
        self.ray = ray
        self.movies = movies
        cpus = None if os.environ.get("RAY_ADDRESS") else size  # a cluster brings its own
        ray.init(
            num_cpus=cpus, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True
        )
        self.task = ray.remote(num_cpus=1, max_retries=MAX_ATTEMPTS - 1)(_ray_play)

    def run(
        self,
        jobs: Iterable[Job],
        on_result: Callable[[Job, dict[str, Any]], None],
        on_retry: Callable[[Job, str], None],
    ) -> None:
        pending = {self.task.remote(job, self.movies): job for job in jobs}
        while pending:
            [ready], _ = self.ray.wait(list(pending), num_returns=1)
            job = pending.pop(ready)
            try:
                status, payload = self.ray.get(ready)
            except self.ray.exceptions.RayError as exc:  # retries exhausted
                status, payload = "error", f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            on_result(job, payload if status == "done" else failure(job, payload))

    def close(self) -> None:
        self.ray.shutdown()


def run_bench(
    host: PluginHost,
    agents: list[AgentSpec],
    suite: str,
    out: Path,
    workers: int,
    resume: bool,
    echo: Callable[[str], None],
    backend: str = "local",
    protocol: Protocol | None = None,
) -> Path:
    """Run every agent on every cell of ``suite``; return the results file. ``protocol``
    overrides the suite's ``protocol:`` block (whose default is :data:`EVALUATION`)."""
    loaded = load_suite(host, suite)
    protocol = protocol or loaded.protocol or EVALUATION
    host.check_entries(agents)
    labels = [a.label for a in agents]
    if len(set(labels)) != len(labels):
        raise UsageError(f"an agent is listed twice: {', '.join(labels)}")
    for cell, reason in loaded.skipped:
        echo(f"skipped   {cell}: {reason}")
    results = out / RESULTS
    if results.exists() and not resume:
        raise UsageError(
            f"{out} already holds benchmark results",
            "add --resume to continue them, or use another --out",
        )
    done = finished_jobs(results, protocol, echo)
    output_folder(out, "--out")
    jobs = [
        job
        for cell in loaded.cells
        for agent in agents
        if (job := Job(agent, cell, protocol)).id not in done
    ]
    for line in legend(agents):
        echo(line)
    echo(
        f"suite {suite}: {len(loaded.cells)} cells x {len(agents)} agents; {len(jobs)} to play"
        + (f", {len(done)} already done" if done else "")
        + f", {workers} worker(s); protocol: {protocol.describe()}"
    )
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), unit="cell", disable=None, leave=False)
    failed = forfeited = 0

    def on_result(job: Job, record: dict[str, Any]) -> None:
        nonlocal failed, forfeited
        append_line(results, json.dumps(record))  # the single writer, one line per cell
        if "error" in record:
            failed += 1
            bar.write(f"FAILED    {job.id}: {record['error']}")
        elif record.get("forfeit"):
            forfeited += 1
            bar.write(f"forfeit   {job.id}: {record['forfeit']}")
        bar.update()

    # Either returns once its workers can take jobs, so the timing below is the playing alone.
    pool: WorkerPool | RayPool = (
        RayPool(workers, out / "movies")
        if backend == "ray"
        else WorkerPool(workers, out / "movies")
    )
    started = time.perf_counter()
    try:
        pool.run(jobs, on_result, lambda job, why: bar.write(f"retrying {job.id}: {why}"))
    finally:
        pool.close()
        bar.close()
    seconds = time.perf_counter() - started
    skipped = len(loaded.skipped) * len(agents)
    echo(
        f"{len(jobs) - failed} cell(s) played ({forfeited} forfeited), {failed} failed, "
        f"{skipped} skipped, in {seconds:.2f} s; results in {results}"
    )
    return results
