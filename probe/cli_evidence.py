"""The evidence commands of `probe` (verify, export, import, replay, prune);
`register(app)` adds them.

Options mirror `probe.cli` (defined here again: `probe.cli` imports this module).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from probe import commands_evidence
from probe.cli_options import DEFAULT_DB, SWEEP_HELP, DbOpt, JsonOpt

RUN_HELP = ("Mã lượt kiểm tra, mã cơ quan (lượt mới nhất của cơ quan) hoặc 'latest' "
            "(run id, agency id for its newest run, or 'latest')")


def verify(run: Annotated[str | None, typer.Argument(
               help=RUN_HELP + "; bỏ trống: tất cả (none: all)")]
           = None,
           sweep_id: Annotated[str | None, typer.Option(
               "--sweep", help="Mọi lượt của một đợt quét (every run of a sweep). "
                               + SWEEP_HELP)] = None,
           all_runs: Annotated[bool, typer.Option(
               "--all", help="Mọi lượt đã lưu (every stored run)")] = False,
           db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """Đối chiếu bằng chứng đã lưu với bản kê niêm phong (check evidence against manifests)."""
    raise typer.Exit(commands_evidence.verify(run, sweep_id, all_runs, db, as_json))


def export(run: Annotated[str, typer.Argument(help=RUN_HELP)],
           out: Annotated[Path, typer.Option("--out", help="Tệp gói .zip (bundle file)")],
           force: Annotated[bool, typer.Option(
               "--force", help="Xuất cả khi kiểm tra toàn vẹn báo lỗi "
                               "(export even if verify finds problems)")] = False,
           db: DbOpt = DEFAULT_DB) -> None:
    """Xuất gói bằng chứng cho kiểm toán (auditor bundle: WACZ, screenshots, scores)."""
    raise typer.Exit(commands_evidence.export(run, out, db, force))


def import_(file: Annotated[Path, typer.Argument(help="Tệp gói .zip (bundle file)")],
            db: DbOpt = DEFAULT_DB) -> None:
    """Nạp gói bằng chứng vào CSDL (load an auditor bundle into a database)."""
    raise typer.Exit(commands_evidence.import_bundle(file, db))


def replay(run: Annotated[str, typer.Argument(help=RUN_HELP)] = "latest",
           family: Annotated[list[str] | None, typer.Option(
               "--family", help="Nhóm kiểm tra, lặp lại được; mặc định layout, access, "
                                "functions, emc (check family, repeatable)")] = None,
           db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """Chạy lại kiểm tra trình duyệt ngoại tuyến từ HAR đã lưu (re-run checks offline)."""
    raise typer.Exit(commands_evidence.replay(run, db, family, as_json))


def prune(older_than: Annotated[str | None, typer.Option(
              "--artifacts-older-than", help="Ví dụ 90d hoặc 12w (e.g. 90d or 12w)")] = None,
          maps_older_than: Annotated[str | None, typer.Option(
              "--maps-older-than", help="Sơ đồ của probe discover --registry quá hạn; giữ sơ đồ "
                                        "mới nhất của mỗi cơ quan (stored registry maps; each "
                                        "agency's newest kept)")] = None,
          dry_run: Annotated[bool, typer.Option(
              "--dry-run", help="Chỉ liệt kê, không xoá (list only)")] = False,
          db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """Xoá tệp bằng chứng nặng quá hạn, giữ quan sát, điểm, bản kê (retention)."""
    raise typer.Exit(commands_evidence.prune(older_than, db, dry_run, as_json,
                                             maps_older_than))


def register(app: typer.Typer) -> None:
    """Add the verify, export, import, replay and prune commands to `app`."""
    app.command("verify")(verify)
    app.command("export")(export)
    app.command("import")(import_)
    app.command("replay")(replay)
    app.command("prune")(prune)
