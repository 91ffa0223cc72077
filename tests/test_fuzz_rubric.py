"""Fuzzing the rubric loader: any YAML (or not-YAML) gives a Rubric or a RubricError with a
location, never a TypeError/KeyError/OverflowError; `probe rescore --rubric BROKEN.yaml`
exits 2 with one clear line and leaves results.db as it was."""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.scoring import Rubric, RubricError, parse_rubric, parse_rubric_text
from probe.scoring.rubric import rubrics_dir

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Whole-rubric examples cost ~10 ms each (parse and validate 600 lines): fewer of them.
HEAVY = settings(FUZZ, max_examples=60)
BASE_TEXT = (rubrics_dir() / "2024.yaml").read_text(encoding="utf-8")
BASE = yaml.safe_load(BASE_TEXT)
SOURCE = "fuzz.yaml"

# Values a careless or hostile edit may put anywhere.
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e308, -1.0, 0, 1, 100]),
    st.text(max_size=30), st.sampled_from(["all", "median", "rescale", "A", "fcp", "2024-04-03",
                                           "F1", "functions", "nope.observation", "\x00"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12)


def dump(document: Any, **options: Any) -> str:
    """YAML text of `document` (libyaml's emitter: the pure-Python one is 15x slower)."""
    return yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), **options)


def assert_clear(error: RubricError) -> None:
    """Every message names the file (and is one line); no message is empty."""
    assert error.messages, "a RubricError without messages"
    for message in error.messages:
        assert message.startswith(SOURCE), message
        assert "\n" not in message and "Traceback" not in message


def judge(text: str) -> Rubric | None:
    try:
        return parse_rubric_text(text, source=SOURCE)
    except RubricError as error:
        assert_clear(error)
        return None


# --- mutations of the real rubric ----------------------------------------------------------

def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key/index path inside `node`."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


ALL_PATHS = paths(BASE)


def mutate(document: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    """A copy of `document` with the node at `path` deleted or replaced by `value`."""
    copy = deepcopy(document)
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if action == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


@HEAVY
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["delete", "set"]),
                          values), min_size=1, max_size=3))
def test_mutated_2024_rubric_fails_only_with_rubric_errors(edits: list[Any]) -> None:
    document = BASE
    for path, action, value in edits:
        try:
            document = mutate(document, path, action, value)
        except (KeyError, IndexError, TypeError):  # an earlier edit removed the path
            continue
    judge(dump(document, allow_unicode=True))


@HEAVY
@given(st.sampled_from(ALL_PATHS), st.sampled_from(
    [-5, 0, math.nan, math.inf, 1e308, 10**400, "", "xx", [], {}, None, True, [1, 2],
     {"full": 1, "none": 0}, "2024-02-30"]))
def test_one_bad_value_is_reported_with_a_location(path: tuple[Any, ...], value: Any) -> None:
    rubric = judge(dump(mutate(BASE, path, "set", value), allow_unicode=True))
    if rubric is not None:  # the value was acceptable there (e.g. a new title string)
        assert math.isclose(rubric.max_points, 100.0)


# --- arbitrary documents and text ----------------------------------------------------------

@FUZZ
@given(values)
def test_random_yaml_documents(document: Any) -> None:
    judge(dump(document, allow_unicode=True))


@FUZZ
@given(st.lists(st.sampled_from(list("{}[]:-?&*!|>'\"#%@`,\n\t \\x0123456789.e+")
                               + ["\x00", "\ufeff", "version", "items", "<<", "!!", "\n  ",
                                  "- ", ": ", "points", "grades"]), max_size=60).map("".join))
def test_random_yaml_text(text: str) -> None:
    judge(text)


@HEAVY
@given(st.integers(min_value=0, max_value=len(BASE_TEXT) - 1), st.text(max_size=8),
       st.integers(min_value=0, max_value=40))
def test_text_edits_of_the_2024_file(at: int, insert: str, cut: int) -> None:
    judge(BASE_TEXT[:at] + insert + BASE_TEXT[at + cut:])


@pytest.mark.parametrize(("text", "words"), [
    ("? [a, b]\n: 1\n", ["khóa phải là giá trị đơn", f"{SOURCE}:1"]),  # TypeError before
    ("? {a: 1}\n: 1\n", ["a key must be a plain value"]),
    ("valid_from: 2024-02-30\n", ["invalid value", "day is out of range"]),  # ValueError
    ("version: " + "[" * 60_000 + "]" * 60_000, ["nesting too deep"]),  # SIGSEGV at 200_000
    (BASE_TEXT.replace("points: 50", "points: " + "9" * 400, 1), ["positive number"]),
    (BASE_TEXT.replace("points: 50", "points: 1.0e+308", 1)
     .replace("points: 20", "points: 1.0e+308", 1), ["not 100"]),  # fsum OverflowError
])
def test_found_by_fuzzing(text: str, words: list[str]) -> None:
    with pytest.raises(RubricError) as caught:
        parse_rubric_text(text, source=SOURCE)
    assert_clear(caught.value)
    assert all(any(w in m for m in caught.value.messages) for w in words), caught.value.messages


def test_parse_rubric_accepts_any_python_value() -> None:
    for value in (None, 1, "x", [], [{}], {1: 2}, {"groups": [None]}, {"items": [[]]}):
        with pytest.raises(RubricError):
            parse_rubric(value, source=SOURCE)


# --- the CLI -------------------------------------------------------------------------------

BROKEN = {
    "syntax.yaml": "version: [unclosed\n",
    "unhashable.yaml": "? [a, b]\n: 1\n",
    "overflow.yaml": BASE_TEXT.replace("points: 50", "points: 1.0e+308", 1)
    .replace("points: 20", "points: 1.0e+308", 1),
    "badday.yaml": BASE_TEXT.replace('valid_from: "2024-04-03"', "valid_from: 2024-02-30"),
    "negative.yaml": BASE_TEXT.replace("points: 50", "points: -50", 1),
    "overlap.yaml": BASE_TEXT.replace("B: 80", "B: 90", 1),
}


@pytest.fixture(scope="module")
def results_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from probe.synthetic import fill_sweep
    from tests.judging_helpers import new_store, steady_profiles

    folder = tmp_path_factory.mktemp("rescore")
    store = new_store(folder)
    fill_sweep(store, steady_profiles(3), "night1", "2024-05-01T18:00:00+00:00")
    store.engine.dispose()  # closed: SQLite checkpoints its WAL now, not during a test
    return folder / "results.db"


def digest(path: Path) -> str:
    """SHA-256 of the database and its WAL/journal files, if any."""
    files = sorted(path.parent.glob(path.name + "*"))
    return hashlib.sha256(b"".join(f.name.encode() + f.read_bytes() for f in files)).hexdigest()


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_rescore_with_a_broken_rubric_exits_2_and_changes_nothing(
        name: str, results_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from probe import cli

    broken = tmp_path / name
    broken.write_text(BROKEN[name], encoding="utf-8")
    before = digest(results_db)
    monkeypatch.setattr(sys, "argv", ["probe", "rescore", "--rubric", str(broken),
                                      "--db", f"sqlite:///{results_db}"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    shown = capsys.readouterr()
    assert done.value.code == 2, shown
    assert "bộ tiêu chí lỗi (bad rubric)" in shown.err and str(broken) in shown.err
    assert "Traceback" not in shown.err + shown.out and "internal error" not in shown.err
    assert digest(results_db) == before


def test_rescore_rubric_text_is_not_read_as_markup(
        results_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from probe import cli

    broken = tmp_path / "markup.yaml"
    broken.write_text("'[/x]': 1\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["probe", "rescore", "--rubric", str(broken),
                                      "--db", f"sqlite:///{results_db}"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 2
    assert "unknown field '[/x]'" in capsys.readouterr().err


def test_rescore_broken_rubric_in_a_real_process(results_db: Path, tmp_path: Path) -> None:
    broken = tmp_path / "unhashable.yaml"
    broken.write_text(BROKEN["unhashable.yaml"], encoding="utf-8")
    before = digest(results_db)
    result = subprocess.run([sys.executable, "-m", "probe.cli", "rescore", "--rubric",
                             str(broken), "--db", f"sqlite:///{results_db}"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "a key must be a plain value" in result.stderr
    assert digest(results_db) == before
