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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arena.core.stats import bootstrap_ci, iqm
from arena.evaluation.results import ResultLine
from arena.host.manager import PluginHost

RANDOM = "random"


@dataclass
class Row:
    scope: str
    agent: str
    episodes: int
    """Cells of this agent in the scope, failed ones included."""
    distinct: int
    """Distinct samples: played episodes with different fingerprints, plus failed cells
    scored at the floor (0 when nothing was played: the row has no numbers)."""
    failed: int
    forfeits: int
    mean: float | None
    """None when no episode was played in the scope: the row shows as failed."""
    iqm: float | None
    ci_low: float | None
    """None when there are fewer than two distinct samples: no interval can be had."""
    ci_high: float | None
    normalized: bool
    protocol: str
    identical: bool = False
    """Every episode of some stratum was the same episode."""
    floored: int = 0
    """Failed or forfeited cells scored at their stratum's floor inside these numbers."""


@dataclass
class Failure:
    """An agent's failed and forfeited cells on one game, counted by reason."""

    agent: str
    game: str
    count: int
    reasons: dict[str, int]


@dataclass
class Leaderboard:
    """Everything a board shows: rows per game and overall, per protocol, the failures, the
    win-rate matrix (row beats column) and notes on what the numbers rest on."""

    protocols: list[str]
    rows: list[Row] = field(default_factory=list)
    win_rates: dict[str, dict[str, float | None]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Sample:
    """One cell's contribution: its score and, for played episodes, its fingerprint."""

    value: float
    digest: str | None
    floor: bool = False
    """A failed or forfeited cell, scored at the stratum's floor: no episode was played."""


def _protocol_key(record: ResultLine) -> str:
    return record.played_under().describe()


def _scored(results: Sequence[ResultLine]) -> tuple[list[tuple[ResultLine, float]], list[str]]:
    """Each record with its score (failed and forfeited cells at the stratum's floor)."""
    floors: dict[tuple[str, str], float] = {}
    for r in results:
        if r.played and r.score is not None:
            key = (r.game, r.state)
            floors[key] = min(floors.get(key, math.inf), r.score)
    scored, notes = [], []
    for r in results:
        if r.played and r.score is not None:
            scored.append((r, r.score))
        elif (r.game, r.state) in floors:
            scored.append((r, floors[(r.game, r.state)]))
        else:
            notes.append(
                f"{r.game}/{r.state}: no agent finished an episode, so its failed cells "
                "have no floor to score"
            )
    return scored, sorted(set(notes))


def _row(
    scope: str,
    agent: str,
    strata: Mapping[Any, list[_Sample]],
    records: Sequence[ResultLine],
    normalized: bool,
    protocol: str,
) -> Row:
    failed = sum(r.failed for r in records)
    forfeits = sum(bool(r.forfeit) for r in records if not r.failed)
    if all(s.floor for samples in strata.values() for s in samples):
        # Nothing was played: no number here would be a score. The row shows as failed.
        return Row(
            scope, agent, len(records), 0, failed, forfeits, None, None, None, None,
            normalized, protocol,
        )  # fmt: skip
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
        failed=failed,
        forfeits=forfeits,
        mean=float(np.mean(values)),
        iqm=iqm(values),
        ci_low=low,
        ci_high=high,
        normalized=normalized,
        protocol=protocol,
        identical=bool(identical),
        floored=sum(s.floor for samples in strata.values() for s in samples),
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


def build_leaderboard(results: Sequence[ResultLine], host: PluginHost) -> Leaderboard:
    """Per-game rows, overall normalized rows, failures and the win-rate matrix, per protocol."""
    board = Leaderboard(sorted({_protocol_key(r) for r in results}))
    for protocol in board.protocols:
        group = [r for r in results if _protocol_key(r) == protocol]
        suffix = f" [{protocol}]" if len(board.protocols) > 1 else ""
        _add_protocol(board, group, host, protocol, suffix)
    board.win_rates = _win_rates(results)
    board.notes = list(dict.fromkeys(board.notes))
    return board


def _add_protocol(
    board: Leaderboard,
    results: Sequence[ResultLine],
    host: PluginHost,
    protocol: str,
    suffix: str,
) -> None:
    scored, notes = _scored(results)
    board.notes += notes
    by_game: dict[str, dict[str, dict[str, list[_Sample]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    records: dict[tuple[str, str], list[ResultLine]] = defaultdict(list)
    for r, value in scored:
        digest = None if r.failed else r.digest
        by_game[r.game][r.agent][r.state].append(_Sample(value, digest, floor=not r.played))
    for r in results:
        records[(r.game, r.agent)].append(r)
    rows = []
    for game, per_agent in sorted(by_game.items()):
        for agent, strata in sorted(per_agent.items()):
            row = _row(game + suffix, agent, strata, records[(game, agent)], False, protocol)
            rows.append(row)
            if row.identical:
                board.notes.append(
                    f"{agent} on {game}{suffix}: its episodes of a state were all one episode "
                    "(the seed does not reach a deterministic agent); counted once. Evaluate "
                    "under sticky actions (--sticky 0.25) for independent samples"
                )

    # Normalized: random = 0, the profile's reference score = 1, per (game, state).
    normalized: dict[str, dict[tuple[str, str], list[_Sample]]] = defaultdict(
        lambda: defaultdict(list)
    )
    overall_records: dict[str, list[ResultLine]] = defaultdict(list)
    baselines = sorted(
        {r.agent for r in results if r.baseline_name == RANDOM},
        key=lambda label: (label != RANDOM, label),  # a plain `random` entry first
    )
    sources = {r.game: r.source or r.game for r in results}
    for game, per_agent in sorted(by_game.items()):
        reference = getattr(host.profile(sources.get(game, game)), "reference_score", None)
        if reference is None:
            board.notes.append(f"{game}: no reference score, left out of the normalized overall")
            continue
        random = next((a for a in baselines if a in per_agent), None)
        if random is None:
            board.notes.append(
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
                    _Sample((s.value - baseline) / (reference - baseline), s.digest, s.floor)
                    for s in samples
                ]
    rows += [
        _row(f"overall (normalized){suffix}", agent, strata, overall_records[agent], True, protocol)
        for agent, strata in sorted(normalized.items())
    ]
    board.rows += rows

    failures: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        reason = r.error or (f"forfeit: {r.forfeit}" if r.forfeit else None)
        if reason:
            failures[(r.agent, r.game + suffix)][reason] += 1
    board.failures += [
        Failure(agent, game, sum(reasons.values()), dict(reasons))
        for (agent, game), reasons in sorted(failures.items())
    ]


def _win_rates(results: Sequence[ResultLine]) -> dict[str, dict[str, float | None]]:
    """Row beats column over the cells both played under the same protocol (failures at the
    floor, draws half)."""
    agents = sorted({r.agent for r in results})
    scores: dict[tuple[str, str, str], float | None] = {}  # None: nothing played
    for r in results:
        scores[(r.agent, _protocol_key(r), r.cell)] = r.score if r.played else None
    matrix: dict[str, dict[str, float | None]] = {}
    for a in agents:
        matrix[a] = {}
        for b in agents:
            shared = [(p, c) for (agent, p, c) in scores if agent == a and (b, p, c) in scores]
            if a == b or not shared:
                matrix[a][b] = None
                continue
            decided = [
                _win(scores[(a, p, c)], scores[(b, p, c)])
                for p, c in shared
                if scores[(a, p, c)] is not None or scores[(b, p, c)] is not None
            ]
            matrix[a][b] = sum(decided) / len(decided) if decided else None
    return matrix


def _win(mine: float | None, theirs: float | None) -> float:
    """1, 0.5 or 0 for the row's side of a cell. A cell not played (failed, forfeited) loses
    to one that was, whatever the scores: a crash is never a draw."""
    if mine is None or theirs is None:
        return 0.0 if mine is None else 1.0
    return 1.0 if mine > theirs else 0.5 if mine == theirs else 0.0


def write_leaderboard(board: Leaderboard, out: Path) -> tuple[Path, Path]:
    csv_path, json_path = out / "leaderboard.csv", out / "leaderboard.json"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, list(Row.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(asdict(row) for row in board.rows)
    json_path.write_text(json.dumps(asdict(board), indent=2) + "\n")
    return csv_path, json_path


def _order(row: Row) -> tuple[bool, str, bool, float]:
    """Per-game tables first, then overall; best IQM first, rows with nothing played last."""
    return (row.normalized, row.scope, row.iqm is None, -(row.iqm or 0.0))


def _interval(row: Row) -> str:
    if row.ci_low is None or row.ci_high is None:
        return "n/a (1 distinct sample)"
    return f"[{row.ci_low:.2f}, {row.ci_high:.2f}]"


def format_leaderboard(board: Leaderboard) -> str:
    """The leaderboard as text: the protocol, per game and overall tables, failures, win rates."""
    width = max([len(r.agent) for r in board.rows] + [5])
    lines: list[str] = [f"protocol: {p}" for p in board.protocols]
    scope = None
    for row in sorted(board.rows, key=_order):
        if row.scope != scope:
            scope = row.scope
            header = (
                f"{'episodes':>8} {'distinct':>8} {'failed':>6} {'mean':>10} {'IQM':>10}"
                "   95% CI (IQM)"
            )
            lines += ["", f"{scope}", f"  {'agent':<{width}} {header}"]
        failed = row.failed + row.forfeits
        if row.mean is None or row.iqm is None:
            numbers = f"{row.episodes:>8} {'-':>8} {failed:>6} {'failed: no episode played':>21}"
            lines.append(f"  {row.agent:<{width}}{numbers}")
            continue
        floor = "*" if row.floored else " "
        numbers = (
            f"{row.episodes:>8} {row.distinct:>8}{'!' if row.identical else ' '}"
            f"{failed:>6} {row.mean:>10.2f}{floor}{row.iqm:>9.2f}{floor}"
        )
        lines.append(f"  {row.agent:<{width}}{numbers}  {_interval(row)}")
    if any(row.floored for row in board.rows):
        lines += ["", "* includes failed or forfeited cells scored at the stratum's floor"]
    if board.failures:
        lines += ["", "failed and forfeited cells (scored at the stratum's floor)"]
        for failure in board.failures:
            reasons = "; ".join(f"{n} x {why}" for why, n in failure.reasons.items())
            lines.append(f"  {failure.agent} on {failure.game}: {failure.count}: {reasons}")
    agents = list(board.win_rates)
    if len(agents) > 1:
        lines += ["", "win rate (row beats column, over shared cells; columns in row order)"]
        lines.append(f"  {'':<{width}}" + "".join(f"{i + 1:>8}" for i in range(len(agents))))
        for i, a in enumerate(agents):
            cells = "".join(
                f"{'-' if v is None else f'{v:.2f}':>8}" for v in board.win_rates[a].values()
            )
            lines.append(f"  {a:<{width}}{cells}  ({i + 1})")
    lines += [f"note: {n}" for n in board.notes]
    return "\n".join(lines)
