"""Credit curves: how a timing in milliseconds turns into credit in [0, 1].

The curve follows Lighthouse: a complementary log-normal CDF whose median is the geometric
mean of `full` and `none`, with sigma chosen so the raw curve is 0.9 at `full` (and, by
symmetry, 0.1 at `none`). The raw curve is then rescaled so that credit(full) = 1 and
credit(none) = 0; values at or below `full` earn 1, at or above `none` earn 0.
"""

from __future__ import annotations

import math
from statistics import NormalDist

RAW_AT_FULL = 0.9
_Z_AT_FULL = NormalDist().inv_cdf(1.0 - RAW_AT_FULL)  # about -1.2816


def lognormal_sigma(full: float, none: float) -> float:
    """The sigma that puts the raw curve at 0.9 at `full` (median at sqrt(full * none))."""
    return (math.log(full) - math.log(none)) / (2.0 * _Z_AT_FULL)


def raw_lognormal(value: float, full: float, none: float) -> float:
    """The complementary log-normal CDF at `value` (Lighthouse's raw score), in (0, 1)."""
    if value <= 0:
        return 1.0
    median = math.sqrt(full * none)
    z = (math.log(value) - math.log(median)) / lognormal_sigma(full, none)
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def curve_credit(value: float, full: float, none: float) -> float:
    """Credit in [0, 1] for a timing: 1 at <= full, 0 at >= none, log-normal in between."""
    if not 0 < full < none:
        raise ValueError(f"curve needs 0 < full < none, got full={full}, none={none}")
    if math.isnan(value):
        raise ValueError("curve credit of NaN")
    if value <= full:
        return 1.0
    if value >= none:
        return 0.0
    low = 1.0 - RAW_AT_FULL
    credit = (raw_lognormal(value, full, none) - low) / (RAW_AT_FULL - low)
    return min(1.0, max(0.0, credit))
