"""`probe report` without a browser: files, exports, escaping, fixes ordering, charts, CLI."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from probe.cli import app
from probe.db import Store
from probe.errors import UserError
from probe.history import import_results
from probe.models import SiteMap
from probe.report import write_report
from probe.report_charts import (
    LABELLED_POINTS,
    Column,
    HBar,
    Point,
    column_chart,
    hbar_chart,
    line_chart,
)
from probe.report_views import _history_view, recoverable
from probe.scoring import load_rubric
from probe.trends import TrendPoint
from tests.report_helpers import (
    HOSTILE_NAME,
    HOSTILE_SNIPPET,
    HOSTILE_TITLE,
    Built,
    build,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "probe" / "templates"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def report(built: Built) -> tuple[Path, str]:
    out = Path(built.evidence).parent / "out"
    index = write_report(built.store, built.sweep_id, "2024", out, evidence=built.evidence)
    assert index == out / "index.html"
    return out, built.hostile_run


def _pages(out: Path) -> list[Path]:
    return sorted(out.glob("*.html"))


def test_pages_in_both_languages_with_exports_and_copied_evidence(
        report: tuple[Path, str]) -> None:
    out, hostile = report
    stems = {p.name.removesuffix(".en.html").removesuffix(".html") for p in _pages(out)}
    assert stems == {"index", "vendors", "agency-r-s-2026-11-0", f"agency-{hostile}",
                     "agency-r-s-2026-11-2"}
    for stem in stems:
        assert (out / f"{stem}.en.html").is_file()
    for name in ("report.css", "ranking.csv", "ranking.json", "vendors.csv", "vendors.json"):
        assert (out / name).is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Lỗi phổ biến nhất" in index and "Cách khắc phục" in index
    over_time = "Biểu đồ điểm trung bình qua các đợt quét — "
    assert index.count(over_time) == 4  # 2 blocks, each as label and title
    assert "Average score over past sweeps" in (out / "index.en.html").read_text(encoding="utf-8")
    copied = sorted(p.suffix for p in (out / "evidence" / hostile).iterdir())
    assert copied == [".json", ".png"]
    assert not list(out.rglob("passwd"))  # an artifact path outside the evidence root


def test_pages_reference_nothing_outside_the_folder(report: tuple[Path, str]) -> None:
    out, _ = report
    for page in _pages(out):
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html
        for url in re.findall(r'src="([^"]*)"', html):
            assert ":" not in url and not url.startswith("/"), (page.name, url)
        for url in re.findall(r'href="([^"]*)"', html):
            assert (":" not in url and not url.startswith("/")) \
                or url.startswith("https://dichvucong."), (page.name, url)
            target = url.split("#")[0]
            assert ":" in url or not target or (out / target).exists(), (page.name, url)


def test_portal_text_is_escaped(report: tuple[Path, str]) -> None:
    out, hostile = report
    for page in _pages(out):
        html = page.read_text(encoding="utf-8")
        for hostile_text in (HOSTILE_NAME, HOSTILE_SNIPPET, HOSTILE_TITLE, "<img src=x"):
            assert hostile_text not in html, page.name
    page = (out / f"agency-{hostile}.html").read_text(encoding="utf-8")
    assert "Tỉnh &lt;script&gt;alert(1)&lt;/script&gt; Thử" in page
    assert "&lt;b onmouseover=alert(6)&gt;" in page
    for template in TEMPLATES.glob("report*.html"):
        assert not re.search(r"\|\s*safe", template.read_text(encoding="utf-8")), template


def test_exports_hold_the_official_tables(report: tuple[Path, str]) -> None:
    out, _ = report
    text = (out / "ranking.csv").read_bytes().decode("utf-8")
    assert text.startswith("\ufeffblock,block_name,rank,agency,grade,vendor,score")
    rows = list(csv.DictReader(text.lstrip("\ufeff").splitlines()))
    assert [(r["block"], r["rank"]) for r in rows] == [("ministry", "1"), ("province", "1"),
                                                       ("province", "2")]
    assert any(r["vendor"].startswith("'=HYPERLINK") for r in rows)  # not a formula
    document = json.loads((out / "ranking.json").read_text(encoding="utf-8"))
    assert document["sweep"] == "s-2026-11" and document["rubric"] == "2024"
    province = document["blocks"][1]
    assert province["name_vi"] == "Tỉnh, thành phố" and province["count"] == 2
    assert [r["rank"] for r in province["rows"]] == [1, 2]
    assert province["rows"][0]["score"] >= province["rows"][1]["score"]
    vendors = json.loads((out / "vendors.json").read_text(encoding="utf-8"))["vendors"]
    assert sum(v["portals"] for v in vendors) == 3


def test_fixes_are_ordered_by_points_recoverable_up_to_full_marks() -> None:
    rubric = load_rubric("2024")
    items = [{"id": "F1", "points": 8.0, "max": 8.0, "status": "pass"},
             {"id": "F3", "points": 1.0, "max": 7.0, "status": "partial"},
             {"id": "S1", "points": 0.0, "max": 3.0, "status": "fail"},
             {"id": "P1", "points": None, "max": 4.0, "status": "unmeasured"},
             {"id": "L1", "points": 0.5, "max": 2.0, "status": "partial"}]
    fixes = recoverable(items, rubric, "en")
    assert [f["id"] for f in fixes] == ["F3", "S1", "L1"]
    assert [f["gain"] for f in fixes] == ["6.00", "3.00", "1.50"]
    assert fixes[0]["gain_total"] == "30.00"  # 6 of the 20 measured points
    assert fixes[-1]["after"] == "100.00" and fixes[-1]["grade_after"] == "A"
    assert fixes[0]["title"] and fixes[0]["fix"]


def test_chart_geometry_stays_inside_its_axes() -> None:
    bars = hbar_chart("x", [HBar("a", 1.7, "170"), HBar("b", -1, "-1")], [(0.5, "D")])
    widths = [r.w for r in bars.rects if r.title]
    assert widths[0] == max(r.w for r in bars.rects) and widths[1] == 0
    columns = column_chart("y", [Column("A", 0.5, "50%", "fill-A"),
                                 Column("B", 0.0, "0%", "fill-B")])
    assert [r.h for r in columns.rects] == [62.0, 0.0]
    line = line_chart("z", [Point("2025", None, "B"), Point("2026", 80.0, "80", True)])
    assert len(line.circles) == 1 and line.polyline == ""


@pytest.mark.parametrize("current", [364, 300, 36, 1])
def test_a_year_of_nightly_points_keeps_its_chart_readable(current: int) -> None:
    """Every dot stays (titled), but at most six x labels, evenly spread with the current
    one among them and none overlapping, and only the current value is written out."""
    days = [Point(f"day {n}", 60.0 + n % 7, f"{60 + n % 7}", current=n == current)
            for n in range(365)]
    chart = line_chart("z", days)
    labels = [t for t in chart.texts if t.css == "axis" and t.text.startswith("day")]
    assert len(chart.circles) == 365 and 4 <= len(labels) <= LABELLED_POINTS
    assert f"day {current}" in {t.text for t in labels}
    xs = sorted(t.x for t in labels)
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) > 62  # a date is ~61 px
    assert [t.text for t in chart.texts if t.css == "value"] == [f"{60 + current % 7}"]
    few = line_chart("z", days[:5])
    assert len([t for t in few.texts if t.css == "value"]) == 5


def test_an_agency_s_table_lists_its_newest_sweeps_and_every_published_grade() -> None:
    published = TrendPoint("2023-07-12", "s-pub", "published", grade="B", rank=4)
    nights = [TrendPoint(f"2026-01-{n + 1:02d}", f"s-{n}", "probe", total=70.0, grade="C")
              for n in range(20)]
    view = _history_view([published, *nights], "s-19", load_rubric("2024"), "vi")
    assert [row["sweep"] for row in view["rows"]] == ["s-pub", *[f"s-{n}" for n in range(8, 20)]]
    assert view["older"] == 8 and view["rows"][-1]["current"]
    assert len(view["chart"].circles) == 20  # the chart still draws every probed night


def test_block_averages_over_a_schedule_s_completed_sweeps(tmp_path: Path) -> None:
    """Each point is the block averages the sweep's own ranking gives; another schedule's
    sweeps and an unfinished one are left out, the reported sweep is always in."""
    from probe.db.schema import SweepRow
    from probe.rescoring import rescore
    from probe.synthetic import fill_sweep, make_profiles
    from probe.tables import ranked
    from probe.trends import national_trend

    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    profiles = make_profiles(8)
    for label, day in (("n1", 1), ("self", 2), ("n2", 3), ("broken", 4), ("n3", 5)):
        fill_sweep(store, profiles, label, f"2026-11-0{day}T18:00:00+00:00", seed=day)
    with store.session.begin() as session:
        session.get(SweepRow, "s-self").schedule = "self-check"
        session.get(SweepRow, "s-broken").status = "interrupted"
    rubric = load_rubric("2024")
    rescore(store, rubric)
    points = national_trend(store, store.sweep("s-n3"), rubric)
    assert [p.sweep_id for p in points] == ["s-n1", "s-n2", "s-n3"]
    for point in points:
        assert point.averages == {t.block: t.average
                                  for t in ranked(store, point.sweep_id, rubric, None)[0]}
    assert [p.sweep_id for p in national_trend(store, store.sweep("s-broken"), rubric)] == [
        "s-n1", "s-n2", "s-broken"]



def test_block_averages_leave_out_scores_another_text_of_the_rubric_made(
        tmp_path: Path) -> None:
    """As an agency's trend does: after the rubric file is edited under the same version
    name, the older sweeps' stored scores are not this text's, so no average is drawn from
    them until they are re-scored."""
    from probe.rescoring import rescore
    from probe.synthetic import fill_sweep, make_profiles
    from probe.trends import national_trend, trend

    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    profiles = make_profiles(6)
    for label, day in (("n1", 1), ("n2", 2)):
        fill_sweep(store, profiles, label, f"2026-11-0{day}T18:00:00+00:00", seed=day)
    rescore(store, load_rubric("2024"))
    edited_file = tmp_path / "2024.yaml"
    edited_file.write_text(load_rubric("2024").text + "\n# edited\n", encoding="utf-8")
    edited = load_rubric(str(edited_file))
    assert edited.version == "2024" and edited.sha256 != load_rubric("2024").sha256

    first = national_trend(store, store.sweep("s-n2"), load_rubric("2024"))[0]
    assert any(average is not None for average in first.averages.values())
    stale = national_trend(store, store.sweep("s-n2"), edited)[0]
    assert stale.sweep_id == "s-n1"
    assert all(average is None for average in stale.averages.values())
    agency = store.runs("s-n1")[0].agency_id
    assert trend(store, agency, edited).points[0].total is None  # the agency's trend agrees
    rescore(store, edited)
    assert national_trend(store, store.sweep("s-n2"), edited)[0].averages == first.averages

def test_cli_report_and_a_missing_sweep(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "cli-out"
    result = CliRunner().invoke(app, ["report", "--db", built.db, "--out", str(out),
                                      "--sweep", "s-2026-10", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (out / "index.en.html").is_file()
    first = (out / "index.en.html").read_text(encoding="utf-8")
    assert "s-2026-10" in first and "Average score over past sweeps" not in first  # 1 sweep
    assert list((out / "evidence").iterdir())  # evidence/ beside results.db was found
    missing = CliRunner().invoke(app, ["report", "--db", built.db, "--out", str(out),
                                       "--sweep", "s-none"])
    assert isinstance(missing.exception, UserError)


def test_a_report_written_again_into_its_folder_replaces_the_one_before(
        built: Built, tmp_path: Path) -> None:
    """A nightly report into one folder: last night's agency pages and evidence copies go,
    a file someone else put there stays."""
    out = tmp_path / "nightly"
    write_report(built.store, "s-2026-10", "2024", out, evidence=built.evidence)
    before = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "agency-r-s-2026-10-0.html" in before
    assert any(p.startswith("evidence/r-s-2026-10-") for p in before)
    (out / "ghi-chu.txt").write_text("của người vận hành", encoding="utf-8")
    write_report(built.store, "s-2026-11", "2024", out, evidence=built.evidence)
    after = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert not [p for p in after if "s-2026-10" in p]
    assert "agency-r-s-2026-11-0.html" in after and "ghi-chu.txt" in after
    assert not [d for d in (out / "evidence").iterdir() if not any(d.iterdir())]
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    (out / ".dvc-probe-report.json").write_text(json.dumps(
        {"files": ["../outside.txt", str(outside), "ghi-chu.txt/../../outside.txt", 7]}))
    write_report(built.store, "s-2026-11", "2024", out, evidence=built.evidence)
    assert outside.is_file()  # a tampered list removes nothing outside the folder
    fresh = tmp_path / "fresh"
    write_report(built.store, "s-2026-11", "2024", fresh, evidence=built.evidence)
    assert after - {"ghi-chu.txt"} == {p.relative_to(fresh).as_posix()
                                       for p in fresh.rglob("*") if p.is_file()}


def test_one_run_is_reported_on_its_own_page_unranked(built: Built, tmp_path: Path) -> None:
    """`probe report --run`: an agency's self-check (a run of no sweep) gets the page a sweep
    gives it, with its evidence and fixes, but no rank among others and no sweep named."""
    from probe.report_labels import TEXT

    out = tmp_path / "one"
    result = CliRunner().invoke(app, ["report", "--db", built.db, "--out", str(out),
                                      "--run", built.hostile_run])
    assert result.exit_code == 0, result.output
    page = out / f"agency-{built.hostile_run}.html"
    assert f"Báo cáo (report): {page}" in result.output.replace("\n", "")
    html = page.read_text(encoding="utf-8")
    assert TEXT["vi"]["single_run"] in html and TEXT["vi"]["recoverable"] in html
    assert f'>{TEXT["vi"]["rank"]}<' not in html and TEXT["vi"]["sweep"] + " " not in html
    assert [p.name for p in (out / "evidence").iterdir()] == [built.hostile_run]
    assert (out / f"agency-{built.hostile_run}.en.html").is_file()


def test_a_database_of_self_checks_only_is_told_to_report_a_run(tmp_path: Path) -> None:
    from probe.db.store import run_row
    from probe.models import Agency

    db = f"sqlite:///{tmp_path / 'r.db'}"
    agency = Agency(id="x", name="Tỉnh X", block="province", portal_url="https://x.gov.vn/")
    Store(db).save_run(run_row(agency, "r-1", None, status="completed",
                               started_at="2026-11-20T01:00:00+00:00"),
                       SiteMap(portal=agency.portal_url), [])
    missing = CliRunner().invoke(app, ["report", "--db", db, "--out", str(tmp_path / "o")])
    assert isinstance(missing.exception, UserError)
    assert "probe report --run latest" in str(missing.exception)


def test_a_published_table_is_reported_without_agency_pages(tmp_path: Path) -> None:
    source = tmp_path / "results-2023.csv"
    source.write_text("block,rank,agency,grade,vendor\nministry,1,Bộ A,B,VNPT\n"
                      "ministry,2,Bộ B,C,Viettel\n", encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    imported = import_results(store, source)
    write_report(store, imported.sweep_id, "2024", tmp_path / "out")
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Bộ A" in html and "Bảng đã công bố" in html
    assert not list((tmp_path / "out").glob("agency-*"))


def test_an_unreachable_portal_s_page_asks_for_the_portal_first_not_thirty_fixes(
        tmp_path: Path) -> None:
    """The page an agency is sent says what the CLI says: make the portal answer first. It
    listed every item's remedy (publish a catalogue, add search, …) as if the portal lacked
    them; the status is said once, in the page's language. The national table of common
    problems leaves it out, saying so."""
    from probe.synthetic import Degradation, fill_sweep, make_profiles

    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    profiles = make_profiles(3)
    down = profiles[1].agency.id
    sweep_id = fill_sweep(store, profiles, "n1", "2026-11-01T18:00:00+00:00",
                          degradations={down: Degradation(unreachable=True)})
    out = tmp_path / "out"
    write_report(store, sweep_id, "2024", out)
    run_of = {run.agency_id: run.id for run in store.runs(sweep_id)}

    def page(agency_id: str, suffix: str = ".html") -> str:
        return (out / f"agency-{run_of[agency_id]}{suffix}").read_text(encoding="utf-8")

    unread = page(down)
    assert "Cổng không trả lời được khi đo: đây là việc cần sửa trước." in unread
    assert 'class="fixes"' not in unread and "Quá thời gian chờ" in unread
    assert "The portal could not be read when measured: fix this first." in page(down, ".en.html")
    read = page(profiles[0].agency.id)
    assert 'class="fixes"' in read and "Cổng không trả lời được" not in read

    # Nationally, its thirty lost items are not thirty missing functions.
    from probe.report_views import common_fixes, load_sweep

    common = common_fixes(load_sweep(store, store.sweep(sweep_id), load_rubric("2024")), "vi")
    assert common and max(row["agencies"] for row in common) <= 2  # of the 2 portals read
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "1 cơ quan có cổng không truy cập được khi đo không được tính ở đây" in index
