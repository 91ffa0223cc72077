"""The sweep's progress bars: one per portal under way, naming every family running on it."""

from __future__ import annotations

import io

from rich.console import Console

from probe.models import Agency
from probe.progress import WAITING, sweep_progress
from probe.sweep import ended

FAMILIES = ("functions", "layout", "access", "performance")
PORTAL = Agency(id="tinh-binh-minh", name="Tỉnh Bình Minh", block="province",
                portal_url="https://dichvucong.binhminh.example/")


def _screen(stages: list[str]) -> list[str]:
    """The bars' last lines after the sweep reported `stages` for one portal."""
    console = Console(file=io.StringIO(), force_terminal=False, width=120)
    with sweep_progress(console, [PORTAL], families=FAMILIES) as report:
        for stage in stages:
            report(PORTAL, stage)
    return [line.strip() for line in console.file.getvalue().splitlines()]


def _portal_bar(stages: list[str]) -> str:
    lines = _screen(stages)
    assert len(lines) == 2, lines  # the sweep's bar and this portal's
    return lines[1]


def test_a_portal_bar_names_every_family_running_side_by_side() -> None:
    bar = _portal_bar(["discover", "functions", "layout"])
    assert bar.endswith("chức năng + bố cục")
    assert " 1/5 " in bar  # discovery has ended, no family yet


def test_an_ended_family_leaves_the_bar_and_counts_as_a_step() -> None:
    bar = _portal_bar(["discover", "functions", "layout", ended("functions"), "access"])
    assert bar.endswith("bố cục + truy cập") and " 2/5 " in bar
    bar = _portal_bar(["discover", "functions", "layout", "access", ended("layout"),
                       ended("functions"), ended("access")])
    assert bar.endswith(WAITING) and " 4/5 " in bar  # its timed turn is to come


def test_discovery_and_its_retries_are_shown_until_a_family_starts() -> None:
    assert _portal_bar(["discover"]).endswith("lập sơ đồ trang")
    bar = _portal_bar(["discover", "retry"])
    assert bar.endswith("chờ thử lại (retry)") and " 0/5 " in bar


def test_a_done_portal_leaves_only_the_sweep_bar_advanced() -> None:
    lines = _screen(["discover", "functions", ended("functions"), "done"])
    assert len(lines) == 1 and " 1/1 " in lines[0], lines
