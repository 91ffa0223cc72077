"""Retrying a portal that failed for a reason another attempt may cure.

Which statuses are transient is decided in `probe.status.retryable` (the one place the
taxonomy lives); this module only says how often and how long to wait.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from probe import status as statuses


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_attempts` tries of a portal, waiting `backoff_s`, then `backoff_s *
    backoff_factor`, ... (never more than `max_backoff_s`) between them."""

    max_attempts: int = 1
    backoff_s: float = 10.0
    backoff_factor: float = 2.0
    max_backoff_s: float = 300.0

    def delay(self, failed_attempt: int) -> float:
        """Seconds to wait after attempt number `failed_attempt` (from 1) failed."""
        wait = self.backoff_s * self.backoff_factor ** max(0, failed_attempt - 1)
        return round(min(wait, self.max_backoff_s), 3)

    def again(self, attempt: int, status: str, http_code: int | None = None) -> bool:
        """Whether to try again after attempt `attempt` ended in `status`."""
        if status == statuses.COMPLETED or attempt >= self.max_attempts:
            return False
        return statuses.retryable(status, http_code)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetryPolicy:
        return cls(**{k: data[k] for k in ("max_attempts", "backoff_s", "backoff_factor",
                                            "max_backoff_s") if k in data})


@dataclass(frozen=True)
class Attempt:
    """One try at a portal: how it ended and how long it took."""

    number: int
    status: str
    detail: str
    http_code: int | None
    started_at: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def attempts_note(attempts: list[Attempt]) -> str:
    """A short text for the run's status detail when a portal needed more than one try."""
    if len(attempts) < 2:
        return ""
    steps = ", ".join(a.status + (f" {a.http_code}" if a.http_code else "") for a in attempts)
    return f"{len(attempts)} lần thử (attempts): {steps}"
