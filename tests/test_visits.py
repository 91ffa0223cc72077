"""checks._visits: one browser visit of each sampled page, shared by security, EMC and the HAR."""

from __future__ import annotations

import asyncio
import collections
import http.server
import json
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from checks import _visits as visits
from checks import access, emc, layout, performance, security
from checks._sampling import error_outcome
from probe.audit.har import load_har
from probe.evidence import EvidenceStore
from tests.fixtures.checks_psae.farm_kit import FarmKit, values
from tests.fixtures.checks_psae.harness import make_ctx

BINH_MINH = "tinh-binh-minh"


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FarmKit]:
    farm_kit = FarmKit(Path(tmp_path_factory.mktemp("farm")))
    yield farm_kit
    farm_kit.stop()


def _page_requests(kit: FarmKit, agency_id: str, since: int) -> collections.Counter[str]:
    """Requests for pages (static assets left out) the farm portal answered since `since`."""
    log = kit.farm.request_log(agency_id)[since:]
    return collections.Counter(path.split("?")[0] for _, path in log
                               if not path.startswith("/static") and path != "/favicon.ico")


@pytest.mark.slow
def test_security_emc_and_the_har_open_each_sampled_page_once(kit: FarmKit) -> None:
    """As a sweep step runs them: the visits job first, the two readers in other lanes. Before
    the shared visits, each sampled page was asked for three times (security's browser, EMC's
    raw fetch, the HAR's browser)."""
    ctx = kit.ctx(BINH_MINH)
    sampled = visits.read_urls(ctx)
    before = len(kit.farm.request_log(BINH_MINH))

    async def step() -> tuple[Any, ...]:
        visits.prime(ctx.shared)
        return tuple(await asyncio.gather(visits.fulfil(ctx, True, True, 120),
                                          security.run(ctx), emc.run(ctx)))

    har, security_found, emc_found = kit.runner.run(step(), timeout=300)
    asked = _page_requests(kit, BINH_MINH, before)
    assert len(sampled) == 3
    for url in sampled[1:]:
        assert asked[urlsplit(url).path] == 1, (url, asked)
    # the visit; security's HTTP chain of the home page; the plain-HTTP entry, whose hop to
    # the home page that chain has answered already
    assert asked["/"] == 3, asked
    assert values(emc_found)["emc.tracking_request"] is True
    assert values(emc_found)["emc.snippet_pages"] == 1.0
    seen = values(security_found)
    assert seen["mixed_content.count"] == 0 and seen["injected.count"] == 0
    assert all(o.outcome == "ok" for o in [*security_found, *emc_found])
    # the observations made from the visits name their recording as evidence
    read = [o for o in security_found if o.name in ("mixed_content.count", "injected.count")]
    assert [har in o.artifacts for o in [*read, *emc_found]] == [True] * 7
    recorded = load_har((ctx.evidence.root / har).read_bytes())
    assert set(sampled) <= set(recorded["log"]["_dvcProbePages"])
    entries = {e["request"]["url"] for e in recorded["log"]["entries"]}
    assert set(sampled) <= entries


@pytest.mark.slow
def test_a_visit_keeps_the_document_as_the_server_sent_it(kit: FarmKit) -> None:
    """The single-page app's shell, as an HTTP client reads it, and the DOM it renders."""
    ctx = kit.ctx("tinh-lam-giang")
    home = visits.read_urls(ctx)[0]
    found = kit.runner.run(visits.gather(ctx), timeout=120)
    sent = httpx.get(home, verify=ssl.create_default_context(cafile=kit.farm.ca_file)).text
    visit = found.visits[home]
    assert visit.raw_html == sent
    assert visit.html != sent and len(visit.html) > len(sent)
    assert visit.answered and visit.text.strip()


def _waiting_ctx() -> Any:
    return SimpleNamespace(shared={}, agency=SimpleNamespace(portal_url="https://a.gov.vn/"))


def test_a_visits_job_with_no_time_left_fails_its_readers() -> None:
    async def scenario() -> tuple[str | None, BaseException | None]:
        ctx = _waiting_ctx()
        visits.prime(ctx.shared)
        reader = asyncio.ensure_future(visits.page_visits(ctx))
        har = await visits.fulfil(ctx, True, True, 0)
        try:
            await reader
        except visits.BudgetSpent as error:
            return har, error
        return har, None

    har, error = asyncio.run(scenario())
    assert har is None and error is not None and "budget" in str(error)
    assert error_outcome(error) == "probe_error"  # the probe's limit, never the portal's fault


def test_a_reader_that_gives_up_leaves_the_visits_to_the_others() -> None:
    """A family's own time limit cancels its wait, never the step's promise."""
    async def scenario() -> dict[str, visits.PageVisit]:
        ctx = _waiting_ctx()
        visits.prime(ctx.shared)
        impatient = asyncio.ensure_future(visits.page_visits(ctx))
        patient = asyncio.ensure_future(visits.page_visits(ctx))
        await asyncio.sleep(0)
        impatient.cancel()
        await asyncio.sleep(0)
        page = visits.PageVisit(url="https://a.gov.vn/")
        ctx.shared[visits._PROMISE].set_result(visits.Gathered({page.url: page}))
        return (await patient).visits

    assert list(asyncio.run(scenario())) == ["https://a.gov.vn/"]


@pytest.mark.slow
def test_availability_reads_the_pages_the_visits_opened(kit: FarmKit) -> None:
    """The performance family's untimed part asks again only for what the visits missed."""
    ctx = kit.ctx(BINH_MINH)
    before = len(kit.farm.request_log(BINH_MINH))

    async def step() -> dict[str, Any]:
        visits.prime(ctx.shared)
        _, prepared = await asyncio.gather(visits.fulfil(ctx, False, True, 120),
                                           performance.prepare(ctx))
        return prepared[performance.PREPARED]

    statuses = kit.runner.run(step(), timeout=300)
    asked = _page_requests(kit, BINH_MINH, before)
    untimed = visits.read_urls(ctx)[1:]  # one page is timed (perf_pages 1)
    assert list(statuses) == untimed
    assert all(status == (200, "HTTP 200") for status in statuses.values())
    for url in untimed:
        assert asked[urlsplit(url).path] == 1, (url, asked)


def test_a_body_that_never_finishes_does_not_hold_the_visit(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """Playwright reads a body only once its request has finished; a document whose parsing
    a guard stopped may never finish (seen on the looping fault portal, 1 run in 3)."""
    monkeypatch.setattr(visits, "READ_WAIT_S", 0.2)
    page = SimpleNamespace(on=lambda *_: None)

    async def scenario() -> visits.PageVisit:
        log = visits._PageLog(page, "a.gov.vn")  # type: ignore[arg-type]
        visit = visits.PageVisit(url="https://a.gov.vn/")
        log.start(visit)
        cookies = asyncio.get_running_loop().create_future()
        cookies.set_result(["sid=1; Secure; HttpOnly"])
        log._cookies.append(cookies)
        log._raw = asyncio.get_running_loop().create_future()  # never set
        await asyncio.wait_for(log.finish(), 5)
        return visit

    visit = asyncio.run(scenario())
    assert visit.raw_html is None
    assert visit.set_cookies == ["sid=1; Secure; HttpOnly"]


LOOPING_PAGE = (b"<!doctype html><html lang='vi'><title>Trang chu</title><p>Vong lap.</p><script>"
                b"addEventListener('DOMContentLoaded', () => setTimeout(() => { for (;;) {} }, 0))"
                b"</script></html>")


@pytest.fixture()
def looping_site() -> Iterator[str]:
    """A page whose script loops for ever as soon as its document has been parsed."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(LOOPING_PAGE)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.mark.slow
def test_a_page_that_never_lets_itself_be_read_ends_its_visit(kit: FarmKit, looping_site: str,
                                                              tmp_path: Path) -> None:
    """With no guard to stop its loop in time, the page never answers a read of its DOM: the
    visit gives up once a page load's time has passed, and says why."""
    ctx = make_ctx(kit.runner.browser, looping_site, [looping_site], tmp_path,
                   allow_private=True, script_watchdog_s=600.0, page_timeout_ms=3000)
    clock = time.monotonic()
    visit = kit.runner.run(visits.gather(ctx), timeout=60).visits[looping_site]
    assert time.monotonic() - clock < 30
    assert visit.outcome == "portal_error" and "timed out" in visit.error


def _readings(found: list[Any]) -> list[tuple[str, str | None, Any, str]]:
    return [(o.name, o.page, o.value, o.outcome) for o in found]


# Not read from a page: robots.txt and sitemap.xml (read over HTTP), the site map's depths.
OVER_HTTP = {"robots.allows", "sitemap_xml"}
FROM_ELSEWHERE = {*OVER_HTTP, "nav.max_service_depth"}


@pytest.mark.slow
def test_access_and_layout_read_the_pages_the_visits_recorded(kit: FarmKit,
                                                              tmp_path: Path) -> None:
    """In a sweep step, the families that only read pages are served what the visits
    fetched: no sampled page is asked for again, a page the recording lacks is asked for
    as before, the readings are those of a live run, and they name the HAR as evidence. The
    recording is deleted with the step."""
    async def live_run() -> list[list[Any]]:
        return list(await asyncio.gather(access.run(kit.ctx(BINH_MINH)),
                                         layout.run(kit.ctx(BINH_MINH))))

    live = kit.runner.run(live_run(), timeout=300)
    visiting = kit.ctx(BINH_MINH, sample_pages=1, perf_pages=1)  # records the home page
    visiting.evidence = EvidenceStore(tmp_path / "evidence", "run")
    reading = kit.ctx(BINH_MINH)  # access samples 3
    reading.evidence, reading.shared = visiting.evidence, visiting.shared
    before = len(kit.farm.request_log(BINH_MINH))

    async def step() -> tuple[Any, ...]:
        visits.prime(visiting.shared)
        found = await asyncio.gather(visits.fulfil(visiting, True, False, 120),
                                     access.run(reading), layout.run(reading))
        recorded = await visits.recording(reading)
        visits.release(visiting.shared)
        return (*found, recorded)

    har, access_found, layout_found, recorded = kit.runner.run(step(), timeout=300)
    asked = _page_requests(kit, BINH_MINH, before)
    held = {e["request"]["url"] for e in
            load_har((visiting.evidence.root / har).read_bytes())["log"]["entries"]}
    sampled = visits.read_urls(reading)  # access samples these
    assert len(sampled) == 3
    lacking = [url for url in sampled if url not in held]
    assert len(lacking) == 1, (sampled, held)
    for url in sampled:  # the visits' load, or the two passes' own of the page they lacked
        assert asked[urlsplit(url).path] == (1 if url in held else 2), (url, asked)
    assert asked["/robots.txt"] == 1 and asked["/sitemap.xml"] == 1  # the visits'
    assert _readings(access_found) == _readings(live[0])
    assert _readings(layout_found) == _readings(live[1])
    from_pages = [o for o in [*access_found, *layout_found] if o.name not in FROM_ELSEWHERE]
    served = [o for o in from_pages if o.page not in lacking]
    assert served and all(har in o.artifacts for o in served)
    assert not [o for o in from_pages if o.page in lacking and har in o.artifacts]
    # robots.txt and sitemap.xml were answered from it too (asked for once, above)
    over_http = [o for o in access_found if o.name in OVER_HTTP]
    assert len(over_http) == 2 and all(har in o.artifacts for o in over_http)
    assert not [o for o in live[0] if o.name in OVER_HTTP and o.artifacts]
    assert recorded is not None and not recorded.path.exists()


def test_the_recording_keeps_only_whole_answers(tmp_path: Path) -> None:
    """Playwright stalls a page request answered from an entry recorded with status -1, so
    cancelled, failed and unfinished answers go to the network instead."""
    def entry(url: str, **response: Any) -> dict[str, Any]:
        return {"request": {"method": "GET", "url": url}, "response": response}

    har = {"log": {"version": "1.2", "entries": [
        entry("https://a.gov.vn/", status=200, content={"size": 5, "text": "hello"}),
        entry("https://a.gov.vn/moved", status=302, content={"size": 0}),
        entry("https://a.gov.vn/cancelled", status=-1, content={"size": -1}),
        entry("https://a.gov.vn/failed", status=200, _failureText="net::ERR_ABORTED",
              content={"size": 0}),
        entry("https://a.gov.vn/endless", status=200, content={"size": 4096}),
    ]}}
    path = tmp_path / "pages.har"
    urls = visits._write_answered(har, path)
    kept = json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]
    assert [e["request"]["url"] for e in kept] == ["https://a.gov.vn/", "https://a.gov.vn/moved"]
    assert urls == {"https://a.gov.vn/", "https://a.gov.vn/moved"}
    assert len(har["log"]["entries"]) == 5  # the stored HAR keeps every entry


@pytest.mark.parametrize("kind", ["image", "XMLHttpRequest endpoint", "EventSource endpoint",
                                  "Worker script", "Text Track"])
def test_mixed_content_is_read_from_chromium_s_console_whatever_the_request_type(
        kind: str) -> None:
    """A blocked insecure request fires no request event: Chromium's console message is its
    only trace, and Blink names some request types in two words."""
    from checks._visits import _MIXED_CONSOLE

    message = (f"Mixed Content: The page at 'https://a.gov.vn/' was loaded over HTTPS, but "
               f"requested an insecure {kind} 'http://api.example.com/x?y=1'. This request has "
               "been blocked; the content must be served over HTTPS.")
    found = _MIXED_CONSOLE.search(message)
    assert found is not None and found.group(1) == "http://api.example.com/x?y=1"
