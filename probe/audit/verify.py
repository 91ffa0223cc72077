"""Verification: stored evidence checked against the run manifests.

`verify(store, run_id=..., sweep_id=...)` (neither: everything) returns a `VerifyReport`
naming every altered or missing artifact, edited observation row, edited run row, site map
or score, unsealed run and removed run. Artifacts removed by retention (`prune`) are told
apart: they are listed as pruned, not as problems.

What it cannot see: a run removed from the end of a chain together with its manifest file
leaves no trace inside the store. The report gives each chain's head hash; publishing it
(in the sweep's report) anchors the chain outside the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from probe import attestations
from probe.audit.digests import (
    MANIFEST_SUFFIX,
    RowDigest,
    observation_rows,
    page_rows,
    run_digest,
    run_files,
    score_digests,
    sha256_file,
)
from probe.audit.manifest import (
    SealError,
    inside,
    manifest_row,
    manifest_rows,
    parse_manifest,
    read_manifest,
)
from probe.db.evidence_schema import ManifestRow, PrunedArtifactRow
from probe.db.schema import RunRow, ScoreRow
from probe.db.store import Store, score_columns
from probe.judged import kept_rubric
from probe.scoring import Rubric, RubricError, load_rubric, score

# Kinds of finding that are not problems: retention did it, or judging was redone.
INFO_KINDS = frozenset({"artifact_pruned", "score_rejudged", "score_unsealed",
                        "chain_external"})
KINDS = (
    "artifact_altered", "artifact_missing", "artifact_unlisted", "observation_edited",
    "observation_missing", "observation_added", "run_edited", "sitemap_edited", "score_edited",
    "score_missing", "score_unverifiable", "manifest_missing", "manifest_altered",
    "manifest_unrecorded", "run_unsealed", "run_removed", "chain_broken", *sorted(INFO_KINDS),
)


@dataclass(frozen=True)
class Finding:
    """One thing verification found: its kind, the run, what (path, row, rubric) and why."""

    kind: str
    run_id: str
    subject: str
    detail: str = ""

    @property
    def problem(self) -> bool:
        """Whether this finding means the evidence cannot be trusted as stored."""
        return self.kind not in INFO_KINDS

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "run_id": self.run_id, "subject": self.subject,
                "detail": self.detail, "problem": self.problem}


@dataclass
class VerifyReport:
    """What verification checked and found; `ok` when nothing is a problem."""

    scope: str
    runs: int = 0
    artifacts: int = 0
    observations: int = 0
    findings: list[Finding] = field(default_factory=list)
    chains: dict[str, str] = field(default_factory=dict)  # chain -> head manifest sha256

    @property
    def problems(self) -> list[Finding]:
        """Findings that are problems."""
        return [f for f in self.findings if f.problem]

    @property
    def ok(self) -> bool:
        """True when no finding is a problem."""
        return not self.problems

    def counts(self) -> dict[str, int]:
        """Number of findings per kind."""
        return dict(Counter(f.kind for f in self.findings))

    def add(self, kind: str, run_id: str, subject: str, detail: str = "") -> None:
        """Record a finding."""
        self.findings.append(Finding(kind, run_id, subject, detail))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"scope": self.scope, "ok": self.ok, "runs": self.runs,
                "artifacts": self.artifacts, "observations": self.observations,
                "problems": len(self.problems), "counts": self.counts(),
                "chains": dict(self.chains), "findings": [f.to_dict() for f in self.findings]}


def default_root(store: Store) -> Path:
    """The evidence root beside the store's database (as the `probe` commands use it)."""
    from probe.commands import evidence_root

    return evidence_root(store.url)


def verify(store: Store, run_id: str | None = None, sweep_id: str | None = None,
           root: Path | None = None) -> VerifyReport:
    """Check one run, one sweep, or (neither given) every run against the manifests.

    Raises `StoreError` for an unknown run or sweep.
    """
    if run_id and sweep_id:
        raise ValueError("give a run or a sweep, not both")
    root = Path(root) if root is not None else default_root(store)
    checker = _Checker(store, root)
    if run_id:
        run = store.run(run_id)
        checker.report.scope = f"run {run.id}"
        checker.check_run(run)
        checker.check_link(run.id)
    elif sweep_id:
        sweep = store.sweep(sweep_id)
        checker.report.scope = f"sweep {sweep.id}"
        checker.check_runs(store.runs(sweep.id))
        checker.check_chains([sweep.id])
        checker.check_orphans(sweep.id)
    else:
        checker.report.scope = "all"
        checker.check_runs(store.runs())
        checker.check_chains(sorted({row.chain for row in manifest_rows(store)}))
        checker.check_orphans(None)
    return checker.report


class _Checker:
    """One verification pass over a store and its evidence root."""

    def __init__(self, store: Store, root: Path) -> None:
        self.store = store
        self.root = root
        self.report = VerifyReport(scope="")
        self.pruned = pruned_artifacts(store)
        self.rubrics: dict[str, Rubric | None] = {}

    # runs ---------------------------------------------------------------------------------
    def check_runs(self, runs: Iterable[RunRow]) -> None:
        for run in runs:
            self.check_run(run)

    def check_run(self, run: RunRow) -> None:
        """Every stored fact of one run against its manifest."""
        self.report.runs += 1
        document = self._manifest_of(run)
        if document is None:
            return
        if run_digest(run) != document["run"].get("sha256"):
            self.report.add("run_edited", run.id, run.id, "run row differs from its manifest")
        sections: list[tuple[str, Callable[[], None]]] = [
            ("sitemap_edited", lambda: self._check_rows(
                run.id, page_rows(self.store, run.id), document["sitemap"].get("rows", []),
                "sitemap_edited", "sitemap_edited", "sitemap_edited")),
            ("observation_edited", lambda: self._check_observations(run.id, document)),
            ("score_edited", lambda: self._check_scores(run, document["scores"])),
        ]
        for kind, check in sections:
            try:
                check()
            except (SQLAlchemyError, UnicodeError, ValueError) as error:  # undecodable text
                self.report.add(kind, run.id, "rows unreadable",
                                f"{error.__class__.__name__}: {str(error).splitlines()[0]}"[:200])
        self._check_artifacts(run.id, document["artifacts"])

    def _check_observations(self, run_id: str, document: dict[str, Any]) -> None:
        rows = observation_rows(self.store, run_id)
        self.report.observations += len(rows)
        self._check_rows(run_id, rows, document["observations"].get("rows", []),
                         "observation_edited", "observation_missing", "observation_added")

    def _manifest_of(self, run: RunRow) -> dict[str, Any] | None:
        """The run's manifest if its seal and file are intact; else a finding and None."""
        row = manifest_row(self.store, run.id)
        if row is None:
            self.report.add("run_unsealed", run.id, run.id, "no manifest recorded for this run")
            return None
        stored = read_manifest(self.root, row)
        if not stored.present:
            self.report.add("manifest_missing", run.id, row.path, stored.error)
            return None
        if stored.sha256 != row.sha256 or stored.document is None:
            self.report.add("manifest_altered", run.id, row.path,
                            stored.error or f"sha256 {stored.sha256[:16]}… ≠ recorded "
                                            f"{row.sha256[:16]}…")
            return None
        document = stored.document
        link = (document.get("run_id"), document.get("chain") or "", document.get("seq"),
                document.get("previous") or "")
        if link != (run.id, row.chain, row.seq, row.previous_sha256):
            self.report.add("chain_broken", run.id, row.path,
                            "seal row (run, chain, seq, previous) differs from the manifest")
        return document

    def _check_rows(self, run_id: str, rows: list[RowDigest], sealed: list[str],
                    edited: str, missing: str, added: str) -> None:
        """Rows against their sealed digests: position by position, else as multisets."""
        if len(rows) == len(sealed):
            for row, digest in zip(rows, sealed, strict=True):
                if row.digest != digest:
                    self.report.add(edited, run_id, row.label, "row differs from its manifest")
            return
        unmatched = Counter(sealed)
        for row in rows:
            if unmatched[row.digest] > 0:
                unmatched[row.digest] -= 1
            else:
                self.report.add(added, run_id, row.label, "row not in the manifest "
                                                           "(added or edited)")
        for index, digest in enumerate(sealed):
            if unmatched[digest] > 0:
                unmatched[digest] -= 1
                self.report.add(missing, run_id, f"sealed row {index + 1}",
                                f"no stored row matches it (deleted or edited), "
                                f"sha256 {digest[:16]}…")

    # scores -------------------------------------------------------------------------------
    def _check_scores(self, run: RunRow, sealed: dict[str, str]) -> None:
        current = score_digests(self.store, run.id)
        for rubric, digest in sorted(sealed.items()):
            if rubric not in current:
                self.report.add("score_missing", run.id, rubric, "sealed score was deleted")
            elif current[rubric] != digest:
                self._judge_again(run, rubric, "score_rejudged", "re-judged since sealing; "
                                  "reproducible from the sealed observations",
                                  "differs from the sealed score and cannot be re-derived "
                                  "from the observations")
        for rubric in sorted(set(current) - set(sealed)):
            self._judge_again(run, rubric, "score_unsealed", "judged after sealing; "
                              "reproducible from the observations",
                              "not sealed and not reproducible from the observations")

    def _judge_again(self, run: RunRow, rubric: str, fine: str, why_fine: str,
                     why_edited: str) -> None:
        """A score the seal does not vouch for: reproducible (`fine`), edited, or, when the
        rubric that made it is not at hand, unverifiable."""
        found = self._reproducible(run, rubric)
        if found is None:
            self.report.add("score_unverifiable", run.id, rubric,
                            "the rubric that made it is neither kept in this database nor "
                            "packaged; re-score with its file (probe rescore --rubric FILE) "
                            "to keep it")
        elif found:
            self.report.add(fine, run.id, rubric, why_fine)
        else:
            self.report.add("score_edited", run.id, rubric, why_edited)

    def _reproducible(self, run: RunRow, rubric_name: str) -> bool | None:
        """Whether re-scoring the stored observations under the rubric that made the score
        (its kept text, else the rubric of that name) gives the stored score exactly; None
        when that rubric is not at hand."""
        with self.store.session() as session:
            row = session.scalars(select(ScoreRow).where(
                ScoreRow.run_id == run.id, ScoreRow.rubric == rubric_name)).first()
        rubric = self._rubric(rubric_name, row.rubric_sha256 if row is not None else "")
        if rubric is None:
            return None
        try:
            observations = self.store.observations(run.id)
        except ValueError:  # an edited JSON column
            return False
        stored = {"total": row.total, "grade": row.grade, "groups_json": row.groups_json,
                  "items_json": row.items_json} if row else None
        attested = attestations.for_agency(self.store, run.agency_id)
        return any(score_columns(score(observations, rubric, given)) == stored
                   for given in (attested, None))

    def _rubric(self, name: str, sha256: str = "") -> Rubric | None:
        """The rubric of hash `sha256` from its kept text, else the one `name` names."""
        key = f"{name}@{sha256}"
        if key not in self.rubrics:
            self.rubrics[key] = kept_rubric(self.store, sha256) or _named_rubric(name)
        return self.rubrics[key]

    # artifacts ----------------------------------------------------------------------------
    def _check_artifacts(self, run_id: str, sealed: list[dict[str, Any]]) -> None:
        listed: set[str] = set()
        for entry in sealed:
            self.report.artifacts += 1
            relative = str(entry.get("path", ""))
            listed.add(relative)
            self._check_artifact(run_id, relative, str(entry.get("sha256", "")))
        for relative in run_files(self.root, run_id):
            if relative not in listed:
                self.report.add("artifact_unlisted", run_id, relative,
                                "file in the run's evidence folder is not in its manifest")

    def _check_artifact(self, run_id: str, relative: str, digest: str) -> None:
        path = self.root / relative
        if not inside(self.root, relative):
            self.report.add("artifact_missing", run_id, relative, "path outside the evidence "
                                                                  "root")
        elif not path.is_file():
            if self.pruned.get((run_id, relative)) == digest:
                self.report.add("artifact_pruned", run_id, relative, "removed by retention")
            else:
                self.report.add("artifact_missing", run_id, relative, "file is gone")
        else:
            found = sha256_file(path)
            if found != digest:
                self.report.add("artifact_altered", run_id, relative,
                                f"sha256 {found[:16]}… ≠ sealed {digest[:16]}…")

    # chains -------------------------------------------------------------------------------
    def check_link(self, run_id: str) -> None:
        """The run's own link: the run sealed before it in its chain is still there."""
        row = manifest_row(self.store, run_id)
        if row is None or row.origin != "probe" or row.seq <= 1:
            return
        before = {r.seq: r for r in manifest_rows(self.store, row.chain)}.get(row.seq - 1)
        if before is None:
            self.report.add("run_removed", run_id, f"{row.chain or '-'}#{row.seq - 1}",
                            "the run sealed before this one is gone")
        elif before.sha256 != row.previous_sha256:
            self.report.add("chain_broken", run_id, f"{row.chain or '-'}#{row.seq}",
                            "previous manifest hash does not match")

    def check_chains(self, chains: Iterable[str]) -> None:
        """Each chain is complete (1..n, each link naming the one before) and its runs exist."""
        with self.store.session() as session:
            existing = set(session.scalars(select(RunRow.id)))
        for chain in chains:
            rows = manifest_rows(self.store, chain)
            if not rows:
                continue
            self.report.chains[chain] = rows[-1].sha256
            for row in rows:
                if row.run_id not in existing:
                    self.report.add("run_removed", row.run_id, row.run_id,
                                    f"sealed as #{row.seq} of chain '{chain or '-'}'; its run "
                                    "row is gone")
            self._check_sequence(chain, [r for r in rows if r.origin == "probe"])
            imported = [r for r in rows if r.origin != "probe"]
            if imported:
                self.report.add("chain_external", imported[0].run_id, chain or "-",
                                f"{len(imported)} imported run(s): their chain continues in "
                                "the database they came from")

    def _check_sequence(self, chain: str, rows: list[ManifestRow]) -> None:
        by_seq = {r.seq: r for r in rows}
        for seq in range(1, max(by_seq, default=0) + 1):
            row = by_seq.get(seq)
            if row is None:
                after = by_seq.get(seq + 1)
                self.report.add("run_removed", after.run_id if after else "-",
                                f"{chain or '-'}#{seq}",
                                "a sealed run is missing from the chain (seal removed)")
                continue
            expected = by_seq[seq - 1].sha256 if seq - 1 in by_seq else None
            if seq == 1 and row.previous_sha256:
                expected = ""
            if expected is not None and row.previous_sha256 != expected:
                self.report.add("chain_broken", row.run_id, f"{chain or '-'}#{seq}",
                                "previous manifest hash does not match the run before")

    def check_orphans(self, chain: str | None) -> None:
        """Manifest files on disk that no seal records (of one chain, or all)."""
        recorded = {row.path for row in manifest_rows(self.store)}
        with self.store.session() as session:
            existing = set(session.scalars(select(RunRow.id)))
        for path in sorted(self.root.glob(f"*/*{MANIFEST_SUFFIX}")):
            relative = path.relative_to(self.root).as_posix()
            if relative in recorded:
                continue
            try:
                document = parse_manifest(path.read_bytes())
            except (OSError, SealError):
                continue
            if chain is not None and (document.get("chain") or "") != chain:
                continue
            run_id = str(document["run_id"])
            if run_id in existing:
                self.report.add("manifest_unrecorded", run_id, relative,
                                "manifest file not recorded in the database")
            else:
                self.report.add("run_removed", run_id, relative,
                                "a manifest file remains for a run no longer stored")


def pruned_artifacts(store: Store) -> dict[tuple[str, str], str]:
    """(run id, path) -> sealed sha256 of every artifact removed by retention."""
    with store.session() as session:
        rows = session.execute(select(PrunedArtifactRow.run_id, PrunedArtifactRow.path,
                                      PrunedArtifactRow.sha256)).all()
    return {(r[0], r[1]): r[2] for r in rows}


def _named_rubric(name: str) -> Rubric | None:
    try:
        return load_rubric(name)
    except (RubricError, OSError, ValueError):
        return None
