"""Launching Chromium: Debian's binary, the flags that keep it quiet and on loopback."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from playwright.async_api import Browser, BrowserContext, Playwright, Route

from probe.urls import is_private_host

DEFAULT_CHROMIUM = "/usr/lib/chromium/chromium"
EXTRA_ARGS = ("--disable-dev-shm-usage", "--disable-quic")

# Real sweeps: keep Chromium's own Google look-ups from leaving the machine.
SWEEP_RULES = (
    "MAP accounts.google.com ~NOTFOUND, MAP clients2.google.com ~NOTFOUND, "
    "MAP update.googleapis.com ~NOTFOUND, MAP content-autofill.googleapis.com ~NOTFOUND"
)


def chromium_path() -> str:
    """The Chromium binary: `PROBE_CHROMIUM` or Debian's real binary."""
    return os.environ.get("PROBE_CHROMIUM", DEFAULT_CHROMIUM)


def loopback_rules(extra_hosts: Iterable[str] = ()) -> str:
    """Resolver rules that let Chromium reach loopback only (tests, demo, benchmarks).

    Chromium applies the first rule that matches, so named test hosts come before `MAP *`.
    """
    maps = [f"MAP {host} 127.0.0.1" for host in extra_hosts]
    return ", ".join([*maps, "MAP * ~NOTFOUND", "EXCLUDE localhost", "EXCLUDE 127.0.0.1"])


def resolver_rules(loopback_only: bool, extra_hosts: Iterable[str] = ()) -> str:
    """The `--host-resolver-rules` value for this launch."""
    return loopback_rules(extra_hosts) if loopback_only else SWEEP_RULES


def launch_args(loopback_only: bool, extra_hosts: Iterable[str] = ()) -> list[str]:
    """Every flag we add to Playwright's own."""
    rules = resolver_rules(loopback_only, extra_hosts)
    return [*EXTRA_ARGS, f"--host-resolver-rules={rules}"]


def loopback_only_default() -> bool:
    """Loopback-only unless `PROBE_NETWORK=open` says this is a real sweep."""
    return os.environ.get("PROBE_NETWORK", "loopback") != "open"


async def launch(pw: Playwright, loopback_only: bool | None = None,
                 extra_hosts: Iterable[str] = (), ca_file: str | None = None) -> Browser:
    """Launch headless Chromium with the project's flags, resolver rules and extra CA."""
    if loopback_only is None:
        loopback_only = loopback_only_default()
    env = {**os.environ, "HOME": nss_home(ca_file)} if ca_file else None
    return await pw.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=launch_args(loopback_only, extra_hosts),
        env=env,
    )



class TrustStoreError(RuntimeError):
    """The extra CA could not be handed to Chromium."""


def nss_home(ca_file: str) -> str:
    """A HOME folder whose NSS database trusts the CA(s) in `ca_file`; built once per CA.

    Chromium on Linux reads trust anchors from $HOME/.pki/nssdb, so the extra CA is trusted
    for this browser only and certificate checks stay on for everything else.
    """
    import hashlib
    import shutil
    import subprocess
    from pathlib import Path

    data = Path(ca_file).read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    home = cache / "dvc-probe" / "nss" / hashlib.sha256(data).hexdigest()[:16]
    db = home / ".pki" / "nssdb"
    if (db / "cert9.db").exists():
        return str(home)
    if not shutil.which("certutil"):
        raise TrustStoreError("certutil not found (Debian package libnss3-tools)")
    db.mkdir(parents=True, exist_ok=True)
    run = lambda *args: subprocess.run(["certutil", *args], check=True,  # noqa: E731
                                       capture_output=True)
    try:
        run("-N", "-d", f"sql:{db}", "--empty-password")
        run("-A", "-d", f"sql:{db}", "-n", "probe-extra-ca", "-t", "C,,", "-i", ca_file)
    except subprocess.CalledProcessError as error:
        shutil.rmtree(home, ignore_errors=True)
        raise TrustStoreError(error.stderr.decode(errors="replace").strip()) from error
    return str(home)


# Requests to an address written in the URL (or localhost) go through the guard; a host
# name never does, so a public portal pays nothing for it.
_ADDRESS_URL = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^/?#@]*@)?(?:\[[0-9a-f:.%]+\]|"
                          r"\d{1,3}(?:\.\d{1,3}){3}|(?:[^/?#:@]*\.)?localhost)(?::\d+)?(?:[/?#]|$)",
                          re.IGNORECASE)


@dataclass
class PrivateGuard:
    """Refuses a browser context's requests (navigations and subresources) to loopback,
    link-local and private addresses; `refused` lists their URLs."""

    refused: list[str] = field(default_factory=list)

    async def handle(self, route: Route) -> None:
        """Abort a private-address request; let any other one through."""
        url = route.request.url
        if not is_private_host(url):
            await route.fallback()
            return
        if len(self.refused) < 50:
            self.refused.append(url[:300])
        await route.abort("blockedbyclient")


async def refuse_private(context: BrowserContext, allow_private: bool) -> PrivateGuard | None:
    """Unless `allow_private`, refuse `context`'s requests to private addresses (sweeps)."""
    if allow_private:
        return None
    guard = PrivateGuard()
    await context.route(_ADDRESS_URL, guard.handle)
    return guard
