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
    for entry in ("https://x.gov.vn/", "x.gov.vn"):
        assert_clean_failure(probe("check", "https://x.gov.vn/", "--http-url", entry,
                                   cwd=tmp_path), 2, "http://")
    assert_clean_failure(probe("check", "https://x.gov.vn/", "--http-url",
                               "http://127.0.0.1:9/", cwd=tmp_path), 2, "--allow-private")


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


READING_COMMANDS = [
    ["show", "latest"], ["rank"], ["report", "--out", "report"], ["rescore"],
    ["trend", "tinh-x"], ["diff", "s-a", "s-b"], ["attest", "tinh-x", "S7", "--by", "A"],
    ["verify", "--sweep", "latest"], ["export", "r-x", "--out", "x.zip"], ["replay", "r-x"],
    ["prune", "--artifacts-older-than", "12w"],
]


@pytest.mark.parametrize("args", READING_COMMANDS, ids=lambda args: args[0])
def test_a_mistyped_database_path_is_not_made_a_new_database(tmp_path: Path,
                                                            args: list[str]) -> None:
    """A command that reads stored results names the missing file instead of creating an
    empty database and saying the run or sweep is not there."""
    from typer.testing import CliRunner

    from probe.cli import app
    from probe.errors import UserError

    missing = tmp_path / "reslts.db"
    for db in (f"sqlite:///{missing}", str(missing)):
        result = CliRunner().invoke(app, [*args, "--db", db])
        assert isinstance(result.exception, UserError), result.output
        assert result.exception.exit_code == 2
        assert "no such database file" in str(result.exception), result.exception
        assert str(missing) in str(result.exception)
    assert not missing.exists() and not (tmp_path / "evidence").exists()


def test_commands_that_store_results_create_the_database(tmp_path: Path) -> None:
    from probe.commands import existing_store, open_store

    made = tmp_path / "new.db"
    open_store(f"sqlite:///{made}").close()
    assert made.is_file()
    existing_store(str(made)).close()  # a bare path names the same file
    existing_store("sqlite://").close()  # memory: nothing to look for


def test_evidence_lives_beside_the_database_file(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from probe.commands import evidence_root

    monkeypatch.chdir(tmp_path)
    beside = tmp_path / "data" / "evidence"
    assert evidence_root(f"sqlite:///{tmp_path / 'data' / 'r.db'}") == beside
    assert evidence_root(str(tmp_path / "data" / "r.db")) == beside  # a bare path alike
    assert evidence_root("sqlite:///r.db") == tmp_path / "evidence"
    assert evidence_root("postgresql://u@db.example/results") == tmp_path / "evidence"


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
