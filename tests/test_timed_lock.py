"""Timed loads never overlap between probe processes on one machine: the file lock behind
`timed_lock`, with real processes and a real flock."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from checks._timed_lock import lock_path, timed_lock

HOLDER = """
import asyncio, sys
from pathlib import Path
from checks._timed_lock import timed_lock

async def hold(journal: Path, seconds: float, loads: int) -> None:
    for _ in range(loads):  # back to back, as a sweep's timed loads
        async with timed_lock():
            with journal.open("a") as out:
                out.write("holder in\\n")
            print("held", flush=True)
            await asyncio.sleep(seconds)
            with journal.open("a") as out:
                out.write("holder out\\n")

asyncio.run(hold(Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])))
"""


@pytest.fixture
def lock_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROBE_LOCK_DIR", str(tmp_path / "locks"))
    return tmp_path / "locks" / "timed-load.lock"


def start_holder(journal: Path, seconds: float, loads: int = 1) -> subprocess.Popen[str]:
    """Another probe process making `loads` timed loads of `seconds` each (returns once the
    first has begun)."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(journal), str(seconds),
                               str(loads)], stdout=subprocess.PIPE, text=True,
                              env=os.environ.copy())
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


async def enter_after(journal: Path) -> None:
    async with timed_lock():
        with journal.open("a") as out:
            out.write("this process in\n")


def test_a_timed_load_waits_for_another_processs_load_to_end(
        lock_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    journal = tmp_path / "journal.txt"
    holder = start_holder(journal, 1.0)
    with caplog.at_level(logging.INFO, logger="probe.timed"):
        asyncio.run(asyncio.wait_for(enter_after(journal), timeout=30))
    holder.wait(timeout=30)
    assert journal.read_text().splitlines() == ["holder in", "holder out", "this process in"]
    assert "waiting for another probe's timed load" in caplog.text
    assert lock_path() == lock_file


def test_a_sweeps_back_to_back_loads_let_a_waiting_probe_in(lock_file: Path,
                                                            tmp_path: Path) -> None:
    journal = tmp_path / "journal.txt"
    holder = start_holder(journal, 0.2, loads=20)
    asyncio.run(asyncio.wait_for(enter_after(journal), timeout=60))
    holder.wait(timeout=60)
    lines = journal.read_text().splitlines()
    ours = lines.index("this process in")
    assert ours % 2 == 0  # between two of the holder's loads, never inside one
    assert lines.count("holder in") == 20 and ours < len(lines) - 1  # not after all 20


def test_a_killed_holder_leaves_nobody_waiting(lock_file: Path, tmp_path: Path) -> None:
    journal = tmp_path / "journal.txt"
    holder = start_holder(journal, 3600)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    asyncio.run(asyncio.wait_for(enter_after(journal), timeout=30))
    assert journal.read_text().splitlines() == ["holder in", "this process in"]


def test_without_another_holder_nothing_is_logged(
        lock_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="probe.timed"):
        asyncio.run(enter_after(tmp_path / "journal.txt"))
        asyncio.run(enter_after(tmp_path / "journal.txt"))  # released after the first
    assert "waiting" not in caplog.text


def test_without_a_usable_lock_folder_loads_go_on_and_the_log_says_so_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from checks import _timed_lock

    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setenv("PROBE_LOCK_DIR", str(tmp_path / "a-file" / "locks"))  # even for root
    monkeypatch.setattr(_timed_lock, "_WARNED", [])
    journal = tmp_path / "journal.txt"
    with caplog.at_level(logging.WARNING, logger="probe.timed"):
        asyncio.run(enter_after(journal))
        asyncio.run(enter_after(journal))
    assert journal.read_text().splitlines() == ["this process in"] * 2
    warnings = [r for r in caplog.records if "may overlap" in r.getMessage()]
    assert len(warnings) == 1 and "PROBE_LOCK_DIR" in warnings[0].getMessage()
