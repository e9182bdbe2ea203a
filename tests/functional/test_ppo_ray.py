"""PPO's env workers as Ray actors (``arena train ppo --backend ray``): the same run as with
local processes, and a worker that dies replaced with its rollout played again."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from arena import RayActors, Worker
from conftest import arena

pytestmark = pytest.mark.slow  # Ray comes with the test extra: no skip

LEARNING = ("update", "global_step", "policy_loss", "value_loss", "entropy", "approx_kl",
            "mean_return")  # fmt: skip


def curve(run: Path) -> list[tuple[str, ...]]:
    with (run / "train.csv").open() as fh:
        return [tuple(row[k] for k in LEARNING) for row in csv.DictReader(fh)]


def test_a_run_on_ray_actors_learns_exactly_as_one_on_local_processes(tmp_path):
    runs = {}
    for backend in ("local", "ray"):
        out = tmp_path / backend
        done = arena(
            "train", "ppo", "--game", "airstriker", "--steps", "512", "--envs", "2",
            "--max-frames", "300", "--set", "num_steps=64", "--set", "num_minibatches=1",
            "--seed", "3", "--backend", backend, "--out", str(out),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        runs[backend] = out
    assert len(curve(runs["ray"])) == 4
    assert curve(runs["ray"]) == curve(runs["local"])  # the same samples, the same updates
    episodes = [(r / "episodes.csv").read_text() for r in runs.values()]
    assert episodes[0] == episodes[1]


@dataclass
class DiesOnce(Worker):
    """Dies (as a killed process does) the first time it is asked, then answers."""

    marker: Path

    def handle(self, task: int) -> tuple[int, int]:
        if not self.marker.exists():
            self.marker.write_text("died once")
            os._exit(1)
        return task * 2, os.getpid()


def test_an_actor_that_dies_is_replaced_and_given_its_task_again(tmp_path):
    actors = RayActors([DiesOnce(tmp_path / "a"), DiesOnce(tmp_path / "b")], "test worker")
    try:
        answers = actors.broadcast([1, 2])
        assert [value for value, _ in answers] == [2, 4]
        assert actors.replaced == 2
        again = actors.broadcast([3, 4])  # the replacements keep serving
        assert [value for value, _ in again] == [6, 8]
        assert [pid for _, pid in again] == [pid for _, pid in answers]
    finally:
        actors.close()
