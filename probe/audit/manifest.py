"""Sealing a run: a manifest artifact listing the SHA-256 of everything the run stored, its
own hash in results.db, and a chain link to the previous run of the same sweep.

The manifest is JSON stored content-addressed in the run's evidence folder
(`<run_id>/<sha256>.manifest.json`). It holds the digests of the run row, the site map, every
observation row (in stored order), the scores, and of every artifact file. Each manifest
names the manifest hash of the run sealed before it in the same sweep (`previous`, `seq`), so
removing a run breaks the chain of the one after it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from probe.audit.digests import (
    MANIFEST_SUFFIX,
    artifact_entry,
    list_digest,
    observation_rows,
    page_rows,
    referenced_files,
    run_digest,
    run_files,
    score_digests,
    sha256_bytes,
)
from probe.db.evidence_schema import ManifestRow
from probe.db.schema import RunRow
from probe.db.store import Store
from probe.evidence import EvidenceStore
from probe.models import utc_now

log = logging.getLogger(__name__)
FORMAT = "dvc-probe-manifest/1"
_ATTEMPTS = 8  # chain-link races between concurrent writers (several machines) are retried


class SealError(RuntimeError):
    """A run could not be sealed (or a stored manifest cannot be read)."""


def software() -> str:
    """'dvc-probe <version>' of the installed package."""
    try:
        return f"dvc-probe {metadata.version('dvc-probe')}"
    except metadata.PackageNotFoundError:
        return "dvc-probe"


def inside(root: Path, relative: str) -> bool:
    """Whether `relative` is a relative path that stays inside `root`."""
    if not relative or Path(relative).is_absolute():
        return False
    base = root.resolve()
    return (base / relative).resolve().is_relative_to(base)


def artifact_paths(root: Path, run_id: str, observations: list[dict[str, Any]]) -> list[str]:
    """Every artifact of a run: its evidence folder plus existing files its observations name."""
    named = {p for p in referenced_files(observations)
             if inside(root, p) and (root / p).is_file() and not p.endswith(MANIFEST_SUFFIX)}
    return sorted(set(run_files(root, run_id)) | named)


def manifest_body(store: Store, root: Path, run: RunRow) -> dict[str, Any]:
    """The manifest of a run without its chain link (digests of rows and files)."""
    observations = observation_rows(store, run.id)
    pages = page_rows(store, run.id)
    facts = [o.facts for o in observations]
    return {
        "format": FORMAT, "software": software(), "sealed_at": utc_now(),
        "run_id": run.id, "sweep_id": run.sweep_id, "agency_id": run.agency_id,
        "url": run.url,
        "run": {"sha256": run_digest(run)},
        "sitemap": {"pages": len(pages), "sha256": list_digest(p.facts for p in pages),
                    "rows": [p.digest for p in pages]},
        "observations": {"count": len(observations), "sha256": list_digest(facts),
                         "rows": [o.digest for o in observations]},
        "scores": score_digests(store, run.id),
        "artifacts": [artifact_entry(root, p) for p in artifact_paths(root, run.id, facts)],
    }


def manifest_bytes(document: dict[str, Any]) -> bytes:
    """The stored form of a manifest: sorted keys, one key per line, UTF-8."""
    return (json.dumps(document, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()


def manifest_row(store: Store, run_id: str) -> ManifestRow | None:
    """The seal of a run, or None."""
    with store.session() as session:
        return session.get(ManifestRow, run_id)


def manifest_rows(store: Store, chain: str | None = None) -> list[ManifestRow]:
    """Seals (of one chain, i.e. sweep id or "" for runs outside sweeps), by chain and seq."""
    query = select(ManifestRow).order_by(ManifestRow.chain, ManifestRow.seq)
    if chain is not None:
        query = query.where(ManifestRow.chain == chain)
    with store.session() as session:
        return list(session.scalars(query))


def _last_link(store: Store, chain: str) -> ManifestRow | None:
    with store.session() as session:
        return session.scalars(select(ManifestRow).where(ManifestRow.chain == chain)
                               .order_by(ManifestRow.seq.desc()).limit(1)).first()


def seal_run(store: Store, root: Path, run_id: str) -> ManifestRow:
    """Write the run's manifest artifact and record its hash, chained within its sweep.

    Sealing is done once: a sealed run returns its existing seal.
    """
    existing = manifest_row(store, run_id)
    if existing is not None:
        return existing
    run = store.run(run_id)
    chain = run.sweep_id or ""
    body = manifest_body(store, root, run)
    evidence = EvidenceStore(root, run_id)
    for _ in range(_ATTEMPTS):
        last = _last_link(store, chain)
        seq, previous = (last.seq + 1, last.sha256) if last else (1, "")
        data = manifest_bytes({**body, "chain": chain, "seq": seq, "previous": previous})
        relative = evidence.put(data, MANIFEST_SUFFIX)
        row = ManifestRow(run_id=run_id, chain=chain, seq=seq, sha256=sha256_bytes(data),
                          previous_sha256=previous, path=relative,
                          created_at=body["sealed_at"], origin="probe")
        try:
            with store.session.begin() as session:
                session.add(row)
            return row
        except IntegrityError:  # another writer took this link (or sealed this run)
            evidence.path(relative).unlink(missing_ok=True)
            existing = manifest_row(store, run_id)
            if existing is not None:
                return existing
    raise SealError(f"could not link run {run_id} into chain '{chain}'")


def seal_after_run(store: Store, root: Path, run_id: str) -> ManifestRow | None:
    """`seal_run` for the end of `probe_portal`: a failure is logged, never raised (the run
    then shows as unsealed in `verify`)."""
    try:
        return seal_run(store, root, run_id)
    except (OSError, SQLAlchemyError, SealError) as error:
        log.warning("could not seal run %s: %r", run_id, error)
        return None


def imported_seal(root: Path, data: bytes) -> ManifestRow:
    """Store a manifest that came with an imported run and return its seal row (origin
    "import", not yet added to a session): its chain link points into the database the run
    was exported from."""
    document = parse_manifest(data)
    relative = EvidenceStore(root, document["run_id"]).put(data, MANIFEST_SUFFIX)
    return ManifestRow(run_id=document["run_id"], chain=document.get("chain") or "",
                       seq=int(document.get("seq") or 0), sha256=sha256_bytes(data),
                       previous_sha256=document.get("previous") or "", path=relative,
                       created_at=document.get("sealed_at") or utc_now(), origin="import")


def parse_manifest(data: bytes) -> dict[str, Any]:
    """A manifest's JSON, checked for the fields verification needs; SealError otherwise."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise SealError(f"manifest is not JSON: {error}") from error
    needed = ("format", "run_id", "run", "sitemap", "observations", "scores", "artifacts")
    if not isinstance(document, dict) or any(k not in document for k in needed):
        raise SealError("manifest lacks required fields")
    if document["format"] != FORMAT:
        raise SealError(f"unknown manifest format {document['format']!r}")
    return document


@dataclass(frozen=True)
class StoredManifest:
    """A seal with the manifest file it names: its bytes' hash and parsed content."""

    row: ManifestRow
    present: bool
    sha256: str
    document: dict[str, Any] | None
    error: str = ""

    @property
    def intact(self) -> bool:
        """The file exists, hashes to the recorded value and parses."""
        return self.present and self.sha256 == self.row.sha256 and self.document is not None


def read_manifest(root: Path, row: ManifestRow) -> StoredManifest:
    """The manifest file of a seal, hashed and parsed (never raises)."""
    path = root / row.path
    if not inside(root, row.path) or not path.is_file():
        return StoredManifest(row, False, "", None, "manifest file missing")
    data = path.read_bytes()
    try:
        document = parse_manifest(data)
    except SealError as error:
        return StoredManifest(row, True, sha256_bytes(data), None, str(error))
    return StoredManifest(row, True, sha256_bytes(data), document)
