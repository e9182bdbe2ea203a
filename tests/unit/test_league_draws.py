"""The self-play league's draw and ratings (issue #35), without an emulator: who the learner
meets, how often, and how OpenSkill moves the ratings."""

from collections import Counter

import numpy as np
import pytest

from arena.core.errors import UsageError
from arena.host.entries import AgentSpec, Entry
from arena.training.league import (
    LEARNER,
    LeaguePool,
    LeagueRatings,
    Member,
    check_league_shares,
)


def member(label: str) -> Member:
    return Member(label, Entry(AgentSpec("random", None, label), {}, {}, None, None, None))


def draws(pool: LeaguePool, n: int = 20_000) -> Counter:
    rng = np.random.default_rng(0)
    return Counter(pool.choose(rng).label for _ in range(n))


def test_the_newest_snapshot_most_a_fixed_share_and_the_rest_for_older_ones():
    pool = LeaguePool(tuple(member(f"s{i}") for i in range(4)), (member("random"),), 0.5, 0.2)
    seen = draws(pool)
    assert seen["s3"] / 20_000 == pytest.approx(0.5, abs=0.02)
    assert seen["random"] / 20_000 == pytest.approx(0.2, abs=0.02)
    for older in ("s0", "s1", "s2"):  # the remaining 0.3, uniformly
        assert seen[older] / 20_000 == pytest.approx(0.1, abs=0.01)


def test_before_any_snapshot_the_fixed_entries_play_and_one_snapshot_takes_the_older_share():
    fixed = (member("random"), member("held"))
    assert set(draws(LeaguePool((), fixed), 1000)) == {"random", "held"}
    seen = draws(LeaguePool((member("s0"),), fixed, 0.5, 0.2))
    assert seen["s0"] / 20_000 == pytest.approx(0.8, abs=0.02)
    assert (seen["random"] + seen["held"]) / 20_000 == pytest.approx(0.2, abs=0.02)
    only = LeaguePool((member("s0"), member("s1")), (), 0.5, 0.0)
    assert draws(only)["s1"] / 20_000 == pytest.approx(0.5, abs=0.02)


def test_a_draw_is_the_same_whatever_the_pool_holds():
    """Two draws every time: an episode's opponent does not shift the draws after it."""
    small = LeaguePool((member("a"),), (member("random"),))
    large = LeaguePool(tuple(member(x) for x in "abcdef"), (member("random"),))
    one, two = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(50):
        small.choose(one), large.choose(two)
    assert one.random() == two.random()


def test_ratings_follow_the_games_and_a_snapshot_starts_from_the_learner():
    ratings = LeagueRatings()
    ratings.add("random")
    for _ in range(20):
        ratings.played("random", 1.0)
    learner, weak = ratings.rated[LEARNER], ratings.rated["random"]
    assert learner[0] > 25 > weak[0] and learner[1] < 25 / 3
    ratings.add("ppo-0000001000", like=LEARNER)
    assert ratings.rated["ppo-0000001000"] == ratings.rated[LEARNER]
    before = ratings.rated[LEARNER][0]
    ratings.played("ppo-0000001000", 0.0)
    assert ratings.rated[LEARNER][0] < before < ratings.rated["ppo-0000001000"][0]
    drawn = LeagueRatings()
    drawn.played("random", 0.5)
    assert drawn.rated[LEARNER][0] == pytest.approx(drawn.rated["random"][0])
    rows = ratings.rows(5000)
    assert rows[0]["name"] == "ppo-0000001000" and rows[0]["games"] == 1
    assert all(r["ordinal"] == pytest.approx(r["mu"] - 3 * r["sigma"], abs=1e-3) for r in rows)


def test_ratings_round_trip_and_a_damaged_record_is_one_line(tmp_path):
    ratings = LeagueRatings()
    ratings.played("random", 1.0)
    ratings.save(tmp_path / "league.json", ["ppo-0000000000"])
    loaded, snapshots = LeagueRatings.load(tmp_path / "league.json")
    assert loaded.rated == ratings.rated and loaded.games == ratings.games
    assert snapshots == ["ppo-0000000000"]
    (tmp_path / "bad.json").write_text('{"rated": {"x": "no"}}')
    with pytest.raises(UsageError, match="not a league record"):
        LeagueRatings.load(tmp_path / "bad.json")


@pytest.mark.parametrize(
    ("latest", "fixed", "entries", "message"),
    [(0.7, 0.5, ("random",), "is over 1"), (0.5, 0.2, (), "league_entries is empty")],
)
def test_shares_that_cannot_hold_are_refused(latest, fixed, entries, message):
    with pytest.raises(UsageError, match=message):
        check_league_shares(latest, fixed, entries)
    check_league_shares(0.5, 0.0, ())
