"""A recorded HAR as a WACZ web archive that standard players (ReplayWeb.page, pywb) open.

WACZ 1.1.1: a zip holding `archive/data.warc.gz` (one request and one response record per HAR
entry, written with warcio), `indexes/index.cdx` (CDXJ, sorted), `pages/pages.jsonl` (the
sampled pages), `datapackage.json` (every file with its SHA-256) and
`datapackage-digest.json` (the hash of datapackage.json).

HAR bodies are stored decoded, so a response's Content-Encoding, Transfer-Encoding and
Content-Length are rewritten (the originals kept as `X-Archive-Orig-*` headers).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from probe.audit.har import body_of
from probe.models import utc_now

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
_REWRITTEN = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_STORED = zipfile.ZIP_STORED
_DEFLATED = zipfile.ZIP_DEFLATED


@dataclass
class IndexEntry:
    """One response record of the WARC, as the CDXJ index lists it."""

    url: str
    timestamp: str
    status: int
    mime: str
    digest: str
    offset: int
    length: int

    def line(self) -> str:
        """The CDXJ line: SURT key, 14-digit timestamp, JSON block."""
        block = {"url": self.url, "mime": self.mime, "status": str(self.status),
                 "digest": self.digest, "length": str(self.length),
                 "offset": str(self.offset), "filename": WARC_NAME}
        return f"{surt(self.url)} {self.timestamp} {json.dumps(block, ensure_ascii=False)}"


@dataclass
class WaczSummary:
    """What went into a WACZ: records, pages and the files with their hashes."""

    records: int = 0
    pages: list[dict[str, str]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)


def surt(url: str) -> str:
    """The Sort-friendly URI Reordering Transform of `url`: host labels reversed, comma
    separated, `www` dropped, port kept, query arguments sorted (as pywb keys an index)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    labels = [label for label in host.split(".") if label]
    if labels and labels[0] == "www":
        labels = labels[1:]
    key = ",".join(reversed(labels))
    if parts.port and parts.port not in (80, 443):
        key += f":{parts.port}"
    query = "&".join(sorted(a for a in parts.query.split("&") if a))
    return f"{key}){(parts.path or '/').lower()}" + (f"?{query.lower()}" if query else "")


def timestamp14(iso: str) -> str:
    """A HAR time (ISO 8601) as a 14-digit UTC web-archive timestamp."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        moment = datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def warc_date(iso: str) -> str:
    """A HAR time as a WARC-Date (UTC, seconds)."""
    stamp = timestamp14(iso)
    return (f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:"
            f"{stamp[12:14]}Z")


def _headers(pairs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(str(p.get("name", "")), str(p.get("value", ""))) for p in pairs
            if p.get("name") and not str(p["name"]).startswith(":")]


def _response_headers(pairs: list[dict[str, Any]], length: int) -> list[tuple[str, str]]:
    headers = []
    for name, value in _headers(pairs):
        if name.lower() in _REWRITTEN:
            headers.append((f"X-Archive-Orig-{name}", value))
        else:
            headers.append((name, value))
    return [*headers, ("Content-Length", str(length))]


def _request_record(writer: WARCWriter, entry: dict[str, Any], date: str) -> Any:
    request = entry["request"]
    parts = urlsplit(request["url"])
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = _headers(request.get("headers", []))
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    post = request.get("postData") or {}
    body = str(post.get("text", "")).encode("utf-8")
    http = StatusAndHeaders(f"{request.get('method', 'GET')} {target} HTTP/1.1", headers,
                            is_http_request=True)
    return writer.create_warc_record(request["url"], "request", payload=io.BytesIO(body),
                                     http_headers=http,
                                     warc_headers_dict={"WARC-Date": date})


def _response_record(writer: WARCWriter, entry: dict[str, Any], date: str) -> Any:
    response = entry["response"]
    body = body_of(response.get("content") or {})
    status = int(response.get("status") or 0)
    reason = str(response.get("statusText") or "").strip() or "OK"
    http = StatusAndHeaders(f"{status} {reason}",
                            _response_headers(response.get("headers", []), len(body)),
                            protocol="HTTP/1.1")
    return writer.create_warc_record(entry["request"]["url"], "response",
                                     payload=io.BytesIO(body), http_headers=http,
                                     warc_headers_dict={"WARC-Date": date})


def _write(writer: WARCWriter, buffer: io.BytesIO, record: Any) -> tuple[int, int]:
    """Write one record; its (offset, length) in the WARC file."""
    offset = buffer.tell()
    writer.write_record(record)
    return offset, buffer.tell() - offset


def build_warc(har: dict[str, Any], software: str) -> tuple[bytes, list[IndexEntry]]:
    """The HAR's entries as a gzip WARC (warcinfo, then request + response per entry) and the
    index entries of its GET responses."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    info = writer.create_warcinfo_record(WARC_NAME, {"software": software,
                                                     "format": "WARC File Format 1.1",
                                                     "source": "HAR (Playwright)"})
    writer.write_record(info)
    index: list[IndexEntry] = []
    for entry in har.get("log", {}).get("entries", []):
        response = entry.get("response") or {}
        url = str(entry.get("request", {}).get("url", ""))
        if not url.startswith(("http://", "https://")) or not response.get("status"):
            continue  # aborted or failed requests have no answer to archive
        date = warc_date(str(entry.get("startedDateTime", "")))
        record = _response_record(writer, entry, date)
        request = _request_record(writer, entry, date)
        request.rec_headers.add_header("WARC-Concurrent-To",
                                       record.rec_headers.get_header("WARC-Record-ID"))
        offset, length = _write(writer, buffer, record)
        _write(writer, buffer, request)
        if entry["request"].get("method", "GET") == "GET":
            mime = str((response.get("content") or {}).get("mimeType", "")).split(";")[0]
            index.append(IndexEntry(url, timestamp14(str(entry.get("startedDateTime", ""))),
                                    int(response["status"]), mime or "unk",
                                    record.rec_headers.get_header("WARC-Payload-Digest") or "",
                                    offset, length))
    return buffer.getvalue(), index


def har_pages(har: dict[str, Any]) -> list[dict[str, str]]:
    """The pages of the HAR for pages.jsonl: the HTML pages (or redirects) the capture
    visited (else every HTML answer), each with its time and title."""
    entries = [e for e in har.get("log", {}).get("entries", [])
               if (e.get("response") or {}).get("status")]
    wanted = har.get("log", {}).get("_dvcProbePages")
    if not isinstance(wanted, list):
        wanted = [e["request"]["url"] for e in entries
                  if "html" in str((e["response"].get("content") or {}).get("mimeType", ""))]
    pages: list[dict[str, str]] = []
    for url in dict.fromkeys(str(u) for u in wanted):
        entry = next((e for e in entries if e["request"].get("url") == url), None)
        mime = str(((entry or {}).get("response") or {}).get("content", {}).get("mimeType", ""))
        if entry is None or "html" not in mime.lower() and entry["response"]["status"] < 300:
            continue  # robots.txt, sitemap.xml: archived, but not pages
        found = _TITLE.search(body_of(entry["response"].get("content") or {})
                              .decode("utf-8", "replace"))
        pages.append({"id": hashlib.sha256(url.encode()).hexdigest()[:32], "url": url,
                      "ts": warc_date(str(entry.get("startedDateTime", ""))),
                      "title": " ".join(found.group(1).split()) if found else url})
    return pages


def _pages_jsonl(pages: list[dict[str, str]]) -> bytes:
    header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    lines = [json.dumps(header), *(json.dumps(p, ensure_ascii=False) for p in pages)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _resource(path: str, data: bytes) -> dict[str, Any]:
    return {"name": Path(path).name.lower(), "path": path,
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def write_wacz(har: dict[str, Any], out: BinaryIO, title: str, software: str,
               created: str | None = None) -> WaczSummary:
    """Write the HAR as a WACZ to the binary stream `out`; what went in."""
    warc, index = build_warc(har, software)
    pages = har_pages(har)
    cdx = "".join(f"{e.line()}\n" for e in sorted(index, key=lambda e: (surt(e.url),
                                                                        e.timestamp)))
    files = [(f"archive/{WARC_NAME}", warc, _STORED),
             ("indexes/index.cdx", cdx.encode("utf-8"), _DEFLATED),
             ("pages/pages.jsonl", _pages_jsonl(pages), _DEFLATED)]
    summary = WaczSummary(records=len(index), pages=pages,
                          resources=[_resource(p, d) for p, d, _ in files])
    created = created or utc_now().replace("+00:00", "Z")
    package = {"profile": "data-package", "wacz_version": WACZ_VERSION, "title": title,
               "software": software, "created": created, "resources": summary.resources}
    if pages:
        package["mainPageURL"], package["mainPageDate"] = pages[0]["url"], pages[0]["ts"]
    package_bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    digest = {"path": "datapackage.json",
              "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
    with zipfile.ZipFile(out, "w") as archive:
        for path, data, method in files:
            archive.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), data, method)
        archive.writestr("datapackage.json", package_bytes, _DEFLATED)
        archive.writestr("datapackage-digest.json", json.dumps(digest, indent=2), _DEFLATED)
    return summary
