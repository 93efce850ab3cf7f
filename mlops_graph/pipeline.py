"""The build: notes folder in, every output file's bytes out. Nothing here writes to the output folder
(large builds keep their notes' Turtle in unnamed temporary files until the files are read, see
``workers.BodyStore``)."""

from __future__ import annotations

import errno
import functools
import gc
import os
import stat
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import pyoxigraph as ox

from mlops_graph.cache import BuildCache, CacheError, digest, program_digest
from mlops_graph.config import REPORT_FILE, Settings
from mlops_graph.errors import NoteError
from mlops_graph.export import rdf
from mlops_graph.export.atomic import Piece, Span
from mlops_graph.export.report import TOP_CONCEPTS, render_report
from mlops_graph.extract.concepts import ConceptIndex, build_index, index_inputs, vocabulary_for
from mlops_graph.extract.consensus import ConsensusRow, agreement, consensus, consensus_by_term, cooccurrence
from mlops_graph.extract.notes import once_per_key, read_note
from mlops_graph.extract.suggest import suggest, suggestions_csv
from mlops_graph.graph.iris import Iris
from mlops_graph.graph.mapping import Mapper, NoteMapping, SourceFact, concept_triples, source_triples
from mlops_graph.graph.namespaces import prefixes
from mlops_graph.model import Note, Problem
from mlops_graph.read.files import NoteFile, decode, discover, skipped_line
from mlops_graph.workers import (
    Background,
    Body,
    BodyStore,
    NoteContext,
    body_size,
    in_parallel,
    join_bodies,
    pack_note,
    read_files,
    render_notes,
    unpack_note,
)

HTML_TITLE = "mlops-graph"
#: The report and the suggestions take less time to make than the page, the first of the three that
#: the output's writer waits for; their processes run at this lower priority (``os.nice``), so that
#: the page's gets the cores first.
SHORTER_TASKS_NICE = 5
Progress = Callable[[Iterable[NoteFile], int], Iterable[NoteFile]]
T = TypeVar("T")


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
    folders: str = ""
    """The folders that were not read, and why (``skipped_line``)."""

    def line(self) -> str:
        return (
            f"{self.notes} notes, {self.definitions} definitions, {self.sources} sources, "
            f"{self.concepts} concepts, {self.mentions} mentions, {self.triples} triples, {self.problems} problems"
            + (f" ({self.skipped} files skipped)" if self.skipped else "")
            + (f"; {self.folders}" if self.folders else "")
        )


@dataclass(slots=True)
class BuildResult:
    """Everything a build produced: file contents keyed by path relative to the output folder (see
    :class:`OutputFiles`; nothing is written), the notes, their mappings, the concepts and the problems."""

    files: Mapping[str, bytes]
    notes: list[Note]
    mappings: list[NoteMapping]
    index: ConceptIndex
    problems: list[Problem]
    summary: Summary
    _consensus: list[ConsensusRow] | None = None

    @property
    def consensus(self) -> list[ConsensusRow]:
        """What the sources agree on (``extract.consensus.consensus``), worked out when first asked for."""
        if self._consensus is None:
            self._consensus = consensus(self.mappings, self.index)
        return self._consensus


def read_notes(
    notes_dir: Path, settings: Settings, *, exclude: tuple[Path, ...] = (), progress: Progress | None = None,
    workers: int | None = None, cache: BuildCache | None = None, skipped: dict[str, int] | None = None,
) -> tuple[list[Note], list[Problem], int]:
    """Read every note under ``notes_dir``; returns the notes, the problems and the number of files.

    With a ``cache``, files whose path and bytes are unchanged since it last saw them are not
    parsed again; ``cache.note_keys`` then maps each note's path to the key of its reading."""
    files, problems = discover(notes_dir, exclude=exclude, skipped=skipped)
    keys: list[bytes | None] = [None] * len(files)
    present: set[bytes] = set()
    base: bytes | None = None
    if cache is not None and cache.enabled:
        base = digest(program_digest(), "read", settings.date_order, settings.title_from)
        keys = [_read_key(base, note_file, settings) for note_file in files]
        present = cache.present("read", [k for k in keys if k is not None])
    todo = [i for i, key in enumerate(keys) if key is None or key not in present]
    results: list[tuple[Note | None, list[Problem]] | None] = [None] * len(files)
    fresh: list[tuple[bytes, Any]] = []
    for position, (note, found, key) in zip(todo, read_files([files[i] for i in todo], settings, workers=workers,
                                                              progress=progress, key_base=base), strict=True):
        # The reading is kept under the key of the bytes it was made from, which differ from those
        # the key above was made from when the file changed in between; a file that could not be
        # read has no key, and its problem is not kept.
        results[position] = (note, found)
        keys[position] = key
        if key is not None:
            fresh.append((key, (pack_note(note) if note is not None else None, found)))
    if cache is not None:
        cache.put_many("read", fresh)
        if present:
            positions = {key: i for i, key in enumerate(keys) if key is not None}
            for key, (packed, found) in cache.load("read", [k for k in keys if k is not None and k in present]):
                results[positions[key]] = (unpack_note(packed) if packed is not None else None, found)
    notes: list[Note] = []
    for position, result in enumerate(results):
        assert result is not None
        note, found = result
        problems.extend(found)
        if note is not None:
            notes.append(note)
            key = keys[position]
            if cache is not None and key is not None:
                cache.note_keys[note.path] = key
    problems.sort(key=lambda p: (p.path, p.line or 0))
    return _unique_slugs(notes), problems, len(files)


def _read_key(base: bytes, note_file: NoteFile, settings: Settings) -> bytes | None:
    """The cache key of a file's reading, or None for a file that is not simply readable (too large,
    unreadable): that one is read the usual way, which reports why."""
    try:
        data, size = _read_limited(note_file.path, settings.max_note_bytes)
    except OSError:
        return None
    if size > settings.max_note_bytes:
        return None
    return _reading_key(base, note_file, data)


def _reading_key(base: bytes, note_file: NoteFile, data: bytes) -> bytes:
    """The cache key of the reading of ``note_file`` when it holds ``data``."""
    return digest(base, note_file.rel, data)


def _read_limited(path: Path, limit: int) -> tuple[bytes, int]:
    """The file's bytes and its size; nothing is read of a file over ``limit`` bytes, and never more
    than ``limit`` + 1 bytes of one that grows while it is read (its size then says it is over).

    Plain ``os`` calls on one descriptor (open, fstat, read, close): every note is read this way
    on every build, to find its cache key, and the system calls are most of the cost. A file that
    is not a regular file is refused, never waited for."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    except BlockingIOError:  # a file server holds a lease on it: wait for it, as a plain open does
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise
        fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        if info.st_size > limit:
            return b"", info.st_size
        parts: list[bytes] = []
        got = 0
        while got <= limit:
            # Up to one byte past the size measured, then (if it grew) up to one byte past the limit.
            part = os.read(fd, (info.st_size + 1 if got <= info.st_size else limit + 1) - got)
            if not part:
                break
            parts.append(part)
            got += len(part)
            if got == info.st_size:  # all that was measured: the end of the file, without asking again
                break
        data = b"".join(parts)  # one part (the usual case) is returned as it is, not copied
        return data, len(data) if len(data) <= limit else max(len(data), os.fstat(fd).st_size)
    finally:
        os.close(fd)


def read_one(note_file: NoteFile, settings: Settings) -> tuple[Note | None, list[Problem]]:
    """One file: size limit, bytes, decoding, then the note. Problems are returned, never raised."""
    note, problems, _key = read_keyed(note_file, settings, None)
    return note, problems


def read_keyed(note_file: NoteFile, settings: Settings,
               key_base: bytes | None) -> tuple[Note | None, list[Problem], bytes | None]:
    """:func:`read_one`, and the cache key of the bytes it read (made from ``key_base``); None
    without ``key_base``, or for a file that could not be read."""
    problems: list[Problem] = []
    try:
        data, size = _read_limited(note_file.path, settings.max_note_bytes)
        if size > settings.max_note_bytes:
            return None, [Problem(
                note_file.rel, None,
                f"is {size:,} bytes, over the limit of {settings.max_note_bytes:,} (max-note-bytes); skipped",
            )], None
    except FileNotFoundError:
        return None, [Problem(note_file.rel, None, "disappeared while the build was running; skipped")], None
    except OSError as exc:
        return None, [Problem(note_file.rel, None, f"cannot be read: {exc.strerror or exc}; skipped")], None
    key = _reading_key(key_base, note_file, data) if key_base is not None else None
    text, decode_problems = decode(data, note_file.rel)
    problems.extend(decode_problems)
    if text is None:
        return None, problems, key
    result = read_note(note_file.rel, text, settings.date_order, settings.title_from)
    problems.extend(result.problems)
    return result.note, problems, key


def _unique_slugs(notes: list[Note]) -> list[Note]:
    """Give colliding slugs (``A b.md`` and ``a-b.md``) a suffix made from the file path."""
    from collections import Counter
    from dataclasses import replace

    from mlops_graph.graph.iris import _digest

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
    spans: dict[str, array[int]] = {}
    for m in mappings:
        own = [q.text for q in m.note.quotes] + [p.text for p in m.note.passages]
        for text, found in zip(own, m.spans, strict=True):
            spans.setdefault(text, found)
        texts.append((m.note.path, own))

    def covered(text: str) -> list[tuple[int, int]]:
        found = spans.get(text)
        return list(zip(found[::2], found[1::2], strict=True)) if found else []

    return texts, covered


class OutputFiles(Mapping[str, bytes]):
    """Every output file's bytes by path relative to the output folder.

    ``graph.ttl``, ``graph.trig`` and ``notes/*.ttl`` share their statements: each graph's Turtle body
    is kept once (for large builds in temporary files, see ``workers.BodyStore``), and a file is put
    together when it is looked up, so only one large file is in memory at a time.

    The files in ``pending`` (the report, the page, the suggestions) may still be being made in
    processes of their own: looking one up waits for it. They come last in the order of the names,
    so that whoever writes the files in that order writes the others meanwhile.
    """

    def __init__(self, header: bytes, bodies: dict[str, Body], note_files: dict[str, str], store: BodyStore | None,
                 pending: dict[str, Background[bytes]]) -> None:
        self._header = header
        self._bodies = bodies
        self._order = sorted(bodies)
        self._note_files = note_files
        self._store = store
        self._pending = pending
        self._names = sorted({"graph.ttl", "graph.trig", *note_files}) + sorted(pending)

    def __getitem__(self, name: str) -> bytes:
        task = self._pending.get(name)
        if task is not None:
            return task.result()
        return join_bodies(self._parts(name), self._store)

    def _parts(self, name: str) -> list[Body]:
        graph = self._note_files.get(name)
        if graph is not None:
            return [self._header, self._bodies[graph]]
        if name == "graph.ttl":
            return [self._header, *(self._bodies[g] for g in self._order)]
        if name == "graph.trig":
            parts: list[Body] = [self._header]
            for g in self._order:
                parts += [rdf.graph_open(g), self._bodies[g], rdf.GRAPH_CLOSE]
            return parts
        raise KeyError(name)

    def chunks(self, name: str) -> Iterator[Piece]:
        """The file ``name`` in pieces (see ``export.atomic.ChunkedFiles``): graph.ttl and graph.trig
        are written without ever being whole in memory, and the bodies kept in temporary files are
        copied from there by the kernel."""
        if name in self._pending:
            yield self[name]
            return
        for part in self._parts(name):
            if isinstance(part, bytes):
                yield part
            else:
                assert self._store is not None
                yield Span(*self._store.where(part))

    def size(self, name: str) -> int:
        """The size in bytes of the file ``name``, without putting it together."""
        if name in self._pending:
            return len(self[name])
        return sum(map(body_size, self._parts(name)))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._pending or name in self._note_files or name in ("graph.ttl", "graph.trig")


def build(
    notes_dir: Path, settings: Settings | None = None, *, exclude: tuple[Path, ...] = (),
    progress: Progress | None = None, workers: int | None = None, cache: BuildCache | None = None,
) -> BuildResult:
    """Read the notes and produce every output file in memory.

    ``workers``: processes for the per-note work (default: one per core for large corpora).
    ``cache``: notes unchanged since a build that used the same cache are neither read nor rendered
    again (see ``mlops_graph.cache``); the output is the same as without it. If the cache fails
    during the build, the build starts again without it.

    For large builds, the report, the page and the suggestions are made in processes of their own,
    and may still be being made when this returns: reading them from ``files`` waits for them (see
    :class:`OutputFiles`), and dropping the result stops them.

    The cyclic garbage collector is paused during the build and restored afterwards: a build makes
    millions of long-lived objects and almost no reference cycles, so its collections would scan
    the whole heap again and again for nothing (and, in forked workers, copy every page they touch).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            return _build(notes_dir, settings or Settings(), exclude, progress, workers, cache)
        except CacheError:
            return _build(notes_dir, settings or Settings(), exclude, progress, workers, None)
    finally:
        if was_enabled:
            gc.enable()


def _memo(cache: BuildCache | None, kind: str, inputs: Callable[[], str | bytes], make: Callable[[], T]) -> T:
    """``make()``, kept in the cache under the hash of the program and of ``inputs()``, which must
    hold everything ``make`` depends on (and is only worked out when there is a cache)."""
    if cache is None or not cache.enabled:
        return make()
    key = digest(program_digest(), kind, inputs())
    value = cache.get(kind, key)
    if value is None:
        value = make()
        cache.put(kind, key, value)
    return cast(T, value)


def _concepts_text(index: ConceptIndex) -> str:
    """Everything of the index that the concepts graph and the notes' renderings depend on."""
    return repr((index.base_iri, index.scheme, list(index.concepts.values())))


def _render_keys(notes: list[Note], settings: Settings, concepts: Callable[[], str], links: dict[str, str],
                 cache: BuildCache | None) -> list[bytes] | None:
    """Each note's rendering key: its reading, its slug and everything else its triples depend on."""
    if cache is None or not cache.enabled or any(n.path not in cache.note_keys for n in notes):
        return None
    context = digest(program_digest(), "render", settings.base_iri, concepts(), repr(sorted(links.items())))
    return [digest(context, cache.note_keys[n.path], n.slug) for n in notes]


def _suggestions(mappings: list[NoteMapping], index: ConceptIndex) -> bytes:
    texts, covered = _texts_and_spans(mappings)
    return suggestions_csv(suggest(texts, index, covered))


def _page(mappings: list[NoteMapping], index: ConceptIndex) -> bytes:
    # Imported here: networkx and pyvis are loaded only by the process that makes the page.
    from mlops_graph.export.html import FOLD_THRESHOLD, render_html
    from mlops_graph.graph.network import to_networkx

    graph = to_networkx(mappings, index, fold_above=FOLD_THRESHOLD)
    return render_html(graph, title=HTML_TITLE).encode("utf-8")


def _report(mappings: list[NoteMapping], index: ConceptIndex, summary_line: str) -> bytes:
    top = dict(consensus_by_term(agreement(mappings), index, TOP_CONCEPTS))
    co = cooccurrence(mappings, index)
    return render_report(mappings, index, top, co, summary_line).encode("utf-8")


def _build(notes_dir: Path, settings: Settings, exclude: tuple[Path, ...], progress: Progress | None,
           workers: int | None, cache: BuildCache | None) -> BuildResult:
    skipped: dict[str, int] = {}
    notes, problems, file_count = read_notes(notes_dir, settings, exclude=exclude, progress=progress,
                                             workers=workers, cache=cache, skipped=skipped)
    problems = once_per_key(problems)
    vocabulary = vocabulary_for(settings)
    index = _memo(cache, "index", lambda: index_inputs(settings.base_iri, vocabulary, notes),
                  lambda: build_index(settings.base_iri, vocabulary, notes))
    concepts = functools.cache(lambda: _concepts_text(index))
    iris = Iris(settings.base_iri)
    links = _link_targets(notes, iris)
    mapper = Mapper(iris, index, links)
    keys = _render_keys(notes, settings, concepts, links, cache)
    rendered, store = render_notes(notes, NoteContext(mapper, prefixes(settings.base_iri)), workers,
                                   cache=cache, keys=keys)

    bodies: dict[str, Body] = {}
    note_files: dict[str, str] = {}
    mappings: list[NoteMapping] = []
    facts: set[SourceFact] = set()
    fact_keys: list[bytes] = []
    triple_count = 0
    for note, body in rendered:
        mappings.append(note.mapping)
        facts.update(note.sources)
        fact_keys.append(note.sources_key)
        bodies[note.mapping.graph] = body
        triple_count += note.triples
        note_files[f"notes/{note.mapping.note.slug}.ttl"] = note.mapping.graph
    del rendered
    # For large builds the suggestions, the page and the report are each made in a process of their
    # own, while this one makes the sources and the concepts graphs and then goes on (see OutputFiles).
    parallel = in_parallel(len(notes), workers)
    pending: dict[str, Background[bytes]] = {}
    try:
        if settings.html:
            pending["graph.html"] = Background(lambda: _page(mappings, index), parallel)
        pending["suggested-concepts.csv"] = Background(lambda: _suggestions(mappings, index), parallel,
                                                       nice=SHORTER_TASKS_NICE)
        triple_count += _shared_graphs(bodies, mapper, facts, b"".join(fact_keys), concepts, cache)
        return _finish(notes_dir, notes, problems, file_count, index, mappings, bodies,
                       note_files, triple_count, store, pending, parallel, skipped_line(skipped))
    except BaseException:
        for task in pending.values():
            task.cancel()
        if store is not None:
            store.close()
        raise


def _graph_body(triples: list[ox.Triple], pfx: dict[str, str]) -> tuple[bytes, int]:
    unique = rdf.canonical(triples)
    return rdf.turtle_body(unique, pfx), len(unique)


def _shared_graphs(bodies: dict[str, Body], mapper: Mapper, facts: set[SourceFact], fact_keys: bytes,
                   concepts: Callable[[], str], cache: BuildCache | None) -> int:
    """The sources graph and the concepts graph, added to ``bodies``; returns their triple count.
    Each is kept in the cache under what it is made from: the source facts of every note (``fact_keys``:
    each note's ``RenderedNote.sources_key``, in note order), and the concepts of the index."""
    iris, index = mapper.iris, mapper.index
    pfx = prefixes(index.base_iri)
    sources = _memo(cache, "sources", lambda: fact_keys,
                    lambda: _graph_body(source_triples(facts), pfx))
    scheme = _memo(cache, "concepts", concepts, lambda: _graph_body(concept_triples(index), pfx))
    bodies[iris.sources_graph], bodies[iris.concepts_graph] = sources[0], scheme[0]
    return sources[1] + scheme[1]


def _finish(notes_dir: Path, notes: list[Note], problems: list[Problem], file_count: int, index: ConceptIndex,
            mappings: list[NoteMapping], bodies: dict[str, Body], note_files: dict[str, str], triple_count: int,
            store: BodyStore | None, pending: dict[str, Background[bytes]], parallel: bool,
            folders: str = "") -> BuildResult:
    """The whole-corpus steps, once every note is rendered; the report is added to ``pending``."""
    pfx = prefixes(index.base_iri)

    summary = Summary(
        files=file_count,
        notes=len(notes),
        definitions=sum(1 for m in mappings for d in m.definitions if d.quote.kind == "definition"),
        sources=len({d.source_iri for m in mappings for d in m.definitions if d.source_iri}),
        concepts=len(index.concepts),
        mentions=sum(m.mentions for m in mappings),
        triples=triple_count,
        problems=len(problems),
        skipped=file_count - len(notes),
        folders=folders,
    )
    if not notes and file_count == 0:
        problems.append(Problem(str(notes_dir), None, "has no Markdown notes (*.md)", "warning"))
        summary.problems = len(problems)
    line = summary.line()
    pending[REPORT_FILE] = Background(lambda: _report(mappings, index, line), parallel, nice=SHORTER_TASKS_NICE)
    files = OutputFiles(rdf.header(pfx), bodies, note_files, store, pending)
    return BuildResult(files, notes, mappings, index, problems, summary)


__all__ = ["BuildResult", "NoteError", "Summary", "build", "read_notes"]
