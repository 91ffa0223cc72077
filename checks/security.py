"""Security (S1-S6): HTTPS and its certificate, TLS versions, redirects, headers, cookies,
mixed content and injected content.

How each observation is made:
- https.used: the portal URL, after its redirects, is served over HTTPS (a certificate
  problem does not change that; tls.cert_valid records it).
- tls.cert_valid / tls.cert_days_left / tls.version: a TLS handshake with a verifying
  context (system roots plus `settings.ca_file`); when verification fails, a second,
  non-verifying handshake only reads the certificate (expiry, names) and the version for
  the record: no HTTP is ever sent over an unverified connection. The leaf certificate is
  stored as a PEM artifact.
- tls.legacy_accepted: a handshake limited to TLS 1.0-1.1 (OpenSSL security level 0, so that
  our own client does not refuse first); a refusal means not accepted.
- tls.weak_ciphers_accepted: a TLS 1.0-1.2 handshake offering only weak suites (static RSA
  key exchange, without forward secrecy; RC4, DES/3DES, NULL, EXPORT, anonymous, MD5) at
  security level 0; TLS 1.3 is left out, as all its suites are strong. The detail names the
  suite the portal chose and why it is weak.
- http.redirects_https: the agency's plain-HTTP entry (`agency.http_url`, else the portal
  URL with http:// on port 80) is followed hop by hop and ends on https; a hop to a URL the
  home page's own chain went through is not asked again (that chain's answer completes it).
- hsts, headers.security, cookies.flags_ok: headers of the home page's HTTPS answer (cookies:
  every Set-Cookie of the portal's own host seen by httpx and by the browser on sampled pages).
- The browser's readings (mixed content, injected content, its Set-Cookie values) come
  from the portal's shared page visits (checks._visits), one per sampled page; in a sweep
  their HAR is the evidence named on mixed_content.count and injected.count.
- mixed_content.count: distinct http:// subresources requested by HTTPS sampled pages in the
  browser (requests seen, plus Chromium's "Mixed Content" console reports for those it
  blocks or upgrades before any request is made).
- injected.count: distinct findings over sampled pages in the browser (a block injected
  site-wide counts once): gambling spam words (accent-aware, in text, title and meta tags;
  unaccented slugs in foreign link URLs), hidden links to foreign hosts
  (off-screen, microscopic, or hidden by an inline style - hidden menus styled by classes
  are not counted), and meta-refresh/JS/HTTP redirects to foreign hosts (the national
  portal, the national SSO and *.gov.vn are not foreign).

A plain-HTTP portal gets https.used False, tls.cert_valid False ("no HTTPS"), hsts False,
None (not applicable) for tls.cert_days_left and tls.version, and outcome "portal_error"
for tls.legacy_accepted, tls.weak_ciphers_accepted and mixed_content.count: the portal's own
state makes them impossible to meet, so the rubric counts them as not met rather than
unmeasured.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import re
import ssl
import unicodedata
import warnings
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from checks._sampling import (
    error_detail,
    error_outcome,
    foreign_host,
    hostname,
    observation,
    portal_url,
    unmeasured,
)
from checks._visits import PageVisit, page_visits, read_urls
from probe.context import PortalContext, ssl_context
from probe.models import Observation, Outcome

NAMES = ("https.used", "tls.cert_valid", "tls.cert_days_left", "tls.version",
         "tls.legacy_accepted", "tls.weak_ciphers_accepted", "http.redirects_https", "hsts",
         "headers.security",
         "cookies.flags_ok", "mixed_content.count", "injected.count")
MAX_HOPS = 10
NO_HTTPS = "no HTTPS: the portal is served over plain HTTP"

# --------------------------------------------------------------------------------------
# HTTP: redirect chains, headers, cookies (pure parts first)
# --------------------------------------------------------------------------------------


@dataclass
class Chain:
    """A URL followed hop by hop: every URL, the last answer, cookies set on the way."""

    start: str
    urls: list[str] = field(default_factory=list)
    status: int | None = None
    headers: httpx.Headers | None = None
    set_cookies: list[tuple[str, str]] = field(default_factory=list)  # (host, header)
    error: BaseException | None = None

    @property
    def final(self) -> str:
        return self.urls[-1] if self.urls else self.start

    @property
    def answered(self) -> bool:
        return self.error is None and self.status is not None

    def hops(self) -> str:
        """'http://a/ -> https://a/ (200)'."""
        tail = f" ({self.status})" if self.answered else f" ({error_detail(self.error)})" \
            if self.error else ""
        return " -> ".join(self.urls or [self.start]) + tail


async def follow(client: httpx.AsyncClient, url: str, known: Chain | None = None) -> Chain:
    """GET `url` following redirects one hop at a time, keeping every hop's cookies. A hop
    to a URL of `known` (a chain followed just before) ends there with the rest of `known`,
    its answer and error, instead of asking the portal for that page again."""
    chain = Chain(start=url)
    current = url
    for _ in range(MAX_HOPS + 1):
        if known is not None and chain.urls and current in known.urls:
            return _joined(chain, known, current)
        chain.urls.append(current)
        try:
            response = await client.get(current, follow_redirects=False)
        except Exception as error:  # the chain records where it broke
            chain.error = error
            return chain
        host = hostname(current)
        chain.set_cookies += [(host, v) for v in response.headers.get_list("set-cookie")]
        chain.status, chain.headers = response.status_code, response.headers
        location = response.headers.get("location")
        if not (response.is_redirect and location):
            return chain
        current = urljoin(current, location)
    chain.error = httpx.TooManyRedirects(f"more than {MAX_HOPS} redirects")
    return chain


def _joined(chain: Chain, known: Chain, url: str) -> Chain:
    """`chain` continued by `known` from `url` on (cookies of that part not repeated)."""
    chain.urls += known.urls[known.urls.index(url):]
    chain.status, chain.headers, chain.error = known.status, known.headers, known.error
    return chain


_REFERRER_POLICIES = {"no-referrer", "no-referrer-when-downgrade", "origin",
                      "origin-when-cross-origin", "same-origin", "strict-origin",
                      "strict-origin-when-cross-origin"}


def security_headers(headers: httpx.Headers | dict[str, str]) -> tuple[float, str]:
    """Share of the three security headers present, and which are missing.

    Frame protection: CSP `frame-ancestors` or X-Frame-Options DENY/SAMEORIGIN;
    X-Content-Type-Options: nosniff; a Referrer-Policy other than unsafe-url.
    """
    h = httpx.Headers(headers)
    csp = " ".join(h.get_list("content-security-policy")).lower()
    frame = "frame-ancestors" in csp or _frame_options(h) in ("deny", "sameorigin")
    sniffing = _values(h, "x-content-type-options")
    nosniff = bool(sniffing) and sniffing[0] == "nosniff"  # Fetch reads the first value
    policies = [p for p in _values(h, "referrer-policy") if p in _REFERRER_POLICIES | {
        "unsafe-url"}]
    referrer = bool(policies) and policies[-1] != "unsafe-url"  # the last valid one wins
    present = {"frame protection": frame, "nosniff": nosniff, "Referrer-Policy": referrer}
    missing = [name for name, ok in present.items() if not ok]
    detail = "all three present" if not missing else "missing: " + ", ".join(missing)
    return round(sum(present.values()) / 3, 4), detail


def _values(headers: httpx.Headers, name: str) -> list[str]:
    """A header's comma-separated values over all its lines, lower-cased."""
    return [v.strip().lower() for line in headers.get_list(name) for v in line.split(",")
            if v.strip()]


def _frame_options(headers: httpx.Headers) -> str:
    """X-Frame-Options as HTML reads it: one value, however often repeated; else ''."""
    values = set(_values(headers, "x-frame-options"))
    return values.pop() if len(values) == 1 else ""


def hsts(headers: httpx.Headers | dict[str, str]) -> tuple[bool, str]:
    """Whether Strict-Transport-Security is sent with max-age > 0, and its value."""
    value = httpx.Headers(headers).get("strict-transport-security", "")
    found = re.search(r"max-age\s*=\s*\"?(\d+)", value, re.I)
    if not found:
        return False, "no Strict-Transport-Security header" if not value else \
            f"Strict-Transport-Security without max-age: {value[:80]}"
    age = int(found.group(1))
    return age > 0, f"Strict-Transport-Security: {value.strip()[:100]}"


def cookie_flags(set_cookies: Iterable[str]) -> tuple[bool, str]:
    """Whether every Set-Cookie carries Secure, HttpOnly and SameSite; which do not."""
    faults: dict[str, list[str]] = {}
    names: set[str] = set()
    for header in set_cookies:
        parts = [p.strip() for p in header.split(";")]
        name = parts[0].split("=", 1)[0].strip() or "(unnamed)"
        names.add(name)
        attributes = {p.split("=", 1)[0].strip().lower() for p in parts[1:]}
        missing = [flag for flag, key in (("Secure", "secure"), ("HttpOnly", "httponly"),
                                          ("SameSite", "samesite")) if key not in attributes]
        if missing:
            faults.setdefault(name, missing)
    if not names:
        return True, "no cookies set"
    if not faults:
        return True, f"{len(names)} cookie(s), all Secure, HttpOnly and SameSite"
    listed = "; ".join(f"{n} lacks {', '.join(m)}" for n, m in sorted(faults.items())[:4])
    return False, f"{len(faults)} of {len(names)} cookie(s) lack flags: {listed}"


# --------------------------------------------------------------------------------------
# TLS
# --------------------------------------------------------------------------------------

_VERIFY_REASONS = {
    9: "certificate not yet valid",
    10: "certificate expired",
    18: "untrusted: self-signed certificate",
    19: "untrusted: self-signed certificate in the chain",
    20: "untrusted: unknown issuer or incomplete chain",
    21: "untrusted: incomplete chain (intermediate missing)",
    62: "hostname mismatch",
    64: "hostname mismatch (IP address not in the certificate)",
}


def verify_reason(error: ssl.SSLCertVerificationError) -> str:
    """A short English reason for a failed certificate verification."""
    code = getattr(error, "verify_code", None)
    reason = _VERIFY_REASONS.get(code) if isinstance(code, int) else None
    return reason or f"untrusted: {getattr(error, 'verify_message', '') or error}"


@dataclass
class TlsFacts:
    """What one HTTPS endpoint's handshakes showed."""

    valid: bool = False
    reason: str = ""
    version: str | None = None
    cipher: str | None = None
    not_after: datetime | None = None
    names: str = ""
    pem: bytes | None = None

    def days_left(self, now: datetime | None = None) -> int | None:
        if self.not_after is None:
            return None
        delta = self.not_after - (now or datetime.now(UTC))
        return int(delta.total_seconds() // 86400)


async def _handshake(host: str, port: int, context: ssl.SSLContext,
                     timeout: float) -> ssl.SSLObject:
    """Connect and complete a TLS handshake; returns the SSL object (the socket is closed)."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, ssl=context, server_hostname=host,
                                ssl_handshake_timeout=timeout), timeout)
    try:
        return writer.get_extra_info("ssl_object")
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
            await asyncio.wait_for(writer.wait_closed(), 2)


def _read_certificate(facts: TlsFacts, der: bytes | None) -> None:
    """Fill `facts` with the leaf certificate's expiry, names and PEM."""
    if not der:
        return
    cert = x509.load_der_x509_certificate(der)
    facts.not_after = cert.not_valid_after_utc
    facts.pem = cert.public_bytes(Encoding.PEM)
    common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n.value) for n in san]
    except x509.ExtensionNotFound:
        names = []
    facts.names = ", ".join(names or [str(c.value) for c in common])[:120]


def _unverified_context() -> ssl.SSLContext:
    """A context that completes any handshake, used only to read the certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def tls_facts(host: str, port: int, ca_file: str | None, timeout: float) -> TlsFacts:
    """Verify the endpoint's certificate; read it even when verification fails."""
    facts = TlsFacts()
    try:
        sslobj = await _handshake(host, port, ssl_context(ca_file), timeout)
        facts.valid, facts.reason = True, "trusted chain, matching host name, not expired"
    except ssl.SSLCertVerificationError as error:
        facts.reason = verify_reason(error)
        sslobj = await _handshake(host, port, _unverified_context(), timeout)
    facts.version = sslobj.version()
    cipher = sslobj.cipher()
    facts.cipher = cipher[0] if cipher else None
    _read_certificate(facts, sslobj.getpeercert(binary_form=True))
    return facts


def _legacy_context() -> ssl.SSLContext:
    """A client context offering only TLS 1.0 and 1.1, at OpenSSL security level 0."""
    context = _unverified_context()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("ALL:@SECLEVEL=0")
    return context


async def legacy_accepted(host: str, port: int, timeout: float) -> tuple[bool, str]:
    """Whether the endpoint completes a TLS 1.0/1.1 handshake, and how it answered."""
    try:
        sslobj = await _handshake(host, port, _legacy_context(), timeout)
    except HANDSHAKE_REFUSED as error:
        return False, f"TLS 1.0/1.1 refused ({_refusal(error)})"
    return True, f"{sslobj.version()} accepted"


# A handshake that fails, is cut or never answered (a firewall dropping old hellos) did not
# agree: OSError covers refused and reset connections and timeouts.
HANDSHAKE_REFUSED = (ssl.SSLError, OSError, EOFError)


def _refusal(error: BaseException) -> str:
    return "no answer" if isinstance(error, TimeoutError) else error.__class__.__name__


WEAK_CIPHERS = "kRSA:3DES:RC4:DES:NULL:EXPORT:aNULL:MD5:@SECLEVEL=0"


def weak_cipher_reason(cipher: str) -> str:
    """Why an OpenSSL cipher suite name is weak."""
    for marker, why in (("NULL", "no encryption"), ("EXP", "export-grade"), ("RC4", "RC4"),
                        ("DES", "DES/3DES"), ("MD5", "MD5"), ("ADH", "anonymous"),
                        ("AECDH", "anonymous")):
        if marker in cipher:
            return why
    return "no forward secrecy (RSA key exchange)"


def _weak_context() -> ssl.SSLContext:
    """A client context offering only weak suites on TLS 1.0-1.2."""
    context = _legacy_context()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.set_ciphers(WEAK_CIPHERS)
    except ssl.SSLError as error:  # this OpenSSL was built without any of them
        raise RuntimeError(f"local OpenSSL offers no weak suite to test with: {error}") from None
    return context


async def weak_ciphers_accepted(host: str, port: int, timeout: float) -> tuple[bool, str]:
    """Whether the endpoint agrees to a weak cipher suite, and which."""
    context = _weak_context()
    try:
        sslobj = await _handshake(host, port, context, timeout)
    except HANDSHAKE_REFUSED as error:
        return False, f"weak suites refused ({_refusal(error)})"
    cipher = (sslobj.cipher() or ("?",))[0]
    return True, f"{cipher} accepted on {sslobj.version()}: {weak_cipher_reason(cipher)}"


# --------------------------------------------------------------------------------------
# Injected content (pure parts)
# --------------------------------------------------------------------------------------

SPAM_PHRASES = ("cá cược", "nổ hũ", "tài xỉu", "game bài", "casino", "bắn cá", "lô đề",
                "nhà cái", "soi kèo", "kèo bóng đá", "xóc đĩa")
SPAM_SLUGS = ("ca-cuoc", "cacuoc", "no-hu", "nohu", "tai-xiu", "taixiu", "game-bai",
              "gamebai", "ban-ca", "lo-de", "casino", "nha-cai", "nhacai", "soi-keo",
              "keo-bong-da", "xoc-dia")
_SPAM_TEXT = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in SPAM_PHRASES)
    + r")(?!\w)", re.IGNORECASE)
_SPAM_SLUG = re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(s) for s in SPAM_SLUGS)
                        + r")(?![a-z0-9])")


def spam_phrases(text: str) -> list[str]:
    """Gambling phrases in `text`, accents respected ('cá cược' but not 'cà cuộc')."""
    normal = unicodedata.normalize("NFC", text)
    return sorted({re.sub(r"\s+", " ", m.group(1).lower()) for m in _SPAM_TEXT.finditer(normal)})


def spam_slugs(url: str) -> list[str]:
    """Gambling slugs ('ca-cuoc', 'nohu', ...) in a URL's host, path or query."""
    return sorted({m.group(1) for m in _SPAM_SLUG.finditer(url.lower())})


@dataclass(frozen=True)
class Finding:
    """One piece of injected content on one page."""

    page: str
    kind: str  # spam, hidden link, redirect
    what: str

    def __str__(self) -> str:
        return f"{self.kind} {self.what!r} on {self.page}"


def link_findings(page: str, links: Sequence[dict[str, object]], portal: str,
                  trusted: Sequence[str]) -> list[Finding]:
    """Hidden links to foreign hosts, and links whose URL carries gambling slugs."""
    found: list[Finding] = []
    for link in links:
        href = str(link.get("href", ""))
        if not href.startswith(("http://", "https://")):
            continue
        slugs = spam_slugs(href) if foreign_host(href, portal, trusted) else []
        if slugs:
            found.append(Finding(page, "spam link", href[:120]))
        elif link.get("hiddenHow") and foreign_host(href, portal, trusted):
            found.append(Finding(page, f"hidden link ({link['hiddenHow']})", href[:120]))
    return found


# A meta refresh's content: a delay, then the URL, with or without "url=" (HTML's
# shared declarative refresh steps make the prefix optional).
_REFRESH_TARGET = re.compile(
    r"^\s*\d[\d.]*(?:\s*[;,]\s*|\s+)(?:url\s*=\s*)?['\"]?([^'\"\s;]+)", re.I)


def redirect_findings(page: str, urls: Iterable[str], refresh: Iterable[str], portal: str,
                      trusted: Sequence[str]) -> list[Finding]:
    """Navigations and meta refreshes that lead to foreign hosts."""
    found = [Finding(page, "redirect", u[:120]) for u in urls if foreign_host(u, portal, trusted)]
    for content in refresh:
        target = _REFRESH_TARGET.search(content)
        if target and foreign_host(urljoin(page, target.group(1)), portal, trusted):
            found.append(Finding(page, "meta refresh", target.group(1)[:120]))
    return list(dict.fromkeys(found))


# --------------------------------------------------------------------------------------
# The browser side
# --------------------------------------------------------------------------------------

@dataclass
class PageScan:
    """What the browser saw on one sampled page."""

    url: str
    https: bool = False
    error: str = ""
    outcome: Outcome = "ok"
    insecure: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)


def page_scan(visit: PageVisit, portal: str, trusted: Sequence[str]) -> PageScan:
    """Mixed and injected content on one visited page."""
    scan = PageScan(url=visit.url, error=visit.error, outcome=visit.outcome)
    if not visit.loaded:
        return scan
    scan.https = visit.final_url.startswith("https://")
    scan.insecure = set(visit.insecure) if scan.https else set()
    scan.findings = [Finding(visit.url, "spam", p) for p in spam_phrases(visit.text)]
    scan.findings += link_findings(visit.url, visit.links, portal, trusted)
    scan.findings += redirect_findings(visit.url, [*visit.navigations, visit.final_url],
                                       visit.refresh, portal, trusted)
    return scan


@dataclass
class Scanned:
    """The scans of the sampled pages, the portal's Set-Cookie values the browser saw on
    them, and the evidence of the visits (their HAR)."""

    scans: list[PageScan]
    cookies: list[str]
    artifacts: list[str]


async def scan_pages(ctx: PortalContext, urls: Sequence[str]) -> Scanned:
    """Mixed and injected content on the visited sampled pages (checks._visits)."""
    trusted = (*ctx.settings.national_portal_hosts, *ctx.settings.national_sso_hosts)
    gathered = await page_visits(ctx)
    seen = gathered.of(urls)
    return Scanned([page_scan(visit, portal_url(ctx), trusted) for visit in seen],
                   [value for visit in seen for value in visit.set_cookies],
                   gathered.artifacts)


# --------------------------------------------------------------------------------------
# Assembling observations
# --------------------------------------------------------------------------------------

def http_entry(ctx: PortalContext) -> str:
    """The plain-HTTP URL a citizen would type: `agency.http_url`, else http://host/path."""
    if ctx.agency.http_url:
        return ctx.agency.http_url
    parts = urlsplit(portal_url(ctx))
    return parts._replace(scheme="http", netloc=parts.hostname or "").geturl()


def _redirect_observation(chain: Chain, page: str) -> Observation:
    """http.redirects_https from the chain followed from the plain-HTTP entry."""
    hops = chain.urls[1:]
    if hops and chain.final.startswith("https://"):
        return observation("http.redirects_https", True, page, f"{chain.hops()}")
    if not hops and chain.error is not None:
        return observation("http.redirects_https", False, page,
                           f"{chain.start} does not answer: {error_detail(chain.error)}")
    if any(u.startswith("https://") for u in hops):
        return observation("http.redirects_https", False, page, f"back to http after "
                           f"https: {chain.hops()}")
    return observation("http.redirects_https", False, page, f"no redirect to https: "
                       f"{chain.hops()}")


def _tls_observations(facts: TlsFacts, page: str, evidence: list[str]) -> list[Observation]:
    """tls.cert_valid, tls.cert_days_left, tls.version from one endpoint's handshakes."""
    names = f" (names: {facts.names})" if facts.names else ""
    days = facts.days_left()
    expiry = f"expires {facts.not_after:%Y-%m-%d}" if facts.not_after else "no certificate"
    return [
        observation("tls.cert_valid", facts.valid, page, f"{facts.reason}{names}",
                    artifacts=evidence),
        observation("tls.cert_days_left", days, page, expiry, artifacts=evidence),
        observation("tls.version", facts.version, page,
                    f"negotiated {facts.version} with {facts.cipher}"),
    ]


NO_TLS_NOT_MET = "no HTTPS at all: cannot be met, counted against the portal"

def _no_https_observations(page: str) -> list[Observation]:
    """What a plain-HTTP portal records for the HTTPS-only facts."""
    return [
        observation("https.used", False, page, NO_HTTPS),
        observation("tls.cert_valid", False, page, "no HTTPS"),
        observation("tls.cert_days_left", None, page, "not applicable: no HTTPS"),
        observation("tls.version", None, page, "not applicable: no HTTPS"),
        observation("tls.legacy_accepted", None, page, NO_TLS_NOT_MET, outcome="portal_error"),
        observation("tls.weak_ciphers_accepted", None, page, NO_TLS_NOT_MET,
                    outcome="portal_error"),
        observation("hsts", False, page, "no HTTPS, so no HSTS"),
    ]


async def _guard(names: Sequence[str], page: str,
                 make: Callable[[], Awaitable[list[Observation]] | list[Observation]]
                 ) -> list[Observation]:
    """Run `make` (sync or async); on an exception, record `names` as not observed and why."""
    try:
        result = make()
        return await result if inspect.isawaitable(result) else result
    except Exception as error:  # a failure becomes an observation
        return unmeasured(names, page, error_outcome(error), error_detail(error))


async def _https_observations(ctx: PortalContext, target: str, page: str,
                              home: Chain) -> list[Observation]:
    """https.used, TLS facts, legacy TLS and HSTS for an HTTPS portal."""
    parts = urlsplit(target)
    host, port = parts.hostname or "", parts.port or 443
    timeout = ctx.settings.page_timeout_ms / 1000
    facts = await tls_facts(host, port, ctx.settings.ca_file, timeout)
    evidence = [ctx.evidence.put(facts.pem, ".pem")] if facts.pem else []
    found = [observation("https.used", True, page, f"served over HTTPS at {target}")]
    found += _tls_observations(facts, page, evidence)
    found += await _guard(("tls.legacy_accepted",), page,
                          lambda: _legacy_observation(host, port, timeout, page))
    found += await _guard(("tls.weak_ciphers_accepted",), page,
                          lambda: _weak_observation(host, port, timeout, page))
    if home.answered and home.headers is not None and home.final.startswith("https://"):
        value, detail = hsts(home.headers)
        found.append(observation("hsts", value, page, detail))
    else:
        found += unmeasured(("hsts",), page, "portal_error",
                            f"home page did not answer over HTTPS: {home.hops()}")
    return found


async def _legacy_observation(host: str, port: int, timeout: float,
                              page: str) -> list[Observation]:
    accepted, how = await legacy_accepted(host, port, timeout)
    return [observation("tls.legacy_accepted", accepted, page, how)]


async def _weak_observation(host: str, port: int, timeout: float,
                            page: str) -> list[Observation]:
    weak, how = await weak_ciphers_accepted(host, port, timeout)
    return [observation("tls.weak_ciphers_accepted", weak, page, how)]


def _header_observations(home: Chain, page: str, cookies: Sequence[str],
                         artifacts: list[str]) -> list[Observation]:
    """headers.security and cookies.flags_ok from the home page's answer and the browser."""
    if not home.answered or home.headers is None:
        return unmeasured(("headers.security", "cookies.flags_ok"), page, "portal_error",
                          f"home page did not answer: {home.hops()}")
    ratio, detail = security_headers(home.headers)
    portal_host = hostname(home.final)
    own = [v for host, v in home.set_cookies if host == portal_host]
    flags_ok, flags_detail = cookie_flags([*own, *cookies])
    return [observation("headers.security", ratio, page, f"{detail} ({home.final})",
                        artifacts=artifacts),
            observation("cookies.flags_ok", flags_ok, page, flags_detail)]


def _scan_observations(scanned: Scanned, page: str) -> list[Observation]:
    """mixed_content.count and injected.count over the scanned pages."""
    scans, artifacts = scanned.scans, scanned.artifacts
    loaded = [s for s in scans if s.outcome == "ok"]
    if not loaded:
        reason = scans[0].error if scans else "no page scanned"
        outcome = scans[0].outcome if scans else "probe_error"
        return unmeasured(("mixed_content.count", "injected.count"), page, outcome, reason)
    skipped = len(scans) - len(loaded)
    note = f"; {skipped} page(s) failed to load" if skipped else ""
    https_pages = [s for s in loaded if s.https]
    found = []
    if https_pages:
        insecure = sorted({u for s in https_pages for u in s.insecure})
        detail = f"{len(insecure)} http:// subresource(s) on {len(https_pages)} HTTPS page(s)"
        detail += (": " + ", ".join(insecure[:3])) if insecure else ""
        found.append(observation("mixed_content.count", len(insecure), page, detail + note,
                                 artifacts=artifacts))
    else:
        found.append(observation("mixed_content.count", None, page, NO_TLS_NOT_MET,
                                 outcome="portal_error"))
    distinct = {(f.kind, f.what): f for s in loaded for f in s.findings}
    pages = {f.page for s in loaded for f in s.findings}
    detail = (f"{len(distinct)} distinct finding(s) on {len(pages)} of {len(loaded)} "
              "sampled page(s)")
    detail += (": " + "; ".join(f"{k} {w!r}" for k, w in list(distinct)[:4])) if distinct else ""
    found.append(observation("injected.count", len(distinct), page, detail + note,
                             artifacts=artifacts))
    return found


def _store_headers(ctx: PortalContext, home: Chain) -> list[str]:
    """The home page's final response headers as a text artifact."""
    if home.headers is None:
        return []
    lines = "\n".join(f"{k}: {v}" for k, v in home.headers.multi_items())
    return [ctx.evidence.put_text(f"{home.final} {home.status}\n{lines}\n", ".txt")]


def _https_target(home: Chain) -> str | None:
    """The HTTPS URL whose TLS is examined (where the home page's redirects end, even when
    its certificate failed), or None for a plain-HTTP portal."""
    return home.final if home.final.startswith("https://") else None


def _unreachable(home: Chain) -> bool:
    """True when the home page failed below TLS verification (nothing to examine)."""
    if home.error is None:
        return home.status is not None and home.status >= 500
    text = str(home.error)
    return "CERTIFICATE_VERIFY_FAILED" not in text and "certificate verify failed" not in text


async def run(ctx: PortalContext) -> list[Observation]:
    """Every security observation for the portal (see the module docstring)."""
    page = portal_url(ctx)
    try:
        async with ctx.http_client(follow_redirects=False) as client:
            home = await follow(client, page)
            if _unreachable(home):
                detail = f"home page failed: {home.hops()}"
                return unmeasured(NAMES, page, "portal_error", detail)
            redirect = await follow(client, http_entry(ctx), known=home)
        return await _observations(ctx, page, home, redirect)
    except Exception as error:  # a probe failure must not sink the run
        return unmeasured(NAMES, page, "probe_error", f"probe failure: {error_detail(error)}")


async def _observations(ctx: PortalContext, page: str, home: Chain,
                        redirect: Chain) -> list[Observation]:
    """Assemble the observations once the portal is known to answer."""
    target = _https_target(home)
    found: list[Observation] = []
    if target is None:
        found += _no_https_observations(page)
    else:
        https_names = ("https.used", "tls.cert_valid", "tls.cert_days_left", "tls.version",
                       "tls.legacy_accepted", "tls.weak_ciphers_accepted", "hsts")
        found += await _guard(https_names, page,
                              lambda: _https_observations(ctx, target, page, home))
    found += await _guard(("http.redirects_https",), page,
                          lambda: [_redirect_observation(redirect, page)])
    urls = read_urls(ctx)
    scanned: list[Scanned] = []

    async def scan() -> list[Observation]:
        scanned.append(await scan_pages(ctx, urls))
        return _scan_observations(scanned[0], page)

    found += await _guard(("mixed_content.count", "injected.count"), page, scan)
    cookies = scanned[0].cookies if scanned else []
    artifacts = _store_headers(ctx, home)
    found += await _guard(("headers.security", "cookies.flags_ok"), page,
                          lambda: _header_observations(home, page, cookies, artifacts))
    return found
