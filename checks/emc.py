"""EMC (E1-E2): the national monitoring snippet on sampled pages, and whether it runs.

How each observation is made:
- The snippet is read by `parse_emc`, a pure function, from each sampled page's raw HTML
  (httpx) and, for single-page apps (`sitemap.rendered`) and the home page, from the
  rendered DOM too. It tells active code from code inside HTML comments, JS comments,
  non-JavaScript <script> types or inline text of a <script src> (never executed); reads
  `_govaq.push([...])` calls in any formatting (minified one-liners included); resolves
  simple expressions (`u + 'tracking'` with `var u = '...'`); and treats template
  placeholders ('{{siteId}}', '<%= id %>', '${id}', ...), '', '0', 'null' as an empty site id.
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

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

from playwright.async_api import Page, Request, Response

from checks._dom import PortalError, open_url
from checks._sampling import (
    browser_page,
    error_detail,
    error_outcome,
    observation,
    portal_url,
    sampled_pages,
    unmeasured,
)
from probe.context import PortalContext
from probe.models import Observation

NAMES = ("emc.snippet_pages", "emc.site_id", "emc.tracker_https", "emc.script_loaded",
         "emc.tracking_request")
EMC_HOST = "f-emc.ngsp.gov.vn"
SCRIPT_HINT = "gov-tracking"
TRACKING_WAIT_S = 3.0
JS_TYPES = {"", "text/javascript", "application/javascript", "module", "text/ecmascript",
            "application/ecmascript", "application/x-javascript", "text/jscript",
            "text/livescript", "application/x-ecmascript", "text/x-javascript"}
EMPTY_IDS = {"", "0", "null", "undefined", "none", "nan", "false"}
PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|<%.*?%>|\$\{.*?\}|#\{.*?\}|\[\[.*?\]\]|"
                         r"@(?:Model|ViewBag|ViewData|Html)\b|^__\w+__$|^%\w+%$|^\{\w+\}$|"
                         r"^\$\w+$|^:\w+$", re.S)

# --------------------------------------------------------------------------------------
# HTML and JavaScript reading (pure)
# --------------------------------------------------------------------------------------


@dataclass
class _Script:
    type: str
    src: str
    text: str = ""


class _Collector(HTMLParser):
    """Collects <script> blocks (attributes and text) and HTML comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[_Script] = []
        self.comments: list[str] = []
        self._open: _Script | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            values = {k.lower(): (v or "") for k, v in attrs}
            kind = values.get("type", "").split(";")[0].strip().lower()
            self._open = _Script(type=kind, src=values.get("src", "").strip())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.scripts.append(self._open)
            self._open = None

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


_KEYWORDS_BEFORE_REGEX = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete",
                          "void", "throw", "instanceof", "yield", "await"}


def _skip_string(source: str, start: int) -> int:
    """Index just after the string literal starting at `start`."""
    quote, index = source[start], start + 1
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n" and quote != "`":
            return index
        index += 1
    return len(source)


def _skip_regex(source: str, start: int) -> int:
    """Index just after the regex literal starting at `start` (start + 1 if it is none)."""
    index, in_class = start + 1, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "\n":
            return start + 1
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            index += 1
            while index < len(source) and source[index].isalpha():
                index += 1
            return index
        index += 1
    return start + 1


def strip_js_comments(source: str) -> tuple[str, str]:
    """(`source` without comments, the comments' text). Strings and regexes are kept intact;
    HTML-like comments in scripts (`<!--` anywhere, `-->` at a line start) are comments too."""
    code: list[str] = []
    comments: list[str] = []
    index, length = 0, len(source)
    line_start, last_char, word = True, "", ""
    while index < length:
        char = source[index]
        pair = source[index:index + 2]
        if char in "\"'`":
            end = _skip_string(source, index)
            code.append(source[index:end])
            index, line_start, last_char, word = end, False, char, ""
            continue
        if pair == "//" or source.startswith("<!--", index) or (
                line_start and source.startswith("-->", index)):
            end = source.find("\n", index)
            end = length if end < 0 else end
            comments.append(source[index:end])
            index = end
            continue
        if pair == "/*":
            end = source.find("*/", index + 2)
            end = length if end < 0 else end + 2
            comments.append(source[index:end])
            code.append(" ")
            index = end
            continue
        if char == "/" and (last_char == "" or last_char in "(,=:[!&|?{};+-*%<>~^"
                            or word in _KEYWORDS_BEFORE_REGEX):
            end = _skip_regex(source, index)
            code.append(source[index:end])
            index, line_start, last_char, word = end, False, "/", ""
            continue
        code.append(char)
        if char == "\n":
            line_start = True
        elif not char.isspace():
            line_start = False
            word = word + char if (char.isalnum() or char in "_$") else ""
            last_char = char
        index += 1
    return "".join(code), "\n".join(comments)


def _split_top(text: str, separator: str) -> list[str]:
    """`text` split on `separator` outside strings, brackets and parentheses."""
    parts, depth, current, index = [], 0, [], 0
    while index < len(text):
        char = text[index]
        if char in "\"'`":
            end = _skip_string(text, index)
            current.append(text[index:end])
            index = end
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return [p.strip() for p in parts]


_ASSIGNMENT = re.compile(r"(?:\bvar|\blet|\bconst|[;,{(\n]|^)\s*([A-Za-z_$][\w$]*)\s*=\s*"
                         r"(\"[^\"\n]*\"|'[^'\n]*')", re.M)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


def _assignments(code: str) -> dict[str, str]:
    """Variables assigned a string literal in `code` (the last assignment wins)."""
    return {m.group(1): m.group(2)[1:-1] for m in _ASSIGNMENT.finditer(code)}


def evaluate(expression: str, env: dict[str, str]) -> tuple[str | None, str]:
    """The string value of a simple JS expression (literals, known variables, `+`).

    Returns (value, '') or (None, what could not be resolved).
    """
    value = ""
    for part in _split_top(expression, "+"):
        if len(part) >= 2 and part[0] in "\"'`" and part[-1] == part[0]:
            inner = part[1:-1]
            if part[0] == "`" and "${" in inner:
                return None, f"template {part[:40]}"
            value += inner
        elif re.fullmatch(r"-?\d+(?:\.\d+)?", part):
            value += part
        elif _IDENTIFIER.fullmatch(part):
            if part not in env:
                return None, f"variable {part}"
            value += env[part]
        else:
            return None, f"expression {part[:40]}"
    return value, ""


_PUSH = re.compile(r"(?:\bwindow\s*\.\s*)?\b_govaq\s*\.\s*push\s*\(\s*\[(.*?)\]\s*\)", re.S)
_SRC = re.compile(r"\.\s*src\s*=\s*([^;\n]+)")


def site_id_problem(value: str | None, unresolved: str) -> str | None:
    """Why a site id is empty, or None when it is usable."""
    if value is None:
        return f"site id set from {unresolved or 'nothing'}"
    text = value.strip()
    if text.lower() in EMPTY_IDS:
        return f"empty site id {value!r}"
    if PLACEHOLDER.search(text):
        return f"site id is an unfilled template placeholder {value!r}"
    return None


@dataclass
class EmcSnippet:
    """What one page's HTML says about its EMC snippet."""

    present: bool = False  # _govaq appears anywhere, comments included
    active: bool = False  # active code pushes trackPageView
    commented: bool = False  # _govaq appears only in comments or inactive scripts
    site_id: str | None = None  # as written (literal or resolved); None when not resolved
    site_id_ok: bool = False
    site_id_note: str = ""  # why the site id is not usable
    tracker_url: str | None = None
    script_src: str | None = None
    minified: bool = False
    problems: list[str] = field(default_factory=list)

    def tracker_https(self, page_url: str = "") -> bool:
        """Whether the tracker URL is https (protocol-relative follows the page's scheme)."""
        url = self.tracker_url or ""
        if url.startswith("//"):
            return page_url.startswith("https://")
        return url.lower().startswith("https://")

    def summary(self) -> str:
        """A short English description."""
        if not self.present:
            return "no EMC snippet"
        if not self.active:
            return "; ".join(self.problems) or "snippet inactive"
        parts = [f"site id {self.site_id!r}" if self.site_id_ok else self.site_id_note,
                 f"tracker {self.tracker_url}" if self.tracker_url else "no setTrackerUrl"]
        if self.minified:
            parts.append("minified")
        return "active; " + "; ".join(parts)


def _commands(code: str, env: dict[str, str]) -> list[tuple[str, list[tuple[str | None, str]]]]:
    """Every `_govaq.push([name, args...])` in `code`: (name, [(value, unresolved)])."""
    found = []
    for match in _PUSH.finditer(code):
        args = _split_top(match.group(1), ",")
        if not args or not args[0]:
            continue
        name, _ = evaluate(args[0], env)
        found.append((name or args[0], [evaluate(a, env) for a in args[1:]]))
    return found


def _inactive_text(collector: _Collector) -> tuple[list[str], list[str]]:
    """(active script code, text that never runs: comments, inactive scripts)."""
    active, inactive = [], list(collector.comments)
    for script in collector.scripts:
        if script.src or script.type not in JS_TYPES:
            inactive.append(script.text)
            continue
        code, comments = strip_js_comments(script.text)
        active.append(code)
        inactive.append(comments)
    return active, inactive


def parse_emc(html: str, page_url: str = "") -> EmcSnippet:
    """Read a page's EMC snippet from its HTML (see the module docstring)."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    active_code, inactive = _inactive_text(collector)
    code = "\n".join(active_code)
    snippet = EmcSnippet()
    in_code = "_govaq" in code
    snippet.present = in_code or any("_govaq" in text for text in inactive)
    if not snippet.present:
        return snippet
    env = _assignments(code)
    commands = _commands(code, env)
    names = [name for name, _ in commands]
    snippet.active = "trackPageView" in names
    snippet.commented = not in_code
    if snippet.commented:
        snippet.problems.append("snippet commented out")
    elif not snippet.active:
        snippet.problems.append("no active trackPageView push")
    for name, args in commands:
        value, unresolved = args[0] if args else (None, "no argument")
        if name == "setSiteId":
            snippet.site_id = value
            snippet.site_id_note = site_id_problem(value, unresolved) or ""
            snippet.site_id_ok = not snippet.site_id_note
        elif name == "setTrackerUrl":
            snippet.tracker_url = value if value is not None else None
    if snippet.active and not any(n == "setSiteId" for n in names):
        snippet.site_id_note = "no setSiteId push"
    snippet.script_src = _script_src(code, env, collector.scripts, page_url)
    snippet.minified = _minified(active_code)
    if snippet.active:
        snippet.problems += [p for p in (snippet.site_id_note,) if p]
    return snippet


def _script_src(code: str, env: dict[str, str], scripts: Sequence[_Script],
                page_url: str) -> str | None:
    """The tracker script's URL: a `.src = ...` assignment near the snippet or a script tag."""
    for match in _SRC.finditer(code):
        value, _ = evaluate(_split_top(match.group(1), ",")[0], env)
        if value and (SCRIPT_HINT in value or value.endswith(".js")):
            return urljoin(page_url, value) if page_url else value
    for script in scripts:
        if SCRIPT_HINT in script.src:
            return urljoin(page_url, script.src) if page_url else script.src
    return None


def _minified(active_code: Sequence[str]) -> bool:
    """True when the code holding the snippet sits on one or two long lines."""
    for code in active_code:
        if "_govaq" in code:
            lines = [line for line in code.splitlines() if line.strip()]
            return len(lines) <= 2 and len(code.strip()) > 150
    return False


# --------------------------------------------------------------------------------------
# The browser's network log
# --------------------------------------------------------------------------------------


@dataclass
class Visit:
    """What the browser saw on one page: its DOM and the tracker's traffic."""

    url: str
    html: str = ""
    error: str = ""
    scripts: list[tuple[str, int | None]] = field(default_factory=list)  # (url, status)
    tracking: list[str] = field(default_factory=list)


def is_tracking(url: str, tracker: str | None) -> bool:
    """Whether `url` is a request to the tracker (its URL, or */tracking on an EMC host)."""
    base = url.split("?", 1)[0].split("#", 1)[0]
    if tracker:
        wanted = urljoin(url, tracker).split("?", 1)[0]
        if base.rstrip("/") == wanted.rstrip("/"):
            return True
        tracker_host = urlsplit(urljoin(url, tracker)).netloc
        if urlsplit(url).netloc == tracker_host and base.endswith("/tracking"):
            return True
    parts = urlsplit(url)
    return (parts.hostname or "").endswith(EMC_HOST) and parts.path.endswith("/tracking")


def is_tracker_script(url: str, src: str | None) -> bool:
    """Whether `url` is the tracker script (the snippet's src, or a *gov-tracking* script)."""
    base = url.split("?", 1)[0]
    if src and base == urljoin(url, src).split("?", 1)[0]:
        return True
    return SCRIPT_HINT in urlsplit(url).path


class _Network:
    """Watches a page's requests for the tracker script and tracking requests."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.responses: list[tuple[str, int]] = []
        self.failures: list[str] = []
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _response(self, response: Response) -> None:
        self.responses.append((response.url, response.status))

    def _failed(self, request: Request) -> None:
        self.failures.append(request.url)

    def reset(self) -> None:
        self.requests, self.responses, self.failures = [], [], []


async def _wait_for_tracking(network: _Network, tracker: str | None) -> None:
    """Give the async tracker a few seconds to send its request."""
    deadline = time.monotonic() + TRACKING_WAIT_S
    while time.monotonic() < deadline:
        if any(is_tracking(u, tracker) for u in network.requests):
            return
        await asyncio.sleep(0.1)


async def _visit(page: Page, network: _Network, url: str, ctx: PortalContext,
                 expected: EmcSnippet | None) -> Visit:
    """Load `url`, keep its DOM and the tracker's traffic."""
    visit = Visit(url=url)
    network.reset()
    try:
        await open_url(page, url, ctx.settings.page_timeout_ms)
    except PortalError as error:
        visit.error = str(error)
        return visit
    visit.html = await page.content()
    snippet = parse_emc(visit.html, page.url)
    tracker = (snippet.tracker_url if snippet.active else None) or (
        expected.tracker_url if expected else None)
    if snippet.active or (expected and expected.active):
        await _wait_for_tracking(network, tracker)
    src = snippet.script_src or (expected.script_src if expected else None)
    statuses = dict(network.responses)
    visit.scripts = [(u, statuses.get(u)) for u in network.requests if is_tracker_script(u, src)]
    visit.tracking = [u for u in network.requests if is_tracking(u, tracker)]
    return visit


async def browse(ctx: PortalContext, urls: Sequence[str],
                 raw: dict[str, EmcSnippet]) -> dict[str, Visit]:
    """Visit `urls` in one fresh context (cold cache: the tracker script must be fetched)."""
    visits: dict[str, Visit] = {}
    async with browser_page(ctx) as (_, page):
        network = _Network(page)
        for url in urls:
            visits[url] = await _visit(page, network, url, ctx, raw.get(url))
    return visits


# --------------------------------------------------------------------------------------
# Observations
# --------------------------------------------------------------------------------------


async def fetch_raw(ctx: PortalContext, urls: Sequence[str]) -> dict[str, tuple[int | None, str]]:
    """Raw HTML of each URL: (status, text) or (None, error); stops when the home page
    (the first URL) fails."""
    found: dict[str, tuple[int | None, str]] = {}
    async with ctx.http_client() as client:
        for index, url in enumerate(urls):
            try:
                response = await client.get(url)
                found[url] = (response.status_code, response.text)
            except Exception as error:  # the page failed; recorded in the detail
                found[url] = (None, error_detail(error))
            status = found[url][0]
            if index == 0 and (status is None or status >= 500):
                break  # the home page failed: the portal is down, spare the other pages
    return found


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
        urls = [p.url for p in sampled_pages(ctx, ctx.settings.sample_pages)]
        raw = await fetch_raw(ctx, urls)
        status, text = raw[urls[0]]
        if status is None or status >= 500:
            reason = text if status is None else f"HTTP {status}"
            return unmeasured(NAMES, home, "portal_error", f"home page failed: {reason}")
        return await _observe(ctx, home, urls, raw)
    except Exception as error:  # a probe failure must not sink the run
        return unmeasured(NAMES, home, "probe_error", f"probe failure: {error_detail(error)}")


async def _observe(ctx: PortalContext, home: str, urls: Sequence[str],
                   raw: dict[str, tuple[int | None, str]]) -> list[Observation]:
    """Combine raw HTML, rendered DOM and the network log into observations."""
    answered = [u for u in urls if raw[u][0] is not None and 200 <= (raw[u][0] or 0) < 300]
    skipped = [u for u in urls if u not in answered]
    parsed = {u: parse_emc(raw[u][1], u) for u in answered}
    browsed = urls if ctx.sitemap.rendered else urls[:1]
    visits: dict[str, Visit] = {}
    network: list[Observation] = []
    try:
        visits = await browse(ctx, browsed, parsed)
    except Exception as error:  # the browser side failed: the HTML reading still counts
        network = unmeasured(NAMES[3:], home, error_outcome(error), error_detail(error))
    readings = []
    for url in answered:
        visit = visits.get(url)
        candidates = [parsed[url]]
        if visit and visit.html:
            candidates.append(parse_emc(visit.html, url))
        readings.append(PageReading(url, _best(candidates), visit.tracking if visit else []))
    if not readings:
        return unmeasured(NAMES, home, "portal_error", "no sampled page answered 2xx")
    found = snippet_observations(readings, home, skipped)
    if urls[0] in visits:
        home_snippet = readings[0].snippet if readings[0].url == urls[0] else EmcSnippet()
        network = network_observations(visits[urls[0]], home_snippet, home)
    return found + network
