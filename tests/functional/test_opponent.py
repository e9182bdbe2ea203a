"""Training on a 2-player state: the trainee plays one seat, `--opponent` the other, the seats
alternating by episode; the trainee gets its own seat's observation, reward and return."""

import numpy as np
import pytest

from arena.host.entries import parse_entries
from arena.play.opponent import OpponentEnv
from conftest import arena


def test_the_learner_alternates_seats_and_gets_its_own_reward(host, make_env):
    env = make_env("pong", "Start.2P")
    [random] = parse_entries(["random"])
    built = []

    def opponent(spec, seat):
        built.append(seat)
        return host.build_agent(random, spec, 0, seat)

    learner = OpponentEnv(env, opponent)
    for episode in range(2):
        observation, info = learner.reset(seed=3)
        assert learner.seat == episode and info["seat"] == episode + 1
        assert observation.shape == env.spec_for(learner.seat).observation_shape
        total = 0.0
        for _ in range(400):
            observation, reward, terminated, truncated, info = learner.step(2)  # "up"
            total += reward
            assert reward == info["rewards"][learner.seat]
            if terminated or truncated:
                break
        assert learner.returns == [pytest.approx(total)] == [env.returns[learner.seat]]
        assert isinstance(observation, np.ndarray)
    assert built == [1, 0]  # an opponent per seat it plays, built when first needed


@pytest.mark.slow
def test_ppo_trains_on_combat_against_random_and_plays_a_match(tmp_path):
    out = tmp_path / "run"
    trained = arena("train", "ppo", "--game", "combat", "--opponent", "random", "--steps", "512",
                    "--envs", "2", "--workers", "2", "--max-frames", "800", "--out", str(out))  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert f"arena match ppo:{out / 'model.ckpt'} random --game combat" in trained.stdout
    # Self-play's first step: train against one's own earlier model (its manifest names every
    # key of the observation it saw; the pipelines are alike, so it is no refusal).
    again = arena("train", "ppo", "--game", "combat", "--opponent", f"ppo:{out / 'model.ckpt'}",
                  "--steps", "256", "--envs", "2", "--workers", "2", "--max-frames", "400",
                  "--out", str(tmp_path / "self"))  # fmt: skip
    assert again.returncode == 0, again.stderr
    played = arena("match", f"ppo:{out / 'model.ckpt'}", "random", "--game", "combat",
                   "--max-frames", "400")  # fmt: skip
    assert played.returncode == 0, played.stderr
    # On a suite, a checkpoint trained on one game sits the others out.
    suite = tmp_path / "two.yaml"
    suite.write_text("cells:\n  - {game: pong, states: [Start.2P], max_frames: 300}\n"
                     "  - {game: combat, states: [Start.2P], max_frames: 300}\n")  # fmt: skip
    rated = arena(
        "tournament", "random", f"ppo:{out / 'model.ckpt'}", "random", "--suite", str(suite)
    )
    assert rated.returncode == 0, rated.stderr
    assert "left out  pong Start.2P: ppo: its checkpoint was trained on 'combat'" in rated.stdout
    assert "overall, 4 pairs on 2 games:" in rated.stdout  # pong: 1 pairing; combat: 3


def test_neat_evolves_on_combat_against_random(tmp_path):
    out = tmp_path / "neat"
    evolved = arena("train", "neat-ff", "--game", "combat", "--opponent", "random",
                    "--generations", "1", "--pop", "4", "--max-frames", "400",
                    "--out", str(out))  # fmt: skip
    assert evolved.returncode == 0, evolved.stderr
    assert (out / "model.ckpt").is_file() or list(out.glob("*.ckpt")), evolved.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--game", "combat"], "is for 2 players: name the agent that plays the other seat"),
        (["--game", "pong", "--opponent", "random"], "pong Start is for 1 player; it has no other seat"),
        (["--game", "combat", "--opponent", "randon"], "randon"),
    ],
)  # fmt: skip
def test_bad_opponents_are_one_clear_line(tmp_path, args, message):
    result = arena("train", "ppo", *args, "--steps", "256", "--out", str(tmp_path / "r"))
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()
