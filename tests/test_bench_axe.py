"""bench/axe_busy.py measures what the page guard's allowance for axe rests on."""

import asyncio

from tests.bench_helpers import load_bench


def test_axe_busy_measures_axe_on_catalogue_pages_of_the_asked_size() -> None:
    figures = asyncio.run(load_bench("axe_busy").measure([10, 400]))
    assert [row["elements"] for row in figures] == [7 + 7 * 10, 7 + 7 * 400]
    for row in figures:  # the renderer is busy inside axe's run, never longer than it
        assert 0 < row["longest_busy_s"] <= row["axe_s"] + 0.2, row
    assert figures[1]["axe_s"] > figures[0]["axe_s"]  # 40 times the elements
