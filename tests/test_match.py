"""Two-player matches in one emulator, side-swapped, and tournaments with ratings."""

import json
from pathlib import Path

import pytest

from arena.match import Game, rate
from conftest import ROOT, arena, pip_install_into


@pytest.fixture(scope="module")
def hold_env(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    pip_install_into(site, ROOT / "examples" / "arena-hold-agent")
    return {"PYTHONPATH": str(site)}


def test_match_plays_both_sides_and_records_verifiable_games(tmp_path, hold_env):
    out = tmp_path / "match"
    result = arena(
        "match",
        "random",
        "hold",
        "--game",
        "pong",
        "--max-frames",
        "2500",
        "--record",
        str(out),
        env=hold_env,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "random (P1) vs hold (P2)  seed 0" in result.stdout
        and "hold (P1) vs random (P2)  seed 0" in result.stdout
    )
    data = json.loads((out / "tournament.json").read_text())
    assert [(g["player1"], g["player2"]) for g in data["games"]] == [
        ("random", "hold"),
        ("hold", "random"),
    ]
    for game in data["games"]:
        assert game["returns"][0] == -game["returns"][1]
        sidecar = json.loads(Path(game["movie"]).with_suffix(".json").read_text())
        assert sidecar["players"] == 2 and sidecar["returns"] == game["returns"]
    assert {s["agent"] for s in data["standings"]} == {"random", "hold"}
    assert arena("verify", str(out), env=hold_env).returncode == 0


def test_tournament_plays_every_pairing_and_rates_every_agent(tmp_path, hold_env):
    result = arena(
        "tournament",
        "random",
        "hold",
        "random:",
        "--game",
        "pong",
        "--max-frames",
        "1200",
        "--record",
        str(tmp_path),
        env=hold_env,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "tournament.json").read_text())
    assert len(data["games"]) == 6  # 3 pairings x 2 sides
    # `random` and `random:` are the same agent entered twice: numbered apart.
    assert sorted(s["agent"] for s in data["standings"]) == ["hold", "random-1", "random-2"]
    assert "rating (mu-3sigma)" in result.stdout and "Elo" in result.stdout


def test_ratings_follow_results():
    games = [Game("a", "b", s, [1, -1], "a", None, None) for s in range(5)]
    games += [Game("b", "a", s, [-1, 1], "a", None, None) for s in range(5)]
    standings = rate(["a", "b"], games)
    assert [s.agent for s in standings] == ["a", "b"]
    assert (
        standings[0].elo > 1500 > standings[1].elo
        and standings[0].wins == 10
        and standings[1].losses == 10
    )
    draws = rate(["a", "b"], [Game("a", "b", 0, [0, 0], None, None, None)])
    assert all(s.draws == 1 for s in draws)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["match", "random", "--game", "pong"], "needs two agents, got 1"),
        (["match", "random", "ppo:x.ckpt", "--game", "pong"], "no such checkpoint x.ckpt"),
        (["match", "random", "neat-ff:x", "--game", "mario"], "no such checkpoint x"),
        (["tournament", "random", "randm", "--game", "pong"], "unknown agent 'randm'"),
    ],
)
def test_bad_input_is_one_clear_line(args, message):
    result = arena(*args)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_one_player_games_and_states_are_refused(hold_env):
    result = arena("match", "random", "hold", "--game", "mario", env=hold_env)
    assert "mario has no 2-player state" in result.stderr
    result = arena("match", "random", "hold", "--game", "pong", "--state", "Start", env=hold_env)
    assert "pong state 'Start' is for 1 player(s); a match needs a 2-player state" in result.stderr
