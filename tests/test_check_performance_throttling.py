"""checks.performance under the "mobile" throttling profile on a loopback page: the emulated
latency shows in TTFB, the 4x CPU slowdown in blocking time, and every timed observation
says under which conditions it was measured. The unthrottled check is the reference."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from checks import performance as perf
from probe import throttling
from probe.models import Observation
from tests.fixtures.checks_psae.harness import (
    BrowserRunner,
    Reply,
    Site,
    by_name,
    make_ctx,
    one,
)

pytestmark = [pytest.mark.slow, pytest.mark.timing]  # run alone, first (Makefile)

SERVER_DELAY_MS = 100
LATENCY_MS = throttling.MOBILE.request_latency_ms  # 562.5
# A fixed amount of work (not a wall-clock loop, which CPU throttling cannot stretch),
# started after the load event so that it falls in the blocking-time window.
HEAVY = """<!doctype html><html lang=vi><head><title>Nặng</title></head><body>
<h1>Cổng dịch vụ công</h1><p>Thủ tục hành chính</p>
<script>
  addEventListener('load', function () { setTimeout(function () {
    var n = 0; for (var i = 0; i < 2e7; i++) { n = (n + i * 7) % 1000003; }
    document.title = 'xong ' + n;
  }, 100); });
</script></body></html>"""


@pytest.fixture(scope="module")
def runner() -> Iterator[BrowserRunner]:
    browser_runner = BrowserRunner()
    yield browser_runner
    browser_runner.stop()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    heavy = Site({"/": Reply(HEAVY, delay_ms=SERVER_DELAY_MS)})
    yield heavy
    heavy.stop()


@pytest.fixture(scope="module")
def measured(runner: BrowserRunner, site: Site, tmp_path_factory: pytest.TempPathFactory,
             ) -> dict[str, list[Observation]]:
    """The check (three runs) unthrottled and under the mobile profile."""
    home, root = site.url("/"), tmp_path_factory.mktemp("throttling")
    return {name: runner.run(perf.run(make_ctx(runner.browser, home, [home], root / name,
                                               perf_pages=1, perf_runs=3, throttling=name,
                                               allow_private=True)))
            for name in ("none", "mobile")}


def _medians(found: list[Observation]) -> dict[str, float]:
    assert all(o.outcome == "ok" for o in found), found
    return {o.name: o.value for o in found if o.stat == "median"}


def test_mobile_profile_throttles_network_and_cpu(
        measured: dict[str, list[Observation]]) -> None:
    plain, mobile = _medians(measured["none"]), _medians(measured["mobile"])
    # Chromium holds each response until `latency` after its request was sent (a floor,
    # not an addition to the server's time)
    assert SERVER_DELAY_MS <= plain["ttfb"] < LATENCY_MS, plain
    assert mobile["ttfb"] >= LATENCY_MS, mobile
    assert all("emulated latency" in o.detail for o in by_name(measured["mobile"], "ttfb", "run"))
    # the same work (one long task: TBT + 50 ms) takes about four times as long; Chromium's
    # throttle is a duty cycle, so a CPU shared with many other processes shows less of it
    assert mobile["tbt"] + 50 >= 2 * (plain["tbt"] + 50), (mobile["tbt"], plain["tbt"])


def test_conditions_are_recorded_in_each_timed_detail(
        measured: dict[str, list[Observation]]) -> None:
    found = measured["mobile"]
    assert all(o.detail.endswith(throttling.describe(None)) for o in measured["none"]
               if o.name in perf.METRICS)
    timed = [o for o in found if o.name in perf.METRICS]
    assert len(timed) == 4 * len(perf.METRICS)  # three runs and the median
    conditions = throttling.describe(throttling.MOBILE)
    assert all(o.detail.endswith(conditions) for o in timed), timed
    assert "1 of 1 sampled pages" in one(found, "availability.ok_ratio").detail
