"""Throttling profiles for timed page loads, applied through the DevTools protocol.

- "none" (the default): the probe's own network and CPU at Playwright's default 1280x720
  viewport, what a citizen on the probe's network would see.
- "mobile": Lighthouse 12.8.2's default mobile settings applied the way its "devtools"
  throttling method applies them (Lighthouse's default method, "simulate", measures
  unthrottled and estimates instead). The numbers are Lighthouse's own:
  `lighthouse/core/config/constants.js` takes `throttling.mobileSlow4G` from
  `@paulirish/trace_engine/models/trace/lantern/simulation/Constants.js` (RTT 150 ms,
  1.6 Mbps down, 750 Kbps up, CPU 4x; with devtools throttling the RTT is multiplied by
  DEVTOOLS_RTT_ADJUSTMENT_FACTOR 3.75 and throughputs by DEVTOOLS_THROUGHPUT_ADJUSTMENT_FACTOR
  0.9), its screen `MOTOGPOWER_EMULATION_METRICS` (412x823, DPR 1.75, mobile) and
  `MOTOG4_USERAGENT`. `core/lib/emulation.js` sends them as `Network.emulateNetworkConditions`
  (throughput in bytes/s: floor(Kbps * 1024 / 8)) and `Emulation.setCPUThrottlingRate`.

Chromium applies the request latency as a floor, not as an addition: a response's headers
reach the page at max(server answer, request sent + 562.5 ms). The navigation entry's
`responseStart` is taken before that hold; `held_ms` gives the hold, so TTFB under a profile
is what the page received.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from playwright.async_api import CDPSession

LIGHTHOUSE_VERSION = "12.8.2"
DEVTOOLS_RTT_ADJUSTMENT_FACTOR = 3.75
DEVTOOLS_THROUGHPUT_ADJUSTMENT_FACTOR = 0.9
MOTO_G_POWER_UA = ("Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
                   "(KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36")
NAMES = ("none", "mobile")


@dataclass(frozen=True)
class Throttling:
    """A network, CPU and screen profile (the base values as Lighthouse states them)."""

    name: str
    rtt_ms: float
    throughput_kbps: float
    upload_kbps: float
    cpu_slowdown: float
    width: int
    height: int
    device_scale_factor: float
    user_agent: str

    @property
    def request_latency_ms(self) -> float:
        """The per-request latency devtools throttling sets (Lighthouse's requestLatencyMs)."""
        return self.rtt_ms * DEVTOOLS_RTT_ADJUSTMENT_FACTOR

    @property
    def download_kbps(self) -> float:
        """Lighthouse's downloadThroughputKbps."""
        return self.throughput_kbps * DEVTOOLS_THROUGHPUT_ADJUSTMENT_FACTOR

    @property
    def upload_throughput_kbps(self) -> float:
        """Lighthouse's uploadThroughputKbps."""
        return self.upload_kbps * DEVTOOLS_THROUGHPUT_ADJUSTMENT_FACTOR

    def network_conditions(self) -> dict[str, Any]:
        """The `Network.emulateNetworkConditions` parameters, as Lighthouse sends them."""
        return {"offline": False, "latency": self.request_latency_ms,
                "downloadThroughput": math.floor(self.download_kbps * 1024 / 8),
                "uploadThroughput": math.floor(self.upload_throughput_kbps * 1024 / 8)}


MOBILE = Throttling(name="mobile", rtt_ms=150, throughput_kbps=1.6 * 1024, upload_kbps=750,
                    cpu_slowdown=4, width=412, height=823, device_scale_factor=1.75,
                    user_agent=MOTO_G_POWER_UA)
PROFILES: dict[str, Throttling | None] = {"none": None, "mobile": MOBILE}


def profile(name: str) -> Throttling | None:
    """The profile called `name` (None for "none"); ValueError for an unknown name."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown throttling profile '{name}' "
                         f"(known: {', '.join(NAMES)})") from None


def context_options(chosen: Throttling | None, probe_agent: str) -> dict[str, Any]:
    """Browser-context options emulating the profile's device (none: Playwright's default).

    The probe's own user-agent token follows the device's, so portals can still tell the
    probe apart while they serve their mobile pages.
    """
    if chosen is None:
        return {}
    return {"viewport": {"width": chosen.width, "height": chosen.height},
            "device_scale_factor": chosen.device_scale_factor, "is_mobile": True,
            "has_touch": True, "user_agent": f"{chosen.user_agent} {probe_agent}"}


async def apply(session: CDPSession, chosen: Throttling | None) -> None:
    """Throttle the page's network and CPU (before it navigates); nothing for "none"."""
    if chosen is None:
        return
    await session.send("Network.emulateNetworkConditions", chosen.network_conditions())
    await session.send("Emulation.setCPUThrottlingRate", {"rate": chosen.cpu_slowdown})


async def release(session: CDPSession, chosen: Throttling | None) -> None:
    """Lift the throttling once a measurement is over (the probe's own work runs at speed)."""
    if chosen is None:
        return
    await session.send("Network.emulateNetworkConditions",
                       {"offline": False, "latency": 0, "downloadThroughput": 0,
                        "uploadThroughput": 0})
    await session.send("Emulation.setCPUThrottlingRate", {"rate": 1})


def held_ms(nav: dict[str, Any], timing: dict[str, float] | None) -> float:
    """How long network emulation held the document's headers after they arrived.

    `nav` is the navigation entry (request and response start before the hold); `timing` is
    Playwright's timing of the same request, whose responseStart is when the headers were
    released to the page (CDP receiveHeadersEnd). 0 when either is missing.
    """
    if not timing or min(timing.get("requestStart", -1), timing.get("responseStart", -1)) < 0:
        return 0.0
    released = float(timing["responseStart"]) - float(timing["requestStart"])
    arrived = float(nav.get("responseStart") or 0.0) - float(nav.get("requestStart") or 0.0)
    return max(0.0, released - arrived)


def describe(chosen: Throttling | None) -> str:
    """The measuring conditions in a few words, for observation details."""
    if chosen is None:
        return "throttling none (1280x720, unthrottled)"
    return (f"throttling {chosen.name} (Lighthouse {LIGHTHOUSE_VERSION} devtools: latency "
            f"{chosen.request_latency_ms:g} ms, {chosen.download_kbps:g}/"
            f"{chosen.upload_throughput_kbps:g} Kbps, CPU {chosen.cpu_slowdown:g}x, "
            f"{chosen.width}x{chosen.height}@{chosen.device_scale_factor:g})")
