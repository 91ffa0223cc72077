"""Celery redelivery is capped: a task whose worker process dies every time is given up after
`max_deliveries` deaths, and the agency gets a sealed probe_error run (never scored against
it); a task that merely fails does not count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from probe.audit.manifest import manifest_row
from probe.audit.verify import verify
from probe.db.plan import DONE, SweepPlan
from probe.db.store import Store
from probe.models import Agency
from probe.sweep import SweepOptions
from probe.workers import jobs

AGENCY = Agency(id="tinh-a", name="Tỉnh A", block="province", portal_url="https://a.example/")
DIES = """\
import os, sys
from pathlib import Path
from probe.db.plan import SweepPlan
from probe.db.store import Store
from probe.workers import jobs

def die(agencies, store, options, sweep_id=None):
    SweepPlan(store, sweep_id).start(agencies[0].id, "r-dying")  # under way, then killed
    os._exit(9)

jobs.sweep = die
db, sweep_id, agency_id, root = sys.argv[1:]
jobs.probe_agency(Store(db), sweep_id, agency_id, jobs.WorkerConfig(db, Path(root)))
"""


def new_sweep(tmp_path: Path) -> tuple[Store, str, jobs.WorkerConfig]:
    db = f"sqlite:///{tmp_path / 'results.db'}"
    store = Store(db)
    options = SweepOptions(families=("layout", "security"), evidence_root=tmp_path / "ev")
    sweep_id = store.start_sweep("registry.csv", options_json=options.to_json())
    SweepPlan(store, sweep_id).ensure([AGENCY])
    return store, sweep_id, jobs.WorkerConfig(db, tmp_path / "ev", max_deliveries=2)


def deliveries(store: Store, sweep_id: str) -> int:
    item = jobs.plan_item(store, sweep_id, AGENCY.id)
    assert item is not None
    return item.deliveries


def test_a_task_that_keeps_killing_its_worker_is_given_up(tmp_path: Path) -> None:
    store, sweep_id, config = new_sweep(tmp_path)
    for death in (1, 2):
        done = subprocess.run([sys.executable, "-c", DIES, config.db, sweep_id, AGENCY.id,
                               str(config.evidence_root)], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 9, done.stderr[-2000:]
        assert deliveries(store, sweep_id) == death

    result = jobs.probe_agency(store, sweep_id, AGENCY.id, config)

    assert result.state == jobs.GIVEN_UP and result.status == "probe_error"
    run = store.runs(sweep_id)[0]
    assert (run.id, run.status) == (result.run_id, "probe_error")
    assert "died 2 times" in run.status_detail
    assert manifest_row(store, run.id) is not None  # sealed
    observations = store.observations(run.id)
    assert {o.outcome for o in observations if o.check != "discovery"} == {"probe_error"}
    item = jobs.plan_item(store, sweep_id, AGENCY.id)
    assert item is not None and item.state == DONE and item.run_id == run.id
    assert store.sweep(sweep_id).status == "completed"
    assert verify(store, sweep_id=sweep_id, root=config.evidence_root).ok
    store.close()


def test_a_task_that_fails_without_dying_is_not_counted(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store, sweep_id, config = new_sweep(tmp_path)
    seen: list[int] = []

    def fails(agencies: list[Agency], store: Store, options: SweepOptions,
              sweep_id: str | None = None) -> list[object]:
        seen.append(deliveries(store, sweep_id or ""))
        raise RuntimeError("database went away")

    monkeypatch.setattr(jobs, "sweep", fails)
    for _ in range(3):
        with pytest.raises(RuntimeError):
            jobs.probe_agency(store, sweep_id, AGENCY.id, config)
    assert seen == [1, 1, 1] and deliveries(store, sweep_id) == 0
    store.close()


def test_a_long_rubric_path_is_stored_with_the_sweep(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    rubric = str(tmp_path / ("rubrics-of-the-provincial-evaluation-council" * 3) / "2024.yaml")
    sweep_id = store.start_sweep("registry.csv", rubric=rubric)
    assert store.sweep(sweep_id).rubric == rubric
    store.close()
