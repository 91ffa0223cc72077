"""Schedules: the packaged definitions load, broken files are reported whole and cleanly."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import checks
from probe.schedule import ScheduleError, Window, load_schedule

REPO = Path(__file__).resolve().parents[1]


def probe(*args: str, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`probe ARGS` in this process (as `main()` runs it): exit status, stdout, stderr."""
    from probe.cli import main

    monkeypatch.setattr(sys, "argv", ["probe", *args])
    with pytest.raises(SystemExit) as done:
        main()
    captured = capsys.readouterr()
    return int(done.value.code or 0), captured.out, captured.err


def write(folder: Path, text: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_nightly_sweeps_the_2026_registry_within_its_window() -> None:
    nightly = load_schedule("nightly")
    assert nightly.registry is not None and nightly.registry.name == "2026.csv"
    assert len(nightly.agencies) > 40
    assert nightly.families == checks.FAMILIES
    assert nightly.window == Window("22:00", "05:00", "+07:00")
    assert nightly.retry.max_attempts == 3 and nightly.concurrency >= 2
    assert nightly.budget.delay == 0.5 and nightly.budget.per_host == 2
    assert nightly.budget.max_crawl_delay == 30
    assert nightly.settings["perf_runs"] == 3


def test_self_check_probes_one_agency_any_time() -> None:
    self_check = load_schedule(str(REPO / "schedules" / "self-check.yaml"))
    assert [a.id for a in self_check.agencies] == ["tinh-mau"]
    assert self_check.window is None and self_check.allow_private
    assert self_check.agencies[0].portal_url.endswith(".example/")


@pytest.mark.parametrize(("local", "open_"), [("22:00", True), ("23:59", True), ("00:30", True),
                                              ("04:59", True), ("05:00", False),
                                              ("12:00", False), ("21:59", False)])
def test_window_spans_midnight_in_vietnam_time(local: str, open_: bool) -> None:
    hours, minutes = map(int, local.split(":"))
    at = datetime(2026, 3, 1, hours, minutes, tzinfo=UTC) - timedelta(hours=7)
    assert Window("22:00", "05:00", "+07:00").is_open(at) is open_


def test_every_problem_of_a_broken_schedule_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "registry: nope.csv\nconcurency: 2\nconcurrency: 99\n"
                           "checks: [speed]\nwindow: {start: '25:00', end: '05:00'}\n"
                           "retry: {max_attempts: 0}\nprobe: {perf_runs: many}\n")
    with pytest.raises(ScheduleError) as caught:
        load_schedule(str(path))
    where = [p.where for p in caught.value.problems]
    assert where == ["concurency", "checks", "concurrency", "window.start", "retry.max_attempts",
                     "probe.perf_runs", "registry"]
    text = str(caught.value)
    assert "khóa không rõ" in text and "unknown key" in text and "speed" in text


def test_unquoted_times_are_read_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, "registry: '2026'\nwindow: {start: 21:30, end: 04:00}\n")
    assert load_schedule(str(path)).window == Window("21:30", "04:00", "+07:00")


def test_a_rubric_file_beside_the_schedule_is_found_from_any_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    text = (REPO / "probe" / "rubrics" / "2024.yaml").read_text(encoding="utf-8")
    write(folder, text.replace('version: "2024"', 'version: "2026"', 1), "criteria.yaml")
    path = write(folder, "registry: '2026'\nrubric: criteria.yaml\n")
    monkeypatch.chdir(tmp_path)  # cron's folder, not the schedule's
    assert load_schedule(str(path)).rubric == str(folder / "criteria.yaml")
    assert load_schedule(str(write(folder, "registry: '2026'\nrubric: '2024'\n",
                                   "p.yaml"))).rubric == "2024"


def test_inline_agencies_are_validated(tmp_path: Path) -> None:
    path = write(tmp_path, "agencies:\n  - {id: a, name: A, block: planet, portal_url: x}\n"
                           "  - {id: b, name: B, block: province}\n")
    with pytest.raises(ScheduleError) as caught:
        load_schedule(str(path))
    assert [p.where for p in caught.value.problems] == ["agencies[1].block", "agencies[2]"]


def test_unknown_name_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="nightly"):
        load_schedule("weekly")
    with pytest.raises(ScheduleError, match="dòng 2"):
        load_schedule(str(write(tmp_path, "name: x\n  bad: [\n")))
    with pytest.raises(ScheduleError, match="empty schedule"):
        load_schedule(str(write(tmp_path, "", "empty.yaml")))


def test_cli_reports_bad_schedules_without_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    broken = write(tmp_path, "registry: '2026'\nconcurency: 2\n")
    for args, code, words in [
        (("--schedule", str(broken)), 2, ("lịch quét lỗi", "concurency", "unknown key")),
        (("--schedule", "weekly"), 2, ("không tìm thấy lịch quét", "nightly")),
        ((), 2, ("--registry", "--schedule")),
        (("--resume",), 0, ("Không có đợt quét nào dang dở",)),
        (("--resume", "s-missing"), 2, ("no such sweep",)),
    ]:
        status, out, err = probe("sweep", *args, "--db", f"sqlite:///{tmp_path / 'r.db'}",
                                 monkeypatch=monkeypatch, capsys=capsys)
        assert status == code, out + err
        assert "Traceback" not in out + err
        for word in words:
            assert word in out + err, out + err


def test_no_portal_starts_outside_the_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    local = datetime.now(UTC) + timedelta(hours=7)
    start, end = ((local + timedelta(hours=h)).strftime("%H:%M") for h in (2, 3))
    schedule = write(tmp_path, f"agencies:\n  - {{id: a, name: A, block: province, "
                               f"portal_url: 'https://a.example/'}}\n"
                               f"window: {{start: '{start}', end: '{end}'}}\n")
    status, _, err = probe("sweep", "--schedule", str(schedule), "--db",
                           f"sqlite:///{tmp_path / 'r.db'}", monkeypatch=monkeypatch,
                           capsys=capsys)
    assert status == 4, err
    assert "ngoài khung giờ quét" in err and "Traceback" not in err


def test_the_example_cron_and_systemd_lines_are_commands_probe_takes() -> None:
    """Every `probe ...` line an operator copies from schedules/ parses: a renamed option
    would otherwise surface as a failed night."""
    from typer.main import get_command

    from probe.cli import app

    examples = [REPO / "schedules" / "crontab.example",
                *sorted((REPO / "schedules" / "systemd").glob("*.service"))]
    lines = [line.split("bin/probe ", 1)[1].split(" >>")[0]
             for path in examples for line in path.read_text(encoding="utf-8").splitlines()
             if "bin/probe " in line and not line.startswith("#")]
    assert len(lines) >= 4 and any(line.startswith("prune ") for line in lines)
    group = get_command(app)
    for line in lines:
        name, *args = line.split()
        command = group.get_command(group.context_class(group), name)  # type: ignore[attr-defined]
        assert command is not None, line
        command.make_context(name, args)  # raises on an unknown option or a bad value
