"""Learning: how far right PPO gets on Super Mario Bros 1-1 in 2M agent steps.

Runs (or resumes) ``arena train ppo --game mario --steps 2000000 --envs 8 --device auto``
(the issue's command) into ``runs/ppo-mario-learning`` and reports the x reached against
agent steps, from the run's ``episodes.csv``, as a plot and as numbers: per window of 100k
steps the mean and best x and how many episodes ended at the flag. Training episodes sample
their actions, so a lucky one can reach the flag early; the windows show when it becomes a
habit. Then the final model plays 10 seeded episodes greedily and 10 sampling. Mario reaches
the flagpole of 1-1 at x of about 2,950-3,030 (the profile's level_cleared rule fires there).
Published PPO runs need about 3.7M-7M steps for the flag.

    python benchmarks/ppo_mario.py [--steps 2000000] [--envs 8] [--report-only]
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from learning import latest_model, run_options, train_ppo

FLAG_X = 2950  # the lowest x at which episodes ended as level_cleared
WINDOW = 100_000


def report(out: Path) -> None:
    with (out / "episodes.csv").open() as fh:
        episodes = list(csv.DictReader(fh))
    steps = [int(e["global_step"]) for e in episodes]
    x = [float(e["progress"]) for e in episodes]
    flags = [s for s, e in zip(steps, episodes, strict=True) if e["done_reason"] == "level_cleared"]
    print(f"{len(episodes):,} episodes over {max(steps):,} steps")
    print(f"{'steps':>19}  {'episodes':>8}  {'mean x':>6}  {'best x':>6}  {'flags':>5}")
    for start in range(0, max(steps), WINDOW):
        window = [v for s, v in zip(steps, x, strict=True) if start < s <= start + WINDOW]
        cleared = sum(start < s <= start + WINDOW for s in flags)
        if window:
            print(
                f"{start:>9,}-{start + WINDOW:<9,}  {len(window):>8}  "
                f"{sum(window) / len(window):>6.0f}  {max(window):>6.0f}  {cleared:>5}"
            )
    print(f"first flag: {'step ' + format(flags[0], ',') if flags else 'not reached'}")

    figure, axes = plt.subplots(figsize=(9, 4.5))
    axes.scatter(steps, x, s=3, alpha=0.25, color="tab:blue", label="episode's x")
    centres, means = [], []
    for start in range(0, max(steps) - WINDOW + 1, WINDOW // 4):  # whole windows only
        window = [v for s, v in zip(steps, x, strict=True) if start < s <= start + WINDOW]
        if window:
            centres.append(start + WINDOW / 2)
            means.append(sum(window) / len(window))
    axes.plot(centres, means, color="tab:red", label="mean x over 100k steps")
    axes.scatter(
        flags,
        [FLAG_X] * len(flags),
        s=12,
        marker="v",
        color="tab:green",
        label="episode ended at the flag",
    )
    axes.axhline(FLAG_X, color="tab:green", linestyle="--", linewidth=1)
    axes.set_xlabel("agent steps")
    axes.set_ylabel("x reached on 1-1")
    axes.set_title("ppo on Super Mario Bros 1-1")
    axes.legend(loc="center left", bbox_to_anchor=(0.0, 0.7))  # clear of the flag line
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(out / "x_vs_steps.png", dpi=100)
    print(f"plot: {out / 'x_vs_steps.png'}")


def evaluate(out: Path, episodes: int) -> None:
    """Play the final model (or, mid-run, the latest checkpoint) greedily and sampling."""
    model = latest_model(out)
    for mode in ("greedy", "sample"):
        results = out / f"eval-{mode}.jsonl"
        results.unlink(missing_ok=True)
        arguments = f"run --agent ppo --game mario --episodes {episodes} --quiet"
        command = [sys.executable, "-m", "arena.cli", *arguments.split()]
        command += ["--checkpoint", str(model), "--results", str(results)]
        command += ["--sample"] if mode == "sample" else []
        subprocess.run(command, check=True, capture_output=True)
        with results.open() as fh:
            played = [json.loads(line) for line in fh]
        cleared = sum(r["done_reason"] == "level_cleared" for r in played)
        xs = ", ".join(f"{r['progress']:.0f}" for r in played)
        print(f"{model.name}, {mode}: {cleared} of {len(played)} episodes cleared 1-1; x: {xs}")


def main() -> None:
    parser = run_options(__doc__.splitlines()[0], "mario", 2_000_000)
    parser.add_argument("--episodes", type=int, default=10, help="evaluation episodes per mode")
    args = parser.parse_args()
    if not args.report_only:
        train_ppo("mario", args.out, args.steps, args.envs)
    report(args.out)
    if args.episodes:
        evaluate(args.out, args.episodes)


if __name__ == "__main__":
    main()
