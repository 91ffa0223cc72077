"""A sweep's plan: every agency of the sweep and how far it got (pending, running, done).

A portal is done only when its run is sealed (`manifests` holds its hash); everything
before that is half-written and is thrown away on resume: the run rows (in one
transaction) and the run's evidence folder, which no manifest lists yet.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import delete, select

from probe.db.evidence_schema import ManifestRow
from probe.db.schema import ObservationRow, PageRow, RunRow, ScoreRow, SweepPortalRow
from probe.db.store import Store
from probe.models import Agency, utc_now

PENDING, RUNNING, DONE = "pending", "running", "done"


@dataclass(frozen=True)
class Reconciled:
    """What a resume found: portals kept (sealed), half-written runs discarded, left to do."""

    kept: int
    discarded: list[str]
    pending: int


class SweepPlan:
    """The plan rows of one sweep."""

    def __init__(self, store: Store, sweep_id: str) -> None:
        self.store = store
        self.sweep_id = sweep_id

    def items(self) -> list[SweepPortalRow]:
        """Every agency of the sweep, in registry order."""
        with self.store.session() as session:
            return list(session.scalars(select(SweepPortalRow).where(
                SweepPortalRow.sweep_id == self.sweep_id).order_by(SweepPortalRow.position)))

    def ensure(self, agencies: list[Agency]) -> None:
        """Add the agencies the plan lacks, as pending, after those it has."""
        existing = {row.agency_id: row.position for row in self.items()}
        start = max(existing.values(), default=-1) + 1
        new = [a for a in agencies if a.id not in existing]
        with self.store.session.begin() as session:
            for offset, agency in enumerate(new):
                session.add(SweepPortalRow(
                    sweep_id=self.sweep_id, position=start + offset, agency_id=agency.id,
                    agency_json=json.dumps(asdict(agency), ensure_ascii=False),
                    state=PENDING, status="", attempts=0, attempts_json="[]", started_at="",
                    finished_at="", duration_s=0.0, redone=0))

    def pending(self) -> list[Agency]:
        """Agencies not done yet, in registry order."""
        return [Agency(**json.loads(row.agency_json)) for row in self.items()
                if row.state != DONE]

    def start(self, agency_id: str, run_id: str) -> None:
        """The portal is under way as run `run_id` (its evidence folder may fill up)."""
        self._update(agency_id, state=RUNNING, run_id=run_id, started_at=utc_now())

    def attempts(self, agency_id: str, attempts: list[dict[str, object]]) -> None:
        """Record the attempts made so far at the portal."""
        self._update(agency_id, attempts=len(attempts),
                     attempts_json=json.dumps(attempts, ensure_ascii=False))

    def finish(self, agency_id: str, run_id: str, status: str, duration_s: float) -> None:
        """The portal's run `run_id` is sealed."""
        self._update(agency_id, state=DONE, run_id=run_id, status=status,
                     finished_at=utc_now(), duration_s=duration_s)

    def _update(self, agency_id: str, **values: object) -> None:
        with self.store.session.begin() as session:
            row = session.scalars(select(SweepPortalRow).where(
                SweepPortalRow.sweep_id == self.sweep_id,
                SweepPortalRow.agency_id == agency_id)).first()
            if row is None:
                return
            for key, value in values.items():
                setattr(row, key, value)

    # --- resume ---------------------------------------------------------------------------

    def reconcile(self, root: Path) -> Reconciled:
        """Make the plan agree with what is sealed; discard every half-written run."""
        sealed = self._sealed_runs()
        unsealed = self._unsealed_runs()
        planned = {row.run_id for row in self.items() if row.run_id}
        half_written = sorted((set(unsealed) | planned) - set(sealed) - self._any_sealed(planned))
        self._delete_runs(unsealed)
        for run_id in half_written:
            discard_folder(root, run_id)
        kept = self._mark(sealed)
        return Reconciled(kept=kept, discarded=half_written, pending=len(self.pending()))

    def _any_sealed(self, run_ids: set[str]) -> set[str]:
        """Those of `run_ids` sealed anywhere (their evidence is never touched)."""
        with self.store.session() as session:
            return set(session.scalars(select(ManifestRow.run_id).where(
                ManifestRow.run_id.in_(sorted(run_ids)))))

    def _sealed_runs(self) -> dict[str, tuple[str, str]]:
        """run id -> (agency id, status) of the sweep's sealed runs."""
        query = (select(RunRow.id, RunRow.agency_id, RunRow.status)
                 .join(ManifestRow, ManifestRow.run_id == RunRow.id)
                 .where(RunRow.sweep_id == self.sweep_id))
        with self.store.session() as session:
            return {row[0]: (row[1], row[2]) for row in session.execute(query)}

    def _unsealed_runs(self) -> list[str]:
        query = (select(RunRow.id).outerjoin(ManifestRow, ManifestRow.run_id == RunRow.id)
                 .where(RunRow.sweep_id == self.sweep_id, ManifestRow.run_id.is_(None)))
        with self.store.session() as session:
            return list(session.scalars(query))

    def _delete_runs(self, run_ids: list[str]) -> None:
        """Delete unsealed runs with their pages, observations and scores, atomically."""
        if not run_ids:
            return
        with self.store.session.begin() as session:
            for table in (ScoreRow, ObservationRow, PageRow):
                session.execute(delete(table).where(table.run_id.in_(run_ids)))
            session.execute(delete(RunRow).where(RunRow.id.in_(run_ids)))

    def _mark(self, sealed: dict[str, tuple[str, str]]) -> int:
        """Done for agencies with a sealed run, pending (run forgotten) for the others."""
        done = {agency: (run_id, status) for run_id, (agency, status) in sorted(sealed.items())}
        with self.store.session.begin() as session:
            rows = session.scalars(select(SweepPortalRow).where(
                SweepPortalRow.sweep_id == self.sweep_id))
            for row in rows:
                if row.agency_id in done:
                    row.run_id, row.status = done[row.agency_id]
                    row.state = DONE
                elif row.run_id:
                    row.redone += 1
                    row.state, row.run_id, row.started_at = PENDING, None, ""
        return len(done)


def discard_folder(root: Path, run_id: str) -> bool:
    """Remove the evidence folder of an unsealed run; False when there was none."""
    base = Path(root).resolve()
    folder = (base / run_id).resolve()
    if not run_id or folder.parent != base or not folder.is_dir():
        return False
    shutil.rmtree(folder)
    return True
