"""The layout family (L1-L4): pure helpers, then the checks on the fixture portals."""

from __future__ import annotations

import pytest

from checks import layout as L
from checks._dom import Link
from probe.models import PageInfo, SiteMap
from probe.observations import CATALOGUE
from tests.fixtures.checks_fl.runner import PortalRun, fixture_results

LAYOUT_NAMES = [n for n, s in CATALOGUE.items() if s.check == "layout"]


@pytest.mark.parametrize(("name", "header", "named"), [
    ("Tỉnh Quảng Ninh", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", True),
    ("UBND tỉnh Quảng Ninh", "Cổng dịch vụ công Quảng Ninh", True),
    ("Tỉnh Quảng Ninh", "CỔNG DỊCH VỤ CÔNG QUANG NINH", True),
    ("Thành phố Hồ Chí Minh", "UBND TP. Hồ Chí Minh", True),
    ("Bộ Kinh tế Biển", "BỘ KINH TẾ BIỂN", True),
    ("Thành phố Huế", "Cổng dịch vụ công Thừa Thiên Huế", True),
    ("Tỉnh Quảng Ninh", "CỔNG DỊCH VỤ CÔNG QUỐC GIA", False),
    ("Tỉnh Ninh Bình", "Tỉnh Bình Định", False),
    ("Bộ Y tế", "Cổng dịch vụ công", False),
])
def test_names_agency_tolerates_prefixes(name: str, header: str, named: bool) -> None:
    assert L.names_agency(header, name) is named


def test_name_core_strips_administrative_prefixes() -> None:
    assert L.name_core("UBND tỉnh Bắc Ninh") == "bac ninh"
    assert L.name_core("Ủy ban nhân dân Thành phố Hà Nội") == "ha noi"
    assert L.name_core("Bộ Y tế") == "bo y te"


def test_nav_sections_counts_the_nine_standard_sections() -> None:
    links = [Link(text, "") for text in (
        "Thủ tục hành chính", "Nộp hồ sơ trực tuyến", "Tra cứu hồ sơ", "Thanh toán trực tuyến",
        "Phản ánh, kiến nghị", "Đánh giá sự hài lòng", "Thống kê", "Hỏi đáp", "Đăng nhập")]
    found, missing = L.nav_sections(links)
    assert missing == [] and len(found) == 9
    found, missing = L.nav_sections(links[:1] + [Link("Tra cứu thủ tục", "")])
    assert found == ["catalogue"] and "lookup" in missing


def test_footer_fields_reads_labels_phone_and_email() -> None:
    text = ("Cơ quan chủ quản: UBND tỉnh X\nĐịa chỉ: Số 1 Trần Phú\nĐiện thoại: 0203 3 634 444\n"
            "Email: dvc@x.gov.vn\nNgười chịu trách nhiệm: Ông A")
    assert L.footer_fields(text, mailto=False) == (list(L.FOOTER_LABELS), [])
    found, missing = L.footer_fields("© 2024 Bản quyền thuộc về cổng thông tin", mailto=True)
    assert found == ["email"] and len(missing) == 4


def test_crumb_text_ignores_menus_that_the_home_page_has_too() -> None:
    home = "Trang chủ / Thủ tục / Liên hệ\nChào mừng"
    assert L.crumb_text("Trang chủ / Thủ tục / Liên hệ\nĐăng ký khai sinh", home) is None
    assert L.crumb_text("Menu\nTrang chủ > Thủ tục hành chính > Đăng ký khai sinh", home) == \
        "Trang chủ > Thủ tục hành chính > Đăng ký khai sinh"


def test_service_depth_is_the_deepest_service_page() -> None:
    sitemap = SiteMap("http://p/", pages=[
        PageInfo("http://p/", "home", 0), PageInfo("http://p/faq", "faq", 5),
        PageInfo("http://p/tra-cuu", "lookup", 1), PageInfo("http://p/tt/1", "procedure", 3)])
    observation = L.service_depth(sitemap)
    assert (observation.value, observation.unit, observation.page) == (3, "clicks",
                                                                     "http://p/tt/1")
    empty = L.service_depth(SiteMap("http://p/", pages=[PageInfo("http://p/", "home", 0)]))
    assert (empty.outcome, empty.value) == ("probe_error", None)


@pytest.fixture(scope="module")
def runs() -> dict[str, PortalRun]:
    return fixture_results()


def test_every_layout_observation_is_recorded_once(runs: dict[str, PortalRun]) -> None:
    for kind, run in runs.items():
        names = [o.name for o in run.observations if o.check == "layout"]
        assert sorted(names) == sorted(LAYOUT_NAMES), kind
        for o in run.observations:
            assert o.detail and o.page, (kind, o)


def test_good_portal_layout(runs: dict[str, PortalRun]) -> None:
    run = runs["good"]
    assert run.value("header.agency_name") is True
    assert run.value("header.logo") is True
    assert run.value("nav.sections") == 1.0
    assert run.value("nav.max_service_depth") == 3
    assert run.value("footer.fields") == 1.0
    assert run.value("sitemap_or_breadcrumbs") is True
    assert run.one("header.agency_name").artifacts  # a screenshot of the home page


def test_bad_portal_layout(runs: dict[str, PortalRun]) -> None:
    run = runs["bad"]
    assert run.value("header.agency_name") is False
    assert run.value("header.logo") is False
    assert run.value("nav.sections") == pytest.approx(3 / 9, abs=1e-3)
    assert run.one("nav.max_service_depth").outcome == "probe_error"
    assert run.value("footer.fields") == 0.0
    assert run.value("sitemap_or_breadcrumbs") is False  # the menu is not breadcrumbs


def test_single_page_app_layout_is_read_from_the_rendered_dom(
        runs: dict[str, PortalRun]) -> None:
    run = runs["spa"]
    assert run.value("header.agency_name") is True
    assert "svg" in run.one("header.logo").detail
    # the login is a button: it still counts; no 'Nộp hồ sơ' entry is linked
    assert run.value("nav.sections") == pytest.approx(8 / 9, abs=1e-3)
    assert "online" in run.one("nav.sections").detail
    assert run.value("footer.fields") == 1.0
    assert run.value("sitemap_or_breadcrumbs") is False


@pytest.mark.parametrize("kind", ["down", "closed"])
def test_unreachable_portal_gives_portal_errors(runs: dict[str, PortalRun], kind: str) -> None:
    observations = [o for o in runs[kind].observations if o.check == "layout"]
    assert {(o.outcome, o.value) for o in observations} == {("portal_error", None)}
    assert len(observations) == len(LAYOUT_NAMES)


def test_a_sitemap_xml_is_not_the_site_map_people_read() -> None:
    """L4 asks for a site map page: the crawl classifies a linked sitemap.xml as 'sitemap'
    too, and it must not earn the item."""
    from types import SimpleNamespace

    home = "https://p.gov.vn/"
    xml_only = SiteMap(portal=home, pages=[
        PageInfo(url=home + "sitemap.xml", type="sitemap", depth=1)])
    links = [Link("Sơ đồ trang", home + "sitemap.xml?v=2")]
    assert L._sitemap_target(SimpleNamespace(sitemap=xml_only), links, home) == (None, "")
    both = SiteMap(portal=home, pages=[
        PageInfo(url=home + "sitemap.xml", type="sitemap", depth=1),
        PageInfo(url=home + "so-do-trang", type="sitemap", depth=1)])
    assert L._sitemap_target(SimpleNamespace(sitemap=both), links, home) == (
        home + "so-do-trang", "site map (discovery)")
