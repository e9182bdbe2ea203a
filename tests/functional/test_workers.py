"""The worker-pool base every pool runs on: results, a dead worker replaced and its task
retried, a failing task reported, a failing start refused (real processes, no emulator)."""

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from arena.core.errors import ArenaError
from arena.core.workers import Worker, WorkerPool


@dataclass
class Squarer(Worker):
    """Squares numbers; dies (SIGKILL-like ``os._exit``) the first time it meets ``fatal``,
    fails on ``bad``, and refuses to start when ``broken``."""

    marker: Path
    fatal: int = -1
    bad: int = -2
    broken: bool = False

    def set_up(self) -> None:
        if self.broken:
            raise ArenaError("this worker cannot start: no emulator for you")

    def handle(self, task):
        if task == self.fatal and not self.marker.exists():
            self.marker.touch()
            os._exit(9)
        if task == self.bad:
            raise ValueError(f"{task} is bad")
        return task * task

    def close(self) -> None:
        pass


def test_tasks_survive_a_dead_worker_and_failures_are_reported(tmp_path):
    pool = WorkerPool([Squarer(tmp_path / "died", fatal=3, bad=5)] * 2, "test worker")
    results, retries = {}, []
    try:
        pool.run(
            range(8),
            lambda task, ok, payload: results.setdefault(task, (ok, payload)),
            lambda task, why: retries.append((task, why)),
        )
    finally:
        pool.close()
    assert results[3] == (True, 9)  # retried on a fresh worker after the first one died
    assert results[5] == (False, "ValueError: 5 is bad")  # the worker lives on
    assert {t: r for t, (ok, r) in results.items() if ok} == {t: t * t for t in range(8) if t != 5}
    [(task, why)] = retries
    assert task == 3 and "test worker" in why and "died (exit code 9)" in why


def test_broadcast_replays_a_dead_workers_part_and_call_raises_a_failure(tmp_path):
    pool = WorkerPool([Squarer(tmp_path / "died", fatal=4, bad=6)] * 3)
    try:
        assert pool.broadcast(4) == [16, 16, 16]  # one of the three died first
        assert (tmp_path / "died").exists() and len(set(pool.pids())) == 3
        assert pool.call(7, index=2) == 49
        with pytest.raises(ArenaError, match="ValueError: 6 is bad"):
            pool.call(6)
    finally:
        pool.close()


def test_a_worker_that_cannot_start_fails_the_pool_with_its_message(tmp_path):
    with pytest.raises(ArenaError, match="this worker cannot start: no emulator for you"):
        WorkerPool([Squarer(tmp_path / "x", broken=True)] * 2)
