"""The NSS database that makes Chromium trust an extra CA: built once per CA and only ever
seen whole, even when several processes launch browsers at once (a sweep and its crawler)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import trustme

from probe.browser import nss_home

BUILDERS = 6
# Each builder waits for the same moment, then asks for the database of the same new CA.
BUILDER = """
import sys, time
from probe.browser import nss_home
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
print(nss_home(sys.argv[1]))
"""


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def _trusted(home: str) -> str:
    listed = subprocess.run(["certutil", "-L", "-d", f"sql:{home}/.pki/nssdb"], check=True,
                            capture_output=True, text=True, timeout=30)
    return listed.stdout


def test_processes_building_the_same_database_at_once_all_get_it_whole(
        ca_file: Path, cache: Path) -> None:
    start = time.time() + 2.0  # every builder is running by then
    builders = [subprocess.Popen([sys.executable, "-c", BUILDER, str(ca_file), str(start)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True) for _ in range(BUILDERS)]
    homes = []
    try:
        for builder in builders:
            out, err = builder.communicate(timeout=60)  # a certutil prompt loop never ends
            assert builder.returncode == 0, err[-2000:]
            homes.append(out.strip())
    finally:
        for builder in builders:  # with any certutil it left waiting for a password
            with contextlib.suppress(ProcessLookupError):
                os.killpg(builder.pid, signal.SIGKILL)
    assert len(set(homes)) == 1
    assert "probe-extra-ca-0" in _trusted(homes[0]) and "C,," in _trusted(homes[0])
    nss = cache / "dvc-probe" / "nss"
    assert [p.name for p in nss.iterdir()] == [Path(homes[0]).name]  # no half-built copies


def test_a_half_built_database_left_by_an_interrupted_build_is_replaced(
        ca_file: Path, cache: Path) -> None:
    first = Path(nss_home(str(ca_file)))
    (first / ".pki" / "nssdb" / "cert9.db").unlink()  # as an older build cut short left it
    again = nss_home(str(ca_file))
    assert again == str(first) and "probe-extra-ca-0" in _trusted(again)


def test_a_built_database_is_reused_without_certutil(
        ca_file: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = nss_home(str(ca_file))
    monkeypatch.setenv("PATH", "")  # certutil cannot be found any more
    assert nss_home(str(ca_file)) == home
