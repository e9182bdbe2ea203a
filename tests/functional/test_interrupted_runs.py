"""Runs stopped from outside, as schedulers and people stop them (issue #31): SIGTERM is
handled as Ctrl-C (what can be resumed is saved, nothing is left half-made, exit 143), and a
resumed run's record holds each generation, update and cell exactly once, with one movie per
results line. Each test waits for a file the run writes, never for a time."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from arena.retro import integrations
from conftest import arena, csv_rows

PPO_SMALL = ["--envs", "2", "--set", "num_steps=64", "--set", "num_minibatches=2"]


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`arena ARGS` in its own process group (its workers with it), as a scheduler starts it."""
    return subprocess.Popen(
        [sys.executable, "-m", "arena.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, what: str) -> None:
    """Until ``condition`` holds; fails (with the run's output) if the run ends first."""
    deadline = time.monotonic() + 600  # a bound for a hung run, not a timing
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the run ended before {what}: {out}\n{err}")
        assert time.monotonic() < deadline, f"no {what} in 600 s"
        time.sleep(0.05)



@pytest.mark.slow
def test_neat_killed_right_after_a_checkpoint_resumes_without_a_hole(tmp_path):
    out = tmp_path / "neat"
    args = ("train", "neat-ff", "--game", "airstriker", "--pop", "4", "--generations", "4",
            "--max-frames", "300", "--workers", "1", "--out", str(out))  # fmt: skip
    run = start(*args)
    second = out / "checkpoints" / "generation-00002.ckpt"  # written once generation 1 ended
    wait_for(second.exists, run, "generation 1's checkpoint")
    os.killpg(run.pid, signal.SIGKILL)
    run.communicate()
    resumed = arena("train", "neat-ff", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert [r["generation"] for r in csv_rows(out / "stats.csv")] == ["0", "1", "2", "3"]
    # stats.csv names each best movie relative to the run's folder, so the run can move.
    for row in csv_rows(out / "stats.csv"):
        assert row["best_movie"].startswith("best/") and (out / row["best_movie"]).is_file()


@pytest.mark.slow
def test_sigterm_saves_a_ppo_run_that_resumes_each_update_once(tmp_path):
    out = tmp_path / "ppo"
    run = start("train", "ppo", "--game", "airstriker", "--steps", "2048", "--workers", "2",
                "--max-frames", "600", "--out", str(out), *PPO_SMALL)  # fmt: skip
    log = out / "train.csv"
    wait_for(lambda: log.exists() and len(csv_rows(log)) >= 2, run, "two updates")
    os.kill(run.pid, signal.SIGTERM)  # the job's process alone, as Kubernetes sends it
    stdout, stderr = run.communicate()
    assert run.returncode == 143, stderr
    assert "arena: terminated (SIGTERM)" in stderr
    assert f"resume with: arena train ppo --out {out} --resume" in stdout
    resumed = arena("train", "ppo", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    updates = [int(r["update"]) for r in csv_rows(log)]
    assert updates == list(range(1, 2048 // 128 + 1))  # 2 envs x 64 steps an update


def suite(tmp_path: Path, seeds: int) -> Path:
    path = tmp_path / "suite.yaml"
    cells = [{"game": "airstriker", "states": ["Level1"], "seeds": list(range(seeds)),
              "max_frames": 600}]  # fmt: skip
    path.write_text(yaml.safe_dump({"cells": cells}))
    return path


@pytest.mark.slow
def test_sigterm_stops_a_bench_that_resumes_to_one_movie_per_line(tmp_path):
    out = tmp_path / "bench"
    path = suite(tmp_path, 9)
    run = start("bench", "random", "--suite", str(path), "--workers", "1", "--out", str(out))
    results = out / "results.jsonl"
    wait_for(lambda: results.exists() and len(results.read_text().splitlines()) >= 2, run,
             "two results lines")  # fmt: skip
    os.kill(run.pid, signal.SIGTERM)
    stdout, stderr = run.communicate()
    assert run.returncode == 143, stderr
    assert f"resume with: arena bench random --suite {path} --workers 1 --out {out} --resume" in (
        stdout
    )
    # A run killed between a movie and its results line leaves a movie no line names.
    movies = out / "movies" / "random"
    lone = next(movies.glob("*.bk2"))
    shutil.copy(lone, movies / "airstriker-Level1-random-seed99.bk2")
    shutil.copy(lone.with_suffix(".json"), movies / "airstriker-Level1-random-seed99.json")
    resumed = arena("bench", "random", "--suite", str(path), "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    # This one, and any the SIGTERM cut from its line (the job a worker was playing).
    assert "movie(s) no results line names (their cells play again)" in resumed.stdout
    assert not (movies / "airstriker-Level1-random-seed99.bk2").exists()
    lines = [json.loads(line) for line in results.read_text().splitlines()]
    assert sorted(line["seed"] for line in lines) == list(range(9))
    named = sorted(line["movie"] for line in lines)
    assert named == sorted(f"movies/random/{p.name}" for p in movies.glob("*.bk2"))
    assert not list(movies.glob(".*"))
    # The folder moved (or shared): every command still finds what its records name.
    moved = tmp_path / "elsewhere" / "b"
    moved.parent.mkdir()
    out.rename(moved)
    for command in (["leaderboard", str(moved)], ["verify", str(moved)], ["report", str(moved)]):
        done = arena(*command, cwd=tmp_path / "elsewhere")
        assert done.returncode == 0, (command, done.stderr)
    page = (moved / "report" / "index.html").read_text()
    assert "../movies/random/airstriker-Level1-random-seed" in page
    sidecar = json.loads(next((moved / "movies" / "random").glob("*.json")).read_text())
    assert not Path(sidecar["profile_source"]).is_absolute()
    assert not Path(sidecar["movie"]).is_absolute() and "/" not in sidecar["movie"]


def test_sigterm_during_integrate_leaves_nothing_in_the_store(tmp_path):
    wheels = integrations.arena_home() / "wheels"
    [wheel] = wheels.glob("ale_py-*.whl")
    rom = tmp_path / "combat.bin"
    rom.write_bytes(zipfile.ZipFile(wheel).read("ale_py/roms/combat.bin"))
    home = tmp_path / "home"
    run = start("integrate", str(rom), "--name", "Combat", "--players", "2", "--var", "s=0xA1:|u1",
                "--start", '[["noop", "noop", 100000]]', "--profile", str(tmp_path / "c.yaml"),
                env={"ARENA_HOME": str(home)})  # fmt: skip
    store = home / "integrations"
    wait_for(lambda: store.is_dir() and any(store.glob(".Combat-*.part")), run, "the build")
    os.kill(run.pid, signal.SIGTERM)
    _, stderr = run.communicate()
    assert run.returncode == 143 and "arena: terminated (SIGTERM)" in stderr, stderr
    assert not any(store.iterdir()) and not (tmp_path / "c.yaml").exists()
    listed = arena("roms", "list", "--all", env={"ARENA_HOME": str(home)})
    assert ".Combat" not in listed.stdout


def test_sigterm_during_state_make_leaves_nothing(tmp_path):
    home = tmp_path / "home"
    rom = integrations.find_rom("Pong-Atari2600-v0")
    assert rom is not None
    shutil.copytree(rom.parent, home / "integrations" / "Pong-Atari2600-v0")
    run = start("state", "make", "pong", "--inputs", '[["noop", 500000]]', "--name", "Long",
                env={"ARENA_HOME": str(home)})  # fmt: skip
    assert run.stdout is not None
    assert run.stdout.readline().startswith("playing 2,000,000 frames of pong")  # it plays now
    os.kill(run.pid, signal.SIGTERM)
    _, stderr = run.communicate()
    assert run.returncode == 143 and "arena: terminated (SIGTERM)" in stderr, stderr
    assert not list((home / "integrations" / "Pong-Atari2600-v0").glob("*Long*"))


def test_sigterm_stops_a_tournament_with_nothing_half_written(tmp_path):
    record = tmp_path / "t"
    run = start("tournament", "random", "random", "random", "--game", "pong", "--episodes", "20",
                "--max-frames", "2000", "--record", str(record))  # fmt: skip
    wait_for(lambda: any(record.rglob("*.bk2")), run, "a first game's movie")
    os.kill(run.pid, signal.SIGTERM)
    _, stderr = run.communicate()
    assert run.returncode == 143 and "arena: terminated (SIGTERM)" in stderr, stderr
    assert not [p for p in record.rglob("*") if p.name.startswith(".")]  # no partial movie
    for movie in record.rglob("*.bk2"):  # each movie is whole, with its sidecar
        assert movie.with_suffix(".json").is_file()
    again = arena("tournament", "random", "random", "--game", "pong", "--max-frames", "300",
                  "--record", str(record))  # fmt: skip
    assert again.returncode == 0, again.stderr  # the folder's lock went with the process


class Stop(KeyboardInterrupt):
    """What a Ctrl-C or SIGTERM raises, here at a chosen point of committing an episode."""


def _stop(*args: object, **kwargs: object) -> None:
    raise Stop()


@pytest.mark.parametrize("moment", ["movie stopped", "movie checked", "movie named"])
def test_an_episode_stopped_while_it_commits_leaves_nothing_half_written(
    moment, host, monkeypatch, tmp_path
):
    """The CI run that failed: SIGTERM came after the episode's movie was written out and
    before it was renamed into place, and its ``.part.bk2`` stayed. Stopped at any point of
    the commit, the episode leaves no file at all, nor a movie without its sidecar."""
    from arena.emulation import movies
    from arena.play.env import ArenaEnv
    from arena.play.runner import RunConfig, record_episode

    env = ArenaEnv(host.profile("pong").with_time_limit(60), builders=host.observations)
    if moment == "movie stopped":  # the sidecar's first step: the ROM's hash
        monkeypatch.setattr(integrations, "rom_sha1", _stop)
    elif moment == "movie checked":
        monkeypatch.setattr(movies, "check_movie", _stop)
    else:  # linked to its name, its sidecar not yet beside it
        replace = os.replace
        monkeypatch.setattr(
            os, "replace", lambda a, b: _stop() if str(b).endswith(".json") else replace(a, b)
        )

    class Noop:
        def reset(self, seed: int) -> None:
            return None

        def act(self, observation: object, info: object, state: None) -> tuple[int, None]:
            return 0, None

    try:
        with pytest.raises(Stop):
            record_episode(env, [Noop()], RunConfig("noop", 1, 0, record=tmp_path), 0)
    finally:
        env.close()
    assert not list(tmp_path.iterdir())
