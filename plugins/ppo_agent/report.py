"""The learning curve: episodic return (and the profile's progress) against agent steps."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def plot_learning_curve(out: Path, title: str) -> Path | None:
    """``out/learning_curve.png`` from ``out/episodes.csv``; None while there is no episode."""
    with (out / "episodes.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return None
    steps = [int(r["global_step"]) for r in rows]
    returns = [float(r["return"]) for r in rows]
    progress = [float(r["progress"]) if r["progress"] else None for r in rows]
    window = max(1, len(rows) // 50)
    smooth = [
        sum(returns[max(0, i - window + 1) : i + 1]) / len(returns[max(0, i - window + 1) : i + 1])
        for i in range(len(returns))
    ]
    has_progress = any(p is not None for p in progress)
    figure, axes = plt.subplots(
        2 if has_progress else 1,
        1,
        figsize=(8, 6 if has_progress else 3.5),
        sharex=True,
        squeeze=False,
    )
    top = axes[0][0]
    top.scatter(steps, returns, s=4, alpha=0.3, color="tab:blue", label="episode return")
    top.plot(steps, smooth, color="tab:red", label=f"mean of {window}")
    top.set_ylabel("return")
    top.set_title(title)
    top.legend(loc="upper left")
    top.grid(alpha=0.3)
    if has_progress:
        bottom = axes[1][0]
        bottom.scatter(
            steps, [p if p is not None else float("nan") for p in progress], s=4, color="tab:green"
        )
        bottom.set_ylabel("progress (best per episode)")
        bottom.grid(alpha=0.3)
    axes[-1][0].set_xlabel("agent steps")
    return _saved(figure, out / "learning_curve.png")


def plot_league(out: Path, title: str) -> Path | None:
    """``out/league.png`` from ``out/league.csv``: every member's rating (mu, with mu - 3 sigma
    shaded for the learner) against agent steps; None while nothing is rated."""
    path = out / "league.csv"
    if not path.exists():
        return None
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        return None
    by_name: dict[str, list[tuple[int, float, float]]] = {}
    for row in rows:
        entry = (int(row["global_step"]), float(row["mu"]), float(row["ordinal"]))
        by_name.setdefault(row["name"], []).append(entry)
    figure, axes = plt.subplots(figsize=(8, 4))
    for name, points in by_name.items():
        steps, mu, ordinal = zip(*points, strict=True)
        if name == "learner":
            axes.plot(steps, mu, color="tab:red", linewidth=2, label="learner (mu)")
            axes.fill_between(steps, ordinal, mu, color="tab:red", alpha=0.15)
        elif name.startswith("ppo-"):
            axes.plot(steps, mu, color="tab:blue", alpha=0.4, linewidth=1)
        else:
            axes.plot(steps, mu, linestyle="--", linewidth=1.5, label=f"{name} (fixed)")
    axes.plot([], [], color="tab:blue", alpha=0.4, label="snapshots")
    axes.set_xlabel("agent steps")
    axes.set_ylabel("OpenSkill rating (mu)")
    axes.set_title(title)
    axes.legend(loc="upper left")
    axes.grid(alpha=0.3)
    return _saved(figure, out / "league.png")


def _saved(figure: Any, path: Path) -> Path:
    """``figure`` written whole to ``path`` (beside it first, then renamed: a reader never
    sees half a PNG), and closed."""
    figure.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(tmp, dpi=100)
    plt.close(figure)
    tmp.replace(path)
    return path
