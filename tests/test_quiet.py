"""QuietLock: exclusive holders run alone; shared holders overlap."""

import asyncio

from probe.quiet import QuietLock


def test_exclusive_never_overlaps_anything() -> None:
    events: list[str] = []
    active = {"shared": 0, "exclusive": 0}
    overlaps: list[dict[str, int]] = []

    async def worker(lock: QuietLock, kind: str, name: str) -> None:
        async with getattr(lock, kind)():
            active[kind] += 1
            if active["exclusive"] > 1 or (active["exclusive"] and active["shared"]):
                overlaps.append(dict(active))
            events.append(name)
            await asyncio.sleep(0.01)
            active[kind] -= 1

    async def main() -> int:
        lock = QuietLock()
        kinds = ["shared", "exclusive", "shared", "shared", "exclusive", "shared"] * 3
        await asyncio.gather(*(worker(lock, k, f"{k}{i}") for i, k in enumerate(kinds)))
        return len(events)

    assert asyncio.run(main()) == 18
    assert overlaps == []


def test_shared_holders_run_together() -> None:
    async def main() -> float:
        lock = QuietLock()
        loop = asyncio.get_running_loop()
        start = loop.time()

        async def hold() -> None:
            async with lock.shared():
                await asyncio.sleep(0.1)

        await asyncio.gather(*(hold() for _ in range(5)))
        return loop.time() - start

    assert asyncio.run(main()) < 0.3
