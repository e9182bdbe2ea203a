"""The statistics boards and matches report: the interquartile mean, stratified and paired
bootstrap intervals (Agarwal et al. 2021), and the Wilson interval of a proportion."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

BOOTSTRAP_SAMPLES = 2000


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
