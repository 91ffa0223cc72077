"""Command-line help and usage errors told in Vietnamese first, the parser's English beside it.

Typer (through its vendored click) words a mistyped option, a missing argument or a bad value
in English only. `explain` names the kind of mistake in Vietnamese from the error's class and
attributes, keeps the parser's own message in parentheses and its suggestions ("did you
mean"); `show` prints it the way every other `probe` error is printed. `HelpFormatter` words
the help pages' own headings and the "[default: …]" notes the same way.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.text import Text
from typer import _click  # typer (pinned) vendors click: its HelpFormatter is the one used

USAGE_PREFIX = "Cách dùng (usage): "
_HEADINGS = {"Options": "Tùy chọn (options)", "Arguments": "Đối số (arguments)",
             "Commands": "Lệnh (commands)"}
_TRAILING_NOTES = re.compile(r"(?:^|  )\[(?P<notes>[^\[\]]*)\]$")
_NOTES = {"default:": "mặc định (default):", "env var:": "biến môi trường (env var):",
          "required": "bắt buộc (required)"}  # the parser's notes after an option's help

_NO_COMMAND = re.compile(r"No such command '(?P<name>[^']*)'\.")
_SUGGESTED = re.compile(r" Did you mean (?P<names>.*)\?$")  # the parser's own suggestion
_PATTERNS = (  # English usage messages that carry no class of their own
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<extra>.*)\)"),
     "thừa đối số: {extra}"),
    (re.compile(r"Option '(?P<name>[^']*)' requires"), "tùy chọn {name} cần giá trị"),
    (re.compile(r"Option '(?P<name>[^']*)' does not take a value"),
     "tùy chọn {name} không nhận giá trị"),
    (re.compile(r"Missing command"), "thiếu lệnh"),
)
_KIND = {"argument": "đối số", "option": "tùy chọn"}


def explain(error: Any) -> str:
    """One line: what was wrong in Vietnamese, then the parser's English in parentheses,
    then the parser's suggestions."""
    if type(error).__name__ == "NoSuchOption":
        english, suggested = error.message, list(error.possibilities or [])
    else:
        english, suggested = _suggestions(error.format_message())
    hint = f"; có phải (did you mean): {', '.join(suggested)}" if suggested else ""
    return f"{_vietnamese(error, english)} ({english}){hint}"


def _suggestions(english: str) -> tuple[str, list[str]]:
    """The message without its "Did you mean ...?" and the names that sentence gives."""
    found = _SUGGESTED.search(english)
    if not found:
        return english, []
    return english[:found.start()], re.findall(r"'([^']*)'", found["names"])


def _vietnamese(error: Any, english: str) -> str:
    kind = type(error).__name__
    if kind == "NoSuchOption":
        return f"không có tùy chọn {error.option_name}"
    if kind == "MissingParameter":
        param = error.param
        noun = _KIND.get(getattr(param, "param_type_name", ""), "tham số")
        return f"thiếu {noun} {param.get_error_hint() if param else ''}".rstrip()
    if kind == "BadParameter":
        hint = error.param_hint or (error.param.get_error_hint() if error.param else "")
        hint = hint if isinstance(hint, str) else " / ".join(hint)
        return f"giá trị không hợp lệ cho {hint}".rstrip()
    if found := _NO_COMMAND.search(english):
        return f"không có lệnh '{found['name']}'"
    for pattern, text in _PATTERNS:
        if found := pattern.search(english):
            return text.format(**found.groupdict())
    return "sai cách dùng lệnh"


class HelpFormatter(_click.HelpFormatter):
    """click's help layout with its usage prefix, section headings and option notes in
    Vietnamese first."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE_PREFIX if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(_HEADINGS.get(heading, heading))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, word_notes(text)) for term, text in rows], col_max,
                         col_spacing)


def word_notes(text: str) -> str:
    """An option's help with the parser's trailing notes ("[env var: X; default: y]")
    worded in Vietnamese first."""
    found = _TRAILING_NOTES.search(text)
    if not found:
        return text
    notes = "; ".join(_word_note(note) for note in found["notes"].split("; "))
    return f"{text[:found.start('notes')]}{notes}]"


def _word_note(note: str) -> str:
    for english, vietnamese in _NOTES.items():
        if note == english or note.startswith(english + " "):
            return vietnamese + note[len(english):]
    return note


def show(error: Any, console: Console) -> None:
    """The usage line, the error, and where help is, on `console` (standard error)."""
    ctx = error.ctx
    if ctx is not None:
        console.print(Text(ctx.get_usage()), soft_wrap=True)
    console.print(Text.assemble(("Lỗi", "bold red"), f" (error): {explain(error)}"),
                  soft_wrap=True)
    if ctx is not None:
        console.print(Text(f"Xem hướng dẫn (help): {ctx.command_path} --help"), soft_wrap=True)
