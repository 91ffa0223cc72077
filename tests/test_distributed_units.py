"""Distributed sweeps without servers: the worker task's idempotence (sealed runs kept,
half-written ones redone), the options a worker machine decides, the timed-run machine lock,
and the CLI's errors. The real Redis + PostgreSQL + two workers run is test_distributed.py."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from probe.audit.manifest import manifest_rows, seal_run
from probe.audit.verify import verify
from probe.cli import main
from probe.context import ProbeSettings
from probe.db.plan import SweepPlan
from probe.db.store import Store, run_row
from probe.evidence import EvidenceStore
from probe.models import Agency, Observation, SiteMap
from probe.scoring import load_rubric, score
from probe.sweep import PortalOutcome, SweepOptions
from probe.workers import jobs
from probe.workers.locks import MachineLock, agency_lock, chain_lock, lock_key

AGENCIES = [Agency(id=f"tinh-{c}", name=f"Tỉnh {c.upper()}", block="province",
                   portal_url=f"https://{c}.example/") for c in "abc"]


def stored(store: Store, root: Path, agency: Agency, run_id: str, sweep_id: str,
           seal: bool) -> PortalOutcome:
    """A run stored for `agency` (and sealed when asked), as the sweep machinery leaves it."""
    shot = EvidenceStore(root, run_id).put(f"screenshot of {agency.id}".encode(), ".png")
    found = [Observation("discovery", "portal.reachable", True, "bool", page=agency.portal_url),
             Observation("layout", "header.agency_name", True, "bool", page=agency.portal_url,
                         artifacts=[shot])]
    portal_score = score(found, load_rubric("2024"))
    store.save_run(run_row(agency, run_id, sweep_id, status="completed",
                           started_at="2026-03-01T15:00:00+00:00", duration_s=1.0),
                   SiteMap(portal=agency.portal_url), found, portal_score)
    if seal:
        seal_run(store, root, run_id)
        SweepPlan(store, sweep_id).finish(agency.id, run_id, "completed", 1.0)
    return PortalOutcome(run_id, agency, "completed", "", SiteMap(portal=agency.portal_url),
                         found, portal_score, 1.0)


class FakeSweep:
    """Stands in for probe.sweep.sweep: records its calls, stores a run (sealed or not)."""

    def __init__(self, root: Path, seal: bool = True, skip: bool = False) -> None:
        self.root, self.seal, self.skip = root, seal, skip
        self.calls: list[tuple[str, SweepOptions]] = []

    def __call__(self, agencies: list[Agency], store: Store, options: SweepOptions,
                 sweep_id: str | None = None) -> list[PortalOutcome]:
        agency = agencies[0]
        self.calls.append((agency.id, options))
        if self.skip:
            return []
        run_id = f"r-{agency.id}-{len(self.calls)}"
        SweepPlan(store, sweep_id).start(agency.id, run_id)
        return [stored(store, self.root, agency, run_id, sweep_id, self.seal)]


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, str,
                                                                       jobs.WorkerConfig]:
    monkeypatch.setenv("PROBE_LOCK_DIR", str(tmp_path / "locks"))
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    options = SweepOptions(settings=ProbeSettings(allow_private=True, perf_runs=1),
                           families=("security",), evidence_root=tmp_path / "evidence")
    sweep_id = store.start_sweep("registry.csv", options_json=options.to_json())
    SweepPlan(store, sweep_id).ensure(AGENCIES)
    config = jobs.WorkerConfig(db=store.url, evidence_root=tmp_path / "evidence",
                               machine_lock=MachineLock(tmp_path / "locks"))
    return store, sweep_id, config


def test_each_agency_is_probed_once_and_the_last_task_completes_the_sweep(
        shared, monkeypatch: pytest.MonkeyPatch) -> None:
    store, sweep_id, config = shared
    fake = FakeSweep(config.evidence_root)
    monkeypatch.setattr(jobs, "sweep", fake)
    states = [jobs.probe_agency(store, sweep_id, a.id, config, worker="w1").state
              for a in AGENCIES]
    assert states == ["probed"] * 3
    assert store.sweep(sweep_id).status == "completed"
    again = jobs.probe_agency(store, sweep_id, "tinh-a", config, worker="w2")
    assert (again.state, again.run_id, again.worker) == ("kept", "r-tinh-a-1", "w2")
    assert len(fake.calls) == 3  # a duplicate delivery probes nothing
    assert sorted(r.agency_id for r in store.runs(sweep_id)) == [a.id for a in AGENCIES]
    assert [r.seq for r in manifest_rows(store, sweep_id)] == [1, 2, 3]
    assert verify(store, sweep_id=sweep_id, root=config.evidence_root).ok


def test_a_half_written_run_is_discarded_and_redone(shared,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    store, sweep_id, config = shared
    a = AGENCIES[0]
    SweepPlan(store, sweep_id).start(a.id, "r-dead")  # a worker died before sealing
    stored(store, config.evidence_root, a, "r-dead", sweep_id, seal=False)
    assert (config.evidence_root / "r-dead").is_dir()
    monkeypatch.setattr(jobs, "sweep", FakeSweep(config.evidence_root))
    result = jobs.probe_agency(store, sweep_id, a.id, config)
    assert result.state == "redone" and result.run_id == "r-tinh-a-1"
    assert [r.id for r in store.runs(sweep_id)] == ["r-tinh-a-1"]
    assert not (config.evidence_root / "r-dead").exists()
    row = next(i for i in SweepPlan(store, sweep_id).items() if i.agency_id == a.id)
    assert (row.state, row.run_id, row.redone) == ("done", "r-tinh-a-1", 1)
    assert verify(store, sweep_id=sweep_id, root=config.evidence_root).ok


def test_a_sealed_run_the_plan_missed_is_kept(shared, monkeypatch: pytest.MonkeyPatch) -> None:
    store, sweep_id, config = shared
    a = AGENCIES[1]
    SweepPlan(store, sweep_id).start(a.id, "r-sealed")
    stored(store, config.evidence_root, a, "r-sealed", sweep_id, seal=False)
    seal_run(store, config.evidence_root, "r-sealed")  # died between the seal and the plan
    monkeypatch.setattr(jobs, "sweep", FakeSweep(config.evidence_root))
    result = jobs.probe_agency(store, sweep_id, a.id, config)
    assert (result.state, result.run_id) == ("kept", "r-sealed")
    row = next(i for i in SweepPlan(store, sweep_id).items() if i.agency_id == a.id)
    assert (row.state, row.run_id) == ("done", "r-sealed")


def test_unsealed_runs_are_retried_and_closed_windows_skip(
        shared, monkeypatch: pytest.MonkeyPatch) -> None:
    store, sweep_id, config = shared
    monkeypatch.setattr(jobs, "sweep", FakeSweep(config.evidence_root, seal=False))
    with pytest.raises(jobs.NotSealed):
        jobs.probe_agency(store, sweep_id, "tinh-a", config)
    monkeypatch.setattr(jobs, "sweep", FakeSweep(config.evidence_root, skip=True))
    assert jobs.probe_agency(store, sweep_id, "tinh-b", config).state == "skipped"
    assert jobs.probe_agency(store, sweep_id, "nobody", config).state == "missing"
    assert store.sweep(sweep_id).status == "running"


def test_the_worker_machine_decides_ca_file_network_and_locks(
        shared, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, sweep_id, config = shared
    stored_options = SweepOptions(settings=ProbeSettings(ca_file="/elsewhere/ca.pem"),
                                  concurrency=4, batch_size=2)
    with pytest.raises(jobs.WorkerSetupError, match="không tìm thấy tệp CA"):
        jobs.worker_options(stored_options.to_json(), config)
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    monkeypatch.setenv("PROBE_NETWORK", "open")
    options = jobs.worker_options(stored_options.to_json(),
                                  jobs.WorkerConfig(store.url, tmp_path, str(ca),
                                                    config.machine_lock))
    assert options.settings.ca_file == str(ca) and not options.settings.loopback_only
    assert (options.concurrency, options.batch_size) == (1, None)
    assert options.machine_lock == config.machine_lock and options.evidence_root == tmp_path
    assert "machine_lock" not in options.to_json()  # each machine has its own


def test_timed_runs_hold_the_machine_alone(tmp_path: Path) -> None:
    lock = MachineLock(tmp_path)
    events: list[str] = []

    async def hold(name: str, exclusive: bool, delay: float, hold_s: float) -> None:
        await asyncio.sleep(delay)
        async with lock.hold(exclusive):
            events.append(f"{name}+")
            await asyncio.sleep(hold_s)
            events.append(f"{name}-")

    async def scenario() -> None:
        await asyncio.gather(hold("s1", False, 0, 0.3), hold("s2", False, 0.05, 0.1),
                             hold("t", True, 0.1, 0.2), hold("s3", False, 0.2, 0.05))

    asyncio.run(scenario())
    assert events.index("s2+") < events.index("s1-")  # sharers overlap
    start = events.index("t+")
    assert events[start + 1] == "t-"  # nothing else while the timed run holds it
    assert events.index("s1-") < start and events.index("s3+") > start  # turnstile


def test_locks_on_sqlite_are_local_and_keys_are_stable(shared) -> None:
    store, sweep_id, _ = shared
    assert lock_key("chain", "s-1") == lock_key("chain", "s-1") != lock_key("chain", "s-2")
    assert -2**63 <= lock_key("agency", "s", "a") < 2**63
    with chain_lock(store.engine, sweep_id), agency_lock(store.engine, sweep_id, "tinh-a"):
        pass


def test_the_celery_task_runs_the_job_with_the_workers_settings(
        shared, monkeypatch: pytest.MonkeyPatch) -> None:
    from probe.workers import tasks

    store, sweep_id, config = shared
    monkeypatch.setenv("PROBE_DB", store.url)
    monkeypatch.setenv("PROBE_EVIDENCE", str(config.evidence_root))
    monkeypatch.setattr(jobs, "sweep", FakeSweep(config.evidence_root))
    assert tasks.app.conf.task_acks_late and tasks.app.conf.task_reject_on_worker_lost
    assert tasks.app.conf.worker_prefetch_multiplier == 1
    result = tasks.probe_agency.apply(args=[sweep_id, "tinh-c"]).get()
    assert result["state"] == "probed" and result["agency_id"] == "tinh-c"
    tasks._store.cache_clear()


@pytest.mark.parametrize("args, message", [
    (["worker"], "cần --broker"),
    (["dispatch", "--registry", "x.csv"], "cần --broker"),
    (["worker", "--broker", "redis://127.0.0.1:9/0", "--ca-file", "/nope.pem"],
     "không tìm thấy tệp CA"),
    (["dispatch", "--broker", "redis://127.0.0.1:9/0", "--registry", "x.csv"],
     "không kết nối được hàng đợi"),
])
def test_cli_errors_are_one_line_in_vietnamese(args: list[str], message: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PROBE_BROKER", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["probe", *args, "--db", f"sqlite:///{tmp_path}/r.db"])
    clock = time.monotonic()
    with pytest.raises(SystemExit) as done:
        main()
    err = capsys.readouterr().err
    assert done.value.code == 2 and message in err and "Traceback" not in err, err
    assert time.monotonic() - clock < 10
