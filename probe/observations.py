"""The catalogue of observation names: what each check family records, with its unit.

Checks may only record names listed here and rubrics may only refer to them; the rubric
loader rejects unknown names. Units: bool, count, ratio (0..1), ms, clicks, text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObservationSpec:
    check: str
    name: str
    unit: str
    description: str


_SPECS: tuple[tuple[str, str, str, str], ...] = (
    # discovery
    ("discovery", "discovery.pages", "count", "pages mapped inside the portal's scope"),
    ("discovery", "portal.handover", "text", "URL of the national portal citizens are handed to"),
    ("discovery", "portal.reachable", "bool", "the portal's home page answered 2xx"),
    # functions (F1-F10)
    ("functions", "catalogue.present", "bool", "a public catalogue of procedures is reachable"),
    ("functions", "catalogue.procedures", "count", "procedures listed in the catalogue"),
    ("functions", "catalogue.paginated", "bool", "the catalogue is split over pages"),
    ("functions", "procedure.fields", "ratio",
     "share of the six required fields (ma TTHC, co quan, muc do, thanh phan ho so, phi, "
     "thoi han) shown on sampled procedure pages"),
    ("functions", "search.works", "bool", "a real query returns the matching procedure"),
    ("functions", "lookup.form", "bool", "a dossier look-up form without login is present"),
    ("functions", "lookup.known_code", "bool", "a known dossier code returns its status"),
    ("functions", "lookup.unknown_code", "bool", "an unknown code returns a clear not-found"),
    ("functions", "sso.national", "bool", "login goes to the national SSO (VNeID / DVC QG)"),
    ("functions", "submission.entry", "bool", "an online-submission entry is reachable"),
    ("functions", "submission.toan_trinh_label", "bool", "fully-online services are labelled"),
    ("functions", "payment.offered", "bool", "online payment is offered"),
    ("functions", "rating.available", "bool", "a satisfaction rating is offered"),
    ("functions", "rating.three_levels", "bool", "the rating has the three official levels"),
    ("functions", "feedback.available", "bool", "a feedback channel (phan anh, kien nghi) exists"),
    ("functions", "support.faq", "bool", "an FAQ (hoi dap) is published"),
    ("functions", "support.hotline", "bool", "a hotline number is published"),
    ("functions", "support.guides", "bool", "user guides (huong dan) are published"),
    ("functions", "statistics.published", "bool", "dossier statistics are published"),
    ("functions", "statistics.fields", "count",
     "of the four figures F10 names (received, resolved, on-time rate, satisfaction), how "
     "many the published statistics show"),
    # layout (L1-L4)
    ("layout", "header.agency_name", "bool", "the header names the agency"),
    ("layout", "header.logo", "bool", "the header shows an emblem or logo"),
    ("layout", "nav.sections", "ratio", "share of the standard sections linked from the home page"),
    ("layout", "nav.max_service_depth", "clicks",
     "click depth from the home page of the deepest online-service page"),
    ("layout", "footer.fields", "ratio",
     "share of footer fields (co quan chu quan, address, phone, email, person responsible)"),
    ("layout", "sitemap_or_breadcrumbs", "bool", "a site map page or breadcrumbs exist"),
    # performance (P1-P5): per page, one observation per run (stat=run) plus stat=median
    ("performance", "fcp", "ms", "First Contentful Paint"),
    ("performance", "lcp", "ms", "Largest Contentful Paint"),
    ("performance", "speed_index", "ms", "Speed Index (visually complete)"),
    ("performance", "tbt", "ms", "Total Blocking Time (long tasks over 50 ms)"),
    ("performance", "cls", "count", "Cumulative Layout Shift"),
    ("performance", "ttfb", "ms", "time to first byte"),
    ("performance", "availability.ok_ratio", "ratio", "share of sampled pages answering 2xx"),
    # security (S1-S6)
    ("security", "https.used", "bool", "the portal is served over HTTPS"),
    ("security", "tls.cert_valid", "bool", "trusted chain, matching host name, not expired"),
    ("security", "tls.cert_days_left", "count", "days until the certificate expires"),
    ("security", "http.redirects_https", "bool", "plain HTTP redirects to HTTPS"),
    ("security", "hsts", "bool", "Strict-Transport-Security is sent over HTTPS"),
    ("security", "tls.version", "text", "the TLS version negotiated by default"),
    ("security", "tls.legacy_accepted", "bool", "TLS 1.0 or 1.1 is still accepted"),
    ("security", "tls.weak_ciphers_accepted", "bool",
     "a weak cipher suite (no forward secrecy, RC4, 3DES, NULL, EXPORT) is still accepted"),
    ("security", "headers.security", "ratio",
     "share of security headers present (frame protection, nosniff, Referrer-Policy)"),
    ("security", "cookies.flags_ok", "bool", "every cookie is Secure, HttpOnly and SameSite"),
    ("security", "mixed_content.count", "count", "http:// subresources on HTTPS pages"),
    ("security", "injected.count", "count",
     "injected content found: gambling spam, hidden links, redirects to foreign hosts"),
    # access (A1-A3): mobile layout, axe, findability
    ("access", "mobile.viewport_meta", "bool", "a responsive viewport meta tag is present"),
    ("access", "mobile.overflow_360", "bool", "horizontal scrolling at 360 px width"),
    ("access", "mobile.overflow_320", "bool", "horizontal scrolling at 320 px width (reflow)"),
    ("access", "mobile.text_legible", "ratio",
     "share of visible text at 12 px or more as a 360 px phone shows it"),
    ("access", "mobile.tap_targets_ok", "ratio",
     "share of touch targets meeting WCAG 2.5.8 (24 px, or spaced 24 px apart)"),
    ("access", "axe.serious_critical", "count", "axe violations of impact serious or critical"),
    ("access", "axe.violations", "count", "axe violations of any impact"),
    ("access", "robots.allows", "bool", "robots.txt does not block the portal"),
    ("access", "sitemap_xml", "bool", "a sitemap.xml is published"),
    ("access", "page.title_lang", "bool", "pages have meaningful titles and a lang attribute"),
    # emc (E1-E2)
    ("emc", "emc.snippet_pages", "ratio", "share of sampled pages carrying an active EMC snippet"),
    ("emc", "emc.site_id", "bool", "the snippet sets a non-empty site id"),
    ("emc", "emc.tracker_https", "bool", "the tracker URL uses https"),
    ("emc", "emc.script_loaded", "bool", "the tracker script loaded in the browser"),
    ("emc", "emc.tracking_request", "bool", "a tracking request was sent on page view"),
)

CATALOGUE: dict[str, ObservationSpec] = {
    name: ObservationSpec(check, name, unit, description)
    for check, name, unit, description in _SPECS
}


def spec(name: str) -> ObservationSpec:
    """The spec of observation `name`; KeyError when it is not in the catalogue."""
    return CATALOGUE[name]
