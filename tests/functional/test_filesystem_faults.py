"""Filesystem faults end in one line with nothing half-written: output paths are checked
before anything is played, and on a full disk a movie and its sidecar are kept together or
not at all. Real faults: a file where a folder is wanted, /dev/full, and small or read-only
tmpfs mounts in a private mount namespace (unshare, as root: CI runs as root)."""

import subprocess
import sys

import pytest

from conftest import arena


def on_tmpfs(folder, options, *args, then=()):
    """``arena ARGS`` (and ``arena THEN``, if given) with a fresh tmpfs (mount ``options``)
    on ``folder``, seen by these commands alone; exits with the first command's code and
    prints the recorded files last."""
    folder.mkdir(exist_ok=True)
    arena_command = [sys.executable, "-m", "arena.cli"]
    later = " ".join([*arena_command, *then]) + ";" if then else ""
    command = " ".join(
        [f"mount -t tmpfs -o {options} tmpfs {folder} &&", *arena_command, *args,
         f"; code=$?; {later} ls -a {folder}/r 2>/dev/null; exit $code"]
    )  # fmt: skip
    # Mounting needs root (CI and set-up command 2 run as root: they install chromium with
    # apt-get); the namespace keeps the mount from anyone else and ends with the command.
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=300,
    )


def one_line(result, code, message):
    assert result.returncode == code, result.stderr
    assert message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--game", "mario", "--record", "{file}"],
        ["bench", "random", "--suite", "smoke", "--out", "{file}"],
        ["match", "random", "random", "--game", "pong", "--record", "{file}"],
        ["train", "ppo", "--game", "airstriker", "--out", "{file}"],
    ],
)
def test_an_output_folder_that_is_a_file_is_refused_before_playing(tmp_path, args):
    existing = tmp_path / "taken"
    existing.write_text("keep me")
    result = arena(*[a.replace("{file}", str(existing)) for a in args])
    one_line(result, 9, "is a file, not a folder")
    assert "episode 1" not in result.stdout and existing.read_text() == "keep me"


def test_a_video_path_that_is_a_folder_is_refused(tmp_path):
    played = arena("run", "--game", "airstriker", "--max-frames", "200", "--record", str(tmp_path))
    assert played.returncode == 0, played.stderr
    movie = next(tmp_path.glob("*.bk2"))
    one_line(arena("play", str(movie), "--video", str(tmp_path)), 9, "is a folder, not a file")


def test_results_on_a_full_device_is_one_line(tmp_path):
    result = arena(
        "run", "--game", "airstriker", "--max-frames", "200", "--results", "/dev/full", "--quiet"
    )
    one_line(result, 9, "/dev/full: cannot append a result (No space left on device)")


def test_a_read_only_record_folder_is_refused_before_the_episode(tmp_path):
    result = on_tmpfs(
        tmp_path / "mnt", "ro,size=64k", "run", "--game", "mario", "--record",
        str(tmp_path / "mnt" / "r"),
    )  # fmt: skip
    one_line(result, 9, "cannot write there (Read-only file system)")
    assert "episode 1" not in result.stdout


@pytest.mark.parametrize("size", ["8k", "20k", "36k"])
def test_a_full_disk_keeps_movies_whole_with_their_sidecars(tmp_path, size):
    folder = tmp_path / "mnt"
    result = on_tmpfs(
        folder, f"size={size}", "run", "--game", "mario", "--max-frames", "300",
        "--episodes", "12", "--record", str(folder / "r"), "--quiet",
        then=["verify", str(folder / "r")],
    )  # fmt: skip
    assert result.returncode == 9, result.stderr
    assert "No space left on device" in result.stderr or "could not be written whole" in (
        result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    kept = [name for name in result.stdout.split() if "/" not in name]  # the `ls` at the end
    movies = {name[:-4] for name in kept if name.endswith(".bk2")}
    sidecars = {name[:-5] for name in kept if name.endswith(".json")}
    assert movies and movies == sidecars  # every movie with its sidecar, and the reverse
    assert not [name for name in kept if ".part" in name or name.endswith(".tmp")]
    assert f"{len(movies)} movie(s) verified" in result.stdout  # the kept ones are whole
