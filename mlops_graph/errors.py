"""The exception tree. Every error the library raises on purpose is an ``MlopsGraphError``."""

from __future__ import annotations

import unicodedata
from pathlib import Path

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that change the direction of the text after them."""


def printable(text: str) -> str:
    """``text`` with each control character (a line break, a terminal escape), line or paragraph
    separator and bidi control written as its escape, so that nothing in a message can split,
    colour or reorder it. Other characters, spaces of any script included, stay as they are."""
    if text.isprintable():
        return text
    return "".join(
        c.encode("unicode_escape").decode("ascii")
        if c in _BIDI or unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") else c
        for c in text
    )


class MlopsGraphError(ValueError):
    """Base class: something about the input, the settings or a store is wrong."""


class LocatedError(MlopsGraphError):
    """An error tied to a file, and to a line of it where there is one.

    ``str(error)`` reads ``notes/x.md:4: message``.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        if self.path is None:
            return ""
        if self.line is None:
            return f"{self.path}: "
        return f"{self.path}:{self.line}: "


class NoteError(LocatedError):
    """A note cannot be read, or a part of it cannot be understood."""


class FrontMatterError(NoteError):
    """The YAML front matter is broken or has values of the wrong type."""


class DateError(FrontMatterError):
    """A date that is not a real date, or not in a known format."""


class ConfigError(MlopsGraphError):
    """A setting in pyproject.toml or on the command line is wrong."""


class VocabularyError(LocatedError):
    """A SKOS vocabulary file cannot be read."""


class QueryError(MlopsGraphError):
    """A SPARQL query is unknown, malformed or failed."""


class StoreError(MlopsGraphError):
    """A triple store refused a request or could not be reached."""


class OutputError(MlopsGraphError):
    """The output folder cannot be written."""


class ServeError(MlopsGraphError):
    """The SPARQL endpoint cannot start: no build to serve, the address taken, or no Oxigraph server."""
