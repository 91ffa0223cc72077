"""checks.performance: the pure metric computations, then a few quick timed loads over
loopback (TTFB fidelity, timed loads never overlapping, TBT and Speed Index, failures)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from checks import performance as perf
from tests.fixtures.checks_psae.harness import (
    BrowserRunner,
    Reply,
    Site,
    by_name,
    make_ctx,
    one,
)

pytestmark = pytest.mark.timing  # run alone, before the rest (Makefile)

# --------------------------------------------------------------------------------------
# Pure computations
# --------------------------------------------------------------------------------------


def test_ttfb_counts_from_navigation_start() -> None:
    nav = {"startTime": 0, "redirectStart": 0, "redirectEnd": 0, "domainLookupStart": 2,
           "domainLookupEnd": 12, "connectStart": 12, "secureConnectionStart": 20,
           "connectEnd": 40, "requestStart": 41, "responseStart": 341}
    value, detail = perf.ttfb(nav)
    assert value == 341
    assert "dns 10" in detail and "connect 8" in detail and "tls 20" in detail
    assert "server wait 300" in detail


def test_total_blocking_time_clips_to_the_window() -> None:
    tasks = [(10, 200),    # ends before FCP at 300: ignored
             (250, 150),   # 100 ms after FCP: 50 blocking
             (500, 120),   # 70 blocking
             (900, 300)]   # clipped at the end (1000): 100 ms -> 50 blocking
    assert perf.total_blocking_time(tasks, fcp=300, end=1000) == pytest.approx(170)
    assert perf.total_blocking_time([], 100, 1000) == 0


def test_cls_takes_the_worst_session_window() -> None:
    shifts = [(100, 0.05, False), (600, 0.05, False),    # window 1: 0.10
              (3000, 0.02, False), (3500, 0.3, True),    # input-driven shift ignored
              (5000, 0.08, False), (5500, 0.04, False)]  # window 3: 0.12
    assert perf.cumulative_layout_shift(shifts) == pytest.approx(0.12)
    assert perf.cumulative_layout_shift([]) == 0


def _hist(dark_pixels: int) -> list[list[int]]:
    """A histogram with `dark_pixels` black pixels (white ones are not counted)."""
    return [[dark_pixels] + [0] * 255 for _ in range(3)]


def test_speed_index_integrates_visual_progress() -> None:
    frames = [(100.0, _hist(0)), (400.0, _hist(50)), (1000.0, _hist(100))]
    # blank until 400 ms, half complete until 1000 ms: 400 + 600 * 0.5
    assert perf.speed_index(frames) == pytest.approx(700)
    # anchored on the browser's first paint (screencast clock 30 ms late)
    assert perf.speed_index(frames, first_paint=370.0) == pytest.approx(670)
    assert perf.speed_index([(100.0, _hist(0))]) is None
    assert perf.visual_progress(_hist(30), _hist(0), _hist(100)) == pytest.approx(0.3)


def test_median_detail() -> None:
    assert perf.median_detail([120.0, 150.4, 130.0], "ms", 3) == \
        "median of 3 runs (min 120, max 150 ms)"
    assert "1 run(s) without a value" in perf.median_detail([0.1, 0.2], "count", 3)


# --------------------------------------------------------------------------------------
# Timed loads
# --------------------------------------------------------------------------------------

DELAY_MS = 300
LATE_PAINT = """<!doctype html><html lang=vi><head><title>Chậm</title></head><body>
<p>Cổng dịch vụ công</p><div id=late></div>
<script>
  setTimeout(function () {
    var start = performance.now(); while (performance.now() - start < 300) {}
    document.getElementById('late').innerHTML =
        '<p style="font-size:64px;background:#123456;color:#fff;height:700px">' +
        'Thủ tục hành chính, dịch vụ công trực tuyến, tra cứu hồ sơ</p>';
  }, 500);
</script></body></html>"""
SIMPLE = ("<!doctype html><html lang=vi><head><title>Trang chủ</title></head>"
          "<body><h1>Cổng dịch vụ công</h1><p>Nội dung</p></body></html>")


class Recorder:
    """Records when each delayed document request was being served."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []
        self.lock = threading.Lock()

    def route(self, _site: Site, _path: str) -> Reply:
        start = time.monotonic()
        time.sleep(DELAY_MS / 1000)
        with self.lock:
            self.spans.append((start, time.monotonic()))
        return Reply(SIMPLE)


@pytest.fixture(scope="module")
def runner() -> Iterator[BrowserRunner]:
    browser_runner = BrowserRunner()
    yield browser_runner
    browser_runner.stop()


def test_ttfb_fidelity_and_timed_loads_never_overlap(runner: BrowserRunner,
                                                       tmp_path: Path) -> None:
    recorder = Recorder()
    sites = [Site({"/": recorder.route, "/b": Reply(SIMPLE)}) for _ in range(2)]
    perf._WARMED.discard(runner.browser)  # as fresh as a pool's new browser
    try:
        contexts = [make_ctx(runner.browser, s.url("/"), [s.url("/"), s.url("/b")],
                             tmp_path / str(i), perf_pages=1, perf_runs=3)
                    for i, s in enumerate(sites)]

        async def both() -> list[list]:
            return list(await asyncio.gather(*(perf.run(c) for c in contexts)))

        results = runner.run(both())
    finally:
        for site in sites:
            site.stop()
    spans = sorted(recorder.spans)
    assert len(spans) == 7  # one warm-up load for the browser, then 3 timed runs per portal
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))
    for site, found in zip(sites, results, strict=True):
        home = site.url("/")
        ttfb = one([o for o in found if o.stat == "median"], "ttfb", home)
        assert DELAY_MS <= ttfb.value < DELAY_MS + 100, ttfb
        assert "min" in ttfb.detail and "max" in ttfb.detail
        assert len(by_name(found, "ttfb", "run")) == 3
        medians = {o.name: o.value for o in found if o.stat == "median"}
        assert medians["fcp"] >= medians["ttfb"] and medians["lcp"] >= medians["fcp"]
        assert medians["cls"] == 0
        availability = one(found, "availability.ok_ratio")
        assert availability.value == 1.0 and "2 of 2" in availability.detail
        assert all(o.outcome == "ok" for o in found), [o for o in found if o.outcome != "ok"]


def test_blocking_time_and_speed_index(runner: BrowserRunner, tmp_path: Path) -> None:
    site = Site({"/": Reply(LATE_PAINT)})
    try:
        ctx = make_ctx(runner.browser, site.url("/"), [site.url("/")], tmp_path, perf_pages=1)
        found = runner.run(perf.run(ctx))
    finally:
        site.stop()
    medians = {o.name: o for o in found if o.stat == "median"}
    # one 300 ms task after FCP: 250 ms blocking (a busy 2-core machine may add a little)
    assert 230 <= medians["tbt"].value <= 400, medians["tbt"]
    # the big block appears about 800 ms in: the page is mostly incomplete until then
    fcp, speed = medians["fcp"].value, medians["speed_index"].value
    assert speed >= fcp + 400 and speed <= fcp + 1500, (fcp, medians["speed_index"])
    assert medians["lcp"].value >= fcp + 500


def test_failing_pages_are_portal_errors(runner: BrowserRunner, tmp_path: Path) -> None:
    site = Site({"/": Reply(SIMPLE), "/down": Reply("oops", status=503)})
    try:
        ctx = make_ctx(runner.browser, site.url("/"), [site.url("/"), site.url("/down")],
                       tmp_path, perf_pages=2)
        found = runner.run(perf.run(ctx))
    finally:
        site.stop()
    down = [o for o in found if o.page == site.url("/down")]
    assert down and {o.outcome for o in down} == {"portal_error"}
    assert all(o.value is None and "HTTP 503" in o.detail for o in down)
    availability = one(found, "availability.ok_ratio")
    assert availability.value == 0.5 and "HTTP 503" in availability.detail


def test_unreachable_portal_stops_after_one_try(runner: BrowserRunner, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    ctx = make_ctx(runner.browser, url, [url, url + "b"], tmp_path, perf_pages=2)
    found = runner.run(perf.run(ctx))
    assert {o.outcome for o in found} == {"portal_error"}
    assert len(by_name(found, "fcp", "run")) == 1  # no point in timing a dead portal thrice
    assert one(found, "availability.ok_ratio").value is None
    assert "ERR_CONNECTION_REFUSED" in one(found, "fcp", url + "b").detail


def _scripted_runs(monkeypatch: pytest.MonkeyPatch, outcomes: list[str]) -> list[str]:
    """timed_run answers runs with `outcomes` in turn; returns the URLs it was asked for."""
    asked: list[str] = []
    queue = list(outcomes)

    async def fake(_ctx: object, url: str) -> perf.Run:
        asked.append(url)
        outcome = queue.pop(0)
        return perf.Run(url=url, outcome=outcome,  # type: ignore[arg-type]
                        metrics={"fcp": float(len(asked))}, reachable=outcome == "ok")

    monkeypatch.setattr(perf, "timed_run", fake)
    return asked


def test_a_warm_up_load_comes_first_and_is_not_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _scripted_runs(monkeypatch, ["ok"] * 4)
    runs = asyncio.run(perf._page_runs(None, "https://a/", 3, warm_up=True))  # type: ignore[arg-type]
    assert len(asked) == 4 and [r.metrics["fcp"] for r in runs] == [2.0, 3.0, 4.0]


class _Browser:
    """Stands for a browser: only its identity matters to the warm-up bookkeeping."""


def test_each_browser_is_warmed_up_once() -> None:
    first, second = _Browser(), _Browser()
    portal = lambda browser: SimpleNamespace(browser=browser)  # noqa: E731
    asked = [perf._warm_up_first(portal(b)) for b in (first, first, second, first)]  # type: ignore[arg-type]
    assert asked == [True, False, True, False]


def test_a_failed_warm_up_counts_as_the_first_run(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _scripted_runs(monkeypatch, ["portal_error"])
    runs = asyncio.run(perf._page_runs(None, "https://a/", 3, warm_up=True))  # type: ignore[arg-type]
    assert len(asked) == 1 and [r.outcome for r in runs] == ["portal_error"]


def test_untimed_fetches_overlap_two_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    in_flight, most = 0, 0

    async def status(_ctx: object, url: str) -> tuple[int | None, str]:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        return (503, "HTTP 503") if url.endswith("/down") else (200, "HTTP 200")

    monkeypatch.setattr(perf, "_status", status)
    urls = [f"https://portal.example/{p}" for p in ("a", "b", "down", "c", "d")]
    found = asyncio.run(perf._statuses(SimpleNamespace(), urls))
    assert list(found) == urls and found[urls[2]] == (503, "HTTP 503")
    assert most == perf.PORTAL_LANES == 2


def test_availability_uses_the_fetches_prepare_made_beside_the_untimed_checks(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from probe.context import PortalContext, ProbeSettings
    from probe.evidence import EvidenceStore
    from probe.models import Agency, PageInfo, SiteMap

    fetched: list[str] = []

    async def status(_ctx: object, url: str) -> tuple[int | None, str]:
        fetched.append(url)
        return (503, "HTTP 503") if url.endswith("/down") else (200, "HTTP 200")

    monkeypatch.setattr(perf, "_status", status)
    home = "https://portal.example/"
    pages = [PageInfo(url=home, type="home"),
             *(PageInfo(url=f"{home}{name}", type=kind, depth=1, template=f"/{name}")
               for name, kind in (("thu-tuc", "catalogue"), ("down", "faq"),
                                  ("tra-cuu", "lookup")))]
    ctx = PortalContext(agency=Agency(id="a", name="A", block="province", portal_url=home),
                        sitemap=SiteMap(portal=home, pages=pages), browser=None,  # type: ignore[arg-type]
                        evidence=EvidenceStore(tmp_path, "r"),
                        settings=ProbeSettings(perf_pages=1, sample_pages=4))
    timed = {home: [perf.Run(url=home, status=200) for _ in range(3)]}

    ctx.prepared.update(asyncio.run(perf.prepare(ctx)))
    assert sorted(fetched) == sorted(p.url for p in pages[1:])  # the timed home page is not
    prepared = asyncio.run(perf.availability(ctx, timed))
    assert len(fetched) == 3  # nothing fetched again in the timed step
    ctx.prepared.clear()
    alone = asyncio.run(perf.availability(ctx, timed))
    assert len(fetched) == 6  # without prepare, the timed step fetches them itself
    assert prepared.value == alone.value == 0.75 and prepared.detail == alone.detail
    assert "down (HTTP 503)" in prepared.detail
