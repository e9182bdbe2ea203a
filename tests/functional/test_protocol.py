"""The evaluation protocol on the real emulator: sticky actions and no-op starts drawn from the
seed make every seed its own episode, also for a deterministic agent, and replays stay exact."""

import json

import numpy as np
import pytest
from pydantic import ValidationError

from arena.core.protocol import Protocol
from arena.emulation.movies import read_sidecar, verify
from arena.play.agents import Agent
from arena.play.runner import RunConfig, play_episode, run_episodes
from conftest import arena


class Script(Agent):
    """An open-loop input script (Mario's run-and-jump probe): deterministic, as a greedy
    policy is. Sticky actions matter where its buttons change."""

    def __init__(self, script=(4,) * 5 + (1,) * 5) -> None:
        self.script = script

    def act(self, observation, info, state):
        return self.script[info["step"] % len(self.script)], state


def digests(env, seeds):
    return [play_episode(env, [Script()], seed).digest for seed in seeds]


def test_without_the_protocol_a_deterministic_agent_plays_one_episode(make_env, host):
    env = make_env("mario")
    assert len(set(digests(env, [0, 1, 2]))) == 1


def test_sticky_actions_make_every_seed_its_own_reproducible_episode(make_env):
    env = make_env("mario", protocol=Protocol(sticky=0.25))
    first = digests(env, [0, 1, 2, 3])
    assert len(set(first)) == 4
    assert digests(env, [0, 1, 2, 3]) == first  # the same seed, the same episode


def test_noop_starts_are_drawn_from_the_seed(make_env):
    env = make_env("airstriker", protocol=Protocol(noop_max=30))
    noops = []
    for seed in range(6):
        env.reset(seed=seed)
        noops.append(env.noops)
        assert env.frame == 1 + env.noops
    assert len(set(noops)) > 1 and all(0 <= n <= 30 for n in noops)
    env.reset(seed=3)
    assert env.noops == noops[3]


def test_sticky_actions_repeat_the_previous_frames_buttons(make_env):
    """With p close to 1 the buttons of the first frame (none) keep being pressed."""
    env = make_env("mario", protocol=Protocol(sticky=0.999))
    env.reset(seed=0)
    for _ in range(50):
        env.step(1)  # right
    assert env.rules.values["xscrollLo"] == 0 and env.rules.values["xscrollHi"] == 0


def test_movies_under_the_protocol_verify_exactly(make_env, host, tmp_path):
    env = make_env("mario", protocol=Protocol(sticky=0.25, noop_max=20))
    config = RunConfig("constant", episodes=3, seed=5, record=tmp_path)
    results = run_episodes(env, [Script()], config)
    env.close()  # one emulator per process: verify opens its own
    assert len({r.digest for r in results}) == 3
    for result in results:
        sidecar = read_sidecar(tmp_path / result.movie.split("/")[-1])
        assert sidecar["protocol"] == {"sticky": 0.25, "noop_max": 20}
        assert sidecar["noops"] == result.noops
        verified = verify(tmp_path / result.movie.split("/")[-1], host.profile("mario"), sidecar)
        assert verified.frames == result.frames and verified.returns == result.returns


def test_run_states_its_protocol_and_records_it(tmp_path):
    result = arena(
        "run", "--game", "airstriker", "--episodes", "2", "--max-frames", "300", "--noop-max",
        "10", "--record", str(tmp_path), "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "protocol: sticky actions p=0.25, up to 10 no-op frames at reset" in result.stdout
    lines = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert all(r["protocol"] == {"sticky": 0.25, "noop_max": 10} for r in lines)
    assert arena("verify", str(tmp_path)).returncode == 0


def test_two_players_see_through_their_own_pipelines(make_env):
    """Player 2 of Pong sees the shared screen mirrored; a player may ask for another pipeline."""
    env = make_env("pong", "Start.2P")
    (one, two), _ = env.reset(seed=0)
    assert np.array_equal(two, one[:, :, ::-1])
    small = {"resize": (21, 16), "frame_stack": 1, "max_pool": False}
    env = make_env("pong", "Start.2P", player_observations=[{}, small])
    (one, two), _ = env.reset(seed=0)
    assert one.shape == (4, 84, 84) and two.shape == (1, 21, 16)
    (one, two), *_ = env.step((0, 0))
    assert env.spec_for(1).observation_shape == (1, 21, 16)
    assert env.observation_space.contains((one, two))


def test_boxing_seat_2_sees_itself_as_the_white_boxer(make_env):
    """``swap_colors_p2``: in 2-player Boxing each seat sees itself white (seat 1 starts top
    left, seat 2 bottom right), so one policy plays both sides; the screen is recolored
    before the max-pool, exactly, and seat 1's view is the unswapped screen."""
    env = make_env("boxing", "Start.2P")
    (one, two), _ = env.reset(seed=0)
    for _ in range(30):
        (one, two), *_ = env.step((0, 0))

    def white_rows(frame):
        rows, _ = np.nonzero(frame[:, 8:] == frame.max())  # past the left border bar
        return rows.mean()

    assert white_rows(one[-1]) < 42 < white_rows(two[-1])
    screen = env.emulator.screen()
    black, white = (screen == 0).all(-1), (screen == 214).all(-1)
    assert black.any() and white.any()
    swapped = env.pipelines[1].swap(screen)
    assert (swapped[black] == 214).all() and (swapped[white] == 0).all()
    assert np.array_equal(swapped[~black & ~white], screen[~black & ~white])
    assert env.pipelines[0].swap is None


@pytest.mark.parametrize(("game", "steps"), [("boxing", 30), ("combat", 50), ("surround", 100)])
def test_swapped_colors_are_the_games_own(make_env, game, steps):
    """Every color a profile swaps for seat 2 is drawn on the real 2-player screen, and seat
    2's screen holds each pair's colors as often as seat 1's holds the other."""
    env = make_env(game, "Start.2P")
    env.reset(seed=0)
    for _ in range(steps):
        env.step((0, 0))
    screen = env.emulator.screen()
    swapped = env.pipelines[1].swap(screen)
    for a, b in env.profile.swap_colors_p2:
        count = {color: int((screen == color).all(-1).sum()) for color in (a, b)}
        assert count[a] and count[b], count
        assert (swapped == b).all(-1).sum() == count[a] and (swapped == a).all(-1).sum() == count[b]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"sticky": 1.0}, "sticky"),
        ({"sticky": float("nan")}, "sticky"),
        ({"noop_max": -1}, "noop_max"),
        ({"noop_max": 10**9}, "noop_max"),
        ({"noop_max": 2.5}, "noop_max"),
    ],
)
def test_out_of_range_protocols_are_refused(values, problem):
    given = {"sticky": 0.0, "noop_max": 0, **values}
    assert [key for key, _ in Protocol.problems_of(**given)] == [problem]
    with pytest.raises(ValueError, match=problem):
        Protocol(**values)
    # The one shape is the one a suite, a sidecar or a results line is validated against.
    with pytest.raises(ValidationError, match=problem):
        Protocol.model_validate(values)
