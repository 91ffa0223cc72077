"""Read commands honour the rubric they are given: stored scores when that very rubric made
them, else the stored evidence judged now, with nothing written (`probe.judged`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from probe.cli import app
from probe.commands_sweep import SweepRequest, prepare
from probe.db import Store
from probe.db.schema import ScoreRow
from probe.errors import UserError
from probe.judged import rubric_argument, scores_for
from probe.rescoring import rescore
from probe.scoring import load_rubric
from probe.scoring.rubric import rubrics_dir
from probe.synthetic import Degradation, fill_sweep
from tests.judging_helpers import db_url, new_store, steady_profiles


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    """One night of eight synthetic portals (one unreachable), scored under 2024 only."""
    made = new_store(tmp_path)
    profiles = steady_profiles(8)
    fill_sweep(made, profiles, "night1", "2024-05-01T18:00:00+00:00",
               degradations={profiles[2].agency.id: Degradation(unreachable=True)})
    rescore(made, "2024")
    return made


def draft(tmp_path: Path, b_from: int = 80) -> Path:
    """A rubric file of its own version: the 2024 rubric with grade B from `b_from`."""
    text = (rubrics_dir() / "2024.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2024"', 'version: "2026-draft"', 1)
    text = text.replace("  B: 80\n", f"  B: {b_from}\n", 1)
    path = tmp_path / "draft.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def score_rows(store: Store, rubric: str) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(ScoreRow).where(
            ScoreRow.rubric == rubric)) or 0


def test_a_rubric_with_no_stored_scores_is_judged_now_as_rescore_would_store_it(
        store: Store) -> None:
    runs, rubric = store.runs(), load_rubric("2024-attest")
    now = scores_for(store, runs, rubric)
    assert now.judged_now == {run.id for run in runs}
    assert score_rows(store, "2024-attest") == 0  # nothing written by a read
    rescore(store, rubric)
    stored = scores_for(store, runs, rubric)
    assert stored.judged_now == frozenset()
    assert stored.scores == now.scores
    assert {s["rubric"] for s in now.scores.values()} == {"2024-attest"}


def test_a_score_of_another_file_with_the_same_version_is_judged_again(
        store: Store, tmp_path: Path) -> None:
    runs = store.runs()
    rescore(store, load_rubric(draft(tmp_path)))
    stored = scores_for(store, runs, load_rubric(draft(tmp_path)))
    assert stored.judged_now == frozenset()
    stricter = load_rubric(draft(tmp_path, b_from=89))  # same version, edited file
    judged = scores_for(store, runs, stricter)
    assert judged.judged_now == {run.id for run in runs}
    moved = {run_id for run_id in stored.scores
             if stored.scores[run_id]["grade"] != judged.scores[run_id]["grade"]}
    assert moved and moved == {run_id for run_id, s in stored.scores.items()
                               if 80 <= s["total"] < 89}
    assert all(judged.scores[run_id]["grade"] == "C" for run_id in moved)


def test_a_score_stored_without_its_rubric_hash_is_taken_as_that_version_s(
        store: Store) -> None:
    with store.session.begin() as session:  # rows written before hashes were recorded
        session.execute(ScoreRow.__table__.update().values(rubric_sha256=""))
    judged = scores_for(store, store.runs(), load_rubric("2024"))
    assert judged.judged_now == frozenset() and len(judged.scores) == 8


def test_a_sweep_records_the_hash_of_the_rubric_that_scored_it(store: Store) -> None:
    with store.session() as session:
        hashes = set(session.scalars(select(ScoreRow.rubric_sha256)))
    assert hashes == {load_rubric("2024").sha256}


def test_rubric_argument_names_a_packaged_rubric_by_version_and_a_file_by_path(
        tmp_path: Path) -> None:
    assert rubric_argument(load_rubric("2024-attest")) == "2024-attest"
    path = draft(tmp_path)
    assert rubric_argument(load_rubric(path)) == str(path)


def test_rank_show_and_diff_under_a_rubric_file_never_rescored(
        store: Store, tmp_path: Path) -> None:
    path, db = draft(tmp_path, b_from=70), db_url(tmp_path)
    runner = CliRunner()
    ranked = runner.invoke(app, ["rank", "--rubric", str(path), "--format", "json",
                                 "--db", db])
    assert ranked.exit_code == 0, ranked.output
    document = json.loads(ranked.output)
    assert (document["rubric"], document["judged_now"]) == ("2026-draft", 8)
    rows = [row for block in document["blocks"] for row in block["rows"] + block["unranked"]]
    judged = scores_for(store, store.runs(), load_rubric(path)).scores.values()
    assert sorted(r["total"] for r in rows) == sorted(round(s["total"], 2) for s in judged)
    judged_by, default = load_rubric(path), load_rubric("2024")
    assert all(r["grade"] == judged_by.grade_for(r["total"]) for r in rows)
    assert any(r["grade"] != default.grade_for(r["total"]) for r in rows)

    table = runner.invoke(app, ["rank", "--rubric", str(path), "--db", db],
                          env={"COLUMNS": "200"})
    assert "8 lượt được chấm ngay" in table.output
    assert f"probe rescore --rubric {path} --sweep s-night1" in table.output

    shown = runner.invoke(app, ["show", "latest", "--rubric", str(path), "--json", "--db", db])
    document = json.loads(shown.output)
    assert document["scores"]["rubric"] == "2026-draft" and document["scores_judged_now"]

    assert runner.invoke(app, ["diff", "s-night1", "s-night1", "--rubric", "2024-attest",
                               "--json", "--db", db]).exit_code == 0
    assert score_rows(store, "2026-draft") == score_rows(store, "2024-attest") == 0


def test_a_rubric_that_is_not_there_is_refused_by_the_read_commands(
        store: Store, tmp_path: Path) -> None:
    db = db_url(tmp_path)
    for command in (["rank"], ["show", "latest"], ["diff", "s-night1", "s-night1"]):
        result = CliRunner().invoke(app, [*command, "--rubric", "2031", "--db", db])
        assert isinstance(result.exception, UserError), (command, result.output)
        assert "không có bộ tiêu chí tên này" in str(result.exception)
    done = subprocess.run([sys.executable, "-m", "probe.cli", "rank", "--rubric", "2031",
                           "--db", db], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "2024, 2024-attest" in done.stderr
    assert done.stdout == ""  # before: an empty ranking and exit 0


def test_a_report_under_a_rubric_never_rescored_shows_every_agency_and_says_so(
        store: Store, tmp_path: Path) -> None:
    from probe.report import write_report

    out = tmp_path / "report"
    index = write_report(store, "s-night1", "2024-attest", out, evidence=tmp_path / "evidence")
    summary = index.read_text(encoding="utf-8")
    assert "8 lượt được chấm khi lập báo cáo, chưa lưu điểm" in summary
    assert len(list(out.glob("agency-*.en.html"))) == 8
    ranking = json.loads((out / "ranking.json").read_text(encoding="utf-8"))
    judged = scores_for(store, store.runs(), load_rubric("2024-attest")).scores
    shown = {row["run_id"]: row["score"] for block in ranking["blocks"] for row in block["rows"]}
    assert shown and shown == {run_id: round(judged[run_id]["total"], 2) for run_id in shown}
    assert ranking["judged_now"] == 8 and score_rows(store, "2024-attest") == 0
    write_report(store, "s-night1", "2024", out, evidence=tmp_path / "evidence")
    assert "chưa lưu điểm" not in index.read_text(encoding="utf-8")


def test_a_trend_shows_a_score_of_another_file_as_unscored(store: Store,
                                                           tmp_path: Path) -> None:
    from probe.trends import trend

    rescore(store, load_rubric(draft(tmp_path)))
    agency = store.runs()[0].agency_id
    (point,) = trend(store, agency, load_rubric(draft(tmp_path))).points
    assert point.total is not None and point.groups
    (edited,) = trend(store, agency, load_rubric(draft(tmp_path, b_from=89))).points
    assert (edited.total, edited.grade, edited.groups) == (None, None, {})


def test_without_rubric_the_read_commands_use_the_one_the_sweep_was_scored_with(
        store: Store, tmp_path: Path) -> None:
    from probe.db.schema import SweepRow

    path, db, runner = draft(tmp_path), db_url(tmp_path), CliRunner()
    rescore(store, load_rubric(path))
    with store.session.begin() as session:  # as `probe sweep --rubric draft.yaml` records it
        sweep = session.get(SweepRow, "s-night1")
        sweep.rubric = rubric_argument(load_rubric(path), True)
        sweep.rubric_sha256 = store.keep_rubric(load_rubric(path))
    agency = store.runs()[0].agency_id
    for command in (["rank", "--format", "json"], ["diff", "s-night1", "latest", "--json"],
                    ["trend", agency, "--json"]):
        document = json.loads(runner.invoke(app, [*command, "--db", db]).output)
        assert document["rubric"] == "2026-draft", command
    assert document["points"][0]["total"] is not None  # trend: the stored scores
    shown = json.loads(runner.invoke(app, ["show", "latest", "--json", "--db", db]).output)
    assert shown["scores"]["rubric"] == "2026-draft" and not shown["scores_judged_now"]
    ranked = json.loads(runner.invoke(app, ["rank", "--format", "json", "--db", db]).output)
    assert ranked["judged_now"] == 0

    path.unlink()  # the sweep's rubric file is gone: its kept text serves
    kept = json.loads(runner.invoke(app, ["rank", "--format", "json", "--db", db]).output)
    assert (kept["rubric"], kept["judged_now"]) == ("2026-draft", 0)
    with store.session.begin() as session:  # a sweep recorded before texts were kept
        session.get(SweepRow, "s-night1").rubric_sha256 = ""
    gone = runner.invoke(app, ["rank", "--db", db])
    assert isinstance(gone.exception, UserError) and "--rubric" in str(gone.exception)
    assert str(path.resolve()) in str(gone.exception)
    chosen = json.loads(runner.invoke(app, ["rank", "--rubric", "2024", "--format", "json",
                                            "--db", db]).output)
    assert (chosen["rubric"], chosen["judged_now"]) == ("2024", 0)


def test_a_rubric_file_is_recorded_by_its_absolute_path(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    draft(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert rubric_argument(load_rubric("draft.yaml")) == "draft.yaml"
    assert rubric_argument(load_rubric("draft.yaml"), absolute=True) == str(
        tmp_path.resolve() / "draft.yaml")
    assert rubric_argument(load_rubric("2024"), absolute=True) == "2024"
    _, options = prepare(SweepRequest(registry=Path("2026"), rubric="draft.yaml",
                                      db=db_url(tmp_path)))
    assert options.rubric == str(tmp_path.resolve() / "draft.yaml")  # what the sweep records


def test_a_rubric_text_is_kept_once_under_its_hash(store: Store, tmp_path: Path) -> None:
    rubric = load_rubric(draft(tmp_path))
    assert store.keep_rubric(rubric) == rubric.sha256 == store.keep_rubric(rubric)
    assert store.rubric_text(rubric.sha256) == rubric.text
    assert store.rubric_text("0" * 64) is None
    packaged = load_rubric("2024")  # kept by the sweep's re-scoring in the fixture
    assert store.rubric_text(packaged.sha256) == (rubrics_dir() / "2024.yaml").read_text(
        encoding="utf-8")


def test_a_run_outside_any_sweep_is_shown_under_the_rubric_that_scored_it(
        store: Store, tmp_path: Path) -> None:
    from probe.db.store import agency_of, run_row
    from probe.scoring import score

    source = store.runs()[0]
    observations = store.observations(source.id)
    rubric = load_rubric(draft(tmp_path))  # as `probe check URL --rubric draft.yaml` stores
    store.keep_rubric(rubric)
    store.save_run(run_row(agency_of(source), "r-self-check", None, status="completed",
                           started_at="2024-06-01T08:00:00+00:00"), None, observations,
                   score(observations, rubric), rubric.sha256)
    (Path(rubric.source)).unlink()
    shown = CliRunner().invoke(app, ["show", "r-self-check", "--json", "--db", db_url(tmp_path)])
    document = json.loads(shown.output)
    assert document["scores"]["rubric"] == "2026-draft" and not document["scores_judged_now"]


def test_a_sweep_keeps_one_rubric_even_if_its_file_changes_before_it_ends(
        store: Store, tmp_path: Path) -> None:
    from probe.judged import sweep_rubric

    path = draft(tmp_path)
    original = load_rubric(path)
    sweep_id = store.start_sweep("registry.csv", rubric=str(path),
                                 rubric_sha256=store.keep_rubric(original))
    draft(tmp_path, b_from=89)  # edited while the sweep runs (or before a worker starts)
    sweep = store.sweep(sweep_id)
    assert sweep_rubric(store, sweep).sha256 == original.sha256
    assert sweep_rubric(store, sweep, str(path)).sha256 == original.sha256
    assert sweep_rubric(store, sweep, "2024-attest").version == "2024-attest"  # overridden
    path.unlink()  # a worker without the file scores with the kept text
    assert sweep_rubric(store, sweep).grade_for(85) == "B"
    unkept = store.sweep(store.start_sweep("registry.csv", rubric="2024"))
    assert sweep_rubric(store, unkept).version == "2024"


def test_an_attestation_recorded_after_scoring_is_judged_now_until_rescored(
        store: Store, tmp_path: Path) -> None:
    from probe import attestations

    runs, rubric = store.runs(), load_rubric("2024-attest")
    rescore(store, rubric)
    assert scores_for(store, runs, rubric).judged_now == frozenset()
    agency = runs[0].agency_id
    before = scores_for(store, runs, rubric).scores[runs[0].id]["total"]
    attestations.record(store, tmp_path, agency, "S7", "Lê C", "QĐ 12/2024", 1.0)
    now = scores_for(store, runs, rubric)
    assert now.judged_now == {run.id for run in runs if run.agency_id == agency}
    assert now.scores[runs[0].id]["total"] > before  # the attestation counts at once
    rescore(store, rubric)
    assert scores_for(store, runs, rubric).judged_now == frozenset()
    attestations.record(store, tmp_path, agency, "S7", "Lê C", "QĐ 12/2024", 1.0)
    assert scores_for(store, runs, rubric).judged_now == frozenset()  # the same statement
    assert scores_for(store, runs, load_rubric("2024")).judged_now == frozenset()


def test_the_end_of_sweep_ranking_uses_the_rubric_text_the_sweep_began_with(
        store: Store, tmp_path: Path) -> None:
    from probe.console import plain_console
    from probe.db.schema import SweepRow
    from probe.tables import print_ranking

    path = draft(tmp_path)
    rescore(store, load_rubric(path))
    with store.session.begin() as session:  # as open_sweep records it
        sweep = session.get(SweepRow, "s-night1")
        sweep.rubric, sweep.rubric_sha256 = str(path), store.keep_rubric(load_rubric(path))
    draft(tmp_path, b_from=89)  # edited before the sweep ended
    console = plain_console(record=True, width=300)
    print_ranking(console, store, "s-night1", str(path), None)
    assert "lượt được chấm ngay" not in console.export_text()  # nothing judged again
