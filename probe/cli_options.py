"""Options several `probe` commands share, declared once (typer annotations)."""

from __future__ import annotations

from typing import Annotated

import typer

from probe.db import DEFAULT_DB

__all__ = ["DEFAULT_DB", "DbOpt", "JsonOpt", "LastOpt", "RubricOpt"]

DbOpt = Annotated[str, typer.Option("--db", envvar="PROBE_DB",
                                    help="CSDL kết quả (database URL)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="In JSON (print JSON)")]
RubricOpt = Annotated[str, typer.Option("--rubric", help="Bộ tiêu chí (rubric version or file)")]
LastOpt = Annotated[int | None, typer.Option(
    "--last", min=1, help="Chỉ N mục gần nhất, cũ trước (only the newest N, oldest first)")]
