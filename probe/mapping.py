"""Map a registry's portals without judging them: `probe discover --registry`.

One crawler process (probe.discovery.CrawlerSession) maps `concurrency` portals at a time,
each host as politely as in a sweep (the crawler's settings, robots.txt), and tries a portal
again after a transient failure as a sweep does. Every site map is stored the moment it
arrives (probe.db.discoveries), so a batch that is stopped keeps what it mapped; nothing here
opens a browser, a run or a score.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from probe import status as statuses
from probe.db.discoveries import StoredMap, previous_map, save_map, stored_maps
from probe.db.store import Store, new_id
from probe.discovery import CrawlerSession
from probe.models import PAGE_TYPES, Agency, SiteMap, utc_now
from probe.sweep import SweepOptions, discover_with_retries

Progress = Callable[[Agency, str], None]
# The pages the rubric's functions items look for (criteria.md: F1 catalogue and procedure
# pages, F2 search, F3 look-up, F8 feedback, F9 questions and guides, F10 statistics): a map
# without one of them is worth a look before the evaluation window.
EXPECTED_TYPES = ("catalogue", "procedure", "search", "lookup", "feedback", "faq", "statistics")
TYPE_VI = {"catalogue": "danh mục thủ tục", "procedure": "trang thủ tục", "search": "tìm kiếm",
           "lookup": "tra cứu hồ sơ", "feedback": "phản ánh kiến nghị", "faq": "hỏi đáp",
           "statistics": "thống kê"}


@dataclass(frozen=True)
class MappedPortal:
    """One portal of the batch: its new site map, and the one stored before it."""

    agency: Agency
    sitemap: SiteMap
    status: str
    detail: str
    discovered_at: str
    previous: StoredMap | None
    batch_id: str = ""  # the call that made it, when read back from the store

    @property
    def mapped(self) -> bool:
        return self.status == statuses.COMPLETED

    @property
    def max_depth(self) -> int | None:
        """The deepest click depth of the map (None without pages)."""
        return max((page.depth for page in self.sitemap.pages), default=None)

    def type_counts(self) -> dict[str, int]:
        """Pages per page type, in PAGE_TYPES order, types without pages left out."""
        counts = Counter(page.type for page in self.sitemap.pages)
        return {t: counts[t] for t in PAGE_TYPES if counts[t]}

    def missing_types(self) -> list[str]:
        """Expected page types the map holds no page of (none when it could not be mapped)."""
        found = self.type_counts()
        return [t for t in EXPECTED_TYPES if t not in found] if self.mapped else []

    def changes(self) -> tuple[list[str], list[str]] | None:
        """Page URLs added and removed since the previous completed map; None without one
        (or when this map failed)."""
        if self.previous is None or not self.mapped:
            return None
        before = {page.url for page in self.previous.sitemap.pages}
        now = {page.url for page in self.sitemap.pages}
        return sorted(now - before), sorted(before - now)

    def to_dict(self) -> dict[str, object]:
        changes = self.changes()
        return {
            "agency_id": self.agency.id, "agency": self.agency.name, "block": self.agency.block,
            "url": self.agency.portal_url, "confirmed": self.agency.confirmed,
            "status": self.status, "detail": self.detail,
            "discovered_at": self.discovered_at, "pages": len(self.sitemap.pages),
            "max_depth": self.max_depth, "types": self.type_counts(),
            "missing_types": self.missing_types(),
            "since": None if changes is None else {
                "previous_at": self.previous.discovered_at if self.previous else None,
                "added": changes[0], "removed": changes[1]},
            "sitemap": self.sitemap.to_dict(),
        }


async def map_registry(agencies: Sequence[Agency], options: SweepOptions, store: Store,
                       progress: Progress, source: str = "") -> tuple[str, list[MappedPortal]]:
    """Map every agency's portal with a sweep's `options` (settings, discovery budget,
    concurrency, retries); store each map under one new batch id, naming the registry or
    schedule `source`. The batch id and the portals in registry order."""
    batch_id, settings, retry = new_id("d"), options.settings, options.retry
    gate = asyncio.Semaphore(max(1, options.concurrency))
    async with CrawlerSession(settings, options.budget) as crawler:

        async def one(position: int, agency: Agency) -> MappedPortal:
            async with gate:
                progress(agency, "discover")
                sitemap, status, detail = await discover_with_retries(
                    agency, settings, retry, crawler, [], partial(progress, agency))
                found = MappedPortal(agency, sitemap, status, detail, utc_now(),
                                     previous_map(store, agency.id, batch_id))
                save_map(store, batch_id, agency, sitemap, status, found.discovered_at, detail,
                         source, position)
                progress(agency, "done")
                return found

        jobs = (one(position, agency) for position, agency in enumerate(agencies))
        return batch_id, list(await asyncio.gather(*jobs))


def stored_batch(store: Store, batch_id: str) -> tuple[str, list[MappedPortal]]:
    """The registry or schedule of a stored call and its portals in registry order, each with
    the map its agency had before it (what the call itself printed); no portals for an
    unknown batch."""
    found = stored_maps(store, batch_id=batch_id)
    return next((m.source for m in found if m.source), ""), [
        MappedPortal(m.agency, m.sitemap, m.status, m.detail, m.discovered_at,
                     previous_map(store, m.agency.id, batch_id, m.discovered_at), batch_id)
        for m in found]


def agency_history(store: Store, agency_id: str) -> list[MappedPortal]:
    """Every stored map of one agency, oldest first, each with the complete map before it."""
    history: list[MappedPortal] = []
    previous: StoredMap | None = None
    for stored in stored_maps(store, agency_id):
        history.append(MappedPortal(stored.agency, stored.sitemap, stored.status, stored.detail,
                                    stored.discovered_at, previous, stored.batch_id))
        if stored.status == statuses.COMPLETED:
            previous = stored
    return history
