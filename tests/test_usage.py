"""The command line's own surface: usage errors told in Vietnamese first, with the parser's
English and suggestions; the version."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from probe.cli import app
from probe.usage import explain, word_notes


def usage_error(*args: str) -> Exception:
    """The error the command line raises for `args` (as `probe` would see it)."""
    with pytest.raises(Exception) as raised:
        app(list(args), standalone_mode=False)
    assert getattr(raised.value, "exit_code", None) == 2
    return raised.value


@pytest.mark.parametrize(("args", "expected"), [
    (("show", "--jsn"), "không có tùy chọn --jsn (No such option: --jsn); có phải (did you "
                        "mean): --json"),
    (("rnak",), "không có lệnh 'rnak' (No such command 'rnak'.); có phải (did you mean): rank"),
    (("registry", "valdate"), "không có lệnh 'valdate' (No such command 'valdate'.); có phải "
                              "(did you mean): validate"),
    (("check",), "thiếu đối số 'url' (Missing argument 'url'.)"),
    (("check", "a", "b"), "thừa đối số: b (Got unexpected extra argument(s) (b))"),
    (("trend", "x", "--last"), "tùy chọn --last cần giá trị (Option '--last' requires an "
                               "argument.)"),
    (("show", "--json=1"), "tùy chọn --json không nhận giá trị"),
    (("trend", "x", "--last", "0"), "giá trị không hợp lệ cho '--last' (Invalid value for "
                                    "'--last': "),
])
def test_each_usage_error_is_named_in_vietnamese(args: tuple[str, ...], expected: str) -> None:
    assert explain(usage_error(*args)).startswith(expected)


def test_the_command_line_prints_usage_error_and_help_in_vietnamese(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "probe.cli", "trend", "x", "--lats", "3"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "Cách dùng (usage): python -m probe.cli trend [OPTIONS] {agency}",
        "Lỗi (error): không có tùy chọn --lats (No such option: --lats); có phải (did you "
        "mean): --last",
        "Xem hướng dẫn (help): python -m probe.cli trend --help"]


def test_the_version_is_the_one_sealed_manifests_name() -> None:
    from typer.testing import CliRunner

    from probe.audit.manifest import software

    done = CliRunner().invoke(app, ["--version"])
    assert done.exit_code == 0 and done.output == software() + "\n"
    assert software().startswith("dvc-probe 0.")


def test_a_bad_value_named_by_several_hints() -> None:
    import typer

    error = typer.BadParameter("bad", param_hint=["'--a'", "'-a'"])
    assert explain(error).startswith("giá trị không hợp lệ cho '--a' / '-a' (Invalid value")


ENGLISH_HEADING = re.compile(r"^\s*(Usage|Options|Arguments|Commands):", re.MULTILINE)
ENGLISH_NOTE = re.compile(r"\[(default|env var|required)|; (env var|required|default)[^()]*\]")


def test_every_command_s_help_page_is_worded_in_vietnamese_first(tmp_path: Path) -> None:
    """click words --help, the usage prefix, the section headings and the "[default: x]"
    notes in English only; every line of the help is Vietnamese first, and every option and
    argument has one."""
    from probe.cli import HELP_OPTION_TEXT, command

    group = command()
    every = _commands(group)
    for node in every:
        shown = node.get_help(node.context_class(node, info_name="probe"))
        assert HELP_OPTION_TEXT in " ".join(shown.split()), shown
        assert shown.startswith("Cách dùng (usage): probe") and "Tùy chọn (options):" in shown
        assert not ENGLISH_HEADING.search(shown), shown
        assert not ENGLISH_NOTE.search(" ".join(shown.split())), shown
    assert len(every) >= 25  # the subcommands of probe, registry and rubric too
    bare = [f"{node.name} {param.name}" for node in every for param in node.params
            if not getattr(param, "help", None)]
    assert bare == []  # every option and argument says what it takes
    done = subprocess.run([sys.executable, "-m", "probe.cli", "rubric", "show", "--help"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and HELP_OPTION_TEXT in " ".join(done.stdout.split())
    assert "Show this message" not in done.stdout
    assert "Đối số (arguments):" in done.stdout
    assert "[mặc định (default): 2024]" in " ".join(done.stdout.split())


@pytest.mark.parametrize(("english", "worded"), [
    ("CSDL  [env var: PROBE_DB; default: sqlite:///r.db]",
     "CSDL  [biến môi trường (env var): PROBE_DB; mặc định (default): sqlite:///r.db]"),
    ("Địa chỉ  [required]", "Địa chỉ  [bắt buộc (required)]"),
    ("Số cổng  [default: 1; x>=1]", "Số cổng  [mặc định (default): 1; x>=1]"),
    ("[default: 3]", "[mặc định (default): 3]"),
    ("Mẫu [default: x] trong câu", "Mẫu [default: x] trong câu"),  # not the parser's note
    ("Tên (a [required] word)", "Tên (a [required] word)"),
])
def test_the_parser_s_notes_after_an_option_are_worded_in_vietnamese(english: str,
                                                                      worded: str) -> None:
    assert word_notes(english) == worded


def _commands(group: Any) -> list[Any]:
    """`group` and every command under it."""
    found, pending = [], [group]
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(getattr(node, "commands", {}).values())
    return found
