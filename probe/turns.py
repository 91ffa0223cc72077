"""Several workers taking the next item of one list in turn."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

Worker = TypeVar("Worker")
Item = TypeVar("Item")
Result = TypeVar("Result")


async def take_turns(workers: Sequence[Worker], items: Iterable[Item],
                     work: Callable[[Worker, Item], Awaitable[Result]]) -> list[Result]:
    """`work(worker, item)` for every item, each worker taking the next item as soon as it is
    free (a slow item holds one worker, not the others); the results in the items' order."""
    pending = enumerate(items)
    found: dict[int, Result] = {}

    async def turn(worker: Worker) -> None:
        for index, item in pending:
            found[index] = await work(worker, item)

    await asyncio.gather(*(turn(worker) for worker in workers))
    return [found[index] for index in sorted(found)]
