"""bench/checks_bench.py: Lighthouse's unthrottled runs kept apart from its throttled ones, and the
FCP spread figures printed for both tools."""

import json
import statistics
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.bench_helpers import load_bench


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench("checks_bench")


def fake_lighthouse(monkeypatch: pytest.MonkeyPatch, fcp_by_mode: dict[str, list[float]]
                    ) -> list[list[str]]:
    """subprocess.run replaced by a Lighthouse that writes a report whose FCP depends on the
    throttling method it was given; returns the commands it saw."""
    commands: list[list[str]] = []

    def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[bytes]:
        commands.append(command)
        method = next(f for f in command if f.startswith("--throttling-method="))
        report = Path(next(f for f in command if f.startswith("--output-path=")).split("=", 1)[1])
        audits = {a: {"numericValue": 1.0} for a in ("largest-contentful-paint", "speed-index",
                                                      "total-blocking-time")}
        audits["first-contentful-paint"] = {"numericValue": fcp_by_mode[method].pop(0)}
        audits["metrics"] = {"details": {"items": [{"timeToFirstByte": 50.0}]}}
        report.write_text(json.dumps({"audits": audits}), encoding="utf-8")
        return subprocess.CompletedProcess(command, 0, b"", b"")

    monkeypatch.setattr(subprocess, "run", run)
    return commands


def test_unthrottled_lighthouse_runs_are_kept_apart_from_the_throttled_ones(
        bench: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    commands = fake_lighthouse(monkeypatch, {"--throttling-method=devtools": [1500, 1600],
                                             "--throttling-method=provided": [300, 330, 270]})
    monkeypatch.setattr(bench, "peer_env", lambda ca_file: {})  # no CA to trust: no network
    result = bench.PageResult("tinh-binh-minh", "https://127.0.0.1:1/", 40.0)
    bench.lighthouse(Path("lighthouse"), result, "ca.pem", tmp_path, runs=2, plain_runs=3)
    assert not result.lighthouse_error, result.lighthouse_error
    assert result.lighthouse["fcp"] == [1500, 1600]
    assert result.lighthouse_plain["fcp"] == [300, 330, 270]
    assert ["--preset=desktop" in c for c in commands] == [False, False, True, True, True]


def test_the_summary_prints_both_tools_unthrottled_fcp_spread(
        bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    result = bench.PageResult("tinh-binh-minh", "https://127.0.0.1:1/", 40.0)
    result.ours = {"none": {"fcp": [200.0, 210.0, 190.0]}, "mobile": {"fcp": [1500.0, 1510.0]}}
    result.lighthouse_plain = {"fcp": [300.0, 330.0, 270.0]}
    row = bench.page_figures(result)
    assert row["fcp_sd_ms"] == pytest.approx(10.0)
    assert row["lh_plain_fcp_sd_ms"] == pytest.approx(30.0)
    assert row["lh_plain_fcp_cv"] == pytest.approx(30.0 / statistics.fmean([300, 330, 270]))
    bench.print_summary([row], {}, None)
    printed = capsys.readouterr().out
    assert "FCP cv Lighthouse unthrottled (desktop): median 10.0%" in printed
    assert "tinh-binh-minh / 10/30" in printed


def test_the_portals_checks_are_timed_by_their_steps_wall_not_the_families_sum(
        bench: ModuleType) -> None:
    """Families run side by side in a step: 10 + 8 s of families in a 12 s step is 12 s."""
    from probe import sweep

    with bench.family_times() as times:
        sweep.log.info(sweep.CHECK_MESSAGE, "access", "https://a/", 10.0)
        sweep.log.info(sweep.CHECK_MESSAGE, "layout", "https://a/", 8.0)
        sweep.log_step(("access", "layout"), "https://a/", 12.0)
        sweep.log_step(("performance",), "https://a/", 5.0)
    assert times.seconds == {"access": 10.0, "layout": 8.0}
    assert times.steps_s == 17.0
