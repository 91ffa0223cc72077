"""Files and folders the user names for output (`--out`, `--workdir`, `--junit`).

Each is checked before any work starts, so a mistyped path fails at once with one line
instead of after a sweep; a write that fails later (a full disk) is told the same way, as a
`UserError` naming the path, never as an internal error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from probe.errors import UserError

REPORT_FOLDER = "thư mục báo cáo (report folder)"
WORK_FOLDER = "thư mục làm việc (work folder)"
JUNIT_FILE = "tệp JUnit (JUnit file)"
BUNDLE_FILE = "gói bằng chứng (bundle)"


def _cannot(path: Path, what: str, reason: object) -> UserError:
    return UserError(f"không ghi được {what} '{path}' (cannot write): {reason}")


def writable_folder(path: Path, what: str) -> Path:
    """`path`, created when missing; `what` names it for the user, Vietnamese then English
    ("thư mục báo cáo (report folder)")."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cannot(path, what, error.strerror or error) from error
    if not os.access(path, os.W_OK | os.X_OK):
        raise _cannot(path, what, "không có quyền ghi (permission denied)")
    return path


def writable_file(path: Path, what: str) -> Path:
    """`path`, when a file can be written there (its folder exists and is writable)."""
    if path.is_dir():
        raise _cannot(path, what, "là thư mục, cần tên tệp (is a folder, need a file name)")
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise _cannot(path, what, f"thư mục '{folder}' không tồn tại hoặc không ghi được "
                                  f"(its folder does not exist or is not writable)")
    return path


@contextmanager
def writing(path: Path, what: str) -> Iterator[None]:
    """An OSError while writing `path` becomes a `UserError` naming it."""
    try:
        yield
    except OSError as error:
        raise _cannot(path, what, error.strerror or error) from error
