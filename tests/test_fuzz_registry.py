"""Fuzzing registry loading: any bytes give agencies or problems with line numbers, never a
crash; `probe registry validate FILE` exits 0 or 1 with one line per problem."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.registry import RegistryError, RegistryProblem, load, validate

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
HEADER = "id,name,block,portal_url,home_url,http_url,confirmed\n"
GOOD_ROW = "hn,Thành phố Hà Nội,province,https://dichvucong.hanoi.gov.vn/,,,true\n"
CELLS = ["hn", "Tỉnh X", "province", "ministry", "planet", "https://x.gov.vn/", "http://[::1",
         "http://a:99999/", "ftp://x/", '"', '""', ",", "\x00", "\r", "\n", "\u2028", "\x0b",
         "\ufeff", "=cmd|' /C calc'!A0", "", " ", "x" * 50]


def lines_of(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") + 1


def check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    problems = validate(path)
    assert all(isinstance(p, RegistryProblem) for p in problems)
    for problem in problems:
        assert 0 <= problem.line <= lines_of(data), (problem, data)
        assert f"dòng {problem.line}" in str(problem) and f"line {problem.line}" in str(problem)
    if problems:
        with pytest.raises(RegistryError):
            load(path)
    else:
        assert load(path)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    check(tmp_path / "r.csv", data)


@FUZZ
@given(st.lists(st.lists(st.one_of(st.sampled_from(CELLS), st.text(max_size=8)), max_size=9),
                max_size=6),
       st.sampled_from(["utf-8", "utf-8-sig", "cp1258", "utf-16"]), st.booleans())
def test_random_rows(tmp_path: Path, rows: list[list[str]], encoding: str, header: bool) -> None:
    text = (HEADER if header else "") + GOOD_ROW + "".join(",".join(r) + "\n" for r in rows)
    check(tmp_path / "r.csv", text.encode(encoding, "replace"))


@pytest.mark.parametrize(("data", "line", "words"), [
    (HEADER.encode() + b"x," + b"a" * 200_000 + b",province,http://a/\n", 2, "broken CSV"),
    (HEADER.encode() + GOOD_ROW.encode() + b"y,\xff,province,http://y/\n", 3, "not UTF-8"),
    ("id,name,block,portal_url\nx,Tỉnh\u2028X,planet,https://x/\n".encode(), 2, "unknown block"),
])
def test_found_by_fuzzing(tmp_path: Path, data: bytes, line: int, words: str) -> None:
    """csv.Error escaped (a field over csv's limit); a bad byte was reported at line 0; a
    U+2028 inside a field split the row (str.splitlines) and shifted the line numbers."""
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    problems = validate(path)
    assert [p.line for p in problems] == [line] and words in str(problems[0])


def test_registry_validate_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from probe import cli

    broken = tmp_path / "broken.csv"
    broken.write_text(HEADER + "x,[bold]Tỉnh[/i],[/bold],http://[::1\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["probe", "registry", "validate", str(broken)])
    with pytest.raises(SystemExit) as done:
        cli.main()
    shown = capsys.readouterr()
    assert done.value.code == 1, shown
    assert "unknown block '[/bold]'" in shown.out and "line 2" in shown.out
    assert "malformed URL in portal_url: http://[::1" in shown.out
    assert "Traceback" not in shown.out + shown.err and "internal error" not in shown.err
