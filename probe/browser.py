"""Launching Chromium: Debian's binary, the flags that keep it quiet and on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterable

from playwright.async_api import Browser, Playwright

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
