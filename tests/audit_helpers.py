"""Shared helpers of the evidence tests: synthetic sealed runs with real artifacts and a HAR
full of secrets, built without a browser."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from pathlib import Path

from probe.audit.har import HAR_SUFFIX, har_bytes, redact_har
from probe.audit.manifest import seal_run
from probe.db.store import Store, run_row
from probe.evidence import EvidenceStore
from probe.models import Agency, Observation, PageInfo, SiteMap
from probe.scoring import load_rubric, score

ORIGIN = "https://dvc.tinh-a.gov.vn"
AGENCY = Agency(id="tinh-a", name="Tỉnh A", block="province", portal_url=f"{ORIGIN}/",
                vendor="VNPT")
SECRET = "s3cr3t-VALUE-42"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(64))).decode()
HOME_HTML = (
    "<!doctype html><html lang='vi'><head><title>Cổng dịch vụ công Tỉnh A</title>"
    f"<meta name='csrf-token' content='{SECRET}'></head><body><form action='/tra-cuu'>"
    f"<input type='hidden' name='_token' value='{SECRET}'><input name='q' value='khai sinh'>"
    "</form><img src='/logo.png' alt='Quốc huy'></body></html>")


def _pairs(**values: str) -> list[dict[str, str]]:
    return [{"name": k.replace("_", "-"), "value": v} for k, v in values.items()]


def har_entry(url: str, status: int, mime: str, text: str, encoding: str | None = None,
              request_headers: list[dict[str, str]] | None = None,
              response_headers: list[dict[str, str]] | None = None, **extra: object) -> dict:
    """A whole HAR 1.2 entry of a GET answered `status` (as Playwright records one)."""
    content: dict[str, object] = {"size": len(text), "mimeType": mime, "text": text}
    if encoding:
        content["encoding"] = encoding
    return {
        "startedDateTime": "2026-03-01T02:03:04.500Z", "time": 12.5,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1",
                    "cookies": [{"name": "SESSION", "value": SECRET}],
                    "headers": request_headers or [], "queryString": [],
                    "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "OK" if status == 200 else "Found",
                     "httpVersion": "HTTP/1.1", "cookies": [],
                     "headers": response_headers or [], "content": content,
                     "redirectURL": "", "headersSize": -1, "bodySize": len(text)},
        "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 2.5}, **extra,
    }


def secret_har(origin: str = ORIGIN) -> dict:
    """A HAR as Playwright writes it, with a cookie, bearer token, CSRF tokens, a token in a
    redirect URL and in a JSON answer, an image, and one aborted request."""
    auth = _pairs(Authorization=f"Bearer {SECRET}", Cookie=f"SESSION={SECRET}",
                  Accept="text/html", X_CSRF_Token=SECRET)
    set_cookie = _pairs(Set_Cookie=f"SESSION={SECRET}; Secure; HttpOnly",
                        Content_Type="text/html; charset=utf-8", Content_Encoding="gzip")
    home = har_entry(f"{origin}/", 200, "text/html; charset=utf-8", HOME_HTML,
                     request_headers=auth, response_headers=set_cookie, pageref="page@1")
    home["response"]["cookies"] = [{"name": "SESSION", "value": SECRET, "secure": True}]
    api = har_entry(f"{origin}/api/me?access_token={SECRET}&lang=vi", 200, "application/json",
                    json.dumps({"user": "khach", "access_token": SECRET, "items": [1, 2]}))
    api["request"]["queryString"] = [{"name": "access_token", "value": SECRET},
                                     {"name": "lang", "value": "vi"}]
    moved = har_entry(f"{origin}/dang-nhap", 302, "text/html", "",
                      response_headers=_pairs(Location=f"{origin}/sso?ticket={SECRET}"))
    moved["response"]["redirectURL"] = f"{origin}/sso?ticket={SECRET}"
    logo = har_entry(f"{origin}/logo.png", 200, "image/png", PNG, encoding="base64")
    aborted = har_entry(f"{origin}/slow.js", 0, "", "")
    return {"log": {"version": "1.2", "creator": {"name": "Playwright", "version": "1.65"},
                    "pages": [{"id": "page@1", "title": "Cổng dịch vụ công Tỉnh A",
                               "startedDateTime": "2026-03-01T02:03:04.000Z",
                               "pageTimings": {}}],
                    "entries": [home, api, moved, logo, aborted],
                    "_dvcProbePages": [f"{origin}/", f"{origin}/dang-nhap"]}}


@dataclass
class SeededRun:
    """A synthetic run as stored: its id and the relative paths of its artifacts."""

    run_id: str
    artifacts: list[str]


def seed_run(store: Store, root: Path, run_id: str, sweep_id: str | None,
             started_at: str = "2026-03-01T02:00:00+00:00", seed: int = 0) -> SeededRun:
    """Store and seal a run with a screenshot, axe JSON, certificate, headers and HAR."""
    rng = random.Random(seed)
    evidence = EvidenceStore(root, run_id)
    shot = evidence.put(b"\xff\xd8\xff\xe0" + rng.randbytes(3000) + b"\xff\xd9", ".jpg")
    axe = evidence.put(json.dumps({"violations": [{"id": "image-alt", "nodes": seed}]})
                       .encode(), ".json")
    pem = evidence.put(b"-----BEGIN CERTIFICATE-----\nMIIB" + rng.randbytes(40).hex().encode()
                       + b"\n-----END CERTIFICATE-----\n", ".pem")
    headers = evidence.put_text(f"{ORIGIN}/ 200\nstrict-transport-security: max-age=1\n",
                                ".txt")
    har = evidence.put(har_bytes(redact_har(secret_har())), HAR_SUFFIX)
    page = f"{ORIGIN}/"
    observations = [
        Observation("discovery", "portal.reachable", True, "bool", page=page),
        Observation("discovery", "discovery.pages", 2, "count", page=page, detail="stopped"),
        Observation("layout", "header.agency_name", True, "bool", page=page, artifacts=[shot]),
        Observation("layout", "nav.sections", 0.75, "ratio", page=page, detail="6/8 sections"),
        Observation("access", "axe.violations", 1 + seed, "count", page=page, artifacts=[axe]),
        Observation("access", "mobile.viewport_meta", True, "bool", page=page),
        Observation("security", "tls.cert_valid", True, "bool", page=page, artifacts=[pem]),
        Observation("security", "hsts", True, "bool", page=page, artifacts=[headers]),
        Observation("security", "tls.version", "TLSv1.3", "text", page=page,
                    detail="Tiếng Việt có dấu: chứng chỉ hợp lệ"),
        Observation("performance", "fcp", 812.5 + seed, "ms", page=page, stat="run"),
        Observation("performance", "fcp", 812.5 + seed, "ms", page=page, stat="median"),
        Observation("functions", "lookup.form", None, "bool", page=page,
                    outcome="portal_error", detail="timed out"),
    ]
    sitemap = SiteMap(portal=page, pages=[
        PageInfo(url=page, type="home", signals=["url:/"], status=200, title="Trang chủ"),
        PageInfo(url=f"{ORIGIN}/thu-tuc", type="catalogue", depth=1, template="/thu-tuc",
                 status=200, title="Thủ tục")])
    store.save_run(run_row(AGENCY, run_id, sweep_id, final_url=page, status="completed",
                           status_detail="", started_at=started_at, finished_at=started_at,
                           duration_s=12.5), sitemap, observations)
    store.save_score(run_id, score(observations, load_rubric("2024")))
    seal_run(store, root, run_id)
    return SeededRun(run_id, [shot, axe, pem, headers, har])


def seeded_store(tmp_path: Path, runs: int = 3,
                 started_at: str = "2026-03-01T02:00:00+00:00") -> tuple[Store, Path,
                                                                         list[SeededRun]]:
    """A store with one sweep of `runs` sealed runs, and its evidence root."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    root = tmp_path / "evidence"
    sweep_id = store.start_sweep("registry.csv", sweep_id="s-test")
    seeded = [seed_run(store, root, f"r-test-{i}", sweep_id, started_at, seed=i)
              for i in range(runs)]
    store.finish_sweep(sweep_id)
    return store, root, seeded
