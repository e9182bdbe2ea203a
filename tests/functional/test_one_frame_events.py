"""Done rules see every frame: a condition that holds for one frame between two agent steps
still ends the episode, at that frame (issue #31). Joust's game over is such a condition."""

import numpy as np
import pytest

from arena.emulation.emulator import ram_layout
from arena.emulation.movies import read_sidecar, replay, verify
from arena.play.runner import RunConfig, record_episode
from conftest import engine_for


class Random:
    def __init__(self, actions: int) -> None:
        self.actions = actions

    def reset(self, seed):
        return np.random.default_rng(seed)

    def act(self, observation, info, rng):
        return int(rng.integers(self.actions)), rng


def test_a_one_frame_condition_between_steps_is_seen():
    _, engine, base = engine_for("joust")
    engine.reset({**base, "lives1": 4, "lives2": 4})
    assert engine.watched_ram == {"lives1", "lives2"}
    assert engine.watch({"lives1": 0, "lives2": -1}, frame=6) is None
    assert engine.watch({"lives1": -1, "lives2": -1}, frame=7) == "both_unhorsed"
    # Nothing was kept: the step that follows reads its own frame.
    outcome = engine.step({**base, "lives1": 4, "lives2": 4}, frame=9, step=1)
    assert outcome.done_reason is None and outcome.rewards == [0.0, 0.0]


def test_watch_reads_history_as_of_the_last_step():
    """Between steps, ``prev``/``since_max`` read the last step's history, and a new best on
    the watched frame itself counts, as it would if the step ended there."""
    profile, engine, base = engine_for("mario", "Level1-1")
    assert {"xscrollHi", "xscrollLo", "lives", "player_state"} <= engine.watched_ram
    start = {**base, "xscrollLo": 40, "lives": 2}
    engine.reset(start)
    engine.step({**start, "xscrollLo": 50}, frame=5, step=1)  # x's best: 50, at frame 5
    stall = int(profile.constants["stall_frames"])
    assert engine.watch({**start, "xscrollLo": 50}, frame=5 + stall - 1) is None
    assert engine.watch({**start, "xscrollLo": 50}, frame=5 + stall) == "stalled"
    assert engine.watch({**start, "xscrollLo": 51}, frame=5 + stall) is None  # a new best
    assert engine.watch({**start, "xscrollLo": 50, "lives": 1}, frame=7) == "life_lost"
    assert engine.watch({**start, "xscrollLo": 50}, frame=7) is None


@pytest.mark.slow
def test_a_random_joust_ends_at_the_frame_of_its_game_over(make_env, tmp_path):
    """The seed whose game over a once-per-step check missed: the episode played on into the
    cartridge's next game, to the time limit, and paid 5,950 and 2,750 of 28,200 and 9,250."""
    env = make_env("joust", "Start.2P")
    config = RunConfig(agent="random", episodes=1, seed=0, record=tmp_path)
    result = record_episode(env, [Random(env.action_space.n)] * 2, config, 0)
    assert result.done_reason == "both_unhorsed"
    env.close()
    profile = env.profile
    layout = ram_layout(profile.game, profile.ram)
    lives = {name: layout[name] for name in ("lives1", "lives2")}
    movie = tmp_path / result.movie.rsplit("/", 1)[-1]
    game_over = next(
        frame.frame
        for frame in replay(movie, profile, read_sidecar(movie))
        if set(frame.emulator.read_ram(lives).values()) == {-1}
    )
    assert result.frames == game_over  # the very frame, not the step after it
    score = result.returns
    assert min(score) >= 0 and max(score) > 0  # no seat charged its score back
    assert verify(movie, profile, read_sidecar(movie)).frames == game_over
