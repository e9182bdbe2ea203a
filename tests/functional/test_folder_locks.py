"""Two commands on one folder: the second refuses at once, naming the first, and nothing of
the first is lost or doubled."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import arena


@pytest.mark.slow
def test_a_second_bench_on_the_same_folder_refuses_naming_the_first(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("cells:\n  - {game: pong, seeds: [0, 1], max_frames: 3000}\n")
    out = tmp_path / "bench"
    first = subprocess.Popen(
        [sys.executable, "-m", "arena.cli", "bench", "random", "--suite", str(suite),
         "--out", str(out), "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # The state the test needs: the first holds the folder (its workers are playing).
        deadline = time.time() + 240
        line = ""
        while time.time() < deadline and "to play" not in line:
            line = first.stdout.readline()
        assert "to play" in line
        second = arena("bench", "random", "--suite", str(suite), "--out", str(out), "--resume")
        assert second.returncode == 2
        assert f"--out {out} is in use by pid {first.pid} (arena bench random" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
        first.communicate(timeout=300)
        assert first.returncode == 0
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert sorted(r["job"] for r in lines) == sorted({r["job"] for r in lines}) and len(lines) == 2
    # Once the first is done the folder is free again.
    again = arena("bench", "random", "--suite", str(suite), "--out", str(out), "--resume")
    assert again.returncode == 0, again.stderr


def test_run_record_and_train_out_take_the_same_lock(tmp_path):
    from arena.core.errors import UsageError
    from arena.core.locks import folder_lock

    folder = tmp_path / "movies"
    with folder_lock(folder, "--out"):
        held = arena("run", "--game", "airstriker", "--max-frames", "100", "--record", str(folder))
        assert held.returncode == 2 and f"--record {folder} is in use by pid" in held.stderr
        trained = arena("train", "neat-ff", "--game", "airstriker", "--pop", "4",
                        "--generations", "1", "--out", str(folder))  # fmt: skip
        assert trained.returncode == 2 and f"--out {folder} is in use by pid" in trained.stderr
        spelt_apart = tmp_path / "x" / ".." / "movies"
        with pytest.raises(UsageError, match="is in use by pid"), folder_lock(spelt_apart, "--out"):
            pass
    done = arena("run", "--game", "airstriker", "--max-frames", "100", "--record", str(folder))
    assert done.returncode == 0, done.stderr


def test_a_second_recording_of_one_episode_name_never_replaces_the_first(tmp_path):
    folder = tmp_path / "movies"
    common = ("run", "--game", "airstriker", "--max-frames", "400", "--record", str(folder))
    first = arena(*common)
    second = arena(*common, "--option", "repeat=8")
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    lines = [json.loads(x) for x in (folder / "results.jsonl").read_text().splitlines()]
    assert [Path(r["movie"]).name for r in lines] == [
        "airstriker-Level1-random-seed0.bk2",
        "airstriker-Level1-random-seed0-run2.bk2",
    ]
    sidecars = [json.loads((folder / r["movie"]).with_suffix(".json").read_text()) for r in lines]
    assert [s["movie"] for s in sidecars] == [r["movie"] for r in lines]
    assert [s["agent_options"] for s in sidecars] == [{}, {"repeat": "8"}]
    assert lines[0]["returns"] != lines[1]["returns"]  # two episodes, so the test can tell
    for line in lines:  # each line's movie is its own episode: it verifies to that line's return
        checked = arena("verify", str(folder / line["movie"]))
        assert checked.returncode == 0, checked.stderr
        assert f"return {line['returns'][0]:.1f}" in checked.stdout
    assert not list(folder.glob(".*part*"))
