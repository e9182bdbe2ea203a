"""How fast the command line answers: ``arena --help`` and ``arena --version`` against the
reference ``python -c "import stable_retro"`` (what any stable-retro script pays before its first
line), each a fresh process, alternated round by round and timed by one clock.

    python benchmarks/cli_startup.py [--rounds 20]

Target (issue #10): ``arena --help`` at most 0.5x the time of ``import stable_retro``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    arena = shutil.which("arena") or sys.exit(
        "the `arena` command is not on PATH: pip install -e ."
    )
    contenders = {
        "import stable_retro": [sys.executable, "-c", "import stable_retro"],
        "arena --help": [arena, "--help"],
        "arena --version": [arena, "--version"],
    }
    for command in contenders.values():  # warm the file cache before timing
        seconds(command)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, command in contenders.items():
            times[name].append(seconds(command))
    reference = statistics.median(times["import stable_retro"])
    print(f"{args.rounds} rounds, each a fresh process; median (min, max) in ms")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:<20} {1000 * median:6.1f} ({1000 * min(values):.1f}, {1000 * max(values):.1f})"
            f"   {median / reference:.2f}x of import stable_retro"
        )


if __name__ == "__main__":
    main()
