"""The running farm: every portal and national stand-in on loopback, and their controls."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from probe import registry
from probe.farm import content
from probe.farm.homes import (
    DIRECTORY_PATH,
    EXTRA_HOMES,
    HANDOVER,
    HOMES,
    NATIONAL_HOME,
    NOT_FOUND,
    DirectoryEntry,
    HomeDesign,
    HomeSite,
    home_app,
    with_directory,
)
from probe.farm.portal import app_for, https_redirect_app
from probe.farm.profiles import NATIONAL, PROFILES, Feature, Kind, Profile, replicated
from probe.farm.server import FarmServer, Request, serve, shutdown_all
from probe.farm.services import EmcHits, emc_app, payment_app, sso_app
from probe.farm.site import Origins, Site
from probe.farm.tls import create_tls
from probe.models import Agency

SERVICES = ("sso", "payment", "emc")
VALID_FROM = "2025-07-01"


@dataclass
class _Listener:
    """One agency's listeners: the portal itself and (optionally) its plain-HTTP entry."""

    main: FarmServer
    plain: FarmServer | None


class _ServiceLog:
    """A request log for a national stand-in."""

    def __init__(self) -> None:
        self.entries: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> None:
        with self._lock:
            self.entries.append((request.time, request.target))

    def copy(self) -> list[tuple[float, str]]:
        with self._lock:
            return list(self.entries)


class Farm:
    """Portals of every profile plus the national stand-ins, served on 127.0.0.1."""

    ca_file: str
    agencies: list[Agency]
    sites: dict[str, Site]
    national: Site
    origins: Origins
    national_portal_origin: str
    sso_origin: str
    payment_origin: str
    emc_origin: str
    expected_grades: dict[str, str]
    expected_status: dict[str, str]
    known_dossier_codes: dict[str, list[str]]  # agency id -> codes that answer a status
    unknown_dossier_code: dict[str, str]  # agency id -> a well-formed code nobody has
    homes: dict[str, HomeSite]  # home-site id (an agency id or an extra one) -> its site
    home_urls: dict[str, str]  # agency id -> its home page (also Agency.home_url)
    extra_home_urls: dict[str, str]  # home sites of no agency: 'not found', robots cases
    directory_url: str  # the national stand-in's list of agency portals
    expected_find_states: dict[str, str]  # home-site id -> probe.finder state it produces
    expected_find_urls: dict[str, str]  # home-site id -> the portal URL found ('' for none)

    def __init__(self, workdir: Path, latency_scale: float = 1.0,
                 profiles: tuple[Profile, ...] = PROFILES) -> None:
        self.workdir = Path(workdir)
        self.latency_scale = latency_scale
        self._stop = threading.Event()
        self._servers: list[FarmServer] = []
        self._hits = EmcHits()
        self._service_logs = {name: _ServiceLog() for name in SERVICES}
        try:
            context = self._start_tls()
            self._wire_services(context)
            self._wire_portals(profiles, context)
            self._wire_extra_homes(context)
            self._wire_directory()
        except BaseException:
            for server in self._servers:
                server.server_close()
            raise
        for index, server in enumerate(self._servers):
            serve(server, str(index))

    # --- building ------------------------------------------------------------------------

    def _start_tls(self) -> ssl.SSLContext:
        tls = create_tls(self.workdir)
        self.ca_file = tls.ca_file
        return tls.server_context

    def _wire_services(self, context: ssl.SSLContext) -> None:
        services = {name: self._bind(context) for name in SERVICES}
        national = self._bind(context, NATIONAL.server_header)
        self._national_server = national
        self.sso_origin = services["sso"].origin
        self.payment_origin = services["payment"].origin
        self.emc_origin = services["emc"].origin
        self.national_portal_origin = national.origin
        self.origins = Origins(national.origin, self.sso_origin, self.payment_origin,
                               self.emc_origin)
        self.national = Site(NATIONAL, self.origins, national.origin, self.latency_scale)
        national.app = app_for(self.national)
        services["sso"].app = sso_app(self._service_logs["sso"])
        services["payment"].app = payment_app(self._service_logs["payment"])
        services["emc"].app = emc_app(self._hits, self._service_logs["emc"])

    def _wire_portals(self, profiles: tuple[Profile, ...], context: ssl.SSLContext) -> None:
        self.sites, self.agencies, self.homes = {}, [], {}
        for profile in profiles:
            listener = self._listeners(profile, context)
            self.sites[profile.id] = self._wire(profile, listener)
            design = HOMES.get(profile.design_id) or default_home(profile)
            self.homes[profile.id] = self._home(design, listener.main.origin, context)
            self.agencies.append(self._agency(profile, listener))
        self.home_urls = {p.id: self.homes[p.id].url for p in profiles}
        self.expected_grades = {p.id: p.expected_grade for p in profiles}
        self.expected_status = {p.id: p.expected_status for p in profiles}
        self.known_dossier_codes = {pid: [d.code for d in site.dossiers]
                                    for pid, site in self.sites.items()}
        self.unknown_dossier_code = {
            p.id: content.unknown_dossier_code(p.code_suffix, p.province) for p in profiles}

    def _home(self, design: HomeDesign, portal_origin: str,
              context: ssl.SSLContext) -> HomeSite:
        server = self._bind(context if design.https else None, "Apache")
        home = HomeSite(design, server.origin, portal_origin, self.national_portal_origin,
                        self.latency_scale)
        server.app = home_app(home)
        return home

    def _wire_extra_homes(self, context: ssl.SSLContext) -> None:
        self.extra_home_urls = {}
        for design in EXTRA_HOMES.values():  # their portal links lead to the national portal
            portal = self.national_portal_origin if design.link != "none" else ""
            home = self._home(design, portal, context)
            self.homes[design.id] = home
            self.extra_home_urls[design.id] = home.url
        self.expected_find_states = {i: h.design.expected_state for i, h in self.homes.items()}
        self.expected_find_urls = {i: self._expected_find_url(h) for i, h in self.homes.items()}

    def _expected_find_url(self, home: HomeSite) -> str:
        state = home.design.expected_state
        if state == HANDOVER:
            return self.national_portal_origin + NATIONAL_HOME
        if state == NOT_FOUND or not home.portal_url or home.design.robots_block_probe:
            return ""
        return home.portal_url

    def _wire_directory(self) -> None:
        entries = [DirectoryEntry(a.name, a.block, a.portal_url) for a in self.agencies]
        server = self._national_server
        server.app = with_directory(server.app, entries, self.national_portal_origin,
                                    self.national.record, lambda: self.national.delay_s)
        self.directory_url = self.national_portal_origin + DIRECTORY_PATH

    def _bind(self, context: ssl.SSLContext | None, server_header: str = "nginx") -> FarmServer:
        server = FarmServer(context, self._stop, server_header)
        self._servers.append(server)
        return server

    def _listeners(self, profile: Profile, context: ssl.SSLContext) -> _Listener:
        if not profile.https:
            return _Listener(self._bind(None, profile.server_header), None)
        main = self._bind(context, profile.server_header)
        return _Listener(main, self._bind(None, profile.server_header))

    def _wire(self, profile: Profile, listener: _Listener) -> Site:
        site = Site(profile, self.origins, listener.main.origin, self.latency_scale)
        listener.main.app = app_for(site)
        if listener.plain is not None:
            listener.plain.app = https_redirect_app(site, listener.main.origin)
        return site

    def _agency(self, profile: Profile, listener: _Listener) -> Agency:
        origin = listener.main.origin
        plain = listener.plain.origin if listener.plain is not None else origin
        home = self.homes[profile.id].url
        return Agency(id=profile.id, name=profile.name, name_en=profile.name_en,
                      block=profile.block,  # type: ignore[arg-type]
                      portal_url=origin + "/", home_url=home, vendor=profile.vendor,
                      http_url=plain + "/", confirmed=False, valid_from=VALID_FROM)

    # --- the public controls ---------------------------------------------------------------

    def write_registry(self, path: Path) -> Path:
        """Write the farm's agencies as a registry CSV at `path`."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return registry.write(Path(path), self.agencies)

    def settings_overrides(self) -> dict[str, tuple[str, ...]]:
        """ProbeSettings fields that make the probe recognise the national stand-ins."""
        return {"national_portal_hosts": (_netloc(self.national_portal_origin),),
                "national_sso_hosts": (_netloc(self.sso_origin),)}

    def site(self, agency_id: str) -> Site:
        """The running portal of `agency_id` ('quoc-gia' is the national stand-in)."""
        if agency_id == self.national.profile.id:
            return self.national
        try:
            return self.sites[agency_id]
        except KeyError:
            raise KeyError(f"no farm portal '{agency_id}'") from None

    def set_latency(self, agency_id: str, ms: int) -> None:
        """Serve that portal's pages after `ms` milliseconds from now on (not scaled)."""
        self.site(agency_id).set_latency(ms)

    def latency_ms(self, agency_id: str) -> float:
        """The delay that portal currently adds to each page, in milliseconds."""
        return self.site(agency_id).latency_ms

    def disable(self, agency_id: str, feature: str) -> None:
        """Remove a feature (e.g. 'lookup') from that portal from now on."""
        self.site(agency_id).disable(_feature(feature))

    def enable(self, agency_id: str, feature: str) -> None:
        """Give a feature back to that portal from now on."""
        self.site(agency_id).enable(_feature(feature))

    def home_request_log(self, home_id: str) -> list[tuple[float, str]]:
        """(time.time(), path) of every request to a home site (agency id or extra id)."""
        try:
            return self.homes[home_id].request_log()
        except KeyError:
            raise KeyError(f"no farm home site '{home_id}'") from None

    def emc_hits(self) -> list[dict[str, Any]]:
        """Tracking requests the EMC stand-in received (site_id, url, action, time, ...)."""
        return self._hits.all()

    def request_log(self, agency_id: str) -> list[tuple[float, str]]:
        """(time.time(), path) of every request to that portal (or to 'sso'/'payment'/'emc')."""
        if agency_id in self._service_logs:
            return self._service_logs[agency_id].copy()
        return self.site(agency_id).request_log()

    def posts(self, agency_id: str) -> list[str]:
        """Paths that portal received POSTs on (a read-only probe sends none)."""
        return self.site(agency_id).posts()

    def stop(self) -> None:
        """Stop every server; hanging requests end at once."""
        if self._stop.is_set():
            return
        self._stop.set()
        shutdown_all(self._servers)

    def __enter__(self) -> Farm:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def _feature(name: str) -> Feature:
    try:
        return Feature(name)
    except ValueError:
        known = ", ".join(sorted(f.value for f in Feature))
        raise ValueError(f"unknown farm feature '{name}' (known: {known})") from None


def default_home(profile: Profile) -> HomeDesign:
    """A plain home site for a profile without its own design: 'Dịch vụ công' in the menu."""
    state = {Kind.HANDOVER: HANDOVER, Kind.BROKEN: "portal_unreachable"}.get(profile.kind,
                                                                             "found")
    return HomeDesign(profile.id, f"Cổng thông tin điện tử {profile.name}",
                      profile.governing_body, expected_state=state)


def _netloc(origin: str) -> str:
    return origin.split("://", 1)[1]


def start_farm(workdir: Path, latency_scale: float = 1.0, copies: int = 1) -> Farm:
    """Start every farm portal (`copies` of each) and stand-in on loopback; the Farm is also
    a context manager."""
    return Farm(Path(workdir), latency_scale, replicated(PROFILES, copies))
