"""Importing the published 2023 ranking reproduces its distribution and ranks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from probe.commands_judging import import_ranking, rank_published
from probe.errors import UserError
from probe.history import (
    HistoryError,
    import_results,
    publication_date,
    published_rows,
    read_results,
)
from probe.ranking import block_tables
from tests.judging_helpers import db_url, new_store

RESULTS_2023 = Path(__file__).resolve().parent.parent / "probe" / "data" / "results-2023.csv"
EXPECTED = {
    "ministry": {"A": (2, 10.0), "B": (4, 20.0), "C": (10, 50.0), "D": (0, 0.0),
                 "E": (4, 20.0)},
    "province": {"A": (9, 14.29), "B": (43, 68.25), "C": (10, 15.87), "D": (1, 1.59),
                 "E": (0, 0.0)},
}
COUNTS = {"ministry": 20, "province": 63}


def published_ranks() -> dict[tuple[str, str], int]:
    with RESULTS_2023.open(encoding="utf-8") as handle:
        return {(r["block"], r["agency"]): int(r["rank"]) for r in csv.DictReader(handle)}


def check_tables(tables: list) -> None:
    ranks = published_ranks()
    assert [t.block for t in tables] == ["ministry", "province"]
    for table in tables:
        assert table.count == COUNTS[table.block]
        assert table.rank_source == "published"
        shares = {g: (int(v["count"]), v["percent"]) for g, v in table.distribution.items()}
        assert shares == EXPECTED[table.block]
        assert {(table.block, r["agency"]): r["rank"] for r in table.rows} == {
            k: v for k, v in ranks.items() if k[0] == table.block}
        assert all("published_rank" not in r for r in table.rows)


def test_import_reproduces_2023_distribution_and_ranks(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    imported = import_results(store, RESULTS_2023, "2023-07-12")
    assert imported.created and len(imported.rows) == 83
    check_tables(imported.tables())
    sweep = store.sweep(imported.sweep_id)
    assert (sweep.status, sweep.started_at) == ("imported", "2023-07-12")
    check_tables(block_tables(published_rows(store, imported.sweep_id)))  # as stored
    ministries = [r for r in block_tables(imported.rows)[0].rows]
    assert [(r["rank"], r["agency"]) for r in ministries[:4]] == [
        (1, "Bộ Giao thông vận tải"), (1, "Bộ Quốc phòng"), (3, "Bộ Công Thương"),
        (4, "Bộ Công an")]


def test_publication_date(tmp_path: Path) -> None:
    assert publication_date(RESULTS_2023) == "2023"  # from the file name
    assert publication_date(RESULTS_2023, "2023-07-12") == "2023-07-12"
    assert publication_date(tmp_path / "ket-qua.csv").startswith("20")  # now
    for bad in ("12/7/2023", "2023-02-30"):
        with pytest.raises(HistoryError, match="publication date|no such date"):
            publication_date(RESULTS_2023, bad)
    store = new_store(tmp_path)
    store.start_sweep("nightly.csv")
    import_results(store, RESULTS_2023)
    assert store.sweep("latest").status != "imported"  # history does not become "latest"


def test_import_is_idempotent(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    first = import_results(store, RESULTS_2023)
    second = import_results(store, RESULTS_2023)
    assert first.sweep_id == second.sweep_id and not second.created
    assert len(store.published_results(first.sweep_id)) == 83


@pytest.mark.parametrize("content, problem", [
    ("block,agency\nministry,X\n", "missing columns grade"),
    ("block,agency,grade\nministry,X,Z\nministry,Y,F\n", "line 2"),
    ("block,agency,grade\nplanet,X,A\n", "unknown block"),
    ("block,rank,agency,grade\nministry,1,X,A\nministry,3,Y,B\n",
     "rank 3 should be 2 under competition ranking"),
    ("block,rank,agency,grade\nministry,1,X,B\nministry,2,Y,A\n", "grade A ranked below B"),
    ("block,agency,grade\n", "no result rows"),
])
def test_bad_files_are_refused_in_one_line(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HistoryError) as caught:
        read_results(path)
    assert problem in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(UserError, match=problem):
        import_ranking(path, db_url(tmp_path))
    assert new_store(tmp_path).sweeps() == []


def test_import_command_json_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    assert import_ranking(RESULTS_2023, db_url(tmp_path), fmt="json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["created"] is True
    ministry = document["blocks"][0]
    assert ministry["distribution"]["A"] == {"count": 2, "percent": 10.0}
    assert import_ranking(RESULTS_2023, db_url(tmp_path), block="province", fmt="csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "block,rank,agency,grade,score,vendor"
    assert len(lines) == 64 and lines[1].startswith("province,1,TP. Cần Thơ,A,,")
    assert import_ranking(RESULTS_2023, db_url(tmp_path)) == 0
    text = capsys.readouterr().out
    assert "2/20 (10 %)" in text and "9/63 (14.29 %)" in text
    assert "Đã có sẵn (already imported)" in text
    with pytest.raises(UserError, match="bad format"):
        import_ranking(RESULTS_2023, db_url(tmp_path), fmt="xml")


def test_rank_an_imported_sweep_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    store = new_store(tmp_path)
    imported = import_results(store, RESULTS_2023)
    probed = store.start_sweep("nightly.csv")
    assert rank_published(imported.sweep_id, db_url(tmp_path), "ministry", "json") == 0
    (ministries,) = json.loads(capsys.readouterr().out)["blocks"]
    assert ministries["count"] == 20 and ministries["rank_source"] == "published"
    assert ministries["distribution"]["E"] == {"count": 4, "percent": 20.0}
    with pytest.raises(UserError, match="not an imported table"):
        rank_published(probed, db_url(tmp_path))
