"""A small results.db for the report tests, written through the store API (no sweep, no
network): two sweeps of three agencies with observations, scores, a PNG screenshot and an
axe JSON artifact, and text from "portals" that carries markup and script."""

from __future__ import annotations

import json
import random
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from probe.db import Store
from probe.db.schema import SweepRow
from probe.db.store import run_row
from probe.evidence import EvidenceStore
from probe.models import Agency, Observation, PageInfo, SiteMap
from probe.scoring import load_rubric, score
from probe.synthetic import Degradation, make_profiles, run_observations

HOSTILE_NAME = "Tỉnh <script>alert(1)</script> Thử"
HOSTILE_VENDOR = "<img src=x onerror=alert(2)>"
HOSTILE_TITLE = '<script>alert("title")</script>Trang chủ'
HOSTILE_DETAIL = "<b onmouseover=alert(6)>chi tiết</b>"
HOSTILE_SNIPPET = '<img src=x onerror="alert(3)">'
FORMULA_VENDOR = "=HYPERLINK(\"http://x\")"
AGENCIES = (
    Agency(id="bo-tu-phap", name="Bộ Tư pháp", block="ministry",
           portal_url="https://dichvucong.moj.example/", vendor="VNPT"),
    Agency(id="tinh-thu", name=HOSTILE_NAME, block="province",
           portal_url="https://dichvucong.tinhthu.example/", vendor=HOSTILE_VENDOR),
    Agency(id="tinh-ha-giang", name="Tỉnh Hà Giang", block="province",
           portal_url="https://dichvucong.hagiang.example/", vendor=FORMULA_VENDOR),
)
SWEEPS = (("s-2026-10", "2026-10-01T01:00:00+00:00"), ("s-2026-11", "2026-11-01T01:00:00+00:00"))


@dataclass(frozen=True)
class Built:
    store: Store
    db: str
    evidence: Path
    sweep_id: str  # the newest sweep
    hostile_run: str


def png(width: int = 8, height: int = 6, rgb: tuple[int, int, int] = (40, 90, 160)) -> bytes:
    """A tiny valid PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def axe_json() -> bytes:
    """An axe result with a critical and a serious rule; the nodes carry hostile HTML."""
    violations = [
        {"id": "image-alt", "impact": "critical", "help": "Images must have alternate text",
         "nodes": [{"target": ["img.logo"], "html": HOSTILE_SNIPPET},
                   {"target": ["#banner > img"], "html": "<img src=\"b.png\">"}]},
        {"id": "color-contrast", "impact": "serious",
         "help": "Elements must meet minimum color contrast ratio thresholds",
         "nodes": [{"target": ["<script>alert(4)</script>"],
                    "html": "<script>alert(5)</script>"}]},
    ]
    return json.dumps({"violations": violations, "incomplete": []}).encode()


def _with_evidence(found: list[Observation], evidence: EvidenceStore,
                   hostile: bool) -> list[Observation]:
    """The run's observations, with a screenshot and an axe artifact attached."""
    shot = evidence.put(png(), ".png")
    axe = evidence.put(axe_json(), ".json")
    made = []
    for o in found:
        if o.name in ("axe.violations", "axe.serious_critical") and o.outcome == "ok":
            o = replace(o, value=2 if o.name == "axe.violations" else 2, artifacts=[axe],
                        detail=HOSTILE_DETAIL if hostile else o.detail)
        elif o.name == "mobile.overflow_360":
            o = replace(o, artifacts=[shot, "../../etc/passwd"])
        made.append(o)
    return made


def build(tmp_path: Path) -> Built:
    """Write the two sweeps, scored under the 2024 rubric."""
    db = f"sqlite:///{tmp_path / 'results.db'}"
    root = tmp_path / "evidence"
    store = Store(db)
    rubric = load_rubric("2024")
    profiles = [replace(p, agency=a) for p, a in zip(make_profiles(3, seed=7), AGENCIES,
                                                     strict=True)]
    hostile_run = ""
    for number, (sweep_id, started) in enumerate(SWEEPS):
        with store.session.begin() as session:
            session.add(SweepRow(id=sweep_id, started_at=started, registry_path="synthetic",
                                 rubric="2024"))
        for index, profile in enumerate(profiles):
            run_id = f"r-{sweep_id}-{index}"
            rng = random.Random(run_id)
            slow = Degradation(slowdown=1.6) if number == 0 else None
            found = run_observations(profile, rng, started, runs=3, degradation=slow)
            found = _with_evidence(found, EvidenceStore(root, run_id), index == 1)
            pages = [PageInfo(url=profile.agency.portal_url, type="home",
                              title=HOSTILE_TITLE if index == 1 else "Trang chủ")]
            row = run_row(profile.agency, run_id, sweep_id, status="completed",
                          started_at=started, duration_s=42.5)
            store.save_run(row, SiteMap(portal=profile.agency.portal_url, pages=pages), found)
            store.save_score(run_id, score(found, rubric))
            hostile_run = run_id if index == 1 else hostile_run
        store.finish_sweep(sweep_id)
    return Built(store, db, root, SWEEPS[-1][0], hostile_run)
