"""The packaged registries (2026, 2023): valid, complete, stable ids, honest flags. No network."""

from __future__ import annotations

import csv
import re
import shutil
import unicodedata
from pathlib import Path

import pytest

from probe import registry
from probe.models import Agency

RESULTS_2023 = Path(registry.__file__).parent / "data" / "results-2023.csv"

# Published ids: never change one (add a row instead).
IDS_2026 = ("bo-quoc-phong", "bo-cong-an", "bo-ngoai-giao", "bo-noi-vu", "bo-tu-phap",
    "bo-tai-chinh", "bo-cong-thuong", "bo-nong-nghiep-va-moi-truong", "bo-xay-dung",
    "bo-van-hoa-the-thao-va-du-lich", "bo-khoa-hoc-va-cong-nghe", "bo-giao-duc-va-dao-tao",
    "bo-y-te", "bo-dan-toc-va-ton-giao", "ngan-hang-nha-nuoc", "thanh-tra-chinh-phu",
    "van-phong-chinh-phu", "ha-noi", "hue", "hai-phong", "da-nang", "ho-chi-minh", "can-tho",
    "lai-chau", "dien-bien", "son-la", "lang-son", "quang-ninh", "thanh-hoa", "nghe-an",
    "ha-tinh", "cao-bang", "tuyen-quang", "lao-cai", "thai-nguyen", "phu-tho", "bac-ninh",
    "hung-yen", "ninh-binh", "quang-tri", "quang-ngai", "gia-lai", "khanh-hoa", "lam-dong",
    "dak-lak", "dong-nai", "tay-ninh", "vinh-long", "dong-thap", "ca-mau", "an-giang")
SEEN_2026 = {  # criteria.md: portal hosts seen in public code
    "bo-xay-dung": "dvc.moc.gov.vn", "bo-giao-duc-va-dao-tao": "dvc.moet.gov.vn",
    "bo-y-te": "dichvucongbyt.moh.gov.vn", "bo-noi-vu": "dichvucongbnv.moha.gov.vn",
    "bo-cong-thuong": "dichvucong-tthc.moit.gov.vn",
    "bo-nong-nghiep-va-moi-truong": "dichvucongnnmt.mae.gov.vn",
    "bo-van-hoa-the-thao-va-du-lich": "dichvucong.bvhttdl.gov.vn",
    "bo-tu-phap": "dichvucongnganhtuphap.moj.gov.vn",
    "ha-noi": "dichvucong.hanoi.gov.vn", "ho-chi-minh": "dichvucong.hochiminhcity.gov.vn",
    "da-nang": "dichvucong.danang.gov.vn", "quang-ninh": "dichvucong.quangninh.gov.vn",
    "ha-tinh": "dichvucong.hatinh.gov.vn", "quang-tri": "dichvucong.quangtri.gov.vn",
    "an-giang": "dichvucong.angiang.gov.vn", "ninh-binh": "dichvucong.ninhbinh.gov.vn",
    "lam-dong": "dichvucong.lamdong.gov.vn", "quang-ngai": "dichvucong.quangngai.gov.vn",
    "bac-ninh": "dichvucong.bacninh.gov.vn", "lai-chau": "dichvucong.laichau.gov.vn",
    "tuyen-quang": "dichvucong.tuyenquang.gov.vn",
}
ID_EXCEPTIONS = {"Ngân hàng Nhà nước Việt Nam": "ngan-hang-nha-nuoc"}


def slug(name: str) -> str:
    """The id rule: ASCII slug of the name without 'TP.'."""
    name = re.sub(r"^(TP\.|Thành phố)\s*", "", name).replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", name)
                   if unicodedata.category(c) != "Mn")
    return ID_EXCEPTIONS.get(name) or re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")


def rows(name: str) -> list[dict[str, str]]:
    with registry.packaged(name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def results_2023() -> list[dict[str, str]]:
    with RESULTS_2023.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", ["2023", "2026"])
def test_packaged_registries_validate_and_load(name: str) -> None:
    path = registry.packaged(name)
    assert path.is_file() and path.name == f"{name}.csv"
    assert registry.validate(path) == []
    agencies = registry.load(path)
    assert all(isinstance(a, Agency) and not a.confirmed for a in agencies)
    assert all(a.portal_url.startswith("https://") and a.home_url.startswith("https://")
               for a in agencies)


def test_2026_has_34_provinces_and_17_ministry_block_rows() -> None:
    agencies = registry.load(registry.packaged("2026"))
    assert sum(a.block == "province" for a in agencies) == 34
    assert sum(a.block == "ministry" for a in agencies) == 17
    assert tuple(a.id for a in agencies) == IDS_2026
    assert {a.valid_from for a in agencies} == {"2025-07-01"}
    assert {a.valid_to for a in agencies} == {""}


def test_2023_has_63_provinces_and_20_ministries(results_2023: list[dict[str, str]]) -> None:
    agencies = registry.load(registry.packaged("2023"))
    assert sum(a.block == "province" for a in agencies) == 63
    assert sum(a.block == "ministry" for a in agencies) == 20
    assert {a.valid_to for a in agencies} == {"2025-06-30"}
    by_name = {a.name: a for a in agencies}
    assert set(by_name) == {r["agency"] for r in results_2023}
    assert all(by_name[r["agency"]].vendor == r["vendor"] for r in results_2023)


@pytest.mark.parametrize("name", ["2023", "2026"])
def test_ids_are_unique_ascii_slugs_of_the_names(name: str) -> None:
    agencies = registry.load(registry.packaged(name))
    ids = [a.id for a in agencies]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    assert all(a.id == slug(a.name) for a in agencies), [
        (a.id, slug(a.name)) for a in agencies if a.id != slug(a.name)]


def test_continuing_agencies_keep_their_id_across_registries() -> None:
    old = {a.name: a.id for a in registry.load(registry.packaged("2023"))}
    new = {a.name: a.id for a in registry.load(registry.packaged("2026"))}
    shared = set(old) & set(new)
    assert len(shared) >= 40
    assert all(old[n] == new[n] for n in shared)


def test_portal_urls_are_seen_hosts_or_flagged_conventions() -> None:
    for row in rows("2026"):
        host = row["portal_url"].split("/")[2]
        assert row["confirmed"] == "false"
        if row["id"] in SEEN_2026:
            assert (host, row["portal_source"]) == (SEEN_2026[row["id"]], "seen")
        else:
            assert row["portal_source"] == "convention"
            assert re.fullmatch(r"dichvucong\.[a-z-]+\.gov\.vn", host), host
    assert {r["portal_source"] for r in rows("2023")} == {"seen", "convention"}
    assert all("mae.gov.vn" not in r["portal_url"] for r in rows("2023"))  # a 2025 ministry


def test_2026_vendors_come_from_2023_where_the_name_continues(
        results_2023: list[dict[str, str]]) -> None:
    vendor = {r["agency"]: r["vendor"] for r in results_2023}
    vendor["TP. Huế"] = vendor["Thừa Thiên - Huế"]
    for agency in registry.load(registry.packaged("2026")):
        assert agency.vendor == vendor.get(agency.name, ""), agency.name
    assert registry.load(registry.packaged("2026"))[0].vendor == "Viettel"  # Bộ Quốc phòng


def test_packaged_names_resolve_and_unknown_names_say_what_exists(tmp_path: Path) -> None:
    assert registry.packaged_names() == ["2023", "2026"]
    assert registry.resolve("2026") == registry.packaged("2026")
    own = tmp_path / "2026"  # an operator's file of the same name wins
    own.write_text("x", encoding="utf-8")
    assert registry.resolve(own) == own
    assert registry.resolve("missing.csv") == Path("missing.csv")
    with pytest.raises(KeyError, match="2023, 2026"):
        registry.packaged("2019")


def test_an_operator_can_extend_a_packaged_registry(tmp_path: Path) -> None:
    path = tmp_path / "staging.csv"
    shutil.copy(registry.packaged("2026"), path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("ha-noi-staging,TP. Hà Nội (staging),,province,,"
                     "https://staging.dichvucong.hanoi.example/,,,true,2026-01-01,,,\n")
        handle.write("ha-noi,TP. Hà Nội,,province,,https://x.example/,,,,,,,\n")
    problems = registry.validate(path)
    assert [(p.line, p.message_en) for p in problems] == [(54, "duplicate id 'ha-noi'")]
