"""The functions family (F1-F10) and its shared helpers.

Pure helpers are tested directly; the checks run in a real browser against small fixture
portals served on 127.0.0.1 (tests/fixtures/checks_fl): a good server-rendered portal, a
bad one, a hash-routed single-page app, one with a captcha on its look-up form, one
answering 503 and a closed port. The farm-based tests are in test_check_functions_farm.py.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from checks import functions as F
from checks._dom import (
    DOSSIER_CODE,
    LOOKUP_FIELD,
    SEARCH_FIELD,
    FormInfo,
    Link,
    PortalError,
    UnsafeFormError,
    find_field,
    fold,
    has_phrase,
    is_reading_form,
    links_matching,
    observe,
    open_url,
    phone_numbers,
    submit_reading_form,
    url_template,
)
from probe.browser import launch
from probe.context import PortalContext, ProbeSettings
from probe.models import Agency, Observation, PageInfo, SiteMap
from probe.observations import CATALOGUE
from tests.fixtures.checks_fl.portals import KNOWN_CODE, serve
from tests.fixtures.checks_fl.runner import PortalRun, fixture_results

FUNCTION_NAMES = [n for n, s in CATALOGUE.items() if s.check == "functions"]


# ------------------------------------------------------------------------------------
# Text helpers
# ------------------------------------------------------------------------------------

def test_fold_strips_vietnamese_marks_and_d() -> None:
    assert fold("  Tra CỨU   hồ sơ Đường dây nóng ") == "tra cuu ho so duong day nong"


def test_has_phrase_matches_whole_words_accent_insensitively() -> None:
    assert has_phrase("Phí, lệ phí: 8.000 đồng", ("phí",))
    assert not has_phrase("phía trước", ("phí",))
    assert has_phrase("TRA CỨU HỒ SƠ", ("tra cứu hồ sơ",))


def test_dossier_code_pattern_accepts_official_formats() -> None:
    for code in ("G22.99.08-250312-0007", "000.00.19.H71-250312-0007", KNOWN_CODE):
        assert DOSSIER_CODE.fullmatch(code)
    assert not DOSSIER_CODE.search("Lệ phí: 8.000 đồng, ngày 12/01/2024")


def test_phone_numbers_finds_vietnamese_numbers_only() -> None:
    assert phone_numbers("Đường dây nóng: 1900 8198") == ["1900 8198"]
    assert phone_numbers("Tổng đài 18001096") == ["18001096"]
    assert phone_numbers("ĐT: (0203) 3 634 444") == ["(0203) 3 634 444"]
    assert phone_numbers("Lệ phí 8.000 đồng; 125.400 hồ sơ; 12/01/2024") == []


def test_hotline_needs_a_number_near_the_word() -> None:
    assert F.hotline_in("Đường dây nóng hỗ trợ: 1900 8198") == "1900 8198"
    assert F.hotline_in("Hotline: 0263 1088") == "0263 1088"
    assert F.hotline_in("Liên hệ đường dây nóng để được hỗ trợ") is None
    # the short public-service lines many provinces publish
    assert F.hotline_in("Tổng đài 1022 hỗ trợ người dân") == "1022"
    assert F.hotline_in("Tổng đài: 1022.") == "1022"
    assert F.hotline_in("Hỗ trợ 24/7") is None and F.hotline_in("tổng đài 1022.5 triệu") is None


@pytest.mark.parametrize(("listed", "name"), [
    ("1.004227.000.00.00.H12 - Đăng ký khai sinh", "Đăng ký khai sinh"),
    ("1.004227 - Đăng ký kết hôn", "Đăng ký kết hôn"),
    ("3. Cấp giấy phép xây dựng", "Cấp giấy phép xây dựng"),
    ("UBND xã cấp bản sao", "UBND xã cấp bản sao"),
    ("Thủ tục thuộc lĩnh vực biên…", "Thủ tục thuộc lĩnh vực"),  # the list cut it: whole words
])
def test_a_listed_procedure_s_name_is_its_words_only(listed: str, name: str) -> None:
    assert F.clean_name(listed) == name


def test_field_share_counts_the_six_procedure_fields() -> None:
    share, missing = F.field_share("Mã thủ tục: 1.001193\nCơ quan thực hiện: UBND\nMức độ: "
                                   "Toàn trình\nThành phần hồ sơ: tờ khai\nLệ phí: 8.000 đồng\n"
                                   "Thời hạn giải quyết: 03 ngày")
    assert share == 1.0 and missing == []
    share, missing = F.field_share("Cơ quan thực hiện: UBND cấp xã\nMức độ 4")
    assert share == pytest.approx(2 / 6, abs=1e-3)
    assert missing == ["code", "documents", "fee", "deadline"]


def test_listed_total_reads_printed_counts() -> None:
    assert F.listed_total("Tổng số: 1.234 thủ tục") == 1234
    assert F.listed_total("Tìm thấy 71 kết quả") == 71
    assert F.listed_total("Danh mục thủ tục hành chính") is None


def test_distinctive_query_prefers_the_distinctive_end_of_a_name() -> None:
    names = ["Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử"]
    assert F.distinctive_query("Đăng ký kết hôn", names[:1] + names[2:]) == "kết hôn"
    assert F.distinctive_query("Đăng ký khai sinh", ["Đăng ký khai sinh có yếu tố nước ngoài"]) \
        is None
    assert F.choose_query(["Đăng ký khai sinh", "Đăng ký khai sinh có yếu tố nước ngoài"]) == \
        ("Đăng ký khai sinh có yếu tố nước ngoài", "nước ngoài")


def test_example_code_prefers_a_code_near_vi_du() -> None:
    text = "Hồ sơ gần đây: G22.99.08-250101-0001\nVí dụ: G22.99.08-250312-0007"
    assert F.example_code(text) == "G22.99.08-250312-0007"
    assert F.example_code("Nhập mã hồ sơ") is None


def test_known_code_prefers_the_operators_code_then_a_published_example() -> None:
    settings = ProbeSettings(extra={"known_dossier_code": "G22.99.08-250101-0001"})
    ctx = PortalContext(Agency("x", "Bộ X", "ministry", "http://p/"), SiteMap("http://p/"),
                        None, None, settings)  # type: ignore[arg-type]  # no browser needed
    probe = F.FunctionsProbe(ctx, None, F.Home("http://p/", [], "Ví dụ: G22.99.08-250312-0007"))  # type: ignore[arg-type]
    assert probe.known_code("") == "G22.99.08-250101-0001"
    settings.extra.clear()
    assert probe.known_code("") == "G22.99.08-250312-0007"
    assert probe.known_code("Mã hồ sơ (VD: G22.99.08-250401-0002)") == "G22.99.08-250401-0002"


def test_the_toan_trinh_label_names_the_same_page_whichever_page_loaded_first() -> None:
    ctx = PortalContext(Agency("x", "Bộ X", "ministry", "http://p/"), SiteMap("http://p/"),
                        None, None, ProbeSettings())  # type: ignore[arg-type]  # no browser
    pages = {"http://p/thu-tuc/2": "Mức độ: Toàn trình", "http://p/thu-tuc/1": "Toàn trình",
             "http://p/dvc": "Danh sách thủ tục"}
    named = set()
    for order in (list(pages), list(reversed(pages))):
        probe = F.FunctionsProbe(ctx, None, F.Home("http://p/", [], ""))  # type: ignore[arg-type]
        probe.catalogue_url = "http://p/dvc"
        probe.service_texts = {url: pages[url] for url in order}
        named.add(probe.toan_trinh().page)
    assert named == {"http://p/thu-tuc/1"}
    probe.service_texts["http://p/dvc"] = "Dịch vụ công toàn trình"  # the catalogue first
    assert probe.toan_trinh().page == "http://p/dvc"


def test_the_submission_entry_is_the_first_sampled_pages_link_whichever_loads_first() -> None:
    ctx = PortalContext(Agency("x", "Bộ X", "ministry", "http://p/"), SiteMap("http://p/"),
                        None, None, ProbeSettings())  # type: ignore[arg-type]  # no browser
    sample = ["http://p/thu-tuc/1", "http://p/thu-tuc/2", "http://p/thu-tuc/3"]

    async def chosen(found_in_order: list[tuple[str, list[F.Link]]]) -> F.Link | None:
        probe = F.FunctionsProbe(ctx, None, F.Home("http://p/", [], ""))  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        probe.entry_links = {url: loop.create_future() for url in sample}
        probe.entry_ready.set()
        choosing = asyncio.ensure_future(probe.first_entry_link())
        for url, links in found_in_order:
            await asyncio.sleep(0.01)
            assert not choosing.done()  # an earlier sampled page is still unread
            probe.entry_links_found(url, links)
        return await asyncio.wait_for(choosing, 1)

    def entry(n: int) -> list[F.Link]:
        return [F.Link("Nộp hồ sơ trực tuyến", f"http://p/nop-ho-so/{n}")]

    # the third page loads first, the second next, the first (without a link) last
    link = asyncio.run(chosen([(sample[2], entry(3)), (sample[1], entry(2)), (sample[0], [])]))
    assert link is not None and link.href == "http://p/nop-ho-so/2"
    link = asyncio.run(chosen([(sample[0], entry(1))]))  # no wait for the later pages
    assert link is not None and link.href == "http://p/nop-ho-so/1"


def test_unknown_code_is_well_formed_today_with_sequence_9999() -> None:
    code = F.unknown_code("000.00.19.H71-250312-0007", date(2026, 1, 2))
    assert code == "000.00.19.H71-260102-9999"
    assert DOSSIER_CODE.fullmatch(code)
    assert DOSSIER_CODE.fullmatch(F.unknown_code(None))


def test_lookup_outcome_reads_status_versus_not_found() -> None:
    before = "Tra cứu hồ sơ\nNhập mã hồ sơ để xem tình trạng"
    after = before + "\nMã hồ sơ: X\nTrạng thái: Đang xử lý"
    assert F.read_outcome(F.new_lines(before, after)) == (True, False)
    assert F.read_outcome("Không tìm thấy hồ sơ có mã X") == (False, True)
    assert F.read_outcome(F.new_lines(before, before)) == (False, False)
    assert F.read_outcome("Có lỗi xảy ra trong quá trình xử lý") == (False, False)


@pytest.mark.parametrize(("text", "outcome"), [
    ("Hồ sơ đang được xử lý. Ghi chú: Không có thông tin bổ sung.", (True, False)),
    ("Trạng thái: Đã trả kết quả | Tệp đính kèm: Không có dữ liệu", (True, False)),
    ("Trạng thái: Không có dữ liệu", (False, True)),  # a label, then nothing: not found
    ("Không tìm thấy hồ sơ. Trạng thái: đang xử lý", (False, True)),
])
def test_an_empty_cell_on_a_status_page_is_not_a_not_found(text: str,
                                                           outcome: tuple[bool, bool]) -> None:
    assert F.read_outcome(text) == outcome


def test_rating_levels_need_labels_of_their_own() -> None:
    assert F.rating_levels(["Rất hài lòng", " Hài lòng ", "Chưa hài lòng 🙁"]) == \
        list(F.RATING_LEVELS)
    assert F.rating_levels(["Đánh giá mức độ hài lòng", "Hài lòng", "Không hài lòng"]) == \
        ["hai long"]
    assert F.rating_levels(["Mức độ hài lòng", "Rất hài lòng", "Chưa hài lòng"]) == \
        ["rat hai long", "chua hai long"]  # the scale's heading is not its middle level


@pytest.mark.parametrize(("text", "href", "logs_in"), [
    ("Tải ứng dụng VNeID", "https://vneid.gov.vn/", False),  # a promotion banner
    ("VNeID", "https://vneid.gov.vn/huong-dan-su-dung", False),
    ("Đăng nhập", "https://xacthuc.dichvucong.gov.vn/oauth2/authorize?client_id=x", True),
    ("", "https://sso.dancuquocgia.gov.vn/oauth2/authorize?x=1", True),  # an icon button
    ("Đăng nhập bằng VNeID", "https://vneid.gov.vn/", True),
])
def test_a_home_link_to_a_national_sso_host_counts_only_when_it_logs_in(
        text: str, href: str, logs_in: bool) -> None:
    assert F.is_login_link(Link(text, href)) is logs_in


@pytest.mark.parametrize(("info", "captcha"), [
    (FormInfo("post", "/x", "Tra cứu hồ sơ", ["Tra cứu"], fields=["txtCaptcha"]), True),
    (FormInfo("post", "/x", "Tra cứu", [], fields=["img CaptchaImage.axd?guid=1"]), True),
    (FormInfo("post", "/x", "Nhập mã xác thực", ["Tra cứu"]), True),
    (FormInfo("post", "/x", "Mã bảo mật", ["Tra cứu"]), True),
    (FormInfo("post", "/x", "Tra cứu hồ sơ", ["Tra cứu"], fields=["ma_ho_so"]), False),
])
def test_a_captcha_is_seen_by_its_words_or_its_field_s_name(info: FormInfo,
                                                            captcha: bool) -> None:
    assert F.asks_captcha(info) is captcha


@pytest.mark.parametrize("cards", [
    "125.400\nHồ sơ tiếp nhận\n122.101\nHồ sơ đã giải quyết\n97,6%\nTỷ lệ đúng hạn\n"
    "98%\nMức độ hài lòng",  # the figure above its label, as dashboards show it
    "Hồ sơ tiếp nhận\n125.400\nHồ sơ đã giải quyết\n122.101\nTỷ lệ đúng hạn\n97,6%\n"
    "Mức độ hài lòng\n98%",  # the label above
])
def test_dashboard_cards_pair_each_figure_with_its_own_label(cards: str) -> None:
    assert F.statistic_fields(cards) == {"tiếp nhận": "125.400", "đã giải quyết": "122.101",
                                         "đúng hạn": "97,6%", "hài lòng": "98%"}


def test_statistic_fields_name_each_f10_figure_and_what_is_missing() -> None:
    table = ("Hồ sơ tiếp nhận\t125.400\nHồ sơ tiếp nhận trực tuyến\t80.000\n"
             "Hồ sơ đã giải quyết\t122.101\nTỷ lệ giải quyết đúng hạn\t97,6%\n")
    found = F.statistic_fields(table)
    assert found == {"tiếp nhận": "125.400", "đã giải quyết": "122.101", "đúng hạn": "97,6%"}
    assert F.fields_detail(found) == ("tiếp nhận: 125.400; đã giải quyết: 122.101; "
                                      "đúng hạn: 97,6%; thiếu (missing): hài lòng")
    widget = "Tiếp nhận 9.000 hồ sơ; đã xử lý 8.700; mức độ hài lòng 96,5%"
    assert set(F.statistic_fields(widget)) == {"tiếp nhận", "đã giải quyết", "hài lòng"}
    assert F.statistic_fields("Ngày tiếp nhận 02/06/2025") == {}


def test_statistics_need_two_labelled_figures_not_dates() -> None:
    assert F.has_statistics("Hồ sơ đã tiếp nhận: 125.400\nTỷ lệ giải quyết đúng hạn: 97,6%")
    assert not F.has_statistics("Triển khai tiếp nhận hồ sơ trực tuyến 02/06/2025\n"
                                "Bảo trì từ 22h00 đến 02h00, đã xử lý 03/06/2025")


def test_procedure_links_skip_menus_and_pagination() -> None:
    home = [Link("Thủ tục hành chính", "http://p/thu-tuc", "nav"),
            Link("Đăng ký khai sinh", "http://p/thu-tuc/1.001193", "main")]
    page = [*home, Link("Trang sau", "http://p/thu-tuc?page=2"),
            Link("Đăng ký kết hôn", "http://p/thu-tuc/1.001240"),
            Link("Đăng ký khai tử", "http://p/thu-tuc/1.001287"),
            Link("Giới thiệu về cổng", "http://p/gioi-thieu")]
    found = F.procedure_links(page, home, "http://p/thu-tuc")
    assert [link.text for link in found] == ["Đăng ký khai sinh", "Đăng ký kết hôn",
                                             "Đăng ký khai tử"]


def test_procedure_links_leave_out_the_rows_submission_buttons() -> None:
    """Both links of a row share the shape /p/home/{}?ma_thu_tuc; only one is the procedure."""
    rows = [Link(text, f"http://p/p/home/{page}.html?ma_thu_tuc={code}")
            for code in ("1.001193", "1.001240")
            for text, page in ((f"Thủ tục {code}", "dvc-tthc-chi-tiet"),
                               ("Nộp hồ sơ", "dvc-nop-ho-so"))]
    found = F.procedure_links(rows, [], "http://p/p/home/dvc-dich-vu-cong-truc-tuyen.html")
    assert [link.href.split("/")[-1] for link in found] == [
        "dvc-tthc-chi-tiet.html?ma_thu_tuc=1.001193", "dvc-tthc-chi-tiet.html?ma_thu_tuc=1.001240"]


def test_url_template_generalises_ids_and_hash_routes() -> None:
    assert url_template("https://p/thu-tuc/1.004227") == url_template("https://p/thu-tuc/x-y")
    assert url_template("https://p/#/vi/thu-tuc/12") == "/vi/thu-tuc/{}"
    assert url_template("https://p/chi-tiet?ma=1&x=2") == "/{}?ma&x"


def test_links_matching_prefers_menu_items_over_headlines() -> None:
    links = [Link("Công bố danh mục thủ tục hành chính được chuẩn hóa năm 2025", "http://p/a"),
             Link("Thủ tục hành chính", "http://p/b", "nav"),
             Link("Danh mục thủ tục", "http://p/c", "nav", visible=False)]
    assert [x.href for x in links_matching(links, ("danh mục thủ tục", "thủ tục hành chính"))] \
        == ["http://p/b", "http://p/a", "http://p/c"]


# ------------------------------------------------------------------------------------
# The read-only guard
# ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("info", "allowed"), [
    (FormInfo("get", "/tim-kiem", "Tìm kiếm thủ tục", ["Tìm kiếm"]), True),
    (FormInfo("post", "/TraCuu", "Tra cứu hồ sơ", ["Tra cứu"]), True),
    (FormInfo(None, "", "Tra cứu hồ sơ trực tuyến", [""]), True),
    (FormInfo("post", "/phan-anh/gui", "Phản ánh", ["Gửi phản ánh"], textareas=1), False),
    (FormInfo("post", "/danh-gia", "Đánh giá", ["Gửi đánh giá"]), False),
    (FormInfo("post", "/nop-ho-so", "Nộp hồ sơ", ["Nộp hồ sơ"], has_file=True), False),
    (FormInfo("post", "/login", "Đăng nhập", ["Đăng nhập"], has_password=True), False),
    (FormInfo("get", "/thanh-toan", "", ["Thanh toán"]), False),
    (FormInfo("post", "/x", "Thông tin", ["OK"]), False),
    (FormInfo("get", "/nop-ho-so", "", [""]), False),
    # Actions written in CamelCase or run together, English endpoints, other spellings
    (FormInfo("get", "/DanhGiaHaiLong.aspx", "", [""]), False),
    (FormInfo("get", "/danhgiahailong.aspx", "", [""]), False),
    (FormInfo("post", "/DanhGia/Create", "Tra cứu hồ sơ để đánh giá", ["Đồng ý"]), False),
    (FormInfo("get", "/api/rating", "", [""]), False),
    (FormInfo("get", "/khao-sat", "", [""]), False),
    (FormInfo("get", "/payment/checkout", "", [""]), False),
    (FormInfo("post", "/x", "Tra cứu", ["Gởi ý kiến"]), False),
    (FormInfo("post", "/x", "Tra cứu", ["Hoàn tất"]), False),
    (FormInfo("post", "/x", "Tra cứu", ["Ðánh giá"]), False),  # Ð (U+00D0), legacy text
    (FormInfo("post", "/TraCuuHoSo.aspx", "Tra cứu hồ sơ", ["Tra cứu"]), True),
    (FormInfo("get", "/Portal/TimKiem/Index", "", [""]), True),
])
def test_is_reading_form_allows_only_search_and_lookup(info: FormInfo, allowed: bool) -> None:
    assert is_reading_form(info)[0] is allowed


def test_links_matching_never_offers_a_poll_s_answer_link() -> None:
    links = [Link("Rất hài lòng", "http://p/KhaoSat/BinhChon?ykien=1"),
             Link("Hài lòng", "http://p/hai-long"),
             Link("Đánh giá", "http://p/vote?id=3&value=2"),
             Link("Đánh giá sự hài lòng", "http://p/danh-gia-hai-long")]
    assert [x.href for x in links_matching(links, F.RATING_LINKS)] == [
        "http://p/danh-gia-hai-long"]


def test_submit_reading_form_refuses_writing_forms_in_a_browser() -> None:
    """The guard stops before typing: the fixture portal receives no POST."""
    portal = serve("good")

    async def scenario() -> tuple[str, str]:
        async with async_playwright() as pw:
            browser = await launch(pw, loopback_only=True)
            page = await (await browser.new_context()).new_page()
            await open_url(page, portal.url + "phan-anh-kien-nghi", 10_000)
            field = page.locator("input[name=tieu_de]")
            with pytest.raises(UnsafeFormError, match="free-text"):
                await submit_reading_form(page, field, "thử")
            typed = await field.input_value()
            await open_url(page, portal.url + "tra-cuu-ho-so", 10_000)
            lookup = await find_field(page, LOOKUP_FIELD)
            assert lookup is not None and await find_field(page, SEARCH_FIELD) is None
            why = await submit_reading_form(page, lookup, KNOWN_CODE)
            await browser.close()
            return typed, why

    try:
        typed, why = asyncio.run(scenario())
    finally:
        portal.stop()
    assert typed == "" and why == "GET form"
    assert portal.posts() == []
    assert any("tra-cuu-ho-so?ma=" in path for _, path in portal.requests)


IMAGE_SEND = """<form method="post" action="/x"><p>Tra cứu hồ sơ</p>
  <input name="ma"><input type="image" src="gui.png" alt="Gửi"></form>"""
IMG_IN_BUTTON = """<form method="post" action="/x"><p>Tra cứu hồ sơ</p>
  <input name="ma"><button><img src="b.png" alt="Bình chọn"></button></form>"""
INPUT_BUTTON = """<div><label>Tra cứu hồ sơ</label><input name="ma">
  <input type="button" value="Tra cứu" onclick="document.title = 'clicked'"></div>"""


def test_buttons_named_by_an_image_and_input_buttons_are_read_as_the_browser_shows_them(
        ) -> None:
    """An image button's alt text is its name: a "Gửi" image refuses the form. The block
    the verdict reads is the one whose button is clicked: an <input type=button> outside
    any form counts for both."""

    async def scenario() -> tuple[list[str], str]:
        async with async_playwright() as pw:
            browser = await launch(pw, loopback_only=True)
            page = await browser.new_page()
            refused = []
            for html in (IMAGE_SEND, IMG_IN_BUTTON):
                await page.set_content(html)
                try:
                    await submit_reading_form(page, page.locator("input[name=ma]"), "G22",
                                              settle_ms=200)
                except UnsafeFormError as error:
                    refused.append(str(error))
            await page.set_content(INPUT_BUTTON)
            await submit_reading_form(page, page.locator("input[name=ma]"), "G22",
                                      settle_ms=200)
            title = await page.title()
            await browser.close()
            return refused, title

    refused, title = asyncio.run(scenario())
    assert refused == ["a button writes: 'Gửi'", "a button writes: 'Bình chọn'"]
    assert title == "clicked"


HEADER = ("<nav>" + "".join(f'<a href="/m{i}">Mục {i}</a>' for i in range(30)) + "</nav>"
          '<div><input name="user"><input type="password" name="pw">'
          '<button type="button">Đăng nhập</button></div>')
WEBFORM = (f'<form method="post" action="./Default.aspx">{HEADER}'
           '<div class="tra-cuu"><label>Tra cứu hồ sơ</label><input name="ma">{button}</div>'
           "</form>")


def test_a_page_wide_web_form_is_judged_by_the_block_around_the_field() -> None:
    """ASP.NET WebForms put the whole page, header login included, in one <form>: the
    look-up block decides, its own button is clicked, and without one Enter (which would
    press the page's default button) is never pressed."""

    async def scenario() -> tuple[str, str]:
        async with async_playwright() as pw:
            browser = await launch(pw, loopback_only=True)
            page = await browser.new_page()
            await page.set_content(WEBFORM.replace("{button}", (
                '<button type="button" onclick="document.title=\'clicked\'">Tra cứu</button>')))
            why = await submit_reading_form(page, page.locator("input[name=ma]"), "G22",
                                            settle_ms=200)
            title = await page.title()
            await page.set_content(WEBFORM.replace("{button}", '<button type="button">OK</button>'))
            try:
                await submit_reading_form(page, page.locator("input[name=ma]"), "G22",
                                          settle_ms=200)
                refused = ""
            except UnsafeFormError as error:
                refused = str(error)
            await browser.close()
            return why + " / " + title, refused

    done, refused = asyncio.run(scenario())
    assert done == "the form is named a search or look-up / clicked"
    assert refused == "no search/look-up button beside the field in a page-wide form"


def test_the_look_up_is_found_past_a_guide_the_site_map_typed_as_look_up(
        tmp_path: Path) -> None:
    """The shallowest 'lookup' page of a map can be a guide to the look-up; the next one
    is tried."""
    from probe.evidence import EvidenceStore

    portal = serve("good")
    sitemap = SiteMap(portal.url, pages=[
        PageInfo(portal.url, "home", 0),
        PageInfo(portal.url + "huong-dan-su-dung", "lookup", 1),
        PageInfo(portal.url + "tra-cuu-ho-so", "lookup", 2)])

    async def scenario() -> list[Observation]:
        async with async_playwright() as pw:
            browser = await launch(pw, loopback_only=True)
            ctx = PortalContext(Agency("good", "Tỉnh Ngọc Sơn", "province", portal.url),
                                sitemap, browser, EvidenceStore(tmp_path, "good"),
                                ProbeSettings(page_timeout_ms=10_000))
            try:
                return await F.run(ctx)
            finally:
                await browser.close()

    try:
        found = asyncio.run(scenario())
    finally:
        portal.stop()
    (form,) = [o for o in found if o.name == "lookup.form"]
    assert form.value is True and form.page == portal.url + "tra-cuu-ho-so", form


def test_open_url_waits_out_one_429_and_reports_a_second() -> None:
    portal = serve("good")

    async def scenario() -> tuple[int | None, str]:
        async with async_playwright() as pw:
            browser = await launch(pw, loopback_only=True)
            page = await (await browser.new_context()).new_page()
            loaded = await open_url(page, portal.url + "gioi-han", 10_000)
            try:
                await open_url(page, portal.url + "luon-gioi-han", 10_000)
                again = "no error"
            except PortalError as error:
                again = str(error)
            await browser.close()
            return loaded.status, again

    try:
        status, again = asyncio.run(scenario())
    finally:
        portal.stop()
    assert status == 404  # the second try got through (to a page that does not exist)
    assert "429" in again and "rate-limited" in again


# ------------------------------------------------------------------------------------
# The checks on the fixture portals
# ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def runs() -> dict[str, PortalRun]:
    return fixture_results()


def test_every_function_observation_is_recorded_and_catalogued(runs: dict[str, PortalRun]) -> None:
    for kind, run in runs.items():
        names = {o.name for o in run.observations if o.check == "functions"}
        assert names == set(FUNCTION_NAMES), kind
        for o in run.observations:
            assert o.unit == CATALOGUE[o.name].unit and o.detail and o.page, (kind, o)


def test_good_portal_has_every_function(runs: dict[str, PortalRun]) -> None:
    run = runs["good"]
    for name in FUNCTION_NAMES:
        for o in run.of(name):
            assert o.outcome == "ok", o
            expected = {"catalogue.procedures": 12, "procedure.fields": 1.0,
                        "statistics.fields": 4}.get(name, True)
            assert o.value == expected, o
    assert len(run.of("procedure.fields")) == 3
    assert run.one("lookup.known_code").detail.startswith(f"code {KNOWN_CODE}")


def test_good_portal_keeps_screenshots_of_search_and_lookups(runs: dict[str, PortalRun]) -> None:
    run = runs["good"]
    assert run.evidence_root is not None
    for name in ("search.works", "lookup.known_code", "lookup.unknown_code"):
        shots = [a for a in run.one(name).artifacts if not a.endswith(".trace.zip")]
        [artifact] = shots  # and the functions check's trace
        assert (run.evidence_root / artifact).read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG


def test_bad_portal_records_missing_features_as_false(runs: dict[str, PortalRun]) -> None:
    run = runs["bad"]
    assert run.value("catalogue.present") is True
    assert run.value("catalogue.procedures") == 3
    assert run.value("catalogue.paginated") is False
    assert [o.value for o in run.of("procedure.fields")] == [pytest.approx(1 / 3, abs=1e-3)] * 3
    search = run.one("search.works")
    assert search.value is False and "ignored" in search.detail
    for name in ("lookup.form", "lookup.known_code", "lookup.unknown_code", "sso.national",
                 "submission.entry", "submission.toan_trinh_label", "payment.offered",
                 "rating.three_levels", "feedback.available", "support.faq",
                 "support.hotline", "support.guides", "statistics.published"):
        assert run.one(name).value is False, run.one(name)
        assert run.one(name).outcome == "ok"
    assert run.value("rating.available") is True
    assert "mức độ 3/4" in run.one("submission.toan_trinh_label").detail


def test_single_page_app_is_probed_on_the_rendered_dom(runs: dict[str, PortalRun]) -> None:
    run = runs["spa"]
    for name in FUNCTION_NAMES:
        for o in run.of(name):
            assert o.outcome == "ok" and o.value not in (False, None, 0), o
    assert run.value("catalogue.procedures") == 12
    assert "#/vi/" in (run.one("search.works").page or "")
    assert "sso.dancuquocgia.gov.vn" in run.one("sso.national").detail
    assert "VNForm" in run.one("rating.three_levels").detail
    assert "serves a file" in run.one("support.guides").detail  # a PDF guide


def test_captcha_on_the_lookup_form_is_a_probe_error(runs: dict[str, PortalRun]) -> None:
    run = runs["captcha"]
    assert run.value("lookup.form") is True
    for name in ("lookup.known_code", "lookup.unknown_code"):
        assert (run.one(name).outcome, run.one(name).value) == ("probe_error", None)
        assert "captcha" in run.one(name).detail


@pytest.mark.parametrize("kind", ["down", "closed"])
def test_unreachable_portal_gives_portal_errors(runs: dict[str, PortalRun], kind: str) -> None:
    observations = [o for o in runs[kind].observations if o.check == "functions"]
    assert len(observations) == len(FUNCTION_NAMES)
    assert {(o.outcome, o.value) for o in observations} == {("portal_error", None)}


def test_probe_never_posts(runs: dict[str, PortalRun]) -> None:
    for kind, run in runs.items():
        assert run.posts == [], kind


def test_guarded_turns_failures_into_outcomes() -> None:
    async def bug() -> list[Observation]:
        raise RuntimeError("boom")

    async def portal_down() -> list[Observation]:
        raise PortalError("net::ERR_CONNECTION_REFUSED loading http://p/")

    async def partial() -> list[Observation]:
        return [observe("support.faq", True, "http://p/hoi-dap", "FAQ page")]

    names = ("support.faq", "support.hotline")
    bugged = asyncio.run(F.guarded(names, bug(), "http://p/"))
    assert {(o.name, o.outcome, o.value) for o in bugged} == \
        {(n, "probe_error", None) for n in names}
    assert "RuntimeError: boom" in bugged[0].detail
    down = asyncio.run(F.guarded(names, portal_down(), "http://p/"))
    assert {o.outcome for o in down} == {"portal_error"}
    half = asyncio.run(F.guarded(names, partial(), "http://p/"))
    assert [(o.name, o.outcome) for o in half] == [("support.faq", "ok"),
                                                   ("support.hotline", "probe_error")]
