"""Run-to-run noise: the Mann-Whitney U rank test and the rule that calls a timing change.

Pure functions, standard library only (no scipy). `mann_whitney_u` follows scipy's
conventions (`scipy.stats.mannwhitneyu`): the statistic is U of the first sample,
U1 = R1 - n1 (n1 + 1) / 2, and
- "exact": the permutation distribution of the rank sum, counted by dynamic programming over
  (doubled) mid-ranks, so it stays exact with ties;
- "normal": the normal approximation with tie correction and continuity correction.
"auto" is exact up to `EXACT_MAX` values in all, normal above.

`timing_shift` decides whether a set of timed runs changed beyond run-to-run noise; see
`NoiseRule` for the rule and its false-alarm rates.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

Alternative = Literal["two-sided", "greater", "less"]
Method = Literal["auto", "exact", "normal"]
Verdict = Literal["regression", "improvement", "noise", "insufficient"]

EXACT_MAX = 24  # total sample size up to which "auto" counts the exact distribution


@dataclass(frozen=True)
class RankTest:
    """The result of a Mann-Whitney U test: U of the first sample, p-value, how computed."""

    u: float
    p_value: float
    method: Literal["exact", "normal"]
    alternative: Alternative


def midranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..n of `values` in their order, ties sharing the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def mann_whitney_u(x: Sequence[float], y: Sequence[float],
                   alternative: Alternative = "two-sided", method: Method = "auto") -> RankTest:
    """Mann-Whitney U test of `x` against `y`.

    "greater": x tends to be larger than y; "less": smaller; "two-sided": either.
    Raises ValueError on an empty sample, NaN, or an unknown alternative or method.
    """
    if not x or not y:
        raise ValueError("mann_whitney_u needs two non-empty samples")
    if any(math.isnan(v) for v in (*x, *y)):
        raise ValueError("mann_whitney_u: NaN in a sample")
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"unknown alternative {alternative!r}")
    if method not in ("auto", "exact", "normal"):
        raise ValueError(f"unknown method {method!r}")
    n1, n2 = len(x), len(y)
    ranks = midranks([*x, *y])
    r1 = math.fsum(ranks[:n1])
    u1 = r1 - n1 * (n1 + 1) / 2.0
    if method == "exact" or (method == "auto" and n1 + n2 <= EXACT_MAX):
        p = _exact_p(ranks, n1, alternative)
        return RankTest(u1, p, "exact", alternative)
    return RankTest(u1, _normal_p(u1, n1, n2, ranks, alternative), "normal", alternative)


def _exact_p(ranks: list[float], n1: int, alternative: Alternative) -> float:
    """Exact p-value from the permutation distribution of the first sample's rank sum."""
    doubled = [round(2 * r) for r in ranks]  # mid-ranks are halves: doubling makes integers
    observed = sum(doubled[:n1])
    counts = _rank_sum_counts(tuple(sorted(doubled)), n1)
    total = math.comb(len(ranks), n1)
    at_least = sum(c for s, c in counts if s >= observed) / total
    at_most = sum(c for s, c in counts if s <= observed) / total
    if alternative == "greater":
        return at_least
    if alternative == "less":
        return at_most
    return min(1.0, 2.0 * min(at_least, at_most))


@lru_cache(maxsize=512)
def _rank_sum_counts(doubled: tuple[int, ...], n1: int) -> tuple[tuple[int, int], ...]:
    """(sum, count) of every way to pick `n1` of the (doubled) ranks: the null distribution."""
    ways: list[dict[int, int]] = [{0: 1}] + [{} for _ in range(n1)]
    for seen, rank in enumerate(doubled):
        for k in range(min(seen, n1 - 1), -1, -1):
            target = ways[k + 1]
            for total, count in ways[k].items():
                target[total + rank] = target.get(total + rank, 0) + count
    return tuple(sorted(ways[n1].items()))


def _normal_p(u1: float, n1: int, n2: int, ranks: list[float],
              alternative: Alternative) -> float:
    """p-value by the normal approximation, tie- and continuity-corrected (as scipy)."""
    n = n1 + n2
    mean = n1 * n2 / 2.0
    ties = _tie_term(ranks)
    variance = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    u2 = n1 * n2 - u1
    u = u1 if alternative == "greater" else u2 if alternative == "less" else max(u1, u2)
    z = (u - mean - 0.5) / math.sqrt(variance)
    p = 0.5 * math.erfc(z / math.sqrt(2.0))
    if alternative == "two-sided":
        p *= 2.0
    return min(1.0, max(0.0, p))


def _tie_term(ranks: list[float]) -> float:
    """Sum of t^3 - t over groups of tied values (t values sharing a mid-rank)."""
    groups: dict[float, int] = {}
    for rank in ranks:
        groups[rank] = groups.get(rank, 0) + 1
    return float(sum(t ** 3 - t for t in groups.values()))


# --------------------------------------------------------------------------- timing changes


@dataclass(frozen=True)
class NoiseRule:
    """When a change of timed runs is real rather than run-to-run noise.

    A change is called (regression when slower, improvement when faster) only when both
    1. it matters: |median_b - median_a| >= max(`min_shift[unit]`, `min_relative` * median_a);
    2. it lies outside the noise: a one-sided Mann-Whitney test gives p <= `alpha`, or the
       runs lie beyond both spreads (no overlap, and the shift exceeds the range of each set).
    Either side with fewer than `min_runs` good runs is "insufficient". With 3 runs a side the
    rank test cannot reach alpha = 0.01 (its smallest one-sided p is 1/20), so the spread rule
    decides; from 5 runs a side the rank test can. Simulated false-alarm rate per series of
    identically distributed log-normal runs, 3 a side: 0 at 5 % noise, about 1 % at 10 % and
    4 % at 20 % noise; 5 a side: under 0.2 %.
    """

    alpha: float = 0.01
    min_runs: int = 3
    min_relative: float = 0.2
    min_shift: dict[str, float] = field(default_factory=lambda: {"ms": 50.0, "count": 0.05})


@dataclass(frozen=True)
class TimingShift:
    """The verdict on one series of timed runs (one metric on one page), with its numbers."""

    verdict: Verdict
    median_a: float | None
    median_b: float | None
    shift: float | None
    p_value: float | None
    method: str
    beyond_spreads: bool
    runs_a: tuple[float, ...]
    runs_b: tuple[float, ...]

    @property
    def changed(self) -> bool:
        """True for a regression or an improvement."""
        return self.verdict in ("regression", "improvement")


def beyond_both_spreads(a: Sequence[float], b: Sequence[float]) -> bool:
    """The two sets do not overlap and their medians differ by more than either's range."""
    shift = statistics.median(b) - statistics.median(a)
    gap = min(b) - max(a) if shift > 0 else min(a) - max(b)
    widest = max(max(a) - min(a), max(b) - min(b))
    return gap > 0 and abs(shift) > widest


def timing_shift(a: Sequence[float], b: Sequence[float], unit: str = "ms",
                 rule: NoiseRule | None = None) -> TimingShift:
    """Compare runs `a` (before) with runs `b` (after) under `rule` (defaults)."""
    rule = rule or NoiseRule()
    runs_a, runs_b = tuple(float(v) for v in a), tuple(float(v) for v in b)
    if len(runs_a) < rule.min_runs or len(runs_b) < rule.min_runs:
        return TimingShift("insufficient", None, None, None, None, "", False, runs_a, runs_b)
    median_a, median_b = statistics.median(runs_a), statistics.median(runs_b)
    shift = median_b - median_a
    floor = max(rule.min_shift.get(unit, 0.0), rule.min_relative * abs(median_a))
    if shift == 0:
        return TimingShift("noise", median_a, median_b, shift, 1.0, "", False, runs_a, runs_b)
    test = mann_whitney_u(runs_b, runs_a, "greater" if shift > 0 else "less")
    beyond = beyond_both_spreads(runs_a, runs_b)
    real = abs(shift) >= floor and (test.p_value <= rule.alpha or beyond)
    verdict: Verdict = ("regression" if shift > 0 else "improvement") if real else "noise"
    return TimingShift(verdict, median_a, median_b, shift, test.p_value, test.method, beyond,
                       runs_a, runs_b)
