"""Browser scratch folders: what a killed probe process leaves is removed by the next one,
and nothing a live process still uses is touched."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from probe import scratch
from probe.browser import launch, playwright

HOLDER = """
import sys, time
from pathlib import Path
from probe.scratch import scratch_folder
with scratch_folder(Path(sys.argv[1])) as folder:
    (folder / "profile").mkdir()
    print(folder, flush=True)
    time.sleep(120)
"""


def hold_scratch(root: Path) -> tuple[subprocess.Popen[str], Path]:
    """A child process holding a scratch folder under `root`, and that folder."""
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], text=True,
                             stdout=subprocess.PIPE)
    assert child.stdout is not None
    return child, Path(child.stdout.readline().strip())


def make_old(folder: Path) -> None:
    past = time.time() - scratch.UNLOCKED_GRACE_S - 10
    os.utime(folder, (past, past))


def test_a_killed_process_s_folder_goes_and_a_live_one_s_stays(tmp_path: Path) -> None:
    killed, left = hold_scratch(tmp_path)
    alive, used = hold_scratch(tmp_path)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(30)
        assert (left / "profile").is_dir()  # a kill leaves it, as it leaves Chromium's files
        for folder in (left, used):
            make_old(folder)
        assert scratch.clear_abandoned(tmp_path) == [left]
        assert not left.exists() and (used / "profile").is_dir()
    finally:
        alive.kill()
        alive.wait(30)
    make_old(used)
    assert scratch.clear_abandoned(tmp_path) == [used]


def test_a_new_folder_not_yet_locked_is_left_to_its_maker(tmp_path: Path) -> None:
    young = Path(tempfile.mkdtemp(prefix=scratch.PREFIX, dir=tmp_path))
    unlocked = Path(tempfile.mkdtemp(prefix=scratch.PREFIX, dir=tmp_path))
    make_old(unlocked)  # made, then killed before it was locked: removed after the grace
    other = tmp_path / "someone-else"
    other.mkdir()
    make_old(other)
    assert scratch.clear_abandoned(tmp_path) == [unlocked]
    assert young.is_dir() and other.is_dir()


def test_a_folder_is_removed_when_its_block_ends_and_others_are_cleared_first(
        tmp_path: Path) -> None:
    killed, left = hold_scratch(tmp_path)
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    make_old(left)
    with scratch.scratch_folder(tmp_path) as folder:
        assert folder.is_dir() and not left.exists()
    assert not folder.exists()


@pytest.fixture
def short_root() -> Iterator[Path]:
    """A temp folder short enough for Chromium's socket under its scratch folder (pytest's
    own tmp_path is not)."""
    root = Path(tempfile.mkdtemp(prefix="scr-", dir="/tmp"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def browse_once(root: Path, ca_file: Path) -> list[str]:
    """Launch Chromium (with an extra CA, which gives it an environment of its own) inside
    `playwright()` with `root` as the temp folder; what its scratch folder held meanwhile."""
    async def session() -> list[str]:
        async with playwright() as pw:
            browser = await launch(pw, loopback_only=True, ca_file=str(ca_file))
            page = await browser.new_page()
            await page.goto("about:blank")
            inside = [path.name for folder in root.glob(scratch.PREFIX + "*")
                      for path in folder.iterdir()]
            await browser.close()
            return inside

    return asyncio.run(session())


def test_browsers_keep_their_profile_in_the_scratch_folder_and_leave_nothing(
        short_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's driver and Chromium write their temporary files into the scratch folder,
    removed on exit; this process's own temp folder and TMPDIR stay as they were."""
    pem = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(pem))
    monkeypatch.setattr(tempfile, "tempdir", str(short_root))
    tmpdir_before = os.environ.get("TMPDIR")
    inside = browse_once(short_root, pem)
    assert any(name.startswith("playwright_chromiumdev_profile-") for name in inside), inside
    assert list(short_root.iterdir()) == []
    assert os.environ.get("TMPDIR") == tmpdir_before and tempfile.gettempdir() == str(short_root)


def test_a_temp_folder_too_deep_for_chromium_s_socket_still_browses(
        short_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pem = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(pem))
    deep = short_root / ("d" * (scratch.LONGEST_TMPDIR - len(str(short_root)) - 12))
    deep.mkdir()
    assert scratch.fits_chromium(deep)  # Chromium's own files fit; a scratch folder would not
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    assert browse_once(deep, pem) == [scratch.LOCK_NAME]  # the browser kept to Chromium's own
    assert list(deep.iterdir()) == []
