"""YAML front matter: split with python-frontmatter, parsed safely, with the line of every key.

Only scalars become values. Lists are accepted where a list is expected (``tags``, ``aliases``) and
only of scalars; any other non-scalar value is reported, never turned into text, so a YAML alias
bomb costs nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from msgspec import Struct, field

from mlops_graph.read.noncharacters import MESSAGE as NONCHARACTER_MESSAGE
from mlops_graph.read.noncharacters import has_noncharacter, replace_noncharacters

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _Loader(_SafeLoader):
    """PyYAML's safe loader, but a number, a yes/no word or a date stays the text it is written as
    (``007``, ``3.10``, ``1:30``, ``no``, ``2022-03-14T10:00:00Z`` are text in a note, not 7, 3.1,
    90, false and a datetime), and so does a value that cannot be made what its tag says
    (``!!int abc``): the reader reads dates itself, and says what is wrong with a value, with its line."""


def _as_written(loader: _SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


for _tag in ("int", "float", "bool", "timestamp"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _as_written)

_HANDLER = YAMLHandler()
Scalar = str | int | float | bool | dt.date


class FrontMatter(Struct):
    values: dict[str, Any] = field(default_factory=dict)
    """Key → constructed YAML value (scalars, or lists for list-valued keys)."""
    lines: dict[str, int] = field(default_factory=dict)
    """Key → line in the note file (1-based)."""
    body: str = ""
    body_line: int = 1
    """Line of the note file where ``body`` starts."""
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    """(line, message) of what made a key or the whole front matter unreadable."""
    warnings: list[tuple[int | None, str]] = field(default_factory=list)
    """(line, message) of what was read with a change."""


def split_front_matter(text: str) -> FrontMatter:
    """Separate the front matter from the body and parse it; problems are collected, not raised."""
    result = FrontMatter(body=text, body_line=1)
    if not _HANDLER.detect(text):
        return result
    try:
        fm, body = _HANDLER.split(text)
    except ValueError:
        result.problems.append((1, "front matter starts with '---' but is never closed; read as body"))
        return result
    result.body = body
    result.body_line = text.count("\n", 0, len(text) - len(body)) + 1
    first_line = text.count("\n", 0, text.index(fm)) + 1 if fm else 2
    try:
        node, keys, data = _parse(fm)
    except yaml.YAMLError as exc:
        unclosed = _unclosed(text, fm, first_line)
        if unclosed is not None:
            return unclosed
        if not _starts_like_yaml(fm):
            return _all_body(result, text)
        result.problems.append(_yaml_problem(exc, first_line))
        return result
    if isinstance(data, str) or (data is None and fm.strip()):
        # Not front matter but Markdown between two rules ("---" is also a thematic break, and a
        # heading reads as a YAML comment): all of it is body.
        return _all_body(result, text)
    if data is None:
        return result
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        result.problems.append((first_line, f"front matter is {kind}, not a mapping of keys to values; ignored"))
        return result
    _keep(result, keys, data, first_line)
    return result


def _all_body(result: FrontMatter, text: str) -> FrontMatter:
    result.body, result.body_line = text, 1
    result.warnings.append((1, "starts with '---', but what follows up to the next '---' is not front matter "
                               "(key: value lines); read as body"))
    return result


def _parse(fm: str) -> tuple[yaml.Node | None, list[yaml.Node], Any]:
    """The document's node, its own keys (before merge keys add others) and its value."""
    loader = _Loader(fm)
    try:
        node = loader.get_single_node()
        keys = [key for key, _value in node.value] if isinstance(node, yaml.MappingNode) else []
        return node, keys, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError, first_line: int) -> tuple[int | None, str]:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return first_line, f"front matter is not valid YAML ({exc}); keys ignored"
    # Where the broken construct began (an unclosed quote, say) is more useful than where the
    # parser gave up, so the context mark wins when there is one.
    mark = exc.context_mark or exc.problem_mark
    line = first_line + mark.line if mark is not None else None
    parts = [p.strip() for p in (exc.context, exc.problem) if p]
    if exc.context_mark is not None and exc.problem_mark is not None:
        parts[-1] += f" (line {first_line + exc.problem_mark.line})"
    detail = ", ".join(parts) or "invalid YAML"
    return line, f"front matter is not valid YAML: {detail}; keys ignored"


_YAML_KEY = re.compile(r"^[^\s#>\[`|-][^:\n]*:(?:\s|$)")
"""A line that reads as a YAML ``key: value`` (or ``key:``)."""
_MARKDOWN_BLOCK = re.compile(r"^(?:#{1,6}\s|>)|\]\(")
"""A line that reads as Markdown: a heading, a quote, or one holding a link."""


def _starts_like_yaml(fm: str) -> bool:
    """Whether the first line that holds something is a key, a list item, a comment or a collection;
    but not a heading (which YAML reads as a comment) followed by a quote or a link."""
    lines = [line for line in fm.split("\n") if line.strip()]
    line = lines[0] if lines else ""
    if line.lstrip().startswith("#"):
        after = next((other for other in lines if not other.lstrip().startswith("#")), "")
        return bool(_YAML_KEY.match(after)) or not _MARKDOWN_BLOCK.search(after)
    return bool(_YAML_KEY.match(line)) or line.lstrip().startswith(("- ", "{", "[", "? "))


def _unclosed(text: str, fm: str, first_line: int) -> FrontMatter | None:
    """Front matter that was never closed, whose ``---`` is a rule further down the body: its
    ``key: value`` lines, up to a blank line followed only by lines that are not ``key: value``
    (a heading, a paragraph, a quote), with everything from that blank line on read as body.
    None when the text before the next ``---`` does not look like that."""
    lines = fm.split("\n")  # the first is what follows the opening "---" on its line
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    blank = next((i for i in range(first + 1, len(lines)) if not lines[i].strip()), None)
    if blank is None:
        return None
    rest = [line for line in lines[blank:] if line.strip()]
    if any(_YAML_KEY.match(line) or line[:1].isspace() for line in rest) or not any(map(_MARKDOWN_BLOCK.search, rest)):
        return None
    head = "\n".join(lines[:blank])
    try:
        node, keys, data = _parse(head)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return None
    body_start = text.index(fm) + len(head) + 1
    result = FrontMatter(body=text[body_start:], body_line=first_line + blank)
    result.problems.append((first_line + blank, "front matter is not closed before this line, where the text "
                                                "begins; its keys are read, and the rest as body"))
    _keep(result, keys, data, first_line)
    return result


def _keep(result: FrontMatter, keys: list[yaml.Node], data: dict[Any, Any], first_line: int) -> None:
    """The keys, their values and their lines, into ``result``."""
    for key_node in keys:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key is None:
            continue
        name, line = replace_noncharacters(str(key)), first_line + key_node.start_mark.line
        if name in result.lines:
            result.warnings.append((line, f"key {name!r} is given again (first at line {result.lines[name]}); "
                                          f"the value at line {line} is kept"))
        result.lines[name] = line
    for key, value in data.items():
        name = replace_noncharacters(str(key))
        strings = value if isinstance(value, list) else [value]
        if name != str(key) or any(isinstance(v, str) and has_noncharacter(v) for v in strings):
            if isinstance(value, list):
                value = [replace_noncharacters(v) if isinstance(v, str) else v for v in value]
            elif isinstance(value, str):
                value = replace_noncharacters(value)
            result.warnings.append((result.lines.get(name), NONCHARACTER_MESSAGE))
        result.values[name] = value


def is_scalar(value: object) -> bool:
    return isinstance(value, Scalar) and value is not None


def describe(value: object) -> str:
    """A short name for a YAML value's type, for messages (never the value itself)."""
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, set | frozenset):
        return "a set"
    if isinstance(value, bytes | bytearray):
        return "binary data"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    return "text" if isinstance(value, str) else f"a {type(value).__name__}"
