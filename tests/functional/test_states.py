"""`arena state save` and `arena state make`: states from a movie's frame or a script, written
into the arena's store, played everywhere with --state, and checked by `arena verify`."""

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import stable_retro

from arena.emulation.emulator import Emulator
from arena.emulation.movies import open_movie, replay
from arena.retro import integrations
from arena.retro.state_files import MAX_STATE_INFLATED, read_file
from conftest import arena

MARIO = integrations.MARIO_GAME
PONG = "Pong-Atari2600-v0"


@pytest.fixture
def home(tmp_path):
    """An ARENA_HOME of its own, holding copies of the store's folders for Mario (a whole
    integration, as `arena roms fetch` installs that dump) and Pong (its ROM alone)."""
    home = tmp_path / "home"
    for game in (MARIO, PONG):
        rom = integrations.find_rom(game)
        assert rom is not None, "run `arena roms fetch` first"
        shutil.copytree(rom.parent, home / "integrations" / game)
    return {"ARENA_HOME": str(home)}


def store(home, game=MARIO) -> Path:
    return Path(home["ARENA_HOME"]) / "integrations" / game


def record_mario(tmp_path, home) -> Path:
    folder = tmp_path / "movies"
    played = arena(
        "run", "--game", "mario", "--max-frames", "600", "--record", str(folder), "--quiet",
        env=home,
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    [movie] = folder.glob("*.bk2")
    return movie


def _fingerprint(emulator: Emulator) -> str:
    digest = hashlib.sha256(emulator.core.get_screen().tobytes())
    for start, block in sorted(emulator.memory.blocks.items()):
        digest.update(start.to_bytes(8, "little") + bytes(block))
    return digest.hexdigest()


def test_a_state_saved_at_frame_n_plays_on_as_the_movie_did(tmp_path, home):
    movie = record_mario(tmp_path, home)
    frame = 100
    saved = arena("state", "save", str(movie), "--frame", str(frame), "--name", "mid", env=home)
    assert saved.returncode == 0, saved.stderr
    # The movie itself, frame by frame after N: its screen and all of its RAM.
    original = [_fingerprint(f.emulator) for f in replay(movie, None, None) if f.frame > frame]
    assert len(original) > 50
    # The saved state, played on with the rest of the movie's inputs.
    state = read_file(store(home) / "mid.state")
    recording = open_movie(movie)
    emulator = Emulator(MARIO, recording.players)
    try:
        emulator.load_state(state)
        n_buttons, played_on, seen = len(emulator.buttons), [], 0
        while recording.step():
            seen += 1
            if seen <= frame:
                continue
            mask = np.fromiter((recording.get_key(i, 0) for i in range(n_buttons)), np.uint8)
            emulator.step((mask,))
            played_on.append(_fingerprint(emulator))
    finally:
        emulator.close()
    assert played_on == original  # same frames and RAM from N on, so the same rule values


@pytest.mark.slow
def test_a_made_state_plays_everywhere_and_verify_checks_it(tmp_path, home):
    stable_mario = Path(stable_retro.data.get_file_path(MARIO, "data.json")).parent
    shipped = sorted(os.listdir(stable_mario))
    made = arena(
        "state", "make", "mario", "--inputs", '[["right", 30], ["A+RIGHT", 10]]', "--name",
        "run30", env=home,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "(1P, 160 frames from Level1-1)" in made.stdout
    assert sorted(os.listdir(stable_mario)) == shipped  # stable-retro's folder is untouched
    pong = arena("state", "make", "pong", "--inputs", '[["fire", 2]]', "--name", "Start", env=home)
    assert pong.returncode == 2 and "Pong-Atari2600-v0 already ships a state 'Start'" in pong.stderr
    record = json.loads((store(home) / "run30.arena.json").read_text())
    assert record["players"] == 1 and record["based_on"] == "Level1-1"
    info = arena("info", "mario", env=home)
    assert "run30                        1P; made by `arena state make mario" in info.stdout
    folder = tmp_path / "movies"
    played = arena(
        "run", "--game", "mario", "--state", "run30", "--max-frames", "200", "--record",
        str(folder), "--quiet", env=home,
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    [movie] = folder.glob("*.bk2")
    sidecar = json.loads(movie.with_suffix(".json").read_text())
    state = read_file(store(home) / "run30.state")
    assert sidecar["state"] == "run30"
    assert sidecar["state_sha256"] == hashlib.sha256(state).hexdigest()
    assert arena("verify", str(movie), env=home).returncode == 0
    suite = tmp_path / "s.yaml"
    suite.write_text("cells:\n  - {game: mario, states: [run30], seeds: [0], max_frames: 100}\n")
    bench = arena("bench", "random", "--suite", str(suite), "--out", str(tmp_path / "b"), env=home)
    assert bench.returncode == 0 and "1 to play" in bench.stdout, bench.stderr
    # The same name made again from elsewhere: refused, unless replaced; then the old movie
    # no longer verifies, and says why.
    again = ["state", "make", "mario", "--inputs", '[["left", 3]]', "--name", "run30"]
    refused = arena(*again, env=home)
    assert refused.returncode == 2 and "run30.state exists" in refused.stderr
    assert arena(*again, "--replace", env=home).returncode == 0
    checked = arena("verify", str(movie), env=home)
    assert checked.returncode != 0
    assert "state 'run30' changed since this movie was recorded (sha256" in checked.stderr


def test_a_two_player_state_made_for_pong_plays_a_match(tmp_path, home):
    made = arena(
        "state", "make", "pong", "--inputs", '[["noop", "noop", 20]]', "--from", "Start.2P",
        "--name", "Warmed.2P", env=home,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "(2P, 80 frames from Start.2P)" in made.stdout
    match = arena(
        "match", "random", "random", "--game", "pong", "--state", "Warmed.2P", "--max-frames",
        "600", env=home,
    )  # fmt: skip
    assert match.returncode == 0, match.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "../x"], "state name '../x' is not a plain name"),
        (["--name", "a/b"], "state name 'a/b' is not a plain name"),
        (["--name", "Level1-1"], "Level1-1.state is a state the arena did not make"),
        (["--name", "Level1-1", "--replace"], "Level1-1.state is a state the arena did not make"),
        (["--name", "x", "--inputs", '[["rigt", 3]]'], "'rigt' is neither an action of mario"),
        (["--name", "x", "--inputs", '[["right", 0]]'], "steps must be a whole number >= 1"),
        (["--name", "x", "--inputs", '[["right", 9999999]]'], "one entry plays at most"),
        (["--name", "x", "--inputs", "{"], "--inputs: not a JSON list"),
        (["--name", "x", "--from", "Level9-9"], "unknown mario state 'Level9-9'"),
    ],
)
def test_bad_state_input_is_one_line_and_writes_nothing(home, args, message):
    if "--inputs" not in args:
        args = [*args, "--inputs", '[["right", 3]]']
    before = sorted(p.name for p in store(home).iterdir())
    result = arena("state", "make", "mario", *args, env=home)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in store(home).iterdir()) == before


def test_hostile_state_files_are_refused_in_one_line(tmp_path, home):
    folder = store(home)
    record = {"format": "retro-arena-state/1", "players": 1, "based_on": "Level1-1",
              "made_by": "a stranger", "sha256": "0" * 64}  # fmt: skip
    bomb = gzip.compress(b"\0" * (MAX_STATE_INFLATED + 1))  # small on disk, huge inflated
    cases = {"bomb": bomb, "garbage": b"not gzip at all", "fifo": None}
    for name, data in cases.items():
        (folder / f"{name}.arena.json").write_text(json.dumps(record))
        if data is None:
            os.mkfifo(folder / f"{name}.state")
        else:
            (folder / f"{name}.state").write_bytes(data)
    expected = {
        "bomb": f"inflates past {MAX_STATE_INFLATED:,} bytes",
        "garbage": "not a gzip-compressed save state",
        "fifo": "not a regular file",
    }
    for name, message in expected.items():
        result = arena("run", "--game", "mario", "--state", name, "--max-frames", "50", env=home)
        assert result.returncode == 2 and message in result.stderr, (name, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_profile_may_declare_a_made_state_with_players_and_constants(tmp_path, home):
    from conftest import profile_copy

    made = arena("state", "make", "pong", "--inputs", '[["noop", 5]]', "--name", "Mine", env=home)
    assert made.returncode == 0, made.stderr
    states = {"Start": {}, "Start.2P": {"players": 2}, "Mine": {"players": 2}}
    path = profile_copy(tmp_path, "pong", "mine", states=states)
    info = arena("info", str(path), env=home)
    assert info.returncode == 0, info.stderr
    assert re.search(r"^  Mine\s+2P$", info.stdout, re.M), info.stdout
    match = arena(
        "match", "random", "random", "--game", str(path), "--state", "Mine", "--max-frames", "300",
        env=home,
    )  # fmt: skip
    assert match.returncode == 0, match.stderr


def test_four_saves_of_one_name_at_once_one_wins_the_others_refuse(tmp_path, home):
    movie = record_mario(tmp_path, home)
    command = [sys.executable, "-m", "arena.cli", "state", "save", str(movie), "--frame", "150",
               "--name", "Race"]  # fmt: skip
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, **home})
        for _ in range(4)
    ]
    outcomes = [(run.wait(), *run.communicate()) for run in runs]
    assert sorted(code for code, _, _ in outcomes) == [0, 2, 2, 2], outcomes
    refusals = [err for code, _, err in outcomes if code == 2]
    assert all("Race.state exists" in err and len(err.strip().splitlines()) == 1 for err in refusals)
    [(_, said, _)] = [o for o in outcomes if o[0] == 0]
    assert "saved" in said
    record = json.loads((store(home) / "Race.arena.json").read_text())
    data = gzip.decompress((store(home) / "Race.state").read_bytes())
    assert record["sha256"] == hashlib.sha256(data).hexdigest()  # the store and its record agree
    assert not list(store(home).glob(".Race*"))
