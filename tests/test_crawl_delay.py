"""The Crawl-delay a robots.txt asks, and the pause the probe keeps for it."""

from __future__ import annotations

import pytest
from protego import Protego

from probe import crawl_delay


@pytest.mark.parametrize(("robots", "asked"), [
    ("User-agent: *\nCrawl-delay: 10\n", 10.0),
    ("User-agent: *\nCrawl-delay: 10\n\nUser-agent: dvc-probe\nCrawl-delay: 2\n", 2.0),
    ("User-agent: googlebot\nCrawl-delay: 10\n", None),  # not asked of us
    ("User-agent: *\nCrawl-delay: 0\n", None),
    ("User-agent: *\nCrawl-delay: later\n", None),
    ("User-agent: *\nCrawl-delay: -3\n", None),
    ("User-agent: *\nCrawl-delay: inf\n", None),
    ("User-agent: *\nDisallow: /x\n", None),
])
def test_the_delay_asked_of_the_probe(robots: str, asked: float | None) -> None:
    from probe.context import USER_AGENT

    assert crawl_delay.asked(Protego.parse(robots), USER_AGENT) == asked


def test_the_pause_kept_is_never_below_the_probe_s_own_nor_above_the_cap() -> None:
    assert crawl_delay.kept(None, 0.5) == 0.5
    assert crawl_delay.kept(0.1, 0.5) == 0.5
    assert crawl_delay.kept(10, 0.5) == 10
    assert crawl_delay.kept(120, 0.5) == crawl_delay.MAX_CRAWL_DELAY_S
    assert crawl_delay.kept(120, 0.5, cap_s=5) == 5


def test_the_summary_says_what_was_asked_and_what_was_kept() -> None:
    assert crawl_delay.summary({}) == ""
    assert crawl_delay.summary({"b.gov.vn": {"asked": 120, "kept": 30},
                                "a.gov.vn": {"asked": 5, "kept": 5}}) == \
        "robots.txt Crawl-delay: a.gov.vn asks 5 s; b.gov.vn asks 120 s, kept 30 s"
