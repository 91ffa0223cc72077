"""`probe check` exit codes and JUnit output, from a check document (no network)."""

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from probe.commands import _check_exit, _grade_option
from probe.errors import UserError
from probe.junit import write_junit


def document(status: str = "completed", grade: str = "C") -> dict:
    items = [
        {"id": "F1", "group": "functions", "points": 8.0, "max": 8, "status": "pass",
         "reason": "đạt"},
        {"id": "F2", "group": "functions", "points": 0.0, "max": 6, "status": "fail",
         "reason": "Không đạt: tìm kiếm không trả về thủ tục"},
        {"id": "F3", "group": "functions", "points": 4.0, "max": 8, "status": "partial",
         "reason": "một phần"},
        {"id": "P3", "group": "performance", "points": None, "max": 4, "status": "unmeasured",
         "reason": "chưa đo"},
    ]
    return {"url": "https://x.gov.vn/", "status": status, "grade": grade, "total": 70.0,
            "rubric": "2024", "run_id": "r1", "items": items, "duration_s": 1.5}


@pytest.mark.parametrize(("status", "grade", "threshold", "code"), [
    ("completed", "C", None, 0),
    ("completed", "C", "C", 0),
    ("completed", "C", "D", 0),
    ("completed", "C", "B", 1),
    ("completed", "E", "D", 1),
    ("http_error", "E", None, 3),
    ("timeout", "E", "E", 3),
])
def test_exit_codes(status: str, grade: str, threshold: str | None, code: int) -> None:
    assert _check_exit(document(status, grade), threshold) == code


def test_grade_option_is_validated() -> None:
    assert _grade_option("b") == "B"
    for bad in ("Z", "AB", ""):
        with pytest.raises(UserError):
            _grade_option(bad)


def test_junit_fails_what_lost_points_and_skips_the_unmeasured(tmp_path: Path) -> None:
    suite = ET.parse(write_junit(tmp_path / "j.xml", document())).getroot()
    assert suite.get("tests") == "4" and suite.get("failures") == "2"
    assert suite.get("skipped") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["F1"].find("failure") is None
    assert "tìm kiếm" in cases["F2"].find("failure").get("message")
    assert cases["F3"].find("failure").get("type") == "partial"
    assert cases["P3"].find("skipped") is not None


def test_junit_failures_carry_the_rubrics_remediation(tmp_path: Path) -> None:
    from probe.scoring import load_rubric

    rubric = load_rubric("2024")
    suite = ET.parse(write_junit(tmp_path / "j.xml", document(), rubric)).getroot()
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    body = cases["F2"].find("failure").text
    assert body.startswith(f"{rubric.item('F2').title_vi}: {rubric.item('F2').remediation_vi}")
    assert rubric.item("F2").remediation_en in body
    assert cases["P3"].find("skipped").text is None  # unmeasured: nothing to remedy


def test_junit_parses_whatever_a_reason_quotes(tmp_path: Path) -> None:
    """A reason quoting a portal's answer may hold characters XML 1.0 forbids."""
    hostile = document()
    hostile["items"][1]["reason"] = "Không đạt: HTTP 500 (\x00\x0b\x1b[0m lỗi)"
    hostile["items"][3]["reason"] = "chưa đo: \x0c"
    suite = ET.parse(write_junit(tmp_path / "j.xml", hostile)).getroot()
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["F2"].find("failure").get("message").endswith("(???[0m lỗi)")
    assert cases["P3"].find("skipped").get("message") == "chưa đo: ?"
