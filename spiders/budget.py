"""How much of a portal one discovery may crawl, and how politely."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from probe.crawl_delay import MAX_CRAWL_DELAY_S

# Budgets that can end or cut a crawl, most severe first (SiteMap.stopped_by takes one).
STOP_REASONS = ("time_limit", "max_pages", "max_depth", "per_template")


@dataclass(frozen=True)
class Budget:
    """Limits of one portal's crawl; the defaults suit the farm and a nightly sweep."""

    max_pages: int = 60  # pages mapped (HTML answers kept as PageInfo)
    max_depth: int = 4  # click depth from the home page
    per_template: int = 5  # pages per URL template (also how later checks sample)
    delay: float = 0.05  # seconds between two requests to one host
    per_host: int = 4  # concurrent requests to one host
    max_crawl_delay: float = MAX_CRAWL_DELAY_S  # most seconds kept of a robots.txt Crawl-delay
    time_limit: float = 60.0  # seconds for the whole crawl (rendering included)
    handover_pages: int = 8  # pages mapped on a national portal the agency hands over to
    handover_depth: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (what the crawl subprocess receives)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Budget:
        """A Budget from `to_dict()` output; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def for_handover(self) -> Budget:
        """The lighter budget used on a national portal the agency hands citizens over to."""
        return replace(self, max_pages=min(self.max_pages, self.handover_pages),
                       max_depth=min(self.max_depth, self.handover_depth))


def worst_stop(hits: set[str]) -> str | None:
    """The most severe budget among `hits` (time_limit > max_pages > max_depth > per_template)."""
    for reason in STOP_REASONS:
        if reason in hits:
            return reason
    return None
