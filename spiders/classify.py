"""Page-type classifier: URL and Vietnamese text cues -> one of PAGE_TYPES, with signals.

Pure functions. Text is matched accent-insensitively (diacritics stripped, đ -> d) on
slugs ('Tra cứu hồ sơ' -> 'tra-cuu-ho-so'). Every cue that adds to the winning type's score
becomes a signal such as 'url:tra-cuu', 'form:ma_ho_so', 'h1:Tra cứu hồ sơ'.
Cues come from real portal families: Angular (/vi/...), Liferay (/web/guest/...), eForm
(/nop-ho-so/<n>), .NET (/portaldvc/...), and the national portal (/p/home/dvc-*.html).
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import parse_qsl, unquote, urlsplit

from probe.models import PAGE_TYPES
from spiders.features import PageFeatures, extract_features
from spiders.text import short, slug
from spiders.urlrules import is_hash_route, is_variable_segment

THRESHOLD = 4  # a type needs at least this score, else the page is "other"
MAX_SIGNALS = 5
# Ties go to the more specific type.
PRIORITY = ("submission", "lookup", "payment", "rating", "feedback", "login", "procedure",
            "search", "catalogue", "statistics", "faq", "sitemap", "contact", "home", "other")

# (type, phrase, weight in the URL, weight in h1 text). Phrases are slugs with spaces;
# a space matches '-', '_' or nothing, so 'tra cuu ho so' also finds 'tracuuhoso'.
PHRASES: tuple[tuple[str, str, int, int], ...] = (
    ("lookup", "tra cuu ho so", 6, 6), ("lookup", "tra cuu hs", 6, 5),
    ("lookup", "tra cuu ket qua", 5, 5), ("lookup", "tra cuu tien do", 6, 6),
    ("lookup", "tien do ho so", 5, 5), ("lookup", "tinh trang ho so", 5, 5),
    ("lookup", "tra cuu", 4, 3), ("lookup", "dossier/search", 6, 0),
    ("lookup", "dossier search", 6, 0), ("lookup", "ma ho so", 5, 3),
    ("lookup", "lookup", 4, 0), ("lookup", "tra cuu ho so truc tuyen", 2, 2),
    ("search", "tim kiem", 5, 5), ("search", "search", 4, 3), ("search", "tu khoa", 3, 0),
    ("search", "keyword", 3, 0), ("search", "tra cuu thu tuc", 5, 5),
    ("search", "tra cuu tthc", 5, 5), ("search", "ket qua tim kiem", 5, 6),
    ("catalogue", "danh muc tthc", 6, 6), ("catalogue", "danh muc thu tuc", 6, 6),
    ("catalogue", "danh muc dich vu cong", 6, 6), ("catalogue", "danh muc dvc", 6, 6),
    ("catalogue", "danh sach tthc", 6, 6), ("catalogue", "danh sach thu tuc", 6, 6),
    ("catalogue", "danh sach dich vu cong", 6, 6), ("catalogue", "thu tuc hanh chinh", 3, 4),
    ("catalogue", "tthc", 2, 2), ("catalogue", "dvc truc tuyen", 4, 4),
    ("catalogue", "dich vu cong truc tuyen", 4, 4), ("catalogue", "procedures", 4, 0),
    ("catalogue", "procedure", 2, 0), ("catalogue", "danh muc", 2, 2),
    ("catalogue", "linh vuc", 2, 2), ("catalogue", "bo thu tuc", 4, 4),
    ("catalogue", "thu tuc", 2, 1), ("catalogue", "dich vu cong muc do", 3, 3),
    ("procedure", "chi tiet thu tuc", 6, 6), ("procedure", "thu tuc hanh chinh chi tiet", 6, 6),
    ("procedure", "tthc chi tiet", 6, 6), ("procedure", "chi tiet tthc", 6, 6),
    ("procedure", "ma thu tuc", 6, 0), ("procedure", "procedure/detail", 6, 0),
    ("procedure", "procedure detail", 6, 0), ("procedure", "chi tiet", 2, 2),
    ("procedure", "thong tin thu tuc", 5, 5), ("procedure", "detail", 2, 0),
    ("login", "dang nhap", 6, 6), ("login", "login", 6, 5), ("login", "signin", 6, 5),
    ("login", "sign in", 6, 5), ("login", "sso", 4, 0), ("login", "openid connect", 5, 0),
    ("login", "auth", 3, 0), ("login", "xac thuc", 3, 3), ("login", "vneid", 2, 2),
    ("login", "tai khoan", 2, 2),
    ("payment", "thanh toan", 6, 6), ("payment", "payment", 6, 5), ("payment", "nop phi", 4, 4),
    ("payment", "phi le phi", 3, 2), ("payment", "paygov", 4, 0), ("payment", "pay", 3, 0),
    ("payment", "thanh toan truc tuyen", 2, 2),
    ("rating", "danh gia", 6, 6), ("rating", "khao sat", 5, 5), ("rating", "hai long", 5, 5),
    ("rating", "survey", 5, 4), ("rating", "rating", 5, 4), ("rating", "vnform", 4, 0),
    ("rating", "evaluation", 4, 0), ("rating", "danh gia chat luong", 2, 2),
    ("feedback", "phan anh", 6, 6), ("feedback", "kien nghi", 5, 5), ("feedback", "pakn", 6, 6),
    ("feedback", "gop y", 5, 5), ("feedback", "feedback", 5, 4),
    ("faq", "hoi dap", 6, 6), ("faq", "cau hoi thuong gap", 6, 6), ("faq", "faq", 6, 6),
    ("faq", "cau hoi", 4, 4), ("faq", "huong dan", 4, 4), ("faq", "ho tro", 4, 4),
    ("faq", "help", 4, 3), ("faq", "questions", 4, 3),
    ("statistics", "thong ke", 6, 6), ("statistics", "statistics", 6, 5),
    ("statistics", "statistic", 6, 5), ("statistics", "so lieu", 4, 4),
    ("statistics", "bao cao", 3, 3), ("statistics", "tinh hinh giai quyet", 5, 5),
    ("statistics", "ket qua giai quyet", 4, 4), ("statistics", "dashboard", 3, 0),
    ("statistics", "report", 3, 0),
    ("sitemap", "so do trang", 6, 6), ("sitemap", "so do cong", 6, 6),
    ("sitemap", "so do website", 6, 6), ("sitemap", "so do trang web", 6, 6),
    ("sitemap", "sitemap", 6, 6), ("sitemap", "site map", 6, 6),
    ("contact", "lien he", 6, 6), ("contact", "contact", 6, 5),
    ("contact", "thong tin lien he", 2, 2),
    ("submission", "nop ho so", 6, 6), ("submission", "nop truc tuyen", 6, 6),
    ("submission", "nop hs", 5, 5), ("submission", "apply online", 6, 0),
    ("submission", "apply", 4, 0), ("submission", "dang ky truc tuyen", 5, 5),
    ("submission", "submit", 4, 0), ("submission", "padsvc", 2, 0),
    ("submission", "nop ho so truc tuyen", 2, 2), ("submission", "submission", 5, 0),
    ("home", "trang chu", 3, 3),
)

# Field names and labels of the page's own forms (main region only).
FIELD_PHRASES: tuple[tuple[str, str, int], ...] = (
    ("lookup", "ma ho so", 6), ("lookup", "so ho so", 5), ("lookup", "ma bien nhan", 5),
    ("lookup", "so bien nhan", 5), ("lookup", "dossier code", 5), ("lookup", "dossier", 4),
    ("lookup", "ma hs", 5), ("lookup", "receipt", 4),
    ("search", "tu khoa", 3), ("search", "keyword", 3), ("search", "ten thu tuc", 3),
    ("search", "search", 2), ("search", "tim kiem", 2),
    ("login", "ten dang nhap", 3), ("login", "username", 3), ("login", "tai khoan", 2),
    ("feedback", "noi dung phan anh", 5), ("feedback", "phan anh", 4), ("feedback", "kien nghi", 3),
    ("feedback", "gop y", 3),
    ("rating", "rat hai long", 5), ("rating", "chua hai long", 3), ("rating", "muc do hai long", 5),
    ("payment", "so tien", 3), ("payment", "ma thanh toan", 5), ("payment", "thanh toan", 3),
    ("faq", "cau hoi", 3),
    ("submission", "nguoi nop", 3), ("submission", "thanh phan ho so", 2),
)

# Words in the page's own content (not menus): (type, phrases, how many needed, weight).
CONTENT_GROUPS: tuple[tuple[str, tuple[str, ...], int, int], ...] = (
    ("procedure", ("trinh tu thuc hien", "cach thuc thuc hien", "thanh phan ho so",
                   "thoi han giai quyet", "doi tuong thuc hien", "yeu cau dieu kien",
                   "can cu phap ly", "ket qua thuc hien", "le phi"), 3, 6),
    ("rating", ("rat hai long", "chua hai long", "muc do hai long"), 2, 4),
    ("statistics", ("da giai quyet", "dung han", "tiep nhan", "ty le", "tre han",
                    "dang giai quyet"), 3, 4),
    ("faq", ("cau hoi", "tra loi"), 2, 2),
    ("contact", ("dien thoai", "email", "dia chi"), 3, 2),
    ("feedback", ("phan anh", "kien nghi"), 2, 2),
)

# Site names (removed from titles and h1: they repeat on every page) and title separators.
_SITE_NAME = re.compile(
    r"(cong-(thong-tin-)?dich-vu-cong|cong-dvc|he-thong-thong-tin-giai-quyet-"
    r"(thu-tuc-hanh-chinh|tthc)|he-thong-mot-cua-dien-tu|dich-vu-cong-quoc-gia)"
)
_TITLE_PARTS = re.compile(r"\s+[-|–—:»/]\s+|\s*\|\s*|\s*::\s*")
_HOME_STEMS = frozenset({"", "home", "trang-chu", "trangchu", "index", "default", "vi", "en",
                         "web", "guest", "portal", "portaldvc", "dvc-trang-chu", "homepage"})
_PROCEDURE_WORDS = ("thu-tuc", "thutuc", "tthc", "procedure", "procedures", "dich-vu-cong",
                    "dvc", "dich-vu")
# ('ma_thu_tuc' is not here: the phrase rule already counts it.)
_PROCEDURE_ID_KEYS = frozenset({"id", "ma", "ma-tthc", "procedure-id", "tthc-id", "matthc",
                                "procedureid", "code", "ma-tt"})


def _pattern(phrase: str) -> re.Pattern[str]:
    """Regex for a phrase on slug text: spaces match '-', or nothing, at word edges."""
    body = r"-?".join(re.escape(word) for word in phrase.split(" "))
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


_PHRASE_PATTERNS = [(t, p, _pattern(p), uw, tw) for t, p, uw, tw in PHRASES]
_FIELD_PATTERNS = [(t, _pattern(p), w) for t, p, w in FIELD_PHRASES]
_CONTENT_PATTERNS = [(t, [_pattern(p) for p in ps], n, w) for t, ps, n, w in CONTENT_GROUPS]
_PROCEDURE_WORD_PATTERNS = [_pattern(w) for w in _PROCEDURE_WORDS]


class Scores:
    """Scores and signals per type, accumulated from cues."""

    def __init__(self) -> None:
        self.points: defaultdict[str, int] = defaultdict(int)
        self.signals: defaultdict[str, list[tuple[int, str]]] = defaultdict(list)

    def add(self, page_type: str, weight: int, signal: str) -> None:
        """Add `weight` to `page_type`, remembering why."""
        if weight <= 0:
            return
        self.points[page_type] += weight
        self.signals[page_type].append((weight, signal))

    def best(self) -> tuple[str, list[str]]:
        """The winning type (or "other") and its strongest signals."""
        ranked = sorted(self.points, key=lambda t: (-self.points[t], PRIORITY.index(t)))
        if not ranked or self.points[ranked[0]] < THRESHOLD:
            return "other", []
        winner = ranked[0]
        ordered = sorted(self.signals[winner], key=lambda s: -s[0])
        unique = list(dict.fromkeys(signal for _, signal in ordered))
        return winner, unique[:MAX_SIGNALS]


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # .NET paths: 'DanhGiaHaiLong' -> 'Danh-Gia-...'


def url_slug(url: str) -> str:
    """Path, query and hash route of `url` as slug text, segments joined by '/' (a path's
    CamelCase words apart: '/DanhGiaHaiLong.aspx' -> 'danh-gia-hai-long-aspx')."""
    parts = urlsplit(url)
    route = urlsplit(parts.fragment.lstrip("!")) if is_hash_route(parts.fragment) else None
    paths = [parts.path] + ([route.path] if route else [])
    segments = [slug(_CAMEL.sub("-", unquote(s))) for p in paths for s in p.split("/") if s]
    queries = [parts.query] + ([route.query] if route else [])
    pairs = [f"{slug(k)}={slug(v)}" for q in queries for k, v in parse_qsl(q, True)]
    return "/".join(segments) + ("?" + "&".join(pairs) if pairs else "")


def _route_segments(url: str) -> list[str]:
    """Raw path segments of `url`, followed by those of its hash route."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if is_hash_route(parts.fragment):
        segments += [s for s in urlsplit(parts.fragment.lstrip("!")).path.split("/") if s]
    return segments


def is_home_url(url: str) -> bool:
    """True for home-page URLs: '/', '/vi', '/web/guest/home', '/p/home/dvc-trang-chu.html'."""
    segments = _route_segments(url)
    stems = [slug(re.sub(r"\.[a-z]{2,5}$", "", unquote(s).lower())) for s in segments]
    if any(is_variable_segment(s) for s in segments) or urlsplit(url).query:
        return False
    if not stems:
        return True
    return stems[-1] in _HOME_STEMS and all(s in _HOME_STEMS | {"p"} for s in stems)


def _is_page_number(segment: str) -> bool:
    """True for pagination segments such as 'page-2', 'trang-3', 'p4'."""
    return bool(re.fullmatch(r"(page|trang|p)[-_]?\d+", segment.lower()))


def _procedure_by_id(url: str) -> str | None:
    """'thu-tuc/{id}' or 'thu-tuc?id=' style URLs of one procedure; the signal, or None."""
    segments = _route_segments(url)
    for word_segment, next_segment in zip(segments, segments[1:], strict=False):
        word = slug(unquote(word_segment))
        if _is_page_number(next_segment):
            continue
        if is_variable_segment(next_segment) and any(
                p.search(word) for p in _PROCEDURE_WORD_PATTERNS):
            return f"url:{word}/{{id}}"
    words = slug(urlsplit(url).path)
    if any(p.search(words) for p in _PROCEDURE_WORD_PATTERNS):
        for key, _ in parse_qsl(urlsplit(url).query, True):
            if slug(key) in _PROCEDURE_ID_KEYS:
                return f"url:?{key}="
    return None


# A path under one of these segments is an article: the slug after it is its headline.
_NEWS_SEGMENTS = frozenset({"tin-tuc", "tintuc", "news", "bai-viet", "baiviet", "tin-bai",
                            "su-kien", "tin-tuc-su-kien", "thong-bao", "thongbao", "article"})
HEADLINE_WORDS = 10  # a heading of more words than this is a headline, not a page's name
HEADLINE_SCALE = 0.3


def _without_headline(text: str) -> str:
    """URL slug text cut after a news segment ('tin-tuc/day-manh-thanh-toan' -> 'tin-tuc')."""
    segments = text.split("?", 1)[0].split("/")
    for index, segment in enumerate(segments):
        if segment in _NEWS_SEGMENTS:
            return "/".join(segments[:index + 1])
    return text


def is_article(url: str) -> bool:
    """Whether `url` is a page under a news segment with something after it (an article)."""
    text = url_slug(url).split("?", 1)[0]
    return _without_headline(text) != text


def score_url(url: str, scores: Scores) -> None:
    """Add URL cues: phrases in path, query and hash route (not an article's headline);
    home and procedure-id shapes."""
    text = _without_headline(url_slug(url))
    for page_type, _phrase, pattern, weight, _ in _PHRASE_PATTERNS:
        if weight and (found := pattern.search(text)):
            scores.add(page_type, weight, f"url:{found.group(0)}")
    if is_home_url(url):
        scores.add("home", 4, "url:/")
    if signal := _procedure_by_id(url):
        scores.add("procedure", 7, signal)


def clean_heading(text: str) -> str:
    """Slug of a title or heading without the parts that name the portal itself.

    'Tra cứu hồ sơ - Cổng Dịch vụ công tỉnh Hà Tĩnh' -> 'tra-cuu-ho-so'.
    """
    parts = [slug(part) for part in _TITLE_PARTS.split(text)]
    return "-".join(p for p in parts if p and not _SITE_NAME.search(p))


def score_text(label: str, text: str, scale: float, scores: Scores) -> None:
    """Add cues of one visible text (title, h1, breadcrumb, link text), weights scaled."""
    cleaned = clean_heading(text)
    if not cleaned:
        return
    if cleaned.count("-") + 1 > HEADLINE_WORDS:  # a news headline that mentions the feature
        scale *= HEADLINE_SCALE
    for page_type, _, pattern, _, weight in _PHRASE_PATTERNS:
        if weight and pattern.search(cleaned):
            scores.add(page_type, round(weight * scale), f"{label}:{short(text)}")


def score_form(features: PageFeatures, scores: Scores) -> None:
    """Add cues of the page's own form fields: password, file upload, named fields."""
    if features.has_password:
        scores.add("login", 6, "form:password")
    if features.has_file_input:
        scores.add("submission", 3, "form:file")
    for name in features.fields:
        text = slug(name)
        for page_type, pattern, weight in _FIELD_PATTERNS:
            if pattern.search(text):
                scores.add(page_type, weight, f"form:{short(name, 40)}")


def score_content(features: PageFeatures, scores: Scores) -> None:
    """Add cues of words in the page's own content (groups: several words needed)."""
    text = slug(features.main_text)
    for page_type, patterns, needed, weight in _CONTENT_PATTERNS:
        hits = [p for p in patterns if p.search(text)]
        if len(hits) >= needed:
            scores.add(page_type, weight, f"text:{len(hits)} {page_type} words")
    procedure_links = sum(1 for link in features.links if _procedure_by_id(link.url))
    if procedure_links >= 5:
        scores.add("catalogue", 4, f"links:{procedure_links} procedures")


def classify_features(url: str, features: PageFeatures, is_home: bool = False,
                      link_text: str = "") -> tuple[str, list[str]]:
    """Type and signals of a page from its URL and extracted features."""
    scores = Scores()
    if is_home:
        scores.add("home", 12, "start:home")
    score_url(url, scores)
    named = 0.0 if is_article(url) else 1.0  # an article's headline names no page
    for h1 in features.h1[:2]:
        score_text("h1", h1, named, scores)
    if features.breadcrumb:
        score_text("crumb", features.breadcrumb, 0.8, scores)
    if features.title:
        score_text("title", features.title, 0.7 * named, scores)
    for heading in features.headings[:3]:
        score_text("h2", heading, 0.3, scores)
    if link_text:
        score_text("link", link_text, 0.5, scores)
    score_form(features, scores)
    score_content(features, scores)
    page_type, signals = scores.best()
    assert page_type in PAGE_TYPES
    return page_type, signals


def classify(url: str, html: str = "", is_home: bool = False,
             link_text: str = "") -> tuple[str, list[str]]:
    """Type (one of PAGE_TYPES) and signals of the page at `url` with `html` (raw or DOM).

    `is_home` marks the portal's landing page; `link_text` is the text of the link that led
    here (a weak cue). Pure: no network.
    """
    return classify_features(url, extract_features(html, url), is_home, link_text)
