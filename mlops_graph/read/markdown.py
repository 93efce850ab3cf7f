"""The note body through a CommonMark parser (pulldown-cmark, via pyromark), as a list of blocks.

Each top-level block keeps its line in the note file. Inline markup is reduced to its text; link
spans are kept with their character offsets in that text. Code blocks are kept only as opaque
blocks; HTML blocks keep only the words between their tags (never a comment's, a script's or a
style's): neither yields quotes or sources. What the author sees decides what the text holds:

- an image (``![alt](img.png)``, ``![[Pasted image 2023.png]]``) is not text, nor a link;
- an embedded note (``![[Other note]]``, ``![[note#Part|shown]]``) is a link to that note (kind
  ``embed``), with the text a wiki-link to it has;
- a wiki-link to an attachment (``[[paper.pdf|the paper]]``: a file with one of ``ATTACHMENTS``'
  suffixes) keeps its text and is a link of kind ``attachment``, never a link to a note;
- inline HTML (``<font color="#ffff00">…</font>``, ``<br>``, ``<!-- … -->``) keeps only the words
  between its tags; a line break tag is a space;
- math (``$…$``, ``$$…$$``, ``\\(…\\)``) stays in the text as a code span, where no concept is found;
- Liquid (``{% raw %}``, ``{% include … %}``) and kramdown attribute lists (``{:toc}``,
  ``{:.class}``) are dropped; a Liquid output tag (``{{ site.url }}``) is kept as a code span;
- a heading's attributes (``## Setup {#setup}``) are not part of its text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, Literal, cast

import pyromark
from msgspec import Struct, field

from mlops_graph.read.noncharacters import has_noncharacter, replace_noncharacters

BlockKind = Literal["heading", "paragraph", "quote", "list", "code", "html", "other"]
_OPTIONS = (pyromark.Options.ENABLE_WIKILINKS | pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
            | pyromark.Options.ENABLE_MATH | pyromark.Options.ENABLE_HEADING_ATTRIBUTES)

ATTACHMENTS = frozenset({
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "tif", "tiff", "avif", "heic", "ico",
    "pdf", "mp4", "mov", "webm", "mkv", "avi", "mp3", "wav", "m4a", "ogg", "flac",
    "csv", "xlsx", "xls", "docx", "doc", "pptx", "ppt", "zip", "canvas", "excalidraw", "drawio", "ipynb",
})
"""Suffixes of the files a vault keeps beside its notes: a wiki-link or embed of one is an attachment."""

_LIQUID = re.compile(r"\{%-?.*?-?%\}|\{:[^{}\n]*\}|(?P<output>\{\{.*?\}\})", re.DOTALL)
"""Liquid tags and kramdown attribute lists (dropped), and Liquid output tags (kept as code)."""
_TEX = re.compile(r"\\\((?P<math>.+?)\\\)")
"""Inline TeX math, ``\\(x^2\\)``, as written in the note (CommonMark reads it as ``(x^2)``)."""
_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
HTML_ELEMENTS = frozenset({
    "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "bdi", "bdo", "big", "blockquote",
    "body", "br", "button", "canvas", "caption", "center", "cite", "code", "col", "colgroup", "data", "dd", "del",
    "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "embed", "fieldset", "figcaption", "figure", "font",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "i", "iframe", "img",
    "input", "ins", "kbd", "label", "legend", "li", "link", "main", "map", "mark", "meta", "meter", "nav",
    "noscript", "object", "ol", "optgroup", "option", "output", "p", "param", "picture", "pre", "progress", "q",
    "rp", "rt", "ruby", "s", "samp", "script", "section", "select", "small", "source", "span", "strike", "strong",
    "style", "sub", "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead",
    "time", "title", "tr", "track", "tt", "u", "ul", "var", "video", "wbr",
})
"""Inline tags of these elements (and comments) are markup; another ``<word>`` stays text, as a
placeholder such as ``<user_id>`` is more often meant to be read than to be hidden."""


_MARKUP = re.compile(r"<!--.*?(?:-->|$)|</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>", re.DOTALL)


def strip_tags(text: str) -> str:
    """``text`` without HTML comments and the tags of ``HTML_ELEMENTS`` (a title from front
    matter, say); another ``<word>`` stays, and so do the words between tags."""
    def drop(match: re.Match[str]) -> str:
        name = match.group(1)
        return " " if name is None or name.lower() in HTML_ELEMENTS else match.group()

    return " ".join(_MARKUP.sub(drop, text).split())


def _is_markup(html: str) -> bool:
    match = _MARKUP.match(html)
    return match is not None and (match.group(1) is None or match.group(1).lower() in HTML_ELEMENTS)


class LinkSpan(Struct, frozen=True):
    text: str
    url: str
    start: int
    end: int
    kind: str
    """``inline``, ``reference``, ``autolink``, ``wiki`` and so on; ``embed`` for an embedded note,
    ``attachment`` for a wiki-link to a file that is not a note."""


class Inline(Struct, frozen=True):
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


class Block(Struct):
    kind: BlockKind
    line: int
    level: int = 0
    parts: list[Inline] = field(default_factory=list)


class _InlineBuilder:
    __slots__ = ("breaks", "chunks", "code", "dropped", "length", "line", "links", "open_links", "pending")

    def __init__(self, line: int) -> None:
        self.line = line
        self.chunks: list[str] = []
        self.length = 0
        self.links: list[LinkSpan] = []
        self.code: list[tuple[int, int]] = []
        self.open_links: list[tuple[int, str, str]] = []
        self.breaks: list[tuple[int, int]] = []
        self.dropped = False
        """Whether markup was just left out: the spaces after it are then dropped where one is
        already there, so no gap is left."""
        self.pending = ""
        """A separator (between table cells) written before the next text, if any text precedes it."""

    def add(self, text: str) -> None:
        if self.dropped:
            if not self.length or self.chunks[-1][-1:] in (" ", "\n"):
                text = text.lstrip(" ")
            self.dropped = not text
        if text:
            if self.pending:
                self.settle()
            self.chunks.append(text)
            self.length += len(text)

    def settle(self) -> None:
        """Write the pending separator, unless nothing comes before it."""
        if self.length:
            self.chunks.append(self.pending)
            self.length += len(self.pending)
        self.pending = ""

    def unspace(self) -> None:
        """Take back a space at the end that no link or code span ends after (a break follows)."""
        if self.chunks and self.chunks[-1].endswith(" ") and all(
                end < self.length for end in (*(link.end for link in self.links), *(b for _a, b in self.code))):
            self.chunks[-1] = self.chunks[-1][:-1]
            self.length -= 1

    def add_code(self, text: str) -> None:
        if self.pending and text:
            self.settle()
        begin = self.length
        self.add(text)
        self.code.append((begin, self.length))

    def add_text(self, text: str, raw: str) -> None:
        """Text as the parser gives it (``raw``: as the note has it): Liquid and attribute lists
        dropped, Liquid output and ``\\(…\\)`` math marked as code."""
        begin = self.length
        if "{" in text:
            at = 0
            for match in _LIQUID.finditer(text):
                self.add(text[at:match.start()])
                if match.group("output"):
                    self.add_code(match.group())
                else:
                    self.dropped = True
                at = match.end()
            self.add(text[at:])
        else:
            self.add(text)
        if "\\(" in raw:
            added = "".join(self.chunks)[begin:]
            at = 0
            for match in _TEX.finditer(raw):
                shown = "(" + match.group("math") + ")"
                found = added.find(shown, at)
                if found >= 0:
                    self.code.append((begin + found, begin + found + len(shown)))
                    at = found + len(shown)
            self.code.sort()

    def finish(self, block: Block | None, quote: int) -> None:
        """Add the text to ``block`` (as inside the blockquote numbered ``quote``), unless it is
        blank and holds no link."""
        if block is None:
            return
        text = "".join(self.chunks)
        links, code, breaks = self.links, self.code, self.breaks
        if self.dropped and text.endswith(" "):  # markup at the end: no trailing gap either
            text = text.rstrip(" ")
            size = len(text)
            links = [LinkSpan(link.text, link.url, min(link.start, size), min(link.end, size), link.kind)
                     for link in links]
            code = [(min(a, size), min(b, size)) for a, b in code]
            breaks = [b for b in breaks if b[0] < size]
        if links or text.strip():
            block.parts.append(Inline(text, self.line, tuple(links), tuple(code), tuple(breaks), quote))


def _link_kind(link_type: Any) -> str:
    if isinstance(link_type, dict):
        return "wiki" if "WikiLink" in link_type else str(next(iter(link_type))).lower()
    return str(link_type).lower()


_KINDS: dict[str, BlockKind] = {
    "Heading": "heading", "Paragraph": "paragraph", "BlockQuote": "quote", "List": "list",
    "CodeBlock": "code", "HtmlBlock": "html",
}
_OPAQUE = frozenset({"CodeBlock", "MetadataBlock"})
_FLUSH_AT_START = frozenset({
    "Paragraph", "Heading", "Item", "BlockQuote", "List", "TableHead", "TableRow", "FootnoteDefinition",
    "DefinitionListTitle", "DefinitionListDefinition",
})
_FLUSH_AT_END = frozenset({
    "Paragraph", "Heading", "Item", "BlockQuote", "TableHead", "TableRow", "FootnoteDefinition", "DefinitionListTitle",
    "DefinitionListDefinition",
})
"""A table row is one text, its cells separated by `` | ``."""
_MATH = frozenset({"InlineMath", "DisplayMath"})
_INLINE_MARKUP = frozenset({"Emphasis", "Strong", "Strikethrough", "Superscript", "Subscript"})
"""Their text is part of the text around them, as it is."""


def _suffix(target: str) -> str:
    name = target.split("|", 1)[0].split("#", 1)[0].strip().rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


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
    encoded = body.encode("utf-8")
    newlines = _newlines(encoded)
    tex = b"\\(" in encoded
    references = "&#" in body or has_noncharacter(body)
    """Whether a text may hold a noncharacter (from a character reference, or as itself)."""
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
    images = 0
    """How many images or embedded attachments are open (their text is not kept)."""
    html: list[str] | None = None
    html_line = 0
    quote_depth = quotes = 0

    events = cast(Iterator[tuple[Any, Any]], pyromark.events_with_range(body, options=_OPTIONS, merge_text=True))
    for event, span in events:
        if type(event) is str:
            if skip_text or current is None:
                continue
            if event == "SoftBreak" or event == "HardBreak":
                if inline is None:
                    inline = _InlineBuilder(line_of(span["start"]))
                text = " " if event == "SoftBreak" else "\n"
                if inline.dropped:
                    inline.unspace()
                inline.breaks.append((inline.length, line_of(span["end"])))
                inline.chunks.append(text)
                inline.length += 1
            continue
        if type(event) is not dict:
            continue
        key, value = event.popitem()  # each event is a dict of one entry, made for this loop
        if key == "Text":
            if skip_text or current is None:
                continue
            if inline is None:
                inline = _InlineBuilder(first_line + line_at(newlines, span["start"]))
            text = value if type(value) is str else str(value)
            if references and has_noncharacter(text):
                text = scrub(text, span["start"])
            if "{" in text or (tex and "(" in text):
                inline.add_text(text, encoded[span["start"]:span["end"]].decode("utf-8", "replace"))
            else:
                inline.add(text)
        elif key == "Start":
            name = value if type(value) is str else next(iter(value))
            if depth == 0:
                level = int(value["Heading"]["level"][1:]) if name == "Heading" else 0
                current = Block(_KINDS.get(name, "other"), line_of(span["start"]), level)
                blocks.append(current)
            depth += 1
            if name in _INLINE_MARKUP:
                continue
            if name in _FLUSH_AT_START:
                if inline is not None:
                    inline.finish(current, quotes if quote_depth else 0)
                    inline = None
                if name == "BlockQuote":
                    quotes += quote_depth == 0
                    quote_depth += 1
            elif name == "TableCell":
                if inline is not None:
                    inline.pending = " | "
            elif name == "Link":
                if inline is None:
                    inline = _InlineBuilder(line_of(span["start"]))
                link = value[name]
                destination = str(link.get("dest_url", ""))
                if references and has_noncharacter(destination):
                    destination = scrub(destination, span["start"])
                kind_name = _link_kind(link.get("link_type"))
                if kind_name == "wiki" and _suffix(destination) in ATTACHMENTS:
                    kind_name = "attachment"
                if inline.pending:
                    inline.settle()
                inline.open_links.append((inline.length, destination, kind_name))
            elif name in _OPAQUE:
                skip_text += 1
            elif name == "HtmlBlock":
                if inline is not None:
                    inline.finish(current, quotes if quote_depth else 0)
                    inline = None
                html, html_line = [], line_of(span["start"])
            elif name == "Image":
                image = value[name]
                target = str(image.get("dest_url", ""))
                if inline is None:
                    inline = _InlineBuilder(line_of(span["start"]))
                if _link_kind(image.get("link_type")) == "wiki" and _suffix(target) not in ATTACHMENTS:
                    # an embedded note, shown as the note: a wiki-link to it, with its text
                    inline.open_links.append((inline.length, target, "embed"))
                    continue
                images += 1
                skip_text += 1
                inline.dropped = True
        elif key == "End":
            name = value if type(value) is str else next(iter(value))
            depth -= 1
            if name in _INLINE_MARKUP:
                continue
            if name in _FLUSH_AT_END:
                if inline is not None:
                    inline.finish(current, quotes if quote_depth else 0)
                    inline = None
                if name == "BlockQuote":
                    quote_depth -= 1
            elif name == "Link":
                if inline is not None and inline.open_links:
                    begin, url, kind_name = inline.open_links.pop()
                    text = "".join(inline.chunks)[begin:]
                    inline.links.append(LinkSpan(text, url, begin, inline.length, kind_name))
                    if not text.strip():
                        inline.dropped = True
            elif name == "Image":
                if inline is not None and inline.open_links and inline.open_links[-1][2] == "embed":
                    begin, url, kind_name = inline.open_links.pop()
                    inline.links.append(LinkSpan("".join(inline.chunks)[begin:], url, begin, inline.length, kind_name))
                elif images:
                    images -= 1
                    skip_text -= 1
            elif name in _OPAQUE:
                skip_text -= 1
            elif name == "HtmlBlock":
                from mlops_graph.read.html_text import html_words  # here: most notes hold no HTML

                words = html_words("".join(html or ()))
                if words and current is not None:
                    current.parts.append(Inline(words, html_line, quote=quotes if quote_depth else 0))
                html = None
            if depth == 0:
                if inline is not None:
                    inline.finish(current, quotes if quote_depth else 0)
                    inline = None
                current = None
        elif key == "Html" and html is not None:
            html.append(str(value))
        elif skip_text or current is None:
            continue
        elif key == "InlineHtml":
            if inline is None:
                inline = _InlineBuilder(line_of(span["start"]))
            if not _is_markup(str(value)):
                inline.add(str(value))
                continue
            if _BREAK_TAG.fullmatch(str(value).strip()) and inline.length and inline.chunks[-1][-1:] not in (" ", "\n"):
                inline.add(" ")
            inline.dropped = True
        elif key in _MATH or key == "Code":
            if inline is None:
                inline = _InlineBuilder(line_of(span["start"]))
            inline.add_code(str(value))
        elif key == "Html":
            if inline is None:
                inline = _InlineBuilder(line_of(span["start"]))
            from mlops_graph.read.html_text import html_words

            inline.add(html_words(str(value)))
        elif key == "TaskListMarker":
            if inline is None:
                inline = _InlineBuilder(line_of(span["start"]))
            inline.add("[x] " if value else "[ ] ")
    if inline is not None:
        inline.finish(current, quotes if quote_depth else 0)
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
