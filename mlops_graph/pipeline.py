"""The build: notes folder in, every output file's bytes out. Nothing here writes to disk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from mlops_graph.config import Settings
from mlops_graph.errors import NoteError
from mlops_graph.export import rdf
from mlops_graph.export.html import render_html
from mlops_graph.export.report import render_report
from mlops_graph.extract.concepts import ConceptIndex, build_index, vocabulary_for
from mlops_graph.extract.consensus import ConsensusRow, consensus, cooccurrence
from mlops_graph.extract.mentions import MentionMatcher
from mlops_graph.extract.notes import read_note
from mlops_graph.extract.suggest import suggest, suggestions_csv
from mlops_graph.graph.iris import Iris
from mlops_graph.graph.mapping import NoteMapping, concept_triples
from mlops_graph.graph.namespaces import prefixes
from mlops_graph.graph.network import to_networkx
from mlops_graph.model import Note, Problem
from mlops_graph.read.files import NoteFile, decode, discover
from mlops_graph.workers import NoteContext, read_files, render_notes

HTML_TITLE = "mlops-graph"
Progress = Callable[[Iterable[NoteFile], int], Iterable[NoteFile]]


@dataclass(slots=True)
class Summary:
    files: int = 0
    notes: int = 0
    definitions: int = 0
    sources: int = 0
    concepts: int = 0
    mentions: int = 0
    triples: int = 0
    problems: int = 0
    skipped: int = 0

    def line(self) -> str:
        return (
            f"{self.notes} notes, {self.definitions} definitions, {self.sources} sources, "
            f"{self.concepts} concepts, {self.mentions} mentions, {self.triples} triples, {self.problems} problems"
            + (f" ({self.skipped} files skipped)" if self.skipped else "")
        )


@dataclass(slots=True)
class BuildResult:
    """Everything a build produced, in memory: file contents keyed by path relative to the output folder."""

    files: dict[str, bytes]
    notes: list[Note]
    mappings: list[NoteMapping]
    index: ConceptIndex
    problems: list[Problem]
    summary: Summary
    consensus: list[ConsensusRow] = field(default_factory=list)


def read_notes(
    notes_dir: Path, settings: Settings, *, exclude: tuple[Path, ...] = (), progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[list[Note], list[Problem], int]:
    """Read every note under ``notes_dir``; returns the notes, the problems and the number of files."""
    files, problems = discover(notes_dir, exclude=exclude)
    notes: list[Note] = []
    for note, found in read_files(files, settings, workers=workers, progress=progress):
        problems.extend(found)
        if note is not None:
            notes.append(note)
    problems.sort(key=lambda p: (p.path, p.line or 0))
    return _unique_slugs(notes), problems, len(files)


def read_one(note_file: NoteFile, settings: Settings) -> tuple[Note | None, list[Problem]]:
    """One file: size limit, bytes, decoding, then the note. Problems are returned, never raised."""
    problems: list[Problem] = []
    try:
        size = note_file.path.stat().st_size
        if size > settings.max_note_bytes:
            return None, [Problem(
                note_file.rel, None,
                f"is {size:,} bytes, over the limit of {settings.max_note_bytes:,} (max-note-bytes); skipped",
            )]
        data = note_file.path.read_bytes()
    except FileNotFoundError:
        return None, [Problem(note_file.rel, None, "disappeared while the build was running; skipped")]
    except OSError as exc:
        return None, [Problem(note_file.rel, None, f"cannot be read: {exc.strerror or exc}; skipped")]
    text, decode_problems = decode(data, note_file.rel)
    problems.extend(decode_problems)
    if text is None:
        return None, problems
    result = read_note(note_file.rel, text, settings.date_order)
    problems.extend(result.problems)
    return result.note, problems


def _unique_slugs(notes: list[Note]) -> list[Note]:
    """Give colliding slugs (``A b.md`` and ``a-b.md``) a suffix made from the file path."""
    from collections import Counter
    from dataclasses import replace

    from mlops_graph.graph.iris import _digest

    counts = Counter(n.slug for n in notes)
    out = []
    for note in notes:
        if counts[note.slug] > 1:
            clean = note.path.rsplit(".", 1)[0] == note.slug
            if not clean:
                note = replace(note, slug=f"{note.slug}-{_digest(note.path, size=8)}")
        out.append(note)
    return out


def _link_targets(notes: list[Note], iris: Iris) -> dict[str, str]:
    """Wiki-link text (case-folded) → note IRI, by title, then alias, then file stem; ties go to the
    first note by path."""
    targets: dict[str, str] = {}
    for kind in ("title", "alias", "stem"):
        for note in sorted(notes, key=lambda n: n.path):
            keys: tuple[str, ...]
            if kind == "title":
                keys = (note.title,)
            elif kind == "alias":
                keys = note.aliases
            else:
                keys = (note.path.rsplit("/", 1)[-1].rsplit(".", 1)[0], note.path.rsplit(".", 1)[0])
            for key in keys:
                targets.setdefault(key.casefold(), iris.note(note.slug))
    return targets


def _texts_and_spans(
    mappings: list[NoteMapping],
) -> tuple[list[tuple[str, list[str]]], Callable[[str], list[tuple[int, int]]]]:
    """Each note's definitions and passages as text, and the spans its concept mentions cover."""
    texts: list[tuple[str, list[str]]] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in mappings:
        by_target: dict[str, list[tuple[int, int]]] = {}
        for mention in m.mentions:
            by_target.setdefault(mention.target, []).append((mention.start, mention.end))
        own = [(d.iri, d.quote.text) for d in m.definitions] + [(iri, p.text) for iri, p in m.passages]
        for iri, text in own:
            spans.setdefault(text, by_target.get(iri, []))
        texts.append((m.note.path, [text for _iri, text in own]))
    return texts, lambda text: spans.get(text, [])


def build(
    notes_dir: Path, settings: Settings | None = None, *, exclude: tuple[Path, ...] = (),
    progress: Progress | None = None, workers: int | None = None,
) -> BuildResult:
    """Read the notes and produce every output file in memory.

    ``workers``: processes for the per-note work (default: one per core for large corpora).
    """
    settings = settings or Settings()
    notes, problems, file_count = read_notes(notes_dir, settings, exclude=exclude, progress=progress,
                                             workers=workers)
    index = build_index(settings.base_iri, vocabulary_for(settings), notes)
    iris = Iris(settings.base_iri)
    pfx = prefixes(settings.base_iri)
    matcher = MentionMatcher(index.concepts.values())
    context = NoteContext(iris, index, _link_targets(notes, iris), matcher, pfx)
    rendered = render_notes(notes, context, workers)

    files: dict[str, bytes] = {}
    bodies: dict[str, bytes] = {}
    mappings: list[NoteMapping] = []
    shared: list[ox.Triple] = []
    triple_count = 0
    for note in rendered:
        mappings.append(note.mapping)
        shared.extend(note.shared)
        bodies[note.mapping.graph] = note.body
        triple_count += note.triples
        files[f"notes/{note.mapping.note.slug}.ttl"] = rdf.header(pfx) + note.body
    sources = rdf.canonical(shared)
    concepts = rdf.canonical(concept_triples(index))
    bodies[iris.sources_graph] = rdf.turtle_body(sources, pfx)
    bodies[iris.concepts_graph] = rdf.turtle_body(concepts, pfx)
    triple_count += len(sources) + len(concepts)
    ordered = sorted(bodies)
    files["graph.ttl"] = rdf.turtle((bodies[g] for g in ordered), pfx)
    files["graph.trig"] = rdf.trig(((g, bodies[g]) for g in ordered), pfx)

    summary = Summary(
        files=file_count,
        notes=len(notes),
        definitions=sum(len(m.definitions) for m in mappings),
        sources=len({d.source_iri for m in mappings for d in m.definitions if d.source_iri}),
        concepts=len(index.concepts),
        mentions=sum(len(m.mentions) for m in mappings),
        triples=triple_count,
        problems=len(problems),
        skipped=file_count - len(notes),
    )
    if not notes and file_count == 0:
        problems.append(Problem(str(notes_dir), None, "has no Markdown notes (*.md)", "warning"))
        summary.problems = len(problems)
    rows = consensus(mappings, index)
    co = cooccurrence(mappings, index)
    files["report.md"] = render_report(mappings, index, rows, co, summary.line()).encode("utf-8")
    texts, covered = _texts_and_spans(mappings)
    files["suggested-concepts.csv"] = suggestions_csv(suggest(texts, index, covered))
    if settings.html:
        files["graph.html"] = render_html(to_networkx(mappings, index), title=HTML_TITLE).encode("utf-8")
    return BuildResult(files, notes, mappings, index, problems, summary, rows)


__all__ = ["BuildResult", "NoteError", "Summary", "build", "read_notes"]
