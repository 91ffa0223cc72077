"""Discovery on every farm portal: each page type a portal has is found, >= 95 % typed right.

The true type of a farm page is written down here from its URL (the farm's URL schemes:
eForm, .NET /portaldvc, Liferay /web/guest, the national /p/home/dvc-*, and the SPA's hash
routes), independently of the classifier.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from probe.context import ProbeSettings
from probe.discovery import Budget, crawl_summary, discover_many
from probe.farm import Farm, start_farm
from probe.farm.profiles import PROFILES, Feature, Kind
from probe.models import PageInfo, SiteMap

pytestmark = pytest.mark.slow

# (pattern on path?query#fragment, true type), first match wins.
TRUTH: tuple[tuple[str, str], ...] = (
    (r"^/$|^/#/vi/trang-chu$|^/p/home/dvc-trang-chu\.html$", "home"),
    (r"nop-ho-so", "submission"),
    (r"^/thu-tuc/[^/?]+$|chi-tiet-tthc\?ma=|/-/tthc/|tthc-thu-tuc-hanh-chinh-chi-tiet"
     r"|^/#/vi/thu-tuc/[^/?]+$", "procedure"),
    (r"thu-tuc-hanh-chinh|danh-muc-tthc|dich-vu-cong-truc-tuyen|dvc-truc-tuyen"
     r"|^/#/vi/thu-tuc(\?|$)|^/#/vi/dich-vu-cong(\?|$)|dvc-danh-muc-dich-vu-cong\.html(\?page|$)",
     "catalogue"),
    (r"tim-kiem|dvc-danh-muc-dich-vu-cong\.html\?search=", "search"),
    (r"tra-cuu", "lookup"),
    (r"thanh-toan", "payment"),
    (r"danh-gia", "rating"),
    (r"phan-anh-kien-nghi", "feedback"),
    (r"hoi-dap|huong-dan", "faq"),  # guides count as support pages (F9)
    (r"thong-ke", "statistics"),
    (r"so-do-", "sitemap"),
    (r"dang-nhap|^/c/portal/login|openid-connect", "login"),
    (r"gioi-thieu|lich-tiep-cong-dan", "other"),
)

# Page types a portal offers, by the farm feature that provides them.
BY_FEATURE: tuple[tuple[str, Feature], ...] = (
    ("catalogue", Feature.CATALOGUE), ("procedure", Feature.CATALOGUE),
    ("submission", Feature.SUBMISSION), ("search", Feature.SEARCH),
    ("lookup", Feature.LOOKUP), ("payment", Feature.PAYMENT), ("rating", Feature.RATING),
    ("feedback", Feature.FEEDBACK), ("faq", Feature.FAQ), ("statistics", Feature.STATISTICS),
    ("sitemap", Feature.SITEMAP_PAGE),
)


def true_type(page: PageInfo) -> str:
    """The type a farm page really has, from its URL."""
    parts = urlsplit(page.url)
    key = parts.path + (f"?{parts.query}" if parts.query else "")
    key += f"#{parts.fragment}" if parts.fragment else ""
    for pattern, page_type in TRUTH:
        if re.search(pattern, key):
            return page_type
    return "other"


def offered_types(farm: Farm, agency_id: str) -> set[str]:
    """The page types a farm portal offers inside its own scope."""
    site = farm.site(agency_id)
    types = {"home"} | {t for t, feature in BY_FEATURE if site.has(feature)}
    if site.has(Feature.LOGIN) and not site.has(Feature.SSO):
        types.add("login")  # with the national SSO, login is another host
    return types


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    running = start_farm(Path(tmp_path_factory.mktemp("farm")))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def mapped(farm: Farm) -> dict[str, SiteMap]:
    settings = ProbeSettings(ca_file=farm.ca_file, allow_private=True, loopback_only=True,
                             **farm.settings_overrides())
    started = time.monotonic()
    results = discover_many([a.portal_url for a in farm.agencies], settings, Budget(),
                            parallel=len(farm.agencies))
    assert time.monotonic() - started < 120
    return {a.id: results[a.portal_url] for a in farm.agencies}


# Portals mapped on their own host (the hand-over and the broken one are tested apart).
MAPPED = [p.id for p in PROFILES if p.kind in (Kind.CLASSIC, Kind.SPA)]


@pytest.mark.parametrize("agency_id", MAPPED)
def test_every_offered_type_is_found_and_pages_are_typed(
        agency_id: str, farm: Farm, mapped: dict[str, SiteMap]) -> None:
    sitemap = mapped[agency_id]
    assert sitemap.error is None
    wrong = [(p.url, p.type, true_type(p)) for p in sitemap.pages if p.type != true_type(p)]
    assert len(wrong) <= 0.05 * len(sitemap.pages), wrong
    found = {p.type for p in sitemap.pages}
    assert offered_types(farm, agency_id) <= found
    assert 15 <= len(sitemap.pages) <= Budget().max_pages
    assert sitemap.first("home").depth == 0  # type: ignore[union-attr]
    assert all(sum(p.template == t for p in sitemap.pages) <= Budget().per_template
               for t in {p.template for p in sitemap.pages})


def test_the_spa_portal_is_rendered(mapped: dict[str, SiteMap]) -> None:
    sitemap = mapped["tinh-lam-giang"]
    assert sitemap.rendered
    assert any("#/vi/" in p.url for p in sitemap.pages)
    assert not mapped["tinh-binh-minh"].rendered


def test_national_sso_and_payment_hosts_are_recorded(farm: Farm,
                                                      mapped: dict[str, SiteMap]) -> None:
    sso = urlsplit(farm.sso_origin).netloc
    payment = urlsplit(farm.payment_origin).netloc
    home = mapped["tinh-binh-minh"].first("home")
    assert home is not None and f"external:{sso}" in home.signals
    pay = mapped["tinh-binh-minh"].first("payment")
    assert pay is not None and f"external:{payment}" in pay.signals
    assert farm.request_log("sso") == [] and farm.request_log("payment") == []


def test_handover_is_recorded_and_the_landing_page_mapped_lightly(
        farm: Farm, mapped: dict[str, SiteMap]) -> None:
    sitemap = mapped["tinh-phu-an"]
    national = farm.national_portal_origin
    assert sitemap.error is None
    assert sitemap.handover is not None and sitemap.handover.startswith(national)
    assert sitemap.portal == sitemap.handover
    assert all(p.url.startswith(national) for p in sitemap.pages)
    assert len(sitemap.pages) <= Budget().handover_pages
    assert sitemap.pages[0].type == "home" and sitemap.first("lookup") is not None
    wrong = [p.url for p in sitemap.pages if p.type != true_type(p)]
    assert not wrong


def test_broken_portal_is_an_http_error(farm: Farm, mapped: dict[str, SiteMap]) -> None:
    sitemap = mapped["bo-ha-tang-so"]
    assert sitemap.error == farm.expected_status["bo-ha-tang-so"] == "http_error"


def test_the_calendar_trap_stays_inside_its_budget_and_is_named(
        farm: Farm, mapped: dict[str, SiteMap]) -> None:
    trapped = [p for p in PROFILES if p.calendar_trap]
    assert trapped
    cap = Budget().per_template
    for profile in trapped:
        sitemap = mapped[profile.id]
        months = [p for p in sitemap.pages if "lich-tiep-cong-dan" in p.url]
        templates = {p.template for p in months}
        assert months and all(sum(p.template == t for p in months) <= cap for t in templates)
        assert len(months) <= cap * cap  # query variants of one path are capped too
        assert sitemap.stopped_by == "per_template"
        left_out = {t: n for t, n in sitemap.capped.items() if "lich-tiep-cong-dan" in t}
        assert left_out, sitemap.capped
        assert "lich-tiep-cong-dan" in crawl_summary(sitemap, shown=len(sitemap.capped))
        asked = [path for _, path in farm.request_log(profile.id) if "lich-tiep" in path]
        assert len(asked) == len(months)  # nothing fetched beyond what was kept


def test_the_per_host_rate_limit_holds_on_every_crawled_portal(
        farm: Farm, mapped: dict[str, SiteMap]) -> None:
    """Server-side arrival times never show more than 1/delay requests in a second.

    Arrival times jitter by a few ms, so a second is measured as 1 - delay/2 (as in
    test_discovery_crawl.py); the app shell is left out (its browser loads subresources).
    With 40 ms pages and 4 requests in flight, the fast portal would see ~80 a second
    without the limit.
    """
    delay = Budget().delay
    window = 1.0 - delay / 2
    for agency_id in MAPPED:
        if farm.site(agency_id).profile.kind is not Kind.CLASSIC:
            continue
        times = sorted(t for t, _ in farm.request_log(agency_id))
        assert len(times) >= 10, agency_id
        busiest = max(sum(1 for t in times if start <= t < start + window) for start in times)
        assert busiest <= round(1 / delay), (agency_id, busiest)
        # (no minimum gap: a request that opens a new TLS connection arrives later than
        # one sent after it on a warm connection, so arrival gaps can be shorter than delay)


def test_the_probe_never_posts(farm: Farm, mapped: dict[str, SiteMap]) -> None:
    for agency in farm.agencies:
        assert farm.posts(agency.id) == []
