"""probe.throttling: the mobile profile is Lighthouse 12.8.2's, and choosing it is checked.

Expected values are copied from Lighthouse 12.8.2's source (npm lighthouse@12.8.2):
- core/config/constants.js: `throttling` is `Lantern.Simulation.Constants.throttling`, i.e.
  @paulirish/trace_engine 0.0.59 models/trace/lantern/simulation/Constants.js:
  DEVTOOLS_RTT_ADJUSTMENT_FACTOR = 3.75; DEVTOOLS_THROUGHPUT_ADJUSTMENT_FACTOR = 0.9;
  mobileSlow4G = {rttMs: 150, throughputKbps: 1.6 * 1024,
                  requestLatencyMs: 150 * 3.75, downloadThroughputKbps: 1.6 * 1024 * 0.9,
                  uploadThroughputKbps: 750 * 0.9, cpuSlowdownMultiplier: 4}
- core/config/constants.js: MOTOGPOWER_EMULATION_METRICS = {mobile: true, width: 412,
  height: 823, deviceScaleFactor: 1.75}; MOTOG4_USERAGENT = 'Mozilla/5.0 (Linux; Android 11;
  moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Mobile
  Safari/537.36'
- core/lib/emulation.js enableNetworkThrottling: throughput sent as
  Math.floor(Kbps * 1024 / 8) bytes/s, latency = requestLatencyMs.
"""

from __future__ import annotations

import asyncio

import pytest

from checks import performance as perf
from probe import throttling
from probe.commands import settings_for
from probe.errors import UserError
from probe.models import Observation


def test_mobile_profile_is_lighthouse_mobile_slow_4g() -> None:
    mobile = throttling.profile("mobile")
    assert mobile is not None
    assert mobile.rtt_ms == 150 and mobile.throughput_kbps == 1.6 * 1024
    assert mobile.request_latency_ms == 562.5
    assert mobile.download_kbps == pytest.approx(1474.56)
    assert mobile.upload_throughput_kbps == 675
    assert mobile.cpu_slowdown == 4
    assert mobile.network_conditions() == {"offline": False, "latency": 562.5,
                                           "downloadThroughput": 188743,
                                           "uploadThroughput": 86400}


def test_mobile_profile_emulates_the_moto_g_power() -> None:
    mobile = throttling.profile("mobile")
    options = throttling.context_options(mobile, "dvc-probe/0.1")
    assert options["viewport"] == {"width": 412, "height": 823}
    assert options["device_scale_factor"] == 1.75
    assert options["is_mobile"] is True and options["has_touch"] is True
    assert options["user_agent"] == (
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36 dvc-probe/0.1")


def test_none_is_the_default_and_changes_nothing() -> None:
    assert throttling.profile("none") is None
    assert throttling.context_options(None, "ua") == {}
    assert "none" in throttling.describe(None)
    with pytest.raises(ValueError, match="unknown throttling profile"):
        throttling.profile("3g")


def test_describe_names_the_conditions() -> None:
    text = throttling.describe(throttling.MOBILE)
    assert text == ("throttling mobile (Lighthouse 12.8.2 devtools: latency 562.5 ms, "
                    "1474.56/675 Kbps, CPU 4x, 412x823@1.75)")


def test_held_ms_is_the_emulated_hold_of_the_headers() -> None:
    nav = {"requestStart": 10.0, "responseStart": 60.0}  # 50 ms server wait
    released = {"requestStart": 2.0, "responseStart": 566.0}  # headers out at 564 ms
    assert throttling.held_ms(nav, released) == pytest.approx(514)
    assert throttling.held_ms(nav, None) == 0
    assert throttling.held_ms(nav, {"requestStart": -1, "responseStart": -1}) == 0
    value, detail = perf.ttfb({"startTime": 0, **nav}, 514)
    assert value == pytest.approx(574) and "emulated latency 514" in detail


def test_conditions_end_every_timed_detail() -> None:
    long = Observation("performance", "fcp", 100.0, "ms", detail="x" * 300)
    other = Observation("performance", "availability.ok_ratio", 1.0, "ratio", detail="ok")
    conditions = throttling.describe(throttling.MOBILE)
    marked, kept = perf.with_conditions([long, other], conditions)
    assert marked.detail.endswith("; " + conditions) and len(marked.detail) <= 240
    assert kept.detail == "ok"


def test_settings_choose_a_known_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROBE_THROTTLING", raising=False)
    assert settings_for(None, True).throttling == "none"
    assert settings_for(None, True, throttling="mobile").throttling == "mobile"
    with pytest.raises(UserError, match="throttling"):
        settings_for(None, True, throttling="slow")
    monkeypatch.setenv("PROBE_THROTTLING", "mobile")  # how `probe sweep` is told
    assert settings_for(None, True).throttling == "mobile"
    assert settings_for(None, True, throttling="none").throttling == "none"


class FakeSession:
    """Records what would be sent over a CDP session."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []

    async def send(self, method: str, params: dict[str, object]) -> dict[str, object]:
        self.sent.append((method, params))
        return {}


def test_apply_sends_lighthouses_commands_and_release_lifts_them() -> None:
    session = FakeSession()
    asyncio.run(throttling.apply(session, throttling.MOBILE))  # type: ignore[arg-type]
    assert session.sent == [("Network.emulateNetworkConditions",
                             throttling.MOBILE.network_conditions()),
                            ("Emulation.setCPUThrottlingRate", {"rate": 4})]
    asyncio.run(throttling.release(session, throttling.MOBILE))  # type: ignore[arg-type]
    assert session.sent[-1] == ("Emulation.setCPUThrottlingRate", {"rate": 1})
    assert session.sent[-2][1]["latency"] == 0
    nothing = FakeSession()
    asyncio.run(throttling.apply(nothing, None))  # type: ignore[arg-type]
    assert nothing.sent == []
