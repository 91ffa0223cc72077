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


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader that records mapping lines and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise YamlProblem(
                    f"khóa '{key}' bị lặp (lần đầu ở dòng {seen[key]})",
                    f"duplicate key '{key}' (first at line {seen[key]})",
                    line,
                )
            seen[key] = line
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _construct_line_map(loader: _Loader, node: yaml.MappingNode) -> Any:
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_line_map)


def parse_yaml(text: str) -> Any:
    """Parse YAML text; raises YamlProblem (with the line) on syntax errors or duplicate keys."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        what = error.problem or error.context or "?"
        raise YamlProblem(f"lỗi cú pháp YAML: {what}", f"YAML syntax error: {what}",
                          line) from error
    except yaml.YAMLError as error:
        raise YamlProblem(f"lỗi YAML: {error}", f"YAML error: {error}") from error
