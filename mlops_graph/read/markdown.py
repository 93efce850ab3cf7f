"""The note body through a CommonMark parser (pulldown-cmark, via pyromark), as a list of blocks.

Each top-level block keeps its line in the note file. Inline markup is reduced to its text; link
spans are kept with their character offsets in that text. Code blocks and HTML blocks (which is
where HTML comments live) are kept only as opaque blocks: they never yield quotes or sources.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Literal, cast

import pyromark

from mlops_graph.read.noncharacters import has_noncharacter, replace_noncharacters

BlockKind = Literal["heading", "paragraph", "quote", "list", "code", "html", "other"]
_OPTIONS = pyromark.Options.ENABLE_WIKILINKS | pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH


@dataclass(frozen=True, slots=True)
class LinkSpan:
    text: str
    url: str
    start: int
    end: int
    kind: str
    """``inline``, ``reference``, ``autolink``, ``wiki`` and so on; ``image`` for an image."""


@dataclass(frozen=True, slots=True)
class Inline:
    """A paragraph, heading or list item reduced to plain text."""

    text: str
    line: int
    links: tuple[LinkSpan, ...] = ()
    code_spans: tuple[tuple[int, int], ...] = ()
    breaks: tuple[tuple[int, int], ...] = ()
    """(offset, line) of each line break: its offset in the text (a break is one character, a space
    or ``\\n`` for a hard break) and the line of the file the text after it is on."""
    quote: int = 0
    """For text inside a blockquote (at any depth, in a list item too), a number that the text of
    the same outermost blockquote shares; 0 outside blockquotes."""


@dataclass(slots=True)
class Block:
    kind: BlockKind
    line: int
    level: int = 0
    parts: list[Inline] = field(default_factory=list)


class _InlineBuilder:
    __slots__ = ("breaks", "chunks", "code", "length", "line", "links", "open_links")

    def __init__(self, line: int) -> None:
        self.line = line
        self.chunks: list[str] = []
        self.length = 0
        self.links: list[LinkSpan] = []
        self.code: list[tuple[int, int]] = []
        self.open_links: list[tuple[int, str, str]] = []
        self.breaks: list[tuple[int, int]] = []

    def add(self, text: str) -> None:
        self.chunks.append(text)
        self.length += len(text)

    def build(self, quote: int = 0) -> Inline:
        return Inline("".join(self.chunks), self.line, tuple(self.links), tuple(self.code), tuple(self.breaks), quote)


def _link_kind(link_type: Any) -> str:
    if isinstance(link_type, dict):
        return "wiki" if "WikiLink" in link_type else str(next(iter(link_type))).lower()
    return str(link_type).lower()


_KINDS: dict[str, BlockKind] = {
    "Heading": "heading", "Paragraph": "paragraph", "BlockQuote": "quote", "List": "list",
    "CodeBlock": "code", "HtmlBlock": "html",
}
_OPAQUE = frozenset({"CodeBlock", "HtmlBlock", "MetadataBlock"})
_FLUSH_AT_START = frozenset({
    "Paragraph", "Heading", "Item", "BlockQuote", "List", "TableCell", "TableHead", "TableRow", "FootnoteDefinition",
    "DefinitionListTitle", "DefinitionListDefinition",
})
_FLUSH_AT_END = frozenset({
    "Paragraph", "Heading", "Item", "BlockQuote", "TableCell", "FootnoteDefinition", "DefinitionListTitle",
    "DefinitionListDefinition",
})
_TEXTUAL = frozenset({"Text", "InlineHtml", "InlineMath", "DisplayMath", "Html"})


def _newlines(raw: bytes) -> list[int]:
    """Byte offsets of the line feeds in ``raw``."""
    if b"\n" not in raw:
        return []
    lengths = accumulate(map(len, raw.split(b"\n")[:-1]))
    return [length + i for i, length in enumerate(lengths)]


def parse_blocks(body: str, first_line: int = 1, replaced: list[int] | None = None) -> list[Block]:
    """Parse ``body`` (which starts at line ``first_line`` of its file) into top-level blocks.

    A character reference to a Unicode noncharacter (``&#xFFFE;``), in text or in a link's
    destination, becomes U+FFFD, and its line is added to ``replaced`` when that is given.
    """
    newlines = _newlines(body.encode("utf-8"))

    line_at = bisect.bisect_left

    def line_of(offset: int) -> int:
        return first_line + line_at(newlines, offset)

    def scrub(text: str, offset: int) -> str:
        if replaced is not None:
            replaced.append(line_of(offset))
        return replace_noncharacters(text)

    blocks: list[Block] = []
    depth = 0
    current: Block | None = None
    inline: _InlineBuilder | None = None
    skip_text = 0
    quote_depth = quotes = 0

    def close(builder: _InlineBuilder, block: Block | None) -> None:
        _close(builder, block, quotes if quote_depth else 0)

    events = cast(Iterator[tuple[Any, Any]], pyromark.events_with_range(body, options=_OPTIONS, merge_text=True))
    for event, span in events:
        if type(event) is str:
            if skip_text or current is None:
                continue
            if event == "SoftBreak" or event == "HardBreak":
                if inline is None:
                    inline = _InlineBuilder(line_of(span["start"]))
                text = " " if event == "SoftBreak" else "\n"
                inline.breaks.append((inline.length, line_of(span["end"])))
                inline.chunks.append(text)
                inline.length += 1
            continue
        if type(event) is not dict:
            continue
        ((key, value),) = event.items()
        if key == "Text":
            if skip_text or current is None:
                continue
            if inline is None:
                inline = _InlineBuilder(first_line + line_at(newlines, span["start"]))
            text = value if type(value) is str else str(value)
            if has_noncharacter(text):
                text = scrub(text, span["start"])
            inline.chunks.append(text)
            inline.length += len(text)
        elif key == "Start":
            name = value if isinstance(value, str) else next(iter(value))
            if depth == 0:
                level = int(value["Heading"]["level"][1:]) if name == "Heading" else 0
                current = Block(_KINDS.get(name, "other"), line_of(span["start"]), level)
                blocks.append(current)
            depth += 1
            if name == "BlockQuote":
                if inline is not None:
                    close(inline, current)
                    inline = None
                quotes += quote_depth == 0
                quote_depth += 1
            if name in _OPAQUE:
                skip_text += 1
            elif name in _FLUSH_AT_START:
                if inline is not None:
                    close(inline, current)
                    inline = None
            elif name == "Link" or name == "Image":
                if inline is None:
                    inline = _InlineBuilder(line_of(span["start"]))
                link = value[name]
                destination = str(link.get("dest_url", ""))
                if has_noncharacter(destination):
                    destination = scrub(destination, span["start"])
                kind_name = "image" if name == "Image" else _link_kind(link.get("link_type"))
                inline.open_links.append((inline.length, destination, kind_name))
        elif key == "End":
            name = value if isinstance(value, str) else next(iter(value))
            depth -= 1
            if name == "BlockQuote":
                if inline is not None:
                    close(inline, current)
                    inline = None
                quote_depth -= 1
            if name in _OPAQUE:
                skip_text -= 1
            elif (name == "Link" or name == "Image") and inline is not None and inline.open_links:
                begin, url, kind_name = inline.open_links.pop()
                text = "".join(inline.chunks)[begin:]
                inline.links.append(LinkSpan(text, url, begin, inline.length, kind_name))
            elif name in _FLUSH_AT_END and inline is not None:
                close(inline, current)
                inline = None
            if depth == 0:
                if inline is not None:
                    close(inline, current)
                    inline = None
                current = None
        elif skip_text or current is None:
            continue
        elif key in _TEXTUAL:
            if inline is None:
                inline = _InlineBuilder(line_of(span["start"]))
            inline.add(str(value))
        elif key == "Code":
            if inline is None:
                inline = _InlineBuilder(line_of(span["start"]))
            begin = inline.length
            inline.add(str(value))
            inline.code.append((begin, inline.length))
        elif key == "TaskListMarker":
            if inline is None:
                inline = _InlineBuilder(line_of(span["start"]))
            inline.add("[x] " if value else "[ ] ")
    if inline is not None:
        close(inline, current)
    return blocks


def split_last_line(part: Inline) -> tuple[Inline, Inline] | None:
    """``part`` without its last line, and that line on its own (at the line it is on); None when
    ``part`` is one line, or a link or a code span runs across the last break."""
    return split_line(part, -1)


def split_line(part: Inline, index: int) -> tuple[Inline, Inline] | None:
    """``part`` cut at its line break number ``index`` (``-1``: the last): the text before it and
    the text after it (at the line it is on); None when there is no such break, or a link or a code
    span runs across it."""
    if not part.breaks or not -len(part.breaks) <= index < len(part.breaks):
        return None
    index %= len(part.breaks)
    cut, line = part.breaks[index]
    if any(start <= cut < end for start, end in part.code_spans) or any(
            link.start <= cut < link.end for link in part.links):
        return None
    shift = cut + 1
    head = Inline(part.text[:cut], part.line,
                  tuple(link for link in part.links if link.end <= cut),
                  tuple(span for span in part.code_spans if span[1] <= cut), part.breaks[:index], part.quote)
    tail = Inline(part.text[shift:], line,
                  tuple(LinkSpan(link.text, link.url, link.start - shift, link.end - shift, link.kind)
                        for link in part.links if link.start >= shift),
                  tuple((start - shift, end - shift) for start, end in part.code_spans if start >= shift),
                  tuple((offset - shift, at) for offset, at in part.breaks[index + 1:]), part.quote)
    return head, tail


def _close(inline: _InlineBuilder, block: Block | None, quote: int = 0) -> None:
    """Add the finished inline text to its block, unless it is blank (and holds no link)."""
    if block is not None:
        built = inline.build(quote)
        if built.text.strip() or built.links:
            block.parts.append(built)
