"""Learning: a PPO trained on Pong against random, over side-swapped pairs (issue #14).

Runs (or resumes) ``arena train ppo --game pong --steps 1500000 --envs 8 --device auto`` into
``runs/ppo-pong-learning`` (1-player Pong, against the game's own opponent), reports the
training return against agent steps from the run's ``episodes.csv`` (a plot and a table per
window of 100k steps), then plays ``arena tournament random ppo:MODEL --game pong --episodes
20`` under the evaluation protocol (sticky actions): 20 pairs, each a seed played from both
seats of ``Start.2P``. Target: PPO wins at least 19 of the 20 pairs. The tournament's seat
advantage is printed beside it: random in seat 1 beats random in seat 2, so a pair, not a
game, is what counts.

    python benchmarks/ppo_pong.py [--steps 1500000] [--pairs 20] [--report-only] [--model CKPT]
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from learning import latest_model, run_options, train_ppo

from arena.core.stats import wilson_interval

WINDOW = 100_000


def report(out: Path) -> None:
    with (out / "episodes.csv").open() as fh:
        episodes = list(csv.DictReader(fh))
    steps = [int(e["global_step"]) for e in episodes]
    returns = [float(e["return"]) for e in episodes]
    print(f"{len(episodes):,} training episodes over {max(steps):,} steps (against the game's AI)")
    print(f"{'steps':>23}  {'episodes':>8}  {'mean return':>11}  {'best':>5}")
    centres, means = [], []
    for start in range(0, max(steps), WINDOW):
        window = [r for s, r in zip(steps, returns, strict=True) if start < s <= start + WINDOW]
        if window:
            mean = sum(window) / len(window)
            centres.append(start + WINDOW / 2)
            means.append(mean)
            print(
                f"{start:>11,}-{start + WINDOW:<11,}  {len(window):>8}  {mean:>11.1f}  "
                f"{max(window):>5.0f}"
            )
    figure, axes = plt.subplots(figsize=(9, 4.5))
    axes.scatter(steps, returns, s=3, alpha=0.3, color="tab:blue", label="episode's return")
    axes.plot(centres, means, color="tab:red", label="mean over 100k steps")
    axes.axhline(0, color="gray", linewidth=1)
    axes.set_xlabel("agent steps")
    axes.set_ylabel("return (points won - points lost)")
    axes.set_title("ppo on Pong, against the game's own opponent")
    axes.legend(loc="lower right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(out / "return_vs_steps.png", dpi=100)
    print(f"plot: {out / 'return_vs_steps.png'}")


def against_random(model: Path, pairs: int) -> None:
    """PPO against random over ``pairs`` side-swapped pairs of Pong Start.2P."""
    with tempfile.TemporaryDirectory() as record:
        command = [sys.executable, "-m", "arena.cli", "tournament", "random", f"ppo:{model}",
                   "--game", "pong", "--episodes", str(pairs), "--record", record]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        data = json.loads((Path(record) / "tournament.json").read_text())
    ppo = next(s["agent"] for s in data["standings"] if s["agent"] != "random")
    won = sum(p["winner"] == ppo for p in data["pairs"])
    low, high = wilson_interval(won, len(data["pairs"]))
    margins = sorted(p["totals"][ppo] for p in data["pairs"])
    print(
        f"{model.name} against random, {len(data['pairs'])} pairs: won {won} "
        f"[{low:.2f}, {high:.2f}] (target: at least 19 of 20); PPO's point differential over "
        f"a pair: median {margins[len(margins) // 2]:g}, from {margins[0]:g} to {margins[-1]:g}"
    )
    for game in data["games"][:2]:
        print(f"  seed {game['seed']}: {game['player1']} (P1) vs {game['player2']} (P2), "
              f"points {game['gains'][0]:g} / {game['gains'][1]:g}")  # fmt: skip
    seat = data["seat_advantage"]
    print(
        f"pong seat advantage in these games: seat 1 scored {seat['seat1_points']:g} of "
        f"{seat['points']:g} points, {seat['point_share']:.2f} "
        f"[{seat['point_low']:.2f}, {seat['point_high']:.2f}]"
    )


def main() -> None:
    parser = run_options(__doc__.splitlines()[0], "pong", 1_500_000)
    parser.add_argument("--pairs", type=int, default=20, help="pairs against random (0: none)")
    parser.add_argument("--model", type=Path, help="the checkpoint to play (default: the run's)")
    args = parser.parse_args()
    if not args.report_only:
        train_ppo("pong", args.out, args.steps, args.envs)
    report(args.out)
    if args.pairs:
        against_random(args.model or latest_model(args.out), args.pairs)


if __name__ == "__main__":
    main()
