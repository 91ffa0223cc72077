"""Fuzzing the URL rules: canonical form, templates, the crawl frontier, portal URL checks.

Hostile URLs: IDNA and raw Unicode hosts, IPv4/IPv6 literals (broken brackets too), userinfo,
ports out of range, percent-encoding, session ids, hash routes, very long paths. Documented
errors: `BadUrl` from `parse_portal_url`; ValueError from the crawl rules for a string that
`urlsplit` cannot parse (links are resolved and checked in `spiders.features` first).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks._dom import route_key
from checks._dom import url_template as dom_template
from probe.urls import BadUrl, host_matches, is_private_host, parse_portal_url, same_scope
from spiders.budget import Budget
from spiders.urlrules import Frontier, canonical_url, scope_of, url_template

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

hosts = st.one_of(
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}(\.[a-z]{2,6}){0,3}", fullmatch=True),
    st.sampled_from(["dichvucong.gov.vn", "xn--dchvcng-7ya6b.vn", "dịchvụcông.vn", "例え.jp",
                     "localhost", "a.localhost", "LOCALHOST", "0x7f.1", "2130706433",
                     "169.254.169.254", "10.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "[fe80::1]",
                     "[fe80::1%25eth0]", "[::1", "::1]", "a]", "[v1.x]", "", "a..b", "-a-",
                     "%61.vn", "a%00b", "xn--", "a" * 300]),
    st.builds(lambda a: str(ipaddress.IPv4Address(a)), st.integers(0, 2**32 - 1)),
    st.builds(lambda a: f"[{ipaddress.IPv6Address(a)}]", st.integers(0, 2**128 - 1)),
)
ports = st.one_of(st.just(""), st.integers(0, 70000).map(lambda p: f":{p}"),
                  st.sampled_from([":", ":-1", ":abc", ":080", ":99999999999", ":80", ":443"]))
userinfo = st.sampled_from(["", "u@", "u:p@", "a@b@", ":@", "%40@", "@"])
segments = st.one_of(st.text(max_size=12), st.sampled_from(
    ["thu-tuc", "123", "1.000123", "G22.99.08-250312-0007", ";jsessionid=AB", "%7E", "%zz",
     "%E1%BB%87", "tra-cứu", "page-2", "..", ".", "a;b=c", "x.html", "\x00", "\t"]))
paths = st.lists(segments, max_size=6).map(lambda s: "/" + "/".join(s))
pairs = st.lists(st.tuples(
    st.one_of(st.sampled_from(["page", "id", "jsessionid", "PHPSESSID", "utm_source", "q", "a",
                               "ma_tthc", "ASPSESSIONIDAB", "", "%20", "k%3D"]),
              st.text(max_size=5)),
    st.one_of(st.text(max_size=8), st.sampled_from(["", "1", "%", "=", "&", "2024-05"]))),
    max_size=5)
fragments = st.one_of(st.just(""), st.sampled_from(["#top", "#/vi/thu-tuc/12?page=2", "#!/x/1",
                                                    "#/", "#/a?b=1&a=2", "#%"]))
schemes = st.sampled_from(["http", "https", "HTTP", "HtTpS", "ftp", "javascript", "", "h t"])


def query(items: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in items)


@st.composite
def urls(draw: st.DrawFn) -> str:
    items = draw(pairs)
    text = (f"{draw(schemes)}://{draw(userinfo)}{draw(hosts)}{draw(ports)}{draw(paths)}"
            + (f"?{query(items)}" if items else "") + draw(fragments))
    return draw(st.one_of(st.just(text), st.just(text * 20), st.text(max_size=40)))


def parseable(url: str) -> bool:
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


@FUZZ
@given(urls())
def test_canonical_url_is_idempotent(url: str) -> None:
    if not parseable(url):
        return
    canonical = canonical_url(url)
    assert canonical_url(canonical) == canonical
    assert url_template(canonical) == url_template(url)
    assert scope_of(canonical) == scope_of(canonical_url(canonical))


@FUZZ
@given(urls(), st.randoms(use_true_random=False))
def test_query_order_changes_neither_canonical_form_nor_template(url: str, rnd) -> None:
    if not parseable(url):
        return
    parts = urlsplit(url)
    items = [p.partition("=")[::2] for p in parts.query.split("&") if p]
    shuffled = items[:]
    rnd.shuffle(shuffled)
    other = parts._replace(query="&".join(f"{k}={v}" for k, v in shuffled)).geturl()
    assert canonical_url(other) == canonical_url(url)
    assert url_template(other) == url_template(url)
    assert dom_template(other) == dom_template(url)


@FUZZ
@given(urls())
def test_unparseable_urls_raise_value_error_only(url: str) -> None:
    for rule in (canonical_url, url_template, scope_of, dom_template, route_key):
        try:
            assert isinstance(rule(url), str)
        except ValueError:
            assert not parseable(url)


@settings(FUZZ, max_examples=80)
@given(st.lists(urls(), max_size=10), st.integers(0, 5))
def test_frontier_admits_each_url_once_within_budget(links: list[str], depth: int) -> None:
    frontier = Frontier(Budget(max_pages=6, max_depth=3, per_template=2))
    admitted = []
    for url in filter(parseable, links):
        got = frontier.admit(url, depth)
        if got is not None:
            admitted.append(got)
            assert got == canonical_url(url)
            assert frontier.admit(url, depth) is None  # never twice
        frontier.release(url)
    assert len(set(admitted)) == len(admitted)
    assert frontier.scheduled <= 6
    assert frontier.hits <= {"max_depth", "max_pages", "per_template"}
    assert depth <= 3 or not admitted


@FUZZ
@given(urls())
def test_parse_portal_url_raises_only_bad_url(url: str) -> None:
    try:
        normal = parse_portal_url(url)
    except BadUrl:
        return
    parts = urlsplit(normal)
    assert parts.scheme in ("http", "https") and parts.hostname and parts.path
    assert parse_portal_url(normal) == normal
    assert isinstance(is_private_host(normal), bool)
    assert same_scope(normal, normal) and host_matches(normal, [parts.netloc])


@FUZZ
@given(urls())
def test_is_private_host_never_raises(url: str) -> None:
    assert isinstance(is_private_host(url), bool)


@FUZZ
@given(st.one_of(st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address),
                 st.integers(0, 2**128 - 1).map(ipaddress.IPv6Address),
                 st.sampled_from([ipaddress.ip_address(a) for a in (
                     "127.0.0.1", "127.255.0.9", "10.0.0.1", "169.254.169.254", "172.16.0.1",
                     "172.31.255.255", "192.168.1.1", "::1", "fe80::1", "fc00::1",
                     "::ffff:127.0.0.1", "::ffff:169.254.169.254", "8.8.8.8", "2001:4860::8888",
                     "0.0.0.0", "::")])),
       st.sampled_from(["", ":8080", ":1"]), st.sampled_from(["", "u:p@"]))
def test_is_private_host_matches_the_address_ranges(address, port: str, user: str) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    expected = address.is_private or address.is_loopback or address.is_link_local
    assert is_private_host(f"http://{user}{host}{port}/latest/meta-data") == expected
    for name in ("localhost", "LocalHost", "x.localhost"):
        assert is_private_host(f"http://{user}{name}{port}/")
