"""The sweep's last phase starts the slowest portals first and keeps results in registry order."""

import asyncio

from probe import sweep
from probe.registry import Agency


def _run(agency_id: str, check_s: float) -> sweep._PortalRun:
    agency = Agency(id=agency_id, name=agency_id, block="province",
                    portal_url=f"https://{agency_id}.example/")
    return sweep._PortalRun(agency, check_s=check_s)


def test_slowest_timed_portals_come_first_ties_in_registry_order() -> None:
    runs = [_run("a", 9.0), _run("b", 40.0), _run("c", 9.0), _run("d", 12.5)]
    assert sweep._slowest_first(runs) == [1, 3, 0, 2]


def test_bounded_starts_jobs_in_the_order_asked_and_answers_in_the_order_given() -> None:
    started: list[str] = []
    running = 0
    most = 0

    async def job(name: str) -> str:
        nonlocal running, most
        started.append(name)
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return name.upper()

    async def scenario() -> list[str]:
        jobs = [job(name) for name in ("a", "b", "c", "d")]
        return await sweep._bounded(2, jobs, start_order=[3, 1, 0, 2])

    assert asyncio.run(scenario()) == ["A", "B", "C", "D"]
    assert started == ["d", "b", "a", "c"] and most == 2
