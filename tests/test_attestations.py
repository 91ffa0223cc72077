"""Attestations: stored with who, when, note and file hash; the latest one scores the item."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from probe import attestations
from probe.commands_judging import attest
from probe.errors import UserError
from probe.rescoring import rescore
from probe.synthetic import fill_sweep
from tests.judging_helpers import db_url, judging_app, new_store, steady_profiles

AGENCY = "syn-0001"


@pytest.fixture()
def swept(tmp_path: Path) -> Path:
    """tmp_path with a results.db holding one synthetic sweep of three portals."""
    store = new_store(tmp_path)
    fill_sweep(store, steady_profiles(3), "night1", "2024-05-01T18:00:00+00:00")
    store.close()
    return tmp_path


def scan(tmp_path: Path, text: str = "%PDF-1.4 QĐ phê duyệt cấp độ 3") -> Path:
    path = tmp_path / "Quyet dinh 123.PDF"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_record_round_trip_with_file(swept: Path) -> None:
    store = new_store(swept)
    source = scan(swept)
    evidence = swept / "evidence"
    attestation_id = attestations.record(
        store, evidence, AGENCY, "S7", " Nguyễn Văn A ", "QĐ 123/QĐ-UBND", 1.0, source,
        recorded_at="2024-05-02T09:00:00+00:00")
    (row,) = store.attestations(AGENCY)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    assert (row.id, row.item_id, row.attested_by, row.note, row.credit) == (
        attestation_id, "S7", "Nguyễn Văn A", "QĐ 123/QĐ-UBND", 1.0)
    assert row.recorded_at == "2024-05-02T09:00:00+00:00"
    assert (row.file_name, row.file_sha256) == ("Quyet dinh 123.PDF", sha)
    assert row.file_path == f"attestations/{sha}.pdf"
    assert (evidence / row.file_path).read_bytes() == source.read_bytes()
    assert store.attestations("syn-0000") == []


def test_latest_attestation_wins(swept: Path) -> None:
    store = new_store(swept)
    for when, credit in (("2024-05-02T09:00:00+00:00", 0.0), ("2024-06-02T09:00:00+00:00", 1.0),
                         ("2024-04-02T09:00:00+00:00", 0.5)):
        attestations.record(store, swept, AGENCY, "S8", "Lê C", f"at {when}", credit,
                            recorded_at=when)
    latest = attestations.for_agency(store, AGENCY)
    assert latest["S8"]["credit"] == 1.0
    assert latest["S8"]["date"] == "2024-06-02"
    assert latest["S8"]["evidence"] == []


@pytest.mark.parametrize("by, credit, problem", [
    ("", 1.0, "who attests is required"),
    ("Lê C", 1.5, "credit must be between 0 and 1"),
    ("Lê C", float("nan"), "credit must be between 0 and 1"),
])
def test_bad_attestations_are_refused(swept: Path, by: str, credit: float,
                                      problem: str) -> None:
    store = new_store(swept)
    with pytest.raises(attestations.AttestationError, match=problem):
        attestations.record(store, swept, AGENCY, "S7", by, "", credit)
    assert store.attestations() == []


def test_attestation_changes_the_score_under_the_attest_rubric(swept: Path) -> None:
    store = new_store(swept)
    run_id = next(r.id for r in store.runs() if r.agency_id == AGENCY)
    rescore(store, "2024-attest")
    before = store.score(run_id, "2024-attest")
    assert before is not None
    items = {i["id"]: i for i in before["items"]}
    assert items["S7"]["status"] == "fail" and items["S7"]["points"] == 0
    attestations.record(store, swept, AGENCY, "S7", "Nguyễn Văn A", "QĐ 123", 1.0,
                        scan(swept))
    attestations.record(store, swept, AGENCY, "S8", "Nguyễn Văn A", "Phương án 45", 0.5)
    summary = rescore(store, "2024-attest")
    assert summary.written == 1 and summary.unchanged == 2  # only that agency's run moved
    after = store.score(run_id, "2024-attest")
    assert after is not None
    items = {i["id"]: i for i in after["items"]}
    assert items["S7"]["status"] == "attested" and items["S7"]["points"] == 2
    assert "Nguyễn Văn A" in items["S7"]["reason"] and "QĐ 123" in items["S7"]["reason"]
    assert items["S7"]["observations"][1].startswith("attestations/")
    assert items["S8"]["points"] == 1
    assert after["groups"]["security"]["points"] == before["groups"]["security"]["points"] + 3
    assert after["total"] > before["total"]


def test_attest_command(swept: Path) -> None:
    runner = CliRunner()
    source = scan(swept)
    result = runner.invoke(judging_app(), [
        "attest", AGENCY, "S9", "--by", "Phạm D", "--note", "Biên bản kiểm tra 2024",
        "--file", str(source), "--credit", "0.8", "--db", db_url(swept), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["item"] == "S9" and document["credit"] == 0.8
    assert document["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert (swept / "evidence" / document["stored"]).is_file()
    text = runner.invoke(judging_app(), ["attest", "Cơ quan thử 0002", "S7", "--by", "Phạm D",
                                         "--db", db_url(swept)])
    assert text.exit_code == 0 and "syn-0002" in text.output


@pytest.mark.parametrize("agency, item, problem", [
    (AGENCY, "S1", "is not an attestation item; known: S7, S8, S9"),
    ("syn-9999", "S7", "no such agency"),
])
def test_attest_command_errors(swept: Path, agency: str, item: str, problem: str) -> None:
    with pytest.raises(UserError, match=problem):
        attest(agency, item, "Phạm D", "", None, 1.0, None, db_url(swept))


def test_attest_item_checked_against_a_given_rubric(swept: Path) -> None:
    with pytest.raises(UserError, match="known: -"):
        attest(AGENCY, "S7", "Phạm D", "", None, 1.0, "2024", db_url(swept))
    with pytest.raises(UserError, match="file not found"):
        attest(AGENCY, "S7", "Phạm D", "", swept / "missing.pdf", 1.0, None, db_url(swept))
