"""Environment steps per second of PPO training: the arena's ``ppo`` against stable-baselines3.

Identical settings for both: Super Mario Bros 1-1 through the arena's env (frame skip 4 with
max-pool, 84x84 gray, stack of 4), 2 environments in subprocesses, n_steps 128, 4 epochs,
minibatch 256 (one per epoch), the Nature CNN actor-critic, CPU. SB3 gets the same Gymnasium
env in its SubprocVecEnv. Both are timed the same way: the wall and CPU clocks around the
training loop only (SB3's ``model.learn``, the arena's ``PPORun.learn``), the models and
processes built first. The arena runs twice: float32, and bfloat16 mixed precision (``--set
precision=bfloat16``), and float32 once more with its env workers as Ray actors on a local Ray
instance (``--backend ray``, the same 2 workers). The four alternate round by round. Targets:
>= 2x SB3 (issue #4); Ray's workers at least 0.8x the local processes' speed (issue #35).

    pip install stable-baselines3    # benchmark only; not a dependency of retro-arena
    python benchmarks/ppo_speed.py [--steps 5120] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
from pathlib import Path

from timing import Span, alternate, report

from arena.host.manager import PluginHost
from arena.play.env import ArenaEnv

N_ENVS, N_STEPS, EPOCHS, MINIBATCH = 2, 128, 4, 256


def make_mario() -> ArenaEnv:
    """Built inside each SB3 subprocess (one emulator per process)."""
    return ArenaEnv(PluginHost().profile("mario"))


def sb3(steps: int) -> Span:
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import SubprocVecEnv

    envs = SubprocVecEnv([make_mario] * N_ENVS, start_method="spawn")
    model = PPO(
        "CnnPolicy",
        envs,
        n_steps=N_STEPS,
        batch_size=MINIBATCH,
        n_epochs=EPOCHS,
        learning_rate=2.5e-4,
        clip_range=0.1,
        ent_coef=0.01,
        device="cpu",
        seed=0,
        verbose=0,
    )
    span = Span(steps)
    with span:
        model.learn(total_timesteps=steps)
    envs.close()
    return span


def arena(steps: int, precision: str, backend: str = "local") -> Span:
    import torch

    from arena.plugins.ppo_agent.config import build_config
    from arena.plugins.ppo_agent.train import PPORun
    from arena.training.run import TrainRun

    profile = PluginHost().profile("mario")
    overrides = {
        "total_steps": steps,
        "num_envs": N_ENVS,
        "num_steps": N_STEPS,
        "num_minibatches": 1,
        "update_epochs": EPOCHS,
        "precision": precision,
    }
    with tempfile.TemporaryDirectory() as out:
        run = TrainRun("ppo", profile, "Level1-1", 0, Path(out) / "run", N_ENVS, resume=False,
                       options={"backend": backend})  # fmt: skip
        ppo = PPORun(run, build_config("mario", None, overrides), torch.device("cpu"))
        with contextlib.redirect_stdout(io.StringIO()):
            ppo.set_up()  # the model, the optimizer and the env workers
            span = Span(steps)
            with span:
                ppo.learn()
    return span


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5120)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    contenders = {
        "sb3": lambda _round: sb3(args.steps),
        "float32": lambda _round: arena(args.steps, "float32"),
        "bfloat16": lambda _round: arena(args.steps, "bfloat16"),
        "ray": lambda _round: arena(args.steps, "float32", "ray"),
    }
    spans = alternate(contenders, args.rounds)
    report(
        spans,
        "steps",
        [("float32", "sb3", ">= 2x"), ("bfloat16", "sb3", ">= 2x"), ("ray", "float32", ">= 0.8x")],
    )


if __name__ == "__main__":
    main()
