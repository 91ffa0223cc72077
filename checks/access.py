"""Access (A1-A3): mobile layout, automated accessibility (axe) and findability.

How each observation is made, on up to `settings.sample_pages` sampled pages (home first),
each opened, left to settle (single-page apps render) and to finish loading (at most 5 s).
In a sweep step the pages are served from what the step's page visits fetched
(checks._visits.recording), which the observations then name as evidence; the portal is
asked only for what that recording lacks.
- mobile.viewport_meta (per page): `<meta name=viewport>` with `width=device-width`
  (zoom locks are named in the detail).
- mobile.overflow_360 / mobile.overflow_320 (per page): the page is loaded in a mobile
  context (is_mobile, has_touch, 360x740 CSS px), then the same page is resized to 320 px;
  overflow is `documentElement.scrollWidth > clientWidth`; the detail names the outermost
  elements reaching past the right edge (ignoring those clipped by a scrolling/hidden
  ancestor). A JPEG screenshot at each width is stored. Without a viewport meta a mobile
  browser lays the page out 980 px wide (as a phone does), so overflow then reflects what
  a phone shows; the missing meta is recorded on its own.
- mobile.text_legible (per page, at 360 px): share of the visible text (by characters) set at
  12 px or more as a phone shows it (computed size times the initial zoom, so a page without
  a viewport meta, laid out 980 px wide and shrunk to fit, reads smaller), as Lighthouse's
  font-size audit measures it; the detail names the smallest text.
- mobile.tap_targets_ok (per page, at 360 px): share of touch targets (links, buttons,
  inputs, selects, [role=button]) meeting WCAG 2.5.8 target size: at least 24 x 24 CSS px as
  shown, or spaced so that a 24 px circle on each does not touch another; links inside a
  sentence are exempt (the inline exception). The detail names the smallest offenders.
- axe.violations / axe.serious_critical (per page): axe-core (axe-playwright-python) in a
  desktop context, rules tagged wcag2a, wcag2aa, wcag21a, wcag21aa; the value counts
  violated rules (the detail gives the elements); "incomplete" results (needs review) are
  kept out of the counts but stored with the violations in a JSON artifact.
- robots.allows: robots.txt read with urllib.robotparser for the probe's user agent; a
  missing robots.txt (4xx) allows; the detail says whether Googlebot is allowed too.
- sitemap_xml: /sitemap.xml, or a sitemap listed in robots.txt, answers 2xx and is XML
  whose root is <urlset> or <sitemapindex> (gzip accepted).
- page.title_lang: every sampled page has a non-empty, non-generic <title> and
  <html lang>.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import zlib
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
from axe_playwright_python.async_playwright import Axe
from lxml import etree
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from checks._dom import PROMISE_SPARE_S, PortalError, fold, open_url, screenshot
from checks._sampling import (
    AXE_LIMIT_S,
    AXE_MAX_ELEMENTS,
    axe_busy_s,
    browser_page,
    dom_elements,
    error_detail,
    error_outcome,
    observation,
    portal_url,
    unmeasured,
)
from checks._visits import Recording, read_urls, recording
from probe.audit.har import FROM_HAR
from probe.browser import next_tab, own_script
from probe.context import PortalContext
from probe.models import Observation, Outcome

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
MOBILE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
          "device_scale_factor": 1}
NARROW = {"width": 320, "height": 740}
TWO_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
MOBILE_NAMES = ("mobile.viewport_meta", "mobile.overflow_360", "mobile.overflow_320",
                "mobile.text_legible", "mobile.tap_targets_ok")
AXE_NAMES = ("axe.serious_critical", "axe.violations")
PAGE_NAMES = (*MOBILE_NAMES, *AXE_NAMES)
LEGIBLE_PX = 12  # Lighthouse's font-size audit
TARGET_PX = 24  # WCAG 2.2 SC 2.5.8 Target Size (Minimum)
SITE_NAMES = ("robots.allows", "sitemap_xml", "page.title_lang")
GENERIC_TITLES = {"", "trang chu", "trang chinh", "home", "home page", "homepage", "index",
                  "untitled", "document", "react app", "angular", "vue app", "app", "welcome",
                  "loading", "loading...", "dang tai", "dang tai...", "default", "new page",
                  "portal", "web", "website", "null", "undefined"}
SITEMAP_BYTES = 65536  # enough to see the root element of any sitemap

_axe: Axe | None = None


def axe() -> Axe:
    """One Axe runner per process (it reads axe-core's script once)."""
    global _axe
    if _axe is None:
        _axe = Axe()
    return _axe


# --------------------------------------------------------------------------------------
# Pure judgements
# --------------------------------------------------------------------------------------

def viewport_meta(content: str | None) -> tuple[bool, str]:
    """Whether a viewport meta is responsive (width=device-width), with notes on zoom."""
    if content is None:
        return False, "no viewport meta tag"
    text = content.lower().replace(" ", "")
    responsive = "width=device-width" in text
    notes = []
    if "user-scalable=no" in text or "user-scalable=0" in text:
        notes.append("zoom disabled (user-scalable=no)")
    limit = re.search(r"maximum-scale=([\d.]+)", text)
    if limit and _number(limit.group(1)) < 2:
        notes.append(f"zoom limited (maximum-scale={limit.group(1)})")
    detail = f'viewport "{content.strip()[:80]}"' + (f"; {'; '.join(notes)}" if notes else "")
    return responsive, detail if responsive else f"not responsive: {detail}"


def _number(text: str) -> float:
    """`text` as a float (0 when it is not a number)."""
    try:
        return float(text)
    except ValueError:
        return 0.0


def title_problem(title: str, host: str) -> str | None:
    """Why a page title is not meaningful, or None when it is."""
    folded = fold(title)
    if not folded:
        return "empty title"
    if folded in GENERIC_TITLES or folded == host.lower() or folded.startswith("http"):
        return f"generic title {title.strip()[:40]!r}"
    return None


def axe_counts(violations: Sequence[dict[str, Any]]) -> tuple[int, int, str]:
    """(violated rules, serious or critical rules, detail naming them)."""
    serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
    nodes = sum(len(v.get("nodes", [])) for v in violations)
    ranked = sorted(violations, key=lambda v: (v.get("impact") not in ("critical", "serious"),
                                               -len(v.get("nodes", []))))
    names = ", ".join(f"{v['id']} ({v.get('impact')}, {len(v.get('nodes', []))})"
                      for v in ranked[:5])
    detail = f"{len(violations)} rules violated on {nodes} elements"
    return len(violations), len(serious), detail + (f": {names}" if names else "")


def sitemap_root(data: bytes) -> tuple[bool, str]:
    """Whether `data` (maybe gzip, maybe cut short) is a sitemap: its root element's name."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            data = _gunzip_head(data)
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True)
    try:
        parser.feed(data[:SITEMAP_BYTES])
        for _, element in parser.read_events():
            name = etree.QName(element).localname
            ok = name in ("urlset", "sitemapindex")
            return ok, f"<{name}> with {data.count(b'<loc')} <loc> entries" if ok else \
                f"XML root <{name}> is not a sitemap"
    except etree.XMLSyntaxError as error:
        return False, f"not XML ({str(error)[:60]})"
    return False, "empty or not XML"


def _gunzip_head(data: bytes) -> bytes:
    """As much of a truncated gzip stream as can be decompressed."""
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)


# --------------------------------------------------------------------------------------
# Browser passes
# --------------------------------------------------------------------------------------

OVERFLOW_JS = r"""() => {
  const de = document.documentElement;
  const width = de.clientWidth, scroll = de.scrollWidth;
  const overflow = scroll > width;
  if (!overflow || !document.body) return {overflow, width, scroll, culprits: []};
  const clipped = el => {
    for (let p = el.parentElement; p && p !== document.body && p !== de; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1 || clipped(el)) continue;
    found.push([el, r.right]);
  }
  const offending = new Set(found.map(f => f[0]));
  const label = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (typeof el.className === 'string' && el.className.trim()
          ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '');
  const culprits = found.filter(f => !offending.has(f[0].parentElement))
      .sort((a, b) => b[1] - a[1]).slice(0, 5)
      .map(f => `${label(f[0])} (right edge ${Math.round(f[1])} px)`);
  return {overflow: true, width, scroll, culprits};
}"""

# Text size and touch targets as a phone shows them: CSS px times the initial zoom.
PHONE_JS = r"""([legible, target]) => {
  const zoom = (window.visualViewport && window.visualViewport.scale) || 1;
  const seen = el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0; };
  const label = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (typeof el.className === 'string' && el.className.trim()
          ? '.' + el.className.trim().split(/\s+/)[0] : '');
  let total = 0, small = 0; const smallest = [];
  const walker = document.createTreeWalker(document.body || document.documentElement,
                                           NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const chars = node.textContent.trim().length, el = node.parentElement;
    if (!chars || !el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName) || !seen(el))
      continue;
    const px = parseFloat(getComputedStyle(el).fontSize) * zoom;
    total += chars;
    if (px < legible) { small += chars; smallest.push([px, label(el)]); }
  }
  const query = 'a[href], button, input:not([type=hidden]), select, textarea, [role=button]';
  const boxes = [...document.querySelectorAll(query)].filter(seen).map(el => {
    const r = el.getBoundingClientRect();
    const inline = el.tagName === 'A' && getComputedStyle(el).display === 'inline' &&
        el.parentElement && el.parentElement.textContent.trim().length >
        el.textContent.trim().length + 20;
    return {el, inline, x: (r.left + r.width / 2) * zoom, y: (r.top + r.height / 2) * zoom,
            w: r.width * zoom, h: r.height * zoom};
  }).filter(b => !b.inline);
  const near = (a, b) => Math.hypot(a.x - b.x, a.y - b.y) < target;
  const failing = boxes.filter(b => (b.w < target || b.h < target) &&
      boxes.some(o => o !== b && near(b, o)));
  return {total, small, zoom,
          smallest: smallest.sort((a, b) => a[0] - b[0]).slice(0, 3)
              .map(([px, name]) => `${name} ${px.toFixed(1)} px`),
          targets: boxes.length, failing: failing.length,
          offenders: failing.sort((a, b) => a.w * a.h - b.w * b.h).slice(0, 3)
              .map(b => `${label(b.el)} ${Math.round(b.w)}x${Math.round(b.h)} px`)};
}"""

HEAD_JS = """() => {
  const meta = document.querySelector('meta[name=viewport i]');
  return {title: document.title || '', lang: document.documentElement.getAttribute('lang') || '',
          viewport: meta ? meta.getAttribute('content') || '' : null};
}"""


@dataclass
class PageFacts:
    """What the desktop pass saw on one page."""

    url: str
    title: str = ""
    lang: str = ""
    error: str = ""
    outcome: Outcome = "ok"
    observations: list[Observation] = field(default_factory=list)


LOAD_WAIT_MS = 5000  # images and styles after DOMContentLoaded, at most this long


async def _load(page: Page, url: str, ctx: PortalContext) -> None:
    """Open `url` (PortalError when the portal fails) and give images and styles time to
    arrive: late images change the layout and the colours axe checks."""
    await open_url(page, url, ctx.settings.page_timeout_ms)
    with suppress(PlaywrightError):  # a hanging subresource does not stop the check
        await page.wait_for_load_state("load", timeout=LOAD_WAIT_MS)


async def _overflow(page: Page, ctx: PortalContext, width: int, url: str) -> Observation:
    """mobile.overflow_<width> for the page as currently laid out, with a screenshot."""
    data = await page.evaluate(OVERFLOW_JS)
    shot = await screenshot(page, ctx.evidence)
    name = f"mobile.overflow_{width}"
    if data["overflow"]:
        detail = (f"content {data['scroll']} px wide in a {data['width']} px viewport; "
                  + ("; ".join(data["culprits"]) or "no single element found"))
    else:
        detail = f"fits: content {data['scroll']} px in a {data['width']} px viewport"
    return observation(name, bool(data["overflow"]), url, detail, artifacts=[shot])


def _phone_reading(data: dict[str, Any], url: str) -> list[Observation]:
    """mobile.text_legible and mobile.tap_targets_ok from PHONE_JS's reading of a page."""
    zoom = f" at zoom {data['zoom']:.2f}" if data["zoom"] != 1 else ""
    legible = 1.0 if not data["total"] else round(1 - data["small"] / data["total"], 3)
    text = (f"{legible:.0%} of {data['total']} characters at {LEGIBLE_PX} px or more{zoom}"
            + (f"; smallest: {', '.join(data['smallest'])}" if data["smallest"] else ""))
    ok = 1.0 if not data["targets"] else round(1 - data["failing"] / data["targets"], 3)
    targets = (f"{data['targets'] - data['failing']} of {data['targets']} touch targets meet "
               f"{TARGET_PX} px{zoom}"
               + (f"; smallest crowded: {', '.join(data['offenders'])}" if data["offenders"]
                  else ""))
    return [observation("mobile.text_legible", legible, url, text),
            observation("mobile.tap_targets_ok", ok, url, targets)]


async def _mobile_page(page: Page, ctx: PortalContext, url: str) -> list[Observation]:
    """viewport meta and overflow at 360 and 320 px for one page (one load)."""
    await page.set_viewport_size(MOBILE["viewport"])  # type: ignore[arg-type]
    try:
        await _load(page, url, ctx)
    except PortalError as error:
        return unmeasured(MOBILE_NAMES, url, "portal_error", str(error))
    head = await page.evaluate(HEAD_JS)
    responsive, detail = viewport_meta(head["viewport"])
    found = [observation("mobile.viewport_meta", responsive, url, detail)]
    found.append(await _overflow(page, ctx, 360, url))
    found += _phone_reading(await page.evaluate(PHONE_JS, [LEGIBLE_PX, TARGET_PX]), url)
    await page.set_viewport_size(NARROW)
    with suppress(TimeoutError):  # two frames, so the narrow layout is the one read
        await asyncio.wait_for(page.evaluate(TWO_FRAMES_JS), PROMISE_SPARE_S)
    found.append(await _overflow(page, ctx, 320, url))
    return found


async def _axe_page(page: Page, ctx: PortalContext, url: str) -> PageFacts:
    """axe on one page in the desktop context, plus its title and lang."""
    facts = PageFacts(url=url)
    try:
        await _load(page, url, ctx)
    except PortalError as error:
        facts.error, facts.outcome = str(error), "portal_error"
        facts.observations = unmeasured(AXE_NAMES, url, "portal_error", str(error))
        return facts
    head = await page.evaluate(HEAD_JS)
    facts.title, facts.lang = head["title"], head["lang"]
    if (size := await dom_elements(page)) > AXE_MAX_ELEMENTS:  # axe would take many minutes
        detail = f"page has {size} elements (over {AXE_MAX_ELEMENTS}): axe not run"
        facts.observations = unmeasured(AXE_NAMES, url, "portal_error", detail)
        return facts
    try:
        async with own_script(page, axe_busy_s(size)):  # not stopped as a runaway script
            result = (await asyncio.wait_for(axe().run(page, options=AXE_OPTIONS),
                                             AXE_LIMIT_S)).response
    except TimeoutError:
        detail = f"axe did not finish within {AXE_LIMIT_S:g} s on a page of {size} elements"
        facts.observations = unmeasured(AXE_NAMES, url, "probe_error", detail)
        return facts
    violations = result.get("violations", [])
    incomplete = result.get("incomplete", [])
    stored = {k: result.get(k) for k in ("url", "timestamp", "testEngine", "testEnvironment",
                                          "toolOptions", "violations", "incomplete")}
    artifact = ctx.evidence.put(json.dumps(stored, ensure_ascii=False).encode("utf-8"), ".json")
    count, serious, detail = axe_counts(violations)
    detail += f"; {len(incomplete)} rules need review (not counted)"
    facts.observations = [
        observation("axe.violations", count, url, detail, artifacts=[artifact]),
        observation("axe.serious_critical", serious, url, detail, artifacts=[artifact]),
    ]
    return facts


async def _guarded(names: Sequence[str], url: str, coroutine: Any) -> Any:
    """Await `coroutine`; on an exception return `names` as not observed."""
    try:
        return await coroutine
    except Exception as error:  # a failure becomes an observation
        return unmeasured(names, url, error_outcome(error), error_detail(error))


async def desktop_pass(ctx: PortalContext, urls: Sequence[str],
                       recording: Path | None = None) -> list[PageFacts]:
    """axe, title and lang on each page, one desktop context reused (served from
    `recording` where it holds the page)."""
    facts: list[PageFacts] = []
    async with browser_page(ctx, recording=recording) as (_, page):
        for url in urls:
            page = await next_tab(page)
            try:
                facts.append(await _axe_page(page, ctx, url))
            except Exception as error:  # one page's failure does not stop the others
                outcome, detail = error_outcome(error), error_detail(error)
                facts.append(PageFacts(url=url, error=detail, outcome=outcome,
                                       observations=unmeasured(AXE_NAMES, url, outcome,
                                                               detail)))
    return facts


async def mobile_pass(ctx: PortalContext, urls: Sequence[str],
                      recording: Path | None = None) -> list[Observation]:
    """Viewport meta and overflow at 360/320 px on each page, one mobile context reused
    (served from `recording` where it holds the page)."""
    found: list[Observation] = []
    async with browser_page(ctx, recording=recording, **MOBILE) as (_, page):
        for url in urls:
            page = await next_tab(page)
            found += await _guarded(MOBILE_NAMES, url, _mobile_page(page, ctx, url))
    return found


def title_lang(facts: Sequence[PageFacts], home: str) -> Observation:
    """page.title_lang over the pages the desktop pass loaded."""
    loaded = [f for f in facts if f.outcome == "ok" and not f.error]
    if not loaded:
        reason = facts[0].error if facts else "no page loaded"
        outcome = facts[0].outcome if facts else "probe_error"
        return observation("page.title_lang", None, home, reason, outcome)
    host = urlsplit(home).hostname or ""
    problems = []
    for item in loaded:
        issue = title_problem(item.title, host)
        if issue:
            problems.append(f"{item.url}: {issue}")
        if not item.lang.strip():
            problems.append(f"{item.url}: no <html lang>")
    titles = {f.title.strip() for f in loaded}
    same = f"; {len(loaded)} pages share one title" if len(loaded) > 1 and len(titles) == 1 \
        else ""
    if problems:
        return observation("page.title_lang", False, home, "; ".join(problems[:3]) + same)
    langs = ", ".join(sorted({f.lang.strip() for f in loaded}))
    return observation("page.title_lang", True, home,
                       f"{len(loaded)} pages titled, lang {langs}{same}")


# --------------------------------------------------------------------------------------
# robots.txt and sitemap.xml
# --------------------------------------------------------------------------------------

async def _head_bytes(client: httpx.AsyncClient, url: str) -> tuple[int, bytes, str]:
    """Status, the first bytes of the body and the content type of a GET of `url`."""
    async with client.stream("GET", url) as response:
        data = b""
        async for chunk in response.aiter_raw():
            data += chunk
            if len(data) >= 4 * SITEMAP_BYTES:
                break
        encoding = response.headers.get("content-encoding", "")
        if encoding == "gzip" and data[:2] == b"\x1f\x8b":
            data = _gunzip_head(data)
        return response.status_code, data, response.headers.get("content-type", "")


async def robots(ctx: PortalContext, client: httpx.AsyncClient,
                 home: str) -> tuple[Observation, list[str]]:
    """robots.allows, and the sitemaps robots.txt lists."""
    url = urljoin(home, "/robots.txt")
    status, data, kind = await _head_bytes(client, url)
    if status >= 500:
        return observation("robots.allows", None, home, f"robots.txt answered HTTP {status}",
                           "portal_error"), []
    if status >= 400:
        return observation("robots.allows", True, home,
                           f"no robots.txt (HTTP {status}): everything allowed"), []
    parser = RobotFileParser(url)
    parser.parse(data.decode("utf-8", "replace").splitlines())
    allowed = parser.can_fetch(ctx.settings.user_agent, home)
    google = parser.can_fetch("Googlebot", home)
    note = "; robots.txt is an HTML page (no rules)" if "html" in kind else ""
    detail = (f"{'allows' if allowed else 'disallows'} the probe's user agent; "
              f"Googlebot {'allowed' if google else 'disallowed'}{note}")
    return observation("robots.allows", allowed, home, detail), list(parser.site_maps() or [])


async def sitemap(client: httpx.AsyncClient, home: str, listed: Sequence[str]) -> Observation:
    """sitemap_xml: /sitemap.xml or a robots-listed sitemap is a real sitemap.

    Raises the transport error when no candidate answered at all (the portal is down).
    """
    tried: list[str] = []
    failure: httpx.HTTPError | None = None
    answered = False
    default = urljoin(home, "/sitemap.xml")
    for url in dict.fromkeys([default, *listed[:3]]):
        try:
            status, data, kind = await _head_bytes(client, url)
        except httpx.HTTPError as error:
            failure = error
            tried.append(f"{url}: {error_detail(error, 60)}")
            continue
        answered = True
        if not 200 <= status < 300:
            tried.append(f"{url}: HTTP {status}")
            continue
        if "html" in kind or data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
            tried.append(f"{url}: an HTML page, not a sitemap")
            continue
        ok, detail = sitemap_root(data)
        if ok:
            where = "at /sitemap.xml" if url == default else "listed in robots.txt"
            return observation("sitemap_xml", True, home, f"{url} ({where}): {detail}")
        tried.append(f"{url}: {detail}")
    if not answered and failure is not None:
        raise failure
    return observation("sitemap_xml", False, home, "no sitemap: " + "; ".join(tried))


async def findability(ctx: PortalContext, home: str,
                      recording: Recording | None = None) -> list[Observation]:
    """robots.allows and sitemap_xml (read from `recording` where it holds them; then they
    name it among their artifacts)."""
    served: list[str] = []  # what the recording answered, as it answered

    async def note(response: httpx.Response) -> None:
        if response.extensions.get(FROM_HAR):
            served.append(str(response.request.url))

    async with ctx.http_client(recording=recording.path if recording else None,
                               event_hooks={"response": [note]}) as client:
        try:
            robots_obs, listed = await robots(ctx, client, home)
        except Exception as error:  # a failure becomes an observation
            robots_obs, listed = observation("robots.allows", None, home, error_detail(error),
                                             error_outcome(error)), []
        robots_served, served[:] = bool(served), []
        try:
            sitemap_obs = await sitemap(client, home, listed)
        except Exception as error:  # a failure becomes an observation
            sitemap_obs = observation("sitemap_xml", None, home, error_detail(error),
                                      error_outcome(error))
    for item, read in ((robots_obs, robots_served), (sitemap_obs, bool(served))):
        if recording and read:
            recording.name(item)
    return [robots_obs, sitemap_obs]


async def run(ctx: PortalContext) -> list[Observation]:
    """Mobile layout and axe on sampled pages; robots.txt, sitemap.xml, titles and lang."""
    home = portal_url(ctx)
    try:
        urls = read_urls(ctx)  # the sampled pages, as the visits read them
        recorded = await recording(ctx)
        served = recorded.path if recorded else None
        facts = await desktop_pass(ctx, urls, served)
        if facts and facts[0].outcome == "portal_error":
            detail = f"home page failed: {facts[0].error}"
            return unmeasured((*PAGE_NAMES, *SITE_NAMES), home, "portal_error", detail)
        found = [o for f in facts for o in f.observations]
        found += await mobile_pass(ctx, urls, served)
        found.append(title_lang(facts, home))
        if recorded:
            recorded.name_on(found)
        found += await findability(ctx, home, recorded)
        return found
    except Exception as error:  # a probe failure must not sink the run
        names = (*PAGE_NAMES, *SITE_NAMES)
        return unmeasured(names, home, "probe_error", f"probe failure: {error_detail(error)}")
