"""The one worker-pool base behind every process pool of the arena: benchmark cells, PPO's
rollout envs and NEAT's genome evaluations, locally or on Ray.

stable-retro allows one emulator per process, so all parallelism is processes, each keeping
its env alive across tasks. A :class:`Worker` is what runs in one: pickled to the process, set
up once, then handed tasks until the pool closes. :class:`WorkerPool` starts the processes
(spawn), waits for each one's ready handshake, gives tasks to whichever worker is free,
replaces a worker that dies and retries its task, and closes them. :class:`RayPool` runs the
same workers' tasks as Ray tasks. A fix here is a fix to every pool.
"""

from __future__ import annotations

import abc
import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from arena.core.errors import ArenaError, UsageError

MAX_ATTEMPTS = 3
"""How many times a task is tried when its worker dies (a crash, the OOM killer, SIGKILL)."""

Task = TypeVar("Task")
OnResult = Callable[[Task, bool, Any], None]
"""``on_result(task, ok, payload)``: the task's return value, or (``ok`` false) why it failed."""
OnRetry = Callable[[Task, str], None]
"""``on_retry(task, reason)``: the task's worker died; the task runs again on a fresh one."""


class Worker(abc.ABC):
    """What runs in one worker process. Pickled to it (keep the fields small and picklable:
    setup data, shared tensors), then :meth:`set_up` once, :meth:`handle` per task, and
    :meth:`close` when the pool closes."""

    def set_up(self) -> None:  # noqa: B027 - optional, as close()
        """Build what the tasks need (the env). An ``ArenaError`` here fails the pool's start
        with its message."""

    @abc.abstractmethod
    def handle(self, task: Any) -> Any:
        """Do one task and return its (picklable) result. An exception fails this task only."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release what :meth:`set_up` built (the emulator)."""


def _failure(exc: Exception) -> str:
    return str(exc) if isinstance(exc, ArenaError) else f"{type(exc).__name__}: {exc}"


def _serve(conn: Connection, worker: Worker) -> None:
    """A worker process's main loop: ready handshake, then one reply per task until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    try:
        worker.set_up()
    except Exception as exc:
        with contextlib.suppress(OSError):
            conn.send(("error", _failure(exc)))
        return
    try:
        conn.send(("ready", None))
        while (task := conn.recv()) is not None:
            reply: tuple[str, Any]
            try:
                reply = ("done", worker.handle(task))
            except Exception as exc:  # a bug in one task must not take the worker down
                reply = ("error", _failure(exc))
            conn.send(reply)
    except (EOFError, OSError):  # the parent is gone (killed): leave quietly
        return
    finally:
        worker.close()


class WorkerPool:
    """One process per worker, each running :func:`_serve` over a pipe."""

    def __init__(
        self,
        workers: Sequence[Worker],
        what: str = "worker",
        on_restart: Callable[[str], None] | None = None,
    ) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.specs = list(workers)
        self.what = what
        self.on_restart = on_restart
        """Told why, each time a worker that died while starting is started again."""
        self.processes: list[Any] = []
        self.pipes: list[Connection] = []
        try:
            for index in range(len(self.specs)):
                process, pipe = self._spawn(index)
                self.processes.append(process)
                self.pipes.append(pipe)
            for index in range(len(self.specs)):  # timings start once every worker is ready
                self._await_ready(index)
        except BaseException:
            self.close()
            raise

    def __len__(self) -> int:
        return len(self.specs)

    def _spawn(self, index: int) -> tuple[Any, Connection]:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child, self.specs[index]), daemon=True)
        # No signal games around the spawn: a Ctrl-C must reach the parent whichever of its
        # threads takes it (ignoring SIGINT for the spawn, so that the child inherits that,
        # let a torch thread of PPO's discard one). A child still booting may print its own
        # KeyboardInterrupt; the parent stops the run all the same.
        process.start()
        child.close()  # so the parent sees EOF when the worker dies
        return process, parent

    def _await_ready(self, index: int) -> None:
        """Wait for worker ``index``'s handshake. One that dies while starting (killed, out of
        memory) is started again like any dead worker, up to :data:`MAX_ATTEMPTS` times; one
        whose ``set_up`` raises is an error at once (it would fail the same way again)."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                status, message = self.pipes[index].recv()
            except (EOFError, OSError):
                process = self.processes[index]
                process.join(timeout=5)  # reaped, so its exit status is known
                why = f"a {self.what} died while starting (exit code {process.exitcode})"
                if attempt == MAX_ATTEMPTS:
                    raise ArenaError(f"{why}, {MAX_ATTEMPTS} times") from None
                if self.on_restart is not None:
                    self.on_restart(why)
                self.pipes[index].close()
                self.processes[index], self.pipes[index] = self._spawn(index)
                continue
            if status == "error":
                raise ArenaError(message)
            return

    def _replace(self, index: int) -> str:
        """Start a fresh worker in place of a dead one; returns why the old one went."""
        old = self.processes[index]
        old.join(timeout=1)
        self.pipes[index].close()
        self.processes[index], self.pipes[index] = self._spawn(index)
        self._await_ready(index)
        return f"{self.what} {old.pid} died (exit code {old.exitcode})"

    def _wait(self, indices: Iterable[int]) -> list[tuple[int, tuple[str, Any]]]:
        """Wait until some of these (busy) workers reply or die. Each event is ``(index,
        (status, payload))``: a reply ("done" or "error", as the worker sent it), or
        ``("died", why)`` once the dead worker has been replaced by a fresh one."""
        waitables: dict[Any, tuple[bool, int]] = {}
        for index in indices:
            waitables[self.pipes[index]] = (True, index)
            waitables[self.processes[index].sentinel] = (False, index)
        events: dict[int, tuple[str, Any]] = {}
        for ready in wait(list(waitables)):
            is_message, index = waitables[ready]
            if index in events:
                continue
            if not is_message:
                events[index] = ("died", self._replace(index))
                continue
            try:
                events[index] = self.pipes[index].recv()
            except (EOFError, OSError):
                continue  # its death is handled through the sentinel
        return list(events.items())

    def run(
        self,
        tasks: Iterable[Task],
        on_result: OnResult[Task],
        on_retry: OnRetry[Task] | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        """Run every task on whichever worker is free; results arrive in completion order."""
        pending: deque[Task] = deque(tasks)
        attempts: dict[int, int] = {}  # id(task) -> deaths so far
        busy: dict[int, Task] = {}  # worker index -> its task
        while pending or busy:
            for index in range(len(self.specs)):
                if index not in busy and pending:
                    if not self.processes[index].is_alive():  # died while idle
                        self._replace(index)
                    busy[index] = task = pending.popleft()
                    # If it died just now, its sentinel reports it below and the task is retried.
                    with contextlib.suppress(BrokenPipeError, OSError):
                        self.pipes[index].send(task)
            for index, (status, payload) in self._wait(busy):
                task = busy.pop(index)
                if status != "died":
                    on_result(task, status == "done", payload)
                    continue
                attempts[id(task)] = attempts.get(id(task), 0) + 1
                if attempts[id(task)] < max_attempts:
                    if on_retry is not None:
                        on_retry(task, payload)
                    pending.appendleft(task)
                else:
                    on_result(task, False, f"{payload}, {max_attempts} times")

    def broadcast(self, task: Any, max_attempts: int = MAX_ATTEMPTS) -> list[Any]:
        """Give every worker the same task at once; their results, by worker."""
        return self._on_each(range(len(self.specs)), task, max_attempts)

    def call(self, task: Any, index: int = 0, max_attempts: int = MAX_ATTEMPTS) -> Any:
        """Run one task on one worker; its result."""
        [result] = self._on_each([index], task, max_attempts)
        return result

    def _on_each(self, indices: Iterable[int], task: Any, max_attempts: int) -> list[Any]:
        """``task`` on each of these workers at once. A worker that dies is replaced and given
        the task again; a task that fails raises ``ArenaError``."""
        indices = list(indices)
        results: dict[int, Any] = {}
        deaths: dict[int, int] = {}
        for index in indices:
            with contextlib.suppress(BrokenPipeError, OSError):
                self.pipes[index].send(task)
        while len(results) < len(indices):
            for index, (status, payload) in self._wait(i for i in indices if i not in results):
                if status == "done":
                    results[index] = payload
                elif status == "error":
                    raise ArenaError(payload)
                else:
                    deaths[index] = deaths.get(index, 0) + 1
                    if deaths[index] >= max_attempts:
                        raise ArenaError(f"{payload}, {max_attempts} times")
                    self.pipes[index].send(task)
        return [results[i] for i in indices]

    def close(self) -> None:
        for process, pipe in zip(self.processes, self.pipes, strict=True):
            if process.is_alive():
                with contextlib.suppress(BrokenPipeError, OSError):
                    pipe.send(None)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=1)

    def terminate(self) -> None:
        """Stop every worker now (Ctrl-C), without waiting for its task."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        self.close()

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]


# -- Ray -------------------------------------------------------------------------------------

_ray_worker: dict[str, Any] = {}


def ray_task(token: str, worker: Worker, task: Any) -> tuple[bool, Any]:
    """One task in a Ray worker process, which keeps its set-up worker (its emulator) for
    every later task of the same pool: one emulator per process, as stable-retro requires."""
    try:
        if _ray_worker.get("token") != token:
            if "worker" in _ray_worker:
                _ray_worker.pop("worker").close()
            worker.set_up()
            _ray_worker.update(token=token, worker=worker)
        return True, _ray_worker["worker"].handle(task)
    except Exception as exc:
        return False, _failure(exc)


RAY_TASK = f"{__name__}:{ray_task.__name__}"


class RayPool:
    """The tasks of one :class:`Worker` as Ray tasks (``--backend ray``): on a cluster when
    ``RAY_ADDRESS`` is set, else on a local Ray instance with ``size`` CPUs. A task whose
    worker process dies is retried by Ray, up to :data:`MAX_ATTEMPTS` tries in all."""

    def __init__(self, worker: Worker, size: int) -> None:
        self.ray = ray = start_ray(size)
        from arena.core import ray_entry

        self.path = list(sys.path)
        self.worker = ray.put(pickle.dumps(worker))  # shipped once, not with every task
        self.token = pickle.dumps(uuid.uuid4().hex)
        self.task = ray.remote(num_cpus=1, max_retries=MAX_ATTEMPTS - 1)(ray_entry.run_task)

    def run(
        self,
        tasks: Iterable[Task],
        on_result: OnResult[Task],
        on_retry: OnRetry[Task] | None = None,
    ) -> None:
        """As :meth:`WorkerPool.run` (Ray retries dead workers' tasks itself, silently)."""
        pending = {
            self.task.remote(self.path, RAY_TASK, self.token, self.worker, pickle.dumps(task)): task
            for task in tasks
        }
        while pending:
            [ready], _ = self.ray.wait(list(pending), num_returns=1)
            task = pending.pop(ready)
            try:
                ok, payload = self.ray.get(ready)
            except self.ray.exceptions.RayError as exc:  # retries exhausted
                ok, payload = False, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            on_result(task, ok, payload)

    def call(self, task: Any) -> Any:
        """Run one task; its result (``ArenaError`` if it fails)."""
        outcome: list[tuple[bool, Any]] = []
        self.run([task], lambda _task, ok, payload: outcome.append((ok, payload)))
        [(ok, payload)] = outcome
        if not ok:
            raise ArenaError(payload)
        return payload

    def close(self) -> None:
        self.ray.shutdown()

    terminate = close


def start_ray(size: int) -> Any:
    """Ray, started once: on the cluster of ``RAY_ADDRESS`` when set, else a local instance of
    ``size`` CPUs; a clear error when Ray is not installed."""
    try:
        import ray
    except ImportError:
        raise UsageError(
            "--backend ray needs Ray", 'install it with: pip install "retro-arena[ray]"'
        ) from None
    cpus = None if os.environ.get("RAY_ADDRESS") else size  # a cluster brings its own
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    from arena.core import ray_entry

    ray.cloudpickle.register_pickle_by_value(ray_entry)  # see there why
    return ray


class RayActors:
    """One Ray actor per :class:`Worker` (``--backend ray`` for workers whose state lives from
    task to task, such as PPO's envs), on any node of the cluster. :meth:`broadcast` gives
    each its own task at once; an actor that dies is replaced by a fresh one, set up from its
    worker again, and given its task again, up to :data:`MAX_ATTEMPTS` times."""

    def __init__(self, workers: Sequence[Worker], what: str = "worker") -> None:
        self.ray = start_ray(len(workers))
        from arena.core import ray_entry

        self.what = what
        self.path = list(sys.path)
        self.specs = [pickle.dumps(worker) for worker in workers]
        self.remote = self.ray.remote(num_cpus=1, max_restarts=0)(ray_entry.WorkerActor)
        self.actors = [self._start(index) for index in range(len(workers))]
        self.replaced = 0
        """How many actors died and were started again."""
        try:  # every actor set up before the first task, as WorkerPool's handshake
            self.ray.get([actor.__ray_ready__.remote() for actor in self.actors])
        except self.ray.exceptions.RayError as exc:
            self.close()
            raise ArenaError(f"a {what} could not start: {_ray_reason(exc)}") from None

    def _start(self, index: int) -> Any:
        return self.remote.remote(self.path, self.specs[index])

    def broadcast(self, tasks: Sequence[Any]) -> list[Any]:
        """``tasks[i]`` on actor ``i``, all at once; their results, in order."""
        calls = {
            index: self.actors[index].handle.remote(pickle.dumps(task))
            for index, task in enumerate(tasks)
        }
        results: dict[int, Any] = {}
        deaths: dict[int, int] = {}
        while calls:
            ready, _ = self.ray.wait(list(calls.values()), num_returns=1)
            index = next(i for i, call in calls.items() if call == ready[0])
            del calls[index]
            try:
                results[index] = self.ray.get(ready[0])
            except self.ray.exceptions.RayActorError as exc:
                deaths[index] = deaths.get(index, 0) + 1
                if deaths[index] >= MAX_ATTEMPTS:
                    raise ArenaError(
                        f"a {self.what} died {MAX_ATTEMPTS} times: {_ray_reason(exc)}"
                    ) from None
                self.actors[index] = self._start(index)  # a fresh one, its task again
                self.replaced += 1
                calls[index] = self.actors[index].handle.remote(pickle.dumps(tasks[index]))
            except self.ray.exceptions.RayTaskError as exc:
                raise ArenaError(f"a {self.what} failed: {_ray_reason(exc)}") from None
        return [results[i] for i in range(len(tasks))]

    def close(self) -> None:
        for actor in getattr(self, "actors", []):
            with contextlib.suppress(Exception):
                self.ray.kill(actor)
        self.ray.shutdown()


def _ray_reason(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
