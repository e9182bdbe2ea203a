"""Environment steps per second of PPO training: the arena's ``ppo`` against stable-baselines3.

Identical settings for both: Super Mario Bros 1-1 through the arena's env (frame skip 4 with
max-pool, 84x84 gray, stack of 4), 2 environments in subprocesses, n_steps 128, 4 epochs,
minibatch 256 (one per epoch), the Nature CNN actor-critic, CPU. SB3 gets the same Gymnasium
env in its SubprocVecEnv. Timed: the training loop only (models and processes are built
first). The arena runs twice: float32, and bfloat16 mixed precision (``--set
precision=bfloat16``: autocast forward/backward, float32 weights). The machine's speed
drifts by 10% or so between minutes (shared hosts), so the runs alternate, SB3 then the
arena, for a few rounds: each round's ratio is side by side, and the median is the result.
Target (issue #4): >= 2x SB3.

    pip install stable-baselines3    # benchmark only; not a dependency of retro-arena
    python benchmarks/ppo_speed.py [--steps 5120] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from arena.env import ArenaEnv
from arena.plugin_manager import PluginHost

N_ENVS, N_STEPS, EPOCHS, MINIBATCH = 2, 128, 4, 256


def make_mario() -> ArenaEnv:
    """Built inside each SB3 subprocess (one emulator per process)."""
    return ArenaEnv(PluginHost().profile("mario"))


def measure_sb3(steps: int) -> float:
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
    started = time.perf_counter()
    model.learn(total_timesteps=steps)
    elapsed = time.perf_counter() - started
    envs.close()
    return steps / elapsed


def measure_arena(steps: int, precision: str) -> float:
    settings = [
        f"num_steps={N_STEPS}",
        "num_minibatches=1",
        f"update_epochs={EPOCHS}",
        f"precision={precision}",
    ]
    with tempfile.TemporaryDirectory() as out:
        arguments = f"train ppo --game mario --steps {steps} --envs {N_ENVS} --device cpu"
        command = [sys.executable, "-m", "arena.cli", *arguments.split(), "--out", out]
        for setting in settings:
            command += ["--set", setting]
        subprocess.run(command, check=True, capture_output=True)
        with (Path(out) / "train.csv").open() as fh:
            rows = list(csv.DictReader(fh))
    seconds = sum(N_ENVS * N_STEPS / float(r["steps_per_second"]) for r in rows)
    return len(rows) * N_ENVS * N_STEPS / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5120)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ratios: dict[str, list[float]] = {"float32": [], "bfloat16": []}
    for round_ in range(1, args.rounds + 1):
        sb3 = measure_sb3(args.steps)
        line = f"round {round_}: stable-baselines3 {sb3:,.0f} steps/s"
        for precision, found in ratios.items():
            arena = measure_arena(args.steps, precision)
            found.append(arena / sb3)
            line += f", arena {precision} {arena:,.0f} ({arena / sb3:.2f}x)"
        print(line, flush=True)
    for precision, found in ratios.items():
        print(f"arena ppo ({precision}): median {statistics.median(found):.2f}x SB3")
    print("target: >= 2x SB3")


if __name__ == "__main__":
    main()
