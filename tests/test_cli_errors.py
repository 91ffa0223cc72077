"""Bad input gets one clear line and a non-zero exit, never a traceback, and loses nothing."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from probe.db import Store


def probe(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "probe.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    for word in words:
        assert word in result.stderr + result.stdout


@pytest.mark.parametrize("url", ["not a url", "ftp://x.gov.vn/", "https://", "http://x:99999/"])
def test_malformed_url(tmp_path: Path, url: str) -> None:
    assert_clean_failure(probe("check", url, cwd=tmp_path), 2, "URL không hợp lệ",
                         "malformed URL")


def test_private_address_refused_without_allow_private(tmp_path: Path) -> None:
    assert_clean_failure(probe("check", "http://127.0.0.1:9/", cwd=tmp_path), 2,
                         "--allow-private")


def test_unreachable_portal_exits_3_with_json_reason(tmp_path: Path) -> None:
    result = probe("check", "http://127.0.0.1:9/", "--allow-private", "--json",
                   "--db", f"sqlite:///{tmp_path / 'r.db'}", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    assert document["status"] == "connection_refused"
    assert document["grade"] == "E" and document["total"] == 0
    assert all(item["status"] == "fail" for item in document["items"])


def test_missing_and_broken_registry(tmp_path: Path) -> None:
    assert_clean_failure(probe("sweep", "--registry", "nope.csv", cwd=tmp_path), 2,
                         "sổ đăng ký lỗi", "cannot read")
    broken = tmp_path / "broken.csv"
    broken.write_text("id,name,block,portal_url\nx,Tỉnh X,planet,https://x.gov.vn/\n"
                      "y,Tỉnh Y,province,not-a-url\n", encoding="utf-8")
    assert_clean_failure(probe("sweep", "--registry", str(broken), cwd=tmp_path), 2,
                         "dòng 2", "line 3")
    assert_clean_failure(probe("registry", "validate", str(broken), cwd=tmp_path), 1,
                         "unknown block", "malformed URL")


def test_bad_options(tmp_path: Path) -> None:
    assert_clean_failure(probe("check", "https://x.gov.vn/", "--fail-under", "Z", cwd=tmp_path),
                         2, "A-E")
    assert_clean_failure(probe("rank", "--format", "xml", cwd=tmp_path), 2, "table | csv")
    assert_clean_failure(probe("check", "https://x.gov.vn/", "--ca-file", "nope.pem",
                               cwd=tmp_path), 2, "CA")
    assert_clean_failure(probe("check", "https://x.gov.vn/", "--rubric", "1999", cwd=tmp_path),
                         2, "rubric")
    assert_clean_failure(probe("frobnicate", cwd=tmp_path), 2)


def test_unknown_run_keeps_what_is_stored(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    sweep_id = Store(db).start_sweep("reg.csv")
    assert_clean_failure(probe("show", "r-missing", "--db", db, cwd=tmp_path), 2, "no such run")
    assert_clean_failure(probe("rank", "--sweep", "s-missing", "--db", db, cwd=tmp_path), 2,
                         "no such sweep")
    assert Store(db).sweep("latest").id == sweep_id


def test_unopenable_database(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    assert_clean_failure(probe("show", "latest", "--db", f"sqlite:///{tmp_path / 'dir.db'}",
                               cwd=tmp_path), 2, "cannot open database")


def test_sample_sizes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from probe.commands import env_sampling, settings_for
    from probe.errors import UserError

    monkeypatch.setenv("PROBE_SAMPLE_PAGES", "3")
    monkeypatch.setenv("PROBE_PERF_RUNS", "5")
    settings = settings_for(None, False)
    assert (settings.sample_pages, settings.perf_runs, settings.perf_pages) == (3, 5, 3)
    for bad in ("0", "x", "51", "-2"):
        monkeypatch.setenv("PROBE_PERF_PAGES", bad)
        with pytest.raises(UserError, match="PROBE_PERF_PAGES"):
            env_sampling()
