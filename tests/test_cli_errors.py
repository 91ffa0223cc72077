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


HOSTILE = "[/x] [bold]"  # rich markup: with markup read, printing it was a MarkupError


def test_a_check_says_its_status_in_both_languages_with_the_reason() -> None:
    from probe.console import plain_console
    from probe.tables import print_check

    def printed(status: str) -> str:
        console = plain_console(record=True, width=300)
        print_check(console, {"agency": f"Tỉnh {HOSTILE}", "url": "http://127.0.0.1:9/",
                              "status": status, "status_detail": f"[Errno 111] {HOSTILE}",
                              "total": 0, "grade": "E", "rubric": "2024", "run_id": "r-1",
                              "items": [{"id": "S6", "group": "security", "points": 0, "max": 2,
                                         "status": "fail", "reason": f"spam {HOSTILE}"}]})
        return console.export_text()

    text = printed("connection_refused")
    assert f"Trạng thái (status): Máy chủ từ chối kết nối (connection refused) — [Errno 111] " \
           f"{HOSTILE}" in text
    assert f"Tỉnh {HOSTILE}" in text
    assert f"spam {HOSTILE}" in printed("completed")  # an item's reason, as it is


def test_text_from_portals_and_registries_prints_as_it_is(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Names, URLs, page text and error messages are printed, never read as markup."""
    from types import SimpleNamespace

    from probe import commands_evidence
    from probe.commands_discovery import print_result
    from probe.console import plain_console
    from probe.finder import FinderResult
    from probe.models import Agency, PageInfo, SiteMap
    from probe.progress import sweep_progress
    from probe.tables import print_run, print_sitemap

    console = plain_console(record=True, width=300)
    url = f"https://x.gov.vn/?q={HOSTILE}"
    print_run(console, {"agency": {"name": HOSTILE}, "url": url, "status": "completed",
                        "run_id": "r-1", "scores": None, "observations": [
                            {"check": "security", "name": "injected.count", "value": HOSTILE,
                             "unit": "", "stat": None, "outcome": "ok", "page": url}]})
    print_sitemap(console, SiteMap(portal=url, pages=[PageInfo(url=url, type="home")]))
    print_result(console, FinderResult(home_url=url, state="found", link_url=url,
                                       link_text=HOSTILE, detail=HOSTILE))
    monkeypatch.setattr(commands_evidence, "out", console)
    commands_evidence._print_verify(SimpleNamespace(
        findings=[SimpleNamespace(problem=True, kind="artifact_altered", run_id="r-1",
                                  subject=HOSTILE, detail=HOSTILE)],
        chains={}, runs=1, artifacts=1, observations=1, ok=False, problems=[1]))
    commands_evidence._print_replay(SimpleNamespace(
        differences=[SimpleNamespace(check="access", name="title", stat="median", kind="value",
                                     page=url, stored=HOSTILE, stored_outcome="ok",
                                     replayed="", replayed_outcome="ok", detail=HOSTILE)],
        run_id="r-1", families=("access",), har_entries=1, compared=1, same=0, limits=()))
    agency = Agency(id="x", name=f"Tỉnh {HOSTILE}", block="province", portal_url=url)
    with sweep_progress(console, [agency]) as progress:
        progress(agency, "discover")
        progress(agency, "done")
    text = console.export_text()
    assert text.count(HOSTILE) >= 10 and "title [median]" in text, text


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


def test_discover_takes_a_url_or_a_registry(tmp_path: Path) -> None:
    for args in ((), ("https://x.gov.vn/", "--registry", "2026")):
        assert_clean_failure(probe("discover", *args, cwd=tmp_path), 2, "URL", "--registry")
    assert_clean_failure(probe("discover", "--registry", "nope.csv", cwd=tmp_path), 2,
                         "sổ đăng ký lỗi", "cannot read")
    assert_clean_failure(probe("discover", "--stored", "latest", "--registry", "2026",
                               cwd=tmp_path), 2, "--stored BATCH")
    assert_clean_failure(probe("discover", "--stored", "latest", cwd=tmp_path), 2,
                         "no such database file")  # a reader makes no empty database
    assert not (tmp_path / "results.db").exists()  # nothing is stored for bad input
    Store(f"sqlite:///{tmp_path / 'results.db'}").close()
    assert_clean_failure(probe("discover", "--stored", "latest", cwd=tmp_path), 2,
                         "no stored batch of maps", "probe discover --registry")


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


def test_a_database_password_is_never_printed(tmp_path: Path) -> None:
    from probe.db.store import shown_url

    closed = "postgresql+psycopg://probe:s3cret-word@127.0.0.1:9/results"  # nothing listens
    result = probe("show", "latest", "--db", closed, cwd=tmp_path)
    assert_clean_failure(result, 2, "cannot open database")
    assert "s3cret-word" not in result.stdout + result.stderr
    assert "probe:***@127.0.0.1:9/results" in result.stderr
    assert shown_url("results.db") == "sqlite:///results.db"
    assert shown_url("not a url ://") == "not a url ://"


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


class Captured(Exception):
    """Raised by a stand-in once it has seen the settings a command probes with."""


@pytest.mark.parametrize("network", ["open", None])
def test_every_probing_command_leaves_loopback_only_when_told(
        network: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PROBE_NETWORK=open is how a real sweep, and an agency's check of its own portal, reach
    real hosts; without it, every command stays on loopback."""
    from probe import commands, commands_discovery, sweep
    from probe.commands_sweep import SweepRequest, prepare

    if network:
        monkeypatch.setenv("PROBE_NETWORK", network)
    else:
        monkeypatch.delenv("PROBE_NETWORK", raising=False)
    monkeypatch.chdir(tmp_path)
    seen: list[bool] = []

    def capture(*args: object, **_: object) -> None:
        found = [a for a in args if hasattr(a, "loopback_only")]  # ProbeSettings
        found += [a.settings for a in args if hasattr(a, "settings")]  # SweepOptions
        seen.append(found[0].loopback_only)  # type: ignore[union-attr]
        raise Captured

    monkeypatch.setattr(sweep, "probe_one", capture)
    monkeypatch.setattr("probe.discovery.discover", capture)
    monkeypatch.setattr(commands_discovery, "map_registry", capture)
    monkeypatch.setattr("probe.finder.find_portal", capture)
    monkeypatch.setattr(commands_discovery, "find_portal", capture)
    db = f"sqlite:///{tmp_path / 'r.db'}"
    here = "https://127.0.0.1:9/"  # reachable either way (real hosts: the next test)
    calls = [
        lambda: commands.check(here, "", "other", db, None, True, "2024", True, None, None),
        lambda: commands.discover(here, None, True, True),
        lambda: commands_discovery.discover_registry(
            SweepRequest(registry=Path("2026"), db=db, ignore_window=True), True),
        lambda: commands_discovery.find(here, None, True, True),
    ]
    for call in calls:
        with pytest.raises(Captured):
            call()
    _, options = prepare(SweepRequest(registry=Path("2026"), db=db))
    seen.append(options.settings.loopback_only)
    assert seen == [network != "open"] * 5


REAL = "https://dichvucong.hanoi.gov.vn/"


def test_a_real_host_is_refused_while_the_probe_is_kept_to_loopback(tmp_path: Path) -> None:
    """Without PROBE_NETWORK=open nothing leaves the machine: a real host would only have
    given a false dns_error against the agency, so the commands say what to do instead."""
    for args in (("check", REAL), ("discover", REAL), ("find", REAL)):
        assert_clean_failure(probe(*args, cwd=tmp_path), 2, "dichvucong.hanoi.gov.vn",
                             "PROBE_NETWORK=open")
    assert not (tmp_path / "results.db").exists()
    registry = tmp_path / "r.csv"
    registry.write_text(f"id,name,block,portal_url\nha-noi,Hà Nội,province,{REAL}\n",
                        encoding="utf-8")
    mapped = probe("discover", "--registry", str(registry), "--json", cwd=tmp_path)
    assert mapped.returncode == 3, mapped.stderr
    (portal,) = json.loads(mapped.stdout)["portals"]
    assert portal["status"] == "probe_error" and "PROBE_NETWORK=open" in portal["detail"]


def test_what_keeps_the_probe_from_a_portal() -> None:
    from probe.context import ProbeSettings
    from probe.reach import KEPT_TO_LOOPBACK, PRIVATE_REFUSED, refusal

    kept, open_ = ProbeSettings(), ProbeSettings(loopback_only=False)
    assert refusal(REAL, kept) == KEPT_TO_LOOPBACK and refusal(REAL, open_) is None
    for nowhere in ("https://dichvucong.tinh-x.invalid/", "https://a.test/", "https://b.example/"):
        assert refusal(nowhere, kept) is None  # resolves nowhere: its dns_error is the truth
    mapped = ProbeSettings(extra={"resolve": "dichvucong.hanoi.gov.vn"})
    assert refusal(REAL, mapped) is None
    assert refusal("https://127.0.0.1:9/", kept) == PRIVATE_REFUSED
    assert refusal("https://127.0.0.1:9/", ProbeSettings(allow_private=True)) is None


def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(
        tmp_path: Path) -> None:
    """--out, --workdir and --junit are checked first: one line and exit 2, not an internal
    error after a sweep or a check."""
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    Store(db).close()
    for args in (["report", "--out", str(a_file), "--db", db],
                 ["report", "--out", str(a_file / "sub"), "--db", db],
                 ["demo", "--out", str(a_file), "--db", db],
                 ["farm", "--workdir", str(a_file)]):
        assert_clean_failure(probe(*args, cwd=tmp_path), 2, "không ghi được", "(cannot write)")
    checked = tmp_path / "checked.db"
    assert_clean_failure(probe("check", "http://127.0.0.1:9/", "--allow-private", "--junit",
                               str(tmp_path / "missing" / "r.xml"), "--db",
                               f"sqlite:///{checked}", cwd=tmp_path),
                         2, "tệp JUnit (JUnit file)")
    assert not checked.exists()  # refused before the check, nothing probed or stored
