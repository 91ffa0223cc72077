"""Benchmark: how long axe keeps the renderer busy, by page size (prints figures only).

`checks._sampling.axe_busy_s` lets axe keep a page busy for three times its quiet-machine
time before the page guard takes the busy renderer for a runaway page script; this measures
that time. For each size, one Chromium page holds a catalogue table of that many rows; a
DevTools ping every 50 ms beside axe gives the longest stretch the renderer did not answer.

    python bench/axe_busy.py --rows 100 1500 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

from playwright.async_api import Page, async_playwright

from checks._sampling import AXE_S_PER_ELEMENT, dom_elements
from checks.access import AXE_OPTIONS, axe
from probe.browser import launch


def catalogue(rows: int) -> str:
    """A procedure catalogue page of `rows` rows (7 elements a row)."""
    body = "".join(f"<tr><td><a href='/tt/{i}'>Thủ tục số {i}</a></td>"
                   f"<td><span>Mức {i % 4}</span></td><td><button>Xem</button></td></tr>"
                   for i in range(rows))
    return (f"<!doctype html><html lang=vi><head><title>Danh mục</title></head><body><main>"
            f"<table>{body}</table></main></body></html>")


async def busy_while_axe(page: Page) -> tuple[float, float]:
    """axe's wall time and the longest stretch the renderer left a ping unanswered."""
    session = await page.context.new_cdp_session(page)
    longest, running = 0.0, True

    async def ping() -> None:
        nonlocal longest
        while running:
            sent = time.monotonic()
            await session.send("Runtime.evaluate", {"expression": "0", "returnByValue": True})
            longest = max(longest, time.monotonic() - sent)
            await asyncio.sleep(0.05)

    pinger = asyncio.create_task(ping())
    clock = time.monotonic()
    await axe().run(page, options=AXE_OPTIONS)
    took, running = time.monotonic() - clock, False
    await pinger
    return took, longest


async def measure(rows: list[int]) -> list[dict[str, float]]:
    figures = []
    async with async_playwright() as pw:
        browser = await launch(pw, loopback_only=True)
        for count in rows:
            page = await browser.new_page()
            await page.set_content(catalogue(count))
            elements = await dom_elements(page)
            took, longest = await busy_while_axe(page)
            figures.append({"elements": elements, "axe_s": round(took, 2),
                            "longest_busy_s": round(longest, 2),
                            "ms_per_element": round(1000 * longest / elements, 3)})
            await page.close()
        await browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 500, 1500, 3000])
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    figures = asyncio.run(measure(args.rows))
    print(f"{'elements':>9} {'axe s':>7} {'busy s':>7} {'ms/element':>11}")
    for row in figures:
        print(f"{row['elements']:>9} {row['axe_s']:>7.1f} {row['longest_busy_s']:>7.1f} "
              f"{row['ms_per_element']:>11.3f}")
    print(f"assumed by the page guard: {1000 * AXE_S_PER_ELEMENT:.3f} ms an element "
          f"(three times that allowed); load average at end: {os.getloadavg()[0]:.1f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
