"""How every script in benchmarks/ measures: contenders alternate round by round in one run,
each timed over the same span of work by the same clocks (wall and CPU), and the report gives
medians with min and max, for the rates and for the ratios of the rounds, side by side.

A contender is a function of the round number that builds what it needs, then times only its
span with :class:`Span` and returns it. CPU time counts this process and every process under
it: live ones (workers, env subprocesses) read from /proc, finished ones from ``os.times``, so
a busy machine shows as CPU well under wall x processes.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


def _tree_cpu_seconds() -> float:
    """User + system CPU seconds of this process and all its live descendants."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid, ppid = int(stat.parent.name), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        times[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    total, todo = 0.0, [os.getpid()]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def cpu_seconds() -> float:
    """CPU seconds so far of this process, its live descendants and its finished children."""
    finished = os.times()
    return _tree_cpu_seconds() + finished.children_user + finished.children_system


@dataclass
class Span:
    """One timed span: ``with Span(work) as span:`` ... then ``span.rate``."""

    work: float
    """Units of work done in the span (frames, steps, genomes): the same for every contender."""
    wall: float = 0.0
    cpu: float = 0.0

    def __enter__(self) -> Span:
        self._cpu, self._wall = cpu_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = cpu_seconds() - self._cpu

    @property
    def rate(self) -> float:
        return self.work / self.wall


Contender = Callable[[int], Span]


def alternate(contenders: dict[str, Contender], rounds: int) -> dict[str, list[Span]]:
    """Run every contender once per round, the order rotated each round so none always runs
    first (or right after the same one)."""
    names = list(contenders)
    spans: dict[str, list[Span]] = {name: [] for name in names}
    for round_ in range(rounds):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            gc.collect()  # no contender pays for another's garbage
            span = contenders[name](round_)
            spans[name].append(span)
            print(
                f"  round {round_ + 1}: {name:<10} {span.rate:>10,.2f}/s  "
                f"(wall {span.wall:.2f} s, cpu {span.cpu:.2f} s)",
                flush=True,
            )
    return spans


def _spread(values: Sequence[float], fmt: str) -> str:
    return f"{statistics.median(values):{fmt}} (min {min(values):{fmt}}, max {max(values):{fmt}})"


def report(
    spans: dict[str, list[Span]],
    unit: str,
    ratios: Sequence[tuple[str, str, str]] = (),
) -> dict[str, float]:
    """Print each contender's rate and CPU use, and each ``(top, bottom, target)`` ratio taken
    round by round; return the median ratios by ``"top/bottom"``."""
    print(f"\n{'contender':<10} {unit + '/s, median (min, max)':>40}   cpu/wall")
    for name, values in spans.items():
        fmt = ",.0f" if min(s.rate for s in values) >= 100 else ",.2f"
        rates = _spread([s.rate for s in values], fmt)
        load = statistics.median(s.cpu / s.wall for s in values)
        print(f"{name:<10} {rates:>40}   {load:.2f}")
    medians = {}
    for top, bottom, target in ratios:
        paired = [t.rate / b.rate for t, b in zip(spans[top], spans[bottom], strict=True)]
        medians[f"{top}/{bottom}"] = statistics.median(paired)
        print(f"{top} / {bottom} = {_spread(paired, '.2f')}   (target {target})")
    return medians
