"""Files that are not what they seem: FIFOs where a file is expected never block a command,
and JSON or YAML nested absurdly deep is one line, never a RecursionError."""

import json
import os
import subprocess
import sys

import pytest

from arena.core.reading import MAX_NESTING_DEPTH, json_depth, loads_json, yaml_depth


def run(*args, cwd=None):
    """`arena ARGS`, failing the test (not hanging it) if the command blocks."""
    return subprocess.run(
        [sys.executable, "-m", "arena.cli", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd,
    )  # fmt: skip


def one_line_error(result, *fragments):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arena: error:"), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_a_fifo_for_a_profile_is_refused_at_once(tmp_path):
    fifo = tmp_path / "game.yaml"
    os.mkfifo(fifo)
    result = run("run", "--game", str(fifo))
    one_line_error(result, "not a regular file")


def test_a_fifo_for_bench_resume_results_is_refused_at_once(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("cells:\n  - {game: airstriker, seeds: [0], max_frames: 100}\n")
    out = tmp_path / "bench"
    out.mkdir()
    os.mkfifo(out / "results.jsonl")
    result = run("bench", "random", "--suite", str(suite), "--out", str(out), "--resume")
    one_line_error(result, "results.jsonl", "not a regular file")


def test_a_fifo_for_a_training_config_is_refused_at_once(tmp_path):
    fifo = tmp_path / "ppo.yaml"
    os.mkfifo(fifo)
    result = run(
        "train", "ppo", "--game", "pong", "--config", str(fifo), "--out", str(tmp_path / "r")
    )
    one_line_error(result, "--config", "not a regular file")
    assert not (tmp_path / "r").exists()


def test_depth_is_measured_without_recursion():
    deep = "[" * 100_000 + "]" * 100_000
    assert json_depth(deep) == 100_000
    assert json_depth('{"a": "[[[[", "b": [1, {"c": 2}]}') == 3  # brackets in strings skipped
    with pytest.raises(ValueError, match=f"nested more than {MAX_NESTING_DEPTH} levels deep"):
        loads_json(deep)
    assert yaml_depth("a: [" * 1 + "[" * 50_000 + "]" * 50_001 + "\n") == 50_001


def test_a_deeply_nested_profile_is_one_line(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text(
        "game: Pong-Atari2600-v0\nvariables: {x: " + "[" * 50_000 + "]" * 50_000 + "}\n"
    )
    one_line_error(run("run", "--game", str(path)), "nested more than 100 levels deep")


def test_a_deeply_nested_results_line_is_a_damaged_line(tmp_path):
    out = tmp_path / "bench"
    out.mkdir()
    good = {"job": "random|pong/Start/seed0/100", "cell": "pong/Start/seed0/100", "agent": "random",
            "game": "pong", "state": "Start", "seed": 0, "return": 1.0}  # fmt: skip
    deep = '{"job": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (out / "results.jsonl").write_text(json.dumps(good) + "\n" + deep + "\n")
    result = run("leaderboard", str(out))
    assert result.returncode == 0, result.stderr
    assert "line 2: damaged (nested more than 100 levels deep); skipped" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_deeply_nested_sidecar_or_tournament_is_one_line(tmp_path):
    from arena.emulation.movies import read_sidecar
    from arena.errors import MovieError

    (tmp_path / "m.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(
        MovieError, match="unreadable sidecar \\(nested more than 100 levels deep\\)"
    ):
        read_sidecar(tmp_path / "m.bk2")
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "tournament.json").write_text('{"games": ' + "[" * 100_000 + "]" * 100_000 + "}")
    one_line_error(run("report", str(folder)), "nested more than 100 levels deep")
