"""Auditor bundles: one run exported as a zip, and imported into another results.db.

A bundle holds
- `bundle.json`        format, run, creation time, SHA-256 of every other member
- `manifest.json`      the run's manifest, byte for byte (its hash is the run's seal)
- `run.json`, `sitemap.json`, `observations.json`, `scores.json`, `sweep.json`,
  `pruned.json`        the stored rows (observations exactly as `Observation.to_dict()`)
- `evidence/<path>`    every artifact still stored (screenshots, axe JSON, certificate,
                       headers, the redacted HAR), under its path in the evidence root
- `pages.wacz`         the sampled pages as a WACZ web archive built from the HAR
- `rubrics/<sha256>.yaml` the kept text of each rubric that made a score of the run
- `README.txt`         how to check it

`import_bundle` checks every member against `bundle.json` and every row and artifact against
the manifest before it writes anything; the imported run is sealed with the same manifest.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from probe.audit.digests import (
    canonical,
    list_digest,
    observation_digest,
    observation_rows,
    page_rows,
    run_facts,
    sha256_bytes,
)
from probe.audit.har import load_har
from probe.audit.manifest import (
    SealError,
    imported_seal,
    inside,
    manifest_row,
    parse_manifest,
    read_manifest,
    software,
)
from probe.audit.wacz import write_wacz
from probe.db.evidence_schema import PrunedArtifactRow
from probe.db.schema import RunRow, ScoreRow, SweepRow
from probe.db.store import Store, _observation_row, _page_row
from probe.models import Observation, PageInfo, utc_now
from probe.scoring import RubricError, parse_rubric_text

FORMAT = "dvc-probe-bundle/1"
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")  # also a folder name
SCORE_COLUMNS = ("rubric", "total", "grade", "groups_json", "items_json", "scored_at",
                 "rubric_sha256")
# options_json: what a replay reads to judge the recording as the sweep judged the portal
SWEEP_COLUMNS = ("id", "started_at", "finished_at", "registry_path", "schedule", "status",
                 "rubric", "rubric_sha256", "options_json")
RUBRICS = "rubrics/"  # members holding the rubric texts that made the run's scores
PRUNED_COLUMNS = ("path", "sha256", "bytes", "kind", "pruned_at", "reason")
README = """Gói bằng chứng dvc-probe (dvc-probe evidence bundle) — lượt kiểm tra (run) {run_id}

Kiểm tra (to check):
- bundle.json ghi SHA-256 của mọi tệp khác trong gói (lists the SHA-256 of every other file).
- manifest.json là bản kê niêm phong của lượt kiểm tra; SHA-256 của nó là {manifest}
  (the run's sealed manifest; its SHA-256 is the seal recorded in results.db).
- Mỗi quan sát trong observations.json, dạng JSON chuẩn tắc (khoá sắp xếp, không khoảng
  trắng, UTF-8), có SHA-256 bằng phần tử tương ứng của manifest.observations.rows
  (each observation, as canonical JSON, hashes to its entry in manifest.observations.rows).
- evidence/ chứa các tệp bằng chứng, tên tệp là SHA-256 của nội dung
  (artifacts, each named by the SHA-256 of its content).
- pages.wacz mở được bằng ReplayWeb.page hoặc pywb (opens in standard web-archive players).
- rubrics/ giữ nguyên văn các bộ tiêu chí đã chấm điểm lượt này, tên tệp là SHA-256 của nội
  dung, bằng rubric_sha256 trong scores.json (the rubric files that made the scores, each
  named by the SHA-256 of its text, as scores.json names them).
- Nạp vào CSDL khác (load into another database): probe import <gói> --db <url>
"""


class BundleError(RuntimeError):
    """A bundle cannot be written or does not hold what its manifest says."""


@dataclass
class ExportSummary:
    """What an export wrote."""

    run_id: str
    path: Path
    bytes: int = 0
    artifacts: int = 0
    pruned: int = 0
    wacz_records: int = 0
    wacz_pages: int = 0


@dataclass
class ImportSummary:
    """What an import loaded."""

    run_id: str
    agency_id: str
    observations: int = 0
    artifacts: int = 0
    scores: list[str] = field(default_factory=list)


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


# --- export -------------------------------------------------------------------------------


def export(store: Store, run_id: str, out_file: Path, root: Path | None = None,
           force: bool = False) -> ExportSummary:
    """Write the run's auditor bundle to `out_file`.

    The run must be sealed and (unless `force`) verify clean; StoreError for an unknown run.
    """
    from probe.audit.verify import default_root, verify

    root = Path(root) if root is not None else default_root(store)
    run = store.run(run_id)
    seal = manifest_row(store, run.id)
    if seal is None:
        raise BundleError(f"run {run.id} is not sealed (no manifest)")
    stored = read_manifest(root, seal)
    if not stored.intact or stored.document is None:
        raise BundleError(f"the manifest of run {run.id} is missing or altered")
    if not force and not verify(store, run_id=run.id, root=root).ok:
        raise BundleError(f"run {run.id} does not verify; run 'probe verify {run.id}'")
    members = _members(store, root, run, (root / seal.path).read_bytes(), stored.document)
    summary = ExportSummary(run.id, Path(out_file))
    members, summary.wacz_records, summary.wacz_pages = _with_wacz(members, run)
    summary.artifacts = sum(1 for name in members if name.startswith("evidence/"))
    summary.pruned = len(json.loads(members["pruned.json"]))
    _write_zip(Path(out_file), members, run, seal.sha256)
    summary.bytes = Path(out_file).stat().st_size
    return summary


def _members(store: Store, root: Path, run: RunRow, manifest: bytes,
             document: dict[str, Any]) -> dict[str, bytes]:
    """Bundle member name -> bytes (everything but bundle.json, README and the WACZ)."""
    members = {
        "manifest.json": manifest,
        "run.json": _json(run_facts(run)),
        "sitemap.json": _json([p.facts for p in page_rows(store, run.id)]),
        "observations.json": _json([o.facts for o in observation_rows(store, run.id)]),
        "scores.json": _json(_scores(store, run.id)),
        "sweep.json": _json(_sweep(store, run.sweep_id)),
        "pruned.json": _json(_pruned(store, run.id)),
    }
    for entry in document["artifacts"]:
        relative = str(entry["path"])
        if inside(root, relative) and (root / relative).is_file():
            members[f"evidence/{relative}"] = (root / relative).read_bytes()
    return {**members, **_rubric_members(store, members)}


def _rubric_members(store: Store, members: dict[str, bytes]) -> dict[str, bytes]:
    """`rubrics/<sha256>.yaml`: the kept text of each rubric that made one of the run's
    scores or scored its sweep, so the bundle can be judged again as it was."""
    hashes = {s["rubric_sha256"] for s in json.loads(members["scores.json"])}
    hashes.add((json.loads(members["sweep.json"]) or {}).get("rubric_sha256", ""))
    found = {}
    for sha256 in sorted(h for h in hashes if h):
        text = store.rubric_text(sha256)
        if text is not None:
            found[f"{RUBRICS}{sha256}.yaml"] = text.encode("utf-8")
    return found


def _scores(store: Store, run_id: str) -> list[dict[str, Any]]:
    with store.session() as session:
        rows = session.scalars(select(ScoreRow).where(ScoreRow.run_id == run_id)
                               .order_by(ScoreRow.rubric))
        return [{c: getattr(r, c) for c in SCORE_COLUMNS} for r in rows]


def _sweep(store: Store, sweep_id: str | None) -> dict[str, Any] | None:
    if sweep_id is None:
        return None
    with store.session() as session:
        row = session.get(SweepRow, sweep_id)
        return {c: getattr(row, c) for c in SWEEP_COLUMNS} if row else None


def _pruned(store: Store, run_id: str) -> list[dict[str, Any]]:
    with store.session() as session:
        rows = session.scalars(select(PrunedArtifactRow).where(
            PrunedArtifactRow.run_id == run_id).order_by(PrunedArtifactRow.id))
        return [{c: getattr(r, c) for c in PRUNED_COLUMNS} for r in rows]


def _with_wacz(members: dict[str, bytes], run: RunRow) -> tuple[dict[str, bytes], int, int]:
    """The members plus pages.wacz built from the run's HAR (when one is still stored)."""
    har_name = next((n for n in sorted(members) if n.endswith((".har.gz", ".har"))), None)
    if har_name is None:
        return members, 0, 0
    buffer = io.BytesIO()
    summary = write_wacz(load_har(members[har_name]), buffer,
                         f"{run.agency_name} — {run.url} ({run.id})", software())
    return {**members, "pages.wacz": buffer.getvalue()}, summary.records, len(summary.pages)


def _write_zip(path: Path, members: dict[str, bytes], run: RunRow, seal: str) -> None:
    bundle = {"format": FORMAT, "run_id": run.id, "agency_id": run.agency_id, "url": run.url,
              "created_at": utc_now(), "software": software(), "manifest_sha256": seal,
              "files": {name: sha256_bytes(data) for name, data in sorted(members.items())}}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bundle.json", _json(bundle))
        archive.writestr("README.txt", README.format(run_id=run.id, manifest=seal))
        for name, data in sorted(members.items()):
            stored = name.endswith((".wacz", ".gz", ".jpg", ".jpeg", ".png", ".webp", ".zip"))
            archive.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    partial.replace(path)


# --- import -------------------------------------------------------------------------------


def read_bundle(file: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """bundle.json and the members of a bundle, each member checked against its hash."""
    try:
        with zipfile.ZipFile(file) as archive:
            contents = {name: archive.read(name) for name in archive.namelist()
                        if not name.endswith("/")}
    except (OSError, zipfile.BadZipFile) as error:
        raise BundleError(f"not a readable bundle: {error}") from error
    try:
        bundle = json.loads(contents.pop("bundle.json"))
    except (KeyError, ValueError) as error:
        raise BundleError("bundle.json missing or not JSON") from error
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleError(f"not a {FORMAT} bundle")
    files = bundle.get("files") or {}
    for name, digest in files.items():
        if name not in contents:
            raise BundleError(f"member {name} is missing")
        if sha256_bytes(contents[name]) != digest:
            raise BundleError(f"member {name} does not match its hash in bundle.json")
    return bundle, {n: contents[n] for n in files}


def _check_against_manifest(members: dict[str, bytes], document: dict[str, Any]) -> None:
    """Rows and artifacts of the bundle must hash as the manifest sealed them."""
    checks: list[tuple[str, Callable[[], bool]]] = [
        ("run.json", lambda: sha256_bytes(canonical(json.loads(members["run.json"])))
         == document["run"]["sha256"]),
        ("sitemap.json", lambda: list_digest(json.loads(members["sitemap.json"]))
         == document["sitemap"]["sha256"]),
        ("observations.json", lambda: [observation_digest(o) for o in
                                       json.loads(members["observations.json"])]
         == document["observations"]["rows"]),
    ]
    for name, check in checks:
        if name not in members or not check():
            raise BundleError(f"{name} does not match the manifest")
    for entry in document["artifacts"]:
        data = members.get(f"evidence/{entry['path']}")
        if data is not None and sha256_bytes(data) != entry["sha256"]:
            raise BundleError(f"artifact {entry['path']} does not match the manifest")


def import_bundle(store: Store, file: Path, root: Path | None = None) -> ImportSummary:
    """Load a bundle's run into `store` (and its artifacts under `root`), sealed as exported.

    BundleError when the bundle is damaged, does not match its manifest, or the run is
    already stored.
    """
    from probe.audit.verify import default_root

    root = Path(root) if root is not None else default_root(store)
    bundle, members = read_bundle(Path(file))
    manifest = members.get("manifest.json", b"")
    if sha256_bytes(manifest) != bundle.get("manifest_sha256"):
        raise BundleError("manifest.json does not match the bundle's seal")
    try:
        document = parse_manifest(manifest)
    except SealError as error:
        raise BundleError(str(error)) from error
    _check_against_manifest(members, document)
    run_id = str(document["run_id"])
    if not RUN_ID.fullmatch(run_id) or json.loads(members["run.json"]).get("id") != run_id:
        raise BundleError(f"bad run id {run_id!r}")
    with store.session() as session:
        if session.get(RunRow, run_id) is not None:
            raise BundleError(f"run {run_id} is already stored in this database")
    return _load(store, root, members, document, manifest)


def _load(store: Store, root: Path, members: dict[str, bytes], document: dict[str, Any],
          manifest: bytes) -> ImportSummary:
    """Write the artifacts, then every row in one transaction (artifacts removed on failure)."""
    run_facts_ = json.loads(members["run.json"])
    run_id = run_facts_["id"]
    folder_existed = (root / run_id).exists()
    written = _write_artifacts(root, members)
    try:
        seal = imported_seal(root, manifest)
        with store.session.begin() as session:
            _add_rows(session, members, run_facts_, run_id)
            session.add(seal)
        _keep_rubrics(store, members)
    except (IntegrityError, SealError, KeyError, TypeError, ValueError) as error:
        if not folder_existed:
            shutil.rmtree(root / run_id, ignore_errors=True)
        raise BundleError(f"could not import run {run_id}: {error}") from error
    scores = [s["rubric"] for s in json.loads(members["scores.json"])]
    return ImportSummary(run_id, run_facts_["agency_id"],
                         len(document["observations"]["rows"]), written, scores)


def _keep_rubrics(store: Store, members: dict[str, bytes]) -> None:
    """Keep the bundle's rubric texts, each only if its name is the hash of its text."""
    for name, data in members.items():
        if not name.startswith(RUBRICS):
            continue
        try:
            rubric = parse_rubric_text(data.decode("utf-8"), source=name)
        except (UnicodeDecodeError, RubricError):
            continue  # not a rubric this probe reads: the scores stay, unjudgeable here
        if name == f"{RUBRICS}{rubric.sha256}.yaml":
            store.keep_rubric(rubric)


def _write_artifacts(root: Path, members: dict[str, bytes]) -> int:
    count = 0
    for name, data in members.items():
        relative = name.removeprefix("evidence/")
        if name.startswith("evidence/") and inside(root, relative):
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            count += 1
    return count


def _add_rows(session: Any, members: dict[str, bytes], run_facts_: dict[str, Any],
              run_id: str) -> None:
    """The sweep (when new), run, pages, observations, scores and pruned records."""
    sweep = json.loads(members.get("sweep.json", b"null"))
    if run_facts_.get("sweep_id") and session.get(SweepRow, run_facts_["sweep_id"]) is None:
        sweep = sweep or {"id": run_facts_["sweep_id"], "started_at": run_facts_["started_at"]}
        session.add(SweepRow(**{**sweep, "schedule": "bundle", "status": "imported"}))
        session.flush()
    session.add(RunRow(**run_facts_))
    session.flush()
    for page in json.loads(members["sitemap.json"]):
        session.add(_page_row(run_id, PageInfo(**page)))
    for facts in json.loads(members["observations.json"]):
        session.add(_observation_row(run_id, Observation.from_dict(facts)))
    for score in json.loads(members["scores.json"]):
        session.add(ScoreRow(run_id=run_id, **score))
    for pruned in json.loads(members.get("pruned.json", b"[]")):
        session.add(PrunedArtifactRow(run_id=run_id, **pruned))
