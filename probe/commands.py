"""What each `probe` command does; the CLI module only parses options."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rich.console import Console

from probe import registry as registries
from probe import status as statuses
from probe.browser import loopback_only_default
from probe.console import plain_console
from probe.context import ProbeSettings
from probe.db.store import (
    DEFAULT_DB,
    PUBLISHED_RUBRIC,
    Store,
    StoreError,
    agency_of,
    is_published,
    shown_url,
    sqlite_file,
)
from probe.errors import EXIT_BELOW, EXIT_UNREACHABLE, UserError
from probe.models import Agency
from probe.outputs import (
    JUNIT_FILE,
    REPORT_FOLDER,
    WORK_FOLDER,
    writable_file,
    writable_folder,
    writing,
)
from probe.progress import sweep_progress
from probe.reach import refusal
from probe.urls import BadUrl, is_private_host, parse_portal_url

if TYPE_CHECKING:
    from probe.db.schema import RunRow
    from probe.scoring.rubric import Rubric

out = plain_console()
GRADES = "ABCDE"


def open_store(db: str) -> Store:
    """The results store at `db` (created when new), or a UserError saying why it cannot be
    opened."""
    try:
        return Store(db)
    except StoreError as error:
        raise UserError(str(error)) from error


def existing_store(db: str) -> Store:
    """The results store at `db` for a command that reads what is stored: an SQLite file
    that does not exist is a mistyped path, not a new empty database."""
    path = sqlite_file(db)
    if path is not None and not path.exists():
        raise UserError(f"không có tệp cơ sở dữ liệu '{path}' (no such database file); "
                        "lệnh quét hoặc 'probe check' tạo ra nó (a sweep or 'probe check' "
                        "creates it)")
    return open_store(db)


def evidence_root(db: str) -> Path:
    """Artifacts live in `evidence/` beside an SQLite file (a URL or a bare path), else in
    ./evidence."""
    path = sqlite_file(db)
    return (path.resolve().parent if path else Path.cwd()) / "evidence"


def settings_for(ca_file: str | None, allow_private: bool, **extra: Any) -> ProbeSettings:
    """Probe settings from the common options and the environment, checking the CA file.

    PROBE_NATIONAL_PORTAL_HOSTS and PROBE_NATIONAL_SSO_HOSTS (comma-separated host or
    host:port) add to the national portal and SSO hosts the probe recognises.
    PROBE_THROTTLING (none | mobile) chooses the timed loads' throttling profile unless
    `throttling` is given; PROBE_PERF_RUNS, PROBE_PERF_PAGES and PROBE_SAMPLE_PAGES set
    sample sizes (see `env_sampling`). The probe stays on loopback unless PROBE_NETWORK=open
    (`probe.browser.loopback_only_default`), for every command alike.
    """
    if ca_file and not Path(ca_file).is_file():
        raise UserError(f"không tìm thấy tệp CA '{ca_file}' (CA file not found)")
    extra.setdefault("loopback_only", loopback_only_default())
    extra.setdefault("throttling", os.environ.get("PROBE_THROTTLING", "none"))
    _check_throttling(str(extra["throttling"]))
    defaults = ProbeSettings()
    hosts = {
        "national_portal_hosts": defaults.national_portal_hosts
        + _env_hosts("PROBE_NATIONAL_PORTAL_HOSTS"),
        "national_sso_hosts": defaults.national_sso_hosts + _env_hosts("PROBE_NATIONAL_SSO_HOSTS"),
    }
    return ProbeSettings(ca_file=ca_file, allow_private=allow_private,
                         **{**hosts, **env_sampling(), **extra})


SAMPLING_ENV = {"perf_runs": "PROBE_PERF_RUNS", "perf_pages": "PROBE_PERF_PAGES",
                "sample_pages": "PROBE_SAMPLE_PAGES"}


def env_sampling() -> dict[str, int]:
    """Sample sizes set in the environment (PROBE_PERF_RUNS, PROBE_PERF_PAGES,
    PROBE_SAMPLE_PAGES: whole numbers 1-50), for a quicker or a more thorough pass."""
    found: dict[str, int] = {}
    for field, name in SAMPLING_ENV.items():
        raw = os.environ.get(name, "").strip()
        if not raw:
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= 50:
            raise UserError(f"{name}='{raw}' phải là số nguyên từ 1 đến 50 "
                            f"(must be a whole number from 1 to 50)")
        found[field] = int(raw)
    return found


def _check_throttling(name: str) -> None:
    from probe.throttling import NAMES

    if name not in NAMES:
        raise UserError(f"hồ sơ giới hạn tốc độ '{name}' không hợp lệ "
                        f"(unknown throttling profile; use {' | '.join(NAMES)})")


def _env_hosts(name: str) -> tuple[str, ...]:
    return tuple(h.strip() for h in os.environ.get(name, "").split(",") if h.strip())


def checked_url(url: str, allow_private: bool) -> str:
    """`url` validated for probing, or a UserError."""
    try:
        url = parse_portal_url(url)
    except BadUrl as error:
        raise UserError(f"URL không hợp lệ: '{url}' (malformed URL)") from error
    if is_private_host(url) and not allow_private:
        raise UserError(f"địa chỉ nội bộ bị từ chối: {url} — dùng --allow-private "
                        "(private address refused; use --allow-private)")
    return url


def within_reach(url: str, settings: ProbeSettings) -> None:
    """A UserError when the settings keep the probe from `url` (`probe.reach`): a run of
    it would only record the probe's own failure."""
    refused = refusal(url, settings)
    if refused:
        raise UserError(f"{urlsplit(url).netloc}: {refused}")


def load_registry(path: Path) -> list[Agency]:
    """The agencies of a registry file or a packaged registry name ('2026', '2023')."""
    try:
        return registries.load(registries.resolve(path))
    except registries.RegistryError as error:
        raise UserError(f"sổ đăng ký lỗi (bad registry) {error}") from error


# --- probing ------------------------------------------------------------------------------


def discover(url: str, ca_file: str | None, allow_private: bool, as_json: bool,
             ignore_robots: bool = False) -> int:
    from probe.discovery import discover as run_discovery

    url = checked_url(url, allow_private)
    settings = settings_for(ca_file, allow_private, obey_robots=not ignore_robots)
    within_reach(url, settings)
    if ignore_robots:
        warn_robots_ignored(urlsplit(url).netloc)
    sitemap = run_discovery(url, settings)
    if as_json:
        print(json.dumps(sitemap.to_dict(), ensure_ascii=False, indent=2))
    else:
        from probe.tables import print_sitemap

        print_sitemap(out, sitemap)
    return EXIT_UNREACHABLE if sitemap.error else 0


def check(url: str, name: str, block: str, db: str, ca_file: str | None, allow_private: bool,
          rubric: str, as_json: bool, fail_under: str | None, junit: Path | None,
          throttling: str = "none", http_url: str | None = None,
          ignore_robots: bool = False) -> int:
    from probe.sweep import SweepOptions, probe_one

    url = checked_url(url, allow_private)
    http_entry = _http_entry(http_url, allow_private)
    threshold = _grade_option(fail_under)
    judged_by = loaded_rubric(rubric)
    if block not in registries.BLOCKS:
        raise UserError(f"khối '{block}' không hợp lệ (unknown block)")
    host = urlsplit(url).netloc
    agency = Agency(id=host, name=name or host, block=block, portal_url=url,  # type: ignore[arg-type]
                    http_url=http_entry)
    settings = settings_for(ca_file, allow_private, throttling=throttling,
                            obey_robots=not ignore_robots)
    within_reach(url, settings)
    if junit is not None:
        writable_file(junit, JUNIT_FILE)
    store = open_store(db)
    options = SweepOptions(settings=settings, rubric=rubric, evidence_root=evidence_root(db))
    if ignore_robots:
        warn_robots_ignored(host)
    with sweep_progress(Console(stderr=True), [agency]) as progress:
        outcome = probe_one(agency, store, options, progress)
    document = check_document(outcome)
    if junit:
        from probe.junit import write_junit

        with writing(junit, JUNIT_FILE):
            write_junit(junit, document, judged_by)
    if as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        from probe.commands_judging import print_since_last
        from probe.tables import print_check, print_where_to_look

        print_check(out, document, judged_by)
        print_since_last(out, store, outcome.run_id, judged_by)
        print_where_to_look(out, outcome.run_id,
                            "" if db == DEFAULT_DB else f"--db {shown_url(db)}")
    return _check_exit(document, threshold)


def warn_robots_ignored(host: str) -> None:
    """Say on standard error that robots.txt is lifted, and for whose portal."""
    plain_console(stderr=True).print(
        f"Bỏ qua robots.txt của {host} theo yêu cầu: chỉ dùng cho cổng của chính đơn vị bạn; "
        "kết quả ghi lại việc này (robots.txt ignored on request: your own portal only; the "
        "run records it)")


def _http_entry(http_url: str | None, allow_private: bool) -> str:
    """`--http-url` checked: an http:// URL ('' when not given: derived from the portal's)."""
    if not http_url:
        return ""
    if not http_url.lower().startswith("http://"):
        raise UserError(f"--http-url phải là địa chỉ http:// : '{http_url}' "
                        "(must be a plain http:// URL)")
    return checked_url(http_url, allow_private)


def _check_exit(document: dict[str, Any], threshold: str | None) -> int:
    if document["status"] != statuses.COMPLETED:
        return EXIT_UNREACHABLE
    grade = document["grade"] or "E"
    if threshold and GRADES.index(grade) > GRADES.index(threshold):
        return EXIT_BELOW
    return 0


def check_document(outcome: Any) -> dict[str, Any]:
    """The `probe check --json` object of one probed portal (the DESIGN.md contract)."""
    scored = outcome.score.to_dict()
    return {
        "url": outcome.agency.portal_url, "agency": outcome.agency.name,
        "run_id": outcome.run_id, "rubric": scored["rubric"], "status": outcome.status,
        "status_detail": outcome.status_detail, "handover": outcome.sitemap.handover,
        "total": scored["total"], "grade": scored["grade"], "groups": scored["groups"],
        "items": scored["items"], "pages": len(outcome.sitemap.pages),
        "duration_s": outcome.duration_s,
    }


def _grade_option(grade: str | None) -> str | None:
    if grade is None:
        return None
    if grade.upper() not in GRADES or len(grade) != 1:
        raise UserError(f"xếp loại '{grade}' không hợp lệ, dùng A–E (grade must be A-E)")
    return grade.upper()


def given_rubric(rubric: str | None) -> Rubric | None:
    """The rubric `--rubric` names (a UserError when it is unusable), or None without one."""
    return loaded_rubric(rubric) if rubric is not None else None


def rubric_for(store: Store, given: Rubric | None, sweep_id: str | None,
               run_id: str | None = None) -> Rubric:
    """The rubric given; without one, the rubric the sweep `sweep_id` was scored with (the
    text it kept, else its file), or for a run outside any sweep (`run_id`: a `probe check`)
    the one that first scored it; else the default."""
    from probe.judged import kept_rubric, sweep_rubric
    from probe.scoring import RubricError

    if given is not None:
        return given
    sweep = store.sweep(sweep_id) if sweep_id else None
    if sweep is None and run_id is not None:
        first = kept_rubric(store, store.first_score_hash(run_id))
        if first is not None:
            return first
    if sweep is None or sweep.rubric in ("", PUBLISHED_RUBRIC):
        from probe.scoring.rubric import DEFAULT_RUBRIC

        return loaded_rubric(DEFAULT_RUBRIC)
    try:
        return sweep_rubric(store, sweep)
    except RubricError as error:
        raise UserError(f"đợt quét {sweep_id} được chấm theo bộ tiêu chí '{sweep.rubric}', "
                        f"nay không đọc được; chỉ rõ bằng --rubric (the sweep's rubric cannot "
                        f"be read now: give --rubric): {error}") from error


def loaded_rubric(rubric: str) -> Rubric:
    """The rubric named or given as a file, or a UserError saying what is wrong with it."""
    from probe.scoring import RubricError, load_rubric

    try:
        return load_rubric(rubric)
    except RubricError as error:
        raise UserError(f"bộ tiêu chí lỗi (bad rubric) {error}") from error


# --- reading the store --------------------------------------------------------------------


def rank(sweep_id: str, block: str | None, fmt: str, rubric: str | None, db: str) -> int:
    """`probe rank`: a measured sweep ranked by its scores under `rubric` (by default the one
    it was scored with), an imported one as published."""
    check_table_options(block, fmt)
    store = existing_store(db)
    sweep_id = stored_sweep_id(store, sweep_id)
    if is_published(store.sweep(sweep_id)):
        from probe.commands_judging import rank_published

        return rank_published(sweep_id, db, block, fmt)
    from probe.judged import judged_now_note
    from probe.tables import emit_ranking, ranked

    judged_by = rubric_for(store, given_rubric(rubric), sweep_id)
    tables, judged = ranked(store, sweep_id, judged_by, block)
    emit_ranking(out, tables, fmt, {"sweep": sweep_id, "rubric": judged_by.version,
                                    "judged_now": len(judged.judged_now)}, with_status=True,
                 footer=judged_now_note(len(judged.judged_now), judged_by, sweep_id)
                 if judged.judged_now else "")
    return 0


def check_table_options(block: str | None, fmt: str) -> None:
    """A UserError unless `fmt` is table | csv | json and `block` ministry | province | None."""
    if fmt not in ("table", "csv", "json"):
        raise UserError(f"định dạng '{fmt}' không hợp lệ: table | csv | json (bad format)")
    if block not in (None, "ministry", "province"):
        raise UserError(f"khối '{block}' không hợp lệ (unknown block)")


def stored_sweep_id(store: Store, sweep_id: str) -> str:
    """The id of the stored sweep `sweep_id` ('latest' too), or a UserError saying why not."""
    try:
        return store.sweep(sweep_id).id
    except StoreError as error:
        raise UserError(str(error)) from error


def stored_run(store: Store, run_id: str) -> RunRow:
    """The stored run `run_id` (an agency's id: its newest; 'latest'), or a UserError."""
    try:
        return store.run(run_id)
    except StoreError as error:
        raise UserError(str(error)) from error


def show(run_id: str, rubric: str | None, db: str, as_json: bool) -> int:
    """`probe show`: one stored run with its pages, observations and its score under
    `rubric` (by default its sweep's; judged now when that rubric has stored none)."""
    from probe.judged import judged_now_note, score_for

    given = given_rubric(rubric)
    store = existing_store(db)
    run = stored_run(store, run_id)
    judged_by = rubric_for(store, given, run.sweep_id, run.id)
    scores, judged_now = score_for(store, run, judged_by)
    document = {
        "run_id": run.id, "sweep_id": run.sweep_id, "agency": agency_of(run).__dict__,
        "url": run.url, "final_url": run.final_url, "handover": run.handover,
        "status": run.status, "status_detail": run.status_detail, "started_at": run.started_at,
        "duration_s": run.duration_s, "pages": [p.__dict__ for p in store.sitemap(run.id).pages],
        "observations": [o.to_dict() for o in store.observations(run.id)],
        "scores": scores, "scores_judged_now": judged_now,
    }
    if as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    from probe.tables import print_run

    print_run(out, document, judged_by)
    if judged_now:
        out.print(judged_now_note(1, judged_by))
    return 0


def report(out_dir: Path, sweep_id: str, rubric: str | None, lang: str, db: str,
           run_id: str | None = None) -> int:
    """`probe report`: the HTML report of a sweep, or of one run (`--run`), under `rubric`
    (by default the one the sweep was scored with)."""
    from probe.report import write_report

    if lang not in ("vi", "en"):
        raise UserError(f"ngôn ngữ '{lang}' không hợp lệ: vi | en (bad language)")
    given = given_rubric(rubric)
    store = existing_store(db)
    writable_folder(out_dir, REPORT_FOLDER)
    run = stored_run(store, run_id) if run_id is not None else None
    chosen = "" if run is not None else _report_sweep(store, sweep_id)
    judged_by = rubric_for(store, given, run.sweep_id if run is not None else chosen,
                           run.id if run is not None else None)
    with writing(out_dir, REPORT_FOLDER):
        index = write_report(store, chosen, judged_by, out_dir, lang,
                             run_id=run.id if run is not None else None)
    out.print(f"Báo cáo (report): {index}")
    return 0


def _report_sweep(store: Store, sweep_id: str) -> str:
    """The sweep to report; when there is none but runs are stored (self-checks), the error
    says how to report a run."""
    try:
        return store.sweep(sweep_id).id
    except StoreError as error:
        hint = ("; lượt kiểm tra riêng lẻ (a single run, e.g. probe check): probe report --run "
                "latest" if store.runs() else "")
        raise UserError(f"{error}{hint}") from error


def registry_validate(path: Path) -> int:
    path = registries.resolve(path)
    problems = registries.validate(path)
    for problem in problems:
        out.print(f"{path}:{problem}", markup=False, highlight=False)
    if problems:
        out.print(f"{len(problems)} lỗi (problems)")
        return 1
    out.print(f"Hợp lệ: {len(registries.load(path))} cơ quan (valid: agencies)")
    return 0


# --- the farm -----------------------------------------------------------------------------


def farm(workdir: Path, faults: bool = False) -> None:
    from probe.farm import serve_forever

    serve_forever(writable_folder(workdir, WORK_FOLDER), faults=faults)


def demo(workdir: Path, db: str, out_dir: Path, strict: bool, concurrency: int = 3) -> int:
    from probe.demo import run_demo

    writable_folder(workdir, WORK_FOLDER)
    writable_folder(out_dir, REPORT_FOLDER)
    return run_demo(out, workdir, db, out_dir, strict, concurrency=concurrency)
