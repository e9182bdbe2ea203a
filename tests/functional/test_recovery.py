"""Recovery from faults: Ctrl-C at any moment of a trainer leaves a resumable run or nothing
that looks like one; workers of a killed parent exit quietly; damaged results lines are
reported by number and skipped; malformed manifests are one line."""

import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from arena.play.checkpoints import MANIFEST, PAYLOAD
from conftest import arena, worker_pids


def _default_sigint() -> None:
    # A child of `nohup ... &` (or of any shell job started in the background) inherits
    # SIGINT as ignored; the tests send SIGINT as Ctrl-C does, so the child takes it again.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


STARTED: list[subprocess.Popen] = []


def start(*args, cwd=None, own_group=False):
    """The command, started as a user would; ``own_group`` puts it and its workers in a
    process group of their own, so that a Ctrl-C can go to all of them as a terminal sends it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "arena.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        preexec_fn=_default_sigint,
        process_group=0 if own_group else None,
    )
    STARTED.append(process)
    return process


@pytest.fixture(autouse=True)
def _no_command_outlives_its_test():
    """A test that fails or times out must not leave its command (and workers) running."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def wait_until(condition, what, timeout=240):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} never happened")


def wait_for(process, text, timeout=120):
    """Read the process's stdout until a line holds ``text``; return what was read."""
    seen = ""
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen += line
        if text in line:
            return seen
    raise AssertionError(f"{text!r} never appeared in: {seen}")


def start_neat_on_mario(out):
    """A NEAT run long enough (30 genomes, 3 generations on Mario) to interrupt in mid-run."""
    return start(
        "train", "neat-ff", "--game", "mario", "--pop", "30", "--generations", "3",
        "--out", str(out),
    )  # fmt: skip


def test_ctrl_c_in_neats_first_generation_leaves_nothing_resumable(tmp_path):
    out = tmp_path / "neat"
    train = start_neat_on_mario(out)
    wait_for(train, "neat-ff on")  # evolution has started its first generation
    wait_until(lambda: worker_pids(train.pid), "a NEAT worker")  # its genomes are being played
    assert not (out / "checkpoints").exists() or not any((out / "checkpoints").iterdir())
    train.send_signal(signal.SIGINT)
    stdout, stderr = train.communicate(timeout=120)
    assert train.returncode == 130, stderr
    assert "nothing to resume" in stdout and "resume with" not in stdout
    assert not out.exists()
    resumed = arena("train", "neat-ff", "--out", str(out), "--resume")
    assert resumed.returncode == 2 and "holds no run to resume" in resumed.stderr


@pytest.mark.slow
def test_ctrl_c_mid_training_prints_a_resume_command_that_works(tmp_path):
    out = tmp_path / "ppo"
    train = start(
        "train", "ppo", "--game", "airstriker", "--steps", "100000", "--envs", "2",
        "--set", "num_steps=64", "--set", "num_minibatches=1", "--set", "checkpoint_every=128",
        "--max-frames", "400", "--out", str(out),
    )  # fmt: skip
    wait_for(train, "ppo on")
    # The state the test needs: a checkpoint on disk, so the run is resumable, and more to do.
    wait_until(lambda: any((out / "checkpoints").glob("*.ckpt")), "a checkpoint")
    train.send_signal(signal.SIGINT)
    stdout, stderr = train.communicate(timeout=120)
    assert train.returncode == 130, stderr
    command = stdout.split("resume with: ")[1].strip().split()
    assert command[:2] == ["arena", "train"]
    resumed = arena(*command[1:], "--steps", "1024")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming at step" in resumed.stdout


POOLS = {
    "bench": ["bench", "random", "--suite", "smoke", "--workers", "4"],
    "neat": ["train", "neat-ff", "--game", "pong", "--pop", "8", "--workers", "4"],
    "ppo": ["train", "ppo", "--game", "pong", "--envs", "4", "--steps", "4096"],
}


@pytest.mark.slow
@pytest.mark.parametrize("pool", sorted(POOLS))
def test_ctrl_c_while_a_pools_workers_start_stops_the_run_in_one_line(tmp_path, pool):
    out = tmp_path / "out"
    command = start(*POOLS[pool], "--out", str(out), own_group=True)
    # The state the test needs: the first worker process exists, and none has played yet.
    wait_until(lambda: worker_pids(command.pid), "a worker process")
    os.killpg(command.pid, signal.SIGINT)  # as a terminal's Ctrl-C: parent and workers alike
    stdout, stderr = command.communicate(timeout=120)
    assert command.returncode == 130, (stdout, stderr)
    # The command's own last word; a worker still booting may have printed its interpreter's
    # KeyboardInterrupt above it (the terminal's Ctrl-C reaches it too).
    assert stderr.strip().splitlines()[-1] == "arena: interrupted"
    assert not (out / "results.jsonl").exists() or not (out / "results.jsonl").read_text()

    def group_is_gone():  # multiprocessing's resource tracker leaves once the parent has gone
        listing = ["pgrep", "--pgroup", str(command.pid)]
        return not subprocess.run(listing, capture_output=True, text=True).stdout.strip()

    wait_until(group_is_gone, "the end of every process of the run", timeout=60)


def test_workers_of_a_killed_bench_exit_quietly(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("cells:\n  - {game: pong, seeds: [0, 1, 2, 3], max_frames: 6000}\n")
    log = tmp_path / "stderr.txt"  # the workers inherit it, and keep it after the parent dies
    with log.open("w") as stderr:
        bench = subprocess.Popen(
            [sys.executable, "-m", "arena.cli", "bench", "random", "--suite", str(suite),
             "--out", str(tmp_path / "b")],
            stdout=subprocess.PIPE, stderr=stderr, text=True,
        )  # fmt: skip
        wait_for(bench, "to play")
        wait_until(lambda: len(worker_pids(bench.pid)) == 2, "both benchmark workers")
        workers = worker_pids(bench.pid)
        os.kill(bench.pid, signal.SIGKILL)  # the parent dies; its workers see a closed pipe
        bench.communicate(timeout=30)
        deadline = time.time() + 60
        while time.time() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers), "orphaned workers kept running"
    assert "Traceback" not in log.read_text(), log.read_text()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie (exited, not yet reaped) counts as gone
        return fh.read().split()[2] != "Z"


@pytest.mark.slow
def test_damaged_results_lines_are_reported_by_number_and_skipped(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text("cells:\n  - {game: airstriker, seeds: [0, 1, 2], max_frames: 300}\n")
    out = tmp_path / "b"
    assert arena("bench", "random", "--suite", str(suite), "--out", str(out)).returncode == 0
    results = out / "results.jsonl"
    lines = results.read_text().splitlines()
    damaged = json.loads(lines[1])
    damaged["return"] = "lots"
    results.write_text("\n".join([lines[0], json.dumps(damaged), "{not json", lines[2]]) + "\n")
    board = arena("leaderboard", str(out))
    assert board.returncode == 0, board.stderr
    assert "results.jsonl line 2: damaged (return: input should be a valid number" in board.stderr
    assert "results.jsonl line 3: damaged (not JSON); skipped" in board.stderr
    resumed = arena("bench", "random", "--suite", str(suite), "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "line 2: damaged" in resumed.stdout and "its cell is played again" in resumed.stdout
    assert "1 to play, 2 already done" in resumed.stdout


@pytest.mark.parametrize("observation", [None, {"resize": [84, 84], "stack": 4}, {"resize": "big"}])
def test_a_checkpoint_manifest_with_a_bad_observation_is_one_line(tmp_path, observation):
    train = arena(
        "train", "neat-ff", "--game", "airstriker", "--generations", "1", "--pop", "4",
        "--max-frames", "200", "--no-record", "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert train.returncode == 0, train.stderr
    source = tmp_path / "run" / "winner.ckpt"
    with zipfile.ZipFile(source) as archive:
        manifest, payload = json.loads(archive.read(MANIFEST)), archive.read(PAYLOAD)
    if observation is None:
        del manifest["observation"]
    else:
        manifest["observation"] = observation
    bad = tmp_path / "bad.ckpt"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr(MANIFEST, json.dumps(manifest))
        archive.writestr(PAYLOAD, payload)
    for args in (
        ["run", "--game", "airstriker", "--agent", "neat-ff", "--checkpoint", str(bad)],
        ["bench", f"neat-ff:{bad}", "--suite", "smoke", "--out", str(tmp_path / "b")],
    ):
        result = arena(*args)
        assert result.returncode == 7, result.stderr
        assert "observation" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_resume_skips_a_damaged_newest_checkpoint_and_refuses_damaged_train_args(tmp_path):
    out = tmp_path / "neat"
    trained = arena(
        "train", "neat-ff", "--game", "airstriker", "--pop", "4", "--generations", "2",
        "--max-frames", "100", "--workers", "1", "--no-record", "--out", str(out),
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    _, newest = sorted((out / "checkpoints").glob("*.ckpt"))
    with zipfile.ZipFile(newest) as archive:
        manifest = archive.read(MANIFEST)
    with zipfile.ZipFile(newest, "w") as archive:  # the payload lost, as by a crash
        archive.writestr(MANIFEST, manifest)
    resumed = arena("train", "neat-ff", "--out", str(out), "--resume", "--generations", "3")
    assert resumed.returncode == 0, resumed.stderr
    assert f"--resume: skipping {newest.name}:" in resumed.stderr
    assert "Traceback" not in resumed.stderr
    args = out / "train-args.json"
    saved = json.loads(args.read_text())
    args.write_text(json.dumps({**saved, "parameters": []}))
    damaged = arena("train", "neat-ff", "--out", str(out), "--resume")
    assert damaged.returncode == 2
    assert "train-args.json is damaged (its parameters name no game)" in damaged.stderr


@pytest.mark.slow
def test_ctrl_c_right_after_a_generations_line_keeps_that_generation(tmp_path):
    out = tmp_path / "neat"
    train = start_neat_on_mario(out)
    wait_for(train, "generation 0 ")  # printed only once the generation is on disk
    train.send_signal(signal.SIGINT)
    stdout, stderr = train.communicate(timeout=120)
    assert train.returncode == 130, stderr
    assert "resume with" in stdout and "nothing to resume" not in stdout
    assert any((out / "checkpoints").glob("*.ckpt")) and any((out / "best").glob("*.bk2"))
