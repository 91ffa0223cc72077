"""The log-normal timing curve (Lighthouse-style)."""

from __future__ import annotations

import math

import pytest

from probe.scoring.curves import curve_credit, lognormal_sigma, raw_lognormal

CURVES = [(1800.0, 3000.0), (2500.0, 4000.0), (3400.0, 5800.0), (200.0, 600.0), (800.0, 1800.0)]


@pytest.mark.parametrize(("full", "none"), CURVES)
def test_endpoints(full: float, none: float) -> None:
    assert curve_credit(full, full, none) == 1.0
    assert curve_credit(none, full, none) == 0.0
    assert curve_credit(0.0, full, none) == 1.0
    assert curve_credit(full / 2, full, none) == 1.0
    assert curve_credit(none * 10, full, none) == 0.0
    assert curve_credit(math.inf, full, none) == 0.0


@pytest.mark.parametrize(("full", "none"), CURVES)
def test_continuous_at_endpoints(full: float, none: float) -> None:
    assert curve_credit(full + 1e-6, full, none) == pytest.approx(1.0, abs=1e-6)
    assert curve_credit(none - 1e-6, full, none) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("full", "none"), CURVES)
def test_midpoint_is_half_at_geometric_mean(full: float, none: float) -> None:
    assert curve_credit(math.sqrt(full * none), full, none) == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize(("full", "none"), CURVES)
def test_raw_curve_is_lighthouse_shaped(full: float, none: float) -> None:
    assert raw_lognormal(full, full, none) == pytest.approx(0.9, abs=1e-12)
    assert raw_lognormal(none, full, none) == pytest.approx(0.1, abs=1e-12)
    assert lognormal_sigma(full, none) > 0


@pytest.mark.parametrize(("full", "none"), CURVES)
def test_monotone_non_increasing(full: float, none: float) -> None:
    xs = [full * 0.5 + i * (none * 1.2 - full * 0.5) / 400 for i in range(401)]
    credits = [curve_credit(x, full, none) for x in xs]
    assert all(a >= b for a, b in zip(credits, credits[1:], strict=False))
    assert all(0.0 <= c <= 1.0 for c in credits)
    inside = [c for x, c in zip(xs, credits, strict=True) if full < x < none]
    assert all(a > b for a, b in zip(inside, inside[1:], strict=False))  # strictly inside


def test_known_value() -> None:
    # FCP 2300 ms on the 1800/3000 curve: above half (2300 < 2324 = geometric mean).
    assert curve_credit(2300, 1800, 3000) == pytest.approx(0.5257, abs=1e-3)


@pytest.mark.parametrize(("full", "none"), [(0, 10), (10, 10), (20, 10), (-5, 10)])
def test_bad_curve_parameters(full: float, none: float) -> None:
    with pytest.raises(ValueError):
        curve_credit(5, full, none)
