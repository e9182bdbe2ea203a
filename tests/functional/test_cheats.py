"""Cheats and RAM pokes: checked when a profile loads, switched on by name, recorded in every
sidecar and results line, applied again by replays, and never pooled with plain play."""

import gzip
import json
import shutil

import pytest

from arena.emulation.emulator import Emulator
from arena.retro import integrations
from conftest import arena, profile_copy


@pytest.mark.slow
def test_a_cheated_movie_verifies_with_its_cheats_and_not_without(tmp_path):
    folder = tmp_path / "movies"
    played = arena(
        "run", "--game", "mario_lives", "--cheat", "infinite_lives", "--agent", "random",
        "--max-frames", "2400", "--record", str(folder), "--quiet",
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    assert "cheats on: infinite_lives" in played.stdout  # the protocol line says so
    [movie] = folder.glob("*.bk2")
    sidecar_file = movie.with_suffix(".json")
    sidecar = json.loads(sidecar_file.read_text())
    line = json.loads((folder / "results.jsonl").read_text().splitlines()[0])
    assert sidecar["protocol"]["cheats"] == ["infinite_lives"] == line["protocol"]["cheats"]
    assert sidecar["done_reason"] == "time_limit"  # lives kept: no game over in 2,400 frames
    checked = arena("verify", str(movie))
    assert checked.returncode == 0, checked.stderr
    video = arena("play", str(movie), "--video", str(tmp_path / "x.mp4"))
    assert video.returncode == 0, video.stderr
    # The same movie said to be plain: replayed without the cheat, Mario's lives run out.
    sidecar["protocol"]["cheats"] = []
    sidecar_file.write_text(json.dumps(sidecar))
    plain = arena("verify", str(movie))
    assert plain.returncode != 0 and "replay does not match its sidecar" in plain.stderr


def test_cheated_and_plain_cells_never_pool_on_one_board(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text(
        "cells:\n"
        "  - {game: mario_lives, seeds: [0], max_frames: 600}\n"
        "  - {game: mario_lives, seeds: [0], max_frames: 600, cheats: [nine_lives]}\n"
    )
    out = tmp_path / "bench"
    bench = arena("bench", "random", "--suite", str(suite), "--out", str(out))
    assert bench.returncode == 0, bench.stderr
    assert "2 to play" in bench.stdout
    board = json.loads((out / "leaderboard.json").read_text())
    protocols = {row["protocol"] for row in board["rows"]}
    assert len(protocols) == 2 and any("cheats on: nine_lives" in p for p in protocols)
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert sorted(tuple(x["protocol"].get("cheats", ())) for x in lines) == [(), ("nine_lives",)]


@pytest.mark.parametrize(
    ("game", "changes", "message"),
    [
        ("pong", {"cheats": {"x": "SXIOPO"}}, "the Atari 2600 core ignores cheat codes"),
        ("mario", {"cheats": {"x": "SXIOP"}}, "'SXIOP' is not a Nes code: expected Game Genie"),
        (
            "mario",
            {"pokes": {"x": {"address": 1882, "type": "|u1"}}},
            "pokes.x.value: missing required key",
        ),
        (
            "mario",
            {"pokes": {"x": {"address": 1882, "type": "|u1", "value": 1, "when": "often"}}},
            "pokes.x.when",
        ),
    ],
)
def test_bad_cheats_and_pokes_are_one_line_when_the_profile_loads(tmp_path, game, changes, message):
    path = profile_copy(tmp_path, game, "bad", **changes)
    result = arena("info", str(path))
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_poke_outside_memory_and_unknown_cheat_names_are_one_line(tmp_path):
    path = profile_copy(
        tmp_path, "mario", "far", pokes={"far": {"address": 10**7, "type": "|u1", "value": 1}}
    )
    far = arena("run", "--game", str(path), "--cheat", "far", "--max-frames", "50")
    assert far.returncode != 0 and "pokes.far.address: 10000000" in far.stderr, far.stderr
    assert "outside the system's memory" in far.stderr
    out = str(tmp_path / "out")
    for command in (
        ["run", "--game", "mario_lives", "--cheat", "infinte_lives"],
        ["bench", "random", "--suite", "smoke", "--cheat", "infinite_lives", "--out", out],
        ["probe", "mario_lives", "--cheat", "nope"],
        ["train", "neat-ff", "--game", "mario_lives", "--cheat", "nope", "--out", out],
        ["match", "random", "random", "--game", "pong", "--cheat", "nope"],
    ):
        result = arena(*command)
        assert result.returncode != 0 and "unknown cheat" in result.stderr, (command, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.slow
def test_every_replay_pokes_what_the_sidecar_names(tmp_path):
    """`state save` and `ram watch` replay a poked episode as it was played: Pong's
    opponent_never_scores writes 0 into the opponent's score (RAM 141) before every frame, so
    a point the frame scores is gone the frame after (an unpoked episode counts them up)."""
    folder = tmp_path / "movies"
    played = arena("run", "--game", "pong", "--cheat", "opponent_never_scores", "--max-frames",
                   "3000", "--record", str(folder), "--quiet", "--sticky", "0")  # fmt: skip
    assert played.returncode == 0, played.stderr
    [movie] = folder.glob("*.bk2")
    watched = arena("ram", "watch", "--movie", str(movie), "--address", "141")
    assert watched.returncode == 0, watched.stderr
    values = {line.split()[-1] for line in watched.stdout.splitlines() if line.startswith("frame")}
    assert values == {"0", "1"}
    home = {"ARENA_HOME": str(tmp_path / "home")}
    shutil.copytree(integrations.arena_home() / "integrations", tmp_path / "home" / "integrations")
    saved = arena("state", "save", str(movie), "--frame", "2990", "--name", "Poked", env=home)
    assert saved.returncode == 0, saved.stderr
    data = gzip.decompress((tmp_path / "home" / "integrations" / "Pong-Atari2600-v0" /
                            "Poked.state").read_bytes())  # fmt: skip
    emulator = Emulator("Pong-Atari2600-v0")
    try:
        emulator.load_state(data)
        assert emulator.read_ram({"score1": (141, "|u1")})["score1"] <= 1
    finally:
        emulator.close()
    # Without the cheat the opponent scores: the poke is what kept it at 0.
    plain = tmp_path / "plain"
    arena("run", "--game", "pong", "--max-frames", "3000", "--record", str(plain), "--quiet",
          "--sticky", "0")  # fmt: skip
    [other] = plain.glob("*.bk2")
    unpoked = arena("ram", "watch", "--movie", str(other), "--address", "141")
    assert max(int(x.split()[-1]) for x in unpoked.stdout.splitlines() if x.startswith("frame")) >= 5
