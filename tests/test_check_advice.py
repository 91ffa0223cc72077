"""What a self-check tells an agency to fix first (probe.advice), and how `probe check`
prints it: the items that lost the most points with the rubric's remediation, the groups,
the items the probe could not measure, and where the evidence is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probe.advice import fix_first, unmeasured
from probe.console import plain_console
from probe.scoring import load_rubric
from probe.tables import print_check, print_where_to_look

RUBRIC = load_rubric("2024")


def item(item_id: str, status: str, points: float | None, most: float) -> dict[str, Any]:
    return {"id": item_id, "group": RUBRIC.item(item_id).group, "points": points, "max": most,
            "status": status, "reason": f"lý do {item_id}"}


ITEMS = [item("F1", "pass", 8, 8), item("F2", "fail", 0, 6), item("F3", "partial", 5.6, 8),
         item("F4", "fail", 0, 5), item("E1", "fail", 0, 3), item("S4", "partial", 0.67, 2),
         item("P1", "unmeasured", None, 5), item("S6", "attested", 2, 2),
         item("L3", "partial", 0.4, 1), item("A3", "partial", 0.7, 1), item("F7", "fail", 0, 3)]


def test_the_items_that_lost_most_come_first_with_the_rubrics_remediation() -> None:
    advice = fix_first(ITEMS, RUBRIC)
    assert [(a.item_id, a.lost) for a in advice] == [
        ("F2", 6), ("F4", 5), ("E1", 3), ("F7", 3), ("F3", 2.4), ("S4", 1.33), ("L3", 0.6),
        ("A3", 0.3)]  # ties (E1, F7) by id; passed and unmeasured (rescaled) left out
    assert advice[0].remediation() == RUBRIC.item("F2").remediation_vi
    assert advice[0].title("en") == RUBRIC.item("F2").title_en
    # 17.37 of the 39 measured points; F2's 6 make 23.37/39, and all the fixes 100
    assert [a.total_after for a in advice][::7] == [59.92, 100.0]
    assert advice[0].grade_after == "D" and advice[-1].grade_after == "A"
    assert unmeasured(ITEMS) == ["P1"]


def document(status: str = "completed") -> dict[str, Any]:
    return {"agency": "Tỉnh X", "url": "https://x.gov.vn/", "status": status,
            "status_detail": "", "total": 61.2, "grade": "D", "rubric": "2024",
            "run_id": "r-1", "items": ITEMS,
            "groups": {"functions": {"points": 33.7, "max": 50, "measured": 50},
                       "performance": {"points": 15, "max": 20, "measured": 15}}}


def printed(shown: dict[str, Any], **options: Any) -> str:
    console = plain_console(record=True, width=300)
    print_check(console, shown, **options)
    return console.export_text()


def test_a_check_prints_its_groups_what_to_fix_first_and_where_the_evidence_is() -> None:
    text = printed(document(), rubric=RUBRIC)
    assert "Chức năng (Functions)" in text and "33.7/50" in text and "15/20" in text
    first = text.index("1. F2 Tìm kiếm thủ tục hành chính — mất (lost) 6 điểm; sửa đến mục "
                       "này (fixed up to here): 59.92 điểm, xếp loại (grade) D. ")
    assert first < text.index("2. F4 ") < text.index("5. F3 ")
    assert RUBRIC.item("F2").remediation_vi in text
    assert "(other items that lost points): S4 (−1.33), L3 (−0.6), A3 (−0.3)" in text
    assert "probe failure, not the portal's): P1" in text
    console = plain_console(record=True, width=300)
    print_where_to_look(console, "r-1", "--db sqlite:///x.db")
    pointers = console.export_text()
    assert "probe show r-1 --db sqlite:///x.db" in pointers
    assert "probe report --run r-1 --db sqlite:///x.db" in pointers


def test_an_unreachable_portal_is_told_to_answer_first_not_given_thirty_items() -> None:
    text = printed(document("http_error"), rubric=RUBRIC)
    assert "cổng không trả lời được" in text and "1. F2" not in text
    assert "Lý do (reason)" not in text and f"{len(ITEMS)} mục (items): không mục nào" in text
    assert "Lý do (reason)" in printed(document(), rubric=RUBRIC)  # a read portal: each item
    assert "chạy lại sau" in printed(document("probe_error"), rubric=RUBRIC)
    assert "Nên sửa trước" not in printed(document())  # no rubric: nothing to advise from


def test_a_stored_run_shows_the_same_advice() -> None:
    from probe.tables import print_run

    console = plain_console(record=True, width=300)
    shown = document()
    print_run(console, {"agency": {"name": "Tỉnh X"}, "url": shown["url"],
                        "status": "completed", "run_id": "r-1", "observations": [],
                        "scores": {k: shown[k] for k in ("total", "grade", "groups", "items")}},
              RUBRIC)
    text = console.export_text()
    assert "Chức năng (Functions)" in text and "1. F2 Tìm kiếm thủ tục hành chính" in text
    assert "Quan sát (name)" in text and "Kết quả (outcome)" in text  # headers in both


def test_a_check_says_what_changed_since_the_agencys_previous_run(tmp_path: Path) -> None:
    from probe.commands_judging import print_since_last
    from tests.report_helpers import build

    built = build(tmp_path)
    console = plain_console(record=True, width=300)
    print_since_last(console, built.store, "r-s-2026-10-0", RUBRIC)
    assert console.export_text() == ""  # the agency's first run: nothing before it
    before = built.store.score("r-s-2026-10-0", "2024")
    after = built.store.score("r-s-2026-11-0", "2024")
    print_since_last(console, built.store, "r-s-2026-11-0", RUBRIC)
    text = console.export_text()
    assert "(since the last check) r-s-2026-10-0, " in text
    # the earlier run was 1.6x slower: its timed figures moved beyond noise
    assert f"{before['total']:.2f} {before['grade']} → {after['total']:.2f} {after['grade']}" \
        in text and "nhanh hơn (improvement)" in text
