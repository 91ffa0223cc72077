"""The report in a real Chromium (loopback only): it renders, its charts are there, nothing
is fetched from outside its folder, axe finds nothing serious, and portal text stays text."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, Route, async_playwright

from probe.browser import launch
from probe.report import write_report
from tests.report_helpers import HOSTILE_NAME, HOSTILE_SNIPPET, HOSTILE_TITLE, build

AXE_OPTIONS = {"preload": False,
               "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                     "wcag21aa", "best-practice"]}}
INJECTED = "document.querySelectorAll('script, img[onerror], [onmouseover], [onerror]').length"


@dataclass
class Visit:
    """What one page did in the browser."""

    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    serious: list[str] = field(default_factory=list)


@dataclass
class Session:
    out: Path
    requests: list[str] = field(default_factory=list)
    visits: dict[str, Visit] = field(default_factory=dict)


IMAGES_LOADED = """() => Promise.all([...document.images].map(i => {
  i.loading = 'eager';
  return i.complete ? null : new Promise(done => {
    i.addEventListener('load', done); i.addEventListener('error', done); });
}))"""
FACTS_JS = """() => ({
  charts: document.querySelectorAll('svg.chart').length,
  bars: [...document.querySelectorAll('svg.chart')].map(s => s.querySelectorAll('.bar').length),
  dots: document.querySelectorAll('svg.chart-line circle').length,
  strips: document.querySelectorAll('svg.chart-strip').length,
  text: document.body.innerText,
  thumbs: [...document.querySelectorAll('ul.thumbs img')].map(i => i.naturalWidth),
  other: document.querySelector('nav a[hreflang]').getAttribute('href'),
  lang: document.documentElement.lang,
})"""


async def _visit(page: Page, session: Session, name: str) -> Visit:
    """Open a page with every <details> open; record errors, dialogs, facts and, for the
    Vietnamese pages (the English ones share their templates), axe's serious findings."""
    visit = Visit()
    page.on("console", lambda m: visit.console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.console.append(str(e)))
    page.on("dialog", lambda d: (visit.dialogs.append(d.message),
                                 asyncio.ensure_future(d.dismiss())))
    await page.goto((session.out / name).as_uri(), wait_until="load")
    await page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    await page.evaluate(IMAGES_LOADED)
    visit.facts = await page.evaluate(FACTS_JS)
    visit.facts["injected"] = await page.evaluate(INJECTED)
    if name.endswith(".en.html"):
        return visit
    result = (await Axe().run(page, options=AXE_OPTIONS)).response
    visit.serious = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
                     for v in result["violations"] if v["impact"] in ("serious", "critical")]
    return visit


async def _browse(session: Session, names: list[str]) -> None:
    async with async_playwright() as pw:
        browser = await launch(pw, loopback_only=True)
        try:
            context = await browser.new_context()
            folder = session.out.as_uri() + "/"

            async def guard(route: Route) -> None:
                session.requests.append(route.request.url)
                if route.request.url.startswith(folder):
                    await route.continue_()
                else:
                    await route.abort()

            await context.route("**/*", guard)
            for name in names:
                page = await context.new_page()
                session.visits[name] = await _visit(page, session, name)
                await page.close()
        finally:
            await browser.close()


@pytest.fixture(scope="module")
def browsed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, str]:
    tmp = tmp_path_factory.mktemp("report-browser")
    built = build(tmp)
    out = tmp / "report"
    write_report(built.store, built.sweep_id, "2024", out, evidence=built.evidence)
    agency = f"agency-{built.hostile_run}"
    session = Session(out.resolve())
    names = ["index.html", "index.en.html", "vendors.html", f"{agency}.html",
             f"{agency}.en.html"]
    asyncio.run(_browse(session, names))
    return session, agency


def test_pages_render_without_errors_or_outside_requests(browsed: tuple[Session, str]) -> None:
    session, _ = browsed
    assert len(session.visits) == 5
    for name, visit in session.visits.items():
        assert visit.console == [], name
        assert visit.dialogs == [], name
    folder = session.out.as_uri() + "/"
    assert session.requests, "requests were recorded"
    assert all(url.startswith(folder) for url in session.requests), session.requests
    assert any(url.endswith(".png") for url in session.requests)  # thumbnails came from it
    assert any(url.endswith("report.css") for url in session.requests)


def test_charts_are_drawn(browsed: tuple[Session, str]) -> None:
    session, agency = browsed
    summary = session.visits["index.html"].facts
    # block averages (2 blocks), each block's average over the 2 sweeps, and one
    # grade-distribution chart (5 columns) per block
    assert summary["charts"] == 5
    assert summary["bars"] == [2, 0, 0, 5, 5]
    assert summary["dots"] == 4  # two sweeps in each block's line
    assert session.visits["vendors.html"].facts["charts"] == 1
    page = session.visits[f"{agency}.html"].facts
    assert page["bars"][0] == 6  # one bar per criteria group
    assert page["dots"] == 2  # the score in both sweeps
    assert page["strips"] >= 5  # timing distributions of the performance items
    assert page["thumbs"] and all(width > 0 for width in page["thumbs"])


def test_language_switch_links_both_ways(browsed: tuple[Session, str]) -> None:
    session, agency = browsed
    assert session.visits["index.html"].facts["other"] == "index.en.html"
    assert session.visits["index.en.html"].facts["other"] == "index.html"
    assert session.visits["index.en.html"].facts["lang"] == "en"
    assert "National summary" in session.visits["index.en.html"].facts["text"]
    assert "Điểm có thể khôi phục" in session.visits[f"{agency}.html"].facts["text"]
    assert "Recoverable points" in session.visits[f"{agency}.en.html"].facts["text"]


def test_axe_finds_nothing_serious_in_the_report(browsed: tuple[Session, str]) -> None:
    session, _ = browsed
    for name, visit in session.visits.items():
        assert visit.serious == [], name


def test_portal_text_is_shown_as_text(browsed: tuple[Session, str]) -> None:
    session, agency = browsed
    for visit in session.visits.values():
        assert visit.facts["injected"] == 0
    assert HOSTILE_NAME in session.visits["index.html"].facts["text"]
    page = session.visits[f"{agency}.html"].facts["text"]
    assert HOSTILE_NAME in page
    assert HOSTILE_SNIPPET in page
    assert HOSTILE_TITLE in page
