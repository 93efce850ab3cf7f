"""The data model: what the reader and the extractors produce, before any RDF is made."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from mlops_graph.errors import printable

Severity = Literal["error", "warning"]
QuoteKind = Literal["definition", "quotation"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one input file. The build goes on; ``--strict`` makes it fail."""

    path: str
    line: int | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        path = printable(self.path)
        where = f"{path}:{self.line}" if self.line is not None else path
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class SourceRef:
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


@dataclass(frozen=True, slots=True)
class Quote:
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


@dataclass(frozen=True, slots=True)
class WikiLink:
    target: str
    line: int


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph or list item of the author's own prose (not a quote), or an aside: a blockquote or
    callout that is neither a quotation nor a definition (a tip, a warning, a summary, a caption)."""

    text: str
    line: int
    code_spans: tuple[tuple[int, int], ...] = ()
    aside: str | None = None
    """For an aside: the callout type, or ``quote`` for a plain blockquote."""
    callout_title: str | None = None


@dataclass(frozen=True, slots=True)
class Note:
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


@dataclass(frozen=True, slots=True)
class ReadResult:
    """One file read: the note (``None`` when nothing could be read) and the problems found."""

    path: str
    note: Note | None
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def as_call(self: object) -> tuple[type, tuple[object, ...]]:
    """Pickled as a call of the class on its fields, which loads several times faster than a
    slotted dataclass's state (a large build's worker processes send notes and their graphs)."""
    return type(self), tuple(getattr(self, name) for name in self.__slots__)  # type: ignore[attr-defined]


for _kind in (Problem, SourceRef, Quote, WikiLink, Passage, Note):
    setattr(_kind, "__reduce__", as_call)  # noqa: B010 - set on each class after it is made
