"""checks.access: pure judgements, then fixture portals (responsive and accessible; poor;
overflowing only at 320 px) with robots.txt and sitemap variants."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks import access
from tests.fixtures.checks_psae.harness import (
    BrowserRunner,
    Reply,
    Site,
    by_name,
    fixture_text,
    make_ctx,
    one,
)

SITEMAP = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           '<url><loc>{ORIGIN}/</loc></url><url><loc>{ORIGIN}/tra-cuu</loc></url></urlset>')


def test_viewport_meta() -> None:
    assert access.viewport_meta("width=device-width, initial-scale=1")[0] is True
    ok, detail = access.viewport_meta("width=device-width, user-scalable=no, maximum-scale=1.0")
    assert ok and "zoom disabled" in detail and "zoom limited" in detail
    assert access.viewport_meta("width=1024")[0] is False
    assert access.viewport_meta(None) == (False, "no viewport meta tag")


def test_title_problem() -> None:
    host = "dichvucong.laocai.gov.vn"
    assert access.title_problem("Cổng dịch vụ công tỉnh Lào Cai", host) is None
    assert access.title_problem("  ", "x") == "empty title"
    assert "generic" in (access.title_problem("Trang chủ", "x") or "")
    assert "generic" in (access.title_problem("React App", "x") or "")
    assert "generic" in (access.title_problem("dvc.example.vn", "dvc.example.vn") or "")


def test_axe_counts_ignore_nothing_but_count_rules() -> None:
    violations = [{"id": "image-alt", "impact": "critical", "nodes": [1, 2]},
                  {"id": "color-contrast", "impact": "serious", "nodes": [1]},
                  {"id": "region", "impact": "moderate", "nodes": [1, 2, 3]}]
    count, serious, detail = access.axe_counts(violations)
    assert (count, serious) == (3, 2)
    assert detail.startswith("3 rules violated on 6 elements: image-alt (critical, 2)")


def test_sitemap_root_accepts_gzip_and_cut_files() -> None:
    body = SITEMAP.replace("{ORIGIN}", "https://x").encode()
    assert access.sitemap_root(body)[0] is True
    assert access.sitemap_root(gzip.compress(body))[0] is True
    assert access.sitemap_root(body[:120])[0] is True  # only the root element matters
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>'
    assert access.sitemap_root(index)[0] is True
    assert access.sitemap_root(b"<!doctype html><html><body>app</body></html>")[0] is False
    assert access.sitemap_root(b"<rss/>") == (False, "XML root <rss> is not a sitemap")


@pytest.fixture(scope="module")
def runner() -> Iterator[BrowserRunner]:
    browser_runner = BrowserRunner()
    yield browser_runner
    browser_runner.stop()


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, Site]]:
    good_page = fixture_text("secure_home.html")
    good = Site({
        "/": Reply(good_page), "/tra-cuu": Reply(fixture_text("narrow_page.html")),
        "/robots.txt": Reply("User-agent: *\nDisallow: /admin/\n", content_type="text/plain"),
        "/sitemap.xml": Reply(SITEMAP, content_type="application/xml"),
        "/logo.png": Reply(b"", content_type="image/png"),
    })
    poor = Site({
        "/": Reply(fixture_text("poor_page.html")),
        "/robots.txt": Reply("User-agent: *\nDisallow: /\n", content_type="text/plain"),
    })
    listed = Site({
        "/": Reply(good_page),
        "/robots.txt": Reply("User-agent: Googlebot\nDisallow: /\n\n"
                             "Sitemap: {ORIGIN}/maps/all.xml.gz\n", content_type="text/plain"),
        "/maps/all.xml.gz": Reply(gzip.compress(SITEMAP.encode()),
                                  content_type="application/gzip"),
    })
    found = {"good": good, "poor": poor, "listed": listed}
    yield found
    for site in found.values():
        site.stop()


def _run(runner: BrowserRunner, tmp_path: Path, pages: list[str]) -> list:
    ctx = make_ctx(runner.browser, pages[0], pages, tmp_path, page_timeout_ms=8000)
    return runner.run(access.run(ctx))


def test_good_portal(runner: BrowserRunner, sites: dict[str, Site], tmp_path: Path) -> None:
    good = sites["good"]
    home, lookup = good.url("/"), good.url("/tra-cuu")
    found = _run(runner, tmp_path, [home, lookup])
    assert {o.outcome for o in found} == {"ok"}, [o for o in found if o.outcome != "ok"]
    assert one(found, "mobile.viewport_meta", home).value is True
    assert one(found, "mobile.overflow_360", home).value is False
    assert one(found, "mobile.overflow_320", home).value is False
    assert one(found, "axe.serious_critical", home).value == 0, one(found, "axe.violations", home)
    # the look-up page fits 360 px but its 340 px search bar overflows at 320 px
    assert one(found, "mobile.overflow_360", lookup).value is False
    narrow = one(found, "mobile.overflow_320", lookup)
    assert narrow.value is True and "div#lookup.search-bar" in narrow.detail
    assert "zoom limited" in one(found, "mobile.viewport_meta", lookup).detail
    assert one(found, "robots.allows").value is True
    assert one(found, "sitemap_xml").value is True
    assert one(found, "page.title_lang").value is True
    shots = [a for o in by_name(found, "mobile.overflow_360") for a in o.artifacts]
    assert len(shots) == 2 and all((tmp_path / a).stat().st_size > 1000 for a in shots)
    report = json.loads((tmp_path / one(found, "axe.violations", home).artifacts[0]).read_text())
    assert report["toolOptions"]["runOnly"]["values"] == access.AXE_TAGS


def test_poor_portal(runner: BrowserRunner, sites: dict[str, Site], tmp_path: Path) -> None:
    home = sites["poor"].url("/")
    found = _run(runner, tmp_path, [home])
    assert one(found, "mobile.viewport_meta").value is False
    wide = one(found, "mobile.overflow_360")
    assert wide.value is True and "div#wrapper" in wide.detail
    assert one(found, "mobile.overflow_320").value is True
    violations = one(found, "axe.violations")
    assert violations.value >= 4, violations.detail
    for rule in ("image-alt", "html-has-lang", "color-contrast", "label"):
        assert rule in json.dumps(json.loads((tmp_path / violations.artifacts[0]).read_text()))
    assert one(found, "axe.serious_critical").value >= 3
    assert one(found, "robots.allows").value is False
    assert one(found, "sitemap_xml").value is False
    title = one(found, "page.title_lang")
    assert title.value is False and "generic title" in title.detail and "lang" in title.detail


def test_sitemap_listed_in_robots(runner: BrowserRunner, sites: dict[str, Site],
                                  tmp_path: Path) -> None:
    site = sites["listed"]
    ctx = make_ctx(runner.browser, site.url("/"), [site.url("/")], tmp_path)
    found = runner.run(access.findability(ctx, site.url("/")))
    robots = one(found, "robots.allows")
    assert robots.value is True and "Googlebot disallowed" in robots.detail
    listed = one(found, "sitemap_xml")
    assert listed.value is True and "listed in robots.txt" in listed.detail


def test_what_a_recording_answers_names_it(runner: BrowserRunner, sites: dict[str, Site],
                                          tmp_path: Path) -> None:
    """A sweep step's recording that holds robots.txt (but no sitemap) answers robots.allows,
    which then names the HAR; sitemap_xml, read from the portal, does not."""
    from checks._visits import Recording

    site = sites["listed"]
    robots_url = site.url("/robots.txt")
    entry = {"request": {"method": "GET", "url": robots_url},
             "response": {"status": 200, "headers": [{"name": "Content-Type",
                                                      "value": "text/plain"}],
                          "content": {"mimeType": "text/plain",
                                      "text": "User-agent: *\nDisallow: /admin\n"}}}
    path = tmp_path / "recording.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}), "utf-8")
    recorded = Recording(path, frozenset({robots_url}), ["evidence/pages.har.gz"])
    ctx = make_ctx(runner.browser, site.url("/"), [site.url("/")], tmp_path)
    found = runner.run(access.findability(ctx, site.url("/"), recorded))
    robots = one(found, "robots.allows")  # the recording's robots.txt, not the portal's
    assert robots.value is True and "Googlebot allowed" in robots.detail
    assert robots.artifacts == ["evidence/pages.har.gz"]
    listed = one(found, "sitemap_xml")  # /sitemap.xml from the portal: not listed any more
    assert "listed in robots.txt" not in listed.detail and listed.artifacts == []


def test_unreachable_portal(runner: BrowserRunner, tmp_path: Path) -> None:
    found = _run(runner, tmp_path, ["http://127.0.0.1:9/"])
    assert {o.name for o in found} == {*access.PAGE_NAMES, *access.SITE_NAMES}
    assert {o.outcome for o in found} == {"portal_error"}


CROWDED = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Tra cứu hồ sơ</title>
</head><body style="margin:8px;font-family:sans-serif">
<p style="font-size:16px">Tra cứu hồ sơ trực tuyến tại Cổng Dịch vụ công của tỉnh, xem
<a href="/huong-dan">hướng dẫn</a> chi tiết trước khi nộp.</p>
<nav id="trang"><a href="/1" style="font-size:10px">1</a> <a href="/2" style="font-size:10px">2</a>
<a href="/3" style="font-size:10px">3</a></nav>
<button style="width:44px;height:44px">Tìm</button>
<p class="ban-quyen" style="font-size:9px">Bản quyền thuộc về Ủy ban nhân dân tỉnh</p>
</body></html>"""


def test_small_text_and_crowded_targets_are_measured_as_a_phone_shows_them(
        runner: BrowserRunner, tmp_path: Path) -> None:
    site = Site({"/": Reply(CROWDED)})
    try:
        found = _run(runner, tmp_path, [site.url("/")])
    finally:
        site.stop()
    legible = one(found, "mobile.text_legible")
    assert 0.5 < legible.value < 0.85, legible.detail  # the 9 px and 10 px text is small
    assert "p.ban-quyen 9.0 px" in legible.detail
    targets = one(found, "mobile.tap_targets_ok")
    # the three pager links are small and crowded; the in-sentence link is exempt
    assert targets.value == pytest.approx(1 / 4), targets.detail
    assert "1 of 4 touch targets" in targets.detail


def test_a_page_without_viewport_meta_reads_small_on_a_phone(
        runner: BrowserRunner, sites: dict[str, Site], tmp_path: Path) -> None:
    found = _run(runner, tmp_path, [sites["poor"].url("/")])
    legible = one(found, "mobile.text_legible")
    assert legible.value < 0.5 and "zoom 0.3" in legible.detail, legible.detail


def long_table(rows: int) -> str:
    """A catalogue page of `rows` procedures: axe needs seconds on it."""
    cells = "".join(f"<tr><td>{i}</td><td><a href='/t{i}'>Thủ tục {i}</a></td></tr>"
                    for i in range(rows))
    return (f"<!doctype html><html lang=vi><head><title>Danh mục thủ tục</title></head><body>"
            f"<main><h1>Danh mục</h1><table>{cells}</table></main></body></html>")


def _axe_on_long_page(runner: BrowserRunner, tmp_path: Path, watchdog_s: float) -> tuple:
    site = Site({"/": Reply(long_table(800))})  # about 3,200 elements
    ctx = make_ctx(runner.browser, site.url("/"), [site.url("/")], tmp_path,
                   page_timeout_ms=8000, script_watchdog_s=watchdog_s)
    try:
        facts = runner.run(access.desktop_pass(ctx, [site.url("/")]), timeout=120)
    finally:
        site.stop()
    return one(facts[0].observations, "axe.violations"), ctx.page_events_summary()


def test_axe_on_a_big_page_is_not_stopped_as_a_runaway_script(
        runner: BrowserRunner, tmp_path: Path) -> None:
    # axe keeps the renderer busy for seconds, far over this watchdog; stopped, its promise
    # would never settle and the check would hang until its family's budget ran out
    violations, events = _axe_on_long_page(runner, tmp_path, watchdog_s=0.3)
    assert violations.outcome == "ok" and violations.artifacts, violations.detail
    assert "scripts stopped" not in events


def test_axe_that_overruns_its_limit_is_unmeasured_not_hung(
        runner: BrowserRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "AXE_LIMIT_S", 0.2)
    violations, _ = _axe_on_long_page(runner, tmp_path, watchdog_s=10.0)
    assert violations.outcome == "probe_error" and violations.value is None
    assert "axe did not finish within 0.2 s on a page of" in violations.detail


def test_a_page_script_looping_while_axe_runs_is_still_stopped(
        runner: BrowserRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the page starts a loop that never ends as soon as axe arrives; left running because
    # axe was running, it would hold axe past its limit
    monkeypatch.setattr(access, "AXE_LIMIT_S", 40.0)
    loop = ("<script>Object.defineProperty(window,'axe',{configurable:true,get(){return this._a},"
            "set(v){this._a=v;setTimeout(()=>{for(;;){}},0)}})</script>")
    site = Site({"/": Reply(long_table(5).replace("</main>", "</main>" + loop))})
    ctx = make_ctx(runner.browser, site.url("/"), [site.url("/")], tmp_path,
                   page_timeout_ms=8000, script_watchdog_s=0.3)
    try:
        facts = runner.run(access.desktop_pass(ctx, [site.url("/")]), timeout=120)
    finally:
        site.stop()
    violations = one(facts[0].observations, "axe.violations")
    assert violations.outcome == "ok" and violations.artifacts, violations.detail
    assert "scripts stopped" in ctx.page_events_summary()
