"""The data that flows between discovery, checks, scoring and storage.

Checks produce `Observation`s (facts with units); scoring turns observations into
`ItemScore`s under a rubric; nothing here touches the network.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Block = Literal["ministry", "province", "other"]
ObservationValue = bool | int | float | str | None

# Outcome of trying to make an observation.
#  ok           - the value was seen.
#  portal_error - the portal itself failed (unreachable, 5xx, timeout): counts against the agency.
#  probe_error  - the probe failed (browser crash, bug): never scored against the agency.
Outcome = Literal["ok", "portal_error", "probe_error"]

# stat: None for a single fact; "run" for one timed run; "median" for the aggregate of runs.
Stat = Literal["run", "median"] | None

ItemStatus = Literal["pass", "partial", "fail", "unmeasured", "attested"]

PAGE_TYPES = (
    "home", "catalogue", "procedure", "search", "lookup", "login", "payment", "rating",
    "feedback", "faq", "statistics", "sitemap", "contact", "submission", "other",
)


def utc_now() -> str:
    """The current UTC time as an ISO-8601 string with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Agency:
    """One agency of a registry: whose portal is probed."""

    id: str
    name: str
    block: Block
    portal_url: str
    name_en: str = ""
    home_url: str = ""
    vendor: str = ""
    http_url: str = ""  # plain-HTTP entry to test the redirect; derived when empty
    confirmed: bool = False
    valid_from: str = ""
    valid_to: str = ""


@dataclass
class PageInfo:
    """One page of a portal's site map."""

    url: str
    type: str = "other"
    depth: int = 0
    template: str = ""
    signals: list[str] = field(default_factory=list)
    status: int | None = None
    title: str = ""


@dataclass
class SiteMap:
    """What discovery found: the portal, any hand-over and its pages."""

    portal: str
    handover: str | None = None
    rendered: bool = False
    pages: list[PageInfo] = field(default_factory=list)
    stopped_by: str | None = None  # budget that ended the crawl, if any
    capped: dict[str, int] = field(default_factory=dict)  # template -> URLs left out by the cap
    error: str | None = None  # status code of the taxonomy when the portal could not be mapped
    robots_ignored: bool = False  # the operator lifted robots.txt for its own portal
    # host -> {"asked": its robots.txt Crawl-delay, "kept": the pause kept}, in seconds
    crawl_delays: dict[str, dict[str, float]] = field(default_factory=dict)

    def of_type(self, page_type: str) -> list[PageInfo]:
        """Pages classified as `page_type`, shallowest first."""
        return sorted((p for p in self.pages if p.type == page_type), key=lambda p: p.depth)

    def first(self, page_type: str) -> PageInfo | None:
        """The shallowest page of `page_type`, or None."""
        found = self.of_type(page_type)
        return found[0] if found else None

    def sample(self, per_template: int = 1, limit: int = 10) -> list[PageInfo]:
        """A few pages per URL template, home first, at most `limit` pages."""
        chosen: list[PageInfo] = []
        seen: dict[str, int] = {}
        for page in sorted(self.pages, key=lambda p: (p.depth, p.url)):
            key = page.template or page.url
            if seen.get(key, 0) >= per_template:
                continue
            seen[key] = seen.get(key, 0) + 1
            chosen.append(page)
            if len(chosen) >= limit:
                break
        return chosen

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SiteMap:
        pages = [PageInfo(**p) for p in data.get("pages", [])]
        return cls(**{**data, "pages": pages})


@dataclass
class Observation:
    """A fact a check saw: a value with its unit, on a page, at a time, with artifacts.

    `name` is one of the catalogue in `probe.observations`; `check` is the family
    (functions, layout, performance, security, access, emc, discovery).
    """

    check: str
    name: str
    value: ObservationValue
    unit: str
    page: str | None = None
    stat: Stat = None
    outcome: Outcome = "ok"
    detail: str = ""
    artifacts: list[str] = field(default_factory=list)
    observed_at: str = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Observation:
        return cls(**data)


@dataclass
class ItemScore:
    """One rubric item judged: points earned, why, and which observations decided it."""

    id: str
    group: str
    points: float | None
    max: float
    status: ItemStatus
    reason: str
    reason_en: str = ""
    observations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PortalScore:
    """A whole portal judged under one rubric version."""

    rubric: str
    total: float
    grade: str
    groups: dict[str, dict[str, float]]
    items: list[ItemScore]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rubric": self.rubric,
            "total": self.total,
            "grade": self.grade,
            "groups": self.groups,
            "items": [i.to_dict() for i in self.items],
        }
