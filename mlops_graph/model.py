"""The data model: what the reader and the extractors produce, before any RDF is made."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from mlops_graph.errors import printable

Severity = Literal["error", "warning"]


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
    url: str | None = None
    """The cited URL as written, with tracking parameters removed; ``None`` for a plain name."""


@dataclass(frozen=True, slots=True)
class Quote:
    """A definition as found in a note: a blockquote, or the author's summary paragraph."""

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


@dataclass(frozen=True, slots=True)
class WikiLink:
    target: str
    line: int


@dataclass(frozen=True, slots=True)
class Passage:
    """A paragraph or list item of the author's own prose (not a quote)."""

    text: str
    line: int
    code_spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    path: str
    """Path relative to the notes folder, with ``/`` separators."""
    slug: str
    title: str
    term: str
    """The term the note is about, from its title heading or its title."""
    date: dt.date | None = None
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
