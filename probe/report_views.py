"""What each page of the HTML report shows: stored results read once, then one view per
language for the national summary, the vendors page and each agency's page."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from probe import status as statuses
from probe.advice import fix_first
from probe.db.schema import RunRow, SweepRow
from probe.db.store import Store, is_published
from probe.history import published_rows
from probe.judged import score_for, scores_for
from probe.models import Observation, PageInfo
from probe.ranking import BLOCK_NAMES, GRADES, BlockTable, block_tables
from probe.report_charts import (
    GRADE_CSS,
    Column,
    HBar,
    Point,
    Stack,
    column_chart,
    hbar_chart,
    line_chart,
    stacked_chart,
)
from probe.report_evidence import ArtifactCopier, index_observations, item_evidence
from probe.report_labels import ITEM_STATUS, TEXT, number, pick
from probe.scoring import Rubric, round2
from probe.scoring.rubric import Item
from probe.tables import run_rows
from probe.trends import AgencyNotFound, BlockAverages, TrendPoint, national_trend, trend

MAX_PAGES = 100  # site-map pages listed on an agency page
SINGLE_RUN = "run"  # the status of the unstored sweep `load_run` reports one run as


@dataclass
class RunData:
    """One scored run with everything its page needs, read once for both languages."""

    run: RunRow
    score: dict[str, Any]
    observations: list[Observation]
    pages: list[PageInfo]
    history: list[TrendPoint]
    stem: str


@dataclass
class SweepData:
    """The sweep being reported: its ranking tables and its scored runs."""

    sweep: SweepRow
    rubric: Rubric
    tables: list[BlockTable]
    runs: list[RunData] = field(default_factory=list)
    national: list[BlockAverages] = field(default_factory=list)  # this schedule, up to it
    judged_now: int = 0  # runs scored while the report was made, not stored (probe.judged)

    @property
    def published(self) -> bool:
        """A published results table (no evidence): shown as published."""
        return is_published(self.sweep)

    @property
    def single_run(self) -> bool:
        """A report of one run outside any sweep (`load_run`): nothing to rank it among."""
        return self.sweep.status == SINGLE_RUN

    def stems(self) -> dict[str, str]:
        """Run id -> page file stem."""
        return {data.run.id: data.stem for data in self.runs}


def page_stem(run_id: str) -> str:
    """A file-name-safe page stem for a run."""
    return "agency-" + re.sub(r"[^A-Za-z0-9_-]", "_", run_id)


def page_file(stem: str, lang: str) -> str:
    """index.html (Vietnamese) or index.en.html (English), and the like."""
    return f"{stem}.html" if lang == "vi" else f"{stem}.en.html"


def load_sweep(store: Store, sweep: SweepRow, rubric: Rubric) -> SweepData:
    """Everything the report shows about `sweep`, scored under `rubric` (judged now where
    `rubric` has stored no score, `probe.judged`)."""
    if is_published(sweep):
        rows = [asdict(r) for r in published_rows(store, sweep.id)]
        return SweepData(sweep, rubric, block_tables(rows))
    runs = store.runs(sweep.id)
    judged = scores_for(store, runs, rubric)
    tables = block_tables(run_rows(runs, judged.totals()))
    current = {table.block: table.average for table in tables}
    data = SweepData(sweep, rubric, tables, judged_now=len(judged.judged_now),
                     national=national_trend(store, sweep, rubric, current))
    observations = store.observations_by_run(sweep.id)
    for run in runs:
        scored = judged.scores[run.id]
        data.runs.append(RunData(run, scored, observations.get(run.id, []),
                                 store.sitemap(run.id).pages[:MAX_PAGES],
                                 _history(store, run, sweep, rubric, scored), page_stem(run.id)))
    return data


def load_run(store: Store, run: RunRow, rubric: Rubric) -> SweepData:
    """Everything the report shows about one run (a `probe check` of an agency's own portal,
    or any run), scored under `rubric`, as a sweep of that run alone that is never stored."""
    alone = SweepRow(id=run.id, started_at=run.started_at, finished_at=None,
                     registry_path="", schedule="", status=SINGLE_RUN, rubric=rubric.version)
    scored, judged_now = score_for(store, run, rubric)
    data = SweepData(alone, rubric,
                     block_tables(run_rows([run], {run.id: (scored["total"], scored["grade"])})),
                     judged_now=int(judged_now))
    data.runs.append(RunData(run, scored, store.observations(run.id),
                             store.sitemap(run.id).pages[:MAX_PAGES],
                             _history(store, run, alone, rubric, scored), page_stem(run.id)))
    return data


def _history(store: Store, run: RunRow, sweep: SweepRow, rubric: Rubric,
             scored: dict[str, Any]) -> list[TrendPoint]:
    """The agency's points up to this sweep, oldest first; this run's point carries `scored`
    (which may have been judged now, while the earlier points are as stored)."""
    try:
        points = trend(store, run.agency_id, rubric).points
    except AgencyNotFound:
        return []
    return [_with_score(p, scored) if p.run_id == run.id else p for p in points
            if p.date <= sweep.started_at or p.sweep_id == sweep.id]


def _with_score(point: TrendPoint, scored: dict[str, Any]) -> TrendPoint:
    groups = {g: float(v["points"]) for g, v in scored["groups"].items()}
    return replace(point, total=scored["total"], grade=scored["grade"], groups=groups)


def grade_guides(rubric: Rubric, scale: float = 100.0) -> list[tuple[float, str]]:
    """(band minimum / `scale`, grade) for every band above zero, as chart guides: shares of
    the axis for bars (scale 100), points for a line chart of totals (scale 1)."""
    return [(band.min / scale, band.grade) for band in rubric.grades if band.min > 0]


def block_name(block: str, lang: str) -> str:
    return pick(BLOCK_NAMES.get(block, (block, block)), lang)


# --- the national summary ------------------------------------------------------------------


def summary_view(data: SweepData, lang: str) -> dict[str, Any]:
    """Block averages and grade shares as charts, then the ranking table of each block."""
    t = TEXT[lang]
    bars = [HBar(block_name(tb.block, lang), (tb.average or 0.0) / 100.0,
                 number(tb.average, lang)) for tb in data.tables if tb.rows]
    return {"averages": hbar_chart(t["chart_averages"], bars, grade_guides(data.rubric))
            if bars else None,
            "over_time": _averages_over_time(data, lang),
            "blocks": [_block_view(tb, data.stems(), lang) for tb in data.tables],
            "common": common_fixes(data, lang),
            "common_unread": sum(1 for run in data.runs
                                 if statuses.unread(run.run.status) == "portal")}


def _averages_over_time(data: SweepData, lang: str) -> list[dict[str, Any]]:
    """Per block, its average over the schedule's sweeps up to this one, when there are two
    or more."""
    t = TEXT[lang]
    charts = []
    for table in data.tables:
        name = block_name(table.block, lang)
        averages = [(p, p.averages.get(table.block)) for p in data.national]
        points = [Point(p.date[:10], average, number(average, lang), p.sweep_id == data.sweep.id)
                  for p, average in averages if average is not None]
        if len(points) > 1:
            charts.append({"name": name, "chart": line_chart(
                f"{t['chart_averages_over_time']} — {name}", points,
                guides=grade_guides(data.rubric, scale=1.0))})
    return charts


def common_fixes(data: SweepData, lang: str, limit: int = 10) -> list[dict[str, Any]]:
    """The items that cost the most points across the sweep: how many agencies lost points
    on each, the points lost in all, and how to fix it. Portals that could not be read are
    left out: they lost every item for one reason, not for lacking each function."""
    lost: dict[str, list[float]] = {}
    for run in data.runs:
        if statuses.unread(run.run.status):
            continue
        for item in run.score["items"]:
            if item["status"] in ("partial", "fail") and item["points"] is not None:
                lost.setdefault(item["id"], []).append(item["max"] - item["points"])
    ranked = sorted(lost.items(), key=lambda pair: (-math.fsum(pair[1]), pair[0]))[:limit]
    rows = []
    for item_id, losses in ranked:
        spec = data.rubric.find_item(item_id)
        rows.append({"id": item_id, "title": _title(spec, lang), "fix": _fix(spec, lang),
                     "agencies": len(losses), "lost": number(math.fsum(losses), lang)})
    return rows


def _block_view(table: BlockTable, stems: dict[str, str], lang: str) -> dict[str, Any]:
    t = TEXT[lang]
    name = block_name(table.block, lang)
    columns = [Column(g, table.distribution[g]["percent"] / 100.0,
                      f"{number(table.distribution[g]['percent'], lang, 1)}%", GRADE_CSS[g])
               for g in GRADES]
    return {"block": table.block, "name": name, "count": table.count,
            "average": number(table.average, lang),
            "distribution": [{"grade": g, "count": int(table.distribution[g]["count"]),
                              "percent": number(table.distribution[g]["percent"], lang)}
                             for g in GRADES],
            "chart": column_chart(f"{t['chart_distribution']} — {name}", columns)
            if table.rows else None,
            "rows": [_table_row(r, stems, lang) for r in table.rows],
            "unranked": [_table_row(r, stems, lang) for r in table.unranked]}


def _table_row(row: dict[str, Any], stems: dict[str, str], lang: str) -> dict[str, Any]:
    stem = stems.get(row.get("run_id") or "")
    return {"rank": row.get("rank"), "agency": row["agency"], "grade": row["grade"],
            "vendor": row.get("vendor") or "", "score": number(row.get("total"), lang),
            "status": statuses.label(row.get("status") or "completed", lang),
            "href": page_file(stem, lang) if stem else None}


# --- vendors -------------------------------------------------------------------------------


def vendors_view(data: SweepData, lang: str) -> dict[str, Any]:
    """Per platform vendor: how many portals, their average, best, worst and grades."""
    t = TEXT[lang]
    groups: dict[str, list[dict[str, Any]]] = {}
    for table in data.tables:
        for row in table.rows:
            groups.setdefault(row.get("vendor") or "", []).append(row)
    vendors = sorted((_vendor(name, rows, data.stems(), lang) for name, rows in groups.items()),
                     key=lambda v: (-(v["mean"] or 0.0), v["name"]))
    stacks = [Stack(v["name"], tuple((v["grades"][g], GRADE_CSS[g], f"{g}: {v['grades'][g]}")
                                     for g in GRADES), f"{v['average']} ({v['portals']})")
              for v in vendors]
    return {"vendors": vendors,
            "chart": stacked_chart(t["chart_vendors"], stacks) if stacks else None}


def _vendor(name: str, rows: list[dict[str, Any]], stems: dict[str, str],
            lang: str) -> dict[str, Any]:
    totals = [r["total"] for r in rows if r.get("total") is not None]
    mean = round2(math.fsum(totals) / len(totals)) if totals else None
    ordered = sorted(rows, key=lambda r: -(r.get("total") or 0.0))
    return {"name": name or TEXT[lang]["unknown_vendor"], "portals": len(rows), "mean": mean,
            "average": number(mean, lang),
            "best": number(max(totals), lang) if totals else "—",
            "worst": number(min(totals), lang) if totals else "—",
            "grades": {g: sum(1 for r in rows if r["grade"] == g) for g in GRADES},
            "rows": [{**_table_row(r, stems, lang), "block": block_name(r["block"], lang)}
                     for r in ordered]}


# --- one agency ----------------------------------------------------------------------------


def agency_view(data: RunData, sweep: SweepData, copier: ArtifactCopier,
                lang: str) -> dict[str, Any]:
    """An agency's page: total, groups, items with evidence, fixes and history."""
    rubric, run, scored = sweep.rubric, data.run, data.score
    index = index_observations(data.observations)
    items = [_item(item, rubric, index, copier, lang) for item in scored["items"]]
    unread = statuses.unread(run.status)
    return {"run": run, "total": number(scored["total"], lang), "grade": scored["grade"],
            "status": statuses.status_line(run.status, run.status_detail, lang),
            "rank": _rank(sweep, run, lang), "groups": _groups(scored, rubric, lang),
            "item_rows": items, "unread": unread,
            "fixes": [] if unread else recoverable(scored["items"], rubric, lang),
            "unmeasured": sum(1 for i in scored["items"] if i["status"] == "unmeasured"),
            "history": _history_view(data.history, sweep.sweep.id, rubric, lang),
            "pages": data.pages, "duration": number(run.duration_s, lang, 1),
            "portal_href": run.url if _is_web_url(run.url) else None}


def _is_web_url(url: str) -> bool:
    return url.lower().startswith(("https://", "http://"))


def _rank(sweep: SweepData, run: RunRow, lang: str) -> dict[str, Any] | None:
    if sweep.single_run:
        return None
    for table in sweep.tables:
        for row in table.rows:
            if row.get("run_id") == run.id:
                return {"rank": row["rank"], "count": table.count,
                        "block": block_name(table.block, lang)}
    return None


def _groups(scored: dict[str, Any], rubric: Rubric, lang: str) -> dict[str, Any]:
    rows = []
    for group in rubric.groups:
        got = scored["groups"].get(group.id, {"points": 0.0, "max": group.points})
        name = group.name_vi if lang == "vi" else group.name_en
        rows.append({"name": name, "points": number(got["points"], lang),
                     "max": number(got["max"], lang, 0),
                     "share": got["points"] / got["max"] if got["max"] else 0.0})
    bars = [HBar(r["name"], r["share"], f"{r['points']}/{r['max']}") for r in rows]
    return {"rows": rows, "chart": hbar_chart(TEXT[lang]["chart_groups"], bars)}


def _item(item: dict[str, Any], rubric: Rubric, index: Any, copier: ArtifactCopier,
          lang: str) -> dict[str, Any]:
    spec = rubric.find_item(item["id"])
    lost = item["status"] not in ("pass", "attested")
    points = "—" if item["points"] is None else number(item["points"], lang)
    return {"id": item["id"], "status": item["status"],
            "status_label": pick(ITEM_STATUS.get(item["status"], (item["status"],) * 2), lang),
            "title": _title(spec, lang), "points": points, "max": number(item["max"], lang, 0),
            "reason": item["reason"] if lang == "vi" else item.get("reason_en") or "",
            "fix": _fix(spec, lang) if lost else "",
            "evidence": item_evidence(item.get("observations") or [], index, copier, lang)}


def _title(spec: Item | None, lang: str) -> str:
    return "" if spec is None else spec.title(lang)


def _fix(spec: Item | None, lang: str) -> str:
    return "" if spec is None else spec.remediation(lang)


def recoverable(items: Sequence[dict[str, Any]], rubric: Rubric,
                lang: str) -> list[dict[str, Any]]:
    """Items that lost points, most points recoverable first, with the total and grade
    once that item and every one above it are fixed (`probe.advice.fix_first`)."""
    return [{"id": a.item_id, "title": a.title(lang), "fix": a.remediation(lang),
             "gain": number(a.lost, lang), "gain_total": number(a.gain_total, lang),
             "after": number(a.total_after, lang), "grade_after": a.grade_after}
            for a in fix_first(items, rubric)]


HISTORY_ROWS = 12  # newest probed sweeps an agency's table lists (published rows: all)


def _history_view(points: list[TrendPoint], sweep_id: str, rubric: Rubric,
                  lang: str) -> dict[str, Any]:
    t = TEXT[lang]
    days = [p.date[:10] for p in points]
    same_day = len(set(days)) < len(days)  # several sweeps a day: show the time too
    labels = [p.date[5:16].replace("T", " ") if same_day else p.date[:10] for p in points]
    shown = [Point(label, p.total, number(p.total, lang) if p.total is not None
                   else (p.grade or "—"), p.sweep_id == sweep_id)
             for label, p in zip(labels, points, strict=True)]
    probed = [p for p in points if p.source == "probe"]
    older = {id(p) for p in probed[:-HISTORY_ROWS]}  # in the chart, not in the table
    rows = [{"date": p.date[:10], "sweep": p.sweep_id, "total": number(p.total, lang),
             "grade": p.grade or "—", "current": p.sweep_id == sweep_id,
             "source": t["source_probe"] if p.source == "probe" else t["source_published"]}
            for p in points if id(p) not in older]
    chart = line_chart(t["chart_history"], shown, guides=grade_guides(rubric, scale=1.0))
    return {"rows": rows, "older": len(older), "chart": chart if shown else None}
