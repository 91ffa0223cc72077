"""The consoles that print what people read (tables, summaries, progress bars).

Rich markup is off: agency names, URLs, page titles and error messages print as they are.
With it on, a registry name or a portal's text holding "[/x]" stopped the command with a
markup error. Emphasis is given with styled `rich.text.Text` instead.

Printed to a file or a pipe (a cron log, a CI page) with no COLUMNS set, tables are laid
out `LOG_WIDTH` wide instead of rich's 80 columns, at which the ranking's agency names and
the summary's statuses broke over two lines each; a table narrower than that keeps its own
width.
"""

from __future__ import annotations

import os
from typing import Any

from rich.console import Console

LOG_WIDTH = 160


def plain_console(**options: Any) -> Console:
    """A console that never reads markup in what it prints."""
    console = Console(highlight=False, soft_wrap=True, markup=False, **options)
    if "width" not in options and "COLUMNS" not in os.environ and not console.is_terminal:
        console.width = LOG_WIDTH
    return console
