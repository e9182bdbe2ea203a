"""The arena's env on the real emulator: Mario 1-1 rules on real frames, Airstriker, Pong 1P/2P."""

import numpy as np
import pytest


def test_mario_reward_is_x_progress_on_real_frames(make_env):
    env = make_env("mario")
    observation, info = env.reset(seed=0)
    assert observation.shape == (4, 84, 84) and observation.dtype == np.uint8
    assert env.observation_space.contains(observation)
    right = env.profile.action_names.index("right")
    x_before, total = info["x"], 0.0
    for _ in range(30):
        observation, reward, terminated, truncated, info = env.step(right)
        total += reward
        assert not (terminated or truncated)
    assert info["x"] > x_before + 50  # Mario walked right and the screen scrolled
    assert total == info["x"] - x_before
    assert info["frame"] == 1 + 30 * env.profile.frame_skip


def test_mario_episode_ends_on_life_loss_with_the_penalty(make_env):
    env = make_env("mario")
    _, start = env.reset(seed=0)
    right = env.profile.action_names.index("right")
    for _ in range(300):  # walking right without jumping meets the first Goomba
        _, reward, terminated, truncated, info = env.step(right)
        if terminated or truncated:
            break
    assert info["done_reason"] == "life_lost"
    assert reward < 0  # the penalty, plus any x gained before the hit on that step
    assert env.rules.term_totals[0] == {"progress": info["x"] - start["x"], "death": -25}
    assert 100 < info["x"] < 400 and info["frame"] < 400


def test_mario_stall_rule_ends_an_idle_episode(make_env):
    env = make_env("mario")
    env.reset(seed=0)
    noop = env.profile.action_names.index("noop")
    for _ in range(200):
        *_, terminated, truncated, info = env.step(noop)
        if terminated or truncated:
            break
    assert info["done_reason"] == "stalled" and info["frame"] >= 600


def test_time_limit_truncates(host):

    from arena.play.env import ArenaEnv

    env = ArenaEnv(host.profile("airstriker").with_time_limit(41))
    try:
        env.reset()
        for _ in range(10):
            *_, terminated, truncated, info = env.step(0)
        assert truncated and not terminated and info["done_reason"] == "time_limit"
    finally:
        env.close()


def test_observation_overrides_and_native_color(make_env):
    env = make_env("airstriker", resize=None, grayscale=False, frame_stack=2)
    observation, _ = env.reset()
    assert observation.shape == (2, 224, 320, 3)
    env = make_env("mario", resize=(10, 12), frame_stack=1)
    assert env.reset()[0].shape == (1, 10, 12)


def test_pong_two_players_get_opposite_rewards(make_env):
    env = make_env("pong", "Start.2P")
    assert env.players == 2
    env.reset(seed=1)
    fire = env.profile.action_names.index("fire")
    rng = np.random.default_rng(0)
    totals = np.zeros(2)
    for _ in range(600):
        *_, terminated, truncated, info = env.step((fire, int(rng.integers(6))))
        totals += info["rewards"]
        if terminated or truncated:
            break
    assert totals[0] == -totals[1] and totals[0] != 0
    assert info["returns"] == list(totals)


def test_invalid_actions_are_refused(make_env):
    env = make_env("pong")
    env.reset()
    with pytest.raises(ValueError, match="outside Discrete"):
        env.step(99)


def exact_area_average(image, out):
    """The reference: each output pixel's exact area average (integer arithmetic), ties even."""
    from fractions import Fraction

    height, width = image.shape
    out_h, out_w = out

    def weights(size, n):  # weight of input pixel i on output pixel o, as fractions of o's area
        table = np.zeros((n, size), object)
        for o in range(n):
            low, high = Fraction(o * size, n), Fraction((o + 1) * size, n)
            for i in range(int(low), min(size, int(np.ceil(high)))):
                table[o, i] = (min(high, i + 1) - max(low, Fraction(i))) / (high - low)
        return table

    rows, columns = weights(height, out_h), weights(width, out_w)
    average = rows.dot(image.astype(object)).dot(columns.T)
    return np.vectorize(lambda f: round(f))(average).astype(np.uint8)  # round(): ties to even


@pytest.mark.slow
@pytest.mark.parametrize(
    ("shape", "out"), [((224, 240), (84, 84)), ((210, 160), (84, 84)), ((30, 20), (12, 8))]
)
def test_area_resize_is_the_exact_area_average(shape, out):
    import cv2

    from arena.play.screen import AreaResize

    rng = np.random.default_rng(7)
    # 2x2 blocks of equal pixels, as in pixel art, so that exact .5 ties occur
    image = np.kron(rng.integers(0, 256, (shape[0] // 2, shape[1] // 2)), np.ones((2, 2)))
    image = image.astype(np.uint8)
    assert AreaResize.applies(shape, out)
    resized = AreaResize(shape, out)(image)
    assert np.array_equal(resized, exact_area_average(image, out))
    opencv = cv2.resize(image, out[::-1], interpolation=cv2.INTER_AREA)
    assert np.abs(resized.astype(int) - opencv).max() <= 1  # only OpenCV's float rounding


def test_the_observation_matches_opencv_on_real_mario_frames(make_env):
    """The documented change from OpenCV's INTER_AREA: a level, on exact .5 ties, rarely."""
    import cv2

    env = make_env("mario")
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    differing = compared = 0
    for _ in range(400):
        env.step(int(rng.integers(env.action_space.n)))
        pooled = np.maximum(*(env.emulator.screen() for _ in range(2)))
        gray = cv2.cvtColor(pooled, cv2.COLOR_RGB2GRAY)
        opencv = cv2.resize(gray, (84, 84), interpolation=cv2.INTER_AREA)
        ours = env.pipelines[0].frame([pooled])
        assert np.abs(ours.astype(int) - opencv).max() <= 1
        differing += int((ours != opencv).sum())
        compared += opencv.size
    assert differing / compared < 1e-4
