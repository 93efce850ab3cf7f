"""The build, as plain stages over plain data; only the first reads files, and nothing here writes:

    files, problems = discover(notes_dir)            # read.files: which files are notes
    notes = [read_file(f) for f in files]            # each file's bytes → a Note (model)
    corpus = extract(notes, settings)                # the concept index, the link table, the matcher
    graphs = to_graphs(corpus)                       # per note: its mentions, then its graph as Turtle
    files = output_files(graphs)                     # every output file (export.outputs), made when read
    write_output(out_dir, files)                     # export.atomic: the caller writes

The per-note steps (reading, and a note's mentions and graph) run in a process pool for large
corpora (``workers.map_notes``).
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from mlops_graph.config import Settings
from mlops_graph.export import rdf
from mlops_graph.export.outputs import WHOLE_CORPUS, Bodies, Graphs, output_files, output_names, render_output
from mlops_graph.extract.concepts import Concept, ConceptIndex, build_index, vocabulary_for
from mlops_graph.extract.mentions import MentionMatcher, note_mentions
from mlops_graph.extract.notes import once_per_key, read_note
from mlops_graph.graph.consensus import ConsensusRow, consensus
from mlops_graph.graph.iris import Iris, short_digest
from mlops_graph.graph.mapping import Mapper, NoteMapping, SourceFact, concept_triples, source_triples
from mlops_graph.model import Note, Problem, Quote
from mlops_graph.namespaces import prefixes
from mlops_graph.read.files import NoteFile, decode, discover, skipped_line
from mlops_graph.workers import Progress, collector_paused, map_notes, worker_count

PathLike = str | os.PathLike[str]


class Summary(Struct):
    files: int = 0
    notes: int = 0
    definitions: int = 0
    sources: int = 0
    concepts: int = 0
    mentions: int = 0
    triples: int = 0
    problems: int = 0
    skipped: int = 0
    folders: str = ""
    """The folders that were not read, and why (``read.files.skipped_line``)."""

    def line(self) -> str:
        return (
            f"{self.notes} notes, {self.definitions} definitions, {self.sources} sources, "
            f"{self.concepts} concepts, {self.mentions} mentions, {self.triples} triples, {self.problems} problems"
            + (f" ({self.skipped} files skipped)" if self.skipped else "")
            + (f"; {self.folders}" if self.folders else "")
        )


class BuildResult(Struct):
    """Everything a build produced: file contents keyed by path relative to the output folder (each
    made when it is read; nothing is written), the notes, their mappings, the concepts and the problems."""

    files: Mapping[str, bytes]
    notes: list[Note]
    mappings: list[NoteMapping]
    index: ConceptIndex
    problems: list[Problem]
    summary: Summary
    _consensus: list[ConsensusRow] | None = None

    @property
    def consensus(self) -> list[ConsensusRow]:
        """What the sources agree on (``graph.consensus.consensus``), worked out when first asked for."""
        if self._consensus is None:
            self._consensus = consensus(self.mappings, self.index)
        return self._consensus


# ---------------------------------------------------------------------------------------------- read


def read_file(note_file: NoteFile, settings: Settings) -> tuple[Note | None, list[Problem]]:
    """One file: size limit, bytes, decoding, then the note. Problems are returned, never raised."""
    limit = settings.max_note_bytes
    try:
        # Opened without waiting (a pipe put in its place would wait for a writer), then read whole.
        fd = os.open(note_file.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.EINVAL, "not a regular file")
            os.set_blocking(fd, True)
            size = info.st_size
            data = b"" if size > limit else handle.read(size + 1)
            if size < len(data) <= limit:  # it grew since: read on, up to the limit
                data += handle.read(limit + 1 - len(data))
    except FileNotFoundError:
        return None, [Problem(note_file.rel, None, "disappeared while the build was running; skipped")]
    except OSError as exc:
        return None, [Problem(note_file.rel, None, f"cannot be read: {exc.strerror or exc}; skipped")]
    if size > limit or len(data) > limit:
        size = max(size, len(data))
        return None, [Problem(note_file.rel, None, f"is {size:,} bytes, over the limit of {limit:,} "
                                                   "(max-note-bytes); skipped")]
    text, problems = decode(data, note_file.rel)
    if text is None:
        return None, problems
    result = read_note(note_file.rel, text, settings.date_order, settings.title_from)
    return result.note, problems + list(result.problems)


def read_notes(notes_dir: PathLike, settings: Settings | None = None, *, exclude: tuple[PathLike, ...] = (),
               progress: Progress | None = None, workers: int | None = None, skipped: dict[str, int] | None = None,
               ) -> tuple[list[Note], list[Problem], int]:
    """Read every note under ``notes_dir``; returns the notes, the problems and the number of files.
    ``skipped`` counts the folders that were not read, by why (``read.files.discover``)."""
    files, problems = discover(Path(notes_dir), exclude=tuple(Path(p) for p in exclude), skipped=skipped)
    notes: list[Note] = []
    for note, found in map_notes(read_file, files, settings or Settings(), workers=workers, progress=progress):
        problems.extend(found)
        if note is not None:
            notes.append(note)
    problems.sort(key=lambda p: (p.path, p.line or 0))
    return _unique_slugs(notes), problems, len(files)


def _unique_slugs(notes: list[Note]) -> list[Note]:
    """Give colliding slugs (``A b.md`` and ``a-b.md``) a suffix made from the file path."""
    counts = Counter(n.slug for n in notes)
    kept: set[str] = set()
    out = []
    for note in notes:
        if counts[note.slug] > 1:
            # The first note (by path) whose path already is its slug keeps it; the others get a suffix.
            clean = note.path.rsplit(".", 1)[0] == note.slug and note.slug not in kept
            if clean:
                kept.add(note.slug)
            else:
                note = replace(note, slug=f"{note.slug}-{short_digest(note.path, size=8)}")
        out.append(note)
    return out


# ------------------------------------------------------------------------------------------- extract


class Corpus(Struct):
    """The notes and what the whole corpus decides: concepts, where wiki-links point, the matcher."""

    notes: list[Note]
    mapper: Mapper
    matcher: MentionMatcher
    prefixes: dict[str, str]
    _positions: dict[str, int] = field(default_factory=dict)

    _quotes: dict[int, tuple[int, int]] = field(default_factory=dict)

    def ref(self, obj: object) -> tuple[str | int, ...] | None:
        """A note, a quote or a concept as its name (``workers.Shared``): the results of workers
        refer to the corpus's own objects instead of sending copies."""
        if isinstance(obj, Note):
            return ("note", obj.path)
        if isinstance(obj, Concept):
            return ("concept", obj.iri)
        if isinstance(obj, Quote):
            if not self._quotes:  # by identity: a worker renders the corpus's own notes
                self._quotes.update((id(q), (n, i)) for n, note in enumerate(self.notes)
                                    for i, q in enumerate(note.quotes))
            found = self._quotes.get(id(obj))
            return ("quote", *found) if found is not None else None
        return None

    def deref(self, name: tuple[Any, ...]) -> object:
        if name[0] == "concept":
            return self.mapper.index.concepts[name[1]]
        if name[0] == "quote":
            return self.notes[name[1]].quotes[name[2]]
        if not self._positions:
            self._positions.update((n.path, i) for i, n in enumerate(self.notes))
        return self.notes[self._positions[name[1]]]


def extract(notes: list[Note], settings: Settings) -> Corpus:
    index = build_index(settings.base_iri, vocabulary_for(settings), notes)
    iris = Iris(settings.base_iri)
    mapper = Mapper(iris, index, _link_targets(notes, iris))
    return Corpus(notes, mapper, MentionMatcher(index.concepts.values()), prefixes(settings.base_iri))


def _link_targets(notes: list[Note], iris: Iris) -> dict[str, str]:
    """Wiki-link text (case-folded) → note IRI, by title, then alias, then file stem; ties go to the
    first note by path."""
    targets: dict[str, str] = {}
    ordered = sorted(notes, key=lambda n: n.path)
    keys: list[tuple[Note, tuple[str, ...]]] = [(n, (n.title,)) for n in ordered]
    keys += [(n, n.aliases) for n in ordered]
    keys += [(n, (n.path.rsplit("/", 1)[-1].rsplit(".", 1)[0], n.path.rsplit(".", 1)[0])) for n in ordered]
    for note, texts in keys:
        for text in texts:
            targets.setdefault(text.casefold(), iris.note(note.slug))
    return targets


# -------------------------------------------------------------------------------------------- graphs


class NoteGraph(Struct):
    mapping: NoteMapping
    body: bytes
    """The note's graph as Turtle statements (no prefix lines), written by pyoxigraph."""
    triples: int
    sources: list[SourceFact]


def note_graph(note: Note, corpus: Corpus) -> NoteGraph:
    """One note's mentions (extract), then its named graph (graph) as Turtle (export)."""
    mapped = corpus.mapper.render(note, note_mentions(note, corpus.matcher))
    return NoteGraph(mapped.mapping, rdf.turtle_body(mapped.triples, corpus.prefixes), mapped.count, mapped.sources)


def _note_graph_at(position: int, corpus: Corpus) -> NoteGraph:
    return note_graph(corpus.notes[position], corpus)


def to_graphs(corpus: Corpus, *, workers: int | None = None) -> tuple[Graphs, int]:
    """Every note's graph, the sources graph and the concepts graph; and the number of triples."""
    bodies = Bodies()
    mappings: list[NoteMapping] = []
    facts: set[SourceFact] = set()
    triples = 0
    for done in map_notes(_note_graph_at, range(len(corpus.notes)), corpus, workers=workers):
        mappings.append(done.mapping)
        bodies[done.mapping.graph] = done.body
        facts.update(done.sources)
        triples += done.triples
    iris, index = corpus.mapper.iris, corpus.mapper.index
    for graph, made in ((iris.sources_graph, source_triples(facts)), (iris.concepts_graph, concept_triples(index))):
        unique = rdf.canonical(made)
        bodies[graph] = rdf.turtle_body(unique, corpus.prefixes)
        triples += len(unique)
    return Graphs(rdf.header(corpus.prefixes), bodies, mappings, index), triples


# --------------------------------------------------------------------------------------------- build


def build(notes_dir: PathLike, settings: Settings | None = None, *, exclude: tuple[PathLike, ...] = (),
          progress: Progress | None = None, workers: int | None = None) -> BuildResult:
    """Read the notes in ``notes_dir`` and make every output file (in memory; nothing is written).

    ``exclude``: folders under ``notes_dir`` not to read (the output folder). ``workers``: processes
    for the per-note work (default: one per core for large corpora, else one).

    The cyclic garbage collector is paused meanwhile (``workers.collector_paused``)."""
    with collector_paused():
        return _build(notes_dir, settings or Settings(), exclude, progress, workers)


def _build(notes_dir: PathLike, settings: Settings, exclude: tuple[PathLike, ...], progress: Progress | None,
           workers: int | None) -> BuildResult:
    skipped: dict[str, int] = {}
    notes, problems, file_count = read_notes(notes_dir, settings, exclude=exclude, progress=progress,
                                             workers=workers, skipped=skipped)
    problems = once_per_key(problems)
    graphs, triples = to_graphs(extract(notes, settings), workers=workers)
    mappings, index = graphs.mappings, graphs.index
    if not notes and file_count == 0:
        problems.append(Problem(str(notes_dir), None, "has no Markdown notes (*.md)", "warning"))
    summary = Summary(
        files=file_count,
        notes=len(notes),
        definitions=sum(1 for m in mappings for d in m.definitions if d.quote.kind == "definition"),
        sources=len({d.source_iri for m in mappings for d in m.definitions if d.source_iri}),
        concepts=len(index.concepts),
        mentions=sum(m.mentions for m in mappings),
        triples=triples,
        problems=len(problems),
        skipped=file_count - len(notes),
        folders=skipped_line(skipped),
    )
    graphs.summary_line = summary.line()
    names = output_names(html=settings.html, suggest=settings.suggest)
    whole = [name for name in names if name in WHOLE_CORPUS]
    # The whole-corpus files (seconds of work each for thousands of notes) are made side by side
    # when the notes were; the Turtle files are joined from the bodies when they are written.
    side_by_side = len(whole) if worker_count(len(notes), workers) > 1 else 1
    made = dict(zip(whole, map_notes(render_output, whole, graphs, workers=side_by_side), strict=True))
    return BuildResult(output_files(graphs, names, made), notes, mappings, index, problems, summary)


__all__ = ["BuildResult", "Corpus", "Summary", "build", "extract", "read_file", "read_notes", "to_graphs"]
