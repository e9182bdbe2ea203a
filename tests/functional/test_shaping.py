"""Training-only reward terms (``shaping:``): on in the envs ``arena train`` builds, off
everywhere a score is kept, and never in a return. Played on 2-player Boxing."""

from pathlib import Path

import pytest
import yaml

from arena.core.errors import ArenaError, ProfileError
from arena.play.env import ArenaEnv
from arena.play.opponent import OpponentEnv
from arena.profiles.loading import load_profile
from arena.training.worker_env import EnvSetup

GAMES = Path(__file__).resolve().parents[2] / "games"
# White starts top left, black bottom right: white walks right then down, black stays.
CLOSING_IN = [("right", "noop", 10), ("down", "noop", 10)]


def walk(env, script):
    actions = list(env.profile.actions)
    steps = []
    for one, two, count in script:
        for _ in range(count):
            *_, info = env.step((actions.index(one), actions.index(two)))
            steps.append(info)
    return steps


def test_closing_in_is_paid_in_training_and_never_counted():
    profile = load_profile(GAMES / "boxing.yaml")
    env = ArenaEnv(profile, "Start.2P", shaping=True)
    try:
        env.reset(seed=0)
        start = env.rules.values["distance"]
        steps = walk(env, CLOSING_IN)
        closed = start - steps[-1]["distance"]
        assert closed > 50  # the boxers really came closer on the real game
        for player in (0, 1):  # the distance is both boxers': both seats are paid alike
            paid = sum(info["shaping"][player] for info in steps)
            assert paid == pytest.approx(0.01 * closed)
            assert sum(info["rewards"][player] for info in steps) == pytest.approx(paid)
        assert env.returns == [0.0, 0.0]  # no punch landed: the game's points are nil
    finally:
        env.close()


def test_scored_envs_leave_shaping_out():
    profile = load_profile(GAMES / "boxing.yaml")
    env = ArenaEnv(profile, "Start.2P")  # what matches, benchmarks and arena run build
    try:
        env.reset(seed=0)
        steps = walk(env, CLOSING_IN)
        assert all("shaping" not in info and info["rewards"] == [0.0, 0.0] for info in steps)
    finally:
        env.close()


def test_the_training_env_pays_the_learner_its_own_seats_shaping():
    profile = load_profile(GAMES / "boxing.yaml")
    setup = EnvSetup(str(profile.source), profile.name, "Start.2P", None, opponent="random")
    env = setup.make()
    assert isinstance(env, OpponentEnv)
    try:
        env.reset(seed=0)
        paid = 0.0
        for _ in range(300):  # the learner stands in its corner (seat 1); random walks
            before = env.returns[0]
            _, reward, *_, info = env.step(0)
            points = env.returns[0] - before  # the game's reward this step
            assert reward == pytest.approx(points + info["shaping"][0])
            paid += info["shaping"][0]
        assert paid != 0  # the random boxer's walk moved the distance
    finally:
        env.close()


def write(tmp_path, changes: dict) -> Path:
    raw = yaml.safe_load((GAMES / "boxing.yaml").read_text())
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    path = tmp_path / "boxing.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"shaping_p2": None},
            r"shaping_p2: missing: player 2 has rewards \(reward_p2\), so it needs shaping too",
        ),
        ({"shaping": None}, r"shaping_p2: given without 'shaping'"),
        (
            {"shaping": {"closing_in": "-0.01 * delta(distnce)"}},
            r"shaping.closing_in: in .*unknown name 'distnce' \(did you mean 'distance'\?\)",
        ),
        ({"shaping": {}}, r"shaping: expected at least one term"),
    ],
)
def test_bad_shaping_is_one_line(tmp_path, changes, message):
    with pytest.raises(ArenaError, match=message):  # a ProfileError or an ExpressionError
        load_profile(write(tmp_path, changes))


def test_shaping_p2_needs_a_player_2(tmp_path):
    path = write(tmp_path, {"states": {"Start": {}}, "probes": None, "reward_p2": None})
    with pytest.raises(ProfileError, match=r"shaping_p2: given without 'reward_p2'"):
        load_profile(path)
