"""The EMC snippet read from a page's HTML, and the tracker's requests told apart (pure).

`parse_emc` tells active code from code inside HTML comments, JS comments, non-JavaScript
<script> types or inline text of a <script src> (never executed); reads `_govaq.push([...])`
calls in any formatting (minified one-liners included); resolves simple expressions
(`u + 'tracking'` with `var u = '...'`); and treats template placeholders ('{{siteId}}',
'<%= id %>', '${id}', ...), '', '0', 'null' as an empty site id. Shared by the EMC family
(checks.emc) and the page visits (checks._visits), which give the tracker its time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

EMC_HOST = "f-emc.ngsp.gov.vn"
SCRIPT_HINT = "gov-tracking"
TRACKING_WAIT_S = 3.0
JS_TYPES = {"", "text/javascript", "application/javascript", "module", "text/ecmascript",
            "application/ecmascript", "application/x-javascript", "text/jscript",
            "text/livescript", "application/x-ecmascript", "text/x-javascript"}
EMPTY_IDS = {"", "0", "null", "undefined", "none", "nan", "false"}
PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|<%.*?%>|\$\{.*?\}|#\{.*?\}|\[\[.*?\]\]|"
                         r"@(?:Model|ViewBag|ViewData|Html)\b|^__\w+__$|^%\w+%$|^\{\w+\}$|"
                         r"^\$\w+$|^:\w+$", re.S)





@dataclass
class _Script:
    type: str
    src: str
    text: str = ""


class _Collector(HTMLParser):
    """Collects <script> blocks (attributes and text) and HTML comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[_Script] = []
        self.comments: list[str] = []
        self._open: _Script | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            values = {k.lower(): (v or "") for k, v in attrs}
            kind = values.get("type", "").split(";")[0].strip().lower()
            self._open = _Script(type=kind, src=values.get("src", "").strip())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.scripts.append(self._open)
            self._open = None

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


_KEYWORDS_BEFORE_REGEX = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete",
                          "void", "throw", "instanceof", "yield", "await"}


def _skip_string(source: str, start: int) -> int:
    """Index just after the string literal starting at `start`."""
    quote, index = source[start], start + 1
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == quote:
            return index + 1
        if char == "\n" and quote != "`":
            return index
        index += 1
    return len(source)


def _skip_regex(source: str, start: int) -> int:
    """Index just after the regex literal starting at `start` (start + 1 if it is none)."""
    index, in_class = start + 1, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if char == "\n":
            return start + 1
        if char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "/" and not in_class:
            index += 1
            while index < len(source) and source[index].isalpha():
                index += 1
            return index
        index += 1
    return start + 1


def strip_js_comments(source: str) -> tuple[str, str]:
    """(`source` without comments, the comments' text). Strings and regexes are kept intact;
    HTML-like comments in scripts (`<!--` anywhere, `-->` at a line start) are comments too."""
    code: list[str] = []
    comments: list[str] = []
    index, length = 0, len(source)
    line_start, last_char, word = True, "", ""
    while index < length:
        char = source[index]
        pair = source[index:index + 2]
        if char in "\"'`":
            end = _skip_string(source, index)
            code.append(source[index:end])
            index, line_start, last_char, word = end, False, char, ""
            continue
        if pair == "//" or source.startswith("<!--", index) or (
                line_start and source.startswith("-->", index)):
            end = source.find("\n", index)
            end = length if end < 0 else end
            comments.append(source[index:end])
            index = end
            continue
        if pair == "/*":
            end = source.find("*/", index + 2)
            end = length if end < 0 else end + 2
            comments.append(source[index:end])
            code.append(" ")
            index = end
            continue
        if char == "/" and (last_char == "" or last_char in "(,=:[!&|?{};+-*%<>~^"
                            or word in _KEYWORDS_BEFORE_REGEX):
            end = _skip_regex(source, index)
            code.append(source[index:end])
            index, line_start, last_char, word = end, False, "/", ""
            continue
        code.append(char)
        if char == "\n":
            line_start = True
        elif not char.isspace():
            line_start = False
            word = word + char if (char.isalnum() or char in "_$") else ""
            last_char = char
        index += 1
    return "".join(code), "\n".join(comments)


def _split_top(text: str, separator: str) -> list[str]:
    """`text` split on `separator` outside strings, brackets and parentheses."""
    parts, depth, current, index = [], 0, [], 0
    while index < len(text):
        char = text[index]
        if char in "\"'`":
            end = _skip_string(text, index)
            current.append(text[index:end])
            index = end
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return [p.strip() for p in parts]


_ASSIGNMENT = re.compile(r"(?:\bvar|\blet|\bconst|[;,{(\n]|^)\s*([A-Za-z_$][\w$]*)\s*=\s*"
                         r"(\"[^\"\n]*\"|'[^'\n]*')", re.M)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")


def _assignments(code: str) -> dict[str, str]:
    """Variables assigned a string literal in `code` (the last assignment wins), then those
    declared with an expression `evaluate` resolves ('var u = (...protocol...) + "://h/"')."""
    env = {m.group(1): m.group(2)[1:-1] for m in _ASSIGNMENT.finditer(code)}
    for match in _DECLARATION.finditer(code):
        value, _ = evaluate(match.group(2).strip(), env)
        if value is not None:
            env.setdefault(match.group(1), value)
    return env


_DECLARATION = re.compile(r"\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*([^;\n]+)")
_PROTOCOL = r"(?:(?:document|window)\s*\.\s*)?location\s*\.\s*protocol"
# Matomo's classic loader: (("https:" == document.location.protocol) ? "https" : "http"),
# the page's own scheme; it evaluates to a protocol-relative start ('//host/...').
_PROTOCOL_SWITCH = re.compile(
    rf"""\(*\s*(?:["']https:["']\s*===?\s*{_PROTOCOL}|{_PROTOCOL}\s*===?\s*["']https:["'])"""
    r"""\s*\)*\s*\?\s*["']https(?::(?://)?)?["']\s*:\s*["']http(?::(?://)?)?["']\s*\)*""")


def evaluate(expression: str, env: dict[str, str]) -> tuple[str | None, str]:
    """The string value of a simple JS expression (literals, known variables, `+`).

    Returns (value, '') or (None, what could not be resolved).
    """
    value = ""
    for part in _split_top(expression, "+"):
        if _PROTOCOL_SWITCH.fullmatch(part):
            value += "SCHEME:"  # the page's scheme: read as protocol-relative below
        elif len(part) >= 2 and part[0] in "\"'`" and part[-1] == part[0]:
            inner = part[1:-1]
            if part[0] == "`" and "${" in inner:
                return None, f"template {part[:40]}"
            value += inner
        elif re.fullmatch(r"-?\d+(?:\.\d+)?", part):
            value += part
        elif _IDENTIFIER.fullmatch(part):
            if part not in env:
                return None, f"variable {part}"
            value += env[part]
        else:
            return None, f"expression {part[:40]}"
    return re.sub(r"^SCHEME:[:/]*", "//", value), ""


_PUSH = re.compile(r"(?:\bwindow\s*\.\s*)?\b_govaq\s*\.\s*push\s*\(\s*\[(.*?)\]\s*\)", re.S)
_SRC = re.compile(r"\.\s*src\s*=\s*([^;\n]+)")


def site_id_problem(value: str | None, unresolved: str) -> str | None:
    """Why a site id is empty, or None when it is usable."""
    if value is None:
        return f"site id set from {unresolved or 'nothing'}"
    text = value.strip()
    if text.lower() in EMPTY_IDS:
        return f"empty site id {value!r}"
    if PLACEHOLDER.search(text):
        return f"site id is an unfilled template placeholder {value!r}"
    return None


@dataclass
class EmcSnippet:
    """What one page's HTML says about its EMC snippet."""

    present: bool = False  # _govaq appears anywhere, comments included
    active: bool = False  # active code pushes trackPageView
    commented: bool = False  # _govaq appears only in comments or inactive scripts
    site_id: str | None = None  # as written (literal or resolved); None when not resolved
    site_id_ok: bool = False
    site_id_note: str = ""  # why the site id is not usable
    tracker_url: str | None = None
    script_src: str | None = None
    minified: bool = False
    problems: list[str] = field(default_factory=list)

    def tracker_https(self, page_url: str = "") -> bool:
        """Whether the tracker URL is https (protocol-relative follows the page's scheme)."""
        url = self.tracker_url or ""
        if url.startswith("//"):
            return page_url.startswith("https://")
        return url.lower().startswith("https://")

    def summary(self) -> str:
        """A short English description."""
        if not self.present:
            return "no EMC snippet"
        if not self.active:
            return "; ".join(self.problems) or "snippet inactive"
        parts = [f"site id {self.site_id!r}" if self.site_id_ok else self.site_id_note,
                 f"tracker {self.tracker_url}" if self.tracker_url else "no setTrackerUrl"]
        if self.minified:
            parts.append("minified")
        return "active; " + "; ".join(parts)


def _commands(code: str, env: dict[str, str]) -> list[tuple[str, list[tuple[str | None, str]]]]:
    """Every `_govaq.push([name, args...])` in `code`: (name, [(value, unresolved)])."""
    found = []
    for match in _PUSH.finditer(code):
        args = _split_top(match.group(1), ",")
        if not args or not args[0]:
            continue
        name, _ = evaluate(args[0], env)
        found.append((name or args[0], [evaluate(a, env) for a in args[1:]]))
    return found


def _inactive_text(collector: _Collector) -> tuple[list[str], list[str]]:
    """(active script code, text that never runs: comments, inactive scripts)."""
    active, inactive = [], list(collector.comments)
    for script in collector.scripts:
        if script.src or script.type not in JS_TYPES:
            inactive.append(script.text)
            continue
        code, comments = strip_js_comments(script.text)
        active.append(code)
        inactive.append(comments)
    return active, inactive


def parse_emc(html: str, page_url: str = "") -> EmcSnippet:
    """Read a page's EMC snippet from its HTML (see the module docstring)."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    active_code, inactive = _inactive_text(collector)
    code = "\n".join(active_code)
    snippet = EmcSnippet()
    in_code = "_govaq" in code
    snippet.present = in_code or any("_govaq" in text for text in inactive)
    if not snippet.present:
        return snippet
    env = _assignments(code)
    commands = _commands(code, env)
    names = [name for name, _ in commands]
    snippet.active = "trackPageView" in names
    snippet.commented = not in_code
    if snippet.commented:
        snippet.problems.append("snippet commented out")
    elif not snippet.active:
        snippet.problems.append("no active trackPageView push")
    for name, args in commands:
        value, unresolved = args[0] if args else (None, "no argument")
        if name == "setSiteId":
            snippet.site_id = value
            snippet.site_id_note = site_id_problem(value, unresolved) or ""
            snippet.site_id_ok = not snippet.site_id_note
        elif name == "setTrackerUrl":
            snippet.tracker_url = value if value is not None else None
    if snippet.active and not any(n == "setSiteId" for n in names):
        snippet.site_id_note = "no setSiteId push"
    snippet.script_src = _script_src(code, env, collector.scripts, page_url)
    snippet.minified = _minified(active_code)
    if snippet.active:
        snippet.problems += [p for p in (snippet.site_id_note,) if p]
    return snippet


def _script_src(code: str, env: dict[str, str], scripts: Sequence[_Script],
                page_url: str) -> str | None:
    """The tracker script's URL: a `.src = ...` assignment near the snippet or a script tag."""
    for match in _SRC.finditer(code):
        value, _ = evaluate(_split_top(match.group(1), ",")[0], env)
        if value and (SCRIPT_HINT in value or value.endswith(".js")):
            return urljoin(page_url, value) if page_url else value
    for script in scripts:
        if SCRIPT_HINT in script.src:
            return urljoin(page_url, script.src) if page_url else script.src
    return None


def _minified(active_code: Sequence[str]) -> bool:
    """True when the code holding the snippet sits on one or two long lines."""
    for code in active_code:
        if "_govaq" in code:
            lines = [line for line in code.splitlines() if line.strip()]
            return len(lines) <= 2 and len(code.strip()) > 150
    return False


def is_tracking(url: str, tracker: str | None) -> bool:
    """Whether `url` is a request to the tracker (its URL, or */tracking on an EMC host)."""
    base = url.split("?", 1)[0].split("#", 1)[0]
    if tracker:
        wanted = urljoin(url, tracker).split("?", 1)[0]
        if base.rstrip("/") == wanted.rstrip("/"):
            return True
        tracker_host = urlsplit(urljoin(url, tracker)).netloc
        if urlsplit(url).netloc == tracker_host and base.endswith("/tracking"):
            return True
    parts = urlsplit(url)
    return (parts.hostname or "").endswith(EMC_HOST) and parts.path.endswith("/tracking")


def is_tracker_script(url: str, src: str | None) -> bool:
    """Whether `url` is the tracker script (the snippet's src, or a *gov-tracking* script)."""
    base = url.split("?", 1)[0]
    if src and base == urljoin(url, src).split("?", 1)[0]:
        return True
    return SCRIPT_HINT in urlsplit(url).path


def tracker_of(rendered: EmcSnippet, raw: EmcSnippet | None) -> str | None:
    """The tracker URL a page reports to: its rendered snippet's when that one is active,
    else its raw HTML's."""
    return (rendered.tracker_url if rendered.active else None) or (
        raw.tracker_url if raw else None)
