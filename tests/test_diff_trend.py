"""`probe diff` reports real changes only; `probe trend` follows one agency over sweeps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from probe.commands_judging import diff, trend
from probe.diffing import AgencyDiff, RunSide, diff_runs, evidence_changes, item_changes
from probe.errors import UserError
from probe.history import import_results
from probe.models import Observation
from probe.rescoring import rescore
from probe.scoring import load_rubric
from probe.synthetic import Degradation, fill_sweep
from tests.judging_helpers import (
    borderline_profile,
    db_url,
    judging_app,
    new_store,
    steady_profiles,
)
from tests.test_history import RESULTS_2023

RUBRIC = load_rubric("2024")
SLOW = "syn-0099"
TIMED = {"ttfb", "fcp", "lcp", "speed_index", "tbt"}  # cls is not slowed down


@pytest.fixture()
def nights(tmp_path: Path) -> Path:
    """Three scored sweeps of 24 portals: night2 is noise only; in night3 one portal is
    1.8x slower and lost its dossier look-up page."""
    store = new_store(tmp_path)
    profiles = [*steady_profiles(24), borderline_profile()]
    fill_sweep(store, profiles, "night1", "2024-05-01T18:00:00+00:00")
    fill_sweep(store, profiles, "night2", "2024-05-02T18:00:00+00:00")
    fill_sweep(store, profiles, "night3", "2024-05-03T18:00:00+00:00",
               degradations={SLOW: Degradation(1.8, {"lookup.form": False})})
    rescore(store, RUBRIC)
    store.close()
    return tmp_path


def run_diff(folder: Path, before: str, after: str, capsys: pytest.CaptureFixture[str]
             ) -> dict:
    assert diff(before, after, "2024", db_url(folder), as_json=True) == 0
    return json.loads(capsys.readouterr().out)


def test_pure_noise_reports_nothing(nights: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_diff(nights, "s-night1", "s-night2", capsys)
    assert result["compared"] == 25
    assert result["agencies"] == []
    assert result["within_noise"] > 0  # totals did move, inside run-to-run noise
    for flip in result["noise_grade_changes"]:  # near a boundary: listed, not an alarm
        assert abs(flip["total_after"] - flip["total_before"]) < 1.5


def test_slower_portal_with_lost_page_reports_exactly_that(
        nights: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_diff(nights, "s-night2", "s-night3", capsys)
    assert [a["agency_id"] for a in result["agencies"]] == [SLOW]
    (slow,) = result["agencies"]
    assert slow["explained"] and slow["total_after"] < slow["total_before"]
    items = {i["id"]: i for i in slow["items"]}
    assert set(items) == {"F3", "P1", "P2", "P3", "P4", "P5"}
    assert all(i["change"] == "lost" for i in items.values())
    assert [e["ref"] for e in items["F3"]["evidence"]] == [
        "functions/lookup.form@https://dichvucong.syn0099.gov.vn/"]
    assert (items["F3"]["evidence"][0]["before"], items["F3"]["evidence"][0]["after"]) == (
        True, False)
    assert {e["name"] for e in items["P5"]["evidence"]} == {"ttfb"}
    assert {t["name"] for t in slow["timing"]} == TIMED
    assert all(t["verdict"] == "regression" and t["page"].endswith(".gov.vn/")
               for t in slow["timing"])
    fcp = next(t for t in slow["timing"] if t["name"] == "fcp")
    assert len(fcp["runs_before"]) == len(fcp["runs_after"]) == 3
    assert fcp["after"] > 1.6 * fcp["before"]


def test_diff_text_output(nights: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert diff("s-night2", "s-night3", "2024", db_url(nights)) == 0
    text = capsys.readouterr().out
    assert "25 cơ quan (agencies), 1 có thay đổi (changed)" in text
    assert "Cơ quan thử 0099" in text and "mất điểm (lost)" in text
    assert "chậm hơn (regression)" in text


def test_diff_judges_unscored_runs_now_and_needs_evidence(
        nights: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert diff("s-night1", "s-night2", "2024-attest", db_url(nights), as_json=True) == 0
    unscored = json.loads(capsys.readouterr().out)
    assert unscored["judged_now"] == 50 and unscored["compared"] == 25
    assert unscored["agencies"] == []  # judged now, the noise rule still holds
    store = new_store(nights)
    imported = import_results(store, RESULTS_2023)
    with pytest.raises(UserError, match="imported published table"):
        diff(imported.sweep_id, "s-night2", "2024", db_url(nights))
    with pytest.raises(UserError, match="no such sweep"):
        diff("s-night1", "s-night9", "2024", db_url(nights))


def obs(name: str, value: object, stat: str | None = None, outcome: str = "ok",
        page: str | None = "https://a.gov.vn/") -> Observation:
    from probe.observations import CATALOGUE

    spec = CATALOGUE[name]
    return Observation(spec.check, name, value, spec.unit, page=page,  # type: ignore[arg-type]
                       stat=stat, outcome=outcome,  # type: ignore[arg-type]
                       observed_at="2024-05-01T00:00:00+00:00")


def test_evidence_rules_on_hand_made_runs() -> None:
    before = [obs("search.works", True), obs("catalogue.procedures", 120),
              *[obs("fcp", v, "run") for v in (1500.0, 1520.0, 1480.0)],
              obs("fcp", 1500.0, "median")]
    after = [obs("search.works", True), obs("catalogue.procedures", 121),
             *[obs("fcp", None, "run", "portal_error") for _ in range(3)],
             obs("fcp", None, "median", "portal_error")]
    changes = evidence_changes(before, after)
    assert [(c.kind, c.name, c.before, c.after, c.outcome_after) for c in changes] == [
        ("value", "catalogue.procedures", 120, 121, "ok"),
        ("value", "fcp", None, None, "portal_error")]
    # another port of the same portal still matches page by page
    moved = [obs("fcp", v, "run", page="https://a.gov.vn:8443/") for v in (1490.0, 1510, 1500)]
    assert evidence_changes(before[2:5], moved) == []


def test_item_moved_by_noise_alone_is_not_reported() -> None:
    item_a = {"id": "P1", "group": "performance", "points": 4.1, "max": 5, "status": "partial",
              "reason": "x", "observations": ["performance/fcp@https://a.gov.vn/"]}
    item_b = {**item_a, "points": 3.9}
    noise = evidence_changes([obs("fcp", v, "run") for v in (1900.0, 1950, 1920)],
                             [obs("fcp", v, "run") for v in (1930.0, 1960, 1890)])
    assert noise == []
    assert item_changes({"items": [item_a]}, {"items": [item_b]}, noise, RUBRIC) == []
    side = RunSide("r1", "completed", {"total": 80.0, "grade": "B", "items": [item_a]})
    other = RunSide("r2", "completed", {"total": 79.9, "grade": "C", "items": [item_b]})
    crossed = diff_runs(("a", "A", "province"), side, other, [], [], RUBRIC)
    assert crossed.grade_changed and not crossed.explained and not crossed.reported


# --------------------------------------------------------------------------- trend


def test_trend_over_sweeps_with_published_history(nights: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # xdist workers set 80, at which sweep ids fold
    assert trend(SLOW, "2024", db_url(nights), as_json=True) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["agency"] == "Cơ quan thử 0099"
    points = document["points"]
    assert [p["sweep_id"] for p in points] == ["s-night1", "s-night2", "s-night3"]
    assert points[2]["total"] < points[1]["total"]
    assert set(points[0]["groups"]) == {"functions", "layout", "performance", "security",
                                        "access", "emc"}
    assert points[2]["groups"]["performance"] < points[1]["groups"]["performance"]
    assert trend(SLOW, "2024", db_url(nights), as_json=True, last=2) == 0
    newest = json.loads(capsys.readouterr().out)
    assert [p["sweep_id"] for p in newest["points"]] == ["s-night2", "s-night3"]
    assert newest["older_points"] == 1 and newest["points"] == points[1:]
    assert trend(SLOW, "2024", db_url(nights), last=1) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "s-night3" in text and "s-night2" not in text
    assert "2 đợt cũ hơn không hiện (older sweeps not shown)" in text
    store = new_store(nights)
    import_results(store, RESULTS_2023, "2023-07-12")
    assert trend("bo quoc phong", "2024", db_url(nights), as_json=True) == 0
    published = json.loads(capsys.readouterr().out)
    assert published["agency"] == "Bộ Quốc phòng" and published["agency_id"] is None
    assert [(p["source"], p["grade"], p["rank"]) for p in published["points"]] == [
        ("published", "A", 1)]


def test_trend_under_an_unscored_rubric_and_errors(nights: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert trend("Cơ quan thử 0003", "2024-attest", db_url(nights), as_json=True) == 0
    points = json.loads(capsys.readouterr().out)["points"]
    assert [(p["total"], p["grade"], p["groups"]) for p in points] == [(None, None, {})] * 3
    assert trend("Cơ quan thử 0003", "2024-attest", db_url(nights)) == 0
    text = capsys.readouterr().out
    assert "syn-0003" in text and "2024-05-03" in text
    assert "probe rescore --rubric 2024-attest" in " ".join(text.split())
    with pytest.raises(UserError, match="did you mean"):
        trend("syn-00999", "2024", db_url(nights))


def test_a_sweep_ends_with_what_changed_since_the_night_before(nights: Path) -> None:
    from probe.commands_judging import print_since_previous_sweep
    from probe.console import plain_console
    from probe.db import Store

    store = Store(db_url(nights))
    console = plain_console(record=True, width=400)
    print_since_previous_sweep(console, store, "s-night1", "2024")
    assert console.export_text() == ""  # the first night: nothing to compare with
    print_since_previous_sweep(console, store, "s-night3", "2024")
    text = console.export_text()
    assert "(since the previous sweep of this schedule) s-night2: 1/25 cơ quan có thay đổi" in text
    assert text.rstrip().endswith("probe diff s-night2 s-night3")
    store.close()


def test_the_sweep_command_prints_it_after_its_summary(
        nights: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import probe.sweep
    from probe import commands_sweep
    from probe.db import Store

    monkeypatch.setattr(probe.sweep, "sweep", lambda *_args, **_kw: None)  # night3 is stored
    store = Store(db_url(nights))
    options = probe.sweep.SweepOptions(evidence_root=nights / "evidence")
    assert commands_sweep.run(store, "s-night3", [], options, db_url(nights)) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert printed.index("Tổng kết đợt quét") < printed.index("probe diff s-night2 s-night3")
    store.close()


def test_a_dispatched_sweep_prints_it_too(nights: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from probe.db import Store
    from probe.db.plan import SweepPlan
    from probe.workers.dispatch import _print_end

    store = Store(db_url(nights))
    _print_end(store, "s-night3", "2024", {}, SweepPlan(store, "s-night3").items(), 1.0)
    printed = " ".join(capsys.readouterr().out.split())
    assert printed.index("Máy quét (workers)") < printed.index("probe diff s-night2 s-night3")
    store.close()


def test_cli_wiring(nights: Path) -> None:
    runner = CliRunner()
    app = judging_app()
    result = runner.invoke(app, ["trend", SLOW, "--db", db_url(nights), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["agency_id"] == SLOW
    result = runner.invoke(app, ["diff", "s-night2", "s-night3", "--db", db_url(nights),
                                 "--json"])
    assert result.exit_code == 0
    (slow,) = json.loads(result.output)["agencies"]
    assert (slow["agency_id"], slow["grade_before"], slow["grade_after"], slow["move"]) \
        == (SLOW, "C", "D", "down")
    morning = runner.invoke(app, ["diff", "previous", "latest", "--db", db_url(nights),
                                  "--json"])  # the morning after night3
    assert json.loads(morning.output) == json.loads(result.output)


def _moved(name: str, before: tuple[str, str], after: tuple[str, str]) -> AgencyDiff:
    """An agency whose (status, grade) went from `before` to `after`."""
    return AgencyDiff(agency_id=name, agency=name, block="provinces",
                      before=RunSide("r1", before[0], {"grade": before[1]}),
                      after=RunSide("r2", after[0], {"grade": after[1]}))


def test_each_agency_s_move_is_told_apart() -> None:
    ok = "completed"
    assert _moved("A", (ok, "B"), (ok, "B")).move is None
    assert _moved("A", (ok, "B"), (ok, "C")).move == "down"
    assert _moved("A", (ok, "C"), (ok, "A")).move == "up"
    assert _moved("A", (ok, "B"), ("timeout", "E")).move == "unreachable"
    assert _moved("A", ("timeout", "E"), ("dns_error", "E")).move == "unreachable"
    assert _moved("A", (ok, "B"), ("probe_error", None)).move == "unmeasured"
    assert _moved("A", ("timeout", "E"), (ok, "E")).move == "reachable"
    assert _moved("A", (ok, None), (ok, "D")).move == "up"


def test_the_morning_line_names_the_worst_news_first_and_counts_the_rest() -> None:
    from probe.commands_judging import MOVERS_LISTED, _moves

    ok, down = "completed", "timeout"
    agencies = ([_moved(f"Tỉnh lên {n}", (ok, "C"), (ok, "B")) for n in range(3)]
                + [_moved(name, (ok, "B"), (down, "E")) for name in ("Điện Biên", "Bắc Ninh")]
                + [_moved(f"Bộ tụt {n}", (ok, "B"), (ok, "C")) for n in range(6)]
                + [_moved("Cà Mau", (ok, "A"), ("probe_error", None)),
                   _moved("Huế", (down, "E"), (ok, "B")),
                   _moved("An Giang", (ok, "B"), (ok, "B"))])
    text = _moves(agencies)
    assert text.startswith("13 đổi xếp loại hoặc trạng thái (grade or status changed): "
                           "2 không truy cập được (unreachable), 6 tụt hạng (grade down), "
                           "1 lỗi công cụ, cần chạy lại (probe failed: run again), "
                           "1 hoàn tất trở lại (completed again), 3 lên hạng (grade up); ")
    named = text.split("; ")[1:]
    assert named[0] == "Bắc Ninh B → E (completed → timeout)"  # B before Đ, as Vietnamese sorts
    assert named[1] == "Điện Biên B → E (completed → timeout)"
    assert [n.split(" B → C")[0] for n in named[2:8]] == [f"Bộ tụt {n}" for n in range(6)]
    assert named[8] == "Cà Mau A → — (completed → probe_error)"
    assert named[9] == "Huế E → B (timeout → completed)"
    assert len(named) == MOVERS_LISTED + 1 and named[-1] == "và 3 cơ quan khác (and 3 more)"
    assert "Tỉnh lên" not in text and "An Giang" not in text
    assert _moves(agencies[-1:]) == "0 đổi xếp loại hoặc trạng thái (grade or status changed)"
