"""How fast the command line answers: ``arena --help`` and ``arena --version`` against the
reference ``python -c "import stable_retro"`` (what any stable-retro script pays before its first
line), each a fresh process, alternated round by round (the order rotating) and timed by one
clock, with the CPU seconds of each process beside the wall time.

    python benchmarks/cli_startup.py [--rounds 20]

Target (issue #10): ``arena --help`` at most 0.5x the time of ``import stable_retro``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import subprocess
import sys

from timing import Contender, Span, alternate


def timed(command: list[str]) -> Contender:
    def run(_round: int) -> Span:
        with Span(1) as span:
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return span

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    arena = shutil.which("arena") or sys.exit(
        "the `arena` command is not on PATH: pip install -e ."
    )
    contenders = {
        "import stable_retro": timed([sys.executable, "-c", "import stable_retro"]),
        "arena --help": timed([arena, "--help"]),
        "arena --version": timed([arena, "--version"]),
    }
    for run in contenders.values():  # warm the file cache before timing
        run(0)
    with contextlib.redirect_stdout(io.StringIO()):  # one line per process is too many
        spans = alternate(contenders, args.rounds)
    reference = [s.wall for s in spans["import stable_retro"]]
    print(f"{args.rounds} rounds, each a fresh process; median (min, max) in ms")
    for name, values in spans.items():
        walls = [1000 * s.wall for s in values]
        ratios = [s.wall / r for s, r in zip(values, reference, strict=True)]
        cpu = statistics.median(1000 * s.cpu for s in values)
        print(
            f"{name:<20} {statistics.median(walls):6.1f} ({min(walls):.1f}, {max(walls):.1f})"
            f"  cpu {cpu:5.1f}   {statistics.median(ratios):.2f}x "
            f"({min(ratios):.2f}, {max(ratios):.2f}) of import stable_retro"
        )
    print("target: arena --help <= 0.5x of import stable_retro")


if __name__ == "__main__":
    main()
