"""What a page shows, pulled out of its HTML (raw or rendered DOM): pure, no network."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml.etree import ParserError, _Element

from spiders.safe_links import names_a_write, writes_by_url
from spiders.text import squash

MAIN_TEXT_LIMIT = 4000
_SURROGATE = re.compile("[\ud800-\udfff]")
# Elements that repeat on every page (menus, header, footer): not the page's own content.
_CHROME_TAGS = ("header", "nav", "footer", "aside")
_CHROME_ROLES = ("navigation", "banner", "contentinfo", "complementary")
_CHROME_NAMES = frozenset({"header", "footer", "menu", "navbar", "nav", "main-menu", "top-menu",
                           "site-header", "site-footer", "sidebar", "topbar", "mainmenu",
                           "menu-top", "footer-wrapper", "header-wrapper"})
_MAIN_XPATH = ("//main", "//*[@role='main']", "//*[@id='content']", "//*[@id='main']",
               "//*[@id='main-content']")
_APP_ROOTS = ("app-root", "ng-app", "vue-app")
_APP_ROOT_IDS = ("root", "app", "__next", "__nuxt", "q-app")


@dataclass(frozen=True)
class Link:
    """One link of a page: absolute URL and its visible text."""

    url: str
    text: str = ""


@dataclass
class PageFeatures:
    """The parts of a page the classifier reads."""

    title: str = ""
    h1: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    breadcrumb: str = ""
    main_text: str = ""
    fields: list[str] = field(default_factory=list)  # names, ids, placeholders, labels
    has_password: bool = False
    has_file_input: bool = False
    links: list[Link] = field(default_factory=list)  # <a href>, resolved
    get_forms: list[Link] = field(default_factory=list)  # actions of GET forms (search...)
    embeds: list[str] = field(default_factory=list)  # iframe src, form action (resolved)
    app_shell: bool = False


def parse_html(html: str) -> _Element | None:
    """An lxml tree of `html`, or None when there is nothing to parse."""
    if not html or not html.strip():
        return None
    try:
        return lxml.html.fromstring(valid_text(html))
    except (ParserError, ValueError):
        return None


def valid_text(text: str) -> str:
    """`text` without lone surrogates (a rendered DOM may hold them; lxml cannot encode
    them), each replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def absolute(base_url: str, href: str) -> str | None:
    """`href` resolved against `base_url`, or None when either is not a parseable URL
    (an unbalanced '[' or ']' in the host: urlsplit raises ValueError)."""
    try:
        url = urljoin(base_url, href)
        urlsplit(url).port  # noqa: B018 - raises ValueError on a malformed host or port
    except ValueError:
        return None
    return url


def _text(element: _Element) -> str:
    """Visible text of an element (text nodes joined by spaces), whitespace squashed."""
    return squash(" ".join(element.itertext()))


def _is_chrome(element: _Element) -> bool:
    """True for site chrome: header, nav, footer, menus (by tag, role, id or class)."""
    if element.tag in _CHROME_TAGS or element.get("role") in _CHROME_ROLES:
        return True
    names = {(element.get("id") or "").lower(), *(element.get("class") or "").lower().split()}
    return bool(names & _CHROME_NAMES)


def _in_chrome(element: _Element) -> bool:
    """True when the element sits inside site chrome."""
    return any(_is_chrome(e) for e in element.iterancestors() if isinstance(e.tag, str))


def _main_region(root: _Element) -> _Element:
    """The page's own content: <main> and friends, else <body> minus the chrome."""
    for xpath in _MAIN_XPATH:
        found = root.xpath(xpath)
        if found:
            return found[0]
    body = root.find(".//body")
    region = body if body is not None else root
    region = lxml.html.fromstring(lxml.html.tostring(region))
    for element in list(region.iter()):
        if isinstance(element.tag, str) and element is not region and _is_chrome(element) \
                and element.getparent() is not None:
            element.drop_tree()
    return region


def _drop_invisible(root: _Element) -> None:
    """Remove script, style, template and noscript elements in place."""
    for element in root.xpath("//script|//style|//template|//noscript"):
        if element.getparent() is not None:
            element.drop_tree()


def _form_fields(region: _Element) -> tuple[list[str], bool, bool]:
    """Names, ids, placeholders and labels of the region's form controls."""
    found: list[str] = []
    has_password = has_file = False
    for control in region.xpath(".//input|.//select|.//textarea"):
        kind = (control.get("type") or "").lower()
        if kind in ("hidden", "submit", "button", "image", "reset"):
            continue
        has_password |= kind == "password"
        has_file |= kind == "file"
        for attribute in ("name", "id", "placeholder", "aria-label", "formcontrolname"):
            if value := (control.get(attribute) or "").strip():
                found.append(value)
    found.extend(_text(label) for label in region.xpath(".//label") if _text(label))
    return found, has_password, has_file


def _breadcrumb(root: _Element) -> str:
    """Text of the last item of a breadcrumb trail, if the page has one."""
    trails = root.xpath("//*[contains(@class,'breadcrumb') or @aria-label='breadcrumb']")
    if not trails:
        return ""
    items = [t for t in (_text(li) for li in trails[0].xpath(".//li|.//a|.//span")) if t]
    return items[-1] if items else _text(trails[0])


def _links(root: _Element, base_url: str) -> list[Link]:
    """Every <a href> (and [routerlink]) resolved against the page URL."""
    links: list[Link] = []
    for anchor in root.xpath("//a[@href]|//*[@routerlink]"):
        href = (anchor.get("href") or anchor.get("routerlink") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
            continue
        url = absolute(base_url, href)
        if url is None:
            continue
        text = _text(anchor) or anchor.get("title") or anchor.get("aria-label") or ""
        links.append(Link(url, squash(text)[:120]))
    return links


def _embeds(root: _Element, base_url: str) -> list[str]:
    """iframe sources and form actions, resolved: where else the page sends a citizen."""
    targets = [e.get("src") for e in root.xpath("//iframe[@src]")]
    targets += [e.get("action") for e in root.xpath("//form[@action]")]
    resolved = [absolute(base_url, t.strip()) for t in targets if t and t.strip()]
    return [url for url in resolved if url is not None]


def _get_forms(root: _Element, base_url: str) -> list[Link]:
    """Actions of GET forms (search, look-up): pages a citizen reaches by a form, with the
    form's name. Only the action URL is kept; no field is ever filled in, and a form that
    names itself or its action a write (send, vote, rate...) is left out."""
    found: list[Link] = []
    for form in root.xpath("//form"):
        if (form.get("method") or "get").strip().lower() != "get":
            continue
        buttons = [_text(b) for b in form.xpath(".//button|.//input[@type='submit']")]
        name = form.get("aria-label") or next((b for b in buttons if b), "") or \
            ("search" if form.get("role") == "search" else "")
        action = absolute(base_url, (form.get("action") or "").strip())
        if action is not None and not names_a_write(name) and not writes_by_url(action):
            found.append(Link(action.split("#", 1)[0], squash(name)[:120]))
    return found


def is_app_shell(root: _Element, links: list[Link]) -> bool:
    """True for a single-page-app shell: a root element and scripts but (almost) no links."""
    real_links = [link for link in links if urlsplit(link.url).scheme in ("http", "https")]
    if len(real_links) > 2 or not root.xpath("//script[@src]"):
        return False
    if any(root.xpath(f"//{tag}") for tag in _APP_ROOTS) or root.xpath("//*[@ng-version]"):
        return True
    body = root.find(".//body")
    visible = _text(body) if body is not None else ""
    has_root = any(root.xpath(f"//*[@id='{name}']") for name in _APP_ROOT_IDS)
    return has_root and len(visible) < 200


def extract_features(html: str, url: str) -> PageFeatures:
    """The classifier's view of a page from its HTML (`url` resolves relative links)."""
    root = parse_html(html)
    if root is None:
        return PageFeatures()
    base = root.xpath("//base/@href")
    base_url = (absolute(url, base[0]) if base else None) or url
    links = _links(root, base_url)
    shell = is_app_shell(root, links)
    _drop_invisible(root)
    title = squash(" ".join(root.xpath("//title//text()")))
    h1_all = root.xpath("//h1")
    h1 = [_text(h) for h in h1_all if not _in_chrome(h) and _text(h)] or \
         [_text(h) for h in h1_all if _text(h)]
    region = _main_region(root)
    headings = [_text(h) for h in region.xpath(".//h2|.//h3|.//legend")][:12]
    fields, has_password, has_file = _form_fields(region)
    return PageFeatures(
        title=title, h1=h1[:3], headings=[h for h in headings if h],
        breadcrumb=_breadcrumb(root), main_text=_text(region)[:MAIN_TEXT_LIMIT],
        fields=fields[:40], has_password=has_password, has_file_input=has_file,
        links=links, get_forms=_get_forms(root, base_url), embeds=_embeds(root, base_url),
        app_shell=shell,
    )
