"""HAR capture of the sampled pages, redacted before storage.

`capture_har(ctx)` opens one browser context that records a HAR with embedded bodies
(Playwright `record_har_path`, `record_har_content="embed"`), visits the pages the checks
open (`capture_urls`), and stores the HAR gzip-compressed as an artifact (`<sha256>.har.gz`). Before
storage, `redact_har` replaces the values of cookies, authorization and token headers, of
token-like query, form and JSON fields, and of hidden token inputs in HTML with
`[REDACTED]` (names are kept: which cookies a portal sets is evidence too).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from probe.browser import close_context
from probe.context import PORTAL_LANES, PortalContext
from probe.urls import netloc

log = logging.getLogger(__name__)
HAR_SUFFIX = ".har.gz"
REDACTED = "[REDACTED]"
SENSITIVE_HEADERS = frozenset({
    "cookie", "set-cookie", "set-cookie2", "authorization", "proxy-authorization",
    "www-authenticate", "proxy-authenticate", "x-csrf-token", "x-xsrf-token", "csrf-token",
    "x-auth-token", "x-access-token", "x-api-key", "api-key", "x-amz-security-token",
    "x-goog-api-key", "x-session-id", "x-refresh-token",
})
# Field names whose values are secrets: tokens, sessions, keys, passwords, one-time codes.
SENSITIVE_NAME = re.compile(
    r"(token|session|sess_?id|^sid$|jsessionid|phpsessid|asp\.net_sessionid|auth|api_?key|"
    r"secret|passw(or)?d|^pwd$|^otp$|csrf|xsrf|signature|^sig$|ticket|^code$|nonce|"
    r"credential|bearer|refresh)", re.IGNORECASE)
_HIDDEN_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(name|value|content)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""",
                   re.IGNORECASE)
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_TEXT_TYPES = ("text/", "json", "javascript", "xml", "x-www-form-urlencoded")
CAPTURED_TYPES = ("sitemap", "procedure", "catalogue", "lookup")


def sensitive(name: str) -> bool:
    """Whether a header, query, form, cookie or JSON field of this name holds a secret."""
    return name.lower() in SENSITIVE_HEADERS or bool(SENSITIVE_NAME.search(name))


# --- redaction ----------------------------------------------------------------------------


def redact_url(url: str) -> str:
    """`url` with the values of token-like query parameters replaced."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(sensitive(k) for k, _ in pairs):
        return url
    query = urlencode([(k, REDACTED if sensitive(k) else v) for k, v in pairs], safe="[]")
    return urlunsplit(parts._replace(query=query))


def _redact_pairs(pairs: list[dict[str, Any]]) -> None:
    """HAR name/value lists (headers, cookies, query, params), redacted in place."""
    for pair in pairs:
        if sensitive(str(pair.get("name", ""))) and pair.get("value"):
            pair["value"] = REDACTED


def _redact_cookies(cookies: list[dict[str, Any]]) -> None:
    for cookie in cookies:
        if cookie.get("value"):
            cookie["value"] = REDACTED


def redact_json(value: Any) -> Any:
    """A parsed JSON value with the values of token-like keys replaced (recursively)."""
    if isinstance(value, dict):
        return {k: REDACTED if sensitive(str(k)) and v not in (None, "") else redact_json(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return value


def _redact_tag(tag: str, value_attr: str) -> str:
    """An <input>/<meta> tag with its value (or content) replaced when its name is secret."""
    attrs = {m.group(1).lower(): m.group(2).strip("'\"") for m in _ATTR.finditer(tag)}
    if not sensitive(attrs.get("name", "")) or value_attr not in attrs:
        return tag
    return _ATTR.sub(lambda m: f'{m.group(1)}="{REDACTED}"'
                     if m.group(1).lower() == value_attr else m.group(0), tag)


def redact_html(text: str) -> str:
    """HTML with token-like hidden inputs and csrf meta tags emptied of their values."""
    text = _HIDDEN_INPUT.sub(lambda m: _redact_tag(m.group(0), "value"), text)
    return _META.sub(lambda m: _redact_tag(m.group(0), "content"), text)


def redact_body(text: str, mime: str) -> str:
    """A text body (JSON, form, HTML) with its secrets replaced; other text is kept."""
    mime = mime.lower()
    if "json" in mime:
        with suppress(ValueError):
            parsed = json.loads(text)
            redacted = redact_json(parsed)
            return text if redacted == parsed else json.dumps(redacted, ensure_ascii=False)
        return text
    if "x-www-form-urlencoded" in mime:
        pairs = parse_qsl(text, keep_blank_values=True)
        if not any(sensitive(k) for k, _ in pairs):
            return text
        return urlencode([(k, REDACTED if sensitive(k) else v) for k, v in pairs], safe="[]")
    if "html" in mime:
        return redact_html(text)
    return text


def _redact_request(request: dict[str, Any]) -> None:
    request["url"] = redact_url(str(request.get("url", "")))
    _redact_pairs(request.get("headers", []))
    _redact_pairs(request.get("queryString", []))
    _redact_cookies(request.get("cookies", []))
    post = request.get("postData")
    if isinstance(post, dict):
        _redact_pairs(post.get("params", []))
        if isinstance(post.get("text"), str):
            post["text"] = redact_body(post["text"], str(post.get("mimeType", "")))


def _redact_response(response: dict[str, Any]) -> None:
    _redact_pairs(response.get("headers", []))
    _redact_cookies(response.get("cookies", []))
    for header in response.get("headers", []):
        if str(header.get("name", "")).lower() == "location":
            header["value"] = redact_url(str(header.get("value", "")))
    if response.get("redirectURL"):
        response["redirectURL"] = redact_url(str(response["redirectURL"]))
    content = response.get("content") or {}
    text, mime = content.get("text"), str(content.get("mimeType", ""))
    if isinstance(text, str) and content.get("encoding") != "base64" \
            and any(t in mime.lower() for t in _TEXT_TYPES):
        content["text"] = redact_body(text, mime)
        content["size"] = len(content["text"].encode("utf-8"))


def redact_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """One HAR entry (request and response) with its secrets replaced (in place, returned)."""
    _redact_request(entry.get("request") or {})
    _redact_response(entry.get("response") or {})
    return entry


def redact_har(har: dict[str, Any]) -> dict[str, Any]:
    """The HAR with cookies, authorization headers and tokens replaced (in place, returned)."""
    log_part = har.get("log", {})
    for entry in log_part.get("entries", []):
        redact_entry(entry)
    log_part["comment"] = ("dvc-probe: cookie, authorization and token values redacted "
                           f"before storage ({REDACTED})")
    return har


def har_bytes(har: dict[str, Any]) -> bytes:
    """The stored form of a HAR: JSON, gzip-compressed, deterministic (no timestamp)."""
    return gzip.compress(json.dumps(har, ensure_ascii=False).encode("utf-8"), mtime=0)


def load_har(data: bytes) -> dict[str, Any]:
    """A stored HAR (gzip-compressed or plain JSON) parsed."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data)


# --- capture ------------------------------------------------------------------------------


def capture_limit(ctx: PortalContext) -> int:
    """How many sampled pages the capture visits: as many as the checks sample."""
    return max(ctx.settings.sample_pages, ctx.settings.perf_pages, 1)


def capture_urls(ctx: PortalContext) -> list[str]:
    """What the capture visits: the sampled pages, the first site-map, procedure, catalogue
    and look-up pages (the layout check opens them), robots.txt and sitemap.xml."""
    from checks._sampling import portal_url, sampled_pages

    urls = [p.url for p in sampled_pages(ctx, capture_limit(ctx))]
    for page_type in CAPTURED_TYPES:
        if info := ctx.sitemap.first(page_type):
            urls.append(info.url)
    home = portal_url(ctx)
    urls += [urljoin(home, "/robots.txt"), urljoin(home, "/sitemap.xml")]
    return list(dict.fromkeys(urls))


async def capture_har(ctx: PortalContext) -> str | None:
    """Record the sampled pages as a redacted HAR artifact; its path, or None on failure.

    Set `settings.extra["har_capture"] = "off"` to skip. A run is captured once: when its
    evidence already holds a HAR, that one is kept. A failure is logged, never raised: the
    checks' observations do not depend on it.
    """
    if ctx.settings.extra.get("har_capture") == "off":
        return None
    done = sorted(ctx.evidence.run_dir.glob(f"*{HAR_SUFFIX}"))
    if done:
        return done[0].relative_to(ctx.evidence.root).as_posix()
    urls = capture_urls(ctx)
    with tempfile.TemporaryDirectory(prefix="probe-har-") as folder:
        path = Path(folder) / "pages.har"
        try:
            urls = await _record(ctx, urls, path)
            har = json.loads(path.read_text(encoding="utf-8"))
        except (PlaywrightError, OSError, ValueError) as error:
            log.warning("HAR capture failed on %s: %r", ctx.agency.portal_url, error)
            return None
    har.setdefault("log", {})["_dvcProbePages"] = urls
    return ctx.evidence.put(har_bytes(redact_har(har)), HAR_SUFFIX)


async def _record(ctx: PortalContext, urls: list[str], path: Path) -> list[str]:
    """Visit `urls` (plus the site-map and catalogue links of the first, the home page) in one
    context recording a HAR with embedded bodies into `path`; the URLs visited.

    After the home page, `PORTAL_LANES` pages of that context take the URLs in turn: on a slow
    server the recording waits for several answers at once, still within the one host slot
    the context holds."""
    # a guarded context like the checks' (dialogs answered, downloads refused, endless
    # scripts stopped, private addresses refused), pooled in a sweep
    context, page = await ctx.new_page(record_har_path=str(path), record_har_content="embed")
    timeout_ms = ctx.settings.page_timeout_ms
    try:
        rest = urls[1:]
        if await _visit(page, urls[0], timeout_ms):
            rest = [u for u in await _linked_extras(page, urls[0]) if u not in urls] + rest
        lanes = [page] + [await context.new_page() for _ in range(min(PORTAL_LANES, len(rest)) - 1)]
        queue = iter(rest)
        await asyncio.gather(*(_visit_each(lane, queue, timeout_ms) for lane in lanes))
    finally:
        await close_context(context)  # writes the HAR
    return [urls[0], *rest]


async def _visit_each(page: Page, queue: Iterator[str], timeout_ms: int) -> None:
    """Visit the URLs `queue` gives, one after another, while it has any."""
    for url in queue:
        await _visit(page, url, timeout_ms)


async def _visit(page: Page, url: str, timeout_ms: int) -> bool:
    """Open `url` and let it settle; False (logged) when it fails."""
    from checks._dom import PortalError, open_url

    try:
        await open_url(page, url, timeout_ms)
        return True
    except (PortalError, PlaywrightError) as error:
        log.info("HAR capture: %s not loaded: %s", url, error)
        return False


async def _linked_extras(page: Page, home: str) -> list[str]:
    """Same-site links of the home page to a human site map and to the catalogue: the layout
    check follows them when discovery did not list such pages."""
    from checks._dom import SECTIONS, links_matching, page_links
    from checks.layout import SITEMAP_LINKS

    try:
        links = await page_links(page)
    except PlaywrightError:
        return []
    found: list[str] = []
    for phrases in (SITEMAP_LINKS, SECTIONS["catalogue"]):
        for link in links_matching(links, phrases, home):
            target = link.href.split("#")[0]
            if netloc(target) == netloc(home) and not target.lower().split("?")[0] \
                    .endswith(".xml"):
                found.append(target)
                break
    return list(dict.fromkeys(found))
