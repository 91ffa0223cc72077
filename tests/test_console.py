"""What the commands print to a pipe or a file (a cron log, a CI page) is laid out wide."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.table import Table

from probe.console import LOG_WIDTH, plain_console
from probe.rescoring import rescore
from probe.synthetic import fill_sweep, make_profiles
from tests.judging_helpers import db_url, new_store


def _rank(db: str, cwd: Path, **env: str) -> list[str]:
    """The lines `probe rank` prints to a pipe, COLUMNS unset unless given."""
    environment = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | env
    done = subprocess.run([sys.executable, "-m", "probe.cli", "rank", "--db", db], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=environment)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_piped_ranking_keeps_each_agency_on_one_line(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    fill_sweep(store, make_profiles(6), "night1", "2024-05-01T18:00:00+00:00")
    rescore(store, "2024")
    store.close()
    db = db_url(tmp_path)
    wide = _rank(db, tmp_path)
    assert len([line for line in wide if "Cơ quan thử 000" in line]) == 6  # whole, one line each
    assert max(map(len, _table(wide))) <= LOG_WIDTH
    narrow = _rank(db, tmp_path, COLUMNS="80")  # a width the user sets still rules
    assert max(map(len, _table(narrow))) <= 80
    assert not [line for line in narrow if "Cơ quan thử 000" in line]


def _table(lines: list[str]) -> list[str]:
    """The lines of tables (titles are printed as they are, unwrapped)."""
    return [line for line in lines if line[:1] in "┏┃┡│└"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_width_follows_where_the_output_goes_when_printed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A command's console is built at import; a process that prints to a pipe later (a
    worker, a test run) still gets the log width, and a terminal keeps its own."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "80")  # as xdist's workers set it
    monkeypatch.setattr(sys, "stdout", _Terminal())
    console = plain_console()  # built while stdout is a terminal and COLUMNS 80
    monkeypatch.delenv("COLUMNS")
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", piped)
    table = Table("agency")
    table.add_row("x" * 120)
    console.print(table)
    assert "x" * 120 in piped.getvalue()  # one line: 160 wide, not 80
    assert console.width == LOG_WIDTH
    monkeypatch.setenv("COLUMNS", "60")
    assert console.width == 60
    assert plain_console(width=300, file=io.StringIO()).width == 300
