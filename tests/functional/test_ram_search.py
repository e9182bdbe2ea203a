"""`arena ram search` and `arena ram watch`: find a game's RAM variables from a recorded
episode, as Cheat Engine narrows them, on the real games."""

import re

import cv2
import pytest

from conftest import arena


def survivors(stdout: str) -> list[int]:
    return [int(x) for x in re.findall(r"^0x[0-9A-F]+ \((\d+)\)", stdout, re.M)]


@pytest.fixture(scope="module")
def mario_movie(tmp_path_factory):
    """Mario until game over, seed 1: the random agent loses a life by frame 500, another by
    1,100 (the screen shows it; `arena play MOVIE --video` numbers the frames)."""
    folder = tmp_path_factory.mktemp("mario")
    played = arena(
        "run", "--game", "mario_lives", "--seed", "1", "--max-frames", "3000",
        "--record", str(folder), "--quiet",
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    return next(folder.glob("*.bk2"))


@pytest.fixture(scope="module")
def pong_movie(tmp_path_factory):
    """A 2-player Pong match of two random agents: both seats score."""
    folder = tmp_path_factory.mktemp("pong")
    played = arena(
        "match", "random", "random", "--game", "pong", "--max-frames", "6000",
        "--record", str(folder),
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    return next(folder.glob("random-1-vs-random-2/*.bk2"))


def test_three_filters_find_marios_lives(mario_movie):
    found = arena(
        "ram", "search", "mario_lives", "--movie", str(mario_movie), "--equals", "1=2",
        "--decreased", "1:500", "--decreased", "500:1100",
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert "10,240 candidates of type |u1" in found.stdout
    assert re.search(r"--decreased 500:1100\s+\d+ left", found.stdout)
    addresses = survivors(found.stdout)
    assert 0x075A in addresses and len(addresses) <= 5  # the `lives` of data.json


@pytest.mark.slow
def test_the_search_finds_pongs_two_score_bytes(pong_movie):
    # What the screen shows: 0-0 at the start, the left side ahead by frame 1,000, the right
    # side at 3 by frame 3,000 and scoring on.
    left = arena(
        "ram", "search", "pong", "--movie", str(pong_movie), "--equals", "1=0",
        "--increased", "1:end", "--increased", "1:1000",
    )  # fmt: skip
    right = arena(
        "ram", "search", "pong", "--movie", str(pong_movie), "--equals", "1=0",
        "--equals", "3000=3", "--increased", "3000:end",
    )  # fmt: skip
    assert left.returncode == 0 and right.returncode == 0, left.stderr + right.stderr
    assert survivors(left.stdout) == [141] and survivors(right.stdout) == [142]  # score1, score2


def test_watch_prints_and_plots_a_value_over_the_episode(mario_movie, tmp_path):
    png = tmp_path / "lives.png"
    watched = arena(
        "ram", "watch", "--movie", str(mario_movie), "--address", "0x075A", "--png", str(png)
    )
    assert watched.returncode == 0, watched.stderr
    assert watched.stdout.startswith("frame      1  2\n")
    assert "the value changed" in watched.stdout
    assert cv2.imread(str(png)) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "mario_lives", "--type", "|x9", "--equals", "1=2"], "not a searchable type"),
        (["search", "mario_lives", "--equals", "one=2"], "'one' is not a frame number"),
        (["search", "mario_lives", "--equals", "1"], "expected FRAME=VALUE"),
        (["search", "mario_lives", "--changed", "5"], "expected A:B"),
        (["search", "mario_lives"], "no filter given"),
        (["search", "mario_lives", "--equals", "99999=1"], "no frame 99999 in it"),
        (["search", "pong", "--equals", "1=2"], "is a movie of SuperMarioBros-Nes-v0, not of"),
        (["watch", "--address", "0x99999"], "outside the system's memory"),
        (["watch", "--address", "lives"], "is not a number"),
    ],
)
def test_bad_ram_input_is_one_line(mario_movie, args, message):
    result = arena("ram", *args, "--movie", str(mario_movie))
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
