"""EMC (E1-E2): the national monitoring snippet on sampled pages, and whether it runs.

How each observation is made:
- Every page is read from the portal's shared page visits (checks._visits: one browser
  visit of each sampled page serves security, EMC and the HAR). In a sweep, their HAR (the
  documents as sent, the tracker's requests) is the evidence each observation names.
- The snippet is read by `parse_emc` (checks._emc_snippet), a pure function, from each
  sampled page's raw HTML (the document as the server sent it) and, for single-page apps
  (`sitemap.rendered`) and the home page, from the rendered DOM too. It tells active code
  from code inside HTML comments, JS comments, non-JavaScript <script> types or inline text
  of a <script src> (never executed); reads `_govaq.push([...])` calls in any formatting
  (minified one-liners included); resolves simple expressions (`u + 'tracking'` with `var u
  = '...'`); and treats template placeholders ('{{siteId}}', '<%= id %>', '${id}', ...), '',
  '0', 'null' as an empty site id.
- emc.snippet_pages: share of sampled pages (that answered) whose snippet is active
  (pushes trackPageView), or on which the browser saw a tracking request.
- emc.site_id / emc.tracker_https: over the active snippets: every one sets a non-empty
  site id / an https:// tracker URL (protocol-relative counts on HTTPS pages). A site id set
  from a variable counts when the browser's tracking request carries a non-empty idsite.
- emc.script_loaded / emc.tracking_request (home page, browser network log): the tracker
  script (the snippet's src, or any *gov-tracking* script) answered 2xx; a request to the
  tracker URL (or a */tracking path on the tracker host) was sent after the page view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlsplit

from checks._emc_snippet import (
    EMC_HOST,
    TRACKING_WAIT_S,
    EmcSnippet,
    is_tracker_script,
    is_tracking,
    parse_emc,
    site_id_problem,
    strip_js_comments,
    tracker_of,
)
from checks._sampling import error_detail, observation, portal_url, unmeasured
from checks._visits import PageVisit, browsed_urls, page_visits, read_urls
from probe.context import PortalContext
from probe.models import Observation

__all__ = ["EMC_HOST", "NAMES", "is_tracker_script", "is_tracking", "parse_emc",
           "strip_js_comments", "run"]

NAMES = ("emc.snippet_pages", "emc.site_id", "emc.tracker_https", "emc.script_loaded",
         "emc.tracking_request")


@dataclass
class Visit:
    """The tracker's traffic on one page: its script's answers and its tracking requests."""

    url: str
    error: str = ""
    scripts: list[tuple[str, int | None]] = field(default_factory=list)  # (url, status)
    tracking: list[str] = field(default_factory=list)


def traffic(visit: PageVisit, rendered: EmcSnippet, raw: EmcSnippet | None) -> Visit:
    """The tracker script's and tracking requests among a visit's requests."""
    tracker = tracker_of(rendered, raw)
    src = rendered.script_src or (raw.script_src if raw else None)
    scripts = [(u, visit.statuses.get(u)) for u in visit.requests if is_tracker_script(u, src)]
    return Visit(url=visit.url, error=visit.error, scripts=scripts,
                 tracking=[u for u in visit.requests if is_tracking(u, tracker)])


# --------------------------------------------------------------------------------------
# Observations
# --------------------------------------------------------------------------------------


def _best(candidates: Sequence[EmcSnippet]) -> EmcSnippet:
    """The most complete reading of a page's snippet among raw HTML and rendered DOM."""
    ranked = sorted(candidates, key=lambda s: (not s.active, not s.site_id_ok, not s.present))
    return ranked[0]


def _idsite(requests: Sequence[str]) -> str | None:
    """A non-empty idsite parameter among tracking requests."""
    for url in requests:
        value = parse_qs(urlsplit(url).query).get("idsite", [""])[0]
        if value.strip() and not site_id_problem(value, ""):
            return value
    return None


@dataclass
class PageReading:
    """The snippet of one sampled page, and where it was read from."""

    url: str
    snippet: EmcSnippet
    tracking: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.snippet.active or bool(self.tracking)


def snippet_observations(readings: Sequence[PageReading], home: str,
                         skipped: Sequence[str]) -> list[Observation]:
    """emc.snippet_pages, emc.site_id and emc.tracker_https."""
    active = [r for r in readings if r.active]
    missing = [f"{r.url} ({r.snippet.summary()})" for r in readings if not r.active]
    detail = f"{len(active)} of {len(readings)} sampled pages carry an active snippet"
    if missing:
        detail += "; without: " + ", ".join(missing[:3])
    if skipped:
        detail += f"; {len(skipped)} page(s) did not answer"
    found = [observation("emc.snippet_pages", round(len(active) / len(readings), 4), home,
                         detail)]
    if not active:
        reason = readings[0].snippet.summary() if readings else "no page"
        return found + [observation("emc.site_id", False, home, f"no active snippet: {reason}"),
                        observation("emc.tracker_https", False, home,
                                    f"no active snippet: {reason}")]
    found.append(_site_id_observation(active, home))
    found.append(_tracker_observation(active, home))
    return found


def _site_id_observation(active: Sequence[PageReading], home: str) -> Observation:
    """emc.site_id over the pages with an active snippet."""
    bad, ids = [], set()
    for reading in active:
        snippet = reading.snippet
        if snippet.site_id_ok and snippet.site_id is not None:
            ids.add(snippet.site_id)
            continue
        runtime = _idsite(reading.tracking)
        if runtime:
            ids.add(f"{runtime} (from the tracking request)")
        else:
            bad.append(f"{reading.url}: {snippet.site_id_note or 'site id not readable'}")
    if bad:
        return observation("emc.site_id", False, home, "; ".join(bad[:3]))
    return observation("emc.site_id", True, home, "site id " + ", ".join(sorted(ids)))


def _tracker_observation(active: Sequence[PageReading], home: str) -> Observation:
    """emc.tracker_https over the pages with an active snippet."""
    urls = {r.snippet.tracker_url for r in active if r.snippet.tracker_url}
    bad = [f"{r.url}: {r.snippet.tracker_url or 'no setTrackerUrl'}" for r in active
           if not r.snippet.tracker_https(r.url) and not
           (r.snippet.tracker_url is None and r.tracking and
            all(t.startswith("https://") for t in r.tracking))]
    if bad:
        return observation("emc.tracker_https", False, home, "tracker not https: "
                           + "; ".join(bad[:3]))
    shown = ", ".join(sorted(urls)) or "tracking requests over https"
    return observation("emc.tracker_https", True, home, f"tracker {shown}")


def network_observations(visit: Visit, snippet: EmcSnippet, home: str) -> list[Observation]:
    """emc.script_loaded and emc.tracking_request from the home page's network log."""
    if visit.error:
        return unmeasured(NAMES[3:], home, "portal_error", visit.error)
    loaded = [(u, s) for u, s in visit.scripts if s is not None and 200 <= s < 300]
    if loaded:
        script = observation("emc.script_loaded", True, home,
                             f"{loaded[0][0]} answered {loaded[0][1]}")
    elif visit.scripts:
        tried = ", ".join(f"{u} ({s or 'failed'})" for u, s in visit.scripts[:2])
        script = observation("emc.script_loaded", False, home, f"not loaded: {tried}")
    else:
        script = observation("emc.script_loaded", False, home,
                             f"tracker script never requested ({snippet.summary()})")
    if visit.tracking:
        request = observation("emc.tracking_request", True, home,
                              f"{len(visit.tracking)} request(s): {visit.tracking[0][:150]}")
    else:
        request = observation("emc.tracking_request", False, home,
                              f"no tracking request within {TRACKING_WAIT_S:.0f} s of load "
                              f"({snippet.summary()})")
    return [script, request]


async def run(ctx: PortalContext) -> list[Observation]:
    """The EMC snippet on sampled pages and its traffic on the home page."""
    home = portal_url(ctx)
    try:
        urls = read_urls(ctx)
        gathered = await page_visits(ctx)
        pages = gathered.of(urls)
        if not pages[0].loaded:
            return unmeasured(NAMES, home, pages[0].outcome, f"home page failed: {pages[0].error}")
        found = _observe(home, pages, set(browsed_urls(ctx)))
        return [replace(o, artifacts=[*o.artifacts, *gathered.artifacts]) if o.outcome == "ok"
                else o for o in found]
    except Exception as error:  # a probe failure must not sink the run
        return unmeasured(NAMES, home, "probe_error", f"probe failure: {error_detail(error)}")


def _reading(visit: PageVisit, browsed: bool) -> tuple[EmcSnippet, Visit]:
    """A page's snippet (its raw HTML's, or its rendered DOM's when that one is more
    complete on a page read in a browser) and the tracker's traffic on it."""
    raw = parse_emc(visit.raw_html, visit.url) if visit.raw_html is not None else None
    rendered = parse_emc(visit.html, visit.final_url or visit.url)
    candidates = [raw, rendered] if browsed and raw else [raw or rendered]
    return _best(candidates), traffic(visit, rendered, raw)


def _observe(home: str, pages: Sequence[PageVisit], browsed: set[str]) -> list[Observation]:
    """Combine raw HTML, rendered DOM and the network log into observations."""
    answered = [p for p in pages if p.answered]
    skipped = [p.url for p in pages if not p.answered]
    home_reading = _reading(pages[0], True)  # the home page is always read in a browser
    readings = []
    for page in answered:
        snippet, seen = home_reading if page is pages[0] else _reading(page, page.url in browsed)
        tracking = seen.tracking if page.url in browsed else []
        readings.append(PageReading(page.url, snippet, tracking))
    if not readings:
        return unmeasured(NAMES, home, "portal_error", "no sampled page answered 2xx")
    found = snippet_observations(readings, home, skipped)
    home_snippet = readings[0].snippet if answered[0] is pages[0] else EmcSnippet()
    return found + network_observations(home_reading[1], home_snippet, home)
