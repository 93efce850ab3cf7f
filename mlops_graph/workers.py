"""The per-note half of a build: RDF mapping, concept mentions and Turtle, for each note on its own.

Notes are independent once the concept index exists, so large corpora are spread over processes
(forked, so they share the index, the matcher and the link table without copying them). Each worker
sends back the note's Turtle body and the few facts the whole-corpus steps need; the parent rebuilds
the ``NoteMapping`` from its own copy of the note.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from mlops_graph.config import Settings
from mlops_graph.export import rdf
from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.extract.mentions import MentionMatcher
from mlops_graph.graph.iris import Iris
from mlops_graph.graph.mapping import DefinitionRecord, MentionRecord, NoteMapping, map_note, mention_triples
from mlops_graph.model import Note, Problem
from mlops_graph.read.files import NoteFile

#: Below this many notes, one process does everything: starting workers would cost more.
PARALLEL_MIN_NOTES = 400
CHUNK_SIZE = 64


@dataclass(frozen=True, slots=True)
class NoteContext:
    iris: Iris
    index: ConceptIndex
    link_targets: dict[str, str]
    matcher: MentionMatcher
    prefixes: dict[str, str]


@dataclass(slots=True)
class RenderedNote:
    mapping: NoteMapping
    body: bytes
    """The note's graph as Turtle statements (no prefix lines)."""
    triples: int
    shared: list[ox.Triple]


# What a worker sends back: body, triple count, shared triples, per-definition
# (iri, concept, source, page), passage IRIs, links, mentions.
_Payload = tuple[
    bytes, int, list[ox.Triple], list[tuple[str, str, str | None, str | None]], list[str], list[str],
    list[MentionRecord],
]
_CONTEXT: NoteContext | None = None
_NOTES: Sequence[Note] = ()


def _mentions(m: NoteMapping, matcher: MentionMatcher) -> list[MentionRecord]:
    found: list[MentionRecord] = []
    for d in m.definitions:
        found += [MentionRecord(d.iri, h.start, h.end, h.concept, "definition")
                  for h in matcher.find(d.quote.text, d.quote.code_spans)]
    for iri, passage in m.passages:
        found += [MentionRecord(iri, h.start, h.end, h.concept, "passage")
                  for h in matcher.find(passage.text, passage.code_spans)]
    found += [MentionRecord(m.iri, h.start, h.end, h.concept, "note") for h in matcher.find(m.note.title)]
    return found


def _render(note: Note, ctx: NoteContext) -> tuple[NoteMapping, bytes, int]:
    mapping = map_note(note, ctx.iris, ctx.index, ctx.link_targets)
    mapping.mentions = _mentions(mapping, ctx.matcher)
    mapping.triples.extend(mention_triples(mapping.mentions))
    body = rdf.turtle_body(mapping.triples, ctx.prefixes)
    return mapping, body, len(mapping.triples)


def _work(position: int) -> _Payload:
    assert _CONTEXT is not None
    mapping, body, count = _render(_NOTES[position], _CONTEXT)
    return (
        body, count, mapping.shared,
        [(d.iri, d.concept.iri, d.source_iri, d.page_iri) for d in mapping.definitions],
        [iri for iri, _p in mapping.passages], mapping.links, mapping.mentions,
    )


def _rebuild(note: Note, payload: _Payload, ctx: NoteContext) -> RenderedNote:
    body, count, shared, definitions, passages, links, mentions = payload
    mapping = NoteMapping(note, ctx.iris.note(note.slug), ctx.iris.note_graph(note.slug))
    mapping.definitions = [
        DefinitionRecord(iri, note, quote, ctx.index.concepts[concept], source, page)
        for (iri, concept, source, page), quote in zip(definitions, note.quotes, strict=True)
    ]
    mapping.passages = list(zip(passages, note.passages, strict=True))
    mapping.links = links
    mapping.mentions = mentions
    return RenderedNote(mapping, body, count, shared)


_READ: tuple[Sequence[NoteFile], Settings] | None = None


def _read_work(position: int) -> tuple[Note | None, list[Problem]]:
    from mlops_graph.pipeline import read_one

    assert _READ is not None
    files, settings = _READ
    return read_one(files[position], settings)


def read_files(
    files: Sequence[NoteFile], settings: Settings, *, workers: int | None = None,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
) -> Iterator[tuple[Note | None, list[Problem]]]:
    """Each file read (see ``pipeline.read_one``), in the order of ``files``."""
    global _READ
    from mlops_graph.pipeline import read_one

    count = default_workers(len(files)) if workers is None else max(1, workers)
    if count == 1 or "fork" not in multiprocessing.get_all_start_methods():
        iterable: Iterable[NoteFile] = progress(files, len(files)) if progress else files
        for note_file in iterable:
            yield read_one(note_file, settings)
        return
    _READ = (files, settings)
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            results: Iterable[tuple[Note | None, list[Problem]]] = pool.imap(
                _read_work, range(len(files)), chunksize=CHUNK_SIZE
            )
            if progress:
                results = progress(results, len(files))
            yield from list(results)
    finally:
        _READ = None


def default_workers(notes: int) -> int:
    if notes < PARALLEL_MIN_NOTES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def render_notes(notes: Sequence[Note], ctx: NoteContext, workers: int | None = None) -> list[RenderedNote]:
    """Every note's mapping and Turtle body, in the order of ``notes``."""
    global _CONTEXT, _NOTES
    count = default_workers(len(notes)) if workers is None else max(1, workers)
    if count == 1 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        for note in notes:
            mapping, body, triples = _render(note, ctx)
            out.append(RenderedNote(mapping, body, triples, mapping.shared))
        return out
    _CONTEXT, _NOTES = ctx, notes
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            payloads = pool.map(_work, range(len(notes)), chunksize=CHUNK_SIZE)
    finally:
        _CONTEXT, _NOTES = None, ()
    return [_rebuild(note, payload, ctx) for note, payload in zip(notes, payloads, strict=True)]
