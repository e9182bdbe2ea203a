"""`arena demos`: recorded episodes re-simulated into a dataset for imitation learning; the
actions in it are those the agent chose, the observations those it saw."""

import hashlib
import json
import types

import numpy as np
import pytest

import docs_pages
from arena import Agent, hookimpl
from arena.core.errors import MovieError, UsageError
from arena.core.protocol import ProtocolOptions
from arena.host.entries import AgentSpec
from arena.host.manager import PluginHost
from arena.services.demos import DemosRequest, build_demos
from arena.services.run import RunRequest, run
from conftest import arena

CHOSEN: list[tuple[int, int, int, str]] = []
"""(seed, seat, action, digest of the observation the agent saw) for every act()."""


class Chooser(Agent):
    """Picks actions from its own seeded generator, and notes each choice and what it saw."""

    def __init__(self, seed: int, seat: int, n_actions: int) -> None:
        self.seed, self.seat, self.n = seed, seat, n_actions
        self.rng = np.random.default_rng(seed * 2 + seat)

    def act(self, observation, info, state):
        action = int(self.rng.integers(self.n))
        digest = hashlib.sha256(np.ascontiguousarray(observation).tobytes()).hexdigest()
        CHOSEN.append((self.seed, self.seat, action, digest))
        return action, state


def build(context):
    return Chooser(context.seed, context.player, context.spec.n_actions)


@hookimpl
def arena_register_agents(register):
    register("chooser", build, "random choices, noted", checkpoint=False)


@pytest.fixture(scope="module")
def chooser_host():
    module = types.ModuleType("chooser_plugin")
    module.arena_register_agents = arena_register_agents
    return PluginHost(extra_plugins=[("chooser", module)])


class Quiet:
    def started(self, start):
        pass

    def played(self, result):
        pass


def record(host, folder, game, state=None, sticky=0.0, episodes=2, max_frames=900):
    CHOSEN.clear()
    request = RunRequest(
        game, AgentSpec("chooser", None, "chooser"), state=state, episodes=episodes,
        record=folder, max_frames=max_frames, protocol=ProtocolOptions(sticky=sticky),
    )  # fmt: skip
    played = run(host, request, Quiet())
    return played, list(CHOSEN)


def digest(observation):
    return hashlib.sha256(np.ascontiguousarray(observation).tobytes()).hexdigest()


def test_the_dataset_holds_the_actions_the_agent_chose_and_what_it_saw(chooser_host, tmp_path):
    played, chosen = record(chooser_host, tmp_path / "m", "mario")
    made = build_demos(chooser_host, DemosRequest(tmp_path / "m", tmp_path / "d.npz"), print)
    data = np.load(made.path)
    assert made.unmatched == 0 and made.steps == len(chosen) == len(data["actions"])
    assert data["actions"].tolist() == [action for _, _, action, _ in chosen]
    assert [digest(o) for o in data["observations"]] == [d for *_, d in chosen]
    for episode, result in enumerate(played):
        rows = data["episodes"] == episode
        assert data["rewards"][rows].sum() == pytest.approx(result.episode_return)
        assert data["dones"][rows].tolist() == [False] * (rows.sum() - 1) + [True]
    assert list(data["action_names"]) == list(chooser_host.profile("mario").actions)
    assert json.loads(str(data["meta"]))["format"] == "retro-arena-demos/1"


def test_two_seats_decode_even_where_both_press_one_controller(chooser_host, tmp_path):
    """Pong 2P: both paddles are read from controller 1, so the seats' buttons share it."""
    _, chosen = record(chooser_host, tmp_path / "m", "pong", "Start.2P", episodes=1)
    made = build_demos(chooser_host, DemosRequest(tmp_path / "m", tmp_path / "d.npz"), print)
    data = np.load(made.path)
    assert made.unmatched == 0
    # Seat 2's up and up_fire press the same buttons (its fire is not wired): the game cannot
    # tell them apart, and the dataset gives the first action with those buttons.
    # While the arena serves (auto_press: BUTTON), whether seat 1 pressed BUTTON too cannot be
    # told either: the dataset gives the action without it.
    profile = chooser_host.profile("pong")
    served = {b.removeprefix("P1:") for press in profile.auto_press for b in press.buttons}
    buttons = [
        [tuple(b for b in combo if b not in served) for combo in profile.player_actions(s).values()]
        for s in (0, 1)
    ]
    rows = [(s, buttons[s][a]) for s, a in zip(data["seats"], data["actions"], strict=True)]
    assert rows == [(seat, buttons[seat][action]) for _, seat, action, _ in chosen]
    assert data["actions"][data["seats"] == 1].max() <= 3  # up_fire shows as up
    exact = sum(
        int(a) == action for a, (_, _, action, _) in zip(data["actions"], chosen, strict=True)
    )
    assert exact >= 0.6 * len(chosen)  # the rest differ only by what the game cannot tell


def test_under_sticky_actions_the_chosen_action_is_the_last_frames(chooser_host, tmp_path):
    """A sticky frame repeats the last buttons; by a step's last frame the choice has landed,
    unless every frame of the step stuck (0.25 ** 4 of steps: the choice never reached the
    game, and the dataset holds what the game got)."""
    _, chosen = record(chooser_host, tmp_path / "m", "mario", sticky=0.25, episodes=3)
    made = build_demos(chooser_host, DemosRequest(tmp_path / "m", tmp_path / "d.npz"), print)
    actions = np.load(made.path)["actions"].tolist()
    same = sum(a == b for a, (_, _, b, _) in zip(actions, chosen, strict=True))
    assert made.unmatched == 0 and same >= 0.97 * len(chosen)


def test_bad_folders_and_movies_are_one_line(chooser_host, tmp_path):
    with pytest.raises(UsageError, match="no such folder"):
        build_demos(chooser_host, DemosRequest(tmp_path / "none", tmp_path / "d.npz"), print)
    (tmp_path / "empty").mkdir()
    with pytest.raises(MovieError, match=r"no \.bk2 movie with its sidecar"):
        build_demos(chooser_host, DemosRequest(tmp_path / "empty", tmp_path / "d.npz"), print)
    record(chooser_host, tmp_path / "two" / "a", "mario", episodes=1, max_frames=200)
    record(chooser_host, tmp_path / "two" / "b", "airstriker", episodes=1, max_frames=200)
    with pytest.raises(UsageError, match="one dataset has one action set"):
        build_demos(chooser_host, DemosRequest(tmp_path / "two", tmp_path / "d.npz"), print)
    [movie] = (tmp_path / "two" / "a").glob("*.json")
    sidecar = json.loads(movie.read_text())
    movie.write_text(json.dumps({**sidecar, "returns": [12345.0]}))
    with pytest.raises(MovieError, match="are not the sidecar's"):
        build_demos(chooser_host, DemosRequest(tmp_path / "two" / "a", tmp_path / "d.npz"), print)
    assert not (tmp_path / "d.npz").exists()


@pytest.mark.slow
def test_the_docs_demos_blocks_run_as_written(tmp_path):
    import subprocess
    import sys

    section = docs_pages.section("docs/demos.md", "Demonstrations for imitation learning")
    [commands] = docs_pages.blocks(section, "bash")
    [example] = docs_pages.blocks(section, "python")
    result = subprocess.run(["bash", "-e", "-c", commands], capture_output=True, text=True,
                            cwd=tmp_path, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "wrote runs/demos.npz" in result.stdout
    shown = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True,
                           cwd=tmp_path, timeout=300)  # fmt: skip
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "torch.Size([4, 84, 84]) torch.int64" in shown.stdout
    assert arena("verify", str(tmp_path / "runs" / "play")).returncode == 0


def test_a_game_pressed_a_frame_at_a_time_is_scored_as_its_movie(chooser_host, tmp_path):
    """press_frame, as a person plays: the rules run when a step's frames are done, so the
    steps, returns and end are the recorded episode's (a done rule may end a step early)."""
    from arena.emulation.movies import pressed_frames, read_sidecar
    from arena.play.env import ArenaEnv

    played, _ = record(chooser_host, tmp_path / "m", "mario", episodes=1, max_frames=6000)
    [movie] = (tmp_path / "m").glob("*.bk2")
    sidecar = read_sidecar(movie)
    env = ArenaEnv(chooser_host.profile("mario").with_time_limit(6000), "Level1-1")
    try:
        frames = pressed_frames(movie, len(env.emulator.buttons))
        env.reset(seed=sidecar["seed"], options={"noops": sidecar["noops"]})
        ends = []
        for masks in frames[1 + sidecar["noops"] :]:
            outcome = env.press_frame(masks)
            if outcome is not None:
                ends.append(outcome[2] or outcome[3])
        assert env.steps == sidecar["steps"] == len(ends) and ends[-1] and not any(ends[:-1])
        assert env.returns == sidecar["returns"] and env.frame == sidecar["frames"]
        assert played[0].done_reason in ("life_lost", "stalled")  # a rule, not the clock
    finally:
        env.close()
