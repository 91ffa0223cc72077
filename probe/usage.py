"""Command-line usage errors told in Vietnamese first, the parser's English beside it.

Typer (through its vendored click) words a mistyped option, a missing argument or a bad value
in English only. `explain` names the kind of mistake in Vietnamese from the error's class and
attributes, keeps the parser's own message in parentheses and its suggestions ("did you
mean"); `show` prints it the way every other `probe` error is printed.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.text import Text

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


def show(error: Any, console: Console) -> None:
    """The usage line, the error, and where help is, on `console` (standard error)."""
    ctx = error.ctx
    if ctx is not None:
        console.print(Text(ctx.get_usage().replace("Usage:", "Cách dùng (usage):", 1)),
                      soft_wrap=True)
    console.print(Text.assemble(("Lỗi", "bold red"), f" (error): {explain(error)}"),
                  soft_wrap=True)
    if ctx is not None:
        console.print(Text(f"Xem hướng dẫn (help): {ctx.command_path} --help"), soft_wrap=True)
