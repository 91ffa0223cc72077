"""Errors a user can act on: shown as one line, never as a traceback."""

from __future__ import annotations

EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_BELOW = 1
EXIT_INCOMPLETE = 4  # a sweep left portals unstarted (its time window closed)


class UserError(Exception):
    """A problem with the user's input or environment; `exit_code` is the process status."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code
