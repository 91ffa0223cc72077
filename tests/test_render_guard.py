"""The app-shell walker under the page guard: a route whose script never ends is stopped
and named, and the routes after it are still mapped (spiders.render)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe import sweep as sweep_module
from probe.browser import SCRIPT_STOPPED, PageEvents
from probe.context import ProbeSettings
from probe.discovery import discover_many
from probe.models import Agency, PageInfo, SiteMap
from spiders.budget import Budget
from tests.fixtures.checks_psae.harness import Reply, Site

ROUTES = ("thu-tuc", "vong-lap", "hoi-dap", "lien-he", "tra-cuu", "thong-ke")
# Renders every route at once; the looping one then holds its renderer for ever.
APP_JS = """
const routes = ROUTES;
function render() {
  const route = (location.hash || '#/trang-chu').slice(2);
  document.body.innerHTML = '<header><h1>Cổng dịch vụ công tỉnh Thử</h1></header><nav>' +
    routes.map(r => '<a href="#/' + r + '">' + r + '</a>').join(' ') +
    '</nav><main><h2>Trang ' + route + '</h2><p>Nội dung ' + route + '.</p></main>';
  if (route === 'vong-lap') { for (;;) {} }
}
addEventListener('hashchange', render);
render();
""".replace("ROUTES", json.dumps(ROUTES))
SHELL = ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thử</title>'
         '</head><body><app-root></app-root><script src="/app.js"></script></body></html>')


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    site = Site({"/": Reply(SHELL), "/app.js": Reply(APP_JS, content_type="text/javascript"),
                 "/robots.txt": Reply("User-agent: *\nAllow: /\n", content_type="text/plain")})
    yield site.url("/")
    site.stop()


@pytest.mark.slow
def test_a_looping_route_is_stopped_and_the_walk_goes_on(origin: str) -> None:
    """One tab walks every route (per_host=1): before the guard, the looping route held it
    until the crawl's time limit, and every route after it was lost."""
    settings = ProbeSettings(allow_private=True, loopback_only=True, script_watchdog_s=2.0)
    budget = Budget(per_host=1, time_limit=90.0)
    sitemap = discover_many([origin], settings, budget, parallel=1)[origin]
    assert sitemap.error is None and sitemap.rendered
    by_route = {p.url.rpartition("#/")[2]: p for p in sitemap.pages if "#/" in p.url}
    assert set(by_route) == set(ROUTES), [p.url for p in sitemap.pages]
    assert SCRIPT_STOPPED in by_route["vong-lap"].signals
    assert [r for r, p in by_route.items() if SCRIPT_STOPPED in p.signals] == ["vong-lap"]
    assert not any(s.startswith("error:") for p in sitemap.pages for s in p.signals)
    assert sitemap.stopped_by is None  # the walk ended by itself, long before its limit


def test_a_route_stopped_while_mapping_is_kept_with_the_run(tmp_path: Path) -> None:
    """Counted in the run's status detail beside what the checks' guards did, and listed in
    its page-guard.json."""
    home = "https://dichvucong.thu.gov.vn/"
    run = sweep_module._PortalRun(Agency(id="tinh-thu", name="Tỉnh Thử", block="province",
                                         portal_url=home))
    run.sitemap = SiteMap(portal=home, rendered=True, pages=[
        PageInfo(url=home, type="home"),
        PageInfo(url=f"{home}#/vong-lap", signals=[SCRIPT_STOPPED]),
        PageInfo(url=f"{home}#/hoi-dap", signals=["h2:Hỏi đáp"])])
    run.page_events = [PageEvents(dialogs=["alert: Chào mừng"])]
    sweep_module._note_page_guard(run, sweep_module.SweepOptions(evidence_root=tmp_path))
    assert "1 hộp thoại đã đóng" in run.detail and "1 mã lặp bị dừng" in run.detail
    [kept] = (tmp_path / run.run_id).glob("*.page-guard.json")
    listed = json.loads(kept.read_text(encoding="utf-8"))
    assert listed["stopped_scripts"] == [f"{home}#/vong-lap"]
    assert listed["dialogs"] == ["alert: Chào mừng"]
