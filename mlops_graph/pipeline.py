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
from mlops_graph.extract.concepts import VOCABULARY_FILE, ConceptIndex, build_index, load_vocabulary
from mlops_graph.extract.consensus import ConsensusRow, consensus, cooccurrence
from mlops_graph.extract.mentions import MentionMatcher
from mlops_graph.extract.notes import read_note
from mlops_graph.extract.suggest import suggest, suggestions_csv
from mlops_graph.graph.iris import Iris
from mlops_graph.graph.mapping import MentionRecord, NoteMapping, concept_triples, map_note, mention_triples
from mlops_graph.graph.namespaces import prefixes
from mlops_graph.graph.network import to_networkx
from mlops_graph.model import Note, Problem
from mlops_graph.read.files import NoteFile, decode, discover

HTML_TITLE = "mlops-graph"
Progress = Callable[[Iterable[NoteFile], int], Iterable[NoteFile]]


@dataclass(slots=True)
class Summary:
    files: int = 0
    notes: int = 0
    definitions: int = 0
    sources: int = 0
    concepts: int = 0
    triples: int = 0
    problems: int = 0
    skipped: int = 0

    def line(self) -> str:
        return (
            f"{self.notes} notes, {self.definitions} definitions, {self.sources} sources, "
            f"{self.concepts} concepts, {self.triples} triples, {self.problems} problems"
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
    graphs: dict[str, list[ox.Triple]] = field(default_factory=dict)
    """Named graph IRI → its triples (one per note, plus the concept scheme)."""
    consensus: list[ConsensusRow] = field(default_factory=list)


def read_notes(
    notes_dir: Path, settings: Settings, *, exclude: tuple[Path, ...] = (), progress: Progress | None = None
) -> tuple[list[Note], list[Problem], int]:
    """Read every note under ``notes_dir``; returns the notes, the problems and the number of files."""
    files, problems = discover(notes_dir, exclude=exclude)
    notes: list[Note] = []
    iterable: Iterable[NoteFile] = progress(files, len(files)) if progress else files
    for note_file in iterable:
        try:
            size = note_file.path.stat().st_size
            if size > settings.max_note_bytes:
                problems.append(Problem(
                    note_file.rel, None,
                    f"is {size:,} bytes, over the limit of {settings.max_note_bytes:,} (max-note-bytes); skipped",
                ))
                continue
            data = note_file.path.read_bytes()
        except FileNotFoundError:
            problems.append(Problem(note_file.rel, None, "disappeared while the build was running; skipped"))
            continue
        except OSError as exc:
            problems.append(Problem(note_file.rel, None, f"cannot be read: {exc.strerror or exc}; skipped"))
            continue
        text, decode_problems = decode(data, note_file.rel)
        problems.extend(decode_problems)
        if text is None:
            continue
        result = read_note(note_file.rel, text, settings.date_order)
        problems.extend(result.problems)
        if result.note is not None:
            notes.append(result.note)
    problems.sort(key=lambda p: (p.path, p.line or 0))
    return _unique_slugs(notes), problems, len(files)


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


def find_mentions(m: NoteMapping, matcher: MentionMatcher) -> list[MentionRecord]:
    """Concept mentions in a note's definitions, its own prose and its title."""
    found: list[MentionRecord] = []
    for d in m.definitions:
        for hit in matcher.find(d.quote.text, d.quote.code_spans):
            found.append(MentionRecord(d.iri, "value", hit.start, hit.end, hit.exact, hit.concept, "definition"))
    for iri, passage in m.passages:
        for hit in matcher.find(passage.text, passage.code_spans):
            found.append(MentionRecord(iri, "value", hit.start, hit.end, hit.exact, hit.concept, "passage"))
    for hit in matcher.find(m.note.title):
        found.append(MentionRecord(m.iri, "title", hit.start, hit.end, hit.exact, hit.concept, "note"))
    return found


def build(
    notes_dir: Path, settings: Settings | None = None, *, exclude: tuple[Path, ...] = (),
    progress: Progress | None = None,
) -> BuildResult:
    """Read the notes and produce every output file in memory."""
    settings = settings or Settings()
    notes, problems, file_count = read_notes(notes_dir, settings, exclude=exclude, progress=progress)
    vocabulary = load_vocabulary((VOCABULARY_FILE, *settings.vocabularies) if VOCABULARY_FILE.is_file()
                                 else settings.vocabularies)
    index = build_index(settings.base_iri, vocabulary, notes)
    iris = Iris(settings.base_iri)
    targets = _link_targets(notes, iris)
    mappings = [map_note(note, iris, index, targets) for note in notes]
    matcher = MentionMatcher(index.concepts.values())
    for m in mappings:
        m.mentions = find_mentions(m, matcher)
        m.triples.extend(mention_triples(m.mentions, iris))

    pfx = prefixes(settings.base_iri)
    files: dict[str, bytes] = {}
    graphs: dict[str, list[ox.Triple]] = {}
    for m in mappings:
        graphs[m.graph] = rdf.canonical(m.triples)
        files[f"notes/{m.note.slug}.ttl"] = rdf.turtle(graphs[m.graph], pfx)
    graphs[iris.concepts_graph] = rdf.canonical(concept_triples(index))
    ordered = sorted(graphs)
    everything = rdf.canonical(t for g in ordered for t in graphs[g])
    files["graph.ttl"] = rdf.turtle(everything, pfx)
    files["graph.trig"] = rdf.trig([(g, graphs[g]) for g in ordered], pfx)

    summary = Summary(
        files=file_count,
        notes=len(notes),
        definitions=sum(len(m.definitions) for m in mappings),
        sources=len({d.source_iri for m in mappings for d in m.definitions if d.source_iri}),
        concepts=len(index.concepts),
        triples=len(everything),
        problems=len(problems),
        skipped=file_count - len(notes),
    )
    if not notes and file_count == 0:
        problems.append(Problem(str(notes_dir), None, "has no Markdown notes (*.md)", "warning"))
        summary.problems = len(problems)
    rows = consensus(mappings, index)
    co = cooccurrence(mappings, index)
    files["report.md"] = render_report(mappings, index, rows, co, summary.line()).encode("utf-8")
    texts = [(m.note.path, [q.text for q in m.note.quotes] + [p.text for p in m.note.passages]) for m in mappings]
    spans = lambda text: [(hit.start, hit.end) for hit in matcher.find(text)]  # noqa: E731
    files["suggested-concepts.csv"] = suggestions_csv(suggest(texts, index, spans))
    if settings.html:
        files["graph.html"] = render_html(to_networkx(mappings, index), title=HTML_TITLE).encode("utf-8")
    return BuildResult(files, notes, mappings, index, problems, summary, graphs, rows)


__all__ = ["BuildResult", "NoteError", "Summary", "build", "read_notes"]
