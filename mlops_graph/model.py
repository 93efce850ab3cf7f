"""The data model: what the reader and the extractors produce, before any RDF is made.

Records here and in the stages are ``msgspec.Struct`` classes: made in C, where a dataclass compiles
its methods when its module is imported (about 0.7 ms a class on Python 3.11).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from msgspec import Struct, field

from mlops_graph.errors import printable

Severity = Literal["error", "warning"]
QuoteKind = Literal["definition", "quotation"]


class Problem(Struct, frozen=True):
    """Something wrong with one input file. The build goes on; ``--strict`` makes it fail."""

    path: str
    line: int | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        path = printable(self.path)
        where = f"{path}:{self.line}" if self.line is not None else path
        return f"{where}: {self.message}"


class SourceRef(Struct, frozen=True):
    """Who a quote is attributed to: a named publisher or person, and the page cited, if any."""

    name: str
    """A person's or an organisation's name, without a trailing date or role; for a work with
    ``creators`` (a book), the work's title."""
    url: str | None = None
    """The cited page's URL as written, with tracking parameters removed and its text fragment
    (``#:~:text=``) cut off; ``None`` for a plain name."""
    homepage: str | None = None
    """A person's own page (a profile), when the line also names the page cited."""
    role: str | None = None
    """What the line says the person is ("Data Scientist at X"), from a parenthesis after the name."""
    creators: tuple[SourceRef, ...] = ()
    """The people who wrote the cited work ("written by A, B & C"): the quote is theirs."""


class Quote(Struct, frozen=True):
    """A quoted passage (a blockquote or a ``quote``/``cite`` callout) or the author's summary
    paragraph. ``kind`` says whether it defines ``term`` or is a quotation only."""

    text: str
    line: int
    term: str
    source: SourceRef | None = None
    """``None``: the note author's own words."""
    is_summary: bool = False
    lang: str | None = None
    code_spans: tuple[tuple[int, int], ...] = ()
    """Character ranges of inline code inside ``text``; concepts are never matched there."""
    alias_pairs: tuple[tuple[str, str], ...] = ()
    """(short, long) label pairs the text states, as in "MLOps stands for Machine Learning Operations"."""
    kind: QuoteKind = "definition"
    inferred: bool = False
    """The source is the one the note names as a whole (front matter, a Source or Paper Info block),
    not one named at the quote."""
    selector: str | None = None
    """The text fragment of the cited URL (``:~:text=…``), which points at the quote in the page."""
    date: str | None = None
    """The year (``2019``) or month (``2026-01``) the attribution gives."""
    callout: str | None = None
    """The callout type (``quote``, ``note``…), for a callout."""
    callout_title: str | None = None


class WikiLink(Struct, frozen=True):
    target: str
    line: int


class Passage(Struct, frozen=True):
    """A paragraph or list item of the author's own prose (not a quote), or an aside: a blockquote or
    callout that is neither a quotation nor a definition (a tip, a warning, a summary, a caption)."""

    text: str
    line: int
    code_spans: tuple[tuple[int, int], ...] = ()
    aside: str | None = None
    """For an aside: the callout type, or ``quote`` for a plain blockquote."""
    callout_title: str | None = None


class Note(Struct, frozen=True):
    path: str
    """Path relative to the notes folder, with ``/`` separators."""
    slug: str
    title: str
    term: str
    """The term the note is about, from its title heading or its title."""
    date: dt.date | None = None
    modified: dt.date | None = None
    """When the note was last changed (``updated``, ``modified``, ``last_modified`` …)."""
    notetype: str | None = None
    author: str | None = None
    lang: str | None = None
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()
    """Other scalar front matter keys, in file order, as text."""
    quotes: tuple[Quote, ...] = ()
    wikilinks: tuple[WikiLink, ...] = ()
    passages: tuple[Passage, ...] = ()
    alias_pairs: tuple[tuple[str, str], ...] = ()


class ReadResult(Struct, frozen=True):
    """One file read: the note (``None`` when nothing could be read) and the problems found."""

    path: str
    note: Note | None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

