"""Check families: each module has `async def run(ctx: PortalContext) -> list[Observation]`.

A check records what it saw and never awards points (scoring does that).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable

from probe.context import PortalContext
from probe.models import Observation

CheckFn = Callable[[PortalContext], Awaitable[list[Observation]]]

# Order matters only for speed: timed runs come first, on a quiet browser.
FAMILIES: tuple[str, ...] = ("performance", "functions", "layout", "access", "security", "emc")


def load(family: str) -> CheckFn:
    """The `run` function of check family `family`."""
    return importlib.import_module(f"checks.{family}").run
