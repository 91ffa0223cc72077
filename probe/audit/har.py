"""The run's HAR: redacted before storage, read back for replay, served to HTTP clients.

The page visits (checks._visits) record the HAR of the pages the checks open, with embedded
bodies (Playwright `record_har_path`, `record_har_content="embed"`), and store it
gzip-compressed as an artifact (`<sha256>.har.gz`). Before storage, `redact_har` replaces
the values of cookies, authorization and token headers, of token-like query, form and JSON
fields, and of hidden token inputs in HTML with `[REDACTED]` (names are kept: which cookies
a portal sets is evidence too).

`HarTransport` answers an httpx client from a HAR: offline in a replay, and in a sweep step
from the visits' recording, asking the portal only for what it lacks.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from contextlib import suppress
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

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


# The extension a HarTransport answer carries (httpx `Response.extensions`): it came from
# the HAR, not from the network.
FROM_HAR = "dvc_probe.from_har"

# Headers that describe the body as sent, not as the HAR keeps it (decoded, whole).
_DROPPED = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class HarTransport(httpx.AsyncBaseTransport):
    """An httpx transport answering from HAR entries (the first recording per method and URL;
    its answers carry the FROM_HAR extension). A request the HAR does not hold goes to
    `fallback`, or without one fails as a connection error, as offline."""

    def __init__(self, har: dict[str, Any],
                 fallback: httpx.AsyncBaseTransport | None = None) -> None:
        self.fallback = fallback
        self.answers: dict[tuple[str, str], dict[str, Any]] = {}
        for entry in har.get("log", {}).get("entries", []):
            request, response = entry.get("request", {}), entry.get("response") or {}
            key = (str(request.get("method", "GET")).upper(), str(request.get("url", "")))
            if response.get("status") and key not in self.answers:
                self.answers[key] = response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = self.answers.get((request.method.upper(), str(request.url)))
        if response is None and self.fallback is not None:
            return await self.fallback.handle_async_request(request)
        if response is None:
            raise httpx.ConnectError(f"not in the HAR (offline replay): {request.url}",
                                     request=request)
        headers = [(str(h["name"]), str(h["value"])) for h in response.get("headers", [])
                   if str(h.get("name", "")).lower() not in _DROPPED
                   and not str(h.get("name", "")).startswith(":")]
        body = body_of(response.get("content") or {})
        return httpx.Response(int(response["status"]), headers=headers,
                              stream=httpx.ByteStream(body), request=request,
                              extensions={FROM_HAR: True})

    async def aclose(self) -> None:
        if self.fallback is not None:
            await self.fallback.aclose()


def body_of(content: dict[str, Any]) -> bytes:
    """A HAR response body as bytes (embedded text or base64)."""
    text = content.get("text")
    if not isinstance(text, str):
        return b""
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text)
        except ValueError:
            return b""
    return text.encode("utf-8")
