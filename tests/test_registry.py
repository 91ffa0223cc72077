"""Registry files: good rows load, every bad row is named with its line."""

from pathlib import Path

import pytest

from probe import registry
from probe.models import Agency

HEADER = "id,name,name_en,block,home_url,portal_url,http_url,vendor,confirmed,valid_from,valid_to\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "reg.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_good_registry_loads_every_field(tmp_path: Path) -> None:
    path = write(tmp_path, "tinh-a,Tỉnh A,A Province,province,https://a.gov.vn,"
                           "https://dichvucong.a.gov.vn,,VNPT,true,2025-07-01,\n")
    [agency] = registry.load(path)
    assert agency.name == "Tỉnh A" and agency.block == "province" and agency.confirmed
    assert agency.portal_url == "https://dichvucong.a.gov.vn/"
    assert agency.vendor == "VNPT"


def test_every_bad_row_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path,
                 "a,Tỉnh A,,province,,https://a.gov.vn/,,,,,\n"
                 "a,Tỉnh A2,,province,,https://a2.gov.vn/,,,,,\n"
                 "b,Bộ B,,kingdom,,https://b.gov.vn/,,,,,\n"
                 "c,Bộ C,,ministry,,htp:/broken,,,,,\n"
                 "d,,,ministry,,https://d.gov.vn/,,,,,\n")
    problems = registry.validate(path)
    by_line = {(p.line, p.message_en.split(" ")[0]) for p in problems}
    assert (3, "duplicate") in by_line
    assert (4, "unknown") in by_line
    assert (5, "malformed") in by_line
    assert (6, "missing") in by_line
    with pytest.raises(registry.RegistryError) as error:
        registry.load(path)
    assert "dòng 3" in str(error.value) and "line 5" in str(error.value)


def test_missing_file_and_missing_columns_are_problems(tmp_path: Path) -> None:
    assert registry.validate(tmp_path / "nope.csv")[0].message_en.startswith("cannot read")
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    assert "missing columns" in registry.validate(bad)[0].message_en


def test_write_then_load_round_trips(tmp_path: Path) -> None:
    agencies = [Agency(id="bo-x", name="Bộ X", block="ministry",
                       portal_url="https://dvc.x.gov.vn/", vendor="FPT", confirmed=True)]
    loaded = registry.load(registry.write(tmp_path / "out.csv", agencies))
    assert loaded == agencies
