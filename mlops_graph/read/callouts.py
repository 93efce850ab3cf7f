"""Callouts (Obsidian, Quartz, GitHub alerts): a blockquote whose first line is ``[!type]``.

Forms read: ``> [!note]``, ``> [!note] Title``, ``> [!warning]-`` and ``> [!tip]+ Title`` (folded or
open; the fold sign is dropped), ``> [!quote] [Wikipedia](url)`` (a title with a link), and callouts
nested in callouts (``> > [!info]``): the outer one gives the type and the title, and no ``[!type]``
marker is left in any text. The marker is matched on the text the CommonMark parser gives, so one
inside a code span or a code block is left alone.
"""

from __future__ import annotations

import re

from msgspec import Struct

from mlops_graph.read.markdown import Inline, LinkSpan, split_line

_MARKER = re.compile(r"^\s*\[!(?P<type>[A-Za-z][\w-]{0,30})\](?P<fold>[+-]?)[ \t]*")


class Callout(Struct, frozen=True):
    type: str
    """Lower case: ``note``, ``quote``, ``warning``…"""
    title: Inline | None
    """The rest of the marker's line, with its links; ``None`` when the line holds only the marker."""
    body: list[Inline]
    """The callout's text, without the marker line."""


def _drop(part: Inline, size: int) -> Inline:
    """``part`` without its first ``size`` characters."""
    return Inline(part.text[size:], part.line,
                  tuple(LinkSpan(link.text, link.url, link.start - size, link.end - size, link.kind)
                        for link in part.links if link.start >= size),
                  tuple((a - size, b - size) for a, b in part.code_spans if a >= size),
                  tuple((offset - size, line) for offset, line in part.breaks if offset >= size), part.quote)


def _marker(part: Inline) -> re.Match[str] | None:
    match = _MARKER.match(part.text)
    if match is None or any(a < match.end() for a, _b in part.code_spans) or any(
            link.start < match.end() for link in part.links):
        return None
    return match


def read_callout(parts: list[Inline]) -> Callout | None:
    """The callout that a blockquote's text parts make, or ``None`` for a plain blockquote."""
    if not parts:
        return None
    match = _marker(parts[0])
    if match is None:
        return None
    first = parts[0]
    split = split_line(first, 0)
    if split is None:
        title_part, rest = _drop(first, match.end()), None
    else:
        head, rest = split
        title_part = _drop(head, match.end())
    title = title_part if title_part.text.strip() else None
    body = ([rest] if rest is not None and rest.text.strip() else []) + [strip_marker(p) for p in parts[1:]]
    return Callout(match.group("type").lower(), title, [p for p in body if p.text.strip() or p.links])


def strip_marker(part: Inline) -> Inline:
    """A nested callout's text without its ``[!type]`` marker (its title stays as text)."""
    match = _marker(part)
    return _drop(part, match.end()) if match is not None else part
