"""Launching Chromium: Debian's binary, the flags that keep it quiet and on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from pathlib import Path

from playwright.async_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    Route,
    async_playwright,
)
from playwright.async_api import Error as PlaywrightError

from probe.scratch import fits_chromium, scratch_folder, temp_folder_for_children
from probe.urls import is_private_host

log = logging.getLogger(__name__)

DEFAULT_CHROMIUM = "/usr/lib/chromium/chromium"
EXTRA_ARGS = ("--disable-dev-shm-usage", "--disable-quic")

# Headless Chromium builds the omnibox popup's WebUI (about 400 chrome:// requests in a
# renderer) for every new page. Each check opens fresh pages, so that work ran beside every
# timed load: it added about 80 ms to a 250 ms first paint and most of its run-to-run spread.
QUIET_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
# Chromium keeps only the last --disable-features switch, so ours repeats the list that
# Playwright (the pinned version) passes; tests/test_browser.py checks it against the driver.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin", "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
    "PreconnectToSearch", "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
)

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


# Hosts Chromium must never connect to in a sweep without --allow-private: the private,
# loopback and link-local ranges `probe.urls.is_private_host` refuses, as resolver patterns.
# Resolver rules also apply to IP literals and to every redirect hop (which Playwright's
# routes never see); a named host mapped to loopback by a test is not mapped again.
PRIVATE_PATTERNS: tuple[str, ...] = (
    "localhost", "*.localhost", "0.*", "10.*", "127.*", "169.254.*", "192.168.*",
    *(f"172.{n}.*" for n in range(16, 32)), "192.0.0.*", "192.0.2.*", "198.18.*", "198.19.*",
    "198.51.100.*", "203.0.113.*", *(f"{n}.*" for n in range(240, 256)),
    "::", "::1", "[::1]", "::ffff:*", "fc*:*", "fd*:*", "fe8*:*", "fe9*:*", "fea*:*",
    "feb*:*", "[fc*", "[fd*", "[fe8*", "[fe9*", "[fea*", "[feb*",
)


def private_rules() -> list[str]:
    """Resolver rules refusing every private address (see PRIVATE_PATTERNS)."""
    return [f"MAP {pattern} ~NOTFOUND" for pattern in PRIVATE_PATTERNS]


def resolver_rules(loopback_only: bool, extra_hosts: Iterable[str] = (),
                   block_private: bool = False) -> str:
    """The `--host-resolver-rules` value for this launch; with `block_private`, private
    addresses are refused at the browser's resolver (the test hosts still map to loopback)."""
    if not block_private:
        return loopback_rules(extra_hosts) if loopback_only else SWEEP_RULES
    blocked = private_rules()
    if loopback_only:
        maps = [f"MAP {host} 127.0.0.1" for host in extra_hosts]
        return ", ".join([*maps, *blocked, "MAP * ~NOTFOUND"])
    return ", ".join([SWEEP_RULES, *blocked])


def launch_args(loopback_only: bool, extra_hosts: Iterable[str] = (),
                block_private: bool = False) -> list[str]:
    """Every flag we add to Playwright's own."""
    rules = resolver_rules(loopback_only, extra_hosts, block_private)
    features = ",".join([*PLAYWRIGHT_DISABLED_FEATURES, *QUIET_FEATURES])
    # Chromium on Linux takes a proxy from http_proxy and friends; kept to loopback, a proxy
    # there (say a local forwarder on 127.0.0.1:3128) would carry named hosts off the machine.
    direct = ["--no-proxy-server"] if loopback_only else []
    return [*EXTRA_ARGS, *direct, f"--disable-features={features}",
            f"--host-resolver-rules={rules}"]


_SCRATCH: ContextVar[Path | None] = ContextVar("browser_scratch", default=None)


@contextlib.asynccontextmanager
async def playwright() -> AsyncIterator[Playwright]:
    """Playwright, its driver and every browser it launches keeping their temporary files
    (profiles, artifacts) in a scratch folder of this process, removed afterwards even if
    the process is killed (`probe.scratch`)."""
    with scratch_folder() as folder:
        if not fits_chromium(folder):  # a temp folder too deep: Chromium's own, as before
            log.warning("browser scratch folder %s is too long a path for Chromium", folder)
            folder = Path(tempfile.gettempdir())
        manager = async_playwright()
        with temp_folder_for_children(folder):
            started = await manager.__aenter__()
        token = _SCRATCH.set(folder)
        try:
            yield started
        finally:
            _SCRATCH.reset(token)
            await manager.__aexit__(None, None, None)


def loopback_only_default() -> bool:
    """Loopback-only unless `PROBE_NETWORK=open` says this is a real sweep."""
    return os.environ.get("PROBE_NETWORK", "loopback") != "open"


async def launch(pw: Playwright, loopback_only: bool | None = None,
                 extra_hosts: Iterable[str] = (), ca_file: str | None = None,
                 block_private: bool = False) -> Browser:
    """Launch headless Chromium with the project's flags, resolver rules and extra CA;
    `block_private` (a sweep without --allow-private) refuses private addresses for every
    request and redirect hop of every page."""
    if loopback_only is None:
        loopback_only = loopback_only_default()
    return await pw.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=launch_args(loopback_only, extra_hosts, block_private),
        env=_browser_env(ca_file),
    )


def _browser_env(ca_file: str | None) -> dict[str, str] | None:
    """Chromium's environment: the driver's own (None) unless it needs its extra CA's NSS
    home, then this process's with that HOME and the scratch folder as TMPDIR."""
    if not ca_file:
        return None
    scratch = _SCRATCH.get()
    return {**os.environ, "HOME": nss_home(ca_file),
            **({"TMPDIR": str(scratch)} if scratch is not None else {})}



class TrustStoreError(RuntimeError):
    """The extra CA could not be handed to Chromium."""


def nss_home(ca_file: str) -> str:
    """A HOME folder whose NSS database trusts the CA(s) in `ca_file`; built once per CA.

    Chromium on Linux reads trust anchors from $HOME/.pki/nssdb, so the extra CA is trusted
    for this browser only and certificate checks stay on for everything else. Processes
    launching browsers at once (a sweep and its crawler) may all build it: each builds its
    own copy and the first to finish publishes it whole, by renaming it into place.
    """
    data = Path(ca_file).read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    home = cache / "dvc-probe" / "nss" / hashlib.sha256(data).hexdigest()[:16]
    if _nss_built(home):
        return str(home)
    if not shutil.which("certutil"):
        raise TrustStoreError("certutil not found (Debian package libnss3-tools)")
    home.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f"{home.name}.building-", dir=home.parent))
    try:
        _build_nssdb(building / ".pki" / "nssdb", data)
        _publish(building, home)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return str(home)


NSS_TIMEOUT_S = 60.0  # certutil answers in milliseconds; it never waits for a prompt here


def _nss_built(home: Path) -> bool:
    return (home / ".pki" / "nssdb" / "cert9.db").exists()


def _build_nssdb(db: Path, data: bytes) -> None:
    """A new NSS database in `db` trusting each CA certificate of `data`."""
    db.mkdir(parents=True)
    (db / "password").write_text("", encoding="utf-8")

    def certutil(*args: str) -> None:
        subprocess.run(["certutil", *args, "-d", f"sql:{db}", "-f", str(db / "password")],
                       check=True, capture_output=True, stdin=subprocess.DEVNULL,
                       timeout=NSS_TIMEOUT_S)

    try:
        certutil("-N")
        for index, pem in enumerate(pem_blocks(data) or [data]):  # certutil reads one per call
            one = db / f"ca-{index}.pem"
            one.write_bytes(pem)
            certutil("-A", "-n", f"probe-extra-ca-{index}", "-t", "C,,", "-i", str(one))
    except subprocess.CalledProcessError as error:
        raise TrustStoreError(error.stderr.decode(errors="replace").strip()) from error
    except subprocess.TimeoutExpired as error:
        raise TrustStoreError(f"certutil did not answer in {NSS_TIMEOUT_S:g} s") from error


def _publish(building: Path, home: Path) -> None:
    """Move the database built in `building` to `home`, unless another process did first;
    a `home` left half-built by an older version is replaced."""
    for _ in range(2):
        try:
            building.rename(home)
            return
        except OSError:
            if _nss_built(home):
                return  # another process published the same database first
            shutil.rmtree(home, ignore_errors=True)
    raise TrustStoreError(f"cannot create {home}")


_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


def pem_blocks(data: bytes) -> list[bytes]:
    """Each certificate of a PEM bundle (a CA file may hold several CAs)."""
    return [block + b"\n" for block in _PEM_BLOCK.findall(data)]


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


# --- hostile pages: dialogs, pop-ups, downloads and scripts that never end -----------------

WATCHDOG_TICK_S = 1.0
_PING = {"expression": "0", "returnByValue": True}
# V8 stops "the current or next" script: stopped while the renderer lays out a huge page, the
# next script to run is stopped instead, often Playwright's helper script for the page, and
# every later read of the page then fails. Performance.getMetrics is answered at V8's next
# interrupt: at once inside a running script, while the page's ping still waits; after a
# layout, only once the renderer is free, together with the ping (under load the ping's
# answer has reached the probe 68 ms after the other's). It is not answered for a script of
# another page sharing the renderer (a portal's pages in one context), so a renderer busy
# BUSY_ROUNDS limits in a row has its script stopped anyway: a layout ends well before that.
SCRIPT_RUNNING_S = 2.0  # answered in under 10 ms here; room for a loaded machine
PING_AFTER_METRICS_S = 1.0  # a ping still unanswered this long after it: a script holds it
BUSY_ROUNDS = 3
# Leaving a page: a renderer that has not answered a ping in this long is busy (a free one
# answers in milliseconds), and the script holding it is stopped before the navigation.
LEAVE_PING_S = 0.5


async def _script_running(session: CDPSession, ping: asyncio.Future[object]) -> bool:
    """Whether the renderer that has left `ping` waiting is running a script (rather than
    laying out or parsing a page)."""
    try:
        await asyncio.wait_for(session.send("Performance.getMetrics"), SCRIPT_RUNNING_S)
    except (TimeoutError, PlaywrightError):
        return False
    await asyncio.wait({ping}, timeout=PING_AFTER_METRICS_S)
    return not ping.done()


@dataclass
class PageEvents:
    """What a context's pages tried that the probe answered or undid (URLs and messages)."""

    dialogs: list[str] = field(default_factory=list)  # "alert: text", "beforeunload: "
    popups: list[str] = field(default_factory=list)  # pop-ups refused (the URL a script
    # asked window.open for) or closed at once (a target=_blank window)
    downloads: list[str] = field(default_factory=list)  # downloads refused (never saved)
    stopped_scripts: list[str] = field(default_factory=list)  # pages whose script was stopped

    def summary(self) -> str:
        """One short English line (empty when nothing happened)."""
        return self._counted(lambda vi, en: en)

    def note(self) -> str:
        """The same for a run's status detail, Vietnamese first (empty when nothing)."""
        done = self._counted(lambda vi, en: f"{vi} ({en})")
        return f"bảo vệ trang (page guard): {done}" if done else ""

    def _counted(self, label: Callable[[str, str], str]) -> str:
        return ", ".join(f"{len(found)} {label(*EVENT_LABELS[name])}"
                         for name, found in asdict(self).items() if found)


EVENT_LABELS = {  # PageEvents field: what the probe did, in Vietnamese and in English
    "dialogs": ("hộp thoại đã đóng", "dialogs answered"),
    "popups": ("cửa sổ bật lên bị chặn", "pop-ups blocked"),
    "downloads": ("tải xuống bị từ chối", "downloads refused"),
    "stopped_scripts": ("mã lặp bị dừng", "scripts stopped"),
}


# The signal of a mapped page (PageInfo.signals) whose script the page guard stopped while
# the app walker had it open (spiders.render).
SCRIPT_STOPPED = "script_stopped"


def _note(found: list[str], text: str) -> None:
    if len(found) < 50:
        found.append(text[:200])


class PageGuard:
    """Keeps a context's pages harmless to the probe: dialogs are answered (beforeunload
    accepted, the others dismissed), pop-ups noted (scripted ones refused by NO_POPUPS_JS,
    others closed), downloads noted (the context refuses them: `accept_downloads=False`),
    and a page whose script keeps the renderer busy for `watchdog_s` has that script stopped
    (CDP Runtime.terminateExecution), so evaluations cannot hang forever. A renderer busy
    without a script running (the layout of a huge page) is left alone up to BUSY_ROUNDS
    times as long. While the probe runs a long script of its own (`own_script`), the renderer
    may stay busy longer before the running script is stopped: a page script looping while
    axe runs is still stopped, axe's long stretch is not."""

    def __init__(self, context: BrowserContext, watchdog_s: float) -> None:
        self.context = context
        self.watchdog_s = watchdog_s
        self.events = PageEvents()
        self.own_scripts: dict[Page, list[float]] = {}  # extra busy seconds the probe's
        # own scripts running on a page may take
        self._sessions: dict[Page, CDPSession] = {}  # the watched pages'
        self.spoiled: set[Page] = set()  # pages whose tab a script has held (see `next_tab`)
        self._stopping = asyncio.Lock()  # one look-then-stop at a time: V8 stops "the current
        # or next" script, so a second stop after the first would hit an innocent script
        self._tasks: set[asyncio.Task[None]] = set()
        context.on("page", self._new_page)
        context.on("close", lambda _: self._cancel())

    async def _new_page(self, page: Page) -> None:
        """Context hook: close a pop-up at once, guard any other page."""
        if await page.opener() is not None:
            _note(self.events.popups, page.url)
            with contextlib.suppress(PlaywrightError):
                await page.close()
            return
        await self.attach(page)

    async def attach(self, page: Page) -> None:
        """Answer `page`'s dialogs, note its downloads, watch its script (idempotent)."""
        if guard_of(page) is not None:
            return
        page._probe_guard = self  # type: ignore[attr-defined]
        page.on("dialog", self._dialog)
        page.on("download", lambda d: _note(self.events.downloads, d.url))
        page.on("console", self._console)
        if self.watchdog_s <= 0:
            return
        try:
            session = await self.context.new_cdp_session(page)
        except PlaywrightError:
            return
        self._sessions[page] = session
        page.on("close", self._forget)
        task = asyncio.get_running_loop().create_task(self._watch(page, session))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _forget(self, page: Page) -> None:
        self._sessions.pop(page, None)
        self.spoiled.discard(page)

    async def leave(self, page: Page) -> None:
        """`page` is about to navigate: a script still holding its renderer is stopped now.

        The navigation would wait for that script, and once it has waited past the guard's
        limit the guard's stop no longer reaches the renderer (seen here from a 6 s limit
        on): the page, and every later one of its tab, timed out."""
        session = self._sessions.get(page)
        if session is None or page.is_closed():
            return
        async with self._stopping:
            ping = asyncio.ensure_future(session.send("Runtime.evaluate", _PING))
            try:
                done, _ = await asyncio.wait({ping}, timeout=LEAVE_PING_S)
                if not done and await _script_running(session, ping):
                    await self._stop(page, session)
            except PlaywrightError:
                pass
            finally:
                ping.cancel()

    def _console(self, message: ConsoleMessage) -> None:
        """Note the pop-ups NO_POPUPS_JS refused (the page's other messages are not ours)."""
        if message.type == "debug" and message.text.startswith(POPUP_NOTE):
            _note(self.events.popups, message.text[len(POPUP_NOTE):] or "(no URL)")

    async def _dialog(self, dialog: Dialog) -> None:
        _note(self.events.dialogs, f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(PlaywrightError):
            if dialog.type == "beforeunload":  # leaving must never be refused
                await dialog.accept()
            else:
                await dialog.dismiss()

    async def _watch(self, page: Page, session: CDPSession) -> None:
        """Ping the renderer; when it stays busy past its limit with a script running (or
        BUSY_ROUNDS limits in a row), stop the running script."""
        busy_rounds = 0
        while not page.is_closed():
            await asyncio.sleep(WATCHDOG_TICK_S)
            ping = asyncio.ensure_future(session.send("Runtime.evaluate", _PING))
            try:
                busy = not await self._answered(page, ping)
                busy_rounds = busy_rounds + 1 if busy else 0
                if busy:
                    async with self._stopping:  # unless `leave` stopped it meanwhile
                        if not ping.done() and (busy_rounds >= BUSY_ROUNDS
                                                or await _script_running(session, ping)):
                            busy_rounds = 0
                            await self._stop(page, session)
            except PlaywrightError:
                if page.is_closed():
                    return
            finally:
                ping.cancel()  # unanswered, or the watch itself cancelled: nobody reads it

    async def _answered(self, page: Page, ping: asyncio.Future[object]) -> bool:
        """Whether `ping` is answered before the renderer has been busy past the limit: the
        watchdog's, plus the extra time of the probe's own script running at that moment."""
        sent = asyncio.get_running_loop().time()
        while True:
            limit = self.watchdog_s + max(self.own_scripts.get(page, [0.0]))
            left = sent + limit - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            done, _ = await asyncio.wait({ping}, timeout=min(left, WATCHDOG_TICK_S))
            if done:
                ping.result()  # raises the ping's PlaywrightError
                return True

    async def _stop(self, page: Page, session: CDPSession) -> None:
        """Stop the script running in `page`'s renderer, and note it."""
        _note(self.events.stopped_scripts, page.url)
        self.spoiled.add(page)
        with contextlib.suppress(PlaywrightError, TimeoutError):
            await asyncio.wait_for(session.send("Runtime.terminateExecution"), 5.0)

    def _cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()


def guard_of(page: Page) -> PageGuard | None:
    """The `PageGuard` watching `page`, if any."""
    return getattr(page, "_probe_guard", None)


async def leave(page: Page) -> None:
    """Before `page` navigates elsewhere: the script of its current document still holding
    the renderer, if any, is stopped (by its context's `PageGuard`; unguarded: nothing)."""
    guard = guard_of(page)
    if guard is not None:
        await guard.leave(page)


TAB_CLOSE_S = 5.0  # a tab whose renderer hangs is left to its context's closing


def spoil(page: Page) -> None:
    """Note that a navigation of `page` timed out: its tab may be held by a script."""
    guard = guard_of(page)
    if guard is not None:
        guard.spoiled.add(page)


async def next_tab(page: Page) -> Page:
    """The tab for the next page of a check that visits several: `page` itself, unless a
    script has held it (its guard stopped one, or a navigation timed out); then a new tab
    of the same context, guarded as `page` is, with `page` closed.

    A navigation waits for any script of the document it leaves (`PageGuard.leave`). A loop
    that page starts just as the probe leaves (on pagehide, or a timer firing then) holds
    that navigation until it times out, and every later one of the tab: after it the check
    goes on in a new tab. Always opening a new tab would avoid even that first loss, but a
    new renderer for every page costs about 0.3 s a page here."""
    guard = guard_of(page)
    if guard is None or page not in guard.spoiled or page.is_closed():
        return page
    tab = await page.context.new_page()
    await guard.attach(tab)
    with contextlib.suppress(PlaywrightError, TimeoutError):
        await asyncio.wait_for(page.close(), TAB_CLOSE_S)
    return tab


@contextlib.asynccontextmanager
async def own_script(page: Page, extra_s: float) -> AsyncIterator[None]:
    """For the block, the probe runs a long script of its own on `page` (axe on a big page):
    the page's guard lets the renderer stay busy `extra_s` longer than its watchdog before
    it stops the running script. The caller bounds the script's time itself (a script
    stopped mid-way leaves its promise pending forever)."""
    guard = guard_of(page)
    if guard is None:
        yield
        return
    guard.own_scripts.setdefault(page, []).append(extra_s)
    try:
        yield
    finally:
        guard.own_scripts[page].remove(extra_s)
        if not guard.own_scripts[page]:
            del guard.own_scripts[page]


# Scripted pop-ups never open: window.open() answers null as a pop-up blocker would, so the
# pop-up's first request (often to another host) is never sent. The URL asked for reaches the
# guard as a console message of its own (the page's later changes to `console` do not touch
# the copy taken here). Pop-ups opened otherwise (target=_blank) are closed by the guard.
POPUP_NOTE = "dvc-probe: pop-up blocked "
NO_POPUPS_JS = """(() => {
  const note = console.debug.bind(console);
  window.open = function (url) {
    let asked = '';
    try { asked = new URL(String(url ?? ''), location.href).href; } catch (e) {}
    note('POPUP_NOTE' + asked);
    return null;
  };
})();""".replace("POPUP_NOTE", POPUP_NOTE)


async def guard_pages(context: BrowserContext, watchdog_s: float) -> PageGuard:
    """Install a `PageGuard` on `context` (make it with `accept_downloads=False`)."""
    await context.add_init_script(NO_POPUPS_JS)
    return PageGuard(context, watchdog_s)


CLOSE_TIMEOUT_S = 20.0


async def close_context(context: BrowserContext, timeout_s: float = CLOSE_TIMEOUT_S) -> bool:
    """Close `context`, waiting at most `timeout_s`; False when it failed or did not finish.

    Closing can wait forever: Playwright's HAR export waits for a page whose renderer hung.
    An unclosed context is left to the browser's recycling (probe.pool); the caller goes on.
    """
    try:
        await asyncio.wait_for(context.close(), timeout_s)
        return True
    except (TimeoutError, PlaywrightError, OSError) as error:
        log.warning("browser context not closed: %r", error)
        return False


def merge_events(found: list[PageEvents]) -> PageEvents:
    """The events of several contexts as one record."""
    merged = PageEvents()
    for events in found:
        for name in EVENT_LABELS:
            getattr(merged, name).extend(getattr(events, name))
    return merged
