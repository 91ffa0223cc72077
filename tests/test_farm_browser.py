"""The farm in a real browser: the exemplary portal is clean, the SPA renders, EMC fires."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from probe.browser import chromium_path, launch
from probe.farm import Farm, start_farm

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(chromium_path()), reason="Chromium not installed"),
]
T = TypeVar("T")
OVERFLOW = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    with start_farm(tmp_path_factory.mktemp("farm"), latency_scale=0.1) as running:
        yield running


@dataclass
class Session:
    """One Chromium for the whole module, driven from its own event loop."""

    loop: asyncio.AbstractEventLoop
    browser: Browser

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(work)


@pytest.fixture(scope="module")
def session(farm: Farm) -> Iterator[Session]:
    loop = asyncio.new_event_loop()
    playwright = loop.run_until_complete(async_playwright().start())
    browser = loop.run_until_complete(launch(playwright, loopback_only=True,
                                             ca_file=farm.ca_file))
    try:
        yield Session(loop, browser)
    finally:
        loop.run_until_complete(browser.close())
        loop.run_until_complete(playwright.stop())
        loop.close()


def url_of(farm: Farm, agency_id: str) -> str:
    return next(a.portal_url for a in farm.agencies if a.id == agency_id)


async def visit(browser: Browser, url: str, width: int = 1280,
                script: bool = True) -> tuple[Page, BrowserContext]:
    context = await browser.new_context(viewport={"width": width, "height": 800},
                                        java_script_enabled=script)
    page = await context.new_page()
    await page.goto(url, wait_until="load")
    return page, context


async def audit(browser: Browser, url: str) -> dict[str, Any]:
    """Serious/critical axe rules and overflow at 320 px of one page."""
    page, context = await visit(browser, url)
    violations = (await Axe().run(page)).response["violations"]
    await context.close()
    narrow, context = await visit(browser, url, width=320)
    overflow = await narrow.evaluate(OVERFLOW)
    await context.close()
    serious = sorted({v["id"] for v in violations if v["impact"] in ("serious", "critical")})
    return {"serious": serious, "overflow": overflow}


def test_exemplary_is_axe_clean_and_reflows(farm: Farm, session: Session) -> None:
    base = url_of(farm, "tinh-binh-minh")
    assert session.run(audit(session.browser, base)) == {"serious": [], "overflow": False}
    catalogue = session.run(audit(session.browser, base + "thu-tuc-hanh-chinh?page=2"))
    assert catalogue == {"serious": [], "overflow": False}


def test_poor_portal_fails_axe_and_reflow(farm: Farm, session: Session) -> None:
    poor = session.run(audit(session.browser, url_of(farm, "tinh-son-cuoc")))
    assert poor["overflow"] is True
    assert {"html-has-lang", "image-alt", "color-contrast"} <= set(poor["serious"])


async def spa_lookup(browser: Browser, url: str, code: str) -> tuple[int, str]:
    page, context = await visit(browser, url)
    await page.wait_for_selector("nav a")
    links = await page.locator("a[href^='#/vi/']").count()
    await page.click("nav >> text=Tra cứu hồ sơ")
    await page.fill("#ma-ho-so", code)
    await page.press("#ma-ho-so", "Enter")
    result = await page.locator(".lookup-result").inner_text()
    await context.close()
    return links, result


def test_spa_renders_links_and_lookup_through_api(farm: Farm, session: Session) -> None:
    code = farm.known_dossier_codes["tinh-lam-giang"][0]
    links, result = session.run(spa_lookup(session.browser, url_of(farm, "tinh-lam-giang"), code))
    assert links >= 10
    assert "Đang xử lý" in result


async def count_links_without_script(browser: Browser, url: str) -> int:
    page, context = await visit(browser, url, script=False)
    count = await page.locator("a").count()
    await context.close()
    return count


def test_spa_shell_is_empty_before_scripts(farm: Farm, session: Session) -> None:
    url = url_of(farm, "tinh-lam-giang")
    assert session.run(count_links_without_script(session.browser, url)) == 0


async def open_and_wait(browser: Browser, url: str) -> None:
    page, context = await visit(browser, url)
    await page.wait_for_timeout(300)
    await context.close()


def test_page_view_reaches_the_emc_stand_in(farm: Farm, session: Session) -> None:
    started = time.time()
    session.run(open_and_wait(session.browser, url_of(farm, "tinh-binh-minh")))
    hits = [h for h in farm.emc_hits() if float(h["time"]) >= started]
    assert any(h["site_id"] == "2271" and h["action"] == "pageview" for h in hits)
