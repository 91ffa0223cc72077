"""Scratch folders the probe's browsers write their temporary files into, removed after use
even when the process that made one was killed.

Playwright's driver and Chromium put a profile (about 1.3 MB), an artifacts folder and a
singleton folder into the system temp folder for each browser, and remove them when the
browser closes. A sweep killed with its whole process group (SIGKILL from systemd's stop
timeout, the OOM killer, a test) leaves them behind, night after night. Each probe process
therefore gives its browsers one scratch folder of its own, holds an advisory lock on it while
it lives, and removes it on the way out; the next probe process to start a browser removes
every scratch folder whose lock nobody holds any more.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

PREFIX = "dvc-probe-browsers-"
LOCK_NAME = ".lock"
UNLOCKED_GRACE_S = 3600.0  # a folder made but never locked (killed in between) waits this long
YOUNG_S = 60.0  # a folder this new may still be about to be locked by its maker: left alone
# Chromium puts a unix socket at $TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket and
# aborts when that path is longer than a socket address holds (107 bytes).
LONGEST_TMPDIR = 107 - len("/org.chromium.Chromium.XXXXXX/SingletonSocket")


@contextmanager
def scratch_folder(root: Path | None = None) -> Iterator[Path]:
    """A new scratch folder under `root` (the system temp folder by default), locked while
    the block runs and removed after it; abandoned folders under `root` are removed first."""
    base = Path(root) if root is not None else Path(tempfile.gettempdir())
    clear_abandoned(base)
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
    lock = _locked(folder / LOCK_NAME, "w")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if lock is not None:
            lock.close()


def clear_abandoned(root: Path) -> list[Path]:
    """Remove the scratch folders under `root` whose process is gone; the ones removed."""
    removed = []
    for folder in sorted(root.glob(PREFIX + "*")):
        if folder.is_dir() and _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        log.info("removed %d browser scratch folders left by killed probe processes",
                 len(removed))
    return removed


def _abandoned(folder: Path) -> bool:
    lock_path = folder / LOCK_NAME
    age_s = _age_s(folder)
    if age_s < YOUNG_S:
        return False
    if not lock_path.exists():
        return age_s > UNLOCKED_GRACE_S
    lock = _locked(lock_path, "r")
    if lock is None:
        return False  # its process still holds it
    lock.close()
    return True


def _locked(path: Path, mode: str) -> IO[str] | None:
    """`path` opened and exclusively locked without waiting, or None when it cannot be."""
    try:
        handle = path.open(mode)
    except OSError:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _age_s(folder: Path) -> float:
    try:
        return time.time() - folder.stat().st_mtime
    except OSError:
        return 0.0


def fits_chromium(folder: Path) -> bool:
    """Whether Chromium can run with `folder` as its TMPDIR (its socket path fits)."""
    return len(os.fsencode(folder)) <= LONGEST_TMPDIR


@contextmanager
def temp_folder_for_children(folder: Path) -> Iterator[None]:
    """TMPDIR set to `folder` for the processes started inside the block (Python's own
    temp folder is fixed before, so this process keeps using the system one)."""
    tempfile.gettempdir()  # fixes tempfile.tempdir, so Python itself never uses `folder`
    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = before
