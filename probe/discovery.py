"""Discovery: map a portal's pages the way a citizen meets it -> SiteMap.

The Scrapy crawl (and, for single-page apps, the Chromium walk) runs in a subprocess,
`python -m spiders.run`, because Scrapy's reactor cannot be restarted in one process:
`discover_many` starts one per call; a `CrawlerSession` keeps one for a sweep's batch and
asks it for each portal in turn. A portal that cannot be mapped comes back as a SiteMap
whose `error` is one of `ERROR_STATUSES`; only a malformed URL raises (`probe.urls.BadUrl`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from probe import crawl_delay
from probe.context import ProbeSettings
from probe.models import SiteMap
from probe.reach import resolve_map
from probe.urls import parse_portal_url
from spiders.budget import Budget
from spiders.errors import ERROR_STATUSES, classify_error

__all__ = ["ERROR_STATUSES", "Budget", "CrawlerSession", "classify_error", "discover",
           "discover_many"]

log = logging.getLogger(__name__)
PARALLEL = 4
SPARE_S = 30.0  # start-up, browser launch and shutdown on top of the time budgets


def build_request(urls: list[str], settings: ProbeSettings, budget: Budget,
                  parallel: int) -> dict[str, Any]:
    """The JSON request handed to `spiders.run`."""
    return {
        "urls": urls,
        "budget": budget.to_dict(),
        "parallel": parallel,
        "settings": {
            "user_agent": settings.user_agent, "ca_file": settings.ca_file,
            "loopback_only": settings.loopback_only, "page_timeout_ms": settings.page_timeout_ms,
            "allow_private": settings.allow_private, "obey_robots": settings.obey_robots,
            "script_watchdog_s": settings.script_watchdog_s,
            "national_portal_hosts": list(settings.national_portal_hosts),
            "resolve": resolve_map(settings),
        },
    }


def wall_limit(count: int, budget: Budget, parallel: int) -> float:
    """Seconds the subprocess may take before it is killed (the probe's own failure)."""
    rounds = math.ceil(count / max(1, parallel))
    return rounds * (2 * budget.time_limit + SPARE_S)


def failed(urls: Iterable[str], status: str = "probe_error") -> dict[str, SiteMap]:
    """A SiteMap carrying `status` for each URL."""
    return {url: SiteMap(portal=url, error=status) for url in urls}


def read_results(urls: list[str], output: Path) -> dict[str, SiteMap]:
    """SiteMaps from the subprocess's output file; URLs missing there are probe errors."""
    results = failed(urls)
    if not output.exists() or not output.stat().st_size:
        return results
    data = json.loads(output.read_text(encoding="utf-8")).get("results", {})
    for url in urls:
        if url in data:
            results[url] = _answer(url, data[url])
    return results


def _answer(url: str, entry: dict[str, Any]) -> SiteMap:
    """The SiteMap of one crawler result entry ({"sitemap": ..., "notes": ...}), logged."""
    sitemap = SiteMap.from_dict(entry["sitemap"])
    notes = entry.get("notes", {})
    log.info("discovered %s: %d pages in %ss %s", url, len(sitemap.pages), notes.get("seconds"),
             notes.get("error_detail") or "")
    return sitemap


def _prepare(urls: dict[str, str], settings: ProbeSettings, budget: Budget | None,
             parallel: int, folder: str) -> tuple[list[str], list[str], Path, float]:
    """Write the request file; the normalised URLs, command, output path and time limit."""
    checked = list(dict.fromkeys(urls.values()))
    budget = budget or Budget()
    request, output = Path(folder, "request.json"), Path(folder, "output.json")
    request.write_text(json.dumps(build_request(checked, settings, budget, parallel)),
                       encoding="utf-8")
    command = [sys.executable, "-m", "spiders.run", str(request), str(output)]
    return checked, command, output, wall_limit(len(checked), budget, parallel)


def _normalised(urls: Iterable[str]) -> dict[str, str]:
    """Each URL as given -> its normalised form (raises BadUrl for a malformed one)."""
    return {url: parse_portal_url(url) for url in urls}


def _by_given(given: dict[str, str], results: dict[str, SiteMap]) -> dict[str, SiteMap]:
    """Results keyed by the URLs as the caller gave them."""
    return {url: results[normal] for url, normal in given.items()}


def _child_env() -> dict[str, str]:
    """The subprocess environment: ours, with warnings kept off its stderr."""
    return {**os.environ, "PYTHONWARNINGS": "ignore"}


def discover_many(urls: Iterable[str], settings: ProbeSettings, budget: Budget | None = None,
                  parallel: int = PARALLEL) -> dict[str, SiteMap]:
    """Map several portals in one subprocess (`parallel` at a time); SiteMaps by URL as given.

    Raises `probe.urls.BadUrl` for a malformed URL, before anything runs.
    """
    given = _normalised(urls)
    if not given:
        return {}
    with tempfile.TemporaryDirectory(prefix="dvc-discover-") as folder:
        checked, command, output, limit = _prepare(given, settings, budget, parallel, folder)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=limit,
                                  env=_child_env(), check=False)
        except subprocess.TimeoutExpired:
            log.warning("discovery subprocess exceeded %.0fs", limit)
            return _by_given(given, failed(checked))
        if done.returncode != 0:
            log.warning("discovery subprocess failed (%s): %s", done.returncode,
                        done.stderr[-2000:])
        return _by_given(given, read_results(checked, output))


def discover(portal_url: str, settings: ProbeSettings, budget: Budget | None = None) -> SiteMap:
    """Map one portal: its pages, types, click depths and templates (see SiteMap)."""
    return discover_many([portal_url], settings, budget)[portal_url]


class CrawlerSession:
    """One crawler process (`spiders.run --serve`) that maps portals as they are asked for:
    a batch pays for one Python and Scrapy start-up, and each portal is mapped when the
    caller has room for it, not all at once. Use it with `async with`."""

    def __init__(self, settings: ProbeSettings, budget: Budget | None = None) -> None:
        self.settings, self.budget = settings, budget or Budget()
        self._folder = tempfile.TemporaryDirectory(prefix="dvc-discover-")
        self._process: asyncio.subprocess.Process | None = None
        self._waiting: dict[int, tuple[str, asyncio.Future[SiteMap]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._stderr = b""
        self._asked = 0

    async def __aenter__(self) -> CrawlerSession:
        request = Path(self._folder.name, "request.json")
        request.write_text(json.dumps(build_request([], self.settings, self.budget, 1)),
                           encoding="utf-8")
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "spiders.run", "--serve", str(request),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=_child_env(), limit=2 ** 26)
        self._tasks = [asyncio.ensure_future(self._read_answers()),
                       asyncio.ensure_future(self._keep_stderr())]
        return self

    async def __aexit__(self, *_: object) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(OSError):
                process.stdin.close()  # type: ignore[union-attr]
            try:
                await asyncio.wait_for(process.wait(), SPARE_S)
            except TimeoutError:
                process.kill()
                await process.wait()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._folder.cleanup()

    async def discover(self, portal_url: str) -> SiteMap:
        """Map one portal (see `discover`); a crawler process that died or overran the time
        limit gives a probe_error SiteMap. Raises `probe.urls.BadUrl` for a malformed URL."""
        url = parse_portal_url(portal_url)
        process = self._process
        if process is None or process.returncode is not None or process.stdin is None:
            return failed([url])[url]
        self._asked += 1
        asked, answer = self._asked, asyncio.get_running_loop().create_future()
        self._waiting[asked] = url, answer
        process.stdin.write(json.dumps({"id": asked, "url": url}).encode() + b"\n")
        limit = wall_limit(1, self.budget, 1)
        try:
            await process.stdin.drain()
            return await asyncio.wait_for(answer, limit)
        except (TimeoutError, OSError) as error:
            log.warning("discovery of %s failed in the crawler process: %r", url, error)
            return failed([url])[url]
        finally:
            self._waiting.pop(asked, None)

    async def _read_answers(self) -> None:
        """Hand each answer line to its caller; once the process ends, fail the rest."""
        assert self._process is not None and self._process.stdout is not None
        while line := await self._process.stdout.readline():
            answer = json.loads(line)
            sitemap = _answer(answer["url"], answer)
            _, waiting = self._waiting.get(int(answer["id"]), ("", None))
            if waiting is not None and not waiting.done():
                waiting.set_result(sitemap)
        code = await self._process.wait()
        if self._waiting:
            log.warning("crawler process ended (%s) with %d portals unmapped: %s", code,
                        len(self._waiting), self._stderr.decode(errors="replace")[-2000:])
        for url, waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_result(failed([url])[url])

    async def _keep_stderr(self) -> None:
        """Drain the process's standard error, keeping its last lines for a failure."""
        assert self._process is not None and self._process.stderr is not None
        while chunk := await self._process.stderr.read(65_536):
            self._stderr = (self._stderr + chunk)[-4000:]


def crawl_summary(sitemap: SiteMap, shown: int = 3) -> str:
    """What ended or cut the crawl, with the templates the per-template cap left out.

    For instance `stopped by per_template; left out: /lich?thang (41 URLs)`; an endless
    calendar or query variant shows up here instead of silently eating the budget.
    """
    summary = f"stopped by {sitemap.stopped_by or 'nothing'}"
    if sitemap.robots_ignored:
        summary += "; robots.txt ignored (the operator's own portal)"
    if sitemap.crawl_delays:
        summary += "; " + crawl_delay.summary(sitemap.crawl_delays)
    if not sitemap.capped:
        return summary
    worst = sorted(sitemap.capped.items(), key=lambda item: (-item[1], item[0]))[:shown]
    listed = ", ".join(f"{template} ({count} URLs)" for template, count in worst)
    more = len(sitemap.capped) - len(worst)
    return f"{summary}; left out: {listed}" + (f" and {more} more templates" if more else "")
