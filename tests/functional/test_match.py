"""Two-player matches in one emulator, side-swapped, and tournaments with ratings."""

import json

import pytest

from arena import Agent, hookimpl
from arena.evaluation.match import (
    Game,
    format_standings,
    pairs_of,
    play_games,
    rate,
    seat_advantage,
)
from arena.host.entries import parse_entries
from arena.host.manager import PluginHost
from conftest import ROOT, arena, pip_install_into


@pytest.fixture(scope="module")
def hold_env(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    pip_install_into(site, ROOT / "examples" / "arena-hold-agent")
    return {"PYTHONPATH": str(site)}


@pytest.mark.slow
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
        sidecar = json.loads((out / game["movie"]).with_suffix(".json").read_text())
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


def test_ratings_follow_pairs_not_seats():
    games = []
    for seed in range(20):  # seat 1 always wins its game, by 3 for a and by 1 for b
        games += [Game("a", "b", seed, [3, -3], "a", None, None, [3, 0])]
        games += [Game("b", "a", seed, [1, -1], "b", None, None, [2, 1])]
    pairs = pairs_of(games)
    assert [(p.winner, p.totals) for p in pairs[:1]] == [("a", {"a": 2, "b": -2})]
    standings = rate(["a", "b"], pairs)
    assert [s.agent for s in standings] == ["a", "b"]
    assert standings[0].elo > 1500 > standings[1].elo
    assert (standings[0].pairs, standings[0].wins, standings[1].losses) == (20, 20, 20)
    advantage = seat_advantage(games)
    assert (advantage.seat1_wins, advantage.decided) == (40, 40) and advantage.low > 0.9
    # Points: seat 1 scored 3 + 2 of each pair's 6, every pair alike: no spread to resample.
    assert (advantage.seat1_points, advantage.points) == (100, 120)
    assert advantage.point_share == advantage.point_low == advantage.point_high == 5 / 6
    table = format_standings(standings)
    assert "95% interval" in table and "pairs: W / D / L" in table and "not settled" not in table
    even = rate(["a", "b"], pairs_of([Game("a", "b", 0, [1, -1], "a", None, None, [1, 0]),
                                      Game("b", "a", 0, [1, -1], "b", None, None, [1, 0])]))  # fmt: skip
    assert all(s.draws == 1 for s in even)
    assert "not settled: " in format_standings(even)


def test_the_point_share_interval_resamples_pairs():
    # Seat 1 scores 21 of 30 points in half the pairs and 9 of 30 in the other half: the share
    # is 0.5, and pairs, not points, are the units drawn, so the interval is wide.
    games = []
    for seed in range(10):
        seat1 = 21 if seed % 2 else 9
        games += [Game("a", "b", seed, [0, 0], None, None, None, [seat1 / 2, (30 - seat1) / 2])]
        games += [Game("b", "a", seed, [0, 0], None, None, None, [seat1 / 2, (30 - seat1) / 2])]
    advantage = seat_advantage(games)
    assert advantage.point_share == 0.5 and advantage.decided == 0
    assert 0.3 < advantage.point_low < 0.45 and 0.55 < advantage.point_high < 0.7
    assert "seat 1 scored 150 of 300 points, 0.50 [" in advantage.describe()
    assert "no game had a winner" in advantage.describe()


@pytest.mark.slow
def test_one_agent_against_itself_comes_out_even_over_side_swapped_pairs(tmp_path):
    result = arena(
        "tournament", "random", "random", "--game", "pong", "--episodes", "8",
        "--max-frames", "3000", "--record", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "tournament.json").read_text())
    pairs = data["pairs"]
    assert len(pairs) == 8 and len(data["games"]) == 16
    # The two games of a pair share the seed, so the protocol's draws and each copy's own
    # draws repeat with the seats swapped: a copy's edge in one game is the other's in the
    # next, and every pair ends even, whatever the seat is worth.
    assert all(p["winner"] is None for p in pairs), pairs
    assert all(p["totals"]["random-1"] == p["totals"]["random-2"] for p in pairs)
    # The games themselves are not even: the seat's worth is measured and reported.
    advantage = data["seat_advantage"]
    assert advantage["decided"] > 0 and "seat advantage: seat 1 scored" in result.stdout
    # Pong's reward is the point differential: the gains are the points each seat scored.
    assert all(g["gains"][0] - g["gains"][1] == g["returns"][0] for g in data["games"])
    assert advantage["points"] == sum(sum(g["gains"]) for g in data["games"]) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["match", "random", "--game", "pong"], "needs two agents, got 1"),
        (["match", "random", "ppo:x.ckpt", "--game", "pong"], "no such checkpoint x.ckpt"),
        (["match", "random", "neat-ff:x", "--game", "mario"], "no such checkpoint x"),
        (["tournament", "random", "randm", "--game", "pong"], "unknown agent 'randm'"),
        (
            ["tournament", "random", "random:pyproject.toml", "--game", "pong"],
            "agent 'random' takes no checkpoint, and pyproject.toml was given",
        ),
        (["match", "random", "ppo", "--game", "pong"], "agent 'ppo' plays a trained checkpoint"),
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


class SeatRecorder:
    """A third-party agent that remembers which seat each context told it to play."""

    seen: list[tuple[int, tuple[int, ...]]] = []  # noqa: RUF012

    @hookimpl
    def arena_register_agents(self, register):
        class Still(Agent):
            def act(self, observation, info, state):
                return 0, state

        def build(context):
            SeatRecorder.seen.append((context.player, context.spec.observation_shape))
            return Still()

        register("seat", build, "records context.player")


def test_each_seat_of_a_match_is_built_as_its_own_player(host):
    plugins = PluginHost(extra_plugins=[("seat-recorder", SeatRecorder())])
    profile = plugins.profile("pong").with_time_limit(40)
    entries = parse_entries(["seat", "random"])
    SeatRecorder.seen.clear()
    games = play_games(plugins, entries, profile, "Start.2P", [0], None, lambda game: None)
    assert [(g.player1, g.player2) for g in games] == [("seat", "random"), ("random", "seat")]
    # Built once per game: player 1's seat in the first, player 2's in the second.
    assert [player for player, _ in SeatRecorder.seen] == [0, 1]
