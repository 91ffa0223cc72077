"""The judging commands of `probe` (attest, trend, diff); `register(app)` adds them.

Options mirror `probe.cli` (defined here again: `probe.cli` imports this module).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from probe import commands_judging
from probe.cli_options import DEFAULT_DB, SWEEP_HELP, DbOpt, JsonOpt, LastOpt, SweepRubricOpt


def attest(agency: Annotated[str, typer.Argument(help="Mã hoặc tên cơ quan (agency id or name)")],
           item: Annotated[str, typer.Argument(help="Mục cần xác nhận, ví dụ S7 (item id)")],
           by: Annotated[str, typer.Option("--by", help="Người xác nhận (who attests)")],
           note: Annotated[str, typer.Option("--note", help="Nội dung, ví dụ số quyết định "
                                                            "(what is attested)")] = "",
           file: Annotated[Path | None, typer.Option("--file", help="Tệp kèm theo, ví dụ bản "
                                                                    "quét quyết định (supporting "
                                                                    "file)")] = None,
           credit: Annotated[float, typer.Option("--credit", help="Mức đạt 0..1 (credit)")] = 1.0,
           rubric: Annotated[str | None, typer.Option(
               "--rubric", help="Bộ tiêu chí chứa mục này (rubric holding the item)")] = None,
           db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """Ghi nhận xác nhận của một người cho mục không đo được (record an attestation)."""
    raise typer.Exit(commands_judging.attest(agency, item, by, note, file, credit, rubric, db,
                                             as_json))


def trend(agency: Annotated[str, typer.Argument(help="Mã hoặc tên cơ quan (agency id or name)")],
          rubric: SweepRubricOpt = None, db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False,
          last: LastOpt = None) -> None:
    """Điểm, xếp loại và từng nhóm của một cơ quan qua các đợt (one agency over time)."""
    raise typer.Exit(commands_judging.trend(agency, rubric, db, as_json, last))


def diff(sweep_a: Annotated[str, typer.Argument(
             help="Đợt quét trước; previous: đêm trước của cùng lịch; previous:<lịch> trong "
                  "một lịch (earlier sweep; previous: the one before the newest, same schedule; "
                  "previous:<schedule> within one schedule)")],
         sweep_b: Annotated[str, typer.Argument(help="Đợt quét sau (later sweep). " + SWEEP_HELP)],
         rubric: SweepRubricOpt = None, db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """Những gì thay đổi giữa hai đợt quét (what changed between two sweeps)."""
    raise typer.Exit(commands_judging.diff(sweep_a, sweep_b, rubric, db, as_json))


def register(app: typer.Typer) -> None:
    """Add the attest, trend and diff commands to `app`."""
    app.command("attest")(attest)
    app.command("trend")(trend)
    app.command("diff")(diff)
