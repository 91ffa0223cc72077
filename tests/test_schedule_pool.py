"""Schedule keys of the browser pool and throttling, the command line on top, the options'
round trip through a stored sweep, and the packaged schedules found from the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.commands_sweep import SweepRequest, prepare
from probe.pool import PoolSettings
from probe.schedule import ScheduleError, load_schedule, packaged_dirs, search_dirs
from probe.sweep import SweepOptions

REPO = Path(__file__).resolve().parents[1]
BASE = "agencies: [{id: a, name: A, block: province, portal_url: 'https://a.example/'}]\n"


def write(folder: Path, text: str) -> Path:
    path = folder / "s.yaml"
    path.write_text(BASE + text, encoding="utf-8")
    return path


def test_a_schedule_sets_the_browser_pool_and_throttling(tmp_path: Path) -> None:
    path = write(tmp_path, "browsers: {max: 3, pages_per_browser: 40, memory_mb: 900}\n"
                           "probe: {throttling: mobile, perf_runs: 2}\n")
    schedule = load_schedule(str(path))
    assert schedule.pool == PoolSettings(browsers=3, pages_per_browser=40, memory_mb=900)
    assert schedule.settings == {"perf_runs": 2, "throttling": "mobile"}
    _, options = prepare(SweepRequest(schedule=str(path), pages_per_browser=7))
    assert options.settings.throttling == "mobile" and options.settings.perf_runs == 2
    assert options.pool == PoolSettings(browsers=3, pages_per_browser=7, memory_mb=900)


def test_defaults_without_the_keys(tmp_path: Path) -> None:
    schedule = load_schedule(str(write(tmp_path, "")))
    assert schedule.pool == PoolSettings() and "throttling" not in schedule.settings


def test_bad_pool_and_throttling_values_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "browsers: {max: 0, pages: 5, memory_mb: 10}\n"
                           "probe: {throttling: 3g}\n")
    with pytest.raises(ScheduleError) as caught:
        load_schedule(str(path))
    where = [p.where for p in caught.value.problems]
    assert where == ["probe.throttling", "browsers.pages", "browsers.max", "browsers.memory_mb"]
    assert "none, mobile" in str(caught.value)


def test_pool_settings_survive_a_stored_sweep(tmp_path: Path) -> None:
    options = SweepOptions(pool=PoolSettings(browsers=1, pages_per_browser=9, memory_mb=700))
    again = SweepOptions.from_json(options.to_json(), tmp_path)
    assert again.pool == options.pool
    older = options.to_json().replace('"pool"', '"pool_gone"')  # stored by an older version
    assert SweepOptions.from_json(older, tmp_path).pool == PoolSettings()


def test_packaged_schedules_are_found_outside_the_checkout(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROBE_SCHEDULES", raising=False)
    assert any((folder / "nightly.yaml").is_file() for folder in packaged_dirs())
    assert load_schedule("nightly").name == "nightly"
    assert len(search_dirs()) == len(set(search_dirs()))
    assert REPO / "schedules" in search_dirs()


def test_a_schedule_caps_the_crawl_delay_it_keeps(tmp_path: Path) -> None:
    schedule = load_schedule(str(write(tmp_path, "politeness: {max_crawl_delay_s: 5}\n")))
    assert schedule.budget.max_crawl_delay == 5
    with pytest.raises(ScheduleError, match="politeness.max_crawl_delay_s"):
        load_schedule(str(write(tmp_path, "politeness: {max_crawl_delay_s: -1}\n")))
