"""Options several `probe` commands share, declared once (typer annotations)."""

from __future__ import annotations

from typing import Annotated

import typer

from probe.db import DEFAULT_DB

__all__ = ["DEFAULT_DB", "SWEEP_HELP", "DbOpt", "JsonOpt", "LastOpt", "RubricOpt",
           "SweepOpt", "SweepRubricOpt"]

DbOpt = Annotated[str, typer.Option("--db", envvar="PROBE_DB",
                                    help="CSDL kết quả (database URL)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="In JSON (print JSON)")]
RubricOpt = Annotated[str, typer.Option("--rubric", help="Bộ tiêu chí (rubric version or file)")]
# The read commands: without --rubric, the rubric the sweep was scored with.
SweepRubricOpt = Annotated[str | None, typer.Option(
    "--rubric", show_default=False,
    help="Bộ tiêu chí (phiên bản hoặc tệp); mặc định: bộ đợt quét đã dùng (rubric version or "
         "file; default: the one the sweep was scored with)")]
# A stored sweep: its id, or the newest (of one schedule, when several share the database).
SWEEP_HELP = ("Mã đợt quét, latest, hoặc latest:<lịch> là đợt mới nhất của một lịch (sweep id, "
              "latest, or latest:<schedule>: the newest of one schedule)")
SweepOpt = Annotated[str, typer.Option("--sweep", help=SWEEP_HELP)]
LastOpt = Annotated[int | None, typer.Option(
    "--last", min=1, help="Chỉ N mục gần nhất, cũ trước (only the newest N, oldest first)")]
