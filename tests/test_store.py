"""results.db: a real SQLite file, migrated by Alembic, round-trips runs and scores."""

from pathlib import Path

import pytest
from sqlalchemy import inspect

from probe.db import Store, StoreError
from probe.db.store import agency_of, run_row
from probe.models import Agency, ItemScore, Observation, PageInfo, PortalScore, SiteMap

AGENCY = Agency(id="tinh-a", name="Tỉnh A", block="province", portal_url="https://a.gov.vn/",
                vendor="VNPT")


def test_fresh_database_is_migrated_and_reopens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    store = Store(url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"sweeps", "runs", "pages", "observations", "scores", "alembic_version"} <= tables
    sweep_id = store.start_sweep("reg.csv")
    store.close()
    assert Store(url).sweep("latest").id == sweep_id


def test_previous_is_last_nights_sweep_of_the_newest_sweeps_schedule(tmp_path: Path) -> None:
    """`probe diff previous latest`: the sweep before the newest measured one, of the same
    schedule, whatever ran between them (a self-check) or was imported after."""
    from probe.db.schema import SweepRow

    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    with pytest.raises(StoreError, match="no such sweep"):
        store.sweep("previous")
    with store.session.begin() as session:
        for sweep_id, day, schedule, status in (
                ("s-1", "21", "nightly", "completed"), ("s-2", "22", "self-check", "completed"),
                ("s-3", "22", "nightly", "completed"), ("s-4", "23", "nightly", "running"),
                ("s-pub", "24", "", "imported")):
            session.add(SweepRow(id=sweep_id, started_at=f"2026-11-{day}T22:00:00+00:00",
                                 registry_path="2026", schedule=schedule, status=status))
    assert store.sweep("latest").id == "s-pub"
    assert store.sweep("previous").id == "s-3"  # s-4 is the newest measured: tonight's



def test_latest_and_previous_can_name_their_schedule(tmp_path: Path) -> None:
    """The 05:30 report of a database the nightly and the self-check schedules share:
    'latest:nightly' is the newest nightly sweep even when a self-check ran after it."""
    from probe.db.schema import SweepRow

    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    with store.session.begin() as session:
        for sweep_id, day, schedule in (("s-1", "21", "nightly"), ("s-2", "22", "nightly"),
                                        ("s-3", "22", "self-check"), ("s-4", "23", "self-check")):
            session.add(SweepRow(id=sweep_id, started_at=f"2026-11-{day}T23:00:00+00:00",
                                 registry_path="2026", schedule=schedule, status="completed"))
    assert store.sweep("latest").id == "s-4"
    assert (store.sweep("latest:nightly").id, store.sweep("previous:nightly").id) == (
        "s-2", "s-1")
    assert (store.sweep("latest:self-check").id, store.sweep("previous:self-check").id) == (
        "s-4", "s-3")
    with pytest.raises(StoreError) as unknown:
        store.sweep("latest:nigthly")
    assert "'nigthly'" in str(unknown.value)
    assert str(unknown.value).endswith("(schedules stored): nightly, self-check")


def test_a_sweep_that_is_not_there_is_explained(tmp_path: Path) -> None:
    """The first morning, `probe diff previous latest` says why there is nothing to compare;
    a mistyped id is answered with the newest ids."""
    from probe.db.schema import SweepRow

    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    with pytest.raises(StoreError, match="no sweeps yet"):
        store.sweep("previous")
    with store.session.begin() as session:
        for number in range(1, 8):
            session.add(SweepRow(id=f"s-{number}", started_at=f"2026-11-{10 + number}T22:00",
                                 registry_path="2026", schedule="", status="completed"))
        session.add(SweepRow(id="s-night", started_at="2026-11-20T22:00", registry_path="2026",
                             schedule="nightly", status="completed"))
    with pytest.raises(StoreError) as first_night:
        store.sweep("previous")
    assert "s-night" in str(first_night.value)
    assert "'nightly'" in str(first_night.value) and "needs two sweeps" in str(first_night.value)
    with pytest.raises(StoreError) as typo:
        store.sweep("s-nigth")
    assert str(typo.value).endswith("(recent sweeps): s-night, s-7, s-6, s-5, s-4")


def test_run_observations_sitemap_and_scores_round_trip(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    sweep_id = store.start_sweep("reg.csv")
    sitemap = SiteMap(portal="https://a.gov.vn/", pages=[
        PageInfo(url="https://a.gov.vn/", type="home", signals=["url:/"], status=200)])
    observation = Observation("performance", "fcp", 812.5, "ms", page="https://a.gov.vn/",
                              stat="median", artifacts=["r1/ab.json"])
    store.save_run(run_row(AGENCY, "r1", sweep_id, status="completed", started_at="t"),
                   sitemap, [observation])
    score = PortalScore("2024", 91.5, "A", {"functions": {"points": 50, "max": 50}},
                        [ItemScore("F1", "functions", 8, 8, "pass", "đạt")])
    store.save_score("r1", score)
    store.save_score("r1", score)  # replacing keeps one row per rubric
    assert store.observations("r1") == [observation]
    assert store.sitemap("r1").pages[0].type == "home"
    assert store.score("r1", "2024")["grade"] == "A"
    assert store.score("r1", "other") is None
    assert agency_of(store.run("latest")) == AGENCY
    assert [r.id for r in store.runs(sweep_id)] == ["r1"]


def test_an_agency_id_names_that_agencys_newest_run(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    other = Agency(id="bo-b", name="Bộ B", block="ministry", portal_url="https://b.gov.vn/")
    sweep_id = store.start_sweep("reg.csv")
    for run_id, agency, started in (("r1", AGENCY, "2026-11-01"), ("r2", AGENCY, "2026-11-02"),
                                    ("r3", other, "2026-11-03")):
        store.save_run(run_row(agency, run_id, sweep_id, status="completed",
                               started_at=started), None, [])
    assert store.run("tinh-a").id == "r2" and store.run("bo-b").id == "r3"
    assert store.run("r1").id == "r1" and store.run("latest").id == "r3"
    with pytest.raises(StoreError, match="no such run or agency"):
        store.run("tinh-khac")


def test_unknown_run_and_unopenable_database_are_store_errors(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    with pytest.raises(StoreError):
        store.run("r-missing")
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError):
        Store(f"sqlite:///{tmp_path / 'dir.db'}")
