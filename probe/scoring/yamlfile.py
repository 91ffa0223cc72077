"""YAML reading for rubric files: safe, line-aware, and strict about duplicate keys."""

from __future__ import annotations

from typing import Any

import yaml


class YamlProblem(Exception):
    """A YAML file could not be read; `line` is 1-based when known."""

    def __init__(self, message_vi: str, message_en: str, line: int | None = None) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.line = line


class LineDict(dict[str, Any]):
    """A mapping read from YAML that remembers the line it started on."""

    line: int | None = None


# The C parser when PyYAML was built with libyaml (same results, several times faster).
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml composes nested nodes by C recursion and crashes the process (SIGSEGV) on very deep
# nesting; past this bound on the possible depth, the pure-Python parser reads the file (it
# stops with a RecursionError instead). Real rubrics stay far below it.
C_PARSER_MAX_DEPTH = 2000


class _Mixin:
    """SafeLoader behaviour: records mapping lines and refuses duplicate (or unhashable) keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            line = key_node.start_mark.line + 1
            if not _hashable(key):
                raise YamlProblem("khóa phải là giá trị đơn (chuỗi, số), không phải danh sách "
                                  "hay ánh xạ",
                                  "a key must be a plain value (text, number), not a list "
                                  "or a mapping", line)
            if key in seen:
                raise YamlProblem(
                    f"khóa '{key}' bị lặp (lần đầu ở dòng {seen[key]})",
                    f"duplicate key '{key}' (first at line {seen[key]})",
                    line,
                )
            seen[key] = line
        mapping: dict[Any, Any] = super().construct_mapping(  # type: ignore[misc]
            node, deep=deep)
        return mapping


class _Loader(_Mixin, _Base):  # type: ignore[valid-type,misc]
    """The fast loader (libyaml when available)."""


class _PyLoader(_Mixin, yaml.SafeLoader):
    """The pure-Python loader, for files nested too deeply for libyaml."""


def _hashable(key: Any) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _construct_line_map(loader: _Mixin, node: yaml.MappingNode) -> Any:
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


for _loader in (_Loader, _PyLoader):
    _loader.add_constructor("tag:yaml.org,2002:map", _construct_line_map)


def depth_bound(text: str) -> int:
    """An upper bound on the nesting depth of `text`: block nesting needs a deeper column (so
    at most the longest line), flow nesting an opening bracket each."""
    longest = max((len(line) for line in text.splitlines()), default=0)
    return longest + text.count("[") + text.count("{")


def parse_yaml(text: str) -> Any:
    """Parse YAML text; raises YamlProblem (with the line) on syntax errors, duplicate or
    unhashable keys, impossible values (2024-02-30) and nesting too deep to read."""
    loader = _Loader if depth_bound(text) <= C_PARSER_MAX_DEPTH else _PyLoader
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader subclass
    except YamlProblem:
        raise
    except RecursionError as error:
        raise YamlProblem("tệp lồng nhau quá sâu", "nesting too deep") from error
    except (ValueError, OverflowError) as error:  # e.g. a date 2024-02-30, a huge integer
        raise YamlProblem(f"giá trị không hợp lệ: {error}",
                          f"invalid value: {error}") from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        what = error.problem or error.context or "?"
        raise YamlProblem(f"lỗi cú pháp YAML: {what}", f"YAML syntax error: {what}",
                          line) from error
    except yaml.YAMLError as error:
        what = " ".join(str(error).split())  # one line
        raise YamlProblem(f"lỗi YAML: {what}", f"YAML error: {what}") from error
