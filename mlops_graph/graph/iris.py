"""Stable, readable IRIs for every node, derived from content rather than from build order."""

from __future__ import annotations

import hashlib

from mlops_graph.extract.notes import slugify
from mlops_graph.model import Note, Quote


def short_digest(*parts: str, size: int = 12) -> str:
    """A short hex hash of the parts, each ended by a separator (so ("ab", "c") differs from ("a", "bc"))."""
    data = "\x1f".join((*parts, "")).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:size]


class Iris:
    def __init__(self, base_iri: str) -> None:
        self.base = base_iri

    def note(self, slug: str) -> str:
        return f"{self.base}note/{slug}"

    def note_graph(self, slug: str) -> str:
        return f"{self.base}graph/note/{slug}"

    @property
    def concepts_graph(self) -> str:
        return f"{self.base}graph/concepts"

    @property
    def sources_graph(self) -> str:
        return f"{self.base}graph/sources"

    @property
    def manifest_graph(self) -> str:
        return f"{self.base}graph/manifest"

    def definition(self, note: Note, quote: Quote, occurrence: int) -> str:
        """A definition's IRI (``definition/…``), or a quotation's (``quote/…``)."""
        source = quote.source.name if quote.source else ""
        folder = "definition" if quote.kind == "definition" else "quote"
        return f"{self.base}{folder}/{note.slug}/{short_digest(note.slug, source, quote.text, str(occurrence))}"

    def passage(self, note_slug: str, text: str, occurrence: int) -> str:
        return f"{self.base}passage/{note_slug}/{short_digest(note_slug, text, str(occurrence))}"

    def source_at(self, name: str, host: str | None) -> str:
        """The IRI of the source called ``name`` at ``host`` (``None``: no web link)."""
        slug = slugify(name.replace("/", " ")) or short_digest(name, size=10)
        return f"{self.base}source/{host or 'unlinked'}/{slug}"

    def metadata(self, note_slug: str, key: str, *, unique: bool = False) -> str:
        """``unique`` adds a hash of the key, for keys whose slugs collide ("Status" and "status")."""
        slug = slugify(key.replace("/", " "))
        if unique or not slug:
            slug = f"{slug}-{short_digest(key, size=8)}" if slug else short_digest(key, size=10)
        return f"{self.base}note/{note_slug}/meta/{slug}"
