"""The note body through a CommonMark parser (pulldown-cmark, via pyromark), as a list of blocks.

Each top-level block keeps its line in the note file. Inline markup is reduced to its text; link
spans are kept with their character offsets in that text. Code blocks and HTML blocks (which is
where HTML comments live) are kept only as opaque blocks: they never yield quotes or sources.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import pyromark

BlockKind = Literal["heading", "paragraph", "quote", "list", "code", "html", "other"]
_OPTIONS = pyromark.Options.ENABLE_WIKILINKS | pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH


@dataclass(frozen=True, slots=True)
class LinkSpan:
    text: str
    url: str
    start: int
    end: int
    kind: str
    """``inline``, ``reference``, ``autolink``, ``wiki`` and so on."""


@dataclass(frozen=True, slots=True)
class Inline:
    """A paragraph, heading or list item reduced to plain text."""

    text: str
    line: int
    links: tuple[LinkSpan, ...] = ()
    code_spans: tuple[tuple[int, int], ...] = ()


@dataclass(slots=True)
class Block:
    kind: BlockKind
    line: int
    level: int = 0
    parts: list[Inline] = field(default_factory=list)


class _InlineBuilder:
    __slots__ = ("chunks", "code", "length", "line", "links", "open_links")

    def __init__(self, line: int) -> None:
        self.line = line
        self.chunks: list[str] = []
        self.length = 0
        self.links: list[LinkSpan] = []
        self.code: list[tuple[int, int]] = []
        self.open_links: list[tuple[int, str, str]] = []

    def add(self, text: str) -> None:
        self.chunks.append(text)
        self.length += len(text)

    def build(self) -> Inline:
        return Inline("".join(self.chunks), self.line, tuple(self.links), tuple(self.code))


def _link_kind(link_type: Any) -> str:
    if isinstance(link_type, dict):
        return "wiki" if "WikiLink" in link_type else str(next(iter(link_type))).lower()
    return str(link_type).lower()


def parse_blocks(body: str, first_line: int = 1) -> list[Block]:
    """Parse ``body`` (which starts at line ``first_line`` of its file) into top-level blocks."""
    raw = body.encode("utf-8")
    newlines = [i for i, b in enumerate(raw) if b == 0x0A] if b"\n" in raw else []

    def line_of(offset: int) -> int:
        return first_line + bisect.bisect_left(newlines, offset)

    blocks: list[Block] = []
    depth = 0
    current: Block | None = None
    inline: _InlineBuilder | None = None
    skip_text = 0

    def flush() -> None:
        nonlocal inline
        if inline is not None and current is not None:
            built = inline.build()
            if built.text.strip() or built.links:
                current.parts.append(built)
        inline = None

    def ensure_inline(offset: int) -> _InlineBuilder:
        nonlocal inline
        if inline is None:
            inline = _InlineBuilder(line_of(offset))
        return inline

    events = cast(Iterator[tuple[Any, Any]], pyromark.events_with_range(body, options=_OPTIONS, merge_text=True))
    for event, span in events:
        start = span["start"]
        if isinstance(event, dict) and "Start" in event:
            tag = event["Start"]
            name = tag if isinstance(tag, str) else next(iter(tag))
            if depth == 0:
                kind: BlockKind = {
                    "Heading": "heading", "Paragraph": "paragraph", "BlockQuote": "quote", "List": "list",
                    "CodeBlock": "code", "HtmlBlock": "html",
                }.get(name, "other")  # type: ignore[assignment]
                level = int(tag["Heading"]["level"][1:]) if name == "Heading" else 0
                current = Block(kind, line_of(start), level)
                blocks.append(current)
            depth += 1
            if name in ("CodeBlock", "HtmlBlock", "MetadataBlock"):
                skip_text += 1
            elif name in ("Paragraph", "Heading", "Item", "BlockQuote", "List", "TableCell", "TableHead",
                          "TableRow", "FootnoteDefinition", "DefinitionListTitle", "DefinitionListDefinition"):
                flush()
            elif name == "Link" or name == "Image":
                builder = ensure_inline(start)
                link = tag[name]
                destination = str(link.get("dest_url", ""))
                builder.open_links.append((builder.length, destination, _link_kind(link.get("link_type"))))
        elif isinstance(event, dict) and "End" in event:
            tag = event["End"]
            name = tag if isinstance(tag, str) else next(iter(tag))
            depth -= 1
            if name in ("CodeBlock", "HtmlBlock", "MetadataBlock"):
                skip_text -= 1
            elif name in ("Link", "Image") and inline is not None and inline.open_links:
                begin, url, kind_name = inline.open_links.pop()
                text = "".join(inline.chunks)[begin:]
                inline.links.append(LinkSpan(text, url, begin, inline.length, kind_name))
            elif name in ("Paragraph", "Heading", "Item", "BlockQuote", "TableCell", "FootnoteDefinition",
                          "DefinitionListTitle", "DefinitionListDefinition"):
                flush()
            if depth == 0:
                flush()
                current = None
        elif skip_text or current is None:
            continue
        elif isinstance(event, dict):
            key = next(iter(event))
            value = event[key]
            if key in ("Text", "InlineHtml", "InlineMath", "DisplayMath", "Html"):
                ensure_inline(start).add(str(value))
            elif key == "Code":
                builder = ensure_inline(start)
                begin = builder.length
                builder.add(str(value))
                builder.code.append((begin, builder.length))
            elif key == "TaskListMarker":
                ensure_inline(start).add("[x] " if value else "[ ] ")
        elif event == "SoftBreak":
            ensure_inline(start).add(" ")
        elif event == "HardBreak":
            ensure_inline(start).add("\n")
    flush()
    return blocks
