"""The fault farm (issue 9): every hostile or broken portal gets its status, the sweep ends
within its budget, healthy portals keep their designed grades, nothing is left running, and
the probe never asks an off-scope host for anything.

Fast tests look at the fault farm's behaviour, the status mapping, sampling and the page
guard one piece at a time; one slow test sweeps the whole fault farm beside a healthy portal.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import checks
import probe.sweep as sweep_module
from probe import proctree, status
from probe.browser import pem_blocks
from probe.context import ProbeSettings
from probe.farm.faults import FAULTS, FaultFarm
from probe.farm.faults_apps import APPS, HUGE_BYTES, to_cp1258
from probe.farm.faults_net import bundle
from probe.models import Agency, PageInfo
from tests.fixtures.checks_psae.harness import BrowserRunner, make_ctx

LOOPBACK = ("127.0.0.1",)


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultFarm]:
    with FaultFarm(tmp_path_factory.mktemp("faults")) as running:
        yield running


def url_of(farm: FaultFarm, agency_id: str) -> str:
    return next(a.portal_url for a in farm.agencies if a.id == agency_id)


# --- the farm itself ---------------------------------------------------------------------

def test_one_agency_per_fault_each_with_a_taxonomy_status(faults: FaultFarm) -> None:
    assert len({f.id for f in FAULTS}) == len(FAULTS) == len(faults.agencies)
    assert set(faults.expected_status.values()) <= set(status.STATUSES)
    assert {f.app for f in FAULTS} - {"dns", "refused"} <= set(APPS)
    assert {f.tls for f in FAULTS if f.tls} == {"self_signed", "expired", "wrong_host"}
    for agency in faults.agencies:
        assert agency.name.startswith(("Tỉnh ", "Bộ ")), agency.name
        assert agency.name != unicodedata.normalize("NFD", agency.name) or agency.name.isascii()
    dns = url_of(faults, "tinh-suong-mu")
    assert ".invalid/" in dns  # never resolvable: no query needs to leave the machine
    loopback = [a.portal_url for a in faults.agencies if a.id != "tinh-suong-mu"]
    assert all(u.split("//", 1)[1].startswith("127.0.0.1:") for u in loopback)


def test_registry_round_trips(faults: FaultFarm, tmp_path: Path) -> None:
    from probe import registry

    path = faults.write_registry(tmp_path / "faults.csv")
    assert [a.id for a in registry.load(path)] == [f.id for f in FAULTS]


def test_refused_reset_and_retry_after(faults: FaultFarm) -> None:
    with pytest.raises(httpx.ConnectError, match="refused"):
        httpx.get(url_of(faults, "tinh-thach-mon"), timeout=2)
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        httpx.get(url_of(faults, "tinh-deo-ngang"), timeout=2)
    answer = httpx.get(url_of(faults, "bo-bao-tri"), timeout=2)
    assert answer.status_code == 503 and answer.headers["retry-after"] == "120"
    assert httpx.get(url_of(faults, "tinh-han-ngach"), timeout=2).status_code == 429
    waf = httpx.get(url_of(faults, "bo-thanh-tri"), timeout=2)
    assert waf.status_code == 403 and "<script>" in waf.text
    robots = httpx.get(url_of(faults, "tinh-be-quan") + "robots.txt", timeout=2)
    assert "Disallow: /" in robots.text


def test_huge_page_announces_50_mb(faults: FaultFarm) -> None:
    url = url_of(faults, "tinh-dai-khoi") + "van-ban/tong-hop.html"
    with httpx.stream("GET", url, timeout=5) as answer:
        assert int(answer.headers["content-length"]) == HUGE_BYTES
        assert "Tổng hợp văn bản".encode() in next(answer.iter_bytes())


@pytest.mark.parametrize(("agency_id", "reason"), [
    ("tinh-kim-an", "self-signed"), ("tinh-co-thanh", "expired"),
    ("tinh-lac-danh", "mismatch")])
def test_certificates_fail_verification_for_their_own_reason(faults: FaultFarm, agency_id: str,
                                                             reason: str) -> None:
    context = ssl.create_default_context(cafile=faults.ca_file)
    port = int(url_of(faults, agency_id).rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=3) as raw, \
            pytest.raises(ssl.SSLCertVerificationError) as failure:
        context.wrap_socket(raw, server_hostname="127.0.0.1")
    assert reason in str(failure.value).lower()


def test_stopping_the_farm_ends_dripping_and_hanging_answers(tmp_path: Path) -> None:
    chosen = tuple(f for f in FAULTS if f.id in ("tinh-giot-nuoc", "tinh-tri-hoan"))
    farm = FaultFarm(tmp_path, chosen)
    results: list[str] = []

    def fetch(url: str) -> None:
        try:
            httpx.get(url, timeout=httpx.Timeout(30, read=30))
        except httpx.HTTPError as error:
            results.append(type(error).__name__)

    import threading

    threads = [threading.Thread(target=fetch, args=(a.portal_url,)) for a in farm.agencies]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    clock = time.monotonic()
    farm.stop()
    for thread in threads:
        thread.join(10)
    assert time.monotonic() - clock < 5 and len(results) == 2


def test_windows_1258_keeps_every_vietnamese_letter() -> None:
    text = "Cổng dịch vụ công Tỉnh Cổ Tự: thủ tục hành chính, tra cứu hồ sơ, Đắk Lắk"
    decoded = to_cp1258(text).decode("cp1258")
    assert unicodedata.normalize("NFC", decoded) == text
    assert decoded != text  # some tone marks travel as combining characters


def test_ca_bundle_splits_into_each_certificate(faults: FaultFarm, tmp_path: Path) -> None:
    joined = bundle([faults.ca_file, faults.ca_file], tmp_path / "bundle.pem")
    blocks = pem_blocks(Path(joined).read_bytes())
    assert len(blocks) == 2 and all(b.startswith(b"-----BEGIN CERTIFICATE-----") for b in blocks)


# --- the probe's side, piece by piece ------------------------------------------------------

def test_a_page_over_the_size_cap_is_a_portal_http_error() -> None:
    message = ("Expected to receive 52428800 bytes which is larger than download max size "
               "(8388608) in request <GET http://127.0.0.1:1/van-ban/tong-hop.html>.")
    assert status.classify(message) == "http_error"
    assert status.classify("Forbidden by robots.txt") == "blocked"
    assert status.classify("max redirections reached") == "redirect_loop"


def test_sampling_skips_off_scope_redirects_and_huge_pages(tmp_path: Path) -> None:
    home = "http://127.0.0.1:8000/"
    pages = [PageInfo(url=home, type="home", depth=0, template="/"),
             PageInfo(url=home + "lien-thong", depth=1, template="/lien-thong", status=302,
                      signals=["redirect:http://127.0.0.1:9999/thu-thap"]),
             PageInfo(url=home + "dang-nhap", depth=1, template="/dang-nhap", status=302,
                      signals=["redirect:https://sso.example.test/login"]),
             PageInfo(url=home + "tong-hop", depth=1, template="/tong-hop",
                      signals=["error:http_error", "too_large"]),
             PageInfo(url=home + "lien-he", depth=1, template="/lien-he", status=200)]
    ctx = make_ctx(None, home, pages, tmp_path,  # type: ignore[arg-type]
                   national_sso_hosts=("sso.example.test",))
    from checks._sampling import sampled_pages

    urls = [p.url for p in sampled_pages(ctx, 10)]
    assert urls == [home, home + "dang-nhap", home + "lien-he"]


def _sleeping_checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seconds: float,
                     **settings: float) -> tuple[Agency, Any]:
    """Every check family sleeps `seconds` and finds nothing; an agency and its context."""
    async def sleeping(_ctx: Any) -> list[Any]:
        await asyncio.sleep(seconds)
        return []

    monkeypatch.setattr(sweep_module.checks, "load", lambda _family: sleeping)
    agency = Agency(id="x", name="Tỉnh X", block="province", portal_url="http://127.0.0.1:1/")
    return agency, make_ctx(None, agency.portal_url, [agency.portal_url], tmp_path,  # type: ignore[arg-type]
                            **settings)


def test_a_check_family_over_its_budget_is_cut_and_recorded(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    _, ctx = _sleeping_checks(monkeypatch, tmp_path, 60, check_budget_s=0.2)
    clock = time.monotonic()
    found = asyncio.run(sweep_module._run_family("layout", ctx))
    assert time.monotonic() - clock < 2
    assert found and {o.outcome for o in found} == {"probe_error"}
    assert all("budget exceeded" in o.detail for o in found)


def test_a_portal_over_its_budget_stops_opening_checks(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    agency, ctx = _sleeping_checks(monkeypatch, tmp_path, 0.4, check_budget_s=10.0,
                                   portal_budget_s=0.6)
    run = sweep_module._PortalRun(agency)

    async def three() -> list[list[Any]]:
        return [await sweep_module._family_within(run, family, ctx)
                for family in ("layout", "functions", "access")]

    clock = time.monotonic()
    layout, functions, access = asyncio.run(three())
    assert time.monotonic() - clock < 2 and 0.6 <= run.check_s < 1.5
    assert layout == []  # done within the budget
    assert functions and {o.outcome for o in functions} == {"probe_error"}
    assert all("check time budget exceeded (0." in o.detail for o in functions), functions[0]
    assert access and all("portal time budget spent (0.6 s)" in o.detail for o in access)


def test_a_context_that_never_closes_is_left_behind_in_bounded_time() -> None:
    """Playwright's HAR export can wait forever on a hung page: closing gives up."""
    from probe.browser import close_context

    class Stuck:
        async def close(self) -> None:
            await asyncio.sleep(3600)

    clock = time.monotonic()
    assert asyncio.run(close_context(Stuck(), timeout_s=0.2)) is False  # type: ignore[arg-type]
    assert time.monotonic() - clock < 2


@pytest.fixture(scope="module")
def runner(faults: FaultFarm) -> Iterator[BrowserRunner]:
    made = BrowserRunner(ca_file=faults.ca_file)
    yield made
    made.stop()


async def _visit(ctx: Any, url: str, then: str = "") -> tuple[str, int]:
    from checks._dom import open_url

    context, page = await ctx.new_page()
    try:
        loaded = await open_url(page, url, 5000)
        await page.wait_for_timeout(600)
        title = await asyncio.wait_for(page.evaluate("document.title"), 10)
        if then:
            await open_url(page, then, 5000)
        return f"{title}|{loaded.download}", len(context.pages)
    finally:
        await context.close()


def test_page_guard_answers_dialogs_closes_popups_refuses_downloads_stops_scripts(
        faults: FaultFarm, runner: BrowserRunner, tmp_path: Path) -> None:
    """The hostile pages a check opens cannot stall it, open windows, save files or reach the
    off-scope trap host."""
    ctx = make_ctx(runner.browser, url_of(faults, "tinh-hop-thoai"), [], tmp_path,
                   allow_private=True, script_watchdog_s=2.0, page_timeout_ms=5000)
    dialogs = url_of(faults, "tinh-hop-thoai")
    assert "Trang chủ" in runner.run(_visit(ctx, dialogs, then=dialogs + "hoi-dap"))[0]
    popups = url_of(faults, "tinh-cua-so")
    _, open_pages = runner.run(_visit(ctx, popups))
    assert open_pages == 1
    refused = [u for e in ctx.page_events for u in e.popups]
    assert popups + "quang-cao" in refused and faults.trap_origin + "/popup?tu=1" in refused
    title, _ = runner.run(_visit(ctx, url_of(faults, "tinh-tai-ve") + "tai-ve/bieu-mau.zip"))
    assert title.endswith("|True")
    runner.run(_visit(ctx, url_of(faults, "tinh-tai-ve")))
    clock = time.monotonic()
    title, _ = runner.run(_visit(ctx, url_of(faults, "tinh-luan-hoi")))
    assert "Trang chủ" in title and time.monotonic() - clock < 15
    events = ctx.page_events_summary()
    assert "dialogs answered" in events and "downloads refused" in events, events
    assert "pop-ups blocked" in events, events
    assert "scripts stopped" in events, events
    kinds = {d.split(":")[0] for e in ctx.page_events for d in e.dialogs}
    assert {"alert", "confirm", "prompt", "beforeunload"} <= kinds
    assert faults.trap_log() == []


def test_a_replayed_page_is_guarded_as_a_probed_one(faults: FaultFarm, runner: BrowserRunner,
                                                   tmp_path: Path) -> None:
    """`probe replay` opens the recorded pages behind the same guard as a sweep: a recorded
    endless script is stopped as it was when the portal was probed (without the guard, the
    replay of the looping portal's access family waited for ever)."""
    import json

    from probe.audit.replay import ReplayContext
    from probe.evidence import EvidenceStore
    from probe.models import SiteMap
    from tests.audit_helpers import har_entry

    home = url_of(faults, "tinh-luan-hoi")
    answer = httpx.get(home, trust_env=False)
    assert "for(;;)" in answer.text  # the page as the portal sends it
    kind = answer.headers["content-type"]
    har = {"log": {"version": "1.2", "entries": [har_entry(
        home, 200, kind, answer.text,
        response_headers=[{"name": "Content-Type", "value": kind}])]}}
    path = tmp_path / "recording.har"
    path.write_text(json.dumps(har), encoding="utf-8")
    agency = next(a for a in faults.agencies if a.id == "tinh-luan-hoi")
    ctx = ReplayContext(agency=agency, sitemap=SiteMap(home), browser=runner.browser,
                        evidence=EvidenceStore(tmp_path, "replay"), har_path=path, har=har,
                        settings=ProbeSettings(allow_private=True, script_watchdog_s=2.0,
                                               page_timeout_ms=5000))
    clock = time.monotonic()
    title, _ = runner.run(_visit(ctx, home), timeout=60)
    assert "Trang chủ" in title and time.monotonic() - clock < 15
    assert "scripts stopped" in ctx.page_events_summary()


LEFT_PAGES = {  # endless scripts that start once the probe is done reading the page
    "/later": "<script>addEventListener('load',()=>setTimeout(()=>{for(;;){}},1000))</script>",
    "/on-leave": "<script>addEventListener('pagehide',()=>{for(;;){}})</script>",
    "/b": "<p>B</p>",
    "/c": "<p>C</p>",
}


@pytest.fixture
def left_site() -> Iterator[str]:
    from tests.fixtures.checks_psae.harness import Reply, Site

    site = Site({path: Reply(f"<html><head><title>{path}</title></head><body>{body}</body>"
                             "</html>") for path, body in LEFT_PAGES.items()})
    yield site.origin
    site.stop()


def test_a_script_still_running_when_the_probe_leaves_is_stopped_first(
        runner: BrowserRunner, left_site: str, tmp_path: Path) -> None:
    """A navigation started while the page it leaves runs a script waits for that script,
    and past the guard's limit the guard can no longer stop it (seen here from a 6 s limit;
    sweeps use 10 s): the next page of the tab timed out, and every later one (the looping
    portal's mobile pass lost four pages). The script is now stopped before leaving."""
    from checks._dom import open_url

    ctx = make_ctx(runner.browser, left_site + "/", [], tmp_path, allow_private=True,
                   script_watchdog_s=6.0, page_timeout_ms=9000)

    async def leave_while_looping() -> tuple[str, float]:
        context, page = await ctx.new_page()
        try:
            await open_url(page, left_site + "/later", 9000)
            await asyncio.sleep(1.5)  # the loop runs
            clock = time.monotonic()
            await open_url(page, left_site + "/b", 9000)
            return await page.inner_text("p"), time.monotonic() - clock
        finally:
            await context.close()

    text, seconds = runner.run(leave_while_looping(), timeout=60)
    assert text == "B" and seconds < 6, seconds  # stopped on leaving, not by the watchdog
    assert "1 scripts stopped" in ctx.page_events_summary()


def test_a_tab_held_by_the_page_it_left_is_replaced_for_the_next_page(
        runner: BrowserRunner, left_site: str, tmp_path: Path) -> None:
    """A page that loops as it is left (pagehide) holds the navigation to the next page of
    its tab past the guard's reach: that page times out, but the check goes on in a new tab
    (here access's mobile pass), where before every later page timed out as well."""
    from checks.access import mobile_pass

    ctx = make_ctx(runner.browser, left_site + "/", [], tmp_path, allow_private=True,
                   script_watchdog_s=6.0, page_timeout_ms=4000)
    urls = [left_site + path for path in ("/on-leave", "/b", "/c")]
    found = runner.run(mobile_pass(ctx, urls), timeout=90)
    outcomes = {url: {o.outcome for o in found if o.page == url} for url in urls}
    assert outcomes == {urls[0]: {"ok"}, urls[1]: {"portal_error"}, urls[2]: {"ok"}}, outcomes


@pytest.mark.slow
def test_the_har_capture_survives_endless_scripts(faults: FaultFarm, runner: BrowserRunner,
                                                  tmp_path: Path) -> None:
    """The HAR recorder opens the same hostile pages after the checks, several at once in one
    renderer: endless scripts there cannot hold it. Its pages are guarded like the checks',
    but whose guard stops a loop, or whether the recording gives up on that page first, is
    timing (a guard tells only its own page's script from a layout: probe.browser)."""
    from checks._visits import gather

    home = url_of(faults, "tinh-luan-hoi")
    ctx = make_ctx(runner.browser, home, [home, home + "thu-tuc-hanh-chinh"], tmp_path,
                   allow_private=True, script_watchdog_s=2.0, page_timeout_ms=5000)
    clock = time.monotonic()
    har = runner.run(gather(ctx, record=True), timeout=90).har
    assert time.monotonic() - clock < 60
    assert har and (ctx.evidence.root / har).is_file()


def test_a_huge_pages_layout_is_not_taken_for_a_runaway_script(
        faults: FaultFarm, runner: BrowserRunner, tmp_path: Path) -> None:
    """The renderer lays out the 100,000-node page for seconds, far over this watchdog, with
    no script running: stopped then, V8 stops the next script instead, often Playwright's
    helper for the page, and every later read of the page fails."""
    from checks._dom import open_url
    from checks._sampling import dom_elements

    home = url_of(faults, "tinh-rung-sau")
    ctx = make_ctx(runner.browser, home, [home], tmp_path, allow_private=True,
                   script_watchdog_s=0.5, page_timeout_ms=30_000)

    async def read() -> tuple[int, str]:
        context, page = await ctx.new_page()
        try:
            await open_url(page, home, 30_000)
            return await dom_elements(page), await page.evaluate("document.title")
        finally:
            await context.close()

    elements, title = runner.run(read(), timeout=120)  # a read forcing the layout itself may
    assert elements > 99_000 and "Trang chủ" in title  # still be stopped, then made again


# --- the whole sweep ------------------------------------------------------------------------

HEALTHY = ("tinh-binh-minh",)
# The sweep leaves out the timed family: its runs are serial by design (three cold loads a
# page, each at least a second), which on 14 reachable portals would double the test. The
# timed loads meet the pages that attack the browser in the next test instead.
UNTIMED = tuple(f for f in checks.FAMILIES if f != "performance")
HOSTILE_TO_TIMING = ("tinh-luan-hoi", "tinh-rung-sau")  # dialogs: the page guard test
# Budget of the sweep below (26 portals, 14 reachable, on a shared 2-core machine): measured
# 259-309 s with the load average at 10-27 from other jobs; hanging faults cost time-outs
# (page_timeout_ms), never their own 120 s or 800 s.
SWEEP_BUDGET_S = 420.0


def _descendants(root: int) -> set[int]:
    """Every process under `root` (probe.proctree)."""
    return set(proctree.tree(root)) - {root}


# Every family opens Rừng Sâu's 100,000-element home page: 4-5 s through `open_url` alone
# here, 7-9 s with three such loads at once. In a sweep of it with five neighbours at
# concurrency 4, a 6 s page limit timed it out in some family in 4 of 6 runs (access, which
# the test reads, in 1); with a 10 s limit, in 0 of 3. Sweeps default to 15 s.
def _settings(ca_file: str, overrides: dict[str, tuple[str, ...]]) -> ProbeSettings:
    return ProbeSettings(ca_file=ca_file, allow_private=True, sample_pages=3, perf_pages=1,
                         perf_runs=1, page_timeout_ms=10_000, traces=False,
                         script_watchdog_s=4.0, check_budget_s=60.0,
                         extra={"har_capture": "off"}, **overrides)


@pytest.mark.slow
def test_sweep_of_the_fault_farm_beside_a_healthy_portal(
        faults: FaultFarm, tmp_path: Path) -> None:
    from probe.db.store import Store
    from probe.farm.farm import Farm
    from probe.farm.profiles import PROFILES
    from probe.sweep import SweepOptions, sweep
    from spiders.budget import Budget

    before = _descendants(os.getpid())
    with Farm(tmp_path / "farm", profiles=tuple(p for p in PROFILES if p.id in HEALTHY)) as farm:
        ca = bundle([farm.ca_file, faults.ca_file], tmp_path / "ca-bundle.pem")
        settings = _settings(ca, farm.settings_overrides())
        agencies = [*farm.agencies, *faults.agencies]
        budget = Budget(time_limit=10, max_pages=25)
        clock = time.monotonic()
        options = SweepOptions(settings=settings, evidence_root=tmp_path / "evidence",
                               concurrency=4, budget=budget, families=UNTIMED)
        outcomes = sweep(agencies, Store(f"sqlite:///{tmp_path / 'r.db'}"), options)
        elapsed = time.monotonic() - clock
    got = {o.agency.id: o for o in outcomes}
    wrong = {i: (o.status, o.status_detail) for i, o in got.items()
             if i in faults.expected_status and o.status != faults.expected_status[i]}
    assert not wrong, wrong
    for agency_id in HEALTHY:  # every item the sweep measured as designed (the grade needs
        assert got[agency_id].status == "completed"  # the timed family, swept apart below)
        profile = next(p for p in PROFILES if p.id == agency_id)
        wrong_items = [(i.id, i.status, i.reason) for i in got[agency_id].score.items
                       if i.group != "performance" and i.status != profile.item_status(i.id)]
        assert not wrong_items, wrong_items
    assert faults.trap_log() == []  # no off-scope host was asked for anything
    _assert_observations(got)
    _assert_page_guard_noted(got, tmp_path / "evidence")
    assert elapsed < SWEEP_BUDGET_S, f"sweep took {elapsed:.0f} s"
    deadline = time.monotonic() + 10
    while (left := _descendants(os.getpid()) - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes left behind: {left}"


@pytest.mark.slow
def test_timed_loads_survive_endless_scripts_and_a_huge_dom(
        faults: FaultFarm, runner: BrowserRunner, tmp_path: Path) -> None:
    from checks import performance

    for agency_id in HOSTILE_TO_TIMING:
        url = url_of(faults, agency_id)
        ctx = make_ctx(runner.browser, url, [url], tmp_path / agency_id, allow_private=True,
                       script_watchdog_s=4.0, page_timeout_ms=6000, perf_pages=1)
        clock = time.monotonic()
        found = runner.run(performance.run(ctx))
        assert time.monotonic() - clock < 90, agency_id  # 3 runs, each capped by time-outs
        runs = [o for o in found if o.name == "fcp" and o.stat == "run"]
        assert len(runs) == 3, (agency_id, runs)
        assert all(o.outcome != "probe_error" for o in found), (agency_id, found)
        assert any(o.name == "availability.ok_ratio" for o in found), agency_id


GUARDED = {  # agency: what its run's status detail says, and the list that names each; both
    # happen on every visit (an alert while parsing, a loop while parsing the catalogue)
    "tinh-hop-thoai": ("hộp thoại đã đóng (dialogs answered)", "dialogs"),
    "tinh-luan-hoi": ("mã lặp bị dừng (scripts stopped)", "stopped_scripts"),
}


def _assert_page_guard_noted(got: dict[str, Any], evidence: Path) -> None:
    """What the page guard did on a portal is in its run's status detail, and each page
    or message in the run's evidence; a healthy portal's detail says nothing of it."""
    import json

    for agency_id, (what, key) in GUARDED.items():
        outcome = got[agency_id]
        assert what in outcome.status_detail, (agency_id, outcome.status_detail)
        kept = list((evidence / outcome.run_id).glob("*.page-guard.json"))
        assert len(kept) == 1 and json.loads(kept[0].read_text())[key], agency_id
    assert not [got[i].status_detail for i in HEALTHY if "page guard" in got[i].status_detail]


def _assert_observations(got: dict[str, Any]) -> None:
    """What users see for the faults met inside a reachable portal."""
    def named(agency_id: str, name: str) -> list[Any]:
        return [o for o in got[agency_id].observations if o.name == name]

    for agency_id in ("tinh-hop-thoai", "tinh-tai-ve", "tinh-cua-so", "tinh-co-tu",
                      "tinh-vo-chu", "tinh-lon-xon", "tinh-van-lich", "tinh-vien-xu"):
        header = named(agency_id, "header.agency_name")
        assert header and header[0].outcome == "ok", (agency_id, header)
    assert named("tinh-co-tu", "header.agency_name")[0].value is True
    crawl = named("tinh-van-lich", "discovery.pages")[0]
    assert "left out: /lich-cong-tac?thang=" in crawl.detail, crawl.detail  # the trap, cut
    huge = [p for p in got["tinh-dai-khoi"].sitemap.pages if "too_large" in p.signals]
    assert huge and huge[0].url.endswith("/van-ban/tong-hop.html")
    axe = named("tinh-rung-sau", "axe.violations")
    assert axe and "axe not run" in axe[0].detail, axe
    assert all(o.outcome != "probe_error" or "budget" not in o.detail
               for o in got["tinh-luan-hoi"].observations)


def test_probe_farm_faults_serves_both_farms_with_one_registry_and_ca_bundle(
        tmp_path: Path) -> None:
    import subprocess
    import sys

    command = [sys.executable, "-m", "probe.cli", "farm", "--faults", "--workdir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
        assert "tinh-suong-mu    dns_error" in text and "--ca-file" in text, text
        rows = (tmp_path / "registry-with-faults.csv").read_text(encoding="utf-8").splitlines()
        assert len(rows) == 1 + 7 + len(FAULTS)
        assert len(pem_blocks((tmp_path / "ca-bundle.pem").read_bytes())) == 2
    finally:  # only the listing is under test; the farm's Ctrl-C path is the portal farm's
        process.terminate()
        process.wait(timeout=30)
