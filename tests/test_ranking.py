"""Ranking tables: competition ranks, block averages, grade shares, the 2023 results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probe.ranking import (
    ResultRow,
    block_average,
    block_table,
    block_tables,
    check_published_ranks,
    competition_ranks,
    grade_distribution,
    grade_ranks,
    rows_from_csv,
)

RESULTS_2023 = Path(__file__).resolve().parent.parent / "probe" / "data" / "results-2023.csv"


def rows_2023() -> list[ResultRow]:
    return rows_from_csv(RESULTS_2023.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- ranks

def test_ties_share_and_next_skips() -> None:
    assert competition_ranks([95.0, 95.0, 90.0]) == [1, 1, 3]


def test_tie_at_four_then_ten() -> None:
    # the provinces' 2023 table: ranks 1, 2, 3, then six agencies share 4, next is 10
    scores = [99.0, 98.0, 97.0] + [95.0] * 6 + [90.0]
    assert competition_ranks(scores) == [1, 2, 3, 4, 4, 4, 4, 4, 4, 10]
    # five sharing rank 4 (after three distinct) skip to 9: 4 + 5
    assert competition_ranks([99.0, 98.0, 97.0] + [95.0] * 5 + [90.0])[-1] == 9


def test_ranks_follow_input_positions() -> None:
    assert competition_ranks([70.0, 90.0, 80.0, 90.0]) == [4, 1, 3, 1]
    assert competition_ranks([]) == []
    assert competition_ranks([50.0]) == [1]


def test_grade_ranks() -> None:
    assert grade_ranks(["A", "A", "B", "C", "C", "E"]) == [1, 1, 3, 4, 4, 6]


# --------------------------------------------------------------------------- tables

SCORED = [
    ResultRow("Tỉnh B", "province", "A", 92.5, "VNPT"),
    ResultRow("Tỉnh A", "province", "A", 92.5, "Viettel"),
    ResultRow("Tỉnh C", "province", "C", 70.0, "FPT"),
    ResultRow("Bộ X", "ministry", "E", 40.0, "DTT"),
    ResultRow("Bộ Y", "ministry", "B", 81.0, "FDS"),
    ResultRow("Tỉnh Đ", "province", "-", 0.0, ""),  # nothing measured: not ranked
]


def test_block_tables_sorted_by_score() -> None:
    tables = block_tables(SCORED)
    assert [t.block for t in tables] == ["ministry", "province"]
    ministries, provinces = tables
    assert [(r["rank"], r["agency"]) for r in ministries.rows] == [(1, "Bộ Y"), (2, "Bộ X")]
    assert [(r["rank"], r["agency"], r["vendor"]) for r in provinces.rows] == [
        (1, "Tỉnh A", "Viettel"), (1, "Tỉnh B", "VNPT"), (3, "Tỉnh C", "FPT")]
    assert provinces.rank_source == "score"
    assert [r["agency"] for r in provinces.unranked] == ["Tỉnh Đ"]
    assert provinces.count == 3


def test_block_average() -> None:
    ministries, provinces = block_tables(SCORED)
    assert ministries.average == 60.5
    assert provinces.average == 85.0  # (92.5 + 92.5 + 70) / 3, the unranked row left out
    assert block_average([1.0, 2.0, 2.0]) == 1.67
    assert block_average([]) is None


def test_distribution_counts_and_percentages() -> None:
    shares = grade_distribution(["A", "B", "B", "E", "C", "C"])
    assert shares == {"A": {"count": 1, "percent": 16.67}, "B": {"count": 2, "percent": 33.33},
                      "C": {"count": 2, "percent": 33.33}, "D": {"count": 0, "percent": 0.0},
                      "E": {"count": 1, "percent": 16.67}}
    assert grade_distribution([])["A"] == {"count": 0, "percent": 0.0}


def test_table_to_dict() -> None:
    data = block_tables(SCORED)[0].to_dict()
    assert data["name_vi"] == "Bộ, ngành" and data["count"] == 2
    assert data["distribution"]["B"] == {"count": 1, "percent": 50.0}
    assert data["rows"][0]["agency"] == "Bộ Y"
    json.dumps(data)


def test_plain_dict_rows_keep_their_extra_keys() -> None:
    rows = [{"agency": "Tỉnh A", "block": "province", "grade": "B", "total": 85.0,
             "vendor": "VNPT", "run_id": "r1", "status": "completed"},
            {"agency": "Tỉnh B", "block": "province", "grade": "A", "total": 91.0,
             "run_id": "r2", "status": "completed"}]
    (table,) = block_tables(rows)
    assert [(r["rank"], r["run_id"]) for r in table.rows] == [(1, "r2"), (2, "r1")]
    assert table.rows[0]["vendor"] == ""
    assert table.rows[1]["status"] == "completed"
    with pytest.raises(ValueError, match="without 'grade'"):
        block_tables([{"agency": "X", "block": "province"}])


def test_vietnamese_name_order_in_ties() -> None:
    names = ("Đồng Tháp", "Bắc Ninh", "Điện Biên", "An Giang")
    rows = [ResultRow(name, "province", "B", 85.0) for name in names]
    table = block_table("province", rows)
    assert [r["agency"] for r in table.rows] == ["An Giang", "Bắc Ninh", "Điện Biên",
                                                 "Đồng Tháp"]


# --------------------------------------------------------------------------- 2023

def test_2023_distribution_reproduced() -> None:
    ministries, provinces = block_tables(rows_2023())
    assert ministries.count == 20 and provinces.count == 63
    counts = {b.block: {g: s["count"] for g, s in b.distribution.items()}
              for b in (ministries, provinces)}
    assert counts["ministry"] == {"A": 2, "B": 4, "C": 10, "D": 0, "E": 4}
    assert counts["province"] == {"A": 9, "B": 43, "C": 10, "D": 1, "E": 0}
    assert [s["percent"] for s in ministries.distribution.values()] == [10.0, 20.0, 50.0, 0.0,
                                                                        20.0]
    assert [s["percent"] for s in provinces.distribution.values()] == [14.29, 68.25, 15.87,
                                                                       1.59, 0.0]
    assert ministries.average is None  # grades only: no scores were published


def test_2023_published_ranks_kept() -> None:
    rows = rows_2023()
    published = {r.agency: r.rank for r in rows}
    for table in block_tables(rows):
        assert table.rank_source == "published"
        assert [r["rank"] for r in table.rows] == sorted(r["rank"] for r in table.rows)
        assert all(published[r["agency"]] == r["rank"] for r in table.rows)
        assert all("published_rank" not in r for r in table.rows)
    ministries = block_tables(rows)[0]
    assert [r["rank"] for r in ministries.rows] == [1, 1, 3, 4, 5, 6, 7, 7, 9, 10, 11, 11, 13,
                                                 13, 15, 15, 17, 18, 19, 20]


def test_2023_ranks_are_consistent_but_finer_than_grades() -> None:
    rows = rows_2023()
    for block in ("ministry", "province"):
        mine = [r for r in rows if r.block == block]
        assert check_published_ranks(mine) == []  # competition ranks, monotone in grade
        from_grades = grade_ranks([r.grade for r in mine])
        assert from_grades != [r.rank for r in mine]  # grades alone cannot give them
        # ...but the first agency of each grade has the rank grades alone would give
        firsts: dict[str, tuple[int | None, int]] = {}
        for row, rank in zip(mine, from_grades, strict=True):
            firsts.setdefault(row.grade, (row.rank, rank))
        assert all(published == derived for published, derived in firsts.values())
    ministries = [r for r in rows if r.block == "ministry"]
    assert [r.rank for r in ministries if r.grade == "B"] == [3, 4, 5, 6]


def test_grade_only_rows_without_rank_rank_by_grade() -> None:
    rows = [ResultRow(r.agency, r.block, r.grade, vendor=r.vendor) for r in rows_2023()
            if r.block == "ministry"]
    table = block_table("ministry", rows)
    assert table.rank_source == "grade"
    assert sorted({r["rank"] for r in table.rows}) == [1, 3, 7, 17]


def test_inconsistent_published_ranks_rejected() -> None:
    rows = [ResultRow("X", "ministry", "B", rank=1), ResultRow("Y", "ministry", "A", rank=2)]
    assert any("grade A ranked below B" in p for p in check_published_ranks(rows))
    with pytest.raises(ValueError):
        block_table("ministry", rows)
    gap = [ResultRow("X", "ministry", "A", rank=1), ResultRow("Y", "ministry", "A", rank=3)]
    assert any("should be 2" in p for p in check_published_ranks(gap))
    split = [ResultRow("X", "ministry", "A", rank=1), ResultRow("Y", "ministry", "B", rank=1)]
    assert any("different grade" in p for p in check_published_ranks(split))


def test_csv_errors_name_the_line() -> None:
    text = "block,rank,agency,grade,vendor\nministry,1,Bộ X,A,V\nministry,x,Bộ Y,F,V\n"
    with pytest.raises(ValueError, match=r"dòng 3 \(line 3\).*invalid grade"):
        rows_from_csv(text)
    with pytest.raises(ValueError, match="missing columns grade"):
        rows_from_csv("block,agency\nministry,X\n")


@pytest.mark.parametrize(("total", "rank", "why"), [
    ("nan", "1", "total must be 0-100"), ("inf", "1", "total must be 0-100"),
    ("-5", "1", "total must be 0-100"), ("100.5", "1", "total must be 0-100"),
    ("95", "0", "rank must be 1 or more")])
def test_a_total_or_rank_no_ranking_could_hold_is_refused(total: str, rank: str,
                                                          why: str) -> None:
    """float() reads 'nan' and 'inf': a NaN total would sort anywhere and make the block's
    average NaN."""
    text = f"block,rank,agency,grade,total\nministry,{rank},Bộ X,A,{total}\n"
    with pytest.raises(ValueError, match=rf"dòng 2 \(line 2\).*{why}"):
        rows_from_csv(text)


def test_scores_override_a_published_rank_but_keep_it() -> None:
    rows = [ResultRow("X", "ministry", "B", 81.0, rank=1),
            ResultRow("Y", "ministry", "A", 95.0, rank=2)]
    table = block_table("ministry", rows)
    assert table.rank_source == "score"
    assert [(r["agency"], r["rank"], r.get("published_rank")) for r in table.rows] == [
        ("Y", 1, 2), ("X", 2, 1)]


# --------------------------------------------------------------------------- one formatter

def test_one_formatter_for_measured_and_published(capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    from probe.tables import emit_ranking, ranking_csv

    measured = block_tables([{**r.__dict__, "status": "completed"} for r in SCORED])
    assert ranking_csv(measured, with_status=True).splitlines()[:3] == [
        "block,rank,agency,grade,score,vendor,status", "ministry,1,Bộ Y,B,81.00,FDS,completed",
        "ministry,2,Bộ X,E,40.00,DTT,completed"]
    historical = block_tables(rows_2023())
    lines = ranking_csv(historical).splitlines()
    assert lines[0] == "block,rank,agency,grade,score,vendor" and len(lines) == 84
    assert lines[1].count(",") == 5 and ",A,," in lines[1]  # no published score
    console = Console(width=200, highlight=False)
    for tables, status in ((measured, True), (historical, False)):
        emit_ranking(console, tables, "table", {}, with_status=status, footer="cuối (end)")
        text = capsys.readouterr().out
        assert "Hạng (rank)" in text and "Doanh nghiệp (vendor)" in text
        assert ("Trạng thái (status)" in text) is status
        assert "Tỷ lệ mức độ xếp hạng (grade distribution)" in text
        assert text.rstrip().endswith("cuối (end)")
    assert "2/20 (10 %)" in text and "43/63 (68.25 %)" in text and "average) —" in text
    emit_ranking(console, measured, "json", {"sweep": "s-1", "rubric": "2024"}, True)
    document = json.loads(capsys.readouterr().out)
    assert list(document) == ["sweep", "rubric", "blocks"]
    assert document["blocks"][1]["average"] == 85.0
