"""What the evaluation protocol costs: the same benchmark cells with sticky actions (p = 0.25)
and without, alternated round by round in one run, both timed by the bench's own clock (its
worker pool from the first job to the last result) with the CPU time of all its processes
beside it; then every movie of a sticky-action bench re-simulated with ``arena verify``.

    python benchmarks/sticky_throughput.py [--rounds 5] [--seeds 8]

Targets (issue #9): sticky throughput >= 0.97x of the same cells without; verify exact on 100%.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_throughput import bench, write_suite


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # every finished descendant
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cells = [("mario", 3000), ("pong", 3000), ("airstriker", 3000)]
        suite = write_suite(Path(folder) / "protocol.yaml", cells, args.seeds)
        times: dict[str, list[float]] = {"plain": [], "sticky": []}
        cpu: dict[str, list[float]] = {"plain": [], "sticky": []}
        frames: dict[str, int] = {}
        kept = Path(folder) / "sticky-bench"
        for round_ in range(args.rounds):
            order = ("plain", "sticky") if round_ % 2 == 0 else ("sticky", "plain")
            for side in order:
                sticky = "0.25" if side == "sticky" else "0"
                keep = kept if side == "sticky" and round_ == 0 else None
                before = cpu_seconds()
                seconds, results, _ = bench(suite, 2, extra=("--sticky", sticky), keep=keep)
                cpu[side].append(cpu_seconds() - before)
                times[side].append(seconds)
                frames[side] = sum(r["frames"] for r in results)
                print(f"round {round_ + 1} {side:>6}: {seconds:.2f} s, {frames[side]:,} frames")
        verify = subprocess.run(
            [sys.executable, "-m", "arena.cli", "verify", str(kept / "movies")],
            capture_output=True,
            text=True,
        )
        movies = len(list((kept / "movies").rglob("*.bk2")))
        verified = verify.stdout.count("\nok ") + verify.stdout.startswith("ok ")
        cells = len((kept / "results.jsonl").read_text().splitlines())
        distinct = len(
            {
                json.loads(line)["digest"]
                for line in (kept / "results.jsonl").read_text().splitlines()
            }
        )
    # Throughput in emulated frames per second: episodes differ in length between protocols.
    rates = {side: [frames[side] / t for t in times[side]] for side in ("plain", "sticky")}
    ratios = [s / p for s, p in zip(rates["sticky"], rates["plain"], strict=True)]
    for side in ("plain", "sticky"):
        r = rates[side]
        print(
            f"{side:>6}: median {statistics.median(r):,.0f} frames/s "
            f"(min {min(r):,.0f}, max {max(r):,.0f}); CPU {statistics.median(cpu[side]):.1f} s "
            f"per bench, wall {statistics.median(times[side]):.1f} s"
        )
    print(
        f"sticky / plain frames/s: median {statistics.median(ratios):.3f}x "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f}; target >= 0.97x)"
    )
    print(
        f"verify: {verified} of {movies} sticky-action movies exact "
        f"({'all' if verified == movies and verify.returncode == 0 else 'NOT all'}); "
        f"{distinct} distinct episodes in {cells} cells"
    )


if __name__ == "__main__":
    main()
