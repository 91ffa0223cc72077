"""Fuzzing HTML parsing and page classification: hostile pages never crash the crawler.

Tag soup, deep nesting, huge attributes, NUL and control characters, lone surrogates (a
rendered DOM can hold them), bytes decoded from broken UTF-8 or windows-1258, and links
whose URLs cannot be parsed. Properties: `classify` gives one of the page types with at
most five signals; every link, form action and embed `extract_features` returns is a URL
`urlsplit` can parse (the crawl rules rely on it); the finder's link parsing keeps only
http(s) links and never raises.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.models import PAGE_TYPES
from probe.portal_links import directory_entries, extract_links, portal_candidates
from spiders.classify import MAX_SIGNALS, classify, classify_features
from spiders.features import PageFeatures, extract_features

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PAGE = "http://portal.example.test/vi/trang-chu"

TAGS = ["a", "div", "main", "nav", "header", "footer", "form", "input", "label", "h1", "h2",
        "title", "base", "iframe", "script", "style", "template", "table", "tr", "td", "li",
        "span", "button", "select", "option", "area", "app-root", "svg", "math", "!--", "?xml"]
ATTRS = ["href", "src", "action", "method", "type", "name", "id", "class", "role",
         "routerlink", "aria-label", "placeholder", "title", "value", "ng-version"]
ODD_URLS = ["http://[::1", "http://a]/", "https://[v1.x]/", "http://a:99999/", "//[",
            "javascript:x", "data:text/html,x", "mailto:a@b", "#/vi/thu-tuc/1", "?page=2",
            "/thu-tuc/1.000123",
            "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://10.0.0.1/",
            "http://u:p@h:0/", "%zz", "\x00", "http://例え.jp/", "http://xn--a.vn/"]
WORDS = ["Tra cứu hồ sơ", "Dịch vụ công", "Đăng nhập", "thanh toán", "mã hồ sơ", "\x00", "\ud800",
         "\ufffd", "&amp;", "&#0;", "&#xD800;", "<", ">", "]]>", "\u200b", "\r\n", "Ð", "ư"]

texts = st.one_of(st.sampled_from(WORDS), st.text(max_size=20))
attr_values = st.one_of(st.sampled_from(ODD_URLS + ["post", "get", "password", "file", "main",
                                                    "breadcrumb", "search"]), texts)


@st.composite
def soup(draw: st.DrawFn, depth: int = 0) -> str:
    """Random, possibly unbalanced markup."""
    parts = []
    for _ in range(draw(st.integers(0, 5 if depth < 3 else 1))):
        kind = draw(st.integers(0, 9))
        if kind < 4:
            parts.append(draw(texts))
        else:
            tag = draw(st.sampled_from(TAGS))
            attrs = "".join(f' {draw(st.sampled_from(ATTRS))}="{draw(attr_values)}"'
                            for _ in range(draw(st.integers(0, 3))))
            inner = draw(soup(depth + 1)) if depth < 4 else ""
            close = draw(st.sampled_from([f"</{tag}>", "", "</div>", "/>"]))
            parts.append(f"<{tag}{attrs}>{inner}{close}")
    return "".join(parts)


def decoded(data: bytes, how: str) -> str:
    encoding, errors = how.split(":")
    return data.decode(encoding, errors)


pages = st.one_of(
    soup(),
    st.text(max_size=300),
    st.builds(decoded, st.binary(max_size=400),
              st.sampled_from(["utf-8:replace", "cp1258:replace", "utf-8:surrogateescape",
                               "latin-1:strict", "utf-16:replace"])),
    st.builds(lambda n, tag: f"<{tag}>" * n + "Tra cứu" + f"</{tag}>" * n,
              st.integers(200, 3000), st.sampled_from(["div", "span", "main", "a href='/x'"])),
)


def assert_parseable(url: str) -> None:
    parts = urlsplit(url)  # raises ValueError on a bad host: the spider would crash
    parts.port  # noqa: B018 - also validates the port


@FUZZ
@given(pages)
def test_features_and_classification_of_any_page(html: str) -> None:
    features = extract_features(html, PAGE)
    for link in [*features.links, *features.get_forms]:
        assert_parseable(link.url)
    for url in features.embeds:
        assert_parseable(url)
    page_type, signals = classify_features(PAGE, features, is_home=False, link_text=html[:40])
    assert page_type in PAGE_TYPES and len(signals) <= MAX_SIGNALS
    assert all(isinstance(s, str) for s in signals)


@FUZZ
@given(pages, st.sampled_from([PAGE, "http://a/#/vi/tra-cuu", "https://h:8443/p/home/x.html?id=9",
                               "http://[::1]:8080/thu-tuc/1.000123", "http://xn--a.vn/%E1%BB"]))
def test_classify_raw_pages_at_odd_urls(html: str, url: str) -> None:
    page_type, signals = classify(url, html, is_home=True)
    assert page_type in PAGE_TYPES and len(signals) <= MAX_SIGNALS


@FUZZ
@given(st.lists(st.sampled_from(ODD_URLS), min_size=1, max_size=6), st.sampled_from(["a", "base",
                                                                                     "iframe"]))
def test_unparseable_links_are_dropped_not_fatal(hrefs: list[str], tag: str) -> None:
    attribute = "src" if tag == "iframe" else "href"
    html = "".join(f'<{tag} {attribute}="{h}">Dịch vụ công</{tag}>' for h in hrefs)
    html += '<form action="http://[::1"><input name="q"></form>'
    features = extract_features(html, PAGE)
    for url in [link.url for link in features.links + features.get_forms] + features.embeds:
        assert_parseable(url)


@FUZZ
@given(pages)
def test_finder_link_parsing_of_any_page(html: str) -> None:
    links = extract_links(html, PAGE)
    for link in links:
        parts = urlsplit(link.url)
        assert parts.scheme in ("http", "https") and parts.hostname and not parts.fragment
    candidates = portal_candidates(links, PAGE, ["dichvucong.gov.vn"])
    assert [c.url for c in candidates] == list(dict.fromkeys(c.url for c in candidates))
    entries = directory_entries(links, PAGE)
    assert all(isinstance(name, str) and name for name in entries)


def test_found_by_fuzzing_unparseable_link_urls() -> None:
    """`<a href="http://[::1">` made urljoin raise ValueError: the spider lost the page."""
    html = ('<base href="http://[::1"><a href="http://[::1">x</a><a href="/ok">ok</a>'
            '<iframe src="http://a]/"></iframe><form action="http://[x"></form>'
            '<div routerlink="http://[::1">r</div>')
    features = extract_features(html, PAGE)
    assert [link.url for link in features.links] == ["http://portal.example.test/ok"]
    assert features.embeds == [] and features.get_forms == []
    assert classify(PAGE, html)[0] in PAGE_TYPES
    assert [link.url for link in extract_links(html, PAGE)] == ["http://portal.example.test/ok"]


def test_found_by_fuzzing_lone_surrogates() -> None:
    """A lone surrogate (possible in a rendered DOM) made lxml raise UnicodeEncodeError."""
    html = "<h1>Tra cứu hồ sơ \ud800</h1><a href='/x\udcff'>Dịch vụ công</a>"
    features = extract_features(html, PAGE)
    assert features.h1 == ["Tra cứu hồ sơ \ufffd"]
    assert classify(PAGE, html)[0] == "lookup"
    assert len(extract_links(html, PAGE)) == 1


def test_huge_attribute_and_deep_nesting() -> None:
    html = (f'<a href="/{"a" * 2_000_000}">x</a>' + "<div>" * 20_000 + "<h1>Thanh toán</h1>"
            + "</div>" * 20_000)
    features = extract_features(html, PAGE)
    assert isinstance(features, PageFeatures)
    assert classify_features(PAGE, features)[0] in PAGE_TYPES
    extract_links(html, PAGE)
