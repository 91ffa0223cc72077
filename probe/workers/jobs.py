"""One agency of a dispatched sweep, as a worker's task does it (no Celery in here).

The task is idempotent, so a message delivered twice (acks_late: a worker that dies mid-task
leaves its message to be delivered again) does no harm. Under the agency's lock it finds:
- a sealed run of the agency in the sweep: nothing to do ("kept");
- a half-written (unsealed) run: its rows and evidence folder are discarded, as
  `probe sweep --resume` does for a whole sweep, and the agency is probed again ("redone");
- nothing yet: the agency is probed ("probed") with the ordinary sweep machinery
  (`probe.sweep.sweep` of one agency into the sweep), which stores and seals the run.

Redelivery is capped: each delivery that starts probing is counted in the plan
(`sweep_portals.deliveries`) and the count is taken back when the task ends, however it
ends, short of its process dying. A task whose worker died `max_deliveries` times (a portal
that crashes or exhausts the worker every time) is not probed again: the agency gets a
sealed `probe_error` run saying so ("given_up"), never scored against it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, select, update

from probe.audit.manifest import manifest_row
from probe.browser import loopback_only_default
from probe.db.evidence_schema import ManifestRow
from probe.db.plan import DONE, PENDING, SweepPlan, discard_folder
from probe.db.schema import ObservationRow, PageRow, RunRow, ScoreRow, SweepPortalRow
from probe.db.store import DEFAULT_DB, Store, with_scheme
from probe.models import Agency
from probe.sweep import SweepOptions, record_unprobed, sweep
from probe.workers.locks import MachineLock, agency_lock, lock_dir, migration_lock

KEPT, PROBED, REDONE, SKIPPED, MISSING = "kept", "probed", "redone", "skipped", "missing"
GIVEN_UP = "given_up"
MAX_DELIVERIES = 3  # deliveries whose worker died before the agency is given up


class NotSealed(RuntimeError):
    """The run was stored but could not be sealed; the task is tried again."""


class WorkerSetupError(RuntimeError):
    """This worker cannot probe the sweep as configured (e.g. its CA file is missing here)."""


@dataclass(frozen=True)
class WorkerConfig:
    """What a worker machine brings: its database URL, evidence folder, CA file, locks."""

    db: str
    evidence_root: Path
    ca_file: str | None = None
    machine_lock: MachineLock | None = None
    max_deliveries: int = MAX_DELIVERIES

    @classmethod
    def from_env(cls) -> WorkerConfig:
        """PROBE_DB, PROBE_EVIDENCE, PROBE_CA_FILE (set by `probe worker` or by hand)."""
        from probe.commands import evidence_root

        db = os.environ.get("PROBE_DB", DEFAULT_DB)
        root = os.environ.get("PROBE_EVIDENCE")
        return cls(db=db, evidence_root=Path(root).resolve() if root else evidence_root(db),
                   ca_file=os.environ.get("PROBE_CA_FILE") or None,
                   machine_lock=MachineLock(lock_dir()),
                   max_deliveries=int(os.environ.get("PROBE_MAX_DELIVERIES", MAX_DELIVERIES)))


@dataclass
class TaskResult:
    """What a task reports back to the dispatcher (JSON through the result backend)."""

    sweep_id: str
    agency_id: str
    state: str
    run_id: str | None = None
    status: str = ""
    worker: str = ""
    duration_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def open_shared_store(url: str) -> Store:
    """The store at `url`, opened (and migrated) by one process at a time on PostgreSQL."""
    engine = create_engine(with_scheme(url))
    try:
        with migration_lock(engine):
            return Store(url)
    finally:
        engine.dispose()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def probe_agency(store: Store, sweep_id: str, agency_id: str, config: WorkerConfig,
                 worker: str = "") -> TaskResult:
    """Probe one agency of a sweep into the shared store, at most once (see the module)."""
    clock = time.monotonic()
    worker = worker or worker_name()
    row = store.sweep(sweep_id)  # StoreError for an unknown sweep
    with agency_lock(store.engine, sweep_id, agency_id):
        result = _probe_locked(store, sweep_id, agency_id, config, row.options_json)
    result.worker, result.duration_s = worker, round(time.monotonic() - clock, 2)
    finish_if_complete(store, sweep_id)
    return result


def _probe_locked(store: Store, sweep_id: str, agency_id: str, config: WorkerConfig,
                  options_json: str) -> TaskResult:
    item = plan_item(store, sweep_id, agency_id)
    if item is None:
        return TaskResult(sweep_id, agency_id, MISSING)
    sealed = sealed_run(store, sweep_id, agency_id)
    if sealed is not None:
        if item.state != DONE:  # sealed, then the worker died before the plan said so
            SweepPlan(store, sweep_id).finish(agency_id, sealed[0], sealed[1], item.duration_s)
        return TaskResult(sweep_id, agency_id, KEPT, sealed[0], sealed[1])
    redone = discard_half_written(store, item, config.evidence_root)
    options = worker_options(options_json, config)
    agency = Agency(**json.loads(item.agency_json))
    if item.deliveries >= config.max_deliveries:
        outcome = record_unprobed(agency, store, options, sweep_id, "probe_error", (
            f"given up: the worker probing this portal died {item.deliveries} times "
            "(task redelivered after each)"))
        return TaskResult(sweep_id, agency_id, GIVEN_UP, outcome.run_id, outcome.status)
    with counted_delivery(store, item.id):
        outcomes = sweep([agency], store, options, sweep_id)
    if not outcomes:  # the sweep's window has closed: left pending for a later dispatch
        return TaskResult(sweep_id, agency_id, SKIPPED)
    outcome = outcomes[0]
    if manifest_row(store, outcome.run_id) is None:
        raise NotSealed(f"lượt {outcome.run_id} chưa niêm phong được (run not sealed)")
    return TaskResult(sweep_id, agency_id, REDONE if redone else PROBED, outcome.run_id,
                      outcome.status)


@contextmanager
def counted_delivery(store: Store, item_id: int) -> Iterator[None]:
    """Count this delivery in the plan row while the block runs; the count stays only when
    the process dies inside it (see the module)."""
    _add_delivery(store, item_id, 1)
    try:
        yield
    finally:
        _add_delivery(store, item_id, -1)


def _add_delivery(store: Store, item_id: int, step: int) -> None:
    with store.session.begin() as session:
        session.execute(update(SweepPortalRow).where(SweepPortalRow.id == item_id).values(
            deliveries=SweepPortalRow.deliveries + step))


def plan_item(store: Store, sweep_id: str, agency_id: str) -> SweepPortalRow | None:
    with store.session() as session:
        return session.scalars(select(SweepPortalRow).where(
            SweepPortalRow.sweep_id == sweep_id, SweepPortalRow.agency_id == agency_id)).first()


def sealed_run(store: Store, sweep_id: str, agency_id: str) -> tuple[str, str] | None:
    """(run id, status) of the agency's sealed run in the sweep, or None."""
    query = (select(RunRow.id, RunRow.status).join(ManifestRow, ManifestRow.run_id == RunRow.id)
             .where(RunRow.sweep_id == sweep_id, RunRow.agency_id == agency_id)
             .order_by(ManifestRow.seq).limit(1))
    with store.session() as session:
        found = session.execute(query).first()
    return (found[0], found[1]) if found else None


def discard_half_written(store: Store, item: SweepPortalRow, root: Path) -> bool:
    """Throw away the agency's unsealed runs in the sweep (rows in one transaction, then their
    evidence folders) and set its plan row back to pending; True when there were any."""
    query = (select(RunRow.id).outerjoin(ManifestRow, ManifestRow.run_id == RunRow.id)
             .where(RunRow.sweep_id == item.sweep_id, RunRow.agency_id == item.agency_id,
                    ManifestRow.run_id.is_(None)))
    with store.session.begin() as session:
        unsealed = list(session.scalars(query))
        for table in (ScoreRow, ObservationRow, PageRow):
            session.execute(delete(table).where(table.run_id.in_(unsealed)))
        session.execute(delete(RunRow).where(RunRow.id.in_(unsealed)))
        if item.run_id or unsealed:
            session.execute(update(SweepPortalRow).where(SweepPortalRow.id == item.id).values(
                state=PENDING, run_id=None, started_at="", redone=SweepPortalRow.redone + 1))
    half_written = set(unsealed) | ({item.run_id} if item.run_id else set())
    for run_id in sorted(half_written):
        if manifest_row(store, run_id) is None:  # sealed evidence is never touched
            discard_folder(root, run_id)
    return bool(half_written)


def worker_options(options_json: str, config: WorkerConfig) -> SweepOptions:
    """The sweep's stored options with what this machine decides: its evidence folder, its CA
    file, its network rule (PROBE_NETWORK) and its timed-run lock; one portal at a time."""
    options = SweepOptions.from_json(options_json, config.evidence_root)
    settings = replace(options.settings, loopback_only=loopback_only_default())
    if config.ca_file:
        settings = replace(settings, ca_file=str(Path(config.ca_file).resolve()))
    if settings.ca_file and not Path(settings.ca_file).is_file():
        raise WorkerSetupError(f"không tìm thấy tệp CA '{settings.ca_file}' trên máy quét này — "
                               "dùng --ca-file hoặc PROBE_CA_FILE (CA file not found on this "
                               "worker)")
    return replace(options, settings=settings, concurrency=1, batch_size=None,
                   machine_lock=config.machine_lock)


def finish_if_complete(store: Store, sweep_id: str) -> bool:
    """Mark the sweep completed once every agency of its plan is done (any worker may)."""
    items = SweepPlan(store, sweep_id).items()
    if not items or any(item.state != DONE for item in items):
        return False
    if store.sweep(sweep_id).status != "completed":
        store.finish_sweep(sweep_id, "completed")
    return True
