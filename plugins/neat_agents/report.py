"""The training plot: fitness per generation and species sizes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt


def plot_statistics(rows: Sequence[dict[str, str]], path: Path, title: str) -> None:
    """Best and mean (± stdev) fitness per generation above a stack of species sizes."""
    generations = [int(r["generation"]) for r in rows]
    best = [float(r["best_fitness"]) for r in rows]
    mean = [float(r["mean_fitness"]) for r in rows]
    stdev = [float(r["stdev_fitness"]) for r in rows]
    sizes = [[int(s) for s in r["species_sizes"].split(";") if s] for r in rows]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    top.plot(generations, best, label="best", color="tab:red")
    top.plot(generations, mean, label="mean", color="tab:blue")
    top.fill_between(
        generations,
        [m - s for m, s in zip(mean, stdev, strict=True)],
        [m + s for m, s in zip(mean, stdev, strict=True)],
        color="tab:blue",
        alpha=0.2,
    )
    top.set_ylabel("fitness (episode return)")
    top.set_title(title)
    top.legend(loc="upper left")
    top.grid(alpha=0.3)
    width = max((len(s) for s in sizes), default=0)
    layers = [[s[i] if i < len(s) else 0 for s in sizes] for i in range(width)]
    if layers:
        bottom.stackplot(generations, layers)
    bottom.set_xlabel("generation")
    bottom.set_ylabel("genomes per species")
    bottom.grid(alpha=0.3)
    figure.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(tmp, dpi=100)
    plt.close(figure)
    tmp.replace(path)
