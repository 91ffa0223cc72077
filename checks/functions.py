"""Functions family (rubric F1-F10): what a citizen can do on the portal, as observed.

Works on the rendered DOM (single-page apps included), starting from the site map's
classified pages and falling back to links found by Vietnamese text on the home page.
Read-only: only search and look-up forms are filled (see `checks._dom.submit_reading_form`);
links are followed, buttons of other forms are never clicked.

Three lanes run side by side in one browser context, each reusing its own page:
  A  catalogue -> search -> procedure pages (two at a time);
  B  look-up (known and unknown code side by side) -> login (SSO) -> submission entry
     (once a procedure page has shown its 'Nộp hồ sơ' button);
  C  payment, rating, feedback, support, statistics.
The 'toàn trình' label is judged last, over every catalogue, procedure and entry page seen.
At most five pages are open at once; on a 429 the portal is waited for (see `open_url`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page

from checks._dom import (
    DOSSIER_CODE,
    LOOKUP_FIELD,
    SEARCH_FIELD,
    SECTIONS,
    FormInfo,
    Link,
    Loaded,
    NavigationRecorder,
    PortalError,
    UnsafeFormError,
    failed,
    find_field,
    fold,
    form_info,
    has_phrase,
    links_matching,
    looks_missing,
    observe,
    open_url,
    page_controls,
    page_links,
    page_text,
    page_words,
    phone_numbers,
    route_key,
    screenshot,
    settle,
    short,
    short_texts,
    submit_reading_form,
    url_template,
)
from probe.audit.trace import start_trace, stop_trace
from probe.browser import close_context, next_tab
from probe.context import PortalContext
from probe.models import Observation
from probe.observations import CATALOGUE
from probe.turns import take_turns
from probe.urls import host_matches, netloc

FAMILY = "functions"
NAMES: tuple[str, ...] = tuple(n for n, s in CATALOGUE.items() if s.check == FAMILY)
# Observations made by interacting with the portal: the trace shows how they were made.
TRACED = frozenset({"search.works", "lookup.known_code", "lookup.unknown_code",
                    "submission.entry", "sso.national", "payment.offered", "rating.available"})

# ------------------------------------------------------------------------------------
# Vocabulary (accent-insensitive on use)
# ------------------------------------------------------------------------------------

PROCEDURE_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("mã thủ tục", "mã tthc", "mã số thủ tục", "mã số tthc", "mã thủ tục hành chính"),
    "agency": ("cơ quan thực hiện", "cơ quan giải quyết", "cơ quan có thẩm quyền",
               "đơn vị thực hiện", "cơ quan tiếp nhận"),
    "level": ("mức độ", "toàn trình", "một phần", "mức độ dịch vụ công"),
    "documents": ("thành phần hồ sơ", "hồ sơ gồm", "thành phần, số lượng hồ sơ"),
    "fee": ("phí", "lệ phí", "phí, lệ phí", "chi phí"),
    "deadline": ("thời hạn giải quyết", "thời gian giải quyết", "thời hạn xử lý",
                 "thời gian xử lý"),
}
CATALOGUE_LINKS = SECTIONS["catalogue"][:-1] + ("dịch vụ công trực tuyến", "thủ tục")
LOOKUP_LINKS = (*SECTIONS["lookup"], "tra cứu")  # a bare "Tra cứu" menu as a last resort
ENTRY_LINKS = ("nộp hồ sơ trực tuyến", "nộp hồ sơ", "nộp trực tuyến", "nộp hồ sơ ngay",
               "đăng ký trực tuyến", "apply online")
RATING_LINKS = ("đánh giá mức độ hài lòng", "đánh giá sự hài lòng", "đánh giá hài lòng",
                "đánh giá", "khảo sát", "mức độ hài lòng", "hài lòng")
FAQ_LINKS = ("hỏi đáp", "hỏi - đáp", "câu hỏi thường gặp", "faq", "hỏi và đáp")
GUIDE_LINKS = ("hướng dẫn sử dụng", "tài liệu hướng dẫn", "video hướng dẫn", "hướng dẫn",
               "cẩm nang", "user guide")
HOTLINE_WORDS = ("đường dây nóng", "hotline", "tổng đài", "số điện thoại hỗ trợ",
                 "điện thoại hỗ trợ", "hỗ trợ")
STAT_WORDS = ("tiếp nhận", "đã giải quyết", "đang giải quyết", "đúng hạn", "trước hạn",
              "trễ hạn", "quá hạn", "tỷ lệ", "tỉ lệ", "đã xử lý", "đang xử lý", "hài lòng")
# The figures rubric F10 names, each recognised by words of its label (folded, checked in
# this order: 'tỷ lệ giải quyết đúng hạn' is the on-time rate, not the resolved count).
STAT_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hài lòng", ("hai long",)),
    ("đúng hạn", ("dung han", "truoc han", "tre han", "qua han")),
    ("đã giải quyết", ("da giai quyet", "da xu ly", "giai quyet")),
    ("tiếp nhận", ("tiep nhan",)),
)
STATUS_WORDS = ("đang xử lý", "đang được xử lý", "đã tiếp nhận", "đã được tiếp nhận",
                "tiếp nhận", "trạng thái", "tình trạng",
                "đã trả kết quả", "trả kết quả", "hoàn thành", "đã giải quyết", "đang giải quyết",
                "chờ bổ sung", "yêu cầu bổ sung", "đúng hạn", "quá hạn", "trễ hạn",
                "ngày hẹn trả", "ngày tiếp nhận", "đã xử lý", "chờ tiếp nhận", "status")
NOT_FOUND_WORDS = ("không tìm thấy", "không tồn tại", "không có hồ sơ", "not found",
                   "no result", "no results")
NO_DATA_WORDS = ("không có dữ liệu", "không có kết quả", "chưa có dữ liệu", "không có thông tin",
                 "no data")
# STATUS_WORDS that name a dossier's state, not just the label of a status field.
DOSSIER_STATES = tuple(w for w in STATUS_WORDS if w not in ("trạng thái", "tình trạng", "status"))
CAPTCHA_WORDS = ("captcha", "capcha", "mã xác nhận", "mã xác thực", "mã bảo vệ", "mã bảo mật",
                 "mã kiểm tra", "recaptcha")
CAPTCHA_MARKERS = ("captcha", "capcha")  # inside field names and image paths: txtCaptcha
EXAMPLE_WORDS = ("ví dụ", "vd", "mẫu", "example", "e.g")
RATING_LEVELS = ("rat hai long", "hai long", "chua hai long")
PAGINATION_LABELS = ("trang sau", "trang tiếp", "tiếp", "sau", "next", "»", "›", ">", ">>",
                     "trang cuối", "cuối", "last")
_PAGER_LABELS = frozenset(fold(label) for label in PAGINATION_LABELS)
_ENTRY_LABELS = frozenset(fold(label) for label in ENTRY_LINKS)
PAGE_KEYS = ("page", "trang", "p", "pageindex", "pagenumber", "page_no", "pageno", "offset",
             "start", "pagenum", "currentpage")
PROCEDURE_SAMPLE = 3

_COUNT = r"(\d{1,3}(?:[.,]\d{3})+|\d+)"
_TOTALS = (  # on folded text
    re.compile(rf"(?:tong so|tong cong|tim thay|co tat ca)\s*:?\s*{_COUNT}"),
    re.compile(rf"{_COUNT}\s*(?:thu tuc|ket qua|ban ghi|tthc|dich vu cong)(?![a-z])"),
)


# ------------------------------------------------------------------------------------
# Pure helpers (tested without a browser)
# ------------------------------------------------------------------------------------

def field_share(text: str) -> tuple[float, list[str]]:
    """Share of the six required procedure fields named in `text`, and the missing ones."""
    missing = [key for key, phrases in PROCEDURE_FIELDS.items() if not has_phrase(text, phrases)]
    return round(1 - len(missing) / len(PROCEDURE_FIELDS), 3), missing


def listed_total(text: str) -> int | None:
    """A total count a catalogue prints ('Tổng số: 1.234 thủ tục'), or None."""
    folded = fold(text)
    for pattern in _TOTALS:
        for match in pattern.finditer(folded):
            count = int(re.sub(r"[.,]", "", match.group(1)))
            if count > 0:
                return count
    return None


def distinctive_query(name: str, others: Sequence[str]) -> str | None:
    """A short run of words of `name` that no other listed name contains, or None.

    Names start with a verb ('Đăng ký', 'Cấp'); the distinctive words are at the end, so
    windows are tried from the end, two words first.
    """
    words = [w for w in name.split() if w]
    folded_others = [fold(o) for o in others]
    for size in (2, 3, 4):
        for start in range(len(words) - size, -1, -1):
            window = " ".join(words[start:start + size])
            key = fold(window)
            if len(key) < 6 or any(ch.isdigit() for ch in key):
                continue
            if not any(key in other for other in folded_others):
                return window
    return None


def choose_query(names: Sequence[str]) -> tuple[str, str]:
    """(procedure name, query) for the search test: the first listed name with a distinctive
    part (else the first name, queried whole)."""
    for index, name in enumerate(names):
        query = distinctive_query(name, [*names[:index], *names[index + 1:]])
        if query:
            return name, query
    return names[0], names[0]


def contains_words(name: str, query: str) -> bool:
    """True when every word of `query` is in `name` (accent-insensitive)."""
    folded = fold(name)
    return all(word in folded for word in fold(query).split())


def example_code(text: str) -> str | None:
    """A dossier code the portal publishes (an example near 'Ví dụ' first), or None."""
    codes = [(m.start(), m.group(0)) for m in DOSSIER_CODE.finditer(text)]
    if not codes:
        return None
    folded = text.lower()
    for start, code in codes:
        if has_phrase(folded[max(0, start - 60):start], EXAMPLE_WORDS):
            return code
    return codes[0][1]


def as_of(ctx: PortalContext) -> date | None:
    """The date the probe acts as of: settings.extra['today'] (the day its run started, set
    by the sweep and by a replay: probe.context.as_of_run_start), else None for today."""
    try:
        return date.fromisoformat(ctx.settings.extra.get("today", ""))
    except ValueError:
        return None


def unknown_code(known: str | None, today: date | None = None) -> str:
    """A well-formed code that surely does not exist: the agency part, today (UTC, as run
    times are stored), sequence 9999."""
    prefix = known.rsplit("-", 2)[0] if known else "000.00.00.H00"
    return f"{prefix}-{(today or datetime.now(UTC).date()):%y%m%d}-9999"


def new_lines(before: str, after: str) -> str:
    """Lines of `after` that `before` did not have (what a form submission brought)."""
    seen = {line.strip() for line in before.splitlines()}
    return "\n".join(line for line in after.splitlines() if line.strip() and
                     line.strip() not in seen)


def read_outcome(text: str) -> tuple[bool, bool]:
    """(shows a status, says not found) for the text a look-up brought. "No data" words
    ('không có thông tin') say not found only when no dossier state is shown: a status page
    often has an empty cell ('Hồ sơ đang được xử lý. Không có thông tin bổ sung.')."""
    shown_state = has_phrase(text, DOSSIER_STATES)
    not_found = has_phrase(text, NOT_FOUND_WORDS) or (
        has_phrase(text, NO_DATA_WORDS) and not shown_state)
    return has_phrase(text, STATUS_WORDS) and not not_found, not_found


_AUTH_PATH = re.compile(r"(?<![a-z])(oauth2?|authorize|auth|login|signin|sso|connect|"
                        r"dang-?nhap|xac-?thuc)(?![a-z])")


def is_login_link(link: Link) -> bool:
    """Whether a link to a national SSO host logs in: named so, or aimed at an
    authentication endpoint (a 'Tải ứng dụng VNeID' banner to vneid.gov.vn is not)."""
    return has_phrase(link.text, SECTIONS["login"]) or bool(
        _AUTH_PATH.search(urlsplit(link.href).path.lower() + "?" + urlsplit(link.href).query))


def asks_captcha(info: FormInfo) -> bool:
    """Whether a look-up form asks for a captcha: by its words, or by a field or image whose
    name or path says so (txtCaptcha, CaptchaImage.axd)."""
    return has_phrase(" ".join([info.text, *info.fields]), CAPTCHA_WORDS) or any(
        marker in fold(field) for field in info.fields for marker in CAPTCHA_MARKERS)


def rating_levels(labels: Iterable[str]) -> list[str]:
    """Which of the three official levels appear as options (a short label of their own;
    the scale's heading, 'Mức độ hài lòng', is not one)."""
    cores = set()
    for label in labels:
        core = " ".join(re.sub(r"[^a-z ]", " ", fold(label)).split())
        if core != "muc do hai long":
            cores.add(core.removeprefix("muc ").removeprefix("do "))
    return [level for level in RATING_LEVELS if level in cores]


# A short service number right after the word: 'Tổng đài 1022' (many provinces' public-service
# line), 'Đường dây nóng: 1900'... four digits or fewer, starting with 1.
_SHORT_HOTLINE = re.compile(r"[\s:.\-–]{0,6}(1\d{2,3})(?!\d|[.,\-]\d)")


def hotline_in(text: str) -> str | None:
    """A phone number within reach of 'đường dây nóng' / 'hotline' / 'tổng đài' in `text`."""
    folded = fold(text)
    for word in HOTLINE_WORDS:
        for match in re.finditer(rf"(?<![a-z]){re.escape(fold(word))}(?![a-z])", folded):
            numbers = phone_numbers(folded[match.end():match.end() + 80])
            if numbers:
                return numbers[0]
            if short := _SHORT_HOTLINE.match(folded, match.end()):
                return short.group(1)
    return None


_FIGURE = r"(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?\s?%|\d+)(?![\d/:h])"
_BARE_FIGURE = re.compile(rf"^\s*{_FIGURE}\s*$")


@lru_cache(maxsize=1)
def _stat_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a label word, a label word followed by its figure on the same line), folded."""
    words = "|".join(re.escape(fold(w)) for w in STAT_WORDS)
    label = re.compile(rf"(?<![a-z])(?:{words})(?![a-z])")
    inline = re.compile(rf"{label.pattern}[^\d]{{0,30}}?(?<![\d/]){_FIGURE}")
    return label, inline


def labelled_figures(text: str) -> list[tuple[str, str]]:
    """(label and figure, figure) of the dossier statistics in `text`, line by line: a label
    with its figure on one line ('Đã tiếp nhận: 125.400'), or dashboard cards whose figure
    stands on its own line above (or else below) a label line without one."""
    label, inline = _stat_patterns()
    lines = [fold(line) for line in text.splitlines() if line.strip()]
    cards = {i for i, line in enumerate(lines)
             if label.search(line) and not re.search(r"\d", line)}
    first = min(cards, default=0)
    above = first > 0 and bool(_BARE_FIGURE.match(lines[first - 1]))
    pairs: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        pairs += [(m.group(0), m.group(1)) for m in inline.finditer(line)]
        if index in cards:
            near = index - 1 if above else index + 1
            bare = _BARE_FIGURE.match(lines[near]) if 0 <= near < len(lines) else None
            if bare:
                pairs.append((f"{line} {bare.group(1)}", bare.group(1)))
    return pairs


def statistic_figures(text: str) -> list[str]:
    """'word: figure' pairs of dossier statistics in `text` ('Đã tiếp nhận: 125.400',
    'Tỷ lệ đúng hạn 97,6%'); dates and clock times are not figures."""
    return [pair for pair, _ in labelled_figures(text)]


def statistic_fields(text: str) -> dict[str, str]:
    """Which of rubric F10's figures `text` publishes: field label -> its first figure
    ('tiếp nhận' -> '125.400')."""
    found: dict[str, str] = {}
    for pair, figure in labelled_figures(text):
        name = next((name for name, words in STAT_FIELDS
                     if any(word in pair for word in words)), None)
        if name is not None:
            found.setdefault(name, figure)
    return found


def fields_detail(found: dict[str, str]) -> str:
    """'tiếp nhận: ...; ...; thiếu (missing): hài lòng' for a `statistic_fields` result."""
    order = [label for label, _ in reversed(STAT_FIELDS)]
    shown = [f"{label}: {found[label]}" for label in order if label in found]
    missing = [label for label in order if label not in found]
    if missing:
        shown.append("thiếu (missing): " + ", ".join(missing))
    return "; ".join(shown)


def has_statistics(text: str) -> bool:
    """True when `text` reads like dossier statistics: at least two labelled figures."""
    return len(statistic_figures(text)) >= 2


def is_pagination_label(label: str) -> bool:
    """True for a pager control's label: '2', 'Trang sau', '»', 'Next'..."""
    text = fold(label)
    return text.isdigit() and text != "1" or text in _PAGER_LABELS


def procedure_links(links: Sequence[Link], home_links: Sequence[Link], list_url: str,
                    known_templates: set[str] | None = None) -> list[Link]:
    """The catalogue's procedure links: the page's own links (not the site's menus, header
    or footer) that share the commonest URL shape (or a shape of the site map's procedure
    pages). A row's "Nộp hồ sơ" button often shares that shape (`/p/home/{}?ma_thu_tuc`)
    but leads to the submission, not to the procedure: such labels are left out."""
    chrome = {link.href for link in home_links if link.region != "main"}
    chrome |= {link.href for link in links if link.region != "main"}
    own = route_key(list_url)
    candidates = [
        link for link in links
        if netloc(link.href) == netloc(list_url) and link.href not in chrome
        and route_key(link.href) != own and len(link.text) >= 8 and len(link.text.split()) >= 2
        and not is_pagination_label(link.text) and fold(link.text) not in _ENTRY_LABELS
    ]
    groups: dict[str, list[Link]] = {}
    for link in candidates:
        groups.setdefault(url_template(link.href), []).append(link)
    if known_templates:
        chosen = [link for t in known_templates for link in groups.get(t, [])]
        if chosen:
            return _unique(chosen)
    if not groups:
        return []
    return _unique(max(groups.values(), key=len))


def _unique(links: Sequence[Link]) -> list[Link]:
    """`links` without repeated hrefs, in order."""
    seen: set[str] = set()
    return [link for link in links if not (link.href in seen or seen.add(link.href))]


_LEADING_CODE = re.compile(r"^\s*(?:[0-9A-Z]+(?:\.[0-9A-Z]+)+|\d+)?[\s.:\-–)]*")
_CUT = re.compile(r"\s*\S*(?:…|\.\.\.)\s*$")  # a name the list cut: its last, partial word


def clean_name(text: str) -> str:
    """A procedure name without a leading code or number ('1.004227.000.00.00.H12 - Đăng
    ký...', '3. Cấp...') and, when the list cut it short ('... lĩnh vự…'), without the cut
    word: what follows is the portal's own wording, whole words only."""
    name = _LEADING_CODE.sub("", text, count=1).strip()
    return _CUT.sub("", name).strip() if _CUT.search(name) else name


# ------------------------------------------------------------------------------------
# The probe
# ------------------------------------------------------------------------------------

LATE_CONTENT_S = 5.0


async def late_words(page: Page, text: str) -> str:
    """The page's words once an app's late content stopped growing (at most LATE_CONTENT_S).

    A busy machine can let an app's route render after the DOM looked quiet; reading
    again until the text stops changing keeps a slow render from looking like a gap.
    """
    deadline = time.monotonic() + LATE_CONTENT_S
    while time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        again = await page_words(page)
        if again == text and field_share(again)[0] > 0:  # a classic page returns at once
            return again
        text = again
    return text


@dataclass
class Home:
    """The home page as rendered: where it landed, its links, text and short labels, and
    whether it carries a procedure search box or a dossier look-up field."""

    url: str
    links: list[Link]
    text: str
    labels: list[str] = field(default_factory=list)
    controls: list[Link] = field(default_factory=list)  # buttons and menu items outside forms
    search_box: bool = False
    lookup_field: bool = False


@dataclass
class Target:
    """Where a feature lives and how it was found."""

    url: str
    how: str


@dataclass
class Followed:
    """A followed link: the page it loaded (None when it left the portal) and its hops."""

    loaded: Loaded | None
    offsite: str | None
    chain: list[str] = field(default_factory=list)


Step = Callable[[Page], Awaitable[list[Observation]]]


class FunctionsProbe:
    """The functions checks of one portal; steps share what earlier steps saw."""

    def __init__(self, ctx: PortalContext, context: BrowserContext, home: Home) -> None:
        self.ctx = ctx
        self.context = context
        self.home = home
        self.timeout = ctx.settings.page_timeout_ms
        self.procedures: list[Link] = []
        self.catalogue_url: str | None = None
        # each sampled procedure page's 'Nộp hồ sơ' links, in sample order, once it is read
        self.entry_links: dict[str, asyncio.Future[list[Link]]] = {}
        self.catalogue_search = False  # the catalogue page carries the search box
        self.entry_ready = asyncio.Event()  # set once the procedure pages are chosen
        self.service_texts: dict[str, str] = {}  # catalogue, procedure and entry pages

    # -- navigation -------------------------------------------------------------------

    def offsite(self, url: str) -> bool:
        """True when `url` is not on the portal's host:port."""
        return netloc(url) != netloc(self.home.url)

    def targets(self, page_type: str | None, phrases: Sequence[str],
                links: Sequence[Link] | None = None, limit: int = 3) -> list[Target]:
        """Where a feature may live, best first: the site map's pages of `page_type`, then
        home links named by `phrases` (distinct URLs, at most `limit`)."""
        found: dict[str, Target] = {}
        if page_type:
            for info in self.ctx.sitemap.of_type(page_type)[:limit]:
                found.setdefault(info.url, Target(info.url, f"site map ({page_type})"))
        for link in links_matching(self.home.links if links is None else links, phrases,
                                   site=self.home.url):
            found.setdefault(link.href, Target(link.href, f'link "{short(link.text, 40)}"'))
        return list(found.values())[:limit]

    def target(self, page_type: str | None, phrases: Sequence[str],
               links: Sequence[Link] | None = None) -> Target | None:
        """The site map's page of `page_type`, else the home link named by `phrases`."""
        found = self.targets(page_type, phrases, links, limit=1)
        return found[0] if found else None

    async def open(self, page: Page, url: str) -> Loaded:
        """Open a portal page (raises PortalError when the portal fails)."""
        loaded = await open_url(page, url, self.timeout)
        if loaded.ok and not loaded.download and looks_missing(await page_text(page)):
            return Loaded(loaded.url, 404)
        return loaded

    async def follow(self, page: Page, url: str) -> Followed:
        """Follow a link, noting where its navigation hops go; leaving the portal is fine."""
        with NavigationRecorder(page) as recorder:
            try:
                loaded = await self.open(page, url)
            except PortalError:
                offsite = recorder.first_offsite(self.home.url)
                if offsite is None:
                    raise
                return Followed(None, offsite, recorder.urls)
        offsite = recorder.first_offsite(self.home.url)
        return Followed(loaded, offsite, recorder.urls)

    async def reachable(self, page: Page, name: str, target: Target | None,
                        missing: str) -> tuple[Observation, str]:
        """An observation that `target` opens (a 2xx page that exists); and the page's text."""
        if target is None:
            return observe(name, False, self.home.url, missing), ""
        if self.offsite(target.url):
            return observe(name, True, target.url,
                           f"{target.how} leads to {netloc(target.url)} (not followed)"), ""
        loaded = await self.open(page, target.url)
        if not loaded.ok:
            return observe(name, False, target.url,
                           f"{target.how} answers HTTP {loaded.status}"), ""
        if loaded.download:
            return observe(name, True, target.url, f"{target.how} serves a file"), ""
        text = await page_words(page)
        return observe(name, True, loaded.url, f"{target.how} opens {short(loaded.url, 80)}"), text

    # -- F1 catalogue and procedure pages ---------------------------------------------

    async def catalogue(self, page: Page) -> list[Observation]:
        """catalogue.present, catalogue.procedures and catalogue.paginated."""
        candidates = self.targets("catalogue", CATALOGUE_LINKS)
        if not candidates:
            return [observe("catalogue.present", False, self.home.url, "no catalogue link found"),
                    observe("catalogue.procedures", 0, self.home.url, "no catalogue"),
                    observe("catalogue.paginated", False, self.home.url, "no catalogue")]
        found = await self.open_catalogue(page, candidates)
        if isinstance(found, str):
            url = candidates[0].url
            return [observe("catalogue.present", False, url, found),
                    observe("catalogue.procedures", 0, url, found),
                    observe("catalogue.paginated", False, url, found)]
        target, loaded, links, text = found
        self.catalogue_search = await find_field(page, SEARCH_FIELD) is not None
        total = listed_total(text)
        count = max(total or 0, len(self.procedures))
        paginated, how = await self.pagination(page, links, loaded.url)
        return [
            observe("catalogue.present", True, loaded.url,
                    f"{target.how}: {len(self.procedures)} procedure links on the first page"),
            observe("catalogue.procedures", count, loaded.url,
                    f"total shown: {total}" if total else
                    f"{len(self.procedures)} procedures counted on the first page"),
            observe("catalogue.paginated", paginated, loaded.url, how),
        ]

    async def open_catalogue(self, page: Page, candidates: Sequence[Target]
                             ) -> tuple[Target, Loaded, list[Link], str] | str:
        """Open candidates until one lists procedures; (target, page, links, text), else why
        none did. Leaves the catalogue open in `page`."""
        known = {url_template(p.url) for p in self.ctx.sitemap.of_type("procedure")}
        notes = []
        for target in candidates:
            if self.offsite(target.url):
                notes.append(f"{target.how} leaves the portal")
                continue
            loaded = await self.open(page, target.url)
            if not loaded.ok:
                notes.append(f"{target.how} answers HTTP {loaded.status}")
                continue
            links = await page_links(page)
            listed = procedure_links(links, self.home.links, loaded.url, known)
            if listed:
                text = await page_text(page)
                self.catalogue_url = loaded.url
                self.procedures = listed
                self.service_texts[loaded.url] = text
                return target, loaded, links, text
            notes.append(f"{target.how} lists no procedures")
        return "; ".join(notes)

    async def pagination(self, page: Page, links: Sequence[Link], url: str) -> tuple[bool, str]:
        """Whether the list is split over pages, and the evidence."""
        own = route_key(url)
        for link in links:
            if route_key(link.href) != own or link.href == url:
                continue
            query = fold(link.href.split("?", 1)[-1]) if "?" in link.href else ""
            keys = {part.split("=", 1)[0] for part in query.split("&")}
            if fold(link.text) in ("1", "trang 1"):
                continue
            if keys & set(PAGE_KEYS) or is_pagination_label(link.text):
                return True, f'page link "{short(link.text, 20)}" -> {short(link.href, 80)}'
        labels = await page.evaluate(_PAGER_JS)
        for label in labels:
            if is_pagination_label(label):
                return True, f'pager control "{short(label, 20)}"'
        return False, "no pager or page links on the catalogue"

    async def procedure_pages(self, page: Page) -> list[Observation]:
        """procedure.fields, one observation per sampled procedure page (the site map's,
        else the catalogue's)."""
        urls = [p.url for p in self.ctx.sitemap.of_type("procedure")]
        urls += [link.href for link in self.procedures if link.href not in urls]
        urls = urls[:max(1, min(self.ctx.settings.sample_pages, PROCEDURE_SAMPLE))]
        loop = asyncio.get_running_loop()
        self.entry_links = {url: loop.create_future() for url in urls}
        self.entry_ready.set()
        try:
            if not urls:
                return [observe("procedure.fields", 0.0, self.catalogue_url or self.home.url,
                                "no procedure pages found")]
            return await self.procedure_pages_on(page, urls)
        finally:
            for unread in self.entry_links.values():
                if not unread.done():
                    unread.set_result([])

    async def procedure_pages_on(self, page: Page, urls: Sequence[str]) -> list[Observation]:
        """Read `urls` with two pages side by side (this lane's and a helper)."""
        if len(urls) == 1:
            return [await self.procedure_page(page, urls[0])]
        helper = await self.context.new_page()
        try:
            return await take_turns([page, helper], urls, self.procedure_page)
        finally:
            await helper.close()

    async def procedure_page(self, page: Page, url: str) -> Observation:
        """procedure.fields of one procedure page; notes its 'Nộp hồ sơ' links."""
        loaded = await self.open(page, url)
        if not loaded.ok:
            self.entry_links_found(url, [])
            return observe("procedure.fields", 0.0, url,
                           f"procedure page answers HTTP {loaded.status}")
        text = await page_words(page)
        share, missing = field_share(text)
        if missing:  # an app may render its route late, whatever discovery concluded
            text = await late_words(page, text)
            share, missing = field_share(text)
        self.service_texts[loaded.url] = text
        self.entry_links_found(url, links_matching(await page_links(page), ENTRY_LINKS))
        return observe("procedure.fields", share, loaded.url,
                       "all six fields shown" if not missing else f"missing: {', '.join(missing)}")

    # -- F2 search ----------------------------------------------------------------------

    async def search(self, page: Page) -> list[Observation]:
        """search.works: query a distinctive part of a listed name; the procedure comes back."""
        names = [clean_name(link.text) for link in self.procedures]
        names = [n for n in names if len(n) >= 8]
        field_page = await self.search_field_page(page)
        if field_page is None:
            return [observe("search.works", False, self.home.url, "no procedure search box")]
        if not names:
            return [observe("search.works", None, field_page, "a search box exists but the "
                            "catalogue lists no procedure name to query", "probe_error")]
        before = await page_text(page)
        fresh = [n for n in names if not has_phrase(before, (n,))]  # not already on the page
        name, query = choose_query(fresh or names)
        field_locator = await find_field(page, SEARCH_FIELD)
        assert field_locator is not None
        try:
            await submit_reading_form(page, field_locator, query)
        except UnsafeFormError as error:
            return [observe("search.works", None, field_page,
                            f"refused to submit the search form: {error}", "probe_error")]
        shot = await screenshot(page, self.ctx.evidence)
        text = await page_text(page)
        found = has_phrase(text, (name,))
        others = [n for n in names if not contains_words(n, query)][:3]
        leaked = [n for n in others if has_phrase(text, (n,))]
        if found and others and len(leaked) == len(others):
            return [observe("search.works", False, page.url,
                            f"query {query!r} still lists unrelated procedures "
                            f"(e.g. {short(leaked[0], 40)!r}): the query is ignored",
                            artifacts=[shot])]
        detail = (f"query {query!r} returns {short(name, 60)!r}" if found else
                  f"query {query!r} does not return {short(name, 60)!r}")
        return [observe("search.works", found, page.url, detail, artifacts=[shot])]

    async def search_field_page(self, page: Page) -> str | None:
        """Bring up a page carrying a procedure search box (the catalogue still open, the
        site map's search page, the home page); its URL, or None."""
        if self.catalogue_search and self.catalogue_url and page.url == self.catalogue_url:
            return page.url
        candidates = []
        if info := self.ctx.sitemap.first("search"):
            candidates.append(info.url)
        if self.catalogue_search and self.catalogue_url:
            candidates.append(self.catalogue_url)
        if self.home.search_box:
            candidates.append(self.home.url)
        for url in dict.fromkeys(candidates):
            loaded = await self.open(page, url)
            if loaded.ok and await find_field(page, SEARCH_FIELD) is not None:
                return loaded.url
        return None

    # -- F5 submission ------------------------------------------------------------------

    async def submission(self, page: Page) -> list[Observation]:
        """submission.entry: reach a 'Nộp hồ sơ' page (never submit): the site map's entry
        page, else a procedure page's 'Nộp hồ sơ' button (the most precise entry, so worth
        waiting for the procedure pages), else the home page's link."""
        target = self.target("submission", ())
        if target is None and (link := await asyncio.wait_for(
                self.first_entry_link(), timeout=self.timeout * 8 / 1000)):
            target = Target(link.href, f'procedure page link "{short(link.text, 40)}"')
        return [await self.submission_entry(page, target)]

    def entry_links_found(self, url: str, links: list[Link]) -> None:
        """Note the 'Nộp hồ sơ' links of the sampled procedure page `url`."""
        if (found := self.entry_links.get(url)) is not None and not found.done():
            found.set_result(links)

    async def first_entry_link(self) -> Link | None:
        """The first 'Nộp hồ sơ' link of the sampled procedure pages in sample order (not in
        the order their loads happened to end, so that every run and replay follows the
        same link); waits only for the pages before the first one that has such a link."""
        await self.entry_ready.wait()
        for found in self.entry_links.values():
            if links := await found:
                return links[0]
        return None

    async def submission_entry(self, page: Page, target: Target | None) -> Observation:
        """Follow a 'Nộp hồ sơ trực tuyến' link (the site map's, else a procedure page's, else
        the home page's); reaching its page (or a login) counts."""
        target = target or self.target(None, ENTRY_LINKS)
        if target is None:
            return observe("submission.entry", False, self.home.url,
                           "no 'Nộp hồ sơ trực tuyến' link on the home or procedure pages")
        followed = await self.follow(page, target.url)
        if followed.offsite:
            sso = host_matches(followed.offsite, self.ctx.settings.national_sso_hosts)
            return observe("submission.entry", True, target.url,
                           f"{target.how} asks to log in at {netloc(followed.offsite)}"
                           + (" (national SSO)" if sso else ""))
        assert followed.loaded is not None
        if not followed.loaded.ok:
            return observe("submission.entry", False, target.url,
                           f"{target.how} answers HTTP {followed.loaded.status}")
        text = await page_words(page)
        self.service_texts[followed.loaded.url] = text
        asks = await page.locator("input[type=password]").count()
        login = " (login required)" if asks else ""
        return observe("submission.entry", True, followed.loaded.url,
                       f"{target.how} reaches the entry page{login}; nothing submitted")

    def service_pages(self) -> list[tuple[str, str]]:
        """(URL, text) of the service pages seen: the catalogue first, then by URL (not in
        the order their loads happened to end, so that every run and replay names the same
        page)."""
        return sorted(self.service_texts.items(),
                      key=lambda seen: (seen[0] != self.catalogue_url, seen[0]))

    def toan_trinh(self) -> Observation:
        """submission.toan_trinh_label: 'toàn trình' labels a service on a page already seen
        (catalogue, procedure or entry page; news and FAQ mentions do not count)."""
        seen = self.service_pages()
        for url, text in seen:
            if has_phrase(text, ("toàn trình",)):
                return observe("submission.toan_trinh_label", True, url,
                               "'toàn trình' label shown")
        legacy = next((u for u, t in seen if has_phrase(t, ("mức độ 4", "mức độ 3"))), None)
        if legacy:
            return observe("submission.toan_trinh_label", False, legacy,
                           "only legacy 'mức độ 3/4' labels (before Nghị định 42/2022)")
        return observe("submission.toan_trinh_label", False, self.catalogue_url or self.home.url,
                       "no 'toàn trình' label on catalogue, procedure or entry pages")

    # -- F3 look-up -----------------------------------------------------------------------

    async def lookup(self, page: Page) -> list[Observation]:
        """lookup.form, lookup.known_code, lookup.unknown_code."""
        url, how = await self.lookup_page(page)
        if url is None:
            missing = [observe(n, False, self.home.url, how)
                       for n in ("lookup.form", "lookup.known_code", "lookup.unknown_code")]
            return missing
        words = await page_words(page)
        form = observe("lookup.form", True, url, f"{how}: dossier-code field without login")
        field_locator = await find_field(page, LOOKUP_FIELD)
        info = await form_info(field_locator) if field_locator else None
        if info and asks_captcha(info):
            return [form, *failed(("lookup.known_code", "lookup.unknown_code"), "probe_error",
                                  "the look-up form asks for a captcha", url)]
        known = self.known_code(words)
        code = unknown_code(known, as_of(self.ctx))
        if known is None:
            return [form, observe("lookup.known_code", None, url, "the portal publishes no "
                                  "example dossier code", "probe_error"),
                    await self.try_code(page, url, code, "lookup.unknown_code", fresh=True)]
        # the unknown code goes in on a second page, side by side with the known one
        other = await self.context.new_page()
        try:
            known_obs, unknown_obs = await asyncio.gather(
                self.try_code(page, url, known, "lookup.known_code", fresh=True),
                self.try_code(other, url, code, "lookup.unknown_code"))
        finally:
            await other.close()
        return [form, known_obs, unknown_obs]

    def known_code(self, words: str) -> str | None:
        """A dossier code that exists: the operator's (settings.extra['known_dossier_code'],
        e.g. an agency checking its own portal), else an example the portal publishes."""
        given = self.ctx.settings.extra.get("known_dossier_code", "").strip()
        return given or example_code(words) or example_code(self.home.text)

    async def lookup_page(self, page: Page) -> tuple[str | None, str]:
        """Open the page with the look-up field (the first of up to three look-up pages that
        has one: the shallowest may be a guide to the look-up; else home); (URL, how found)."""
        found = self.targets("lookup", LOOKUP_LINKS, limit=3)
        target = found[0] if found else None
        candidates = [t for t in found if not self.offsite(t.url)]
        if self.home.lookup_field:
            candidates.append(Target(self.home.url, "home page"))
        notes = []
        for candidate in candidates:
            loaded = await self.open(page, candidate.url)
            if not loaded.ok:
                notes.append(f"{candidate.how} answers HTTP {loaded.status}")
                continue
            if await find_field(page, LOOKUP_FIELD) is not None:
                return loaded.url, candidate.how
            text = await page_words(page)
            if has_phrase(text, ("mật khẩu", "password")):
                notes.append(f"{candidate.how} asks to log in")
        if target is None:
            notes.insert(0, "no look-up link")
        return None, "; ".join(notes) or "no dossier-code field found"

    async def try_code(self, page: Page, url: str, code: str, name: str,
                       fresh: bool = False) -> Observation:
        """Submit `code` in the look-up form of `url` (reloaded unless `fresh`); judge the
        text that comes back."""
        if not fresh:
            await self.open(page, url)
        field_locator = await find_field(page, LOOKUP_FIELD)
        if field_locator is None:
            return observe(name, None, url, "look-up field vanished on reload", "probe_error")
        before = await page_text(page)
        try:
            await submit_reading_form(page, field_locator, code)
        except UnsafeFormError as error:
            return observe(name, None, url, f"refused to submit the look-up form: {error}",
                           "probe_error")
        shot = await screenshot(page, self.ctx.evidence)
        answer = new_lines(before, await page_text(page))
        status, not_found = read_outcome(answer)
        said = short(answer, 100) or "nothing new on the page"
        if name == "lookup.known_code":
            value = status
            detail = f"code {code}: " + (said if status else f"no status shown ({said})")
        else:
            value = not_found
            detail = f"code {code}: " + (said if not_found else f"no clear not-found ({said})")
        return observe(name, value, page.url, detail, artifacts=[shot])

    # -- F4 login -------------------------------------------------------------------------

    async def sso(self, page: Page) -> list[Observation]:
        """sso.national: the login link (or where it redirects) is a national SSO host."""
        hosts = self.ctx.settings.national_sso_hosts
        direct = [link for link in self.home.links
                  if host_matches(link.href, hosts) and is_login_link(link)]
        if direct:
            return [observe("sso.national", True, self.home.url,
                            f'link "{short(direct[0].text, 40)}" goes to {netloc(direct[0].href)}')]
        target = self.target("login", SECTIONS["login"])
        if target is None:
            return [await self.sso_button(page)]
        if self.offsite(target.url):
            value = host_matches(target.url, hosts)
            return [observe("sso.national", value, self.home.url,
                            f"{target.how} goes to {netloc(target.url)}")]
        followed = await self.follow(page, target.url)
        return [await self.sso_verdict(page, target, followed)]

    async def sso_verdict(self, page: Page, target: Target, followed: Followed) -> Observation:
        """Judge where a followed login link ended up."""
        hosts = self.ctx.settings.national_sso_hosts
        if followed.offsite and (host_matches(followed.offsite, hosts) or not followed.loaded):
            value = host_matches(followed.offsite, hosts)
            return observe("sso.national", value, target.url,
                           f"{target.how} redirects to {netloc(followed.offsite)}")
        assert followed.loaded is not None  # on the portal, or on its own SSO elsewhere
        if not followed.loaded.ok:
            return observe("sso.national", False, target.url,
                           f"{target.how} answers HTTP {followed.loaded.status}")
        links = [link for link in await page_links(page) if host_matches(link.href, hosts)]
        if links:
            return observe("sso.national", True, followed.loaded.url,
                           f'login page links "{short(links[0].text, 40)}" to '
                           f"{netloc(links[0].href)}")
        text = await page_words(page)
        hint = (" (mentions VNeID/DVC quốc gia without a link)"
                if has_phrase(text, ("vneid", "dịch vụ công quốc gia")) else "")
        where = urlsplit(followed.loaded.url)
        return observe("sso.national", False, followed.loaded.url,
                       f"login stays on {where.netloc}{short(where.path, 50)} "
                       f"(no national SSO link){hint}")

    async def sso_button(self, page: Page) -> Observation:
        """A login button without href (app shells): click it outside any form, watch hops."""
        if not links_matching(self.home.controls, SECTIONS["login"]):
            return observe("sso.national", False, self.home.url, "no login link or button")
        await self.open(page, self.home.url)
        marked = await page.evaluate(_LOGIN_BUTTON_JS, [fold(p) for p in SECTIONS["login"]])
        if not marked:
            return observe("sso.national", False, self.home.url, "no login link or button")
        with NavigationRecorder(page) as recorder:
            await page.locator("[data-probe-login]").first.dispatch_event("click")
            await asyncio.sleep(0.05)
            await settle(page, limit_ms=min(self.timeout, 4000))
            offsite = recorder.first_offsite(self.home.url)
        target = Target(self.home.url, "login button")
        landed = None if page.url.startswith("chrome-error:") else Loaded(page.url, None)
        return await self.sso_verdict(page, target, Followed(landed, offsite))

    # -- F6-F10 -----------------------------------------------------------------------------

    async def payment(self, page: Page) -> list[Observation]:
        """payment.offered: a payment page is linked and opens."""
        target = self.target("payment", SECTIONS["payment"])
        obs, _ = await self.reachable(page, "payment.offered", target, "no payment link")
        return [obs]

    async def rating(self, page: Page) -> list[Observation]:
        """rating.available and rating.three_levels (or a VNForm survey link)."""
        vnform = self.vnform_link(self.home.links)
        target = self.target("rating", RATING_LINKS)
        available, words = await self.reachable(page, "rating.available", target,
                                                "no rating link")
        if words:
            labels = await short_texts(page)
            vnform = vnform or self.vnform_link(await page_links(page))
        else:  # no rating page opened: a rating widget on the home page counts
            labels = self.home.labels
        levels = rating_levels(labels)
        if not available.value and (vnform or len(levels) == len(RATING_LEVELS)):
            how = f"VNForm survey link {short(vnform.href, 80)}" if vnform else "rating widget"
            available = observe("rating.available", True, page.url, how)
        if len(levels) == len(RATING_LEVELS):
            three = observe("rating.three_levels", True, available.page,
                            "Rất hài lòng / Hài lòng / Chưa hài lòng offered")
        elif vnform:
            three = observe("rating.three_levels", True, available.page,
                            f"VNForm survey link {short(vnform.href, 80)}")
        else:
            shown = ", ".join(levels) or "none"
            three = observe("rating.three_levels", False, available.page,
                            f"official levels shown: {shown}")
        return [available, three]

    @staticmethod
    def vnform_link(links: Sequence[Link]) -> Link | None:
        """A link to a VNForm survey, or None."""
        return next((link for link in links if "vnform" in netloc(link.href)
                     or has_phrase(link.text, ("vnform",))), None)

    async def feedback(self, page: Page) -> list[Observation]:
        """feedback.available: a phản ánh / kiến nghị page is linked and opens (never sent)."""
        target = self.target("feedback", SECTIONS["feedback"])
        obs, _ = await self.reachable(page, "feedback.available", target, "no feedback link")
        return [obs]

    async def support(self, page: Page) -> list[Observation]:
        """support.faq, support.guides and support.hotline."""
        faq, faq_text = await self.reachable(page, "support.faq", self.target("faq", FAQ_LINKS),
                                             "no FAQ (hỏi đáp) link")
        guides, guide_text = await self.reachable(page, "support.guides",
                                                  self.target(None, GUIDE_LINKS),
                                                  "no guides (hướng dẫn) link")
        hotline = None
        for url, text in ((self.home.url, self.home.text), (faq.page, faq_text),
                          (guides.page, guide_text)):
            if number := hotline_in(text):
                hotline = observe("support.hotline", True, url, f"hotline {number}")
                break
        if hotline is None:
            hotline = observe("support.hotline", False, self.home.url,
                              "no phone number next to 'đường dây nóng'/'hotline'/'tổng đài'")
        return [faq, hotline, guides]

    async def statistics(self, page: Page) -> list[Observation]:
        """statistics.published: a statistics page (or home widget) shows dossier figures;
        statistics.fields: how many of F10's four figures it shows."""
        target = self.target("statistics", SECTIONS["statistics"])
        obs, text = await self.reachable(page, "statistics.published", target,
                                         "no statistics link")
        if obs.value and text and not self.offsite(obs.page or ""):
            if has_statistics(text):
                return [obs, self.statistic_fields(obs.page, text)]
            obs = observe("statistics.published", False, obs.page,
                          "the statistics page shows no dossier figures")
        if not obs.value and has_statistics(self.home.text):
            return [observe("statistics.published", True, self.home.url,
                            "dossier figures on the home page"),
                    self.statistic_fields(self.home.url, self.home.text)]
        if obs.value:  # published on another host: its figures were not read
            return [obs, observe("statistics.fields", None, obs.page, obs.detail)]
        return [obs, observe("statistics.fields", 0, obs.page, "no statistics published")]

    def statistic_fields(self, url: str | None, text: str) -> Observation:
        """statistics.fields from the text of the page that publishes the figures."""
        found = statistic_fields(text)
        return observe("statistics.fields", len(found), url, fields_detail(found))

    # -- running --------------------------------------------------------------------------

    def lanes(self) -> list[list[tuple[tuple[str, ...], Step]]]:
        """Independent sequences of steps, each with the names it records."""
        return [
            [(("catalogue.present", "catalogue.procedures", "catalogue.paginated"),
              self.catalogue),
             (("search.works",), self.search),
             (("procedure.fields",), self.procedure_pages)],
            [(("lookup.form", "lookup.known_code", "lookup.unknown_code"), self.lookup),
             (("sso.national",), self.sso),
             (("submission.entry",), self.submission)],
            [(("payment.offered",), self.payment),
             (("rating.available", "rating.three_levels"), self.rating),
             (("feedback.available",), self.feedback),
             (("support.faq", "support.hotline", "support.guides"), self.support),
             (("statistics.published", "statistics.fields"), self.statistics)],
        ]

    async def run_lane(self, page: Page, steps: list[tuple[tuple[str, ...], Step]]
                       ) -> list[Observation]:
        """Run steps in order on one tab (`next_tab`); a failing step records its names as
        failed."""
        observations: list[Observation] = []
        for names, step in steps:
            page = await next_tab(page)
            observations += await guarded(names, step(page), self.home.url)
        return observations


async def guarded(names: Sequence[str], work: Awaitable[list[Observation]],
                  page: str | None) -> list[Observation]:
    """Await `work`; portal failures become portal_error, probe failures probe_error."""
    try:
        observations = await work
    except PortalError as error:
        return failed(names, "portal_error", str(error), page)
    except Exception as error:  # noqa: BLE001 - a probe bug must not sink the sweep
        return failed(names, "probe_error", f"{type(error).__name__}: {error}", page)
    seen = {o.name for o in observations}
    return observations + failed([n for n in names if n not in seen], "probe_error",
                                 "not observed", page)


async def load_home(page: Page, url: str, timeout_ms: int) -> Home:
    """Open the home page and read what later steps need (PortalError when it fails)."""
    loaded = await open_url(page, url, timeout_ms)
    if not loaded.ok:
        raise PortalError(f"home page answers HTTP {loaded.status}")
    return Home(loaded.url, await page_links(page), await page_text(page),
                await short_texts(page), await page_controls(page),
                await find_field(page, SEARCH_FIELD) is not None,
                await find_field(page, LOOKUP_FIELD) is not None)


async def run(ctx: PortalContext) -> list[Observation]:
    """Record the functions observations of one portal (never raises)."""
    portal = ctx.sitemap.portal or ctx.agency.portal_url
    try:
        context, page = await ctx.new_page()
    except Exception as error:  # noqa: BLE001
        return failed(NAMES, "probe_error", f"browser: {type(error).__name__}: {error}", portal)
    tracing = await start_trace(context) if ctx.settings.traces else None
    try:
        found = await _observed(ctx, context, page, portal)
        if tracing and (trace := await stop_trace(tracing, ctx.evidence)):
            for observation in found:
                if observation.name in TRACED and observation.outcome == "ok":
                    observation.artifacts.append(trace)
        return found
    finally:  # a crashed browser must not hide the observations
        await close_context(context)


async def _observed(ctx: PortalContext, context: BrowserContext, page: Page,
                    portal: str) -> list[Observation]:
    """`_run`, with a portal's or the probe's failure recorded against every name."""
    try:
        return await _run(ctx, context, page, portal)
    except PortalError as error:
        return failed(NAMES, "portal_error", str(error), portal)
    except Exception as error:  # noqa: BLE001
        return failed(NAMES, "probe_error", f"{type(error).__name__}: {error}", portal)


async def _run(ctx: PortalContext, context: BrowserContext, page: Page,
               portal: str) -> list[Observation]:
    """Load the home page, then run the lanes side by side."""
    # A portal that hands citizens over (to the national portal) is probed where it lands:
    # that is what citizens get; discovery records the hand-over itself (portal.handover).
    home = await load_home(page, portal, ctx.settings.page_timeout_ms)
    probe = FunctionsProbe(ctx, context, home)
    lanes = probe.lanes()
    pages = [page, *[await context.new_page() for _ in lanes[1:]]]
    results = await asyncio.gather(*(probe.run_lane(p, steps) for p, steps in zip(pages, lanes,
                                                                                  strict=True)))
    observations = [o for lane in results for o in lane]
    observations.append(probe.toan_trinh())  # over every catalogue, procedure, entry page
    order = {name: i for i, name in enumerate(NAMES)}
    return sorted(observations, key=lambda o: order[o.name])


_PAGER_JS = """() => {
  const boxes = document.querySelectorAll('.pagination, .pager, [class*=paginat], [class*=pager],'
      + ' nav[aria-label*=page i], nav[aria-label*=trang i], [rel=next]');
  const labels = [];
  for (const box of boxes) {
    if (!box.getClientRects().length) continue;
    const items = box.matches('[rel=next]') ? [box] : box.querySelectorAll('a, button, li, span');
    for (const el of items) {
      labels.push((el.innerText || el.getAttribute('aria-label') || '').trim());
    }
  }
  return labels;
}"""

_LOGIN_BUTTON_JS = """(phrases) => {
  const fold = s => (s || '').replace(/[đð]/g, 'd').replace(/[ĐÐ]/g, 'D').normalize('NFD')
      .replace(/[\\u0300-\\u036f]/g, '').toLowerCase().trim();
  if (document.querySelector('input[type=password]')) return false;
  for (const el of document.querySelectorAll('button, [role=button]')) {
    if (el.closest('form') || !el.getClientRects().length) continue;
    const label = fold(el.innerText || el.getAttribute('aria-label') || el.title);
    if (phrases.some(p => label === p || label.startsWith(p + ' '))) {
      el.setAttribute('data-probe-login', '1');
      return true;
    }
  }
  return false;
}"""
