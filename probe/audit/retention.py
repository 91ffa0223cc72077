"""Retention: remove heavy artifacts (screenshots, HAR, traces) of runs past a window.

Observations, scores, site maps, small artifacts (axe JSON, certificates, headers) and the
manifests stay. Every removed file is first recorded in `pruned_artifacts` with the hash its
manifest sealed, so `verify` reports it as pruned, not as missing. Only files that still match
their manifest are pruned (an altered file is left for `verify` to report); unsealed runs are
left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from probe.audit.digests import HEAVY_KINDS, sha256_file
from probe.audit.manifest import inside, manifest_row, read_manifest
from probe.db.evidence_schema import PrunedArtifactRow
from probe.db.schema import RunRow
from probe.db.store import Store
from probe.models import utc_now


@dataclass
class PruneReport:
    """What a prune removed (or would remove, on a dry run) and what it left alone."""

    older_than_days: float
    cutoff: str
    dry_run: bool = False
    runs: int = 0
    files: int = 0
    bytes: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (run or path, reason)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"older_than_days": self.older_than_days, "cutoff": self.cutoff,
                "dry_run": self.dry_run, "runs": self.runs, "files": self.files,
                "bytes": self.bytes,
                "skipped": [{"subject": s, "reason": r} for s, r in self.skipped]}


def _started(run: RunRow) -> datetime | None:
    try:
        moment = datetime.fromisoformat(run.started_at)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def prune(store: Store, older_than_days: float, root: Path | None = None,
          kinds: Iterable[str] = HEAVY_KINDS, now: datetime | None = None,
          dry_run: bool = False) -> PruneReport:
    """Remove artifacts of `kinds` from runs started more than `older_than_days` ago."""
    if older_than_days < 0:
        raise ValueError("older_than_days must not be negative")
    from probe.audit.verify import default_root, pruned_artifacts

    root = Path(root) if root is not None else default_root(store)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    report = PruneReport(older_than_days, cutoff.isoformat(timespec="seconds"), dry_run)
    already = pruned_artifacts(store)
    chosen = frozenset(kinds)
    for run in store.runs():
        started = _started(run)
        if started is None or started >= cutoff:
            continue
        entries = _heavy_entries(store, root, run.id, chosen, report)
        entries = [e for e in entries if (run.id, e["path"]) not in already]
        if entries:
            report.runs += 1
            _remove(store, root, run.id, entries, report)
    return report


def _heavy_entries(store: Store, root: Path, run_id: str, kinds: frozenset[str],
                   report: PruneReport) -> list[dict[str, Any]]:
    """The sealed, still intact artifacts of `kinds` of one run."""
    row = manifest_row(store, run_id)
    stored = read_manifest(root, row) if row is not None else None
    if stored is None or not stored.intact or stored.document is None:
        report.skipped.append((run_id, "run not sealed or manifest not intact"))
        return []
    found = []
    for entry in stored.document["artifacts"]:
        relative = str(entry.get("path", ""))
        if entry.get("kind") not in kinds or not inside(root, relative):
            continue
        path = root / relative
        if not path.is_file():
            continue
        if sha256_file(path) != entry.get("sha256"):
            report.skipped.append((relative, "altered since sealing; left for verify"))
            continue
        found.append(entry)
    return found


def _remove(store: Store, root: Path, run_id: str, entries: list[dict[str, Any]],
            report: PruneReport) -> None:
    """Record the files as pruned (committed first), then delete them."""
    report.files += len(entries)
    report.bytes += sum(int(e.get("bytes", 0)) for e in entries)
    if report.dry_run:
        return
    when = utc_now()
    reason = f"older than {report.older_than_days:g} days"
    with store.session.begin() as session:
        session.add_all([PrunedArtifactRow(run_id=run_id, path=e["path"], sha256=e["sha256"],
                                           bytes=int(e.get("bytes", 0)), kind=e["kind"],
                                           pruned_at=when, reason=reason) for e in entries])
    for entry in entries:
        (root / entry["path"]).unlink(missing_ok=True)
