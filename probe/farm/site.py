"""The run-time state of one farm portal: its profile, live features, latency and logs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from probe.farm import content
from probe.farm.profiles import Feature, Profile
from probe.farm.routes import STYLES, Routes
from probe.farm.server import Request


@dataclass(frozen=True)
class Origins:
    """Where the national stand-ins live (scheme://127.0.0.1:port)."""

    national: str
    sso: str
    payment: str
    emc: str


class Site:
    """One portal as it runs: what it shows now, how slowly, and what it was asked."""

    def __init__(self, profile: Profile, origins: Origins, origin: str,
                 latency_scale: float) -> None:
        self.profile = profile
        self.origins = origins
        self.origin = origin
        self.features: frozenset[Feature] = profile.features
        self.latency_ms: float = max(0.0, profile.latency_ms * latency_scale)
        self.routes: Routes = STYLES.get(profile.style, STYLES["eform"])
        self.dossiers = content.dossiers(profile.code_suffix, profile.block != "ministry")
        self.statistics = content.statistics(sum(map(ord, profile.design_id)) % 97)
        self._log: list[tuple[float, str]] = []
        self._posts: list[str] = []
        self._lock = threading.Lock()

    # --- features and timing ------------------------------------------------------------

    def has(self, feature: Feature) -> bool:
        """True when the portal currently offers `feature`."""
        return feature in self.features

    def disable(self, feature: Feature) -> None:
        """Remove `feature` from now on."""
        self.features = self.features - {feature}

    def enable(self, feature: Feature) -> None:
        """Offer `feature` from now on."""
        self.features = self.features | {feature}

    def set_latency(self, ms: float) -> None:
        """Serve pages after `ms` milliseconds from now on."""
        self.latency_ms = max(0.0, float(ms))

    @property
    def delay_s(self) -> float:
        """The delay before each page or API answer, in seconds."""
        return self.latency_ms / 1000.0

    # --- logs -----------------------------------------------------------------------------

    def record(self, request: Request) -> None:
        """Note a served request (time, path and query); POSTs are noted separately too."""
        with self._lock:
            self._log.append((request.time, request.target))
            if request.method == "POST":
                self._posts.append(request.target)

    def request_log(self) -> list[tuple[float, str]]:
        """(time, path) of every request so far."""
        with self._lock:
            return list(self._log)

    def posts(self) -> list[str]:
        """Paths of every POST so far (the probe should never send one)."""
        with self._lock:
            return list(self._posts)

    # --- URLs and content -----------------------------------------------------------------

    def url(self, section: str, ma: str = "", **query: str | int) -> str:
        """The path of a section of this portal."""
        return self.routes.url(section, ma, **query)

    @property
    def procedures(self) -> tuple[content.Procedure, ...]:
        """The catalogue."""
        return content.procedures()

    def key(self, procedure: content.Procedure) -> str:
        """The code this portal shows and uses in URLs for `procedure`."""
        if self.profile.style == "national":
            return procedure.base_code
        return procedure.code(self.profile.code_suffix)

    def login_url(self) -> str:
        """Where 'Đăng nhập' leads: the national SSO or the portal's own login page."""
        if self.has(Feature.SSO):
            query = urlencode({"response_type": "code", "client_id": self.profile.id,
                               "redirect_uri": self.origin + "/", "scope": "openid"})
            return f"{self.origins.sso}/oauth2/authorize?{query}"
        return self.url("login")

    def payment_url(self) -> str:
        """The national payment platform stand-in for this portal."""
        return f"{self.origins.payment}/thanh-toan?{urlencode({'ma_don_vi': self.profile.id})}"

    def find_dossier(self, code: str) -> content.Dossier | None:
        """The known dossier with `code`, or None."""
        wanted = code.strip().upper()
        return next((d for d in self.dossiers if d.code == wanted), None)
