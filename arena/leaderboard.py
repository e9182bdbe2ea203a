"""Leaderboards from benchmark results: mean, interquartile mean (IQM) and stratified-bootstrap
95% confidence intervals per game and overall, normalized scores and a win-rate matrix.

IQM and stratified bootstrap follow Agarwal et al. (2021), "Deep RL at the edge of the
statistical precipice": the IQM is the mean of the middle 50% of scores; a bootstrap sample
redraws the episodes of each (game, state) stratum with replacement. Normalized scores put the
random agent (measured in the same benchmark) at 0 and the profile's ``reference_score`` at 1.

What counts as a sample, and what a missing one scores:

- Results of different evaluation protocols are never pooled: each protocol gets its own tables.
- Identical episodes (same fingerprint: frames, returns and the game's RAM at the end) of one agent
  in one stratum are one sample, counted once; an agent whose episodes in a stratum are all
  identical is flagged (its seeds do not reach it: evaluate under sticky actions).
- A failed cell (the agent could not be built or loaded, or its worker died) and a forfeited
  one (the agent raised or returned an invalid action) score the stratum's **floor**: the lowest
  return any agent finished an episode with in that game and state, under that protocol. They
  are counted per agent and game, with their reasons, never dropped.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from arena.plugin_manager import PluginHost
from arena.protocol import Protocol
from arena.schema import first_error

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


def ratio_interval(
    numerators: Sequence[float], denominators: Sequence[float], seed: int = 0
) -> tuple[float, float]:
    """A 95% percentile interval of ``sum(numerators) / sum(denominators)``, resampling the
    (numerator, denominator) units together (nan, nan when nothing was counted)."""
    top, bottom = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
    if not bottom.sum():
        return math.nan, math.nan
    picks = np.random.default_rng(seed).integers(0, len(top), (BOOTSTRAP_SAMPLES, len(top)))
    totals = bottom[picks].sum(axis=1)
    ratios = top[picks].sum(axis=1)[totals > 0] / totals[totals > 0]
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


Z95 = 1.959964


def wilson_interval(successes: int, n: int) -> tuple[float, float]:
    """The Wilson score 95% interval of a proportion (nan, nan when n is 0)."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Row:
    scope: str
    agent: str
    episodes: int
    """Cells of this agent in the scope, failed ones included."""
    distinct: int
    """Distinct samples: played episodes with different fingerprints, plus failed cells."""
    failed: int
    forfeits: int
    mean: float
    iqm: float
    ci_low: float | None
    """None when there are fewer than two distinct samples: no interval can be had."""
    ci_high: float | None
    normalized: bool
    protocol: str
    identical: bool = False
    """Every episode of some stratum was the same episode."""


class _ProtocolLine(BaseModel):
    sticky: Annotated[float, Field(ge=0, lt=1)] = 0.0
    noop_max: Annotated[int, Field(ge=0)] = 0


class ResultLine(BaseModel):
    """What a results line must hold to be counted (more fields are kept as they are)."""

    model_config = ConfigDict(extra="allow")

    job: str
    cell: str
    agent: str
    game: str
    state: str
    seed: int
    protocol: _ProtocolLine = _ProtocolLine()
    error: str | None = None
    score: Annotated[float | None, Field(alias="return", allow_inf_nan=False)] = None


def read_results(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The cells of a results file, and one message per damaged line (with its number) that
    was skipped: a line cut by a crash, edited by hand, or of the wrong shape."""
    rows, damaged = [], []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            checked = ResultLine.model_validate(record)
        except ValueError as exc:  # JSON and pydantic errors alike
            reason = "not JSON" if isinstance(exc, json.JSONDecodeError) else _first_problem(exc)
            damaged.append(f"{path} line {number}: damaged ({reason}); skipped")
            continue
        if checked.error is None and checked.score is None:
            damaged.append(
                f"{path} line {number}: damaged (neither a return nor an error); skipped"
            )
            continue
        rows.append(record)
    return rows, damaged


def _first_problem(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        where, problem, _ = first_error(exc)
        return f"{where}: {problem}"
    return str(exc)


def load_results(path: Path) -> list[dict[str, Any]]:
    """Every cell of a results file: played ones and failed ones (with an ``error``)."""
    return read_results(path)[0]


@dataclass
class _Sample:
    """One cell's contribution: its score and, for played episodes, its fingerprint."""

    value: float
    digest: str | None


def _protocol_key(record: Mapping[str, Any]) -> str:
    return Protocol.from_dict(record.get("protocol")).describe()


def _scored(results: Sequence[Mapping[str, Any]]) -> tuple[list[tuple[Mapping, float]], list[str]]:
    """Each record with its score (failed and forfeited cells at the stratum's floor)."""
    floors: dict[tuple[str, str], float] = {}
    for r in results:
        if "error" not in r and not r.get("forfeit"):
            key = (r["game"], r["state"])
            floors[key] = min(floors.get(key, math.inf), float(r["return"]))
    scored, notes = [], []
    for r in results:
        if "error" not in r and not r.get("forfeit"):
            scored.append((r, float(r["return"])))
        elif (r["game"], r["state"]) in floors:
            scored.append((r, floors[(r["game"], r["state"])]))
        else:
            notes.append(
                f"{r['game']}/{r['state']}: no agent finished an episode, so its failed cells "
                "have no floor to score"
            )
    return scored, sorted(set(notes))


def _row(
    scope: str,
    agent: str,
    strata: Mapping[Any, list[_Sample]],
    records: Sequence[Mapping[str, Any]],
    normalized: bool,
    protocol: str,
) -> Row:
    distinct = {key: _distinct(samples) for key, samples in strata.items()}
    values = [v for group in distinct.values() for v in group]
    identical = any(
        len(samples) > 1 and len({s.digest for s in samples}) == 1 and samples[0].digest
        for samples in strata.values()
    )
    low: float | None = None
    high: float | None = None
    if len(values) > 1:
        low, high = bootstrap_ci(distinct)
    return Row(
        scope,
        agent,
        episodes=len(records),
        distinct=len(values),
        failed=sum("error" in r for r in records),
        forfeits=sum(bool(r.get("forfeit")) for r in records if "error" not in r),
        mean=float(np.mean(values)),
        iqm=iqm(values),
        ci_low=low,
        ci_high=high,
        normalized=normalized,
        protocol=protocol,
        identical=bool(identical),
    )


def _distinct(samples: Sequence[_Sample]) -> list[float]:
    """One value per distinct episode (samples without a fingerprint count each)."""
    seen: set[str] = set()
    values = []
    for sample in samples:
        if sample.digest is not None:
            if sample.digest in seen:
                continue
            seen.add(sample.digest)
        values.append(sample.value)
    return values


def build_leaderboard(results: Sequence[Mapping[str, Any]], host: PluginHost) -> dict[str, Any]:
    """Per-game rows, overall normalized rows, failures and the win-rate matrix, per protocol."""
    protocols = sorted({_protocol_key(r) for r in results})
    board: dict[str, Any] = {
        "protocols": protocols,
        "rows": [],
        "win_rates": {},
        "failures": [],
        "notes": [],
    }
    for protocol in protocols:
        group = [r for r in results if _protocol_key(r) == protocol]
        suffix = f" [{protocol}]" if len(protocols) > 1 else ""
        _add_protocol(board, group, host, protocol, suffix)
    board["win_rates"] = _win_rates(results)
    board["notes"] = list(dict.fromkeys(board["notes"]))
    return board


def _add_protocol(
    board: dict[str, Any],
    results: Sequence[Mapping[str, Any]],
    host: PluginHost,
    protocol: str,
    suffix: str,
) -> None:
    scored, notes = _scored(results)
    board["notes"] += notes
    by_game: dict[str, dict[str, dict[str, list[_Sample]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    records: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for r, value in scored:
        digest = None if "error" in r else r.get("digest")
        by_game[r["game"]][r["agent"]][r["state"]].append(_Sample(value, digest))
    for r in results:
        records[(r["game"], r["agent"])].append(r)
    rows = []
    for game, per_agent in sorted(by_game.items()):
        for agent, strata in sorted(per_agent.items()):
            row = _row(game + suffix, agent, strata, records[(game, agent)], False, protocol)
            rows.append(row)
            if row.identical:
                board["notes"].append(
                    f"{agent} on {game}{suffix}: its episodes of a state were all one episode "
                    "(the seed does not reach a deterministic agent); counted once. Evaluate "
                    "under sticky actions (--sticky 0.25) for independent samples"
                )

    # Normalized: random = 0, the profile's reference score = 1, per (game, state).
    normalized: dict[str, dict[tuple[str, str], list[_Sample]]] = defaultdict(
        lambda: defaultdict(list)
    )
    overall_records: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    baselines = sorted(
        {r["agent"] for r in results if r.get("agent_name", r["agent"]) == RANDOM},
        key=lambda label: (label != RANDOM, label),  # a plain `random` entry first
    )
    sources = {r["game"]: r.get("source") or r["game"] for r in results}
    for game, per_agent in sorted(by_game.items()):
        reference = getattr(host.profile(sources.get(game, game)), "reference_score", None)
        if reference is None:
            board["notes"].append(f"{game}: no reference score, left out of the normalized overall")
            continue
        random = next((a for a in baselines if a in per_agent), None)
        if random is None:
            board["notes"].append(
                f"{game}: no random agent results to normalize against (add `random` to the bench)"
            )
            continue
        for agent, strata in per_agent.items():
            overall_records[agent] += records[(game, agent)]
            for state, samples in strata.items():
                baseline = float(np.mean(_distinct(per_agent[random].get(state, [])) or [math.nan]))
                if math.isnan(baseline) or reference == baseline:
                    continue
                normalized[agent][(game, state)] += [
                    _Sample((s.value - baseline) / (reference - baseline), s.digest)
                    for s in samples
                ]
    rows += [
        _row(f"overall (normalized){suffix}", agent, strata, overall_records[agent], True, protocol)
        for agent, strata in sorted(normalized.items())
    ]
    board["rows"] += [asdict(r) for r in rows]

    failures: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        reason = r.get("error") or (f"forfeit: {r['forfeit']}" if r.get("forfeit") else None)
        if reason:
            failures[(r["agent"], r["game"] + suffix)][str(reason)] += 1
    board["failures"] += [
        {"agent": agent, "game": game, "count": sum(reasons.values()), "reasons": dict(reasons)}
        for (agent, game), reasons in sorted(failures.items())
    ]


def _win_rates(results: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Row beats column over the cells both played under the same protocol (failures at the
    floor, draws half)."""
    agents = sorted({r["agent"] for r in results})
    scores: dict[tuple[str, str, str], float] = {}
    for protocol in {_protocol_key(r) for r in results}:
        group = [r for r in results if _protocol_key(r) == protocol]
        for r, value in _scored(group)[0]:
            scores[(r["agent"], protocol, r["cell"])] = value
    matrix: dict[str, dict[str, float | None]] = {}
    for a in agents:
        matrix[a] = {}
        for b in agents:
            shared = [(p, c) for (agent, p, c) in scores if agent == a and (b, p, c) in scores]
            if a == b or not shared:
                matrix[a][b] = None
                continue
            wins = sum(_win(scores[(a, p, c)], scores[(b, p, c)]) for p, c in shared)
            matrix[a][b] = wins / len(shared)
    return matrix


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


def _interval(row: Mapping[str, Any]) -> str:
    if row["ci_low"] is None:
        return "n/a (1 distinct sample)"
    return f"[{row['ci_low']:.2f}, {row['ci_high']:.2f}]"


def format_leaderboard(board: Mapping[str, Any]) -> str:
    """The leaderboard as text: the protocol, per game and overall tables, failures, win rates."""
    width = max([len(r["agent"]) for r in board["rows"]] + [5])
    lines: list[str] = [f"protocol: {p}" for p in board["protocols"]]
    scope = None
    for row in sorted(board["rows"], key=lambda r: (r["normalized"], r["scope"], -r["iqm"])):
        if row["scope"] != scope:
            scope = row["scope"]
            header = (
                f"{'episodes':>8} {'distinct':>8} {'failed':>6} {'mean':>10} {'IQM':>10}"
                "   95% CI (IQM)"
            )
            lines += ["", f"{scope}", f"  {'agent':<{width}} {header}"]
        failed = row["failed"] + row["forfeits"]
        numbers = (
            f"{row['episodes']:>8} {row['distinct']:>8}{'!' if row['identical'] else ' '}"
            f"{failed:>6} {row['mean']:>10.2f} {row['iqm']:>10.2f}"
        )
        lines.append(f"  {row['agent']:<{width}}{numbers}   {_interval(row)}")
    if board["failures"]:
        lines += ["", "failed and forfeited cells (scored at the stratum's floor)"]
        for failure in board["failures"]:
            reasons = "; ".join(f"{n} x {why}" for why, n in failure["reasons"].items())
            where = f"{failure['agent']} on {failure['game']}"
            lines.append(f"  {where}: {failure['count']}: {reasons}")
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
    return "\n".join(lines)
