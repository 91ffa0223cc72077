"""Shared helpers for check families: Vietnamese text matching, the rendered DOM, forms.

- Text: `fold` (accent-insensitive, đ -> d), `has_phrase` / `find_phrase` (whole-word match
  of folded phrases), `SECTIONS` (link phrases of a portal's standard sections), regexes for
  dossier codes and phone numbers.
- Pages: `open_url` (navigate, raise `PortalError` when the portal fails, wait for the page
  to settle — single-page apps included), `page_links`, `page_text`, `page_words`,
  `screenshot`, `url_template`, `NavigationRecorder`.
- Forms: `FieldPurpose`, `find_field`, `form_info`, `is_reading_form` and
  `submit_reading_form`, which refuses to submit any form whose purpose is not reading
  (search or look-up): the probe is read-only.
- Observations: `observe` and `failed` build catalogue-checked `Observation`s.

Everything here is generic; keep signatures stable, other check families use them.
"""

from __future__ import annotations

import asyncio
import re
import time
import unicodedata
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page, Request
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from probe.browser import leave, spoil
from probe.evidence import EvidenceStore
from probe.models import Observation, ObservationValue, Outcome
from probe.observations import spec
from probe.urls import netloc
from spiders.safe_links import WRITE_PHRASES, casts_a_vote, writes_by_url
from spiders.text import D_LETTERS

# --------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """`text` lower-cased, without Vietnamese diacritics (đ -> d), whitespace collapsed."""
    text = text.translate(D_LETTERS)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


@lru_cache(maxsize=512)
def _phrase_regex(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching any of `phrases` (folded) as whole words."""
    alternatives = sorted({fold(p) for p in phrases if fold(p)}, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in alternatives) or r"(?!x)x"
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


def find_phrase(text: str, phrases: Iterable[str]) -> str | None:
    """The first of `phrases` found in `text` (accent-insensitive, whole words), or None."""
    match = _phrase_regex(tuple(phrases)).search(fold(text))
    return match.group(0) if match else None


def has_phrase(text: str, phrases: Iterable[str]) -> bool:
    """True when `text` contains one of `phrases` (accent-insensitive, whole words)."""
    return find_phrase(text, phrases) is not None


def short(text: str, limit: int = 80) -> str:
    """`text` on one line, cut to `limit` characters."""
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Official dossier code (TT 01/2018 Điều 19): V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX,
# e.g. G22.99.08-250312-0007 or 000.00.12.H40-240105-0012.
DOSSIER_CODE = re.compile(r"(?<![\w.-])[A-Z0-9]{1,5}(?:\.[A-Z0-9]{1,5}){1,4}-\d{6}-\d{4}(?![\w-])")

# Vietnamese phone numbers: 0xx..., +84 ..., (0203) ..., 1900/1800 numbers.
PHONE = re.compile(r"(?<![\d.,])\(?(?:\+84|84|0\d|1[89]00)[\d\s.\-()]{3,14}\d(?![\d])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def phone_numbers(text: str) -> list[str]:
    """Phone-number-like strings in `text` with 8 to 12 digits."""
    found = []
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 8 <= len(digits) <= 12:
            found.append(match.group(0).strip())
    return found


# Link phrases of the standard sections of a public-service portal (folded on use).
SECTIONS: dict[str, tuple[str, ...]] = {
    "catalogue": ("danh mục thủ tục", "danh sách thủ tục", "thủ tục hành chính", "danh mục tthc",
                  "danh mục dịch vụ công", "danh mục dịch vụ", "công khai thủ tục",
                  "bộ thủ tục", "tra cứu thủ tục", "thủ tục"),
    "online": ("nộp hồ sơ trực tuyến", "nộp hồ sơ", "nộp trực tuyến", "dịch vụ công trực tuyến",
               "dvc trực tuyến", "dịch vụ trực tuyến", "dvctt"),
    "lookup": ("tra cứu hồ sơ", "tra cứu tình trạng hồ sơ", "tra cứu tiến độ", "tra cứu kết quả",
               "tra cứu tình hình", "tra cứu trạng thái", "tiến độ giải quyết"),
    "payment": ("thanh toán trực tuyến", "thanh toán", "nộp phí", "paygov", "payment"),
    "feedback": ("phản ánh kiến nghị", "phản ánh", "kiến nghị", "góp ý", "pakn", "feedback"),
    "rating": ("đánh giá", "mức độ hài lòng", "hài lòng", "khảo sát", "vnform"),
    "statistics": ("thống kê", "báo cáo thống kê", "tình hình giải quyết", "tình hình xử lý",
                   "kết quả giải quyết", "statistics"),
    "support": ("hỏi đáp", "câu hỏi thường gặp", "hướng dẫn", "faq", "trợ giúp", "hỗ trợ"),
    "login": ("đăng nhập", "login", "sign in"),
}

# Link phrases of a human site map (the layout check follows them; the visits record it).
SITEMAP_LINKS: tuple[str, ...] = ("sơ đồ trang", "sơ đồ cổng", "sơ đồ website", "sơ đồ site",
                                  "sơ đồ trang web", "sơ đồ cổng thông tin", "sitemap",
                                  "site map")

# Phrases naming a page that is missing in a single-page app (which answers 200 anyway).
NOT_FOUND_PAGE = ("không tìm thấy trang", "trang không tồn tại", "page not found",
                  "404 not found", "lỗi 404")


# --------------------------------------------------------------------------------------
# Observations
# --------------------------------------------------------------------------------------

def observe(name: str, value: ObservationValue, page: str | None = None, detail: str = "",
            outcome: Outcome = "ok", artifacts: Sequence[str] = ()) -> Observation:
    """An observation of catalogue name `name` (its check family and unit come from there)."""
    entry = spec(name)
    return Observation(check=entry.check, name=name, value=value, unit=entry.unit, page=page,
                       outcome=outcome, detail=short(detail, 240), artifacts=list(artifacts))


def failed(names: Iterable[str], outcome: Outcome, detail: str,
           page: str | None = None) -> list[Observation]:
    """One observation per name with value None: the portal or the probe failed."""
    return [observe(name, None, page, detail, outcome) for name in names]


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------

class PortalError(Exception):
    """The portal failed: network error, timeout or a 5xx answer."""


@dataclass
class Loaded:
    """A page after navigation: where it landed and the HTTP status (None within an app)."""

    url: str
    status: int | None
    download: bool = False  # the link served a file (a PDF guide...), not a page
    retry_after_s: float = 0.0  # with a 429 answer: how long the portal asks us to wait

    @property
    def ok(self) -> bool:
        return self.status is None or self.status < 400


_WAITED_TYPES = frozenset({"document", "script", "xhr", "fetch"})
STALE_REQUEST_S = 5.0  # a request pending longer is a long-poll or a stream: not waited for


class _Inflight:
    """The page's own requests in flight that can still change what is rendered.

    Only requests to the page's own host count (chat widgets, trackers and CDNs elsewhere
    never block), and only for `STALE_REQUEST_S` (long-polls never block either).
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.pending: dict[Request, float] = {}
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request: Request) -> None:
        if request.resource_type in _WAITED_TYPES:
            self.pending[request] = time.monotonic()

    def _end(self, request: Request) -> None:
        self.pending.pop(request, None)

    @property
    def count(self) -> int:
        own = netloc(self.page.url)
        fresh = time.monotonic() - STALE_REQUEST_S
        return sum(1 for request, started in self.pending.items()
                   if started > fresh and (request.is_navigation_request()
                                           or netloc(request.url) == own))


_TRACKERS: weakref.WeakKeyDictionary[Page, _Inflight] = weakref.WeakKeyDictionary()


def track(page: Page) -> None:
    """Start counting `page`'s requests in flight (idempotent); `settle` uses the count."""
    if page not in _TRACKERS:
        _TRACKERS[page] = _Inflight(page)


_DOM_QUIET_JS = """([quiet, limit]) => new Promise(resolve => {
  let timer;
  const done = () => { observer.disconnect(); resolve(true); };
  const observer = new MutationObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(done, quiet);
  });
  observer.observe(document, {subtree: true, childList: true, characterData: true});
  timer = setTimeout(done, quiet);
  setTimeout(done, limit);
})"""


# What a promise the page settles itself gets beyond its own time limit: a script the page
# guard stopped mid-callback leaves it pending for ever.
PROMISE_SPARE_S = 2.0


async def settle(page: Page, limit_ms: int = 4000, quiet_ms: int = 50) -> None:
    """Wait until the DOM stopped changing for `quiet_ms` and no script/XHR/fetch is in flight.

    Single-page apps render after their data arrives; this waits for that, and for a blank
    page to show something, at most `limit_ms`. Navigations started meanwhile (client
    redirects) are waited for too.
    """
    track(page)
    deadline = time.monotonic() + limit_ms / 1000
    while (left := deadline - time.monotonic()) > 0:
        quiet = page.evaluate(_DOM_QUIET_JS, [quiet_ms, max(1, int(left * 1000))])
        try:
            await asyncio.wait_for(quiet, left + PROMISE_SPARE_S)
        except TimeoutError:  # the promise was orphaned: the page had its chance
            return
        except PlaywrightError:  # the document was replaced by a navigation: wait for it
            await _wait_loaded(page, deadline)
            continue
        tracker = _TRACKERS.get(page)
        if (tracker is None or tracker.count == 0) and await shows_content(page):
            return
        while tracker is not None and tracker.count and time.monotonic() < deadline:
            await asyncio.sleep(0.025)
        await asyncio.sleep(0.025)


_SHOWS_CONTENT_JS = """() => !!document.body && (document.body.innerText.trim().length > 0
    || !!document.body.querySelector('img, svg, canvas, video, iframe, input'))"""


async def shows_content(page: Page) -> bool:
    """True when the page shows text or media; an app shell that has not rendered yet shows
    neither (its data request may not even be reported yet on a loaded machine)."""
    try:
        return bool(await page.evaluate(_SHOWS_CONTENT_JS))
    except PlaywrightError:  # replaced by a navigation: the loop waits for the new one
        return False


async def _wait_loaded(page: Page, deadline: float) -> None:
    """Wait for DOMContentLoaded of the current navigation, until `deadline`."""
    left = int((deadline - time.monotonic()) * 1000)
    if left <= 0:
        return
    try:
        await page.wait_for_load_state("domcontentloaded", timeout=left)
    except PlaywrightError:
        await asyncio.sleep(0.05)


def _net_reason(error: PlaywrightError) -> str | None:
    """The net::ERR_* code of a navigation error, or None when it is not a network error."""
    match = re.search(r"net::ERR_[A-Z_]+", str(error))
    return match.group(0) if match else None


RETRY_AFTER_CAP_S = 5.0


async def open_url(page: Page, url: str, timeout_ms: int,
                   wait_until: str = "domcontentloaded") -> Loaded:
    """Navigate `page` to `url` and let it settle; `PortalError` on network error/timeout/5xx.

    4xx answers are returned (the caller decides: a missing page is a missing feature),
    except 429: the probe waits (Retry-After, at most 5 s) and tries once more, then calls
    it a portal error (rate-limited). A hash-route change inside a single-page app has no
    HTTP status (status None); a link to a file (a PDF guide) gives `download=True` and
    leaves the page where it was.
    """
    track(page)
    loaded = await _navigate(page, url, timeout_ms, wait_until)
    if loaded.status == 429:
        await asyncio.sleep(loaded.retry_after_s)
        loaded = await _navigate(page, url, timeout_ms, wait_until)
        if loaded.status == 429:
            raise PortalError(f"{url} answered HTTP 429 twice (rate-limited)")
    if not loaded.download:
        await settle(page, limit_ms=min(timeout_ms, 4000))
        loaded.url = page.url
    return loaded


async def _navigate(page: Page, url: str, timeout_ms: int, wait_until: str) -> Loaded:
    """One `page.goto`, its failures mapped to PortalError (network, timeout, 5xx)."""
    await leave(page)
    try:
        response = await page.goto(url, wait_until=wait_until, timeout=timeout_ms)  # type: ignore[arg-type]
    except PlaywrightTimeoutError as error:
        spoil(page)
        raise PortalError(f"timed out after {timeout_ms} ms loading {url}") from error
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return Loaded(url=url, status=200, download=True)
        reason = _net_reason(error)
        if reason is None or reason == "net::ERR_ABORTED":
            raise
        raise PortalError(f"{reason} loading {url}") from error
    status = response.status if response else None
    if status is not None and status >= 500:
        raise PortalError(f"{url} answered HTTP {status}")
    loaded = Loaded(url=page.url, status=status)
    if status == 429 and response is not None:
        wait = (await response.all_headers()).get("retry-after", "")
        loaded.retry_after_s = min(float(wait), RETRY_AFTER_CAP_S) if wait.isdigit() else 2.0
    return loaded


@dataclass(frozen=True)
class Link:
    """A link of the rendered page: its visible text (or label), absolute href and region."""

    text: str
    href: str
    region: str = "main"  # header, nav, main, footer
    visible: bool = True


_LINKS_JS = """() => Array.from(document.querySelectorAll('a[href], area[href]')).map(a => {
  const img = a.querySelector('img[alt]');
  const label = (a.innerText || '').trim() || a.getAttribute('aria-label') || a.title
                || (img ? img.alt : '') || '';
  const region = a.closest('footer, [role=contentinfo], #footer, .footer') ? 'footer'
      : a.closest('nav, [role=navigation], .menu, .navbar, #menu') ? 'nav'
      : a.closest('header, [role=banner], #header, .header') ? 'header' : 'main';
  return {text: label.replace(/\\s+/g, ' ').trim(), href: a.href, region,
          visible: a.getClientRects().length > 0};
})"""


async def page_links(page: Page) -> list[Link]:
    """Every link of the rendered page with an http(s) target (no '#', no javascript:)."""
    rows = await page.evaluate(_LINKS_JS)
    links = []
    for row in rows:
        href = row["href"]
        if not href.startswith(("http://", "https://")):
            continue
        if href.split("#", 1)[0] == page.url.split("#", 1)[0] and href.endswith("#"):
            continue
        links.append(Link(row["text"], href, row["region"], row["visible"]))
    return links


def links_matching(links: Iterable[Link], phrases: Sequence[str],
                   site: str | None = None) -> list[Link]:
    """Links whose text has one of `phrases`, best first; never a link that casts a vote.

    Visible before hidden; with `site` (a URL), links on that host:port before links
    elsewhere; short labels (menu items) before long ones (news headlines that mention
    the phrase); then earlier phrases first; then page order.
    """
    ranked: list[tuple[tuple[int, int, int, int, int], Link]] = []
    for order, link in enumerate(links):
        if casts_a_vote(link.text, link.href):  # read-only: never a poll's answer link
            continue
        for rank, phrase in enumerate(phrases):
            if has_phrase(link.text, (phrase,)):
                offsite = int(site is not None and netloc(link.href) != netloc(site))
                long = int(len(link.text) > 40)
                ranked.append(((int(not link.visible), offsite, long, rank, order), link))
                break
    return [link for _, link in sorted(ranked, key=lambda r: r[0])]


_CONTROLS_JS = """() => Array.from(document.querySelectorAll(
    'button, [role=button], [role=menuitem], [role=tab], [routerlink], [onclick]'))
  .filter(el => !el.closest('form') && !el.matches('a[href]'))
  .map(el => ({text: (el.innerText || el.getAttribute('aria-label') || el.title || '')
                       .replace(/\\s+/g, ' ').trim(),
               region: el.closest('footer, [role=contentinfo]') ? 'footer'
                   : el.closest('nav, [role=navigation], .menu') ? 'nav'
                   : el.closest('header, [role=banner]') ? 'header' : 'main',
               visible: el.getClientRects().length > 0}))
  .filter(c => c.text)"""


async def page_controls(page: Page) -> list[Link]:
    """Buttons and menu items outside forms (app menus), as Links with an empty href."""
    rows = await page.evaluate(_CONTROLS_JS)
    return [Link(row["text"], "", row["region"], row["visible"]) for row in rows]


_SHORT_TEXTS_JS = """(limit) => {
  const found = new Set();
  for (const el of document.body ? document.body.querySelectorAll('*') : []) {
    const raw = el.textContent || '';  // cheap; innerText (layout) only for short ones
    const text = raw && raw.length <= limit * 4 ? (el.innerText || '').trim() : '';
    if (text && text.length <= limit) found.add(text);
    for (const v of [el.title, el.getAttribute('aria-label'), el.alt,
                     el.tagName === 'INPUT' ? el.value : '']) {
      if (v && v.length <= limit) found.add(v.trim());
    }
  }
  return Array.from(found);
}"""


async def short_texts(page: Page, limit: int = 40) -> list[str]:
    """Every distinct short text of the page: labels, buttons, options, cells, titles."""
    return await page.evaluate(_SHORT_TEXTS_JS, limit)


async def page_text(page: Page) -> str:
    """The rendered text of the page (`innerText` of the body)."""
    return await page.evaluate("() => document.body ? document.body.innerText : ''")


_WORDS_JS = """() => {
  const parts = [document.body ? document.body.innerText : ''];
  const selector = '[title], [aria-label], [placeholder], img[alt], input[value], option';
  const valued = el => el.tagName === 'INPUT' && ['radio', 'button', 'submit'].includes(el.type);
  for (const el of document.querySelectorAll(selector)) {
    for (const v of [el.title, el.getAttribute('aria-label'), el.getAttribute('placeholder'),
                     el.alt, valued(el) ? el.value : '',
                     el.tagName === 'OPTION' ? el.textContent : '']) {
      if (v) parts.push(v);
    }
  }
  return parts.join('\\n');
}"""


async def page_words(page: Page) -> str:
    """Rendered text plus titles, labels, placeholders, alt texts, option and button values."""
    return await page.evaluate(_WORDS_JS)


def looks_missing(text: str) -> bool:
    """True when a page's text says the page does not exist (apps answer 200 anyway)."""
    return has_phrase(text[:2000], NOT_FOUND_PAGE)


async def screenshot(page: Page, evidence: EvidenceStore) -> str:
    """A JPEG screenshot of the viewport, stored as evidence; its relative path."""
    data = await page.screenshot(type="jpeg", quality=70)
    return evidence.put(data, ".jpg")


def url_template(url: str) -> str:
    """A URL's shape: path (or hash route) with the last segment and any digits generalised.

    `/thu-tuc/1.004227` and `/thu-tuc/dang-ky-khai-sinh` share `/thu-tuc/{}`; query values
    are dropped, query keys kept; `#/vi/procedure/12` is read as the path `/vi/procedure/12`.
    """
    parts = urlsplit(url)
    path, query = parts.path, parts.query
    fragment = parts.fragment.lstrip("!")
    if fragment.startswith("/"):
        path, _, query = fragment.partition("?")
    segments = [s for s in path.split("/") if s]
    shape = ["{}" if any(c.isdigit() for c in s) else s for s in segments[:-1]]
    if segments:
        shape.append("{}")
    keys = sorted({key for key, _ in parse_qsl(query, keep_blank_values=True)})
    return "/" + "/".join(shape) + ("?" + "&".join(keys) if keys else "")


def route_key(url: str) -> str:
    """host:port plus path (or hash route) of `url`, without query: one page of a list."""
    parts = urlsplit(url)
    fragment = parts.fragment.lstrip("!")
    route = fragment.partition("?")[0] if fragment.startswith("/") else ""
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}#{route.rstrip('/')}"


# IP-literal and localhost URLs: only these can name a private address by themselves, so only
# these are intercepted (other requests never pause for the route handler).
def main_navigation(page: Page, request: Request) -> bool:
    """Whether `request` navigates `page`'s main frame (a redirect hop included)."""
    return request.is_navigation_request() and request.frame == page.main_frame


class NavigationRecorder:
    """Records the URLs of main-frame navigation requests (redirect hops included)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.urls: list[str] = []

    def _on_request(self, request: Request) -> None:
        if main_navigation(self.page, request):
            self.urls.append(request.url)

    def __enter__(self) -> NavigationRecorder:
        self.page.on("request", self._on_request)
        return self

    def __exit__(self, *exc: object) -> None:
        self.page.remove_listener("request", self._on_request)

    def first_offsite(self, site: str) -> str | None:
        """The first recorded URL that leaves `site`'s host:port, or None."""
        return next((u for u in self.urls if netloc(u) != netloc(site)), None)


# --------------------------------------------------------------------------------------
# Forms: find a field, and submit only forms whose purpose is reading
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldPurpose:
    """What a wanted input looks like: phrases in its own labels (positive/negative)."""

    positive: tuple[str, ...]
    negative: tuple[str, ...] = ()
    require_own: bool = False  # the field's own labels must match (not only its block's)


SEARCH_FIELD = FieldPurpose(
    positive=("tìm kiếm", "từ khóa", "từ khoá", "tên thủ tục", "tìm thủ tục", "search", "keyword",
              "q", "tukhoa", "tu khoa", "keywords", "nhập nội dung", "tim kiem"),
    negative=("mã hồ sơ", "số hồ sơ", "biên nhận", "captcha", "mã xác nhận", "mã bảo vệ",
              "mật khẩu", "password", "email", "điện thoại", "họ tên", "ho so"),
)
LOOKUP_FIELD = FieldPurpose(
    positive=("mã hồ sơ", "số hồ sơ", "mã số hồ sơ", "số biên nhận", "mã biên nhận",
              "ma ho so", "mahoso", "ma_ho_so", "dossier", "code", "mã tra cứu", "nhập mã",
              "ho so", "hồ sơ"),
    negative=("captcha", "mã xác nhận", "mã bảo vệ", "mật khẩu", "password", "họ tên", "email",
              "tên thủ tục", "từ khóa", "keyword"),
    require_own=True,
)

_FIND_FIELD_JS = """([positive, negative, mark, requireOwn]) => {
  const fold = s => (s || '').replace(/[đð]/g, 'd').replace(/[ĐÐ]/g, 'D').normalize('NFD')
      .replace(/[\\u0300-\\u036f]/g, '').toLowerCase().replace(/[_\\-]+/g, ' ')
      .replace(/\\s+/g, ' ');
  const hit = (text, phrases) => phrases.some(p => new RegExp('(^|[^a-z0-9])' +
      p.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&') + '($|[^a-z0-9])').test(text));
  let best = null, bestScore = 0;
  const fields = document.querySelectorAll(
      'input:not([type]), input[type=text], input[type=search], input[type=number]');
  for (const el of fields) {
    if (!el.getClientRects().length || el.disabled || el.readOnly) continue;
    const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
    const own = fold([el.placeholder, el.name, el.id, el.title, el.getAttribute('aria-label'),
                      el.getAttribute('formcontrolname'), el.getAttribute('ng-reflect-name'),
                      label ? label.innerText : '', el.closest('label')?.innerText].join(' | '));
    if (hit(own, negative)) continue;
    const box = el.closest('form') || el.parentElement?.parentElement || el.parentElement;
    const around = fold(box ? box.innerText.slice(0, 400) : '');
    const ownHit = hit(own, positive);
    if (requireOwn && !ownHit) continue;
    const score = (ownHit ? 3 : 0) + (hit(around, positive) ? 1 : 0);
    if (score > bestScore) { best = el; bestScore = score; }
  }
  if (!best) return false;
  document.querySelectorAll(`[${mark}]`).forEach(el => el.removeAttribute(mark));
  best.setAttribute(mark, '1');
  return true;
}"""


async def find_field(page: Page, purpose: FieldPurpose, mark: str = "data-probe-field"
                     ) -> Locator | None:
    """The visible text input that best fits `purpose`, or None."""
    positive = [fold(p).replace("_", " ") for p in purpose.positive]
    negative = [fold(p) for p in purpose.negative]
    found = await page.evaluate(_FIND_FIELD_JS, [positive, negative, mark, purpose.require_own])
    return page.locator(f"[{mark}]").first if found else None


@dataclass
class FormInfo:
    """What a field's form (or, outside any <form>, its surrounding block) is made of."""

    method: str | None  # "get" / "post"; None when the field is not inside a <form>
    action: str = ""
    text: str = ""  # headings and labels of the form or block
    buttons: list[str] = field(default_factory=list)
    has_password: bool = False
    has_file: bool = False
    textareas: int = 0
    fields: list[str] = field(default_factory=list)  # names, placeholders, labels, img alt/src
    page_wide: bool = False  # one <form> around the whole page (ASP.NET WebForms)


# What counts as a form's button, and a button's label, for both the safety verdict on a form
# (_FORM_INFO_JS) and the button the probe then clicks (_SUBMIT_BUTTON_JS): the two must
# look at the same box and read the same names. An image button is named by its alt text.
_BUTTONS_JS = """
  const PAGE_WIDE_LINKS = 25;
  const CLICKABLE =
      'button, input[type=submit], input[type=button], input[type=image], [role=button]';
  const named = b => (b.innerText || b.value || b.title || b.getAttribute('aria-label') || b.alt
                      || (b.querySelector('img[alt]') || {}).alt || '').trim();
  // ASP.NET WebForms wrap the whole page in one <form>: its header's login button is not
  // the look-up's, so such a form counts as no form and the block around the field decides.
  const formOf = el => {
    const form = el.closest('form');
    return form && form.querySelectorAll('a[href]').length <= PAGE_WIDE_LINKS ? form : null;
  };
  const boxOf = el => {  // the form, or without one the nearest block with a button
    const form = formOf(el);
    if (form) return form;
    let box = el.parentElement;
    for (let i = 0; box && i < 5 && !box.querySelector(CLICKABLE); i++) box = box.parentElement;
    return box || el.parentElement || document.body;
  };
"""

_FORM_INFO_JS = "(el, mark) => {" + _BUTTONS_JS + """
  const form = el.closest('form');
  const box = boxOf(el);
  const buttons = Array.from(box.querySelectorAll(CLICKABLE));
  return {
    method: form ? (form.getAttribute('method') || 'get').toLowerCase() : null,
    action: form ? (form.getAttribute('action') || '') : '',
    page_wide: !!form && !formOf(el),
    text: (box.innerText || '').slice(0, 600),
    buttons: buttons.map(b => named(b)),
    has_password: !!box.querySelector('input[type=password]'),
    has_file: !!box.querySelector('input[type=file]'),
    textareas: box.querySelectorAll('textarea').length,
    fields: Array.from(box.querySelectorAll('input, select, img'))
      .map(f => [f.name, f.id, f.getAttribute('placeholder'), f.getAttribute('aria-label'),
                 f.alt, f.tagName === 'IMG' ? (f.getAttribute('src') || '').slice(0, 80) : '']
                .filter(v => v).join(' '))
      .filter(v => v),
  };
}"""

_SUBMIT_BUTTON_JS = "(el, [readPhrases, mark]) => {" + _BUTTONS_JS + """
  const fold = s => (s || '').replace(/[đð]/g, 'd').replace(/[ĐÐ]/g, 'D').normalize('NFD')
      .replace(/[\\u0300-\\u036f]/g, '').toLowerCase();
  const form = formOf(el);
  const box = boxOf(el);
  const buttons = Array.from(box.querySelectorAll(CLICKABLE))
      .filter(b => b.getClientRects().length && !b.disabled);
  const label = b => fold(named(b));
  let chosen = buttons.find(b => readPhrases.some(p => label(b).includes(p)));
  const unnamedSubmit = b => (b.type || '').toLowerCase() === 'submit' && !label(b).trim();
  if (!chosen && form) chosen = buttons.find(unnamedSubmit);
  if (!chosen && !form && buttons.length === 1 && !label(buttons[0]).trim()) chosen = buttons[0];
  if (!chosen) return false;
  document.querySelectorAll(`[${mark}]`).forEach(b => b.removeAttribute(mark));
  chosen.setAttribute(mark, '1');
  return true;
}"""

# What a reading form says about itself, and what a writing form's buttons/action say.
READ_PHRASES = ("tra cứu", "tìm kiếm", "tìm", "search", "lookup", "tra cuu", "tim kiem",
                "xem kết quả", "kiểm tra")


class UnsafeFormError(RuntimeError):
    """Refused to submit a form whose purpose is not reading (the probe is read-only)."""


def is_reading_form(info: FormInfo) -> tuple[bool, str]:
    """Whether the probe may submit this form, and why: only search/look-up forms qualify.

    Refused: credentials or uploads, free-text areas, buttons or actions that write
    (submit, send, pay, rate, register...). Allowed: GET forms, and forms (or app blocks)
    that name themselves a search or look-up (tra cứu, tìm kiếm).
    """
    if info.has_password or info.has_file:
        return False, "the form asks for a password or a file"
    if info.textareas:
        return False, "the form has free-text areas (feedback-like)"
    writing = [b for b in info.buttons if has_phrase(b, WRITE_PHRASES)]
    if writing:
        return False, f"a button writes: {short(writing[0], 40)!r}"
    if writes_by_url(info.action):
        return False, f"the form posts to a writing action {short(info.action, 60)!r}"
    if info.method == "get":
        return True, "GET form"
    named = " ".join([info.text, *info.buttons, info.action.replace("-", " ")])
    if has_phrase(named, READ_PHRASES):
        return True, "the form is named a search or look-up"
    return False, f"not a reading form (method {info.method or 'none'}, no search/look-up name)"


async def form_info(field_locator: Locator) -> FormInfo:
    """Describe the form (or app block) around `field_locator`."""
    raw = await field_locator.evaluate(_FORM_INFO_JS, "")
    return FormInfo(**raw)


async def submit_reading_form(page: Page, field_locator: Locator, value: str,
                              settle_ms: int = 4000) -> str:
    """Fill `field_locator` with `value` and submit its form, only if the form is for reading.

    Raises `UnsafeFormError` (before typing anything) when the form is not a search or
    look-up form. Clicks the form's search/look-up button (or presses Enter) and waits
    for the page to settle. Returns why the form was judged safe.
    """
    info = await form_info(field_locator)
    allowed, why = is_reading_form(info)
    if not allowed:
        raise UnsafeFormError(why)
    await field_locator.fill(value)
    for event in ("keyup", "change"):  # widgets that listen for keys, not input events
        await field_locator.dispatch_event(event)
    mark = "data-probe-submit"
    read = [fold(p) for p in READ_PHRASES]
    if await field_locator.evaluate(_SUBMIT_BUTTON_JS, [read, mark]):
        # A DOM click event: Playwright's pointer click stalls ~2 s on a page that is not the
        # context's newest one, and the lanes of a family share one context.
        await page.locator(f"[{mark}]").first.dispatch_event("click")
    elif info.page_wide:  # Enter would press the page's default button, perhaps a login
        raise UnsafeFormError("no search/look-up button beside the field in a page-wide form")
    else:
        await field_locator.press("Enter")
    await asyncio.sleep(0.05)
    await settle(page, limit_ms=settle_ms)
    return why
