"""URL rules of a crawl: canonical form, templates, session ids, and the crawl frontier.

Everything here is pure (no network), so traps and budgets can be unit-tested. The URLs
come from `spiders.features` (already resolved and parseable); given a string `urlsplit`
cannot parse (an unbalanced '[' in the host) the functions raise ValueError.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from spiders.budget import Budget

# Query parameters that carry a session (or only tracking) and never name a different page.
SESSION_PARAMS = frozenset({
    "jsessionid", "sid", "phpsessid", "sessionid", "session_id", "sessid", "aspsessionid",
    "cfid", "cftoken", "zenid", "oscsid", "wicket-session", "utm_source", "utm_medium",
    "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid",
})
_PATH_PARAM = re.compile(r";[^/?#]*")  # ;jsessionid=ABC inside a path segment
_EXTENSION = re.compile(r"\.[A-Za-z]{2,5}$")
_UUIDISH = re.compile(r"[0-9a-fA-F]{8,}(-[0-9a-fA-F]{4,})*")
_LONG_DIGITS = re.compile(r"\d{3,}")
_ENDS_WITH_DIGITS = re.compile(r"[A-Za-z_\-.]\d+$")
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_session_param(name: str) -> bool:
    """True for query parameter names that carry a session id or tracking tag."""
    lowered = name.lower()
    return lowered in SESSION_PARAMS or lowered.startswith("aspsessionid")


def is_hash_route(fragment: str) -> bool:
    """True for single-page-app routes in a fragment ('#/vi/...', '#!/...')."""
    return fragment.startswith("/") or fragment.startswith("!/")


def _clean_netloc(scheme: str, netloc: str) -> str:
    """Lower-cased host with the scheme's default port removed."""
    netloc = netloc.lower()
    host, _, port = netloc.rpartition(":")
    if host and port.isdigit() and DEFAULT_PORTS.get(scheme) == int(port) and "]" not in port:
        return host
    return netloc


def _clean_query(query: str) -> str:
    """Query without session parameters, sorted so variants in another order collapse."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
             if not is_session_param(k)]
    return urlencode(sorted(pairs), quote_via=quote)


def scope_of(url: str) -> str:
    """The crawl scope of `url`: its host[:port], lower-cased, default port dropped."""
    parts = urlsplit(url)
    return _clean_netloc(parts.scheme.lower(), parts.netloc)


def canonical_url(url: str) -> str:
    """`url` in canonical form: no session ids, sorted query, no plain '#anchor'.

    Hash routes of single-page apps ('#/vi/...') are kept: they name different pages.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    path = _PATH_PARAM.sub("", parts.path) or "/"
    fragment = parts.fragment if is_hash_route(parts.fragment) else ""
    return urlunsplit((scheme, _clean_netloc(scheme, parts.netloc), path,
                       _clean_query(parts.query), fragment))


def is_variable_segment(segment: str) -> bool:
    """True when a path segment looks like an id or code rather than a section name.

    Numbers, dates, procedure and dossier codes (1.000123, G22.99.08-250312-0007), uuids
    and names ending in a number (page-2, nop-ho-so-12) are variable; words are not.
    """
    stem = unquote(segment)
    if _EXTENSION.search(stem) and not stem.replace(".", "").isdigit():
        stem = _EXTENSION.sub("", stem)
    if not stem:
        return False
    if stem.isdigit() or _LONG_DIGITS.search(stem) or _ENDS_WITH_DIGITS.search(stem):
        return True
    return bool(_UUIDISH.fullmatch(stem)) and any(ch.isdigit() for ch in stem)


def _template_path(path: str) -> str:
    """Path with variable segments replaced by {id}."""
    segments = path.split("/")
    return "/".join("{id}" if is_variable_segment(s) else s for s in segments)


def _template_query(query: str) -> str:
    """Query keys (sorted, session ids dropped) each with the value {v}."""
    keys = sorted({k for k, _ in parse_qsl(query, keep_blank_values=True)
                   if not is_session_param(k)})
    return "&".join(f"{k}={{v}}" for k in keys)


def url_template(url: str) -> str:
    """The URL's template: path (and hash route) with ids as {id}, query values as {v}.

    '/thu-tuc/123?page=2' -> '/thu-tuc/{id}?page={v}'; '/#/vi/procedure/9' ->
    '/#/vi/procedure/{id}'.
    """
    parts = urlsplit(canonical_url(url))
    template = _template_path(parts.path or "/")
    query = _template_query(parts.query)
    if query:
        template += "?" + query
    if parts.fragment:
        route = urlsplit(parts.fragment)
        template += "#" + _template_path(route.path)
        if route.query:
            template += "?" + _template_query(route.query)
    return template


def _without_query(template: str) -> str:
    """A template's path part (query dropped, hash route kept)."""
    head, _, rest = template.partition("#")
    return head.split("?", 1)[0] + ("#" + rest.split("?", 1)[0] if rest else "")


class Frontier:
    """Which URLs a crawl still takes, under a budget; records which budgets cut it.

    `admit()` answers the canonical URL to fetch, or None when the URL is a duplicate or
    a budget refuses it; refusals by a budget are noted in `hits`.
    """

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.seen: set[str] = set()
        self.scheduled = 0
        self.hits: set[str] = set()
        self._per_template: Counter[str] = Counter()
        self.capped: Counter[str] = Counter()  # template -> URLs the per-template cap left out
        self._variants: defaultdict[str, set[str]] = defaultdict(set)

    def mark_seen(self, url: str) -> None:
        """Remember `url` as crawled without spending budget (e.g. the start URL)."""
        self.seen.add(canonical_url(url))

    def admit(self, url: str, depth: int) -> str | None:
        """Canonical `url` when it should be fetched at `depth`; None otherwise."""
        canonical = canonical_url(url)
        if canonical in self.seen:
            return None
        if depth > self.budget.max_depth:
            self.hits.add("max_depth")
            return None
        template = url_template(canonical)
        if not self._template_allows(template):
            self.hits.add("per_template")
            self.capped[template] += 1
            self.seen.add(canonical)
            return None
        if self.scheduled >= self.budget.max_pages:
            self.hits.add("max_pages")
            return None
        self.seen.add(canonical)
        self._per_template[template] += 1
        self._variants[_without_query(template)].add(template)
        self.scheduled += 1
        return canonical

    def _template_allows(self, template: str) -> bool:
        """True while the template and its path's query variants are under the cap."""
        if self._per_template[template] >= self.budget.per_template:
            return False
        variants = self._variants[_without_query(template)]
        return template in variants or len(variants) < self.budget.per_template

    def release(self, url: str) -> None:
        """Give back the page slot of a scheduled URL that produced no page."""
        self.scheduled = max(0, self.scheduled - 1)
        template = url_template(url)
        if self._per_template[template] > 0:
            self._per_template[template] -= 1

    def full(self) -> bool:
        """True when no more pages may be scheduled."""
        return self.scheduled >= self.budget.max_pages
