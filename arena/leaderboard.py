"""Leaderboards from benchmark results: mean, interquartile mean (IQM) and stratified-bootstrap
95% confidence intervals per game and overall, normalized scores and a win-rate matrix.

IQM and stratified bootstrap follow Agarwal et al. (2021), "Deep RL at the edge of the
statistical precipice": the IQM is the mean of the middle 50% of scores; a bootstrap sample
redraws the seeds of each (game, state) stratum with replacement. Normalized scores put the
random agent (measured in the same benchmark) at 0 and the profile's ``reference_score`` at 1.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from arena.plugin_manager import PluginHost

BOOTSTRAP_SAMPLES = 2000
RANDOM = "random"


def iqm(values: Sequence[float]) -> float:
    """The mean of the middle half (25% trimmed from each end; all values when fewer than 4)."""
    ordered = np.sort(np.asarray(values, dtype=float))
    cut = len(ordered) // 4
    return float(ordered[cut : len(ordered) - cut].mean())


def bootstrap_ci(
    strata: Mapping[Any, Sequence[float]],
    statistic: Any = iqm,
    seed: int = 0,
    samples: int = BOOTSTRAP_SAMPLES,
) -> tuple[float, float]:
    """A 95% percentile interval of ``statistic``, resampling within each stratum."""
    rng = np.random.default_rng(seed)
    groups = [np.asarray(v, dtype=float) for v in strata.values() if len(v)]
    estimates = np.empty(samples)
    for i in range(samples):
        estimates[i] = statistic(
            np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups])
        )
    low, high = np.percentile(estimates, [2.5, 97.5])
    return float(low), float(high)


@dataclass
class Row:
    scope: str
    agent: str
    episodes: int
    mean: float
    iqm: float
    ci_low: float
    ci_high: float
    normalized: bool


def load_results(path: Path) -> list[dict[str, Any]]:
    """The played cells of a results file (failed ones are left out)."""
    rows = []
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "error" not in record:
            rows.append(record)
    return rows


def _row(scope: str, agent: str, strata: Mapping[Any, list[float]], normalized: bool) -> Row:
    values = [v for group in strata.values() for v in group]
    low, high = bootstrap_ci(strata)
    return Row(
        scope, agent, len(values), float(np.mean(values)), iqm(values), low, high, normalized
    )


def build_leaderboard(results: Sequence[Mapping[str, Any]], host: PluginHost) -> dict[str, Any]:
    """Per-game rows, overall normalized rows, and the win-rate matrix."""
    agents = sorted({r["agent"] for r in results})
    by_game: dict[str, dict[str, dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for r in results:
        by_game[r["game"]][r["agent"]][r["state"]].append(float(r["return"]))
    rows = [
        _row(game, agent, strata, False)
        for game, per_agent in sorted(by_game.items())
        for agent, strata in sorted(per_agent.items())
    ]

    # Normalized: random = 0, the profile's reference score = 1, per (game, state).
    normalized: dict[str, dict[tuple[str, str], list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    notes = []
    for game, per_agent in sorted(by_game.items()):
        reference = getattr(host.profile(game), "reference_score", None)
        if reference is None:
            notes.append(f"{game}: no reference score, left out of the normalized overall")
            continue
        if RANDOM not in per_agent:
            notes.append(
                f"{game}: no random agent results to normalize against (add `random` to the bench)"
            )
            continue
        for agent, strata in per_agent.items():
            for state, values in strata.items():
                baseline = float(np.mean(per_agent[RANDOM].get(state, [math.nan])))
                if math.isnan(baseline) or reference == baseline:
                    continue
                normalized[agent][(game, state)] += [
                    (v - baseline) / (reference - baseline) for v in values
                ]
    rows += [
        _row("overall (normalized)", agent, strata, True)
        for agent, strata in sorted(normalized.items())
    ]

    # Win rates over the cells both agents played.
    scores = {(r["agent"], r["cell"]): float(r["return"]) for r in results}
    matrix: dict[str, dict[str, float | None]] = {}
    for a in agents:
        matrix[a] = {}
        for b in agents:
            shared = [cell for (agent, cell) in scores if agent == a and (b, cell) in scores]
            if a == b or not shared:
                matrix[a][b] = None
                continue
            wins = sum(_win(scores[(a, c)], scores[(b, c)]) for c in shared)
            matrix[a][b] = wins / len(shared)
    return {"rows": [asdict(r) for r in rows], "win_rates": matrix, "notes": notes}


def _win(mine: float, theirs: float) -> float:
    return 1.0 if mine > theirs else 0.5 if mine == theirs else 0.0


def write_leaderboard(board: Mapping[str, Any], out: Path) -> tuple[Path, Path]:
    csv_path, json_path = out / "leaderboard.csv", out / "leaderboard.json"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, list(Row.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(board["rows"])
    json_path.write_text(json.dumps(board, indent=2) + "\n")
    return csv_path, json_path


def format_leaderboard(board: Mapping[str, Any]) -> str:
    """The leaderboard as text tables: per game, overall, and the win-rate matrix."""
    width = max([len(r["agent"]) for r in board["rows"]] + [5])
    lines: list[str] = []
    scope = None
    for row in sorted(board["rows"], key=lambda r: (r["normalized"], r["scope"], -r["iqm"])):
        if row["scope"] != scope:
            scope = row["scope"]
            header = f"{'episodes':>8} {'mean':>10} {'IQM':>10}   95% CI (IQM)"
            lines += ["", f"{scope}", f"  {'agent':<{width}} {header}"]
        numbers = f"{row['episodes']:>8} {row['mean']:>10.2f} {row['iqm']:>10.2f}"
        interval = f"[{row['ci_low']:.2f}, {row['ci_high']:.2f}]"
        lines.append(f"  {row['agent']:<{width}} {numbers}   {interval}")
    agents = list(board["win_rates"])
    if len(agents) > 1:
        lines += ["", "win rate (row beats column, over shared cells; columns in row order)"]
        lines.append(f"  {'':<{width}}" + "".join(f"{i + 1:>8}" for i in range(len(agents))))
        for i, a in enumerate(agents):
            cells = "".join(
                f"{'-' if v is None else f'{v:.2f}':>8}" for v in board["win_rates"][a].values()
            )
            lines.append(f"  {a:<{width}}{cells}  ({i + 1})")
    lines += [f"note: {n}" for n in board["notes"]]
    return "\n".join(lines).lstrip("\n")
