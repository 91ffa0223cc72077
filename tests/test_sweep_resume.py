"""Resume without a browser: sealed runs are kept, half-written ones discarded cleanly, and
the evidence trail still verifies; the sweep's options survive the round trip."""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from probe.audit.digests import MANIFEST_SUFFIX
from probe.audit.manifest import manifest_rows, seal_run
from probe.audit.verify import verify
from probe.cli import main
from probe.context import ProbeSettings
from probe.db.plan import SweepPlan
from probe.db.store import Store, run_row
from probe.evidence import EvidenceStore
from probe.models import Agency, Observation, SiteMap
from probe.progress import summary_rows
from probe.retry import RetryPolicy
from probe.schedule import DEMO_SCHEDULE, Window
from probe.scoring import load_rubric, score
from probe.sweep import SweepOptions, sweep
from spiders.budget import Budget

AGENCIES = [Agency(id=f"tinh-{c}", name=f"Tỉnh {c.upper()}", block="province",
                   portal_url=f"https://{c}.example/") for c in "abcd"]


def store_run(store: Store, root: Path, agency: Agency, run_id: str, sweep_id: str,
              seal: bool) -> None:
    """A stored (and maybe sealed) run with one artifact."""
    shot = EvidenceStore(root, run_id).put(f"screenshot of {agency.id}".encode(), ".png")
    found = [Observation("discovery", "portal.reachable", True, "bool", page=agency.portal_url),
             Observation("layout", "header.agency_name", True, "bool", page=agency.portal_url,
                         artifacts=[shot])]
    store.save_run(run_row(agency, run_id, sweep_id, status="completed",
                           started_at="2026-03-01T15:00:00+00:00", duration_s=3.0),
                   SiteMap(portal=agency.portal_url), found,
                   score(found, load_rubric("2024")))
    if seal:
        seal_run(store, root, run_id)


def killed_sweep(tmp_path: Path) -> tuple[Store, Path, SweepPlan]:
    """A sweep as SIGKILL leaves it: A sealed, B stored but unsealed (a stray manifest file
    beside it), C under way with artifacts but no rows, D never started."""
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    root = tmp_path / "evidence"
    sweep_id = store.start_sweep("registry.csv", sweep_id="s-killed")
    plan = SweepPlan(store, sweep_id)
    plan.ensure(AGENCIES)
    a, b, c, _ = AGENCIES
    plan.start(a.id, "r-a")
    store_run(store, root, a, "r-a", sweep_id, seal=True)
    plan.finish(a.id, "r-a", "completed", 3.0)
    plan.start(b.id, "r-b")
    store_run(store, root, b, "r-b", sweep_id, seal=False)
    EvidenceStore(root, "r-b").put(b'{"format": "half"}', MANIFEST_SUFFIX)
    plan.start(c.id, "r-c")
    EvidenceStore(root, "r-c").put(b"partial trace", ".zip")
    return store, root, plan


def test_resume_keeps_sealed_runs_and_discards_half_written_ones(tmp_path: Path) -> None:
    store, root, plan = killed_sweep(tmp_path)
    sealed_before = [(r.run_id, r.seq, r.sha256) for r in manifest_rows(store, "s-killed")]
    assert not verify(store, sweep_id="s-killed", root=root).ok  # r-b unsealed, stray file

    found = plan.reconcile(root)

    assert found.kept == 1 and found.discarded == ["r-b", "r-c"] and found.pending == 3
    assert [r.id for r in store.runs("s-killed")] == ["r-a"]
    assert store.observations("r-b") == [] and store.score("r-b", "2024") is None
    assert not (root / "r-b").exists() and not (root / "r-c").exists()
    assert any((root / "r-a").iterdir())
    assert [(r.run_id, r.seq, r.sha256) for r in manifest_rows(store, "s-killed")] \
        == sealed_before
    assert [a.id for a in plan.pending()] == ["tinh-b", "tinh-c", "tinh-d"]
    states = {row.agency_id: (row.state, row.run_id, row.redone) for row in plan.items()}
    assert states == {"tinh-a": ("done", "r-a", 0), "tinh-b": ("pending", None, 1),
                      "tinh-c": ("pending", None, 1), "tinh-d": ("pending", None, 0)}
    report = verify(store, sweep_id="s-killed", root=root)
    assert report.ok, report.problems
    connection = sqlite3.connect(tmp_path / "results.db")
    assert connection.execute("pragma integrity_check").fetchall() == [("ok",)]


def test_the_resumed_runs_extend_the_same_chain(tmp_path: Path) -> None:
    store, root, plan = killed_sweep(tmp_path)
    plan.reconcile(root)
    for agency in plan.pending():
        run_id = f"r-{agency.id}-2"
        plan.start(agency.id, run_id)
        store_run(store, root, agency, run_id, "s-killed", seal=True)
        plan.finish(agency.id, run_id, "completed", 2.0)
    assert plan.reconcile(root).pending == 0  # a second reconcile changes nothing
    rows = manifest_rows(store, "s-killed")
    assert [r.seq for r in rows] == [1, 2, 3, 4] and rows[0].run_id == "r-a"
    assert sorted(r.agency_id for r in store.runs("s-killed")) == [a.id for a in AGENCIES]
    assert verify(store, sweep_id="s-killed", root=root).ok
    summary = summary_rows(plan.items())
    assert summary == [{"status": "completed", "portals": 4, "retried": 0, "redone": 2,
                        "min_s": 2.0, "median_s": 2.0, "max_s": 3.0}]


def test_sweep_options_survive_the_round_trip(tmp_path: Path) -> None:
    options = SweepOptions(
        settings=ProbeSettings(ca_file="/tmp/ca.pem", allow_private=True, perf_runs=1,
                               national_portal_hosts=("127.0.0.1:9",), extra={"k": "v"}),
        rubric="2024", families=("security", "emc"), evidence_root=tmp_path, concurrency=3,
        retry=RetryPolicy(max_attempts=4, backoff_s=2), window=Window("21:30", "04:00"),
        batch_size=5, budget=Budget(delay=0.5, per_host=2))
    assert SweepOptions.from_json(options.to_json(), tmp_path) == options
    plain = SweepOptions(evidence_root=tmp_path)
    assert SweepOptions.from_json(plain.to_json(), tmp_path) == replace(plain)


def test_a_sweep_being_run_by_a_live_process_is_not_resumed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    alive = f"{socket.gethostname()}:{os.getppid()}"
    sweep_id = store.start_sweep("registry.csv", options_json=SweepOptions().to_json(),
                                 owner=alive)
    SweepPlan(store, sweep_id).ensure(AGENCIES[:1])
    monkeypatch.setattr(sys, "argv", ["probe", "sweep", "--resume", "--db", store.url])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 2
    assert f"đang chạy ở tiến trình {os.getppid()}" in capsys.readouterr().err
    assert not store.claim_sweep(sweep_id, "other:1", previous="someone-else:2")
    assert store.claim_sweep(sweep_id, "other:1", previous=alive)
    assert store.sweep(sweep_id).owner == "other:1"


def test_a_killed_demo_is_never_taken_for_the_sweep_to_resume(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A demo stores its options (its replay reads them) but the farm it swept ended with
    it: `probe sweep --resume` leaves it alone."""
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    sweep_id = store.start_sweep("farm.csv", schedule=DEMO_SCHEDULE,
                                 options_json=SweepOptions().to_json(), owner="gone:1")
    SweepPlan(store, sweep_id).ensure(AGENCIES[:1])
    monkeypatch.setattr(sys, "argv", ["probe", "sweep", "--resume", "--db", store.url])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0
    assert "no unfinished sweep to resume" in capsys.readouterr().out
    assert store.sweep(sweep_id).owner == "gone:1"


def test_no_portal_starts_once_the_window_has_closed(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    sweep_id = store.start_sweep("registry.csv")
    now = datetime.now(UTC) + timedelta(hours=7)
    closed = Window(*((now + timedelta(hours=h)).strftime("%H:%M") for h in (2, 3)))
    stages: list[tuple[str, str]] = []
    outcomes = sweep(AGENCIES, store, SweepOptions(evidence_root=tmp_path, window=closed),
                     sweep_id, lambda agency, stage: stages.append((agency.id, stage)))
    assert outcomes == [] and store.runs(sweep_id) == []
    assert stages == [(a.id, "skipped") for a in AGENCIES]
    assert [a.id for a in SweepPlan(store, sweep_id).pending()] == [a.id for a in AGENCIES]
