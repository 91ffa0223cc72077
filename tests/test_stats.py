"""The Mann-Whitney U test (against published scipy values and brute force) and the noise rule."""

from __future__ import annotations

import itertools
import math
import random
import statistics

import pytest

from probe.stats import (
    NoiseRule,
    beyond_both_spreads,
    mann_whitney_u,
    midranks,
    timing_shift,
)

# scipy.stats.mannwhitneyu documentation example (Mann & Whitney 1947, males vs females)
MALES = [19, 22, 16, 29, 24]
FEMALES = [20, 11, 17, 12]


def test_midranks_share_ties() -> None:
    assert midranks([10, 20, 20, 30]) == [1.0, 2.5, 2.5, 4.0]
    assert midranks([3, 1, 2]) == [3.0, 1.0, 2.0]


def test_scipy_documentation_example_exact_and_normal() -> None:
    exact = mann_whitney_u(MALES, FEMALES)
    assert exact.u == 17.0
    assert exact.method == "exact"
    assert exact.p_value == pytest.approx(0.1111111111111111, abs=1e-12)  # 2 * 7/126
    normal = mann_whitney_u(MALES, FEMALES, method="normal")
    assert normal.p_value == pytest.approx(0.11134688653314041, abs=1e-12)


def test_one_sided_values() -> None:
    assert mann_whitney_u(MALES, FEMALES, "greater").p_value == pytest.approx(7 / 126)
    assert mann_whitney_u([1, 2, 3], [4, 5, 6], "less").p_value == pytest.approx(1 / 20)
    assert mann_whitney_u([1, 2, 3], [4, 5, 6], "greater").p_value == pytest.approx(1.0)
    assert mann_whitney_u([1, 2, 3], [4, 5, 6]).p_value == pytest.approx(0.1)
    assert mann_whitney_u([4, 5, 6], [1, 2, 3]).u == 9.0


def test_normal_approximation_with_ties_by_hand() -> None:
    x, y = [1, 2, 2, 3], [2, 3, 4, 4, 5]
    # ranks of x: 1, 3, 3, 5.5 -> R1 = 12.5, U1 = 2.5, U2 = 17.5; tie groups 3, 2, 2
    result = mann_whitney_u(x, y, method="normal")
    assert result.u == 2.5
    variance = 4 * 5 / 12 * ((9 + 1) - 36 / (9 * 8))
    z = (17.5 - 10 - 0.5) / math.sqrt(variance)
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), abs=1e-12)


def brute_force_p(x: list[float], y: list[float], alternative: str) -> float:
    """The permutation p-value by listing every split of the pooled values."""
    pooled = [*x, *y]
    ranks = midranks(pooled)
    observed = sum(ranks[: len(x)])
    sums = [sum(ranks[i] for i in chosen)
            for chosen in itertools.combinations(range(len(pooled)), len(x))]
    greater = sum(s >= observed - 1e-9 for s in sums) / len(sums)
    less = sum(s <= observed + 1e-9 for s in sums) / len(sums)
    if alternative == "greater":
        return greater
    if alternative == "less":
        return less
    return min(1.0, 2 * min(greater, less))


@pytest.mark.parametrize("seed", range(12))
def test_exact_matches_brute_force_even_with_ties(seed: int) -> None:
    rng = random.Random(seed)
    x = [float(rng.randint(0, 6)) for _ in range(rng.randint(1, 6))]
    y = [float(rng.randint(0, 6)) for _ in range(rng.randint(1, 6))]
    for alternative in ("two-sided", "greater", "less"):
        got = mann_whitney_u(x, y, alternative, method="exact").p_value  # type: ignore[arg-type]
        assert got == pytest.approx(brute_force_p(x, y, alternative), abs=1e-12)


def test_exact_and_normal_agree_on_larger_samples() -> None:
    rng = random.Random(5)
    x = [rng.gauss(0, 1) for _ in range(12)]
    y = [rng.gauss(0.8, 1) for _ in range(12)]
    exact = mann_whitney_u(x, y, method="exact").p_value
    normal = mann_whitney_u(x, y, method="normal").p_value
    assert exact == pytest.approx(normal, abs=0.01)
    assert mann_whitney_u(x * 2, y * 2).method == "normal"  # 48 values: above EXACT_MAX


def test_identical_samples_and_bad_input() -> None:
    assert mann_whitney_u([5, 5, 5], [5, 5, 5]).p_value == 1.0
    assert mann_whitney_u([5, 5, 5], [5, 5, 5], method="normal").p_value == 1.0
    with pytest.raises(ValueError):
        mann_whitney_u([], [1])
    with pytest.raises(ValueError):
        mann_whitney_u([1, float("nan")], [1])
    with pytest.raises(ValueError):
        mann_whitney_u([1], [2], "bigger")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- noise rule


def test_clear_slowdown_is_a_regression_and_speedup_an_improvement() -> None:
    before = [1510.0, 1480.0, 1535.0]
    after = [2410.0, 2390.0, 2460.0]
    slower = timing_shift(before, after)
    assert slower.verdict == "regression" and slower.changed
    assert slower.beyond_spreads and slower.p_value == pytest.approx(0.05)
    assert slower.shift == pytest.approx(2410.0 - 1510.0)
    assert timing_shift(after, before).verdict == "improvement"


def test_overlapping_runs_are_noise() -> None:
    assert timing_shift([1500, 1620, 1450], [1580, 1490, 1700]).verdict == "noise"


def test_small_shift_beyond_spreads_is_not_called() -> None:
    # separated, but only +4 %: below min_relative
    assert timing_shift([1000, 1001, 1002], [1040, 1041, 1042]).verdict == "noise"
    # separated and +30 %, but only +15 ms: below min_shift for ms
    assert timing_shift([50, 50.5, 51], [65, 65.5, 66]).verdict == "noise"


def test_rank_test_decides_with_more_runs() -> None:
    before = [1000, 1400, 1100, 1300, 1200, 1250]
    after = [1500, 1900, 1350, 1800, 1600, 1700]  # overlapping ranges, clearly shifted
    shifted = timing_shift(before, after)
    assert not beyond_both_spreads(before, after)
    assert shifted.p_value is not None and shifted.p_value <= 0.01
    assert shifted.verdict == "regression"


def test_too_few_runs_are_insufficient() -> None:
    assert timing_shift([1000, 1100], [3000, 3100, 3200]).verdict == "insufficient"
    assert timing_shift([1000, 1100], [3000, 3100], rule=NoiseRule(min_runs=2)).changed


def test_identically_distributed_runs_raise_no_alarm() -> None:
    """5 % run-to-run noise, 3 runs a side, 2,000 series: not one alarm."""
    rng = random.Random(11)
    alarms = 0
    for _ in range(2000):
        typical = rng.uniform(200, 4000)
        before = [typical * math.exp(rng.gauss(0, 0.05)) for _ in range(3)]
        after = [typical * math.exp(rng.gauss(0, 0.05)) for _ in range(3)]
        alarms += timing_shift(before, after).changed
    assert alarms == 0


def test_doubled_timings_are_caught() -> None:
    rng = random.Random(12)
    caught = 0
    for _ in range(500):
        typical = rng.uniform(200, 4000)
        before = [typical * math.exp(rng.gauss(0, 0.05)) for _ in range(3)]
        after = [2 * typical * math.exp(rng.gauss(0, 0.05)) for _ in range(3)]
        verdict = timing_shift(before, after)
        caught += verdict.verdict == "regression"
        assert verdict.median_b == pytest.approx(statistics.median(after))
    assert caught == 500
