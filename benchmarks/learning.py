"""What the learning benchmarks share: a PPO run started or resumed as a user would start it,
and the model it has so far."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def train_ppo(game: str, out: Path, steps: int, envs: int) -> None:
    """``arena train ppo --game GAME --steps STEPS --envs ENVS --device auto --out OUT``,
    with ``--resume`` when OUT already holds checkpoints (a finished run only finishes)."""
    arguments = f"train ppo --game {game} --steps {steps} --envs {envs} --device auto"
    command = [sys.executable, "-m", "arena.cli", *arguments.split(), "--out", str(out)]
    if (out / "checkpoints").is_dir():
        command.append("--resume")
    subprocess.run(command, check=True)


def latest_model(out: Path) -> Path:
    """The run's final model, or mid-run its latest checkpoint."""
    if (out / "model.ckpt").is_file():
        return out / "model.ckpt"
    return sorted((out / "checkpoints").glob("step-*.ckpt"))[-1]


def run_options(description: str, game: str, steps: int) -> argparse.ArgumentParser:
    """The options every learning benchmark takes: the run's size and folder, and
    ``--report-only`` to report on the run so far without training."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--envs", type=int, default=8)
    parser.add_argument("--out", type=Path, default=Path(f"runs/ppo-{game}-learning"))
    parser.add_argument("--report-only", action="store_true", help="report on the run so far")
    return parser
