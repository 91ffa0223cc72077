"""What the evidence commands do: verify, export, import, replay, prune.

The CLI (`probe.cli_evidence`) only parses options. Each function returns the exit code; bad
input raises `UserError` (one line, exit 2). Output is Vietnamese first, English in
brackets; `--json` prints one JSON object.

Exit codes: verify 0 clean, 1 any problem; replay 0 identical, 1 differences; the others 0.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from probe.commands import evidence_root, existing_store, open_store, settings_for
from probe.console import plain_console
from probe.db.store import Store, StoreError
from probe.errors import UserError
from probe.outputs import BUNDLE_FILE, writable_file, writing

if TYPE_CHECKING:
    from probe.audit.retention import PruneReport

out = plain_console()
EXIT_PROBLEMS = 1
KIND_LABELS = {
    "artifact_altered": "tệp bằng chứng bị sửa (artifact altered)",
    "artifact_missing": "thiếu tệp bằng chứng (artifact missing)",
    "artifact_unlisted": "tệp lạ không có trong bản kê (file not in manifest)",
    "artifact_pruned": "đã xoá theo chính sách lưu trữ (pruned by retention)",
    "observation_edited": "dòng quan sát bị sửa (observation row edited)",
    "observation_missing": "dòng quan sát bị xoá (observation row missing)",
    "observation_added": "dòng quan sát lạ (observation row added)",
    "run_edited": "thông tin lượt kiểm tra bị sửa (run row edited)",
    "sitemap_edited": "sơ đồ trang bị sửa (site map edited)",
    "score_edited": "điểm bị sửa (score edited)",
    "score_missing": "điểm bị xoá (score missing)",
    "score_unverifiable": "không kiểm được điểm: thiếu bộ tiêu chí đã chấm (score unverifiable: "
                          "its rubric is not at hand)",
    "score_rejudged": "đã chấm lại, tái lập được (re-judged, reproducible)",
    "score_unsealed": "điểm chấm sau niêm phong, tái lập được (scored later, reproducible)",
    "manifest_missing": "thiếu bản kê (manifest missing)",
    "manifest_altered": "bản kê bị sửa (manifest altered)",
    "manifest_unrecorded": "bản kê không có trong CSDL (manifest not recorded)",
    "run_unsealed": "lượt kiểm tra chưa niêm phong (run not sealed)",
    "run_removed": "lượt kiểm tra bị xoá (run removed)",
    "chain_broken": "chuỗi niêm phong đứt (chain broken)",
    "chain_external": "chuỗi tiếp tục ở CSDL nguồn (chain continues in source database)",
}
DIFF_LABELS = {"changed": "khác (changed)", "missing": "không còn (missing in replay)",
               "new": "mới (new in replay)"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|w|days?)?\s*$", re.IGNORECASE)


def _dump(document: Any) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def _store(db: str) -> tuple[Store, Path]:
    """The stored results and their evidence folder (the database must exist)."""
    return existing_store(db), evidence_root(db)


# --- verify -------------------------------------------------------------------------------


def verify(run: str | None, sweep_id: str | None, all_runs: bool, db: str,
           as_json: bool = False) -> int:
    """Check stored evidence against its manifests (`probe verify`); 1 on any problem."""
    from probe.audit.verify import verify as run_verify

    if sum(bool(x) for x in (run, sweep_id, all_runs)) > 1:
        raise UserError("chọn một: RUN, --sweep hoặc --all (give one of RUN, --sweep, --all)")
    store, root = _store(db)
    try:
        report = run_verify(store, run_id=run, sweep_id=sweep_id, root=root)
    except StoreError as error:
        raise UserError(str(error)) from error
    if as_json:
        _dump(report.to_dict())
    else:
        _print_verify(report)
    return 0 if report.ok else EXIT_PROBLEMS


def _print_verify(report: Any) -> None:
    for finding in report.findings:  # one line each: paths stay whole, grep works
        mark = ("✗", "red") if finding.problem else "·"
        label = KIND_LABELS.get(finding.kind, finding.kind)
        out.print(Text.assemble(mark, f" {finding.run_id}  {label}: {finding.subject}"
                                + (f" — {finding.detail}" if finding.detail else "")))
    for chain, head in sorted(report.chains.items()):
        out.print(f"Chuỗi (chain) {chain or '-'}: mã băm đầu chuỗi (head sha256) {head}")
    pruned = sum(1 for f in report.findings if f.kind == "artifact_pruned")
    summary = (f"{report.runs} lượt (runs), {report.artifacts} tệp (artifacts), "
               f"{report.observations} quan sát (observations), {pruned} đã xoá theo lưu trữ "
               f"(pruned)")
    if report.ok:
        out.print(Text.assemble(("✓ Toàn vẹn", "bold green"), f" (verified): {summary}"))
    else:
        out.print(Text.assemble((f"✗ {len(report.problems)} vấn đề", "bold red"),
                                f" (problems): {summary}"))


# --- export / import ----------------------------------------------------------------------


def export(run: str, out_file: Path, db: str, force: bool = False) -> int:
    """Write one run's auditor bundle (`probe export RUN --out FILE`)."""
    from probe.audit.bundle import BundleError
    from probe.audit.bundle import export as run_export

    writable_file(out_file, BUNDLE_FILE)
    store, root = _store(db)
    try:
        with writing(out_file, BUNDLE_FILE):
            summary = run_export(store, run, out_file, root, force=force)
    except (StoreError, BundleError) as error:
        raise UserError(f"không xuất được (cannot export): {error}") from error
    out.print(f"Đã xuất (exported) lượt {summary.run_id} → {summary.path} "
              f"({summary.bytes / 1e6:.2f} MB): {summary.artifacts} tệp bằng chứng (artifacts), "
              f"{summary.pruned} đã xoá theo lưu trữ (pruned), WACZ {summary.wacz_pages} trang "
              f"(pages) / {summary.wacz_records} bản ghi (records)")
    return 0


def import_bundle(file: Path, db: str) -> int:
    """Load an auditor bundle into a results database (`probe import FILE`)."""
    from probe.audit.bundle import BundleError
    from probe.audit.bundle import import_bundle as run_import

    if not file.is_file():
        raise UserError(f"không tìm thấy gói '{file}' (bundle not found)")
    store, root = open_store(db), evidence_root(db)  # a new database may be made for it
    try:
        summary = run_import(store, file, root)
    except BundleError as error:
        raise UserError(f"gói không hợp lệ (bad bundle): {error}") from error
    out.print(f"Đã nạp (imported) lượt {summary.run_id} của {summary.agency_id}: "
              f"{summary.observations} quan sát (observations), {summary.artifacts} tệp "
              f"(artifacts), điểm (scores) {', '.join(summary.scores) or '-'}")
    out.print("Kiểm tra bằng (check with): probe verify " + summary.run_id)
    return 0


# --- replay -------------------------------------------------------------------------------


def replay(run: str, db: str, families: list[str] | None = None, as_json: bool = False) -> int:
    """Re-run the browser checks offline from the stored HAR (`probe replay RUN`)."""
    import checks
    from probe.audit.replay import DEFAULT_FAMILIES, ReplayError
    from probe.audit.replay import replay as run_replay

    chosen = tuple(families or DEFAULT_FAMILIES)
    unknown = [f for f in chosen if f not in checks.FAMILIES]
    if unknown:
        raise UserError(f"nhóm kiểm tra không có (unknown check family): {', '.join(unknown)}; "
                        f"có (known): {', '.join(checks.FAMILIES)}")
    store, root = _store(db)
    from playwright.async_api import Error as PlaywrightError

    try:
        report = run_replay(store, run, chosen, root, settings_for(None, True))
    except (StoreError, ReplayError) as error:
        raise UserError(f"không phát lại được (cannot replay): {error}") from error
    except PlaywrightError as error:  # no Chromium on this machine, or it would not start
        first = str(error).splitlines()[0] if str(error) else error.__class__.__name__
        raise UserError(f"không chạy được Chromium (cannot start Chromium): {first} — "
                        "xem chromium.md / PROBE_CHROMIUM") from error
    if as_json:
        _dump(report.to_dict())
    else:
        _print_replay(report)
    return 0 if report.identical else EXIT_PROBLEMS


def _print_replay(report: Any) -> None:
    for d in report.differences:  # one line each: URLs stay whole, grep works
        name = f"{d.check}/{d.name}" + (f" [{d.stat}]" if d.stat else "")
        line = (f" {DIFF_LABELS.get(d.kind, d.kind)} {name} @ {d.page or '-'}: đã lưu (stored) "
                f"{d.stored!r} {d.stored_outcome} → phát lại (replayed) {d.replayed!r} "
                f"{d.replayed_outcome}" + (f" — {d.detail}" if d.detail else ""))
        out.print(Text.assemble(("≠", "red"), line))
    out.print(f"Phát lại (replayed) lượt (run) {report.run_id}: {', '.join(report.families)} "
              f"từ HAR ({report.har_entries} yêu cầu, requests): {report.compared} quan sát so "
              f"sánh (compared), {report.same} giống (same), {len(report.differences)} khác "
              "(different)")
    out.print("Giới hạn của phát lại HAR (limits of HAR replay):")
    for limit in report.limits:
        out.print(f"  - {limit}")


# --- prune --------------------------------------------------------------------------------


def parse_days(text: str) -> float:
    """'90d', '12w', '90' (days) as a number of days; UserError otherwise."""
    found = _DURATION.match(text or "")
    if not found:
        raise UserError(f"thời hạn '{text}' không hợp lệ, ví dụ 90d hoặc 12w "
                        "(bad duration, e.g. 90d or 12w)")
    number = float(found.group(1))
    return number * 7 if (found.group(2) or "d").lower() == "w" else number


def prune(older_than: str | None, db: str, dry_run: bool = False, as_json: bool = False,
          maps_older_than: str | None = None) -> int:
    """Remove heavy artifacts of runs older than the window, and stored registry maps older
    than theirs (`probe prune`)."""
    from probe.audit.retention import prune as run_prune

    if older_than is None and maps_older_than is None:
        raise UserError("cần --artifacts-older-than hoặc --maps-older-than (give "
                        "--artifacts-older-than, --maps-older-than or both)")
    artifact_days = parse_days(older_than) if older_than is not None else None
    map_days = parse_days(maps_older_than) if maps_older_than is not None else None
    store, root = _store(db)
    found: dict[str, Any] = {}
    if artifact_days is not None:
        report = run_prune(store, artifact_days, root, dry_run=dry_run)
        found = report.to_dict()
        if not as_json:
            _print_pruned(report)
    if map_days is not None:
        found["maps"] = _prune_maps(store, map_days, dry_run, as_json)
    if as_json:
        _dump(found)
    return 0


def _print_pruned(report: PruneReport) -> None:
    verb = "Sẽ xoá (would remove)" if report.dry_run else "Đã xoá (removed)"
    out.print(f"{verb} {report.files} tệp nặng (heavy artifacts: screenshots, HAR, traces) "
              f"của {report.runs} lượt (runs) trước {report.cutoff}: "
              f"{report.bytes / 1e6:.2f} MB. Quan sát, điểm và bản kê được giữ "
              "(observations, scores and manifests kept).")
    for subject, reason in report.skipped:
        out.print(f"  bỏ qua (skipped) {subject}: {reason}")


def _prune_maps(store: Store, days: float, dry_run: bool, as_json: bool) -> dict[str, Any]:
    """Stored registry maps older than `days`, each agency's newest complete one kept."""
    from probe.db.discoveries import prune_maps

    cutoff = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    maps, size = prune_maps(store, cutoff, dry_run)
    if not as_json:
        verb = "Sẽ xoá (would remove)" if dry_run else "Đã xoá (removed)"
        out.print(f"{verb} {maps} sơ đồ đã lưu (stored registry maps) trước {cutoff}: "
                  f"{size / 1e6:.2f} MB; sơ đồ mới nhất của mỗi cơ quan được giữ (each agency's "
                  "newest complete map kept, the next batch compares with it).")
    return {"older_than_days": days, "cutoff": cutoff, "dry_run": dry_run, "maps": maps,
            "bytes": size}
