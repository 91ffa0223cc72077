"""The consoles that print what people read (tables, summaries, progress bars).

Rich markup is off: agency names, URLs, page titles and error messages print as they are.
With it on, a registry name or a portal's text holding "[/x]" stopped the command with a
markup error. Emphasis is given with styled `rich.text.Text` instead.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console


def plain_console(**options: Any) -> Console:
    """A console that never reads markup in what it prints."""
    return Console(highlight=False, soft_wrap=True, markup=False, **options)
