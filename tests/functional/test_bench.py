"""Benchmarks: every agent on the same cells, single-writer results, resume, worker death,
leaderboards with IQM and stratified-bootstrap CIs."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from arena.core.stats import bootstrap_ci, iqm
from conftest import ROOT, arena, cli, pip_install_into, worker_pids

SUITE = """
description: a tiny suite for tests
cells:
  - {game: airstriker, states: [Level1], seeds: [0, 1], max_frames: 400}
  - {game: mario, seeds: [0, 1], max_frames: 400}
"""


@pytest.fixture(scope="module")
def hold_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    pip_install_into(site, ROOT / "examples" / "arena-hold-agent")
    return {"PYTHONPATH": str(site)}


@pytest.fixture
def suite(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SUITE)
    return path


def results(out):
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_every_agent_plays_the_same_cells(tmp_path, suite, hold_site):
    out = tmp_path / "bench"
    run = arena("bench", "random", "hold", "--suite", str(suite), "--out", str(out), env=hold_site)
    assert run.returncode == 0, run.stderr
    rows = results(out)
    assert len(rows) == 8 and len({r["job"] for r in rows}) == 8
    cells = {
        agent: sorted(r["cell"] for r in rows if r["agent"] == agent)
        for agent in ("random", "hold")
    }
    assert cells["random"] == cells["hold"] and len(cells["random"]) == 4
    assert "mario/Level1-1/seed0/400" in cells["random"]
    for name in ("airstriker", "mario", "overall (normalized)", "win rate"):
        assert name in run.stdout
    board = json.loads((out / "leaderboard.json").read_text())
    assert {r["scope"] for r in board["rows"]} == {"airstriker", "mario", "overall (normalized)"}
    header = "scope,agent,episodes,distinct,failed,forfeits,mean,iqm,ci_low,ci_high,normalized"
    assert (out / "leaderboard.csv").read_text().startswith(header)
    assert arena("verify", str(out / "movies"), env=hold_site).returncode == 0


def test_resume_skips_finished_cells_and_replays_a_lost_one(tmp_path, suite):
    out = tmp_path / "bench"
    assert arena("bench", "random", "--suite", str(suite), "--out", str(out)).returncode == 0
    again = arena("bench", "random", "--suite", str(suite), "--out", str(out))
    assert again.returncode == 2 and "already holds benchmark results" in again.stderr
    lines = (out / "results.jsonl").read_text().splitlines()
    (out / "results.jsonl").write_text(
        "\n".join(lines[:-1]) + "\n" + lines[-1][:20]
    )  # a line cut by a crash
    resumed = arena("bench", "random", "--suite", str(suite), "--out", str(out), "--resume")
    assert resumed.returncode == 0 and "1 to play, 3 already done" in resumed.stdout
    rows = [r for r in results_lenient(out)]
    assert sorted(r["job"] for r in rows) == sorted({r["job"] for r in rows}) and len(rows) == 4


def results_lenient(out):
    for line in (out / "results.jsonl").read_text().splitlines():
        try:
            yield json.loads(line)
        except ValueError:
            continue


def _bench_six_pong_cells(tmp_path):
    suite = tmp_path / "longer.yaml"
    suite.write_text("cells:\n  - {game: pong, seeds: [0, 1, 2, 3, 4, 5], max_frames: 4000}\n")
    out = tmp_path / "bench"
    command = [sys.executable, "-m", "arena.cli", "bench", "random", "--suite", str(suite),
               "--out", str(out), "--workers", "2"]  # fmt: skip
    bench = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return bench, out


def _workers_of(bench, count=1, timeout=120):
    deadline = time.time() + timeout
    children: list[int] = []
    while time.time() < deadline and len(children) < count:
        time.sleep(0.05)
        children = worker_pids(bench.pid)
    assert children, "no worker process appeared"
    return children


def _all_six_once(bench, out):
    stdout, stderr = bench.communicate(timeout=300)
    assert bench.returncode == 0, stderr
    rows = results(out)
    assert len(rows) == 6 and len({r["job"] for r in rows}) == 6
    assert all("error" not in r for r in rows)
    return stdout + stderr


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_no_result_is_lost_or_doubled(tmp_path):
    bench, out = _bench_six_pong_cells(tmp_path)
    children = _workers_of(bench, count=2)
    # Wait for the state the test needs: both workers ready and holding cells. The first
    # results line means the pool is playing; each worker is then given its next cell at
    # once, so the one killed holds one (4,000 frames of Pong take seconds).
    results_file = out / "results.jsonl"
    deadline = time.time() + 240
    while time.time() < deadline and not (results_file.exists() and results_file.stat().st_size):
        time.sleep(0.05)
    os.kill(children[0], signal.SIGKILL)
    output = _all_six_once(bench, out)
    assert "retrying random|pong/Start/" in output and "died (exit code -9)" in output


@pytest.mark.slow
def test_a_worker_killed_while_starting_is_started_again(tmp_path):
    bench, out = _bench_six_pong_cells(tmp_path)
    [first, *_] = _workers_of(bench)  # just spawned: importing the emulator takes a while
    os.kill(first, signal.SIGKILL)
    output = _all_six_once(bench, out)
    assert "restarting: a benchmark worker died while starting (exit code -9)" in output


@pytest.mark.slow
def test_ray_backend_plays_the_same_cells_to_the_same_results(tmp_path, suite):
    local, ray = tmp_path / "local", tmp_path / "ray"
    assert arena("bench", "random", "--suite", str(suite), "--out", str(local)).returncode == 0
    result = arena(
        "bench",
        "random",
        "--suite",
        str(suite),
        "--out",
        str(ray),
        "--backend",
        "ray",
        env={"RAY_ADDRESS": ""},
    )
    assert result.returncode == 0, result.stderr

    def outcomes(out):
        return sorted((r["job"], r["return"], r["frames"]) for r in results(out))

    assert outcomes(ray) == outcomes(local) and len(outcomes(ray)) == 4
    assert arena("verify", str(ray / "movies")).returncode == 0


def test_a_checkpoint_of_another_agent_is_refused_before_anything_runs(tmp_path):
    from arena.play.checkpoints import save_checkpoint

    foreign = tmp_path / "model.ckpt"
    save_checkpoint(foreign, {"agent": "ppo", "kind": "model"}, b"not read", "torch")
    result = arena("bench", f"neat-ff:{foreign}", "--out", str(tmp_path / "b"))
    assert result.returncode != 0
    assert (
        f"{foreign} is a checkpoint of agent 'ppo', not 'neat-ff'. play it with --agent ppo"
        in result.stderr
    )
    assert not (tmp_path / "b").exists()


BAD = [
    (["bench", "randm"], "unknown agent 'randm' (did you mean 'random'?)"),
    (["bench", "random", "--suite", "smok"], "unknown suite 'smok' (did you mean 'smoke'?)"),
    (["bench", "ppo:/no/such.ckpt"], "no such checkpoint /no/such.ckpt"),
    (["bench", "a=random", "a=random,repeat=2"], "label 'a' names two entries"),
    (
        ["bench", "x=random:pyproject.toml"],
        "entry 'x': agent 'random' takes no checkpoint, and pyproject.toml was given",
    ),
    (["bench", "ppo"], "agent 'ppo' plays a trained checkpoint, and none was given"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_is_one_clear_line(tmp_path, args, message):
    result = cli(*args, "--out", str(tmp_path / "b"))
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "b" / "results.jsonl").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "cells:\n  - {game: mario, states: [Level9-9]}\n",
            "cells[0].states: unknown mario state 'Level9-9'",
        ),
        (
            "cells:\n  - {game: pong, states: [Start.2P]}\n",
            "has no cell for 1 player(s). arena tournament --suite",
        ),
        (
            "cells:\n  - {game: maro}\n",
            "cells[0].game: unknown game 'maro' (did you mean 'mario'?)",
        ),
        (
            "cells:\n  - {game: mario, seed: [1]}\n",
            "cells[0].seed: unknown key 'seed' (did you mean 'seeds'?)",
        ),
        ("cells: []\n", "cells: expected a non-empty list of cells, got []"),
        (
            "cells:\n  - {game: mario, seeds: [0.5]}\n",
            "cells[0].seeds: expected a list of whole numbers >= 0",
        ),
        (
            "cells:\n  - {game: mario, seeds: [-1]}\n",
            "cells[0].seeds: expected a list of whole numbers >= 0, got [-1]",
        ),
        (
            "protocol: {sticky: 1.5}\ncells:\n  - {game: mario}\n",
            "protocol.sticky: expected a probability in [0, 1), got 1.5",
        ),
    ],
)
def test_bad_suites_name_the_cell(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = cli("bench", "random", "--suite", str(path), "--out", str(tmp_path / "b"))
    assert result.returncode != 0 and message in result.stderr, result.stderr


def test_missing_roms_are_listed_as_skipped_with_the_fix(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "cells:\n  - {game: sonic2, seeds: [0]}\n  - {game: airstriker, seeds: [0], max_frames: 200}\n"
    )
    result = arena("bench", "random", "--suite", str(path), "--out", str(tmp_path / "b"))
    assert result.returncode == 0, result.stderr
    assert (
        "skipped   sonic2/EmeraldHillZone.Act1/seed0/18000: missing: import your own copy"
        in result.stdout
    )


def test_iqm_and_stratified_bootstrap():
    assert iqm([1, 2, 3, 4, 100, -100, 5, 6]) == pytest.approx(np.mean([2, 3, 4, 5]))
    assert iqm([7.0]) == 7.0
    low, high = bootstrap_ci({"a": [1.0, 2.0, 3.0, 4.0], "b": [10.0, 11.0, 12.0, 13.0]})
    assert low <= iqm([1, 2, 3, 4, 10, 11, 12, 13]) <= high
    assert bootstrap_ci({"a": [5.0, 5.0]}) == (5.0, 5.0)


def test_a_suite_whose_every_cell_is_skipped_is_one_line_not_a_traceback(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("cells:\n  - {game: sonic2, seeds: [0]}\n")  # a ROM only its owner has
    result = arena("bench", "random", "--suite", str(suite), "--out", str(tmp_path / "b"))
    assert result.returncode == 2, result.stderr
    assert "no cell could be played (each is listed above with why)" in result.stderr
    assert "skipped   sonic2/" in result.stdout and "Traceback" not in result.stderr
