"""PPO: short real training on the emulator, checkpoints, resume, playing, bad input."""

import math

import numpy as np
import pytest
import torch

from arena.play.agents import AgentContext
from arena.play.env import GameSpec
from arena.plugins.ppo_agent.agent import build
from arena.plugins.ppo_agent.model import ActorCritic
from conftest import arena, csv_rows

pytestmark = pytest.mark.slow  # each test trains: CI runs them, the fast tier does not

SMALL = [
    "--envs",
    "2",
    "--set",
    "num_steps=64",
    "--set",
    "num_minibatches=2",
    "--set",
    "update_epochs=2",
]



@pytest.fixture(scope="module")
def airstriker_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ppo") / "airstriker"
    result = arena(
        "train",
        "ppo",
        "--game",
        "airstriker",
        "--steps",
        "1536",
        "--max-frames",
        "1000",
        "--out",
        str(out),
        *SMALL,
    )
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_training_logs_finite_losses_and_returns(airstriker_run):
    out, stdout = airstriker_run
    updates = csv_rows(out / "train.csv")
    assert [int(r["global_step"]) for r in updates] == list(range(128, 1537, 128))
    for row in updates:
        for key in ("policy_loss", "value_loss", "entropy", "approx_kl"):
            assert math.isfinite(float(row[key])), (key, row)
    episodes = csv_rows(out / "episodes.csv")
    assert episodes and all(r["done_reason"] for r in episodes)
    assert (out / "learning_curve.png").stat().st_size > 10_000
    assert (out / "model.ckpt").is_file() and "device cpu (CPU)" in stdout


def test_rollout_sampling_agrees_with_the_learners_scoring():
    """Workers sample with the lean ``act``; the learner rescores with ``action_and_value``."""
    torch.manual_seed(0)
    model = ActorCritic((4, 84, 84), 4)
    with torch.no_grad():
        model.actor.bias.copy_(torch.tensor([0.0, 1.0, 2.0, -1.0]))  # a skewed policy
        observations = torch.randint(0, 256, (16, 4, 84, 84), dtype=torch.uint8)
        pixels = model.pixels(observations)
        action, logprob, value = model.act(pixels)
        learner_logprob, entropy, learner_value = model.action_and_value(pixels, action)
        assert torch.allclose(logprob, learner_logprob, atol=1e-6)
        assert torch.equal(value, learner_value) and (entropy > 0).all()
        one = pixels[:1].expand(4000, -1, -1, -1)
        counts = torch.bincount(model.act(one)[0], minlength=4) / 4000
        probabilities = model.actor(model.hidden(pixels[:1])).softmax(-1)[0]
    assert torch.allclose(counts, probabilities, atol=0.03), (counts, probabilities)


def test_checkpoint_round_trip_gives_identical_greedy_actions(airstriker_run):
    out, _ = airstriker_run
    spec = GameSpec(
        "airstriker", "Airstriker-Genesis-v0", "Level1", 1, (4, 84, 84), tuple("abcdef"), 4
    )
    final = build(AgentContext(spec, checkpoint=out / "model.ckpt"))
    latest = build(AgentContext(spec, checkpoint=sorted((out / "checkpoints").glob("*.ckpt"))[-1]))
    observations = torch.randint(
        0, 256, (32, 4, 84, 84), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    actions = [final.act(o.numpy(), {}, final.reset(0))[0] for o in observations]
    assert actions == [latest.act(o.numpy(), {}, latest.reset(0))[0] for o in observations]
    with torch.no_grad():
        pixels = final.model.pixels(observations)
        assert torch.equal(final.model.greedy(pixels), latest.model.greedy(pixels))


def test_trained_model_plays_and_its_movies_verify(airstriker_run, tmp_path):
    out, _ = airstriker_run
    for extra in ([], ["--sample"]):
        result = arena(
            "run",
            "--agent",
            "ppo",
            "--checkpoint",
            str(out / "model.ckpt"),
            "--game",
            "airstriker",
            "--max-frames",
            "600",
            "--episodes",
            "2",
            "--record",
            str(tmp_path / f"play{len(extra)}"),
            *extra,
        )
        assert result.returncode == 0, result.stderr
        assert arena("verify", str(tmp_path / f"play{len(extra)}")).returncode == 0


def test_resume_continues_the_step_count(airstriker_run):
    out, _ = airstriker_run
    result = arena("train", "ppo", "--out", str(out), "--resume", "--steps", "2048")
    assert result.returncode == 0, result.stderr
    assert "resuming at step 1,536" in result.stdout
    steps = [int(r["global_step"]) for r in csv_rows(out / "train.csv")]
    assert steps == list(range(128, 2049, 128))


def test_short_mario_run_learns_from_x_progress(tmp_path):
    out = tmp_path / "mario"
    result = arena(
        "train",
        "ppo",
        "--game",
        "mario",
        "--steps",
        "1024",
        "--out",
        str(out),
        "--set",
        "precision=bfloat16",
        *SMALL,
    )
    assert result.returncode == 0, result.stderr
    episodes = csv_rows(out / "episodes.csv")
    assert episodes and all(float(r["progress"]) > 0 for r in episodes)
    assert all(math.isfinite(float(r["value_loss"])) for r in csv_rows(out / "train.csv"))


BAD = [
    (
        ["train", "ppo", "--game", "mario", "--set", "lerning_rate=1"],
        "unknown PPO setting 'lerning_rate' (did you mean 'learning_rate'?)",
    ),
    (
        ["train", "ppo", "--game", "mario", "--set", "learning_rate=nan"],
        "--set: learning_rate = 'nan': input should be a finite number",
    ),
    (
        ["train", "ppo", "--game", "mario", "--set", "num_envs=0"],
        "num_envs = 0: input should be greater than 0",
    ),
    (["train", "ppo", "--game", "mario", "--set", "precision=fp8"], "precision = 'fp8'"),
    (
        ["train", "ppo", "--game", "mario", "--device", "cuda"]
        if not torch.cuda.is_available()
        else ["train", "ppo", "--game", "mario", "--device", "tpu"],
        "--device",
    ),
    (
        ["train", "ppo", "--game", "mario", "--set", "num_steps=3", "--envs", "1"],
        "does not split into 4 minibatches",
    ),
    (
        ["train", "ppo", "--game", "mario", "--device", "mps"],
        "--device mps: not available on this machine. it has: auto, cpu",
    )
    if not torch.backends.mps.is_available() and not torch.cuda.is_available()
    else (["train", "ppo", "--game", "mario", "--device", "meta"], "--device meta: not available"),
    (
        ["train", "ppo", "--game", "mario", "--set", "num_steps=100000000"],
        "num_envs * num_steps = 800,000,000: a rollout holds at most 65,536 steps",
    ),
    (["train", "ppo", "--out", "/nonexistent/run", "--resume"], "holds no run to resume"),
    (
        ["run", "--agent", "ppo", "--game", "mario"],
        "agent 'ppo' plays a trained checkpoint, and none was given",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_input_is_one_clear_line(args, message, tmp_path):
    result = arena(*args, cwd=tmp_path)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())  # a run that never started leaves nothing to resume


def test_checkpoints_of_other_agents_are_refused(airstriker_run, tmp_path):
    out, _ = airstriker_run
    result = arena(
        "run", "--agent", "neat-ff", "--checkpoint", str(out / "model.ckpt"), "--game", "airstriker"
    )
    assert (
        "is a checkpoint of agent 'ppo', not 'neat-ff'. play it with --agent ppo" in result.stderr
    )
    fake = tmp_path / "fake.ckpt"
    fake.write_bytes(np.zeros(100, np.uint8).tobytes())
    result = arena("run", "--agent", "ppo", "--checkpoint", str(fake), "--game", "airstriker")
    assert "not a checkpoint written by retro-arena; refusing to load it" in result.stderr
    result = arena(
        "run", "--agent", "ppo", "--checkpoint", str(out / "model.ckpt"), "--game", "mario"
    )
    assert "was trained on 'airstriker'" in result.stderr


def test_bfloat16_on_a_cpu_without_native_bf16_says_so(monkeypatch):
    import torch

    from arena.plugins.ppo_agent.train import slow_bf16_warning

    assert slow_bf16_warning("float32") is None
    native = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    assert (slow_bf16_warning("bfloat16") is None) == native  # what this machine's CPU is
    # An AVX2-only CPU (the AMD EPYC of the report) as torch reads it:
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_avx2_supported", lambda: True)
    warning = slow_bf16_warning("bfloat16")
    assert warning is not None and "without native bf16 (no AVX512-BF16, no AMX)" in warning
    assert "--set precision=float32" in warning
