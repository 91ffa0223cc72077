"""The `probe` command. Messages are Vietnamese first, English in brackets."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from probe import commands, commands_discovery, commands_judging, usage
from probe.cli_evidence import RUN_HELP
from probe.cli_evidence import register as register_evidence
from probe.cli_judging import register
from probe.cli_options import (
    DEFAULT_DB,
    SWEEP_HELP,
    DbOpt,
    JsonOpt,
    LastOpt,
    RubricOpt,
    SweepOpt,
    SweepRubricOpt,
)
from probe.commands_sweep import SweepRequest
from probe.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Đo và chấm điểm Cổng dịch vụ công (probe and score public-service "
                       "portals).")
registry_app = typer.Typer(no_args_is_help=True, help="Sổ đăng ký cơ quan (agency registries).")
app.add_typer(registry_app, name="registry")
rubric_app = typer.Typer(no_args_is_help=True, help="Bộ tiêu chí: liệt kê, kiểm tra, so sánh "
                                                    "(rubrics: list, validate, compare).")
app.add_typer(rubric_app, name="rubric")
err = Console(stderr=True)


def _print_version(asked: bool) -> None:
    if asked:
        from probe.audit.manifest import software  # what sealed manifests name

        print(software())
        raise typer.Exit(0)


@app.callback()
def options(version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version,
        help="In phiên bản rồi thoát (print the version and exit)")] = False) -> None:
    """Đo và chấm điểm Cổng dịch vụ công (probe and score public-service portals)."""

CaOpt = Annotated[str | None, typer.Option("--ca-file", envvar="PROBE_CA_FILE",
                                           help="CA bổ sung để xác thực TLS (extra trusted CA)")]
PrivateOpt = Annotated[bool, typer.Option("--allow-private",
                                          help="Cho phép địa chỉ nội bộ (allow private hosts)")]
ConcurrencyOpt = Annotated[int, typer.Option(min=1, max=16,
                                             help="Số cổng quét đồng thời (portals at once)")]
ThrottlingOpt = Annotated[str, typer.Option(
    "--throttling", envvar="PROBE_THROTTLING",
    help="Giới hạn tốc độ khi đo hiệu năng: none | mobile (Lighthouse mobile, DevTools "
         "throttling) (timed-load throttling profile)")]
IgnoreRobotsOpt = Annotated[bool, typer.Option(
    "--ignore-robots", help="Bỏ qua robots.txt: chỉ cho cổng của chính đơn vị bạn, ghi lại trong "
                            "kết quả (ignore robots.txt: your own portal only; recorded)")]


@app.command()
def demo(workdir: Annotated[Path, typer.Option(help="Thư mục làm việc (work folder)")] = Path("."),
         db: DbOpt = DEFAULT_DB,
         out: Annotated[Path, typer.Option(help="Thư mục báo cáo")] = Path("report"),
         strict: Annotated[bool, typer.Option(help="Thoát 1 nếu hạng lệch dự kiến "
                                                   "(exit 1 on unexpected grades)")] = False,
         concurrency: ConcurrencyOpt = 4) -> None:
    """Chạy trang trại cổng mẫu, quét, chấm điểm, xếp hạng (run the demo farm sweep)."""
    raise typer.Exit(commands.demo(workdir, db, out, strict, concurrency))


@app.command()
def farm(workdir: Annotated[Path, typer.Option(
             help="Thư mục của trang trại: sổ đăng ký, CA (farm folder: registry, CA)")]
         = Path("farm-work"),
         faults: Annotated[bool, typer.Option(
             "--faults", help="Cả cổng lỗi (also the fault farm: 25 failing portals)")] = False,
         ) -> None:
    """Phục vụ trang trại cổng mẫu (serve the portal farm in the foreground)."""
    commands.farm(workdir, faults)


@app.command()
def discover(url: Annotated[str | None, typer.Argument(
                 help="Cổng cần lập sơ đồ (the portal to map)")] = None,
             registry: Annotated[Path | None, typer.Option(
                 help="Lập và lưu sơ đồ mọi cổng của sổ đăng ký vào --db (map every portal of "
                      "a registry, store the maps)")] = None,
             schedule: Annotated[str | None, typer.Option(
                 help="... hoặc của lịch quét, với độ lịch sự và giới hạn của lịch (or of a "
                      "schedule, with its politeness and discovery budget)")] = None,
             stored: Annotated[str | None, typer.Option(
                 help="In lại một lô đã lưu trong --db, không truy cập mạng: mã lô hoặc latest "
                      "(print a stored batch again, no network: its id or latest)")] = None,
             history: Annotated[str | None, typer.Option(
                 help="Mọi sơ đồ đã lưu của một cơ quan (mã hoặc tên), không truy cập mạng "
                      "(an agency's stored maps, by id or name, no network)")] = None,
             db: DbOpt = DEFAULT_DB,
             concurrency: Annotated[int | None, typer.Option(
                 min=1, max=16, help="Số cổng cùng lúc (portals at once)")] = None,
             ca_file: CaOpt = None, allow_private: PrivateOpt = False,
             as_json: JsonOpt = False, ignore_robots: IgnoreRobotsOpt = False,
             last: LastOpt = None) -> None:
    """Lập sơ đồ trang của một cổng, hoặc của mọi cổng trong sổ đăng ký (map one portal's pages,
    or every portal of a registry)."""
    if sum(given is not None for given in (url, registry, schedule, stored, history)) != 1:
        raise UserError("cần đúng một trong URL, --registry, --schedule, --stored hoặc --history "
                        "(give a URL, --registry FILE, --schedule NAME, --stored BATCH or "
                        "--history AGENCY)")
    if stored is not None:
        raise typer.Exit(commands_discovery.show_stored(db, stored, as_json))
    if history is not None:
        raise typer.Exit(commands_discovery.show_history(db, history, as_json, last))
    if url is None:
        if ignore_robots:
            raise UserError("--ignore-robots chỉ dùng cho một cổng của chính đơn vị bạn, không "
                            "cho sổ đăng ký (--ignore-robots is for your own portal, not a "
                            "registry)")
        raise typer.Exit(commands_discovery.discover_registry(SweepRequest(
            registry=registry, schedule=schedule, db=db, ca_file=ca_file,
            allow_private=allow_private, concurrency=concurrency, ignore_window=True), as_json))
    raise typer.Exit(commands.discover(url, ca_file, allow_private, as_json, ignore_robots))


@app.command()
def find(url: Annotated[str, typer.Argument(
             help="Trang chủ cơ quan hoặc trang danh bạ (agency home page or directory page)")],
         ca_file: CaOpt = None, allow_private: PrivateOpt = False,
         as_json: JsonOpt = False,
         directory: Annotated[bool, typer.Option(
             "--directory", help="URL là trang danh bạ cổng (URL is a national directory page)")]
         = False) -> None:
    """Tìm cổng dịch vụ công từ trang chủ cơ quan (find an agency's portal from its home page)."""
    raise typer.Exit(commands_discovery.find(url, ca_file, allow_private, as_json, directory))


@app.command()
def sweep(sweep_id: Annotated[str | None, typer.Argument(
              help="Mã đợt quét cần tiếp tục, với --resume (sweep id; default: the latest "
                   "unfinished)")] = None,
          registry: Annotated[Path | None, typer.Option(
              help="Tệp sổ đăng ký hoặc tên gói: 2026 (registry CSV or packaged name)")] = None,
          schedule: Annotated[str | None, typer.Option(
              help="Lịch quét: tên (nightly, self-check) hoặc tệp YAML (schedule name or "
                   "file)")] = None,
          resume: Annotated[bool, typer.Option(
              "--resume", help="Tiếp tục đợt quét dang dở (resume an unfinished sweep)")] = False,
          ignore_window: Annotated[bool, typer.Option(
              "--ignore-window", help="Bỏ qua khung giờ của lịch (ignore the time window)")]
          = False,
          db: DbOpt = DEFAULT_DB, ca_file: CaOpt = None, allow_private: PrivateOpt = False,
          rubric: Annotated[str | None, typer.Option(
              "--rubric", help="Bộ tiêu chí (rubric version or file)")] = None,
          concurrency: Annotated[int | None, typer.Option(
              min=1, max=16, help="Số cổng quét đồng thời (portals at once)")] = None,
          pages_per_browser: Annotated[int | None, typer.Option(
              min=1, help="Thay trình duyệt sau từng ấy trang (recycle a browser after N "
                          "pages)")] = None,
          browser_memory: Annotated[int | None, typer.Option(
              min=256, help="Thay trình duyệt khi bộ nhớ vượt MiB (recycle a browser above "
                            "this RSS, MiB)")] = None) -> None:
    """Quét sổ đăng ký hoặc lịch quét; tiếp tục đợt dang dở (sweep a registry or a schedule;
    resume)."""
    from probe.commands_sweep import SweepRequest
    from probe.commands_sweep import sweep as run

    raise typer.Exit(run(SweepRequest(
        registry=registry, schedule=schedule, resume=resume, sweep_id=sweep_id, db=db,
        ca_file=ca_file, allow_private=allow_private, rubric=rubric, concurrency=concurrency,
        ignore_window=ignore_window, pages_per_browser=pages_per_browser,
        browser_memory_mb=browser_memory)))


@app.command()
def check(url: Annotated[str, typer.Argument(help="Địa chỉ cổng (portal URL)")],
          name: Annotated[str, typer.Option(help="Tên cơ quan (agency name)")] = "",
          block: Annotated[str, typer.Option(help="ministry | province | other")] = "other",
          db: DbOpt = DEFAULT_DB, ca_file: CaOpt = None, allow_private: PrivateOpt = False,
          rubric: RubricOpt = "2024", as_json: JsonOpt = False,
          fail_under: Annotated[str | None, typer.Option(
              "--fail-under", help="Xếp loại tối thiểu, A–E; thấp hơn thì thoát mã 1 (lowest "
                                   "passing grade)")] = None,
          junit: Annotated[Path | None, typer.Option(
              help="Ghi kết quả dạng JUnit XML vào tệp này (write JUnit XML here)")] = None,
          throttling: ThrottlingOpt = "none",
          http_url: Annotated[str | None, typer.Option(
              "--http-url", help="Địa chỉ http:// của cổng để kiểm tra chuyển hướng sang HTTPS, "
                                 "mặc định http://<tên máy>/ (the plain-HTTP entry whose "
                                 "redirect to HTTPS is checked)")] = None,
          ignore_robots: IgnoreRobotsOpt = False) -> None:
    """Tự kiểm tra một cổng (one-portal self-check)."""
    raise typer.Exit(commands.check(url, name, block, db, ca_file, allow_private, rubric,
                                    as_json, fail_under, junit, throttling, http_url,
                                    ignore_robots))


@app.command()
def rank(sweep_id: SweepOpt = "latest",
         block: Annotated[str | None, typer.Option(help="ministry | province")] = None,
         fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
         rubric: SweepRubricOpt = None, db: DbOpt = DEFAULT_DB,
         import_file: Annotated[Path | None, typer.Option(
             "--import", help="Nhập bảng kết quả đã công bố, CSV (import a published "
                              "results CSV)")] = None,
         published_on: Annotated[str | None, typer.Option(
             "--published-on", help="Ngày công bố YYYY[-MM-DD] (publication date)")] = None,
         ) -> None:
    """Bảng xếp hạng theo khối (ranking per block, official form)."""
    if import_file is not None:
        raise typer.Exit(commands_judging.import_ranking(import_file, db, block, fmt,
                                                         published_on))
    raise typer.Exit(commands.rank(sweep_id, block, fmt, rubric, db))


@app.command()
def show(run: Annotated[str, typer.Argument(help=RUN_HELP)] = "latest",
         rubric: SweepRubricOpt = None, db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """Xem một lượt kiểm tra đã lưu (one stored run)."""
    raise typer.Exit(commands.show(run, rubric, db, as_json))


@app.command()
def rescore(rubric: RubricOpt = "2024",
            sweep_id: Annotated[str | None, typer.Option(
                "--sweep", help="Chỉ một đợt quét; mặc định mọi lượt đã lưu (one sweep; "
                                "default: every stored run)")] = None,
            db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """Chấm lại bằng chứng đã lưu, không dùng mạng (re-judge stored runs offline)."""
    raise typer.Exit(commands_judging.rescore(rubric, sweep_id, db, as_json))


@app.command()
def report(out: Annotated[Path, typer.Option(help="Thư mục báo cáo")] = Path("report"),
           sweep_id: SweepOpt = "latest",
           run_id: Annotated[str | None, typer.Option(
               "--run", help="Báo cáo một lượt (ví dụ probe check): mã lượt, mã cơ quan hoặc "
                             "latest (one run, e.g. a probe check: run id, agency id or "
                             "latest)")] = None,
           rubric: SweepRubricOpt = None, lang: Annotated[str, typer.Option(
               help="Trang mở đầu được in ra: vi | en; báo cáo luôn có cả hai ngôn ngữ "
                    "(the index page printed; the report always has both)")] = "vi",
           db: DbOpt = DEFAULT_DB) -> None:
    """Báo cáo HTML tĩnh (static HTML report)."""
    raise typer.Exit(commands.report(out, sweep_id, rubric, lang, db, run_id))


BrokerOpt = Annotated[str, typer.Option(
    "--broker", envvar="PROBE_BROKER",
    help="Hàng đợi Celery, ví dụ redis://máy-chủ:6379/0 (Celery broker URL)")]


@app.command()
def dispatch(sweep_id: Annotated[str | None, typer.Argument(
                 help="Mã đợt quét cần gửi lại phần còn lại, với --resume (sweep id)")] = None,
             registry: Annotated[Path | None, typer.Option(
                 help="Tệp sổ đăng ký hoặc tên gói: 2026 (registry CSV or packaged name)")]
             = None,
             schedule: Annotated[str | None, typer.Option(
                 help="Lịch quét: tên hoặc tệp YAML (schedule name or file)")] = None,
             resume: Annotated[bool, typer.Option(
                 "--resume", help="Gửi lại các cổng chưa xong của đợt quét (enqueue what the "
                                  "sweep has left)")] = False,
             ignore_window: Annotated[bool, typer.Option(
                 "--ignore-window", help="Bỏ qua khung giờ của lịch (ignore the time window)")]
             = False,
             broker: BrokerOpt = "", db: DbOpt = DEFAULT_DB, ca_file: CaOpt = None,
             allow_private: PrivateOpt = False,
             rubric: Annotated[str | None, typer.Option(
                 "--rubric", help="Bộ tiêu chí (rubric version or file)")] = None,
             wait: Annotated[bool, typer.Option(
                 "--wait/--no-wait", help="Chờ các máy quét xong (wait for the workers)")]
             = True,
             timeout: Annotated[float, typer.Option(
                 min=0, help="Chờ tối đa, giây; 0: không giới hạn (seconds to wait; 0: no "
                             "limit)")] = 0.0,
             as_json: JsonOpt = False) -> None:
    """Chia đợt quét cho các máy quét qua Celery (dispatch a sweep to Celery workers)."""
    from probe.commands_sweep import SweepRequest
    from probe.workers.dispatch import DispatchRequest
    from probe.workers.dispatch import dispatch as run

    request = SweepRequest(registry=registry, schedule=schedule, resume=resume,
                           sweep_id=sweep_id, db=db, ca_file=ca_file,
                           allow_private=allow_private, rubric=rubric,
                           ignore_window=ignore_window)
    raise typer.Exit(run(DispatchRequest(request, broker, wait, timeout, as_json)))


@app.command()
def worker(broker: BrokerOpt = "", db: DbOpt = DEFAULT_DB, ca_file: CaOpt = None,
           concurrency: Annotated[int, typer.Option(
               min=1, max=16, help="Số cổng quét đồng thời trên máy này (portals at once on "
                                   "this machine)")] = 1,
           evidence: Annotated[Path | None, typer.Option(
               "--evidence", envvar="PROBE_EVIDENCE",
               help="Thư mục bằng chứng, nên dùng chung giữa các máy (evidence folder, shared "
                    "between machines)")] = None,
           hostname: Annotated[str | None, typer.Option(
               "--hostname", help="Tên máy quét, ví dụ w1@%h (worker name)")] = None,
           loglevel: Annotated[str, typer.Option(
               "--loglevel", help="Mức nhật ký của Celery (Celery log level)")] = "INFO",
           ) -> None:
    """Chạy một máy quét Celery nhận việc từ probe dispatch (run a Celery worker)."""
    from probe.workers.worker import start

    raise typer.Exit(start(broker, db, ca_file, concurrency, evidence, hostname, loglevel))


register(app)
register_evidence(app)


@registry_app.command("validate")
def registry_validate(path: Annotated[Path, typer.Argument(
        help="Tệp sổ đăng ký CSV (registry CSV file)")]) -> None:
    """Kiểm tra tệp sổ đăng ký, báo mọi dòng sai (validate a registry file)."""
    raise typer.Exit(commands.registry_validate(path))


@rubric_app.command("list")
def rubric_list(as_json: JsonOpt = False) -> None:
    """Các bộ tiêu chí có sẵn (the packaged rubrics)."""
    from probe import commands_rubric

    raise typer.Exit(commands_rubric.list_rubrics(as_json))


@rubric_app.command("show")
def rubric_show(rubric: Annotated[str, typer.Argument(
                    help="Phiên bản hoặc tệp bộ tiêu chí (rubric version or file)")] = "2024",
                as_json: JsonOpt = False) -> None:
    """Các nhóm, mục và cách chấm của một bộ tiêu chí (a rubric's groups, items, criteria)."""
    from probe import commands_rubric

    raise typer.Exit(commands_rubric.show(rubric, as_json))


@rubric_app.command("validate")
def rubric_validate(rubric: Annotated[str, typer.Argument(
                        help="Tệp hoặc phiên bản bộ tiêu chí (rubric file or version)")],
                    as_json: JsonOpt = False) -> None:
    """Kiểm tra tệp bộ tiêu chí, báo mọi lỗi kèm dòng (validate a rubric file)."""
    from probe import commands_rubric

    raise typer.Exit(commands_rubric.validate(rubric, as_json))


@rubric_app.command("compare")
def rubric_compare(old: Annotated[str, typer.Argument(
                       help="Bộ tiêu chí đang dùng (current rubric: version or file)")],
                   new: Annotated[str, typer.Argument(
                       help="Bộ tiêu chí mới (new rubric: version or file)")],
                   sweep_id: Annotated[str | None, typer.Option(
                       "--sweep", help="Đợt quét để xem tác động; mặc định latest (sweep to "
                                       "judge; default: latest). " + SWEEP_HELP)] = None,
                   db: DbOpt = DEFAULT_DB, as_json: JsonOpt = False) -> None:
    """So sánh hai bộ tiêu chí và tác động lên một đợt quét (compare two rubrics)."""
    from probe import commands_rubric

    raise typer.Exit(commands_rubric.compare(old, new, sweep_id, db, as_json))


HELP_OPTION_TEXT = "In hướng dẫn này rồi thoát (show this message and exit)"


def command() -> Any:
    """The `probe` command tree (click, as typer builds it) with every command's help page,
    its headings and its --help line worded in Vietnamese first, as the rest of the help is."""
    group = typer.main.get_command(app)
    _word_help(group)
    return group


def _word_help(node: Any) -> None:
    node.context_class = type("ProbeContext", (node.context_class,),
                              {"formatter_class": usage.HelpFormatter})
    option = node.get_help_option(node.context_class(node))
    if option is not None:
        option.help = HELP_OPTION_TEXT
    for child in getattr(node, "commands", {}).values():
        _word_help(child)


def main() -> None:
    """Entry point: known errors become one line and exit 2; nothing prints a traceback."""
    logging.basicConfig(level=os.environ.get("PROBE_LOG", "WARNING"),
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        code = command()(standalone_mode=False)  # click returns the code of typer.Exit here
    except UserError as error:
        err.print(f"[bold red]Lỗi[/] (error): {escape(str(error))}", highlight=False,
                  soft_wrap=True)
        sys.exit(error.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except KeyboardInterrupt:
        err.print("Đã dừng (interrupted)")
        sys.exit(130)
    except Exception as error:  # click usage errors and anything unexpected
        _report_unexpected(error)
    sys.exit(code if isinstance(code, int) else 0)


def _report_unexpected(error: Exception) -> None:
    # typer vendors click, so its usage errors are recognised by shape, not by class.
    if error.__class__.__name__ == "Abort":
        sys.exit(130)
    if hasattr(error, "show") and isinstance(getattr(error, "exit_code", None), int):
        if hasattr(error, "ctx") and error.__class__.__name__ != "NoArgsIsHelpError":
            usage.show(error, err)  # a usage error, told in Vietnamese first
        else:
            error.show()
        sys.exit(error.exit_code)
    if os.environ.get("PROBE_DEBUG"):
        raise error
    err.print(f"[bold red]Lỗi nội bộ[/] (internal error): {error.__class__.__name__}: "
              f"{escape(str(error))} "
              "— đặt PROBE_DEBUG=1 để xem chi tiết (set PROBE_DEBUG=1 for details)",
              highlight=False, soft_wrap=True)
    sys.exit(70)

if __name__ == "__main__":
    main()

