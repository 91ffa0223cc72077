"""Bulk re-scoring: both rubric versions kept side by side, identical bytes, the migration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text

from probe import attestations
from probe.commands_judging import rescore as rescore_command
from probe.db import Store
from probe.db.schema import Base, ScoreRow
from probe.db.store import MIGRATIONS, score_columns
from probe.errors import UserError
from probe.rescoring import attested_for, load_evidence, rescore
from probe.scoring import load_rubric, score
from probe.synthetic import Degradation, fill_sweep
from tests.judging_helpers import db_url, new_store, steady_profiles


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    """A store with two synthetic sweeps of eight portals."""
    made = new_store(tmp_path)
    profiles = steady_profiles(8)
    fill_sweep(made, profiles, "night1", "2024-05-01T18:00:00+00:00")
    fill_sweep(made, profiles, "night2", "2024-05-02T18:00:00+00:00")
    return made


def stored_rows(store: Store, rubric: str) -> dict[str, tuple[object, ...]]:
    with store.session() as session:
        rows = session.scalars(select(ScoreRow).where(ScoreRow.rubric == rubric))
        return {r.run_id: (r.total, r.grade, r.groups_json, r.items_json, r.rubric_sha256,
                           r.scored_at) for r in rows}


def test_second_rubric_changes_totals_and_keeps_both(store: Store) -> None:
    first = rescore(store, "2024")
    second = rescore(store, "2024-attest")
    assert first.runs == second.runs == 16 and first.written == second.written == 16
    for run in store.runs():
        default, attest = store.score(run.id, "2024"), store.score(run.id, "2024-attest")
        assert default is not None and attest is not None
        assert default["groups"]["security"]["max"] == attest["groups"]["security"]["max"] == 15
        assert attest["total"] < default["total"]  # paperwork not attested: 5 points lost
        assert {i["id"] for i in attest["items"]} - {i["id"] for i in default["items"]} == {
            "S7", "S8", "S9"}
        assert attest["grade"] >= default["grade"]  # never a better letter for less evidence
    # (whether a 5-point drop crosses a grade line depends on the synthetic data)
    assert sum(first.grades.values()) == sum(second.grades.values()) == 16
    assert stored_rows(store, "2024")[store.runs()[0].id][4] == load_rubric("2024").sha256


def test_same_evidence_same_rubric_same_bytes(store: Store) -> None:
    rescore(store, "2024")
    before = stored_rows(store, "2024")
    again = rescore(store, "2024")
    assert again.written == 0 and again.unchanged == 16
    assert stored_rows(store, "2024") == before  # not rewritten: scored_at unchanged too
    with store.session.begin() as session:  # force a full rewrite from scratch
        session.execute(ScoreRow.__table__.delete())
    rescore(store, "2024")
    rewritten = stored_rows(store, "2024")
    assert {k: v[:5] for k, v in rewritten.items()} == {k: v[:5] for k, v in before.items()}


def test_bulk_bytes_equal_the_one_by_one_path(store: Store) -> None:
    rubric = load_rubric("2024")
    run = store.runs()[3]
    one = score(store.observations(run.id), rubric)
    store.save_score(run.id, one)  # the existing per-run path
    single = stored_rows(store, "2024")[run.id]
    columns = score_columns(one)
    assert (columns["total"], columns["grade"], columns["groups_json"],
            columns["items_json"]) == single[:4]
    assert json.loads(columns["items_json"]) == [i.to_dict() for i in one.items]
    summary = rescore(store, rubric)
    assert summary.written == 16  # the hash was not recorded by save_score: rewritten once
    assert stored_rows(store, "2024")[run.id][:4] == single[:4]


def test_batch_cache_changes_nothing(tmp_path: Path) -> None:
    """Scoring a batch with the shared judging cache gives the bytes of plain scoring."""
    made = new_store(tmp_path)
    profiles = steady_profiles(10)
    for night in range(3):
        down = {profiles[night].agency.id: Degradation(unreachable=True)}
        fill_sweep(made, profiles, f"n{night}", f"2024-05-0{night + 1}T18:00:00+00:00",
                   degradations=down)
    attestations.record(made, tmp_path, "syn-0004", "S8", "Lê C", "PA 45", 0.5)
    for name in ("2024", "2024-attest"):
        rubric = load_rubric(name)
        evidence = load_evidence(made, made.runs(), attested_for(made, rubric))
        batch = evidence.score(rubric)
        assert len(batch) == 30
        for run_id, cached in batch:
            run = next(r for r in evidence.runs if r.id == run_id)
            plain = score(made.observations(run_id), rubric,
                          attestations.for_agency(made, run.agency_id))
            assert score_columns(cached) == score_columns(plain)
    statuses = {r.status for r in made.runs()}
    assert statuses == {"completed", "timeout"}


def test_bulk_load_equals_per_run_reads(store: Store) -> None:
    evidence = load_evidence(store, store.runs(), attested_for(store, load_rubric("2024-attest")))
    assert [r.id for r in evidence.runs] == [r.id for r in store.runs()]
    for run in evidence.runs:
        assert evidence.observations[run.id] == store.observations(run.id)


def test_rescore_one_sweep(store: Store) -> None:
    night2 = store.sweep("s-night2").id
    summary = rescore(store, "2024", night2)
    assert summary.runs == 8 and summary.sweep_id == night2
    assert all(store.score(r.id, "2024") is None for r in store.runs("s-night1"))
    assert all(store.score(r.id, "2024") is not None for r in store.runs(night2))


def test_rescore_command(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                         ) -> None:
    assert rescore_command("2024-attest", "s-night1", db_url(tmp_path), as_json=True) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["runs"] == 8 and document["rubric"] == "2024-attest"
    with pytest.raises(UserError, match="no such sweep"):
        rescore_command("2024", "s-nope", db_url(tmp_path))
    with pytest.raises(UserError, match="bad rubric"):
        rescore_command("2031", None, db_url(tmp_path))
    from typer.testing import CliRunner

    from probe.cli import app

    done = CliRunner().invoke(app, ["rescore", "--rubric", "2024", "--db", db_url(tmp_path),
                                    "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["runs"] == 16


def test_migration_matches_the_models(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    tables = set(inspect(store.engine).get_table_names())
    assert {"attestations", "published_results"} <= tables


def test_upgrade_from_the_initial_schema_keeps_scores(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text(
            "INSERT INTO sweeps VALUES ('s1', 't', NULL, '', '', 'completed', '2024')"))
        connection.execute(text(
            "INSERT INTO runs (id, sweep_id, agency_id, agency_name, block, vendor, url, "
            "final_url, rendered, status, status_detail, started_at, finished_at, duration_s, "
            "agency_json) VALUES ('r1', 's1', 'a', 'A', 'province', '', 'https://a.gov.vn/', "
            "'', 0, 'completed', '', 't', '', 1.0, '{}')"))
        connection.execute(text(
            "INSERT INTO scores (run_id, rubric, total, grade, groups_json, items_json, "
            "scored_at) VALUES ('r1', '2024', 81.5, 'B', '{}', '[]', 't')"))
    engine.dispose()
    store = Store(url)
    assert store.score("r1", "2024") == {"rubric": "2024", "total": 81.5, "grade": "B",
                                         "groups": {}, "items": []}
    assert store.stored_scores("2024")["r1"].rubric_sha256 == ""
    with store.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == ScriptDirectory.from_config(config).get_current_head()


def test_chunks_keep_each_sweep_whole_and_cut_loose_runs_anywhere() -> None:
    from probe.db.schema import RunRow
    from probe.rescoring import chunks

    runs = [RunRow(id=f"{sweep}-{n}", sweep_id=sweep) for sweep, count in
            (("a", 3), ("b", 1), ("c", 4)) for n in range(count)]
    runs += [RunRow(id=f"check-{n}", sweep_id=None) for n in range(5)]
    cut = [[run.id for run in chunk] for chunk in chunks(runs, 2)]
    assert [len(chunk) for chunk in cut] == [3, 5, 2, 2, 1]  # a; b + c; the checks by 2
    assert cut[1] == ["b-0", "c-0", "c-1", "c-2", "c-3"]
    assert sorted(sum(cut, [])) == sorted(run.id for run in runs)


def test_rescoring_in_small_chunks_stores_what_one_chunk_stores(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks bound the memory of a re-scoring; they change nothing it stores."""
    import probe.rescoring

    whole = rescore(store, "2024-attest")
    stored = {run: row[:5] for run, row in stored_rows(store, "2024-attest").items()}
    monkeypatch.setattr(probe.rescoring, "CHUNK_RUNS", 3)
    monkeypatch.setattr(probe.rescoring, "CACHE_ENTRIES", 10)
    with store.session.begin() as session:
        session.execute(ScoreRow.__table__.delete())
    chunked = rescore(store, "2024-attest")
    assert chunked.runs == whole.runs == chunked.written == 16
    assert chunked.grades == whole.grades
    assert {run: row[:5] for run, row in stored_rows(store, "2024-attest").items()} == stored
