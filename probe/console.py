"""The consoles that print what people read (tables, summaries, progress bars).

Rich markup is off: agency names, URLs, page titles and error messages print as they are.
With it on, a registry name or a portal's text holding "[/x]" stopped the command with a
markup error. Emphasis is given with styled `rich.text.Text` instead.

Printed to a file or a pipe (a cron log, a CI page) with no COLUMNS set, tables are laid
out `LOG_WIDTH` wide instead of rich's 80 columns, at which the ranking's agency names and
the summary's statuses broke over two lines each; a table narrower than that keeps its own
width. The width is decided when something is printed, from where the output goes then: the
commands' consoles are built at import, and a process (a test run, a worker) may print to
other streams later.
"""

from __future__ import annotations

import os
from typing import Any

from rich.console import Console, ConsoleDimensions

LOG_WIDTH = 160


class PlainConsole(Console):
    """A console that never reads markup, and lays out `LOG_WIDTH` wide to a file or pipe."""

    def __init__(self, **options: Any) -> None:
        super().__init__(highlight=False, soft_wrap=True, markup=False, **options)
        self._width_given = "width" in options

    @property
    def size(self) -> ConsoleDimensions:
        """The console's size now: a width given in code rules; on a terminal, the
        terminal's; to a file or pipe, COLUMNS as set now, else `LOG_WIDTH`."""
        dimensions = super().size
        if self._width_given or self.is_terminal:
            return dimensions
        columns = os.environ.get("COLUMNS", "")
        return ConsoleDimensions(int(columns) if columns.isdigit() else LOG_WIDTH,
                                 dimensions.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width_given = True
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]

    @property
    def width(self) -> int:
        """The console's width now (see `size`)."""
        return self.size.width

    @width.setter
    def width(self, width: int) -> None:
        self._width_given = True
        Console.width.fset(self, width)  # type: ignore[attr-defined]


def plain_console(**options: Any) -> PlainConsole:
    """A console that never reads markup in what it prints."""
    return PlainConsole(**options)
