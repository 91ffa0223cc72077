"""Layout family (rubric L1-L4): header, main navigation, footer, site map or breadcrumbs.

Reads the rendered home page (single-page apps included) and one inner page, in one
browser context; `nav.max_service_depth` comes from the site map's click depths. In a sweep
step the pages come from what the step's page visits fetched (checks._visits.recording).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from checks._dom import (
    EMAIL,
    SECTIONS,
    SITEMAP_LINKS,
    Link,
    PortalError,
    failed,
    fold,
    has_phrase,
    links_matching,
    looks_missing,
    observe,
    open_url,
    page_controls,
    page_links,
    page_text,
    phone_numbers,
    screenshot,
    short,
    shows_content,
)
from checks._visits import recording
from probe.browser import close_context, next_tab
from probe.context import PortalContext
from probe.models import Observation, SiteMap
from probe.observations import CATALOGUE
from probe.urls import netloc

FAMILY = "layout"
NAMES: tuple[str, ...] = tuple(n for n, s in CATALOGUE.items() if s.check == FAMILY)

NAV_SECTIONS: tuple[str, ...] = ("catalogue", "online", "lookup", "payment", "feedback",
                                 "rating", "statistics", "support", "login")
SERVICE_TYPES: tuple[str, ...] = ("procedure", "submission", "lookup")
NAME_PREFIXES: tuple[str, ...] = ("uy ban nhan dan", "ubnd", "tinh", "thanh pho", "tp.", "tp")
FOOTER_LABELS: dict[str, tuple[str, ...]] = {
    "governing body": ("cơ quan chủ quản", "đơn vị chủ quản", "chủ quản", "cơ quan quản lý",
                       "đơn vị quản lý", "cơ quan chủ trì", "governing body"),
    "address": ("địa chỉ", "trụ sở", "address"),
    "phone": (),  # a phone number
    "email": (),  # an e-mail address or mailto link
    "person responsible": ("chịu trách nhiệm", "người chịu trách nhiệm",
                           "trách nhiệm chính", "trách nhiệm nội dung", "responsible"),
}
_CRUMB_LINE = re.compile(r"^\s*trang chu\s*[>/»›]")


# ------------------------------------------------------------------------------------
# Pure helpers
# ------------------------------------------------------------------------------------

def name_core(name: str) -> str:
    """The agency's name without 'UBND' / 'Tỉnh' / 'Thành phố' prefixes, folded."""
    core = fold(name)
    changed = True
    while changed:
        changed = False
        for prefix in NAME_PREFIXES:
            if core.startswith(prefix + " ") or (prefix.endswith(".") and core.startswith(prefix)):
                core = core[len(prefix):].strip()
                changed = True
    return core or fold(name)


def names_agency(text: str, name: str) -> bool:
    """True when `text` names the agency (accent-insensitive, prefixes tolerated)."""
    return has_phrase(text, (name_core(name),))


def nav_sections(links: Sequence[Link]) -> tuple[list[str], list[str]]:
    """(sections linked, sections missing) among the standard ones."""
    found = [s for s in NAV_SECTIONS if links_matching(links, SECTIONS[s])]
    return found, [s for s in NAV_SECTIONS if s not in found]


def footer_fields(text: str, mailto: bool) -> tuple[list[str], list[str]]:
    """(fields shown, fields missing) of a footer's text."""
    found = []
    for key, labels in FOOTER_LABELS.items():
        if key == "phone":
            seen = bool(phone_numbers(text))
        elif key == "email":
            seen = mailto or bool(EMAIL.search(text))
        else:
            seen = has_phrase(text, labels)
        if seen:
            found.append(key)
    return found, [k for k in FOOTER_LABELS if k not in found]


def crumb_text(text: str, home_text: str = "") -> str | None:
    """A 'Trang chủ > ...' line among the first lines of an inner page's text that the home
    page does not have (a menu is on every page; breadcrumbs only on inner ones), or None."""
    on_home = {line.strip() for line in home_text.splitlines()}
    for line in text.splitlines()[:80]:
        if _CRUMB_LINE.match(fold(line)) and len(line) < 200 and line.strip() not in on_home:
            return line.strip()
    return None


def service_depth(sitemap: SiteMap, home_url: str | None = None) -> Observation:
    """nav.max_service_depth from the site map's click depths (probe_error when none)."""
    pages = [p for p in sitemap.pages if p.type in SERVICE_TYPES]
    if not pages:
        return observe("nav.max_service_depth", None, sitemap.portal or home_url,
                       "the site map has no procedure, submission or look-up page",
                       "probe_error")
    deepest = max(pages, key=lambda p: p.depth)
    mapped = f"{len(pages)} service page{'s' if len(pages) != 1 else ''} mapped"
    clicks = f"{deepest.depth} click{'s' if deepest.depth != 1 else ''}"
    return observe("nav.max_service_depth", deepest.depth, deepest.url,
                   f"{mapped}; deepest is a {deepest.type} page at {clicks}")


# ------------------------------------------------------------------------------------
# Reading the page
# ------------------------------------------------------------------------------------

@dataclass
class Regions:
    """What the rendered page shows in its header and footer."""

    header: str = ""
    header_found: str = ""  # which selector (or the top band) gave the header
    logo: str = ""  # what the logo is (img src, svg, background), empty when none
    footer: str = ""
    footer_found: str = ""
    mailto: bool = False
    crumbs: list[str] = field(default_factory=list)


_REGIONS_JS = """() => {
  const visible = el => el.getClientRects().length > 0;
  const outermost = els => els.filter(e => !els.some(o => o !== e && o.contains(e)));
  const top = el => el.getBoundingClientRect().top + window.scrollY;
  const inFooter = el => el.closest('footer, [role=contentinfo], #footer, .footer');
  const pick = sel => outermost(Array.from(document.querySelectorAll(sel)).filter(visible));
  const labelled = 'img[alt], svg [aria-label], svg title, [title]';
  const labels = el => Array.from(el.querySelectorAll(labelled))
      .map(x => x.alt || x.getAttribute('aria-label') || x.textContent || x.title || '');
  const textOf = els => els.map(e => [e.innerText, ...labels(e)].join('\\n')).join('\\n');

  let headers = pick('header, [role=banner], #header, .header, [class*=header], [id*=header],'
                     + ' [class*=banner], [id*=banner], [class*=masthead]')
      .filter(e => !inFooter(e) && top(e) < 400);
  let headerFound = headers.length ? 'header element' : '';
  if (!headers.length) {  // no marked header: the visible blocks in the top band
    headers = outermost(Array.from(document.body.querySelectorAll('*'))
      .filter(e => visible(e) && top(e) < 180 && e.getBoundingClientRect().height < 260
              && !e.closest('nav, [role=navigation]')));
    headerFound = 'top band';
  }
  const logoOf = box => {
    for (const img of box.querySelectorAll('img')) {
      const r = img.getBoundingClientRect();
      if (img.complete && img.naturalWidth > 0 && r.width >= 16 && r.height >= 16)
        return 'img ' + (img.getAttribute('src') || '').slice(0, 80);
    }
    for (const svg of box.querySelectorAll('svg')) {
      const r = svg.getBoundingClientRect();
      if (r.width >= 16 && r.height >= 16) return 'svg';
    }
    for (const el of box.querySelectorAll('[class*=logo], [id*=logo]')) {
      const bg = getComputedStyle(el).backgroundImage;
      if (bg && bg !== 'none' && visible(el)) return 'background ' + bg.slice(0, 80);
    }
    return '';
  };
  let logo = '';
  for (const box of headers) { logo = logoOf(box); if (logo) break; }

  let footers = pick('footer, [role=contentinfo], #footer, .footer, [class*=footer], [id*=footer]');
  let footerFound = footers.length ? 'footer element' : '';
  if (!footers.length) {
    const blocks = Array.from(document.body.children).filter(visible);
    footers = blocks.slice(-1);
    footerFound = 'last block';
  }
  const crumbs = pick('[class*=breadcrumb], [id*=breadcrumb], nav[aria-label*=breadcrumb i],'
                      + ' [itemtype*=BreadcrumbList], [aria-label*="đường dẫn" i],'
                      + ' [class*=duong-dan]')
      .map(e => (e.innerText || '').replace(/\\s+/g, ' ').trim()).filter(t => t);
  return {
    header: textOf(headers), header_found: headerFound, logo,
    footer: textOf(footers), footer_found: footerFound,
    mailto: footers.some(f => f.querySelector('a[href^="mailto:"]')),
    crumbs,
  };
}"""


async def read_regions(page: Page) -> Regions:
    """Header, logo, footer and breadcrumbs of the rendered page."""
    return Regions(**await page.evaluate(_REGIONS_JS))


# ------------------------------------------------------------------------------------
# The checks
# ------------------------------------------------------------------------------------

def header_observations(ctx: PortalContext, url: str, regions: Regions,
                        shot: str) -> list[Observation]:
    """header.agency_name and header.logo."""
    named = names_agency(regions.header, ctx.agency.name)
    seen = short(regions.header.replace("\n", " / "), 90) or "no header text"
    name = observe("header.agency_name", named, url,
                   f"{regions.header_found or 'header'} "
                   f"{'names' if named else 'does not name'} {ctx.agency.name!r}: {seen}",
                   artifacts=[shot])
    logo = observe("header.logo", bool(regions.logo), url,
                   f"logo: {regions.logo}" if regions.logo else "no image or svg in the header",
                   artifacts=[shot])
    return [name, logo]


def nav_observation(url: str, links: Sequence[Link]) -> Observation:
    """nav.sections: share of the standard sections linked from the home page."""
    found, missing = nav_sections(links)
    detail = f"{len(found)} of {len(NAV_SECTIONS)} sections linked"
    if missing:
        detail += f"; missing: {', '.join(missing)}"
    return observe("nav.sections", round(len(found) / len(NAV_SECTIONS), 3), url, detail)


def footer_observation(url: str, regions: Regions) -> Observation:
    """footer.fields: share of the five footer fields."""
    found, missing = footer_fields(regions.footer, regions.mailto)
    detail = f"{regions.footer_found or 'footer'}: {len(found)} of {len(FOOTER_LABELS)} fields"
    if missing:
        detail += f"; missing: {', '.join(missing)}"
    return observe("footer.fields", round(len(found) / len(FOOTER_LABELS), 3), url, detail)


async def sitemap_or_breadcrumbs(ctx: PortalContext, page: Page, home_url: str,
                                 links: Sequence[Link], home_text: str = "") -> Observation:
    """sitemap_or_breadcrumbs: a site map page opens, or an inner page shows breadcrumbs."""
    name = "sitemap_or_breadcrumbs"
    timeout = ctx.settings.page_timeout_ms
    sitemap_url, how = _sitemap_target(ctx, links, home_url)
    if sitemap_url:
        loaded = await open_url(page, sitemap_url, timeout)
        if loaded.ok and not looks_missing(await page_text(page)):
            return observe(name, True, loaded.url, f"site map page via {how}")
    inner = _inner_page(ctx, links, home_url)
    if inner is None:
        return observe(name, False, home_url, "no site map link and no inner page to inspect")
    loaded = await open_url(page, inner, timeout)
    regions = await read_regions(page)
    if regions.crumbs:
        return observe(name, True, loaded.url, f"breadcrumbs: {short(regions.crumbs[0], 80)}")
    if line := crumb_text(await page_text(page), home_text):
        return observe(name, True, loaded.url, f"breadcrumbs: {short(line, 80)}")
    missing = "site map link broken" if sitemap_url else "no site map link"
    inner_note = "" if loaded.ok else f" (it answers HTTP {loaded.status})"
    return observe(name, False, loaded.url,
                   f"{missing}; no breadcrumbs on this inner page{inner_note}")


def _sitemap_target(ctx: PortalContext, links: Sequence[Link],
                    home_url: str) -> tuple[str | None, str]:
    """A human site map page (not sitemap.xml) on the portal: from the site map, else a
    home link."""
    for info in ctx.sitemap.of_type("sitemap"):
        if not _is_xml(info.url):
            return info.url, "site map (discovery)"
    for link in links_matching(links, SITEMAP_LINKS):
        if netloc(link.href) == netloc(home_url) and not _is_xml(link.href):
            return link.href, f'link "{short(link.text, 30)}"'
    return None, ""


def _is_xml(url: str) -> bool:
    """Whether `url` names an XML file (a sitemap.xml for robots, not a page for people)."""
    return urlsplit(url).path.lower().endswith(".xml")


def _inner_page(ctx: PortalContext, links: Sequence[Link], home_url: str) -> str | None:
    """An inner page that should carry breadcrumbs: a procedure or the catalogue."""
    for page_type in ("procedure", "catalogue", "lookup"):
        if info := ctx.sitemap.first(page_type):
            return info.url
    candidates = [link for link in links_matching(links, SECTIONS["catalogue"])
                  if netloc(link.href) == netloc(home_url)]
    return candidates[0].href if candidates else None


async def _load_home(page: Page, url: str, timeout_ms: int) -> str:
    """Open the home page, then give its images a moment to load; the landed URL."""
    loaded = await open_url(page, url, timeout_ms)
    if not loaded.ok:
        raise PortalError(f"home page answers HTTP {loaded.status}")
    with suppress(PlaywrightError):  # images still loading: judge what is there
        await page.wait_for_load_state("load", timeout=min(timeout_ms, 5000))
    if not await shows_content(page):  # a header "missing" from a blank page is no finding
        raise PortalError(f"home page {loaded.url} shows nothing (no text or image rendered)")
    return loaded.url


async def run(ctx: PortalContext) -> list[Observation]:
    """Record the layout observations of one portal (never raises)."""
    portal = ctx.sitemap.portal or ctx.agency.portal_url
    recorded = await recording(ctx)
    try:
        context, page = await ctx.new_page(recording=recorded.path if recorded else None)
    except Exception as error:  # noqa: BLE001
        return failed(NAMES, "probe_error", f"browser: {type(error).__name__}: {error}", portal)
    try:
        found = await _run(ctx, page, portal)
        if recorded:  # the pages' observations; the depth comes from the site map
            recorded.name_on([o for o in found if o.name != "nav.max_service_depth"])
        return found
    except PortalError as error:
        return failed(NAMES, "portal_error", str(error), portal)
    except Exception as error:  # noqa: BLE001 - a probe bug must not sink the sweep
        return failed(NAMES, "probe_error", f"{type(error).__name__}: {error}", portal)
    finally:  # a crashed browser must not hide the observations
        await close_context(context)


async def _run(ctx: PortalContext, page: Page, portal: str) -> list[Observation]:
    """Home page regions and links, the site depth, then the site map or breadcrumbs."""
    home_url = await _load_home(page, portal, ctx.settings.page_timeout_ms)
    regions = await read_regions(page)
    links = await page_links(page)
    controls = await page_controls(page)
    home_text = await page_text(page)
    shot = await screenshot(page, ctx.evidence)
    observations = [
        *header_observations(ctx, home_url, regions, shot),
        nav_observation(home_url, [*links, *controls]),
        service_depth(ctx.sitemap, home_url),
        footer_observation(home_url, regions),
    ]
    try:
        observations.append(await sitemap_or_breadcrumbs(ctx, await next_tab(page), home_url,
                                                         links, home_text))
    except PortalError as error:
        observations += failed(("sitemap_or_breadcrumbs",), "portal_error", str(error), home_url)
    return observations
