"""The portal farm: every profile answers as designed, on loopback, with a known truth."""

from __future__ import annotations

import contextlib
import re
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from probe import registry
from probe.context import ProbeSettings
from probe.farm import Farm, start_farm
from probe.farm.content import DOSSIER_CODE_RE

SCALE = 0.25  # keeps the module fast; latency truth is checked against the scaled delay
A, B, C, POOR, SPA, HANDOVER, BROKEN = ("tinh-binh-minh", "bo-kinh-te-bien",
                                        "thanh-pho-hai-dang", "tinh-son-cuoc", "tinh-lam-giang",
                                        "tinh-phu-an", "bo-ha-tang-so")
SIX_FIELDS = ("Mã thủ tục", "Cơ quan thực hiện", "Mức độ", "Thành phần hồ sơ", "Phí, lệ phí",
              "Thời hạn giải quyết")


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Farm]:
    with start_farm(tmp_path_factory.mktemp("farm"), latency_scale=SCALE) as running:
        yield running


@pytest.fixture(scope="module")
def client(farm: Farm) -> Iterator[httpx.Client]:
    context = ssl.create_default_context(cafile=farm.ca_file)
    with httpx.Client(verify=context, timeout=10.0) as http:
        yield http


def portal(farm: Farm, agency_id: str) -> str:
    """The portal URL of `agency_id` without its trailing slash."""
    return next(a.portal_url for a in farm.agencies if a.id == agency_id).rstrip("/")


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def link(page: BeautifulSoup, text: str, base: str) -> str:
    """The absolute URL of the first link whose text is `text`."""
    anchor = page.find("a", string=re.compile(rf"^\s*{re.escape(text)}\s*$"))
    assert anchor is not None, f"no link '{text}'"
    return urljoin(base, anchor["href"])


# --- the registry and the settings --------------------------------------------------------

def test_agencies_blocks_and_expectations(farm: Farm) -> None:
    ids = [a.id for a in farm.agencies]
    assert len(ids) >= 7 and len(set(ids)) == len(ids)
    assert sum(a.block == "ministry" for a in farm.agencies) >= 2
    assert sum(a.block == "province" for a in farm.agencies) >= 4
    assert set(farm.expected_grades) == set(ids) == set(farm.expected_status)
    assert farm.expected_grades[A] == "A" and farm.expected_grades[BROKEN] == "E"
    assert farm.expected_status[BROKEN] == "http_error"
    assert all(not a.confirmed and urlsplit(a.portal_url).hostname == "127.0.0.1"
               for a in farm.agencies)


def test_registry_round_trips(farm: Farm, tmp_path: Path) -> None:
    path = farm.write_registry(tmp_path / "registry.csv")
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header == ("id,name,name_en,block,home_url,portal_url,http_url,vendor,confirmed,"
                      "valid_from,valid_to")
    loaded = registry.load(path)
    assert [(a.id, a.portal_url, a.http_url) for a in loaded] == [
        (a.id, a.portal_url, a.http_url) for a in farm.agencies]


def test_settings_overrides_name_the_stand_ins(farm: Farm) -> None:
    settings = ProbeSettings(ca_file=farm.ca_file, **farm.settings_overrides())
    assert settings.national_portal_hosts == (urlsplit(farm.national_portal_origin).netloc,)
    assert settings.national_sso_hosts == (urlsplit(farm.sso_origin).netloc,)


# --- home pages ---------------------------------------------------------------------------

@pytest.mark.parametrize("agency_id", [A, B, C, POOR, SPA])
def test_home_answers_200_in_vietnamese(farm: Farm, client: httpx.Client,
                                        agency_id: str) -> None:
    response = client.get(portal(farm, agency_id) + "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "charset=utf-8" in response.headers["content-type"]
    assert "Dịch vụ công" in response.text


def test_classic_home_has_header_nav_footer(farm: Farm, client: httpx.Client) -> None:
    page = soup(client.get(portal(farm, A) + "/"))
    assert page.html.get("lang") == "vi"
    assert "Cổng Dịch vụ công tỉnh Bình Minh" in page.title.string
    header = page.find("header").get_text(" ")
    assert "TỈNH BÌNH MINH" in header and page.find("header").find("img")["alt"]
    nav = [a.get_text(strip=True) for a in page.select("nav.main-nav a")]
    for section in ("Thủ tục hành chính", "Dịch vụ công trực tuyến", "Tra cứu hồ sơ",
                    "Thanh toán trực tuyến", "Phản ánh, kiến nghị", "Đánh giá", "Thống kê",
                    "Hỏi đáp", "Hướng dẫn", "Đăng nhập"):
        assert section in nav
    footer = page.find("footer").get_text(" ")
    for label in ("Cơ quan chủ quản", "Địa chỉ", "Điện thoại", "Email",
                  "Người chịu trách nhiệm"):
        assert label in footer


def test_poor_portal_is_plain_http_fixed_width(farm: Farm, client: httpx.Client) -> None:
    agency = next(a for a in farm.agencies if a.id == POOR)
    assert agency.portal_url.startswith("http://") and agency.http_url == agency.portal_url
    response = client.get(agency.portal_url)
    page = soup(response)
    assert page.html.get("lang") is None
    assert page.find("meta", attrs={"name": "viewport"}) is None
    assert all(not img.get("alt") for img in page.find_all("img"))
    assert "_govaq" not in response.text and "nhà cái" in response.text
    assert "Strict-Transport-Security" not in response.headers


# --- catalogue, procedures, submission ------------------------------------------------------

def test_catalogue_has_60_procedures_over_3_pages(farm: Farm, client: httpx.Client) -> None:
    home = portal(farm, A) + "/"
    url = link(soup(client.get(home)), "Thủ tục hành chính", home)
    seen_pages: set[str] = set()
    procedures: set[str] = set()
    while url and url not in seen_pages:
        seen_pages.add(url)
        page = soup(client.get(url))
        procedures |= {a["href"] for a in page.select("table a[href*='/thu-tuc/']")}
        following = page.find("a", rel="next")
        url = urljoin(url, following["href"]) if following else ""
    assert len(procedures) >= 60
    assert len(seen_pages) >= 3


@pytest.mark.parametrize("agency_id", [A, B, C])
def test_procedure_page_shows_six_fields(farm: Farm, client: httpx.Client,
                                         agency_id: str) -> None:
    site = farm.sites[agency_id]
    first = site.procedures[0]
    url = portal(farm, agency_id) + site.url("procedure", site.key(first))
    page = soup(client.get(url))
    labels = [dt.get_text(strip=True) for dt in page.select("dl dt")]
    assert all(field in labels for field in SIX_FIELDS)
    code = page.find("span", class_="code").get_text()
    assert re.fullmatch(r"1\.\d{6}\.000\.00\.00\.[GH]\d{2}", code)
    assert "toàn trình" in page.get_text()  # the first procedure is fully online
    apply = page.find("a", string="Nộp hồ sơ trực tuyến")
    form = soup(client.get(urljoin(url, apply["href"]))).find("form", class_="form")
    assert form["method"] == "post"


def test_poor_procedure_lacks_fee_and_deadline(farm: Farm, client: httpx.Client) -> None:
    site = farm.sites[POOR]
    url = portal(farm, POOR) + site.url("procedure", site.key(site.procedures[0]))
    labels = [dt.get_text(strip=True) for dt in soup(client.get(url)).select("dl dt")]
    assert "Mã thủ tục" in labels and "Phí, lệ phí" not in labels
    assert "Thời hạn giải quyết" not in labels


# --- search and look-up -------------------------------------------------------------------

@pytest.mark.parametrize("query", ["Đăng ký kết hôn", "dang ky ket hon"])
def test_search_finds_a_known_procedure(farm: Farm, client: httpx.Client, query: str) -> None:
    home = portal(farm, A) + "/"
    form = soup(client.get(home)).find("form", role="search")
    field = form.find("input")["name"]
    page = soup(client.get(urljoin(home, form["action"]), params={field: query}))
    assert page.find("a", string="Đăng ký kết hôn") is not None


def test_weak_search_finds_nothing(farm: Farm, client: httpx.Client) -> None:
    site = farm.sites[C]
    url = portal(farm, C) + site.url("search", q="Đăng ký kết hôn")
    text = client.get(url).text
    assert "Không tìm thấy thủ tục" in text and ">Đăng ký kết hôn</a>" not in text


def test_lookup_known_and_unknown_codes(farm: Farm, client: httpx.Client) -> None:
    home = portal(farm, A) + "/"
    lookup = link(soup(client.get(home)), "Tra cứu hồ sơ", home)
    page = soup(client.get(lookup))
    form = page.find("form", action=urlsplit(lookup).path)
    assert form["method"] == "get" and form.find("input")["name"] == "ma_ho_so"
    example = page.find(class_="hint").get_text().removeprefix("Ví dụ: ")
    assert DOSSIER_CODE_RE.match(example)
    for code in farm.known_dossier_codes[A]:
        assert DOSSIER_CODE_RE.match(code)
        text = client.get(lookup, params={"ma_ho_so": code}).text
        assert "Trạng thái:" in text and code in text
    assert "Đang xử lý" in client.get(lookup, params={"ma_ho_so": example}).text
    unknown = client.get(lookup, params={"ma_ho_so": farm.unknown_dossier_code[A]}).text
    assert "Không tìm thấy hồ sơ" in unknown


def test_weak_lookup_answers_blank_for_unknown(farm: Farm, client: httpx.Client) -> None:
    site = farm.sites[C]
    url = portal(farm, C) + site.url("lookup")
    page = soup(client.get(url, params={"ma_ho_so": farm.unknown_dossier_code[C]}))
    assert page.find(class_="lookup-result").get_text(strip=True) == ""
    known = client.get(url, params={"ma_ho_so": farm.known_dossier_codes[C][0]}).text
    assert "Đang xử lý" in known


# --- login, payment, rating, feedback, support -------------------------------------------------

def test_login_and_payment_lead_to_national_stand_ins(farm: Farm, client: httpx.Client) -> None:
    home = portal(farm, A) + "/"
    page = soup(client.get(home))
    login = link(page, "Đăng nhập", home)
    assert login.startswith(farm.sso_origin)
    assert "Đăng nhập bằng tài khoản định danh điện tử VNeID" in client.get(login).text
    payment_page = soup(client.get(link(page, "Thanh toán trực tuyến", home)))
    pay = payment_page.find("a", href=re.compile(re.escape(farm.payment_origin)))["href"]
    assert "Nền tảng thanh toán trực tuyến" in client.get(pay).text


def test_rating_levels_and_posts_refused(farm: Farm, client: httpx.Client) -> None:
    for agency_id, levels in ((A, 3), (C, 2)):
        site = farm.sites[agency_id]
        url = portal(farm, agency_id) + site.url("rating")
        form = soup(client.get(url)).find("form", method="post")
        assert len(form.find_all("input", type="radio")) == levels
    text = client.get(portal(farm, A) + farm.sites[A].url("rating")).text
    assert all(level in text for level in ("Rất hài lòng", "Hài lòng", "Chưa hài lòng"))
    before = farm.posts(A)
    answer = client.post(portal(farm, A) + farm.sites[A].url("feedback"), data={"x": "1"})
    assert answer.status_code == 405 and "không khả dụng" in answer.text
    assert farm.posts(A) == [*before, farm.sites[A].url("feedback")]


def test_support_pages_and_statistics(farm: Farm, client: httpx.Client) -> None:
    base = portal(farm, A)
    site = farm.sites[A]
    assert "Hỏi đáp" in client.get(base + site.url("faq")).text
    assert "Hướng dẫn" in client.get(base + site.url("guides")).text
    stats = client.get(base + site.url("statistics")).text
    assert "Hồ sơ tiếp nhận" in stats and "đúng hạn" in stats and "hài lòng" in stats
    assert client.get(portal(farm, B) + farm.sites[B].url("statistics")).status_code == 404


def test_breadcrumbs_sitemap_robots(farm: Farm, client: httpx.Client) -> None:
    base = portal(farm, A)
    site = farm.sites[A]
    page = soup(client.get(base + site.url("faq")))
    assert page.find("nav", class_="breadcrumb") is not None
    assert client.get(base + site.url("sitemap")).status_code == 200
    assert "Sơ đồ cổng" in client.get(base + "/sitemap").text
    robots = client.get(base + "/robots.txt").text
    assert "Disallow: /\n" not in robots and "sitemap.xml" in robots
    sitemap = client.get(base + "/sitemap.xml")
    assert sitemap.status_code == 200 and sitemap.text.count("<loc>") >= 70
    assert client.get(portal(farm, C) + "/sitemap.xml").status_code == 404


# --- security ----------------------------------------------------------------------------

@pytest.mark.parametrize("agency_id", [A, B, C, SPA])
def test_http_redirects_to_https(farm: Farm, client: httpx.Client, agency_id: str) -> None:
    agency = next(a for a in farm.agencies if a.id == agency_id)
    answer = client.get(agency.http_url + "robots.txt")
    assert answer.status_code == 301
    assert answer.headers["location"] == agency.portal_url + "robots.txt"


def test_security_headers_follow_profiles(farm: Farm, client: httpx.Client) -> None:
    good = client.get(portal(farm, A) + "/").headers
    assert "max-age" in good["strict-transport-security"]
    assert "frame-ancestors" in good["content-security-policy"]
    assert good["x-frame-options"] == "SAMEORIGIN"
    assert good["x-content-type-options"] == "nosniff"
    assert good["referrer-policy"]
    cookie = good["set-cookie"]
    assert all(flag in cookie for flag in ("Secure", "HttpOnly", "SameSite"))
    weak = client.get(portal(farm, B) + "/").headers
    for name in ("strict-transport-security", "content-security-policy", "x-frame-options",
                 "x-content-type-options", "referrer-policy"):
        assert name not in weak
    assert "Secure" not in weak["set-cookie"]


# --- EMC ---------------------------------------------------------------------------------------

def test_emc_snippet_placement(farm: Farm, client: httpx.Client) -> None:
    tracker = f"'setTrackerUrl', '{farm.emc_origin}/tracking'"
    a_site, b_site = farm.sites[A], farm.sites[B]
    assert tracker in client.get(portal(farm, A) + "/").text
    assert "['setSiteId', '2271']" in client.get(portal(farm, A) + a_site.url("faq")).text
    assert tracker in client.get(portal(farm, B) + "/").text
    assert "_govaq" not in client.get(portal(farm, B) + b_site.url("faq")).text
    commented = client.get(portal(farm, C) + "/").text
    assert "<!-- Begin EMC Tracking Code (tạm tắt)" in commented


def test_emc_stand_in_serves_script_and_records_hits(farm: Farm, client: httpx.Client) -> None:
    script = client.get(farm.emc_origin + "/embed/gov-tracking.min.js")
    assert script.status_code == 200 and "_govaq" in script.text and "idsite" in script.text
    hit = client.get(farm.emc_origin + "/tracking",
                     params={"idsite": "2271", "url": "https://x/", "action": "pageview"})
    assert hit.status_code == 204
    last = farm.emc_hits()[-1]
    assert (last["site_id"], last["url"], last["action"]) == ("2271", "https://x/", "pageview")


# --- the single-page app ---------------------------------------------------------------------

def test_spa_shell_has_no_links_but_api_has_data(farm: Farm, client: httpx.Client) -> None:
    base = portal(farm, SPA)
    shell = client.get(base + "/").text
    assert "<app-root></app-root>" in shell and "<a " not in shell
    assert "/static/spa.js" in shell
    assert client.get(base + "/static/spa.js").status_code == 200
    catalogue = client.get(base + "/api/procedures", params={"page": 2}).json()
    assert catalogue["total"] >= 60 and catalogue["pages"] >= 3 and catalogue["items"]
    info = client.get(base + "/api/site").json()
    assert any(item.get("route") == "/vi/tra-cuu-ho-so" for item in info["nav"])
    found = client.get(base + "/api/procedures/search", params={"q": "ket hon"}).json()
    assert "Đăng ký kết hôn" in [item["name"] for item in found["items"]]
    detail = client.get(base + f"/api/procedures/{found['items'][0]['ma']}").json()
    assert detail["fee"] and detail["deadline"] and detail["documents"]
    known = client.get(base + "/api/dossiers",
                       params={"ma_ho_so": farm.known_dossier_codes[SPA][0]})
    assert known.status_code == 200 and known.json()["dossier"]["status"] == "Đang xử lý"
    unknown = client.get(base + "/api/dossiers",
                         params={"ma_ho_so": farm.unknown_dossier_code[SPA]})
    assert unknown.status_code == 404 and "Không tìm thấy hồ sơ" in unknown.json()["message"]
    assert client.get(base + "/vi/thu-tuc").text == shell  # history routes get the shell too


# --- hand-over and broken ----------------------------------------------------------------------

def test_handover_redirects_to_national_home(farm: Farm, client: httpx.Client) -> None:
    answer = client.get(portal(farm, HANDOVER) + "/")
    assert answer.status_code == 302
    target = answer.headers["location"]
    assert target == farm.national_portal_origin + "/p/home/dvc-trang-chu.html"
    national = client.get(target)
    assert national.status_code == 200
    assert "CỔNG DỊCH VỤ CÔNG QUỐC GIA" in soup(national).find("header").get_text()
    base = farm.national_portal_origin
    search = client.get(base + "/p/home/dvc-danh-muc-dich-vu-cong.html",
                        params={"search": "khai sinh"})
    assert "Đăng ký khai sinh" in search.text
    detail = client.get(base + "/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html",
                        params={"ma_thu_tuc": "1.001193"})
    assert detail.status_code == 200 and "Mức độ 4" in detail.text
    miss = client.get(base + "/p/home/dvc-tra-cuu-ho-so.html",
                      params={"ma_ho_so": "G01.99.08-240102-9999"}).text
    assert "Có lỗi xảy ra" in miss and "Không tìm thấy hồ sơ" not in miss


def test_broken_portal_500_then_hangs(farm: Farm, client: httpx.Client) -> None:
    base = portal(farm, BROKEN)
    assert client.get(base + "/").status_code == 500
    with pytest.raises(httpx.TimeoutException):
        client.get(base + "/thu-tuc-hanh-chinh", timeout=0.5)


# --- timing truth and run-time controls ----------------------------------------------------------

def ttfb(client: httpx.Client, url: str, tries: int = 3) -> float:
    """Seconds from sending a GET until its headers arrived: the quietest of a few tries
    on a warm keep-alive connection."""
    client.get(url).read()
    best = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        with client.stream("GET", url) as response:
            best = min(best, time.perf_counter() - started)
            response.read()
    return best


@pytest.mark.parametrize("agency_id", [A, B])
def test_latency_truth(farm: Farm, client: httpx.Client, agency_id: str) -> None:
    delay = farm.latency_ms(agency_id) / 1000
    assert delay == pytest.approx(farm.sites[agency_id].profile.latency_ms * SCALE / 1000)
    measured = ttfb(client, portal(farm, agency_id) + "/")
    assert delay <= measured <= delay + 0.060


def test_set_latency_takes_effect(farm: Farm, client: httpx.Client) -> None:
    before = farm.latency_ms(A)
    farm.set_latency(A, 300)
    try:
        measured = ttfb(client, portal(farm, A) + "/")
        assert 0.300 <= measured <= 0.360
    finally:
        farm.set_latency(A, int(before))


def test_disable_lookup_takes_effect(farm: Farm, client: httpx.Client) -> None:
    base = portal(farm, A)
    lookup = farm.sites[A].url("lookup")
    farm.disable(A, "lookup")
    try:
        assert client.get(base + lookup).status_code == 404
        home = soup(client.get(base + "/"))
        assert home.find("a", href=lookup) is None
        assert "Tra cứu hồ sơ" not in [a.get_text(strip=True) for a in home.find_all("a")]
    finally:
        farm.enable(A, "lookup")
    assert client.get(base + lookup).status_code == 200


def test_request_log_records_paths(farm: Farm, client: httpx.Client) -> None:
    before = len(farm.request_log(B))
    client.get(portal(farm, B) + "/robots.txt")
    log = farm.request_log(B)
    assert len(log) == before + 1 and log[-1][1] == "/robots.txt"
    assert abs(log[-1][0] - time.time()) < 5


def test_stop_returns_quickly_with_a_hanging_request(tmp_path: Path) -> None:
    extra = start_farm(tmp_path, latency_scale=SCALE)
    url = next(a.portal_url for a in extra.agencies if a.id == BROKEN) + "gioi-thieu"
    context = ssl.create_default_context(cafile=extra.ca_file)
    hanging = threading.Thread(target=_swallow, args=(url, context), daemon=True)
    hanging.start()
    deadline = time.monotonic() + 2
    while not extra.request_log(BROKEN) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert extra.request_log(BROKEN), "the hanging request never arrived"
    started = time.monotonic()
    extra.stop()
    assert time.monotonic() - started < 2.0
    hanging.join(timeout=2)
    assert not hanging.is_alive()


def _swallow(url: str, context: ssl.SSLContext) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(url, verify=context, timeout=30)


def test_copies_serve_each_portal_again_on_its_own_ports(tmp_path: Path) -> None:
    with start_farm(tmp_path, latency_scale=SCALE, copies=2) as doubled, \
            httpx.Client(verify=ssl.create_default_context(cafile=doubled.ca_file)) as http:
        ids = [a.id for a in doubled.agencies]
        assert len(ids) == len(set(ids)) == 14 and "tinh-binh-minh-2" in ids
        urls = {a.id: a.portal_url for a in doubled.agencies}
        assert len(set(urls.values())) == 14
        original = http.get(urls["tinh-binh-minh"])
        copy = http.get(urls["tinh-binh-minh-2"])
        titles = [BeautifulSoup(r.text, "html.parser").title.string for r in (original, copy)]
        assert copy.status_code == 200 and titles[0] == titles[1]
        assert doubled.expected_grades["tinh-binh-minh-2"] == doubled.expected_grades[
            "tinh-binh-minh"]
