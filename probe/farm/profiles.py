"""The farm's portal profiles: who each fictional agency is and which gaps its portal has.

Every profile starts from the complete feature set and removes what its design calls for;
`disable()` on a running farm removes more. Expected grades assume `latency_scale=1.0`.

Intended scores, item by item, under probe/rubrics/2024.yaml (criteria.md's item table with
the rubric's sub-weights: e.g. S2 = redirect 0.6 + HSTS 0.4; E1 = snippet share 0.5 + site
id 0.25 + https 0.25; L2 = nav share 0.5 + depth 0.5; timings on probe.scoring.curves).
Only items that lose points are listed; every score sits at least 3 points inside its band.

==================  =====  =====  ==================================================  =====
profile             block  grade  gaps (item: points lost)                            score
==================  =====  =====  ==================================================  =====
tinh-binh-minh      prov.  A      none: 40 ms, HTTPS+HSTS, all headers, flagged        100
                                  cookies, axe-clean, reflows at 320 px, EMC on
                                  every page, sitemap.xml, breadcrumbs
bo-kinh-te-bien     min.   B      F6 no payment -4; F8 no feedback -3; F9 no guides    84.8
                                  -0.9; F10 no statistics -2; L2 nav 6/9 -0.33; S2
                                  no HSTS -1.2; S4 no security headers -2; S5 cookie
                                  flags -0.5; E1 snippet on the home page only (1 of
                                  6 pages) -1.25. 250 ms: performance full
thanh-pho-hai-dang  prov.  C      F2 search finds nothing -6; F3 unknown code blank    74.5
                                  -2.4; F4 own login, no national SSO -5; F7 two
                                  levels -2; F9 no hotline -0.9; L3 footer 2/5 -0.6;
                                  S4 X-Frame-Options only -1.33; A2 unlabelled
                                  inputs, low contrast -2; A3 no sitemap.xml -0.3;
                                  E1/E2 snippet commented out -5. 600 ms: TTFB full
tinh-son-cuoc       prov.  E      F1 no fee/deadline -1.6; F2 no search -6; F3 no     ~39
                                  look-up -8; F4 no login -5; F6 -4; F7 -5; F9 no
                                  guides -0.9; F10 -2; L2 nav 4/9 -0.56; L3 2/5 -0.6;
                                  L4 -1; P1 FCP ~2.15 s -1.6; P5 TTFB 2 s -1.5;
                                  plain HTTP: S1 -5, S2 -3, S3 (no TLS: -2 or
                                  unmeasured); S4 -2; S5 cookie -0.5; S6 hidden
                                  casino links -2; A1 fixed 1200 px, no viewport -2;
                                  A2 no alt/labels/lang, low contrast -2; A3 no lang,
                                  no sitemap.xml -0.6; E1/E2 no EMC -5
tinh-lam-giang      prov.  B      F4 own Keycloak login -5; F9 no hotline -0.9; F10   85.5
(single-page app)                 no statistics -2; L2 nav 8/9 -0.11; L4 no site map
                                  or breadcrumbs -1; S2 no HSTS -1.2; S4 no security
                                  headers -2; A2 icon buttons without names -2; A3 no
                                  sitemap.xml -0.3. A probe that cannot render it
                                  loses F1-F3, F5-F9, L1, L3 and lands in E
tinh-phu-an         prov.  B      hands over to the national stand-in, scored on its   85.8
(hand-over)                       pages: L1 header names the national portal -0.5;
                                  F3 unknown code gets a generic error -2.4; F5
                                  levels shown as 'Mức độ 4/3', no toàn trình label
                                  -1.8; F7 rating only after login -5; F9 no guides
                                  -0.9; L2 nav 8/9 -0.11; S4 2/3 headers -0.67; S5
                                  cookie flags -0.5; A2 low contrast -2; A3 no
                                  sitemap.xml -0.3. 300 ms
bo-ha-tang-so       min.   E      home answers 500, every other page hangs 25 s:       0
                                  expected status http_error
==================  =====  =====  ==================================================  =====
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Feature(StrEnum):
    """A part of a portal that a profile may lack (and `Farm.disable` may remove)."""

    CATALOGUE = "catalogue"
    PROCEDURE_DETAILS = "procedure_details"  # phí/lệ phí and thời hạn on procedure pages
    SEARCH = "search"
    SEARCH_RESULTS = "search_results"  # the search actually returns matches
    LOOKUP = "lookup"
    LOOKUP_NOT_FOUND = "lookup_not_found"  # an unknown code gets a clear not-found
    LOGIN = "login"
    SSO = "sso"  # login goes to the national SSO (otherwise a local login page)
    SUBMISSION = "submission"
    TOAN_TRINH_LABEL = "toan_trinh_label"
    PAYMENT = "payment"
    RATING = "rating"
    RATING_THREE_LEVELS = "rating_three_levels"
    FEEDBACK = "feedback"
    FAQ = "faq"
    GUIDES = "guides"
    HOTLINE = "hotline"
    STATISTICS = "statistics"
    STATISTICS_SATISFACTION = "statistics_satisfaction"  # the statistics show satisfaction
    HEADER_NAME = "header_name"
    LOGO = "logo"
    BREADCRUMBS = "breadcrumbs"
    SITEMAP_PAGE = "sitemap_page"
    FOOTER_GOVERNING = "footer_governing"
    FOOTER_ADDRESS = "footer_address"
    FOOTER_PHONE = "footer_phone"
    FOOTER_EMAIL = "footer_email"
    FOOTER_RESPONSIBLE = "footer_responsible"
    HTTP_REDIRECT = "http_redirect"
    HSTS = "hsts"
    CSP = "csp"
    X_FRAME_OPTIONS = "x_frame_options"
    NOSNIFF = "nosniff"
    REFERRER_POLICY = "referrer_policy"
    SECURE_COOKIES = "secure_cookies"
    CLEAN = "clean"  # no injected gambling spam
    RESPONSIVE = "responsive"  # viewport meta and a fluid layout
    LANG = "lang"
    ALT_TEXT = "alt_text"
    LABELS = "labels"
    CONTRAST = "contrast"
    BUTTON_NAMES = "button_names"
    ROBOTS = "robots"
    SITEMAP_XML = "sitemap_xml"
    EMC = "emc"
    EMC_INNER = "emc_inner"  # the snippet on inner pages too, not only the home page


ALL_FEATURES: frozenset[Feature] = frozenset(Feature)


class Kind(StrEnum):
    """How a portal is built."""

    CLASSIC = "classic"  # server-rendered pages
    SPA = "spa"  # an empty app shell rendered by script from a JSON API
    HANDOVER = "handover"  # every URL answers 302 to the national portal
    BROKEN = "broken"  # home answers 500, other pages hang


def without(*missing: Feature) -> frozenset[Feature]:
    """Every feature except `missing`."""
    return ALL_FEATURES - frozenset(missing)


@dataclass(frozen=True)
class Profile:
    """One fictional agency and the portal the farm serves for it."""

    id: str
    name: str
    name_en: str
    block: str
    vendor: str
    kind: Kind
    style: str  # URL scheme, see probe.farm.routes.STYLES
    expected_grade: str
    intended_score: float
    latency_ms: int
    features: frozenset[Feature]
    header_title: str
    system_name: str
    governing_body: str
    address: str
    phone: str
    email: str
    responsible: str
    hotline: str
    code_suffix: str  # mã TTHC suffix and dossier-code prefix, e.g. 'H71'
    emc_site_id: str = ""
    emc_style: str = "standard"  # standard | minified | commented
    theme: str = "#a3161a"
    cookie_name: str = "JSESSIONID"
    server_header: str = "nginx"
    https: bool = True
    expected_status: str = "completed"
    lookup_miss_text: str = ""  # what an unknown code shows without LOOKUP_NOT_FOUND
    level_labels: tuple[str, str] = ("Mức độ 4", "Mức độ 3")  # shown without TOAN_TRINH_LABEL
    gaps: tuple[str, ...] = field(default=())
    calendar_trap: bool = False  # an endless 'Lịch tiếp công dân' (prev/next month, week views)
    news: bool = False  # news, an article per notice, documents and contact pages (4 templates)
    # Rubric 2024 items designed not to pass, with the status they should get ("partial" or
    # "fail"); every other item should pass. Each follows from `features` and `gaps`.
    not_passing: tuple[tuple[str, str], ...] = ()
    copy_of: str = ""  # the profile this one repeats on another port (see `replicated`)

    @property
    def design_id(self) -> str:
        """The id whose home site and content this portal serves (its own, or its original's)."""
        return self.copy_of or self.id

    def item_status(self, item_id: str) -> str:
        """The status rubric 2024 item `item_id` is designed to get on this portal (every
        item fails on a portal that does not answer)."""
        if self.kind is Kind.BROKEN:
            return "fail"
        return dict(self.not_passing).get(item_id, "pass")

    @property
    def province(self) -> bool:
        """True for the provincial block (provinces and centrally-run cities)."""
        return self.block == "province"


BINH_MINH = Profile(
    id="tinh-binh-minh", name="Tỉnh Bình Minh", name_en="Binh Minh Province", block="province",
    vendor="VNPT", kind=Kind.CLASSIC, style="eform", expected_grade="A", intended_score=100.0,
    latency_ms=40, features=ALL_FEATURES,
    header_title="ỦY BAN NHÂN DÂN TỈNH BÌNH MINH",
    system_name="Cổng Dịch vụ công tỉnh Bình Minh",
    governing_body="Ủy ban nhân dân tỉnh Bình Minh",
    address="Số 1 đường Trần Hưng Đạo, phường Bình Minh, tỉnh Bình Minh",
    phone="0290 3 822 001", email="dichvucong@binhminh.gov.vn",
    responsible="Ông Nguyễn Văn Hòa, Chánh Văn phòng UBND tỉnh",
    hotline="1900 8198", code_suffix="H71", emc_site_id="2271", theme="#a3161a",
    news=True, gaps=(),
)

KINH_TE_BIEN = Profile(
    id="bo-kinh-te-bien", name="Bộ Kinh tế Biển", name_en="Ministry of Marine Economy",
    block="ministry", vendor="Viettel", kind=Kind.CLASSIC, style="portaldvc",
    expected_grade="B", intended_score=84.8, latency_ms=250,
    features=without(Feature.PAYMENT, Feature.FEEDBACK, Feature.GUIDES, Feature.STATISTICS,
                     Feature.HSTS,
                     Feature.CSP, Feature.X_FRAME_OPTIONS, Feature.NOSNIFF,
                     Feature.REFERRER_POLICY, Feature.SECURE_COOKIES, Feature.EMC_INNER),
    header_title="BỘ KINH TẾ BIỂN",
    system_name="Cổng Dịch vụ công Bộ Kinh tế Biển",
    governing_body="Bộ Kinh tế Biển",
    address="Số 83 phố Nguyễn Chí Thanh, quận Ba Đình, Hà Nội",
    phone="024 3 773 4455", email="vanphong@kinhtebien.gov.vn",
    responsible="Bà Trần Thị Lan, Chánh Văn phòng Bộ",
    hotline="024 3 773 4466", code_suffix="G22", emc_site_id="1022", theme="#0d47a1",
    cookie_name="ASP.NET_SessionId", server_header="Microsoft-IIS/10.0", calendar_trap=True,
    gaps=("F6 no online payment", "F8 no feedback channel", "F9 no user guides",
          "F10 no statistics",
          "S2 redirect but no HSTS", "S4 no security headers", "S5 cookie without flags",
          "E1 EMC snippet on the home page only", "an endless calendar (a crawler trap)"),
    not_passing=(("F6", "fail"), ("F8", "fail"), ("F9", "partial"), ("F10", "fail"),
                 ("L2", "partial"), ("S2", "partial"), ("S4", "fail"), ("S5", "partial"),
                 ("E1", "partial")),
)

HAI_DANG = Profile(
    id="thanh-pho-hai-dang", name="Thành phố Hải Đăng", name_en="Hai Dang City",
    block="province", vendor="FPT", kind=Kind.CLASSIC, style="liferay",
    expected_grade="C", intended_score=74.5, latency_ms=600,
    features=without(Feature.SEARCH_RESULTS, Feature.LOOKUP_NOT_FOUND, Feature.SSO,
                     Feature.RATING_THREE_LEVELS, Feature.HOTLINE, Feature.FOOTER_PHONE,
                     Feature.FOOTER_EMAIL, Feature.FOOTER_RESPONSIBLE, Feature.LABELS,
                     Feature.CONTRAST, Feature.SITEMAP_XML, Feature.CSP, Feature.NOSNIFF,
                     Feature.REFERRER_POLICY, Feature.STATISTICS_SATISFACTION),
    header_title="ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI ĐĂNG",
    system_name="Cổng Dịch vụ công Thành phố Hải Đăng",
    governing_body="Ủy ban nhân dân Thành phố Hải Đăng",
    address="Số 18 đường Hoàng Diệu, phường Hải Châu, Thành phố Hải Đăng",
    phone="0236 3 821 777", email="motcua@haidang.gov.vn",
    responsible="Ông Lê Minh Tuấn, Giám đốc Trung tâm Phục vụ hành chính công",
    hotline="0236 1022", code_suffix="H72", emc_site_id="3172", emc_style="commented",
    theme="#00695c", server_header="Apache-Coyote/1.1",
    gaps=("F2 search returns nothing", "F3 unknown code answers a blank result",
          "F4 local account login, not the national SSO", "F7 rating with two levels",
          "F9 no hotline", "F10 statistics without satisfaction (not scored)",
          "L3 footer without phone, email, person responsible",
          "S4 X-Frame-Options only", "A2 inputs without labels, low contrast",
          "A3 no sitemap.xml", "E1/E2 EMC snippet commented out"),
    not_passing=(("F2", "fail"), ("F3", "partial"), ("F4", "fail"), ("F7", "partial"),
                 ("F9", "partial"), ("L3", "partial"), ("S4", "partial"), ("A2", "fail"),
                 ("A3", "partial"), ("E1", "fail"), ("E2", "fail")),
)

SON_CUOC = Profile(
    id="tinh-son-cuoc", name="Tỉnh Sơn Cước", name_en="Son Cuoc Province", block="province",
    vendor="Tự xây dựng", kind=Kind.CLASSIC, style="eform", expected_grade="E",
    intended_score=39.0, latency_ms=2000, https=False,
    features=without(Feature.PROCEDURE_DETAILS, Feature.SEARCH, Feature.SEARCH_RESULTS,
                     Feature.LOOKUP, Feature.LOOKUP_NOT_FOUND, Feature.LOGIN, Feature.SSO,
                     Feature.PAYMENT, Feature.RATING, Feature.RATING_THREE_LEVELS,
                     Feature.GUIDES, Feature.STATISTICS, Feature.BREADCRUMBS,
                     Feature.SITEMAP_PAGE, Feature.FOOTER_ADDRESS, Feature.FOOTER_EMAIL,
                     Feature.FOOTER_RESPONSIBLE, Feature.HTTP_REDIRECT, Feature.HSTS,
                     Feature.CSP, Feature.X_FRAME_OPTIONS, Feature.NOSNIFF,
                     Feature.REFERRER_POLICY, Feature.SECURE_COOKIES, Feature.CLEAN,
                     Feature.RESPONSIVE, Feature.LANG, Feature.ALT_TEXT, Feature.LABELS,
                     Feature.CONTRAST, Feature.SITEMAP_XML, Feature.EMC, Feature.EMC_INNER),
    header_title="ỦY BAN NHÂN DÂN TỈNH SƠN CƯỚC",
    system_name="Hệ thống thông tin giải quyết thủ tục hành chính tỉnh Sơn Cước",
    governing_body="Ủy ban nhân dân tỉnh Sơn Cước",
    address="Số 5 đường 19/5, phường Sơn Cước, tỉnh Sơn Cước",
    phone="0214 3 840 123", email="vpubnd@soncuoc.gov.vn",
    responsible="Ông Phạm Văn Sơn, Phó Chánh Văn phòng UBND tỉnh",
    hotline="0214 3 840 124", code_suffix="H73", theme="#2e7d32",
    cookie_name="PHPSESSID", server_header="Apache/2.2.15 (CentOS)",
    gaps=("plain HTTP only", "F1 no fee or deadline", "no search, look-up, login, payment, "
          "rating, statistics", "fixed 1200 px layout without viewport meta",
          "missing alt, labels, lang; low contrast", "hidden casino spam links",
          "no EMC", "2000 ms per page"),
    not_passing=(("F1", "partial"), ("F2", "fail"), ("F3", "fail"), ("F4", "fail"),
                 ("F6", "fail"), ("F7", "fail"), ("F9", "partial"), ("F10", "fail"),
                 ("L2", "partial"), ("L3", "partial"), ("L4", "fail"), ("P1", "partial"),
                 ("P5", "partial"), ("S1", "fail"), ("S2", "fail"), ("S3", "fail"),
                 ("S4", "fail"), ("S5", "fail"), ("S6", "fail"), ("A1", "fail"), ("A2", "fail"),
                 ("A3", "partial"), ("E1", "fail"), ("E2", "fail")),
)

LAM_GIANG = Profile(
    id="tinh-lam-giang", name="Tỉnh Lâm Giang", name_en="Lam Giang Province", block="province",
    vendor="VNPT", kind=Kind.SPA, style="spa", expected_grade="B", intended_score=85.5,
    latency_ms=60,
    features=without(Feature.SSO, Feature.HOTLINE, Feature.STATISTICS, Feature.BREADCRUMBS,
                     Feature.SITEMAP_PAGE, Feature.HSTS, Feature.CSP, Feature.X_FRAME_OPTIONS,
                     Feature.NOSNIFF, Feature.REFERRER_POLICY, Feature.BUTTON_NAMES,
                     Feature.SITEMAP_XML),
    header_title="ỦY BAN NHÂN DÂN TỈNH LÂM GIANG",
    system_name="Cổng Dịch vụ công tỉnh Lâm Giang",
    governing_body="Ủy ban nhân dân tỉnh Lâm Giang",
    address="Số 36 đường Hùng Vương, phường Lâm Giang, tỉnh Lâm Giang",
    phone="0263 3 822 456", email="dvc@lamgiang.gov.vn",
    responsible="Bà Võ Thị Hạnh, Giám đốc Sở Khoa học và Công nghệ",
    hotline="0263 1088", code_suffix="H74", emc_site_id="4174", emc_style="minified",
    theme="#1565c0", server_header="nginx/1.24.0",
    gaps=("F4 own Keycloak login", "F9 no hotline", "F10 no statistics",
          "L4 no site map or breadcrumbs", "S2 no HSTS", "S4 no security headers",
          "A2 icon buttons without names", "A3 no sitemap.xml"),
    not_passing=(("F4", "fail"), ("F9", "partial"), ("F10", "fail"), ("L2", "partial"),
                 ("L4", "fail"), ("S2", "partial"), ("S4", "fail"), ("A2", "fail"),
                 ("A3", "partial")),
)

PHU_AN = Profile(
    id="tinh-phu-an", name="Tỉnh Phú An", name_en="Phu An Province", block="province",
    vendor="VNPT", kind=Kind.HANDOVER, style="eform", expected_grade="B", intended_score=85.8,
    latency_ms=30, features=ALL_FEATURES,
    header_title="ỦY BAN NHÂN DÂN TỈNH PHÚ AN", system_name="Cổng Dịch vụ công tỉnh Phú An",
    governing_body="Ủy ban nhân dân tỉnh Phú An",
    address="Số 2 đường Lê Lợi, phường Phú An, tỉnh Phú An", phone="0257 3 823 000",
    email="dvc@phuan.gov.vn", responsible="Văn phòng UBND tỉnh Phú An", hotline="0257 1022",
    code_suffix="H75",
    gaps=("hands citizens over to the national portal: scored on its pages",),
    # the national stand-in's gaps (NATIONAL below), as seen through the hand-over
    not_passing=(("F3", "partial"), ("F5", "partial"), ("F7", "fail"), ("F9", "partial"),
                 ("L1", "partial"), ("L2", "partial"), ("S4", "partial"), ("S5", "partial"),
                 ("A2", "fail"), ("A3", "partial")),
)

HA_TANG_SO = Profile(
    id="bo-ha-tang-so", name="Bộ Hạ tầng Số", name_en="Ministry of Digital Infrastructure",
    block="ministry", vendor="CMC", kind=Kind.BROKEN, style="eform", expected_grade="E",
    intended_score=0.0, latency_ms=50, features=ALL_FEATURES, expected_status="http_error",
    header_title="BỘ HẠ TẦNG SỐ", system_name="Cổng Dịch vụ công Bộ Hạ tầng Số",
    governing_body="Bộ Hạ tầng Số", address="Số 18 phố Nguyễn Du, quận Hai Bà Trưng, Hà Nội",
    phone="024 3 943 0000", email="dvc@hatangso.gov.vn",
    responsible="Văn phòng Bộ Hạ tầng Số", hotline="024 3 943 0001", code_suffix="G23",
    server_header="openresty",
    gaps=("home answers 500; every other page hangs 25 s",),
)

# The national portal stand-in (Cổng Dịch vụ công Quốc gia): the target of hand-overs.
NATIONAL = Profile(
    id="quoc-gia", name="Cổng Dịch vụ công Quốc gia", name_en="National Public Service Portal",
    block="other", vendor="Văn phòng Chính phủ", kind=Kind.CLASSIC, style="national",
    expected_grade="B", intended_score=85.8, latency_ms=300,
    features=without(Feature.LOOKUP_NOT_FOUND, Feature.RATING, Feature.RATING_THREE_LEVELS,
                     Feature.GUIDES, Feature.TOAN_TRINH_LABEL, Feature.CSP, Feature.REFERRER_POLICY,
                     Feature.SECURE_COOKIES, Feature.CONTRAST, Feature.SITEMAP_XML),
    header_title="CỔNG DỊCH VỤ CÔNG QUỐC GIA",
    system_name="Kết nối, cung cấp thông tin và dịch vụ công mọi lúc, mọi nơi",
    governing_body="Văn phòng Chính phủ",
    address="Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội", phone="080 43162",
    email="dichvucong@chinhphu.vn", responsible="Cục Kiểm soát thủ tục hành chính",
    hotline="18001096", code_suffix="G01", emc_site_id="1", theme="#b71c1c",
    cookie_name="JSESSIONID", server_header="nginx",
    lookup_miss_text="Có lỗi xảy ra trong quá trình xử lý. Vui lòng thử lại sau.",
    gaps=("header names the national portal", "unknown code: generic error",
          "no toàn trình label (Mức độ 3/4)", "rating only after login", "no user guides",
          "S4 2 of 3 headers", "S5 cookie flags", "A2 low contrast", "A3 no sitemap.xml"),
)

PROFILES: tuple[Profile, ...] = (BINH_MINH, KINH_TE_BIEN, HAI_DANG, SON_CUOC, LAM_GIANG,
                                 PHU_AN, HA_TANG_SO)


def replicated(profiles: tuple[Profile, ...], copies: int) -> tuple[Profile, ...]:
    """`profiles` `copies` times over: copy k > 1 of a profile is the same portal under the
    id '<id>-<k>' on its own ports, so that a benchmark can sweep a farm of many portals."""
    extra = tuple(replace(p, id=f"{p.id}-{k}", copy_of=p.id)
                  for k in range(2, copies + 1) for p in profiles)
    return (*profiles, *extra)
