"""`probe report`: a static HTML report that opens offline (no external assets).

The output folder holds, in Vietnamese (`*.html`) and English (`*.en.html`): the national
summary (`index`), the vendors page (`vendors`) and one page per agency (`agency-<run>`);
the stylesheet; the ranking and vendor tables as CSV and JSON; and under `evidence/` a copy
of every artifact the pages show. Charts are inline SVG drawn here; nothing is fetched from
elsewhere, so the folder can be zipped, e-mailed or opened from a file share.

A report written again into the same folder (a nightly cron job) replaces the one before:
`REPORT_FILES` lists what each write wrote, and the files of the earlier report that this
one does not write (last night's agency pages and evidence copies) are removed. Nothing else
in the folder is touched.

Text that comes from portals (names, titles, details, axe snippets) goes through Jinja's
autoescaping and is never marked safe.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from probe.audit.manifest import inside
from probe.db.store import Store
from probe.models import utc_now
from probe.report_evidence import ArtifactCopier
from probe.report_exports import EXPORTS, write_exports
from probe.report_labels import LANGS, TEXT
from probe.report_views import (
    SweepData,
    agency_view,
    load_run,
    load_sweep,
    page_file,
    summary_view,
    vendors_view,
)
from probe.rescoring import as_rubric
from probe.scoring import Rubric

STATIC = ("report.css",)
REPORT_FILES = ".dvc-probe-report.json"  # the files the last write put in the folder


def _environment() -> Environment:
    return Environment(loader=PackageLoader("probe", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def default_evidence_root(store: Store) -> Path:
    """Where the store's artifacts live: `evidence/` beside an SQLite file, else ./evidence."""
    from probe.commands import evidence_root

    return evidence_root(store.url)


def write_report(store: Store, sweep_id: str, rubric: Rubric | str, out_dir: Path,
                 lang: str = "vi", evidence: Path | None = None,
                 run_id: str | None = None) -> Path:
    """Write the report of `sweep_id` (or of the one run `run_id`: an agency's self-check)
    into `out_dir`; return its index page in `lang` (the run's own page for one run)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    judged = as_rubric(rubric)
    if run_id is not None:
        data = load_run(store, store.run(run_id), judged)
    else:
        data = load_sweep(store, store.sweep(sweep_id), judged)
    copier = ArtifactCopier(evidence or default_evidence_root(store), out_dir)
    meta = {"sweep": data.sweep.id, "started_at": data.sweep.started_at,
            "rubric": judged.version, "generated_at": utc_now(), "judged_now": data.judged_now}
    renderer = _Renderer(_environment(), out_dir, data, meta)
    for code in LANGS:
        renderer.page("report.html", "index", code, lambda c: {"summary": summary_view(data, c)})
        renderer.page("report_vendors.html", "vendors", code,
                      lambda c: {"view": vendors_view(data, c)})
        for run in data.runs:
            renderer.page("report_agency.html", run.stem, code,
                          lambda c, run=run: {"a": agency_view(run, data, copier, c)})
    for name in STATIC:
        shutil.copyfile(Path(__file__).parent / "templates" / name, out_dir / name)
    exports = write_exports(out_dir, meta, data.tables)
    _replace_earlier(out_dir, {*renderer.written, *STATIC, *(p.name for p in exports),
                               *copier.written()})
    first = data.runs[0].stem if data.single_run and data.runs else "index"
    return out_dir / page_file(first, "vi" if lang == "vi" else "en")


def _replace_earlier(out_dir: Path, written: set[str]) -> None:
    """Remove what the earlier report in `out_dir` wrote and this one did not, then record
    `written` (paths relative to the folder) for the next report."""
    listed = out_dir / REPORT_FILES
    try:
        earlier = {f for f in json.loads(listed.read_text(encoding="utf-8"))["files"]
                   if isinstance(f, str)}
    except (OSError, ValueError, KeyError, TypeError):
        earlier = set()  # first report here, or a list it cannot read: remove nothing
    for relative in sorted(earlier - written):
        path = out_dir / relative
        if inside(out_dir, relative) and path.is_file() and not path.is_symlink():
            path.unlink()
            _remove_empty_parents(path.parent, out_dir)
    listed.write_text(json.dumps({"files": sorted(written)}, ensure_ascii=False, indent=0),
                      encoding="utf-8")


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder != top and folder.is_relative_to(top) and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


class _Renderer:
    """Renders one page of the report in one language, with the shared frame."""

    def __init__(self, env: Environment, out_dir: Path, data: SweepData,
                 meta: dict[str, Any]) -> None:
        self.env, self.out_dir, self.data, self.meta = env, out_dir, data, meta
        self.written: list[str] = []  # page files, relative to `out_dir`

    def page(self, template: str, stem: str, lang: str,
             content: Callable[[str], dict[str, Any]]) -> None:
        other = "en" if lang == "vi" else "vi"
        html = self.env.get_template(template).render(
            t=TEXT[lang], lang=lang, other_page=page_file(stem, other),
            index_page=page_file("index", lang), vendors_page=page_file("vendors", lang),
            sweep=self.data.sweep, rubric=self.data.rubric, meta=self.meta,
            published=self.data.published, single_run=self.data.single_run, exports=EXPORTS,
            stem=stem, **content(lang))
        (self.out_dir / page_file(stem, lang)).write_text(html, encoding="utf-8")
        self.written.append(page_file(stem, lang))
