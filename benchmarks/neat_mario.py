"""Learning: how far right NEAT gets on Super Mario Bros 1-1 in 100 generations of 50.

Runs (or resumes) ``arena train neat-ff --game mario --inputs INPUTS --generations 100 --pop
50`` into ``runs/neat-mario-INPUTS`` and reports the best genome's x per generation as a plot
and as numbers, and the first generation whose best genome reached the flag (its episode
ended as the profile's ``level_cleared``; the flagpole is at x of about 2,950-3,030). Then the
winner plays the mario-1-1 suite under the evaluation protocol (32 seeds, sticky actions
p = 0.25) in one ``arena bench`` beside random and, with ``--compare``, another checkpoint
(pixel NEAT): clear rate with its Wilson interval, mean x with a bootstrap interval.
The gym-retro tutorials' recurrent pixel NEAT never cleared 1-1 in 777 generations.

    python benchmarks/neat_mario.py [--inputs tiles] [--generations 100] [--pop 50]
        [--workers 2] [--agent neat-ff] [--compare runs/neat-mario-screen/winner.ckpt]
        [--curriculum mario-1-1] [--sticky 0.25] [--out DIR]

With ``--curriculum`` every genome also plays the curriculum's starts (issue #35); the plot
then shows the best genome's x from each start beside its x from the level's start, the one
it is judged from. ``--sticky`` trains under sticky actions.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from mario_protocol import bench_table

FLAG_X = 2950  # the lowest x at which PPO episodes ended as level_cleared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=100)
    parser.add_argument("--pop", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--agent", default="neat-ff", choices=["neat-ff", "neat-rnn"])
    parser.add_argument("--inputs", default="screen", help="screen or tiles")
    parser.add_argument("--out", type=Path, help="default: runs/neat-mario-INPUTS")
    parser.add_argument("--compare", type=Path, help="another neat-ff checkpoint to bench")
    parser.add_argument("--curriculum", help="a curriculum of start states (mario-1-1)")
    parser.add_argument("--sticky", help="sticky-action probability while training")
    args = parser.parse_args()
    suffix = "-curriculum" if args.curriculum else ""
    args.out = args.out or Path(f"runs/neat-mario-{args.inputs}{suffix}")
    command = [sys.executable, "-m", "arena.cli", "train", args.agent, "--game", "mario",
               "--inputs", args.inputs, "--generations", str(args.generations),
               "--pop", str(args.pop), "--workers", str(args.workers),
               "--out", str(args.out)]  # fmt: skip
    if args.curriculum:
        command += ["--curriculum", args.curriculum]
    if args.sticky:
        command += ["--sticky", args.sticky]
    if (args.out / "checkpoints").is_dir():
        command.append("--resume")
    subprocess.run(command, check=True)
    with (args.out / "stats.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    generations = [int(r["generation"]) for r in rows]
    best_x = [float(r["best_progress"]) for r in rows]
    record = [max(best_x[: i + 1]) for i in range(len(best_x))]
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.plot(generations, best_x, label="best genome's x from the start", color="tab:blue")
    axes.plot(generations, record, label="best so far", color="tab:red")
    by_start = [r.get("best_progress_by_start") or "" for r in rows]
    if any(";" in starts for starts in by_start):  # a curriculum: its starts, lighter
        columns = list(zip(*[[float(x) for x in s.split(";")] for s in by_start], strict=True))
        for index, column in enumerate(columns[1:], start=1):
            label = "from the curriculum's starts" if index == 1 else None
            axes.plot(generations, column, color="tab:gray", alpha=0.5, linewidth=1, label=label)
    axes.axhline(FLAG_X, color="tab:green", linestyle="--", label="flag")
    axes.set_xlabel("generation")
    axes.set_ylabel("x reached on 1-1")
    axes.set_title(f"{args.agent} on {args.inputs}, Super Mario Bros 1-1, population {args.pop}")
    axes.legend(loc="lower right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(args.out / "x_per_generation.png", dpi=100)
    cleared = [int(r["generation"]) for r in rows if r.get("best_done") == "level_cleared"]
    first_flag = cleared[0] if cleared else None
    print(
        f"generations: {len(rows)}; best x: {max(best_x):.0f} (flag at about {FLAG_X}); "
        f"flag reached: {'generation ' + str(first_flag) if first_flag is not None else 'no'}"
    )
    print(f"x per generation: {', '.join(f'{x:.0f}' for x in best_x)}")
    print(f"plot: {args.out / 'x_per_generation.png'}")
    entries = ["random", f"neat-{args.inputs}={args.agent}:{args.out / 'winner.ckpt'}"]
    if args.compare is not None:
        entries.append(f"compared={args.agent}:{args.compare}")
    bench_table(entries, args.out / "bench-mario-1-1", str(args.workers))


if __name__ == "__main__":
    main()
