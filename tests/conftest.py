"""Test processes share the machine (`make test` runs two, pytest-xdist): a module with a
test marked `timing` asserts timing fidelity, so it runs alone; the other modules share the
machine with each other. Timing modules are collected first, so that they meet short
modules at the start rather than wait for a long farm module to end.

The lock is `probe.workers.locks.MachineLock` on a folder of its own, so it never meets the
machine lock the probe's own workers take inside a test (tests/test_distributed.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from probe.workers.locks import MachineLock, lock_dir


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with a `timing` test first (stable: the order within and among the others
    is kept)."""
    timing = {item.path for item in items if item.get_closest_marker("timing") is not None}
    items.sort(key=lambda item: item.path not in timing)


def _marked(request: pytest.FixtureRequest, name: str) -> bool:
    """Whether a test of the requesting module carries mark `name`."""
    path = request.node.path
    return any(item.path == path and item.get_closest_marker(name) is not None
               for item in request.session.items)


@pytest.fixture(scope="module", autouse=True)
def machine_share(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hold the test machine lock for the module, exclusively when it is `timing`
    (autouse: taken before the module's own fixtures start farms and browsers)."""
    with MachineLock(lock_dir() / "pytest").held(exclusive=_marked(request, "timing")):
        yield
