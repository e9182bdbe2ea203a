"""Benchmark throughput: 2 workers against 1 on the same cells, peak memory per emulator
worker, and no result lost or doubled when a worker is killed mid-run. One run measures all.

1 and 2 workers alternate round by round, both timed by the same clock over the same span:
the bench's own timing of its worker pool, from the first job to the last result (process
start-up and plugin loading, the same for any number of workers, are left out), with the CPU
seconds of the whole command beside it. Nothing runs beside a timed bench: the workers' peak
memory is read in a run of its own, untimed, by a watcher that starts ``ps`` every 0.2 s.
(On the 2-core machine of the README, timing with the watcher beside the pool gave 1.89x
against 1.93x without it, medians of 3 rounds; where ``ps`` is slow, as on a machine with
many processes, it costs more.)

    python benchmarks/bench_throughput.py [--seeds 16] [--rounds 3]

Targets (issue #5): 2 workers >= 1.9x one worker on 2 cores; under 300 MB per worker.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from timing import Contender, Span, alternate, cpu_seconds, report


def worker_pids(parent: int) -> list[int]:
    listing = subprocess.run(
        ["ps", "-ww", "-o", "pid=,args=", "--ppid", str(parent)], capture_output=True, text=True
    ).stdout
    return [int(line.split()[0]) for line in listing.splitlines() if "spawn_main" in line]


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident memory."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def bench(
    suite: Path,
    workers: int,
    kill_after: float | None = None,
    extra: tuple[str, ...] = (),
    keep: Path | None = None,
    watch: bool = False,
) -> tuple[float, list[dict], float]:
    """Seconds, results, and the largest worker peak memory (MB) of one ``arena bench``
    (``extra``: more options; ``keep``: the --out folder to leave behind). Only with
    ``watch`` (or ``kill_after``, which needs a worker's pid) does a watcher thread look at
    the workers, so that a timed run has nothing beside it; without, the peak is 0."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        out = str(keep or scratch)
        command = [
            sys.executable,
            "-m",
            "arena.cli",
            "bench",
            "random",
            "--suite",
            str(suite),
            "--workers",
            str(workers),
            "--out",
            out,
            *extra,
        ]
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        peaks: dict[int, float] = {}
        killed = threading.Event()

        def watch_workers() -> None:
            while process.poll() is None:
                for pid in worker_pids(process.pid):
                    peaks[pid] = max(peaks.get(pid, 0.0), peak_rss_mb(pid))
                    if (
                        kill_after is not None
                        and not killed.is_set()
                        and time.perf_counter() - started > kill_after
                    ):
                        os.kill(pid, signal.SIGKILL)
                        killed.set()
                time.sleep(0.2)

        watcher = threading.Thread(target=watch_workers)
        if watch or kill_after is not None:
            watcher.start()
        output = process.communicate()[0]
        if watcher.is_alive():
            watcher.join()
        if process.returncode != 0:
            raise SystemExit(output)
        # The bench's own timing of its worker pool: process start-up and plugin loading are
        # the same for any number of workers and are left out.
        seconds = float(re.search(r"in ([0-9.]+) s; results", output).group(1))  # type: ignore[union-attr]
        results = [
            json.loads(line) for line in (Path(out) / "results.jsonl").read_text().splitlines()
        ]
        return seconds, results, max(peaks.values(), default=0.0)


def write_suite(path: Path, cells: list[tuple[str, int]], seeds: int) -> Path:
    """A suite of (game, max_frames) cells, each with seeds 0..seeds-1."""
    numbers = list(range(seeds))
    lines = [f"  - {{game: {g}, seeds: {numbers}, max_frames: {f}}}" for g, f in cells]
    path.write_text("cells:\n" + "\n".join(lines) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        suite = write_suite(
            Path(folder) / "throughput.yaml", [("pong", 6000), ("airstriker", 3000)], args.seeds
        )
        results_two: list[dict] = []

        def contender(workers: int) -> Contender:
            def play(_round: int) -> Span:
                nonlocal results_two
                before = cpu_seconds()
                seconds, results, _ = bench(suite, workers)
                span = Span(len(results), wall=seconds, cpu=cpu_seconds() - before)
                if workers == 2:
                    results_two = results
                return span

            return play

        spans = alternate({"1 worker": contender(1), "2 workers": contender(2)}, args.rounds)
        two = statistics.median(s.wall for s in spans["2 workers"])
        _, _, peak = bench(suite, 2, watch=True)  # untimed: the watcher takes CPU
        _, results_killed, _ = bench(suite, 2, kill_after=two / 2)
    report(spans, "cells", [("2 workers", "1 worker", ">= 1.9x")])
    print("(cpu/wall: the whole command's CPU over the pool's span)")
    cells = len(results_two)
    jobs = [r["job"] for r in results_killed]
    print(f"peak memory per emulator worker: {peak:.0f} MB   (goal < 300 MB)")
    lost, doubled = cells - len(set(jobs)), len(jobs) - len(set(jobs))
    same = sorted((r["job"], r["return"]) for r in results_killed) == sorted(
        (r["job"], r["return"]) for r in results_two
    )
    print(
        f"a worker killed mid-run: {len(jobs)} results, {lost} lost, {doubled} doubled, "
        f"returns {'identical' if same else 'DIFFERENT'} to the undisturbed run"
    )


if __name__ == "__main__":
    main()
