"""``arena train ppo``: its options, and the run (torch is imported only when it starts)."""

from __future__ import annotations

from typing import Any

import click

from arena import POSITIVE, WORKERS, Trainer, TrainRun, backend_option
from arena.plugins.ppo_agent.config import build_config


class PPOTrainer(Trainer):
    description = "train a PPO actor-critic (Nature CNN, torch) on stacked frames"

    def options(self) -> list[click.Parameter]:
        return [
            click.Option(["--steps"], type=POSITIVE, help="total agent steps (total_steps)"),
            click.Option(["--envs"], type=WORKERS, help="parallel environments (num_envs)"),
            backend_option("env workers as local processes", "as Ray actors on any node"),
            click.Option(
                ["--device"],
                default="auto",
                show_default=True,
                help="auto (CUDA when present), cpu or cuda",
            ),
        ]

    def train(self, run: TrainRun) -> None:
        overrides: dict[str, Any] = dict(run.overrides)
        if run.options["steps"] is not None:
            overrides["total_steps"] = run.options["steps"]
        if run.options["envs"] is not None:
            overrides["num_envs"] = run.options["envs"]
        config = build_config(run.profile.name, run.config, overrides)
        from arena.plugins.ppo_agent.train import PPORun, pick_device  # torch, only when training

        PPORun(run, config, pick_device(run.options["device"])).train()
