"""The learning claims restated under the evaluation protocol: PPO and NEAT on Mario 1-1 next to
random, 32 seeds each under sticky actions (p = 0.25), from one ``arena bench`` run whose movies
are all re-simulated with ``arena verify``.

    python benchmarks/mario_protocol.py [--ppo runs/ppo-mario/model.ckpt]
        [--neat runs/neat-ff-mario/winner.ckpt] [--out runs/bench-mario-1-1]

Prints per entry: the clear rate (episodes ending at the flagpole, `level_cleared`) with its
Wilson 95% interval, the mean x reached with a bootstrap 95% interval, and how many of the
episodes were distinct. An existing ``--out`` is resumed, not replayed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from arena.core.stats import bootstrap_ci
from arena.core.stats import wilson_interval as wilson


def arena(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "arena.cli", *args], text=True)


def bench_table(entries: list[str], out: Path, workers: str = "2") -> None:
    """One ``arena bench`` of ``entries`` (LABEL=AGENT:CHECKPOINT or an agent name) on the
    mario-1-1 suite (resumed when ``out`` exists), every movie verified; prints the table."""
    command = ["bench", *entries, "--suite", "mario-1-1", "--workers", workers]
    command += ["--out", str(out)] + (["--resume"] if out.exists() else [])
    if arena(*command).returncode != 0:
        raise SystemExit("the bench failed")
    verified = subprocess.run(
        [sys.executable, "-m", "arena.cli", "verify", str(out / "movies")], capture_output=True
    )
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    print(f"\nMario 1-1, protocol {lines[0]['protocol']}, {out}")
    header = f"{'entry':<12} {'episodes':>8} {'distinct':>8}  {'clear rate (95% CI)':<24}"
    print(f"{header} mean x (95% CI)")
    for label in (entry.split("=")[0] for entry in entries):
        mine = [r for r in lines if r["agent"] == label]
        played = [r for r in mine if "error" not in r]
        cleared = sum(r["done_reason"] == "level_cleared" for r in played)
        low, high = wilson(cleared, len(mine))
        x = [float(r["progress"]) for r in played]
        x_low, x_high = bootstrap_ci({"1-1": x}, statistic=np.mean) if len(x) > 1 else (x[0], x[0])
        rate = f"{cleared}/{len(mine)} [{low:.2f}, {high:.2f}]"
        print(
            f"{label:<12} {len(mine):>8} {len({r.get('digest') for r in played}):>8}  "
            f"{rate:<24} {np.mean(x):,.0f} [{x_low:,.0f}, {x_high:,.0f}]"
        )
    print(f"arena verify: {'every movie exact' if verified.returncode == 0 else 'FAILED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ppo", default="runs/ppo-mario/model.ckpt")
    parser.add_argument("--neat", default="runs/neat-ff-mario/winner.ckpt")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-mario-1-1"))
    parser.add_argument("--workers", default="2")
    args = parser.parse_args()
    entries = ["random", f"ppo=ppo:{args.ppo}", f"neat=neat-ff:{args.neat}"]
    bench_table(entries, args.out, args.workers)


if __name__ == "__main__":
    main()
