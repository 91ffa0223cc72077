"""Which links on a page lead to a public-service portal: pure scoring, no network.

A link is judged by its text (visible text, else an image's alt, a title or an aria-label)
and by its URL (host and path patterns of real portals, criteria.md "What real portals look
like"). Each match is kept as a signal so that a finder result can say why it chose a link.
The same parsing reads a national directory page that lists agencies' portals.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag

from probe.urls import host_matches

_SURROGATE = re.compile("[\ud800-\udfff]")  # lone surrogates: lxml cannot encode them
LONG_TEXT_WORDS = 10  # a longer text is a headline or a sentence, not a menu label
ACCEPT_SCORE = 3.0

# (folded label, weight); the first label found counts, so longer labels come first.
TEXT_LABELS: tuple[tuple[str, float], ...] = (
    ("he thong thong tin giai quyet thu tuc hanh chinh", 4.0),
    ("cong dich vu cong", 4.0),
    ("dich vu cong truc tuyen", 4.0),
    ("online public services", 3.0),
    ("cong dvc", 4.0),
    ("mot cua dien tu", 3.0),
    ("dich vu cong", 3.0),
    ("nop ho so truc tuyen", 2.0),
    ("thu tuc hanh chinh", 2.0),
    ("public services", 2.0),
    ("e-services", 2.0),
    ("dvc", 2.0),
)
# (pattern on the host's first label, weight, evidence)
HOST_PATTERNS: tuple[tuple[re.Pattern[str], float, str], ...] = (
    (re.compile(r"^dichvucong"), 3.0, "host dichvucong.*"),
    (re.compile(r"^dvc(?:$|[-\d])"), 3.0, "host dvc.*"),
    (re.compile(r"^mot-?cua"), 3.0, "host motcua.*"),
    (re.compile(r"^e-?services$"), 2.0, "host e-services.*"),
)
# (pattern on the lower-cased path, weight, evidence)
PATH_PATTERNS: tuple[tuple[re.Pattern[str], float, str], ...] = (
    (re.compile(r"^/portaldvc(?:/|$)"), 3.0, "path /portaldvc"),
    (re.compile(r"^/web/guest/dich-vu-cong"), 3.0, "path /web/guest/dich-vu-cong"),
    (re.compile(r"/dich-?vu-?cong(?:[/.?-]|$)"), 2.0, "path /dich-vu-cong"),
    (re.compile(r"/(?:dvc|dvctt|motcua|mot-cua)(?:[/.?]|$)"), 2.0, "path /dvc or /motcua"),
    (re.compile(r"/(?:thu-tuc-hanh-chinh|tthc)(?:[/.?-]|$)"), 1.0, "path /thu-tuc-hanh-chinh"),
)
NOT_A_PORTAL = re.compile(
    r"/(?:tin-tuc|tintuc|news|bai-viet|tin-bai|thong-bao|su-kien)(?:/|\.|$)"
    r"|\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|jpe?g|png|gif|mp4)$")
AGENCY_NAME = re.compile(
    r"^(?:bo|tinh|thanh pho|tp\.?|ubnd|uy ban|ngan hang|thanh tra|van phong|bao hiem|ban|"
    r"kiem toan|toa an|vien|dai|thong tan|so|quan|huyen|thi xa|xa|phuong)\b")
PORTAL_PREFIX = re.compile(
    r"^\s*(?:cổng|cong)\s+(?:thông tin\s+)?(?:dịch vụ công|dich vu cong|dvc)"
    r"(?:\s+trực tuyến|\s+truc tuyen)?\s*(?:của\s+|-\s*|:\s*)?", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    """One link on a page: absolute URL, the text a citizen reads, where it sat."""

    url: str
    text: str
    tag: str  # a | area | option
    order: int
    row: str = ""  # the first cell of its table row (directory tables)


@dataclass
class Candidate:
    """A link that may lead to the portal, with its score and the signals behind it."""

    url: str
    text: str
    score: float
    signals: list[str] = field(default_factory=list)
    national: bool = False
    order: int = 0


# --- text ----------------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower-case, without Vietnamese diacritics (đ -> d), single spaces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")
    return " ".join(bare.lower().split())


def text_signal(text: str) -> tuple[float, str]:
    """(weight, evidence) of the best portal label in `text`; (0, '') for none.

    A long text (a news headline) that merely mentions a label weighs 1.
    """
    folded = fold(text)
    for label, weight in TEXT_LABELS:
        if re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", folded):
            if len(folded.split()) > LONG_TEXT_WORDS:
                return 1.0, f"long text mentions '{label}'"
            return weight, f"text '{text.strip()[:80]}' ~ '{label}'"
    return 0.0, ""


def url_signals(url: str) -> tuple[float, list[str]]:
    """(weight, evidence) of the host and path patterns `url` matches (news/files negative)."""
    parts = urlsplit(url)
    first_label = (parts.hostname or "").split(".")[0]
    weight, signals = 0.0, []
    for pattern, value, name in HOST_PATTERNS:
        if pattern.search(first_label):
            weight, signals = weight + value, [*signals, name]
            break
    path = parts.path.lower()
    for pattern, value, name in PATH_PATTERNS:
        if pattern.search(path):
            weight, signals = weight + value, [*signals, name]
            break
    if NOT_A_PORTAL.search(path):
        weight, signals = weight - 3.0, [*signals, "news or file path (-3)"]
    return weight, signals


def portal_host_signal(url: str) -> str:
    """The evidence when `url`'s own host follows a portal pattern ('' otherwise)."""
    first_label = (urlsplit(url).hostname or "").split(".")[0]
    return next((name for pattern, value, name in HOST_PATTERNS
                 if value >= 3.0 and pattern.search(first_label)), "")


# --- links ---------------------------------------------------------------------------------

# A page whose whole body looks like a URL or a file name is still a page (a hostile or broken
# portal's answer), not a mistaken call: bs4's warning about it would only reach the user.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

def extract_links(html: str, base_url: str) -> list[Link]:
    """Every http(s) link of a page (a, area, option values), in document order."""
    soup = BeautifulSoup(_SURROGATE.sub("\ufffd", html), "lxml")
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        base_url = _absolute(str(base["href"]), base_url, keep_fragment=True) or base_url
    links: list[Link] = []
    for element in soup.find_all(["a", "area", "option"]):
        raw = element.get("value" if element.name == "option" else "href")
        url = _absolute(str(raw or ""), base_url)
        if url:
            links.append(Link(url, link_text(element), element.name, len(links), _row(element)))
    return links


def link_text(element: Tag) -> str:
    """The text a citizen reads: visible text, else image alt, title or aria-label."""
    text = " ".join(element.get_text(" ", strip=True).split())
    if text:
        return text
    for image in element.find_all("img"):
        if image.get("alt"):
            return " ".join(str(image["alt"]).split())
    for attribute in ("title", "aria-label"):
        if element.get(attribute):
            return " ".join(str(element[attribute]).split())
    return ""


def _absolute(raw: str, base_url: str, keep_fragment: bool = False) -> str:
    """`raw` as an absolute http(s) URL without fragment, or '' for other links (and for
    URLs that cannot be parsed: an unbalanced '[' in the host, a port out of range)."""
    raw = raw.strip()
    if not raw or raw.startswith("#"):
        return ""
    try:
        url = urljoin(base_url, raw)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return url if keep_fragment else parts._replace(fragment="").geturl()


def _row(element: Tag) -> str:
    """The first cell's text of the table row holding `element` ('' outside tables)."""
    row = element.find_parent("tr")
    if row is None:
        return ""
    cell = row.find(["td", "th"])
    return " ".join(cell.get_text(" ", strip=True).split()) if isinstance(cell, Tag) else ""


# --- portal candidates ---------------------------------------------------------------------

def score_link(link: Link, page_url: str, national_hosts: Iterable[str],
               ignored_hosts: Iterable[str] = ()) -> Candidate | None:
    """The link as a portal candidate, or None when nothing says it leads to a portal."""
    if host_matches(link.url, ignored_hosts) or link.tag == "option":
        return None
    text_weight, text_evidence = text_signal(link.text)
    url_weight, signals = url_signals(link.url)
    national = host_matches(link.url, national_hosts)
    offsite = urlsplit(link.url).netloc.lower() != urlsplit(page_url).netloc.lower()
    score = text_weight + url_weight
    if text_evidence:
        signals = [text_evidence, *signals]
    if national:
        signals.append("national portal host")
    elif "quoc gia" in fold(link.text):
        score, signals = score - 2.0, [*signals, "text names the national portal (-2)"]
    if offsite and score > 0:
        score, signals = score + 1.0, [*signals, "another host (+1)"]
    strong = offsite or url_weight >= 2.0 or text_weight >= 3.0 or national
    if score < ACCEPT_SCORE or not strong:
        return None
    return Candidate(link.url, link.text, score, signals, national, link.order)


def portal_candidates(links: Iterable[Link], page_url: str, national_hosts: Iterable[str],
                      ignored_hosts: Iterable[str] = ()) -> list[Candidate]:
    """Candidates best first: the agency's own portal links, then national portal links.

    Several links to one URL make one candidate (+0.5 per extra link, at most +1).
    """
    national_hosts, ignored_hosts = tuple(national_hosts), tuple(ignored_hosts)
    by_url: dict[str, list[Candidate]] = {}
    for link in links:
        candidate = score_link(link, page_url, national_hosts, ignored_hosts)
        if candidate is not None:
            by_url.setdefault(candidate.url, []).append(candidate)
    merged = [_merge(group) for group in by_url.values()]
    return sorted(merged, key=lambda c: (c.national, -c.score, c.order))


def _merge(group: list[Candidate]) -> Candidate:
    """The best-scored of several links to one URL, with a bonus for the repetition."""
    best = max(group, key=lambda c: (c.score, -c.order))
    if len(group) > 1:
        bonus = min(1.0, 0.5 * (len(group) - 1))
        best.score += bonus
        best.signals.append(f"{len(group)} links to it (+{bonus:g})")
    best.order = min(c.order for c in group)
    return best


# --- national directory ----------------------------------------------------------------------

def agency_name(link: Link) -> str:
    """The agency a directory link names: its text without 'Cổng Dịch vụ công', or its row."""
    text = PORTAL_PREFIX.sub("", link.text).strip(" -:")
    if not text or _looks_like_address(text):
        text = link.row
    return text[:1].upper() + text[1:] if text else ""


def directory_entries(links: Iterable[Link], page_url: str,
                      ignored_hosts: Iterable[str] = ()) -> dict[str, str]:
    """Agency name -> portal URL from a national directory page's links (first link wins).

    A link counts when it leaves the directory's host (and the ignored hosts) and either
    names an agency (Bộ, Tỉnh, Thành phố, UBND, ...) or points at a portal host pattern.
    """
    here = urlsplit(page_url).netloc.lower()
    entries: dict[str, str] = {}
    for link in links:
        if urlsplit(link.url).netloc.lower() == here or host_matches(link.url, ignored_hosts):
            continue
        name = agency_name(link)
        if not name or name in entries:
            continue
        if AGENCY_NAME.match(fold(name)) or portal_host_signal(link.url):
            entries[name] = link.url
    return entries


def _looks_like_address(text: str) -> bool:
    """True for link texts that are a host or URL rather than a name."""
    return " " not in text.strip() and ("." in text or ":" in text)
