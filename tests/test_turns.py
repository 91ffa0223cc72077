"""probe.turns: workers taking the next item in turn."""

from __future__ import annotations

import asyncio

from probe.turns import take_turns


def test_a_slow_item_holds_one_worker_and_the_results_keep_the_items_order() -> None:
    done_by: dict[str, list[int]] = {"a": [], "b": []}

    async def work(worker: str, item: int) -> int:
        await asyncio.sleep(0.3 if item == 0 else 0.01)
        done_by[worker].append(item)
        return item * 10

    found = asyncio.run(take_turns(["a", "b"], range(5), work))
    assert found == [0, 10, 20, 30, 40]
    assert done_by == {"a": [0], "b": [1, 2, 3, 4]}


def test_no_items_and_more_workers_than_items() -> None:
    async def work(worker: int, item: str) -> str:
        return f"{item}{worker}"

    assert asyncio.run(take_turns([1, 2, 3], [], work)) == []
    assert asyncio.run(take_turns([1, 2, 3], ["x"], work)) == ["x1"]
