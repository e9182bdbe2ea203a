"""``arena train ppo``: its options, and the run (torch is imported only when it starts)."""

from __future__ import annotations

from typing import Any

from arena.plugins.ppo_agent.config import build_config
from arena.training import Trainer, TrainRun


class PPOTrainer(Trainer):
    description = "train a PPO actor-critic (Nature CNN, torch) on stacked frames"

    def add_arguments(self, parser: Any) -> None:
        from arena.cli import positive_int

        parser.add_argument("--steps", type=positive_int, help="total agent steps (total_steps)")
        parser.add_argument("--envs", type=positive_int, help="parallel environments (num_envs)")
        parser.add_argument(
            "--device", default="auto", help="auto (CUDA when present), cpu or cuda"
        )

    def train(self, run: TrainRun) -> None:
        overrides: dict[str, Any] = dict(run.overrides)
        if run.args.steps is not None:
            overrides["total_steps"] = run.args.steps
        if run.args.envs is not None:
            overrides["num_envs"] = run.args.envs
        config = build_config(run.profile.name, run.config, overrides)
        from arena.plugins.ppo_agent.train import PPORun, pick_device  # torch, only when training

        PPORun(run, config, pick_device(run.args.device)).train()
