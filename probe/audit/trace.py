"""Playwright traces of the probe's interactions, redacted before they are stored.

A trace (`playwright show-trace FILE`) replays what the functions check did on a portal:
each action, a DOM snapshot before and after it, screenshots and the network log. Before
storage the network log gets the HAR redaction (cookies, authorization headers, tokens in
URLs and bodies), HTML bodies and DOM snapshots lose hidden-input and token values, and the
zip is rewritten deterministically, so the same capture stores as the same bytes.

Playwright's trace keeps no script bodies (it needs none for its snapshots), yet a replayed
single-page app cannot render without its scripts: `start_trace` also reads the bodies of
the scripts the context fetches, and `stop_trace` stores them in the trace as Playwright
stores any other body.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import logging
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Response

from probe.audit.har import REDACTED, redact_entry, redact_html, sensitive
from probe.evidence import EvidenceStore

log = logging.getLogger(__name__)

TRACE_SUFFIX = ".trace.zip"
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)
SCRIPT_WAIT_S = 5.0  # how long stopping waits for script bodies still being read
SCRIPT_BYTES = 16 * 1024 * 1024  # script bodies kept per trace (a hostile page may load GBs)


@dataclass
class Trace:
    """A context being traced, and the bodies of the scripts it fetched (by URL, at most
    `limit` bytes in all: the scripts past it are left out, as Playwright leaves them)."""

    context: BrowserContext
    scripts: dict[str, bytes] = field(default_factory=dict)
    limit: int = SCRIPT_BYTES
    kept: int = 0
    _claimed: set[str] = field(default_factory=set)
    _reads: set[asyncio.Task[None]] = field(default_factory=set)

    def on_response(self, response: Response) -> None:
        """Read a script's body once per URL, in the background."""
        url = response.url
        if (response.request.resource_type != "script" or url in self._claimed
                or not 200 <= response.status < 300 or self._declared(response) > self.room):
            return
        self._claimed.add(url)
        read = asyncio.get_running_loop().create_task(self._read(response))
        self._reads.add(read)
        read.add_done_callback(self._reads.discard)

    @property
    def room(self) -> int:
        """How many more bytes of script bodies it keeps."""
        return self.limit - self.kept

    @staticmethod
    def _declared(response: Response) -> int:
        """The body's size as its Content-Length declares it (0 when not declared)."""
        length = response.headers.get("content-length", "")
        return int(length) if length.isdigit() else 0

    async def _read(self, response: Response) -> None:
        try:
            body = await response.body()
        except Exception:  # noqa: BLE001 - gone with its page: a later load may supply it
            self._claimed.discard(response.url)
            return
        if len(body) <= self.room:
            self.scripts[response.url] = body
            self.kept += len(body)

    async def settle(self) -> None:
        """Wait (at most SCRIPT_WAIT_S) for the bodies being read; drop the rest."""
        if self._reads:
            _, late = await asyncio.wait(set(self._reads), timeout=SCRIPT_WAIT_S)
            for read in late:
                read.cancel()


async def start_trace(context: BrowserContext) -> Trace | None:
    """Start recording `context` (screenshots, DOM snapshots, script bodies); None when it
    cannot."""
    try:
        await context.tracing.start(screenshots=True, snapshots=True)
    except Exception as error:  # noqa: BLE001 - a trace is evidence, never a reason to fail
        log.warning("trace not started: %s", error)
        return None
    trace = Trace(context)
    context.on("response", trace.on_response)
    return trace


async def stop_trace(trace: Trace, evidence: EvidenceStore) -> str | None:
    """Stop recording and store the redacted trace; its artifact path (None on failure)."""
    trace.context.remove_listener("response", trace.on_response)
    await trace.settle()
    with tempfile.TemporaryDirectory(prefix="dvc-trace-") as folder:
        path = Path(folder) / "trace.zip"
        try:
            await trace.context.tracing.stop(path=str(path))
            data = redact_trace(path.read_bytes(), trace.scripts)
        except Exception as error:  # noqa: BLE001
            log.warning("trace not stored: %s", error)
            return None
    return evidence.put(data, TRACE_SUFFIX)


def redact_trace(data: bytes, scripts: dict[str, bytes] | None = None) -> bytes:
    """The trace zip with secrets replaced by REDACTED, members in a fixed order and time;
    `scripts` (bodies by URL) are stored for the script answers that lack theirs."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    if scripts:
        _add_script_bodies(members, scripts)
    html = _html_resources(members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(members):
            body = _redacted_member(name, members[name], html)
            target.writestr(zipfile.ZipInfo(name, _FIXED_TIME), body,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _redacted_member(name: str, body: bytes, html: set[str]) -> bytes:
    if name.endswith(".network"):
        return _map_lines(body, _redact_network_event)
    if name.endswith(".trace"):
        return _map_lines(body, _redact_snapshot_values)
    if name in html:
        return redact_html(body.decode("utf-8", "replace")).encode("utf-8")
    return body


def _add_script_bodies(members: dict[str, bytes], scripts: dict[str, bytes]) -> None:
    """Give each successful answer of a URL in `scripts` that has no body (a script, as
    Playwright records it) that body, stored under resources/ by its SHA-1 as Playwright's."""
    for name in [n for n in members if n.endswith(".network")]:
        members[name] = _map_lines(
            members[name], lambda event: _with_script_body(event, scripts, members))


def _with_script_body(event: dict[str, Any], scripts: dict[str, bytes],
                      members: dict[str, bytes]) -> dict[str, Any]:
    snapshot = event.get("snapshot")
    if not isinstance(snapshot, dict):
        return event
    body = scripts.get(str((snapshot.get("request") or {}).get("url", "")))
    response = snapshot.get("response") or {}
    content = response.get("content")
    if body is None or not isinstance(content, dict) or _body_member(content) \
            or not 200 <= int(response.get("status") or 0) < 300:
        return event
    member = f"resources/{hashlib.sha1(body, usedforsecurity=False).hexdigest()}.js"
    members[member] = body
    content.update({"_file": member, "size": len(body)})
    return event


def _html_resources(members: dict[str, bytes]) -> set[str]:
    """Names of resources/ members that hold HTML bodies (from the network log)."""
    found: set[str] = set()
    for name, body in members.items():
        if not name.endswith(".network"):
            continue
        for line in body.splitlines():
            content = _json(line).get("snapshot", {}).get("response", {}).get("content", {})
            if "html" in str(content.get("mimeType", "")) and (member := _body_member(content)):
                found.add(member)
    return found


def _body_member(content: dict[str, Any]) -> str:
    """The zip member holding a response body: `_file` (a path inside the zip, as recorded
    by current Playwright) or `_sha1` (a name under resources/)."""
    if content.get("_file"):
        return str(content["_file"])
    return f"resources/{content['_sha1']}" if content.get("_sha1") else ""


def _map_lines(body: bytes, change: Any) -> bytes:
    lines = []
    for line in body.splitlines():
        event = _json(line)
        lines.append(json.dumps(change(event), ensure_ascii=False).encode("utf-8")
                     if event else line)
    return b"\n".join(lines) + (b"\n" if lines else b"")


def _json(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _redact_network_event(event: dict[str, Any]) -> dict[str, Any]:
    snapshot = event.get("snapshot")
    if isinstance(snapshot, dict):
        redact_entry(snapshot)
    return event


def _redact_snapshot_values(value: Any) -> Any:
    """Hidden inputs' and token-named fields' values in DOM snapshots become REDACTED."""
    if isinstance(value, list):
        return [_redact_snapshot_values(item) for item in value]
    if not isinstance(value, dict):
        return value
    hidden = str(value.get("type", "")).lower() == "hidden" or sensitive(
        str(value.get("name", "")))
    return {key: (REDACTED if key == "value" and hidden and isinstance(item, str)
                  else _redact_snapshot_values(item))
            for key, item in value.items()}


def har_from_trace(data: bytes) -> dict[str, Any]:
    """A HAR 1.2 document of the trace's network log, bodies inlined (base64), for
    `route_from_har`: the functions check's own requests, in the order they were made."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        entries = []
        for name in sorted(n for n in names if n.endswith(".network")):
            for line in archive.read(name).splitlines():
                snapshot = _json(line).get("snapshot")
                if isinstance(snapshot, dict) and snapshot.get("request"):
                    entries.append(_inline_body(snapshot, archive, names))
    return {"log": {"version": "1.2", "creator": {"name": "dvc-probe trace", "version": "1"},
                    "pages": [], "entries": entries}}


def _inline_body(entry: dict[str, Any], archive: zipfile.ZipFile,
                 names: set[str]) -> dict[str, Any]:
    content = (entry.get("response") or {}).get("content") or {}
    member = _body_member(content)
    content.pop("_file", None)
    content.pop("_sha1", None)
    if member in names:
        content["text"] = base64.b64encode(archive.read(member)).decode("ascii")
        content["encoding"] = "base64"
    return entry


def with_bodies_from(har: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """`har` (in place, returned), its successful GET answers that lack a body given the body
    `source` recorded for the same URL. Traces stored before their scripts' bodies were kept
    (see `Trace`) replay a single-page app from the run's pages' HAR, recorded in the same
    sweep step, this way."""
    bodies: dict[str, dict[str, Any]] = {}
    for entry in source.get("log", {}).get("entries", []):
        content = (entry.get("response") or {}).get("content") or {}
        url = str((entry.get("request") or {}).get("url", ""))
        if isinstance(content.get("text"), str) and content["text"] and url not in bodies:
            bodies[url] = content
    for entry in har.get("log", {}).get("entries", []):
        request, response = entry.get("request") or {}, entry.get("response") or {}
        content = response.setdefault("content", {})
        found = bodies.get(str(request.get("url", "")))
        if found and not content.get("text") and str(request.get("method", "")) == "GET" \
                and 200 <= int(response.get("status") or 0) < 300:
            content["text"] = found["text"]
            if found.get("encoding"):
                content["encoding"] = found["encoding"]
            else:
                content.pop("encoding", None)
    return har
