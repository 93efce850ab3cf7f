"""The per-note half of a build: reading files, and each note's Turtle and concept mentions.

Notes are independent once the concept index exists, so large corpora are spread over processes
(forked, so they share the index, the matcher and the link table without copying them). Notes come
back from the readers as nested tuples, and each renderer sends back the few facts the whole-corpus
steps need as plain tuples (both pickle several times faster than dataclasses); the parent rebuilds
the ``NoteMapping`` from its own copy of the note. The Turtle bodies do not travel at all: each
renderer appends them to a temporary file of its own (:class:`BodyStore`) and sends where they are.
"""

from __future__ import annotations

import contextlib
import functools
import io
import multiprocessing
import os
import pickle
import signal
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar, cast

from mlops_graph import libc
from mlops_graph.cache import BuildCache, digest
from mlops_graph.config import Settings
from mlops_graph.export import rdf
from mlops_graph.export.atomic import Span
from mlops_graph.extract.mentions import MentionMatcher
from mlops_graph.graph.mapping import DefinitionRecord, Mapper, NoteMapping, SourceFact
from mlops_graph.model import Note, Passage, Problem, Quote, SourceRef, WikiLink
from mlops_graph.read.files import NoteFile

#: Below this many notes, one process does everything: starting workers would cost more.
PARALLEL_MIN_NOTES = 400
CHUNK_SIZE = 64
T = TypeVar("T")


Body = bytes | tuple[int, int, int]
"""A graph's Turtle body: its bytes, or where a :class:`BodyStore` keeps them (file, offset, length)."""


class BodyStore:
    """The notes' Turtle bodies of a large build, in unnamed temporary files, one per process that
    writes them, so that neither the workers' results nor the parent hold them in memory. The files
    go away when the store is closed or dropped, or the process ends."""

    def __init__(self, files: int) -> None:
        self._files: list[io.BufferedRandom] = [
            tempfile.TemporaryFile(prefix="mlops-graph-")  # noqa: SIM115 - open as long as the store
            for _ in range(files)
        ]
        self._ends = [0] * files
        self._finalizer = weakref.finalize(self, _close_all, self._files)

    @property
    def slots(self) -> int:
        return len(self._files)

    def put(self, slot: int, data: bytes) -> Body:
        """Append ``data`` to file ``slot``, which only the calling process writes to."""
        if not data:
            return data
        fd, offset = self._files[slot].fileno(), self._ends[slot]
        view, done = memoryview(data), 0
        while done < len(data):
            done += os.pwrite(fd, view[done:], offset + done)
        self._ends[slot] = offset + len(data)
        return (slot, offset, len(data))

    def read_into(self, body: Body, into: memoryview) -> None:
        """Copy a body into ``into``. Reads are positional (``pread``): the files are shared with the
        forked workers, and so is their file position, which a worker may be moving meanwhile."""
        if isinstance(body, bytes):
            into[:] = body
            return
        Span(*self.where(body)).read_into(into)

    def read(self, body: Body) -> bytes:
        return body if isinstance(body, bytes) else join_bodies([body], self)

    def where(self, body: tuple[int, int, int]) -> tuple[int, int, int]:
        """The open file descriptor, offset and length of a stored body."""
        slot, offset, size = body
        return self._files[slot].fileno(), offset, size

    def close(self) -> None:
        self._finalizer()


def _close_all(files: list[io.BufferedRandom]) -> None:
    for handle in files:
        handle.close()


def body_size(body: Body) -> int:
    return len(body) if isinstance(body, bytes) else body[2]


def join_bodies(parts: Sequence[Body], store: BodyStore | None) -> bytes:
    """The parts one after the other, as one ``bytes`` object made in place: the result is the only
    copy of the data in memory (no list of pieces, no second buffer)."""
    size = sum(map(body_size, parts))
    if size == 0:
        return b""
    buffer = io.BytesIO()
    buffer.seek(size - 1)
    buffer.write(b"\0")
    with buffer.getbuffer() as view:
        position = 0
        for part in parts:
            end = position + body_size(part)
            if isinstance(part, bytes):
                view[position:end] = part
            else:
                assert store is not None
                store.read_into(part, view[position:end])
            position = end
    return buffer.getvalue()


class NoteContext:
    """What rendering a note needs besides the note. The matcher is made when first needed: a
    build whose notes all come from the cache never makes it."""

    def __init__(self, mapper: Mapper, prefixes: dict[str, str]) -> None:
        self.mapper = mapper
        self.prefixes = prefixes
        self._matcher: MentionMatcher | None = None

    @functools.cached_property
    def concept_iris(self) -> dict[str, str]:
        """Each concept's IRI → the index's own copy of it, shared by every note that names it."""
        return {iri: concept.iri for iri, concept in self.mapper.index.concepts.items()}

    @property
    def matcher(self) -> MentionMatcher:
        if self._matcher is None:
            self._matcher = MentionMatcher(self.mapper.index.concepts.values())
        return self._matcher


@dataclass(slots=True)
class RenderedNote:
    mapping: NoteMapping
    body: bytes
    """The note's graph as Turtle statements (no prefix lines), written by pyoxigraph."""
    triples: int
    sources: list[SourceFact]
    sources_key: bytes
    """A digest of ``sources``: the notes' keys, in order, stand for every source fact of the corpus."""


def sources_key(facts: Iterable[SourceFact]) -> bytes:
    return digest(*sorted(map(repr, facts)))


# What a worker sends back for one note: body, triple count, source facts as tuples, per definition
# (iri, concept, source, page, mentioned concepts), passage IRIs, links, mention count, every
# concept mentioned, mention spans per text, the source facts' key.
_Payload = tuple[
    Body, int, list[tuple[str, str, str | None, bool, str | None, str | None, tuple[str, ...]]],
    list[tuple[str, str, str | None, str | None, tuple[str, ...]]], list[str], list[str], int, tuple[str, ...],
    list[Any], bytes,
]
_CONTEXT: NoteContext | None = None
_NOTES: Sequence[Note] = ()
_STORE: BodyStore | None = None
_SLOT = -1


def _render(note: Note, ctx: NoteContext) -> RenderedNote:
    mapped = ctx.mapper.render(note, ctx.matcher)
    body = rdf.turtle_body(mapped.triples, ctx.prefixes)
    return RenderedNote(mapped.mapping, body, mapped.count, mapped.sources, sources_key(mapped.sources))


def _claim_slot(counter: Any) -> None:
    """Pool initializer: this worker's file of the body store."""
    global _SLOT
    with counter.get_lock():
        _SLOT = counter.value
        counter.value += 1


def _payload(rendered: RenderedNote, body: Body) -> _Payload:
    m = rendered.mapping
    return (
        body, rendered.triples, [(f.iri, f.label, f.other, f.is_page, f.homepage, f.role, f.creators)
                                  for f in rendered.sources],
        [(d.iri, d.concept.iri, d.source_iri, d.page_iri, d.mentioned) for d in m.definitions],
        m.passages, m.links, m.mentions, m.mentioned, m.spans, rendered.sources_key,
    )


def _work(position: int) -> _Payload:
    assert _CONTEXT is not None
    rendered = _render(_NOTES[position], _CONTEXT)
    body: Body = rendered.body
    if _STORE is not None and 0 <= _SLOT < _STORE.slots:
        body = _STORE.put(_SLOT, rendered.body)
    return _payload(rendered, body)


def _rebuild(note: Note, payload: _Payload, ctx: NoteContext, shared: dict[str, str]) -> tuple[RenderedNote, Body]:
    """The rendered note from a worker's payload. Strings that many notes repeat (concept, source
    and note IRIs) arrive as fresh copies in each payload; ``shared`` maps each to one copy."""
    body, count, sources, definitions, passages, links, mentions, mentioned, spans, key = payload
    iris, concepts, same = ctx.mapper.iris, ctx.mapper.index.concepts, ctx.concept_iris.__getitem__
    one = shared.setdefault
    mapping = NoteMapping(note, iris.note(note.slug), iris.note_graph(note.slug))
    mapping.definitions = [
        DefinitionRecord(iri, note, quote, concepts[concept], one(source, source) if source else source, page,
                         tuple(map(same, found)))
        for (iri, concept, source, page, found), quote in zip(definitions, note.quotes, strict=True)
    ]
    mapping.passages = passages
    mapping.links = [one(link, link) for link in links]
    mapping.mentions = mentions
    mapping.mentioned = tuple(map(same, mentioned))
    mapping.spans = spans
    facts = [SourceFact(one(a, a), b, one(c, c) if c else c, d, e, f, g) for a, b, c, d, e, f, g in sources]
    return RenderedNote(mapping, b"", count, facts, key), body


_READ: tuple[Sequence[NoteFile], Settings, bytes | None] | None = None
_NOTE_FIELDS = tuple(f.name for f in fields(Note))
_QUOTE_FIELDS = tuple(f.name for f in fields(Quote))
_QUOTES_AT, _LINKS_AT, _PASSAGES_AT = (_NOTE_FIELDS.index(name) for name in ("quotes", "wikilinks", "passages"))
_SOURCE_AT = _QUOTE_FIELDS.index("source")


def _pack_source(source: SourceRef) -> tuple[Any, ...]:
    return (source.name, source.url, source.homepage, source.role, tuple(map(_pack_source, source.creators)))


def _unpack_source(values: tuple[Any, ...]) -> SourceRef:
    name, url, homepage, role, creators = values
    return SourceRef(name, url, homepage, role, tuple(map(_unpack_source, creators)))


def pack_note(note: Note) -> tuple[Any, ...]:
    """A note as nested tuples, which pickle several times faster than the dataclasses."""
    values = [getattr(note, name) for name in _NOTE_FIELDS]
    values[_QUOTES_AT] = tuple(
        tuple(_pack_source(q.source) if name == "source" and q.source is not None else getattr(q, name)
              for name in _QUOTE_FIELDS)
        for q in note.quotes)
    values[_LINKS_AT] = tuple((w.target, w.line) for w in note.wikilinks)
    values[_PASSAGES_AT] = tuple((p.text, p.line, p.code_spans, p.aside, p.callout_title) for p in note.passages)
    return tuple(values)


def unpack_note(values: tuple[Any, ...]) -> Note:
    fields_ = list(values)
    quotes = []
    for q in fields_[_QUOTES_AT]:
        if q[_SOURCE_AT] is not None:
            q = list(q)
            q[_SOURCE_AT] = _unpack_source(q[_SOURCE_AT])
        quotes.append(Quote(*q))
    fields_[_QUOTES_AT] = tuple(quotes)
    fields_[_LINKS_AT] = tuple([WikiLink(*w) for w in fields_[_LINKS_AT]])
    fields_[_PASSAGES_AT] = tuple([Passage(*p) for p in fields_[_PASSAGES_AT]])
    return Note(*fields_)


def _read_work(position: int) -> tuple[tuple[Any, ...] | None, list[Problem], bytes | None]:
    from mlops_graph.pipeline import read_keyed

    assert _READ is not None
    files, settings, key_base = _READ
    note, problems, key = read_keyed(files[position], settings, key_base)
    return (pack_note(note) if note is not None else None), problems, key


def read_files(
    files: Sequence[NoteFile], settings: Settings, *, workers: int | None = None,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None, key_base: bytes | None = None,
) -> Iterator[tuple[Note | None, list[Problem], bytes | None]]:
    """Each file read, with the cache key of the bytes read (see ``pipeline.read_keyed``), in the
    order of ``files``."""
    global _READ
    from mlops_graph.pipeline import read_keyed

    count = default_workers(len(files)) if workers is None else max(1, workers)
    if count == 1 or "fork" not in multiprocessing.get_all_start_methods():
        iterable: Iterable[NoteFile] = progress(files, len(files)) if progress else files
        for note_file in iterable:
            yield read_keyed(note_file, settings, key_base)
        return
    _READ = (files, settings, key_base)
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            results: Iterable[tuple[tuple[Any, ...] | None, list[Problem], bytes | None]] = pool.imap(
                _read_work, range(len(files)), chunksize=CHUNK_SIZE
            )
            if progress:
                results = progress(results, len(files))
            for packed, problems, key in results:
                yield (unpack_note(packed) if packed is not None else None), problems, key
    finally:
        _READ = None


def _run_task(send: Any, make: Callable[[], object], parent: int, nice: int) -> None:
    _end_with(parent)
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    try:
        data = b"\0" + pickle.dumps(make(), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as exc:  # sent to the parent, which raises it
        try:
            data = b"\1" + pickle.dumps(exc)
            pickle.loads(data[1:])  # an exception that cannot be read back is sent as text
        except Exception:
            data = b"\1" + pickle.dumps(RuntimeError(repr(exc)))
    try:
        send.send_bytes(data)
        send.close()
    except OSError:  # the parent has gone, or has stopped waiting
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _end_with(parent: int) -> None:
    """Have this process killed when its parent ends (Linux), so that a build that is killed leaves
    no process of its own running."""
    prctl = libc.function("prctl")
    if prctl is None:  # pragma: no cover - not Linux
        return
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it ended before the signal was asked for
        os._exit(1)


class Background(Generic[T]):
    """``make()`` run in a forked process while the caller goes on with other work (or run at once
    when ``parallel`` is false); :meth:`result` waits for its value, or raises what it raised.
    A task dropped before its result is read is stopped (its process is ended), and so is one whose
    parent process ends (on Linux, when the thread that started it ends).

    ``nice`` (0 or more) lowers the process's scheduling priority by that much (see ``os.nice``),
    for a task whose result is needed later than others'; a task run at once ignores it."""

    def __init__(self, make: Callable[[], T], parallel: bool, *, nice: int = 0) -> None:
        self._value: T | None = None
        self._done = False
        self._error: BaseException | None = None
        self._receive: Any = None
        self._process: Any = None
        self._stop: weakref.finalize[Any, Background[T]] | None = None
        if nice < 0:
            raise ValueError(f"nice must be 0 or more, not {nice}")
        if not parallel or "fork" not in multiprocessing.get_all_start_methods():
            self._value, self._done = make(), True
            return
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_run_task, args=(send, make, os.getpid(), nice), daemon=True)
        process.start()
        send.close()
        self._process = process
        self._stop = weakref.finalize(self, _end_task, process, self._receive)

    def result(self) -> T:
        if not self._done:
            data: bytes | None = None
            try:
                data = self._receive.recv_bytes()
            except EOFError:
                pass
            except BaseException:
                self._fail(RuntimeError("a build process in the background was stopped"))
                raise
            finally:
                self.cancel()
            if data is None:
                code = self._process.exitcode
                self._fail(RuntimeError(f"a build process in the background ended early (exit code {code})"))
            else:
                try:
                    value = pickle.loads(data[1:])
                except Exception as exc:
                    self._fail(RuntimeError(f"the result of a build process in the background cannot be read: {exc!r}"))
                else:
                    if data[:1] == b"\1":
                        self._fail(value)
                    else:
                        self._value, self._done = value, True
        if self._error is not None:
            raise self._error
        return cast(T, self._value)

    def _fail(self, error: BaseException) -> None:
        """Keep ``error``, raised by this and every later :meth:`result`."""
        self._error, self._done = error, True

    def cancel(self) -> None:
        if self._stop is not None:
            self._stop()


def _end_task(process: Any, receive: Any) -> None:
    if process.is_alive():
        process.terminate()
    process.join()
    receive.close()


def in_parallel(notes: int, workers: int | None) -> bool:
    """Whether the per-note work on ``notes`` notes is spread over processes."""
    count = default_workers(notes) if workers is None else max(1, workers)
    return count > 1 and "fork" in multiprocessing.get_all_start_methods()


def default_workers(notes: int) -> int:
    if notes < PARALLEL_MIN_NOTES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def render_notes(notes: Sequence[Note], ctx: NoteContext, workers: int | None = None, *,
                 cache: BuildCache | None = None, keys: Sequence[bytes] | None = None,
                 ) -> tuple[list[tuple[RenderedNote, Body]], BodyStore | None]:
    """Every note's mapping and Turtle body, in the order of ``notes``.

    With a ``cache`` and one key per note, notes whose key is in the cache are not rendered again,
    and the others are added to it. Unless ``workers`` is given, when many notes come from the cache
    the few others are rendered by a process of their own while this one loads the cached ones.

    From :data:`PARALLEL_MIN_NOTES` notes on, the bodies are written to a :class:`BodyStore`
    (returned; the caller closes it) and the rendered notes' ``body`` is empty.
    """
    found = cache.present("render", keys) if cache is not None and keys is not None else set()
    todo = [i for i in range(len(notes)) if keys is None or keys[i] not in found]
    count = default_workers(len(todo)) if workers is None else max(1, workers)
    processes = count if count > 1 and len(todo) > 1 else 1
    # Many notes to render are spread over processes. A few next to many from the cache are rendered
    # by one process of its own (which makes the matcher), while this one loads the others.
    beside_cache = workers is None and len(found) >= PARALLEL_MIN_NOTES
    parallel = bool(todo) and (processes > 1 or beside_cache) and "fork" in multiprocessing.get_all_start_methods()
    # One file per worker, and the last one for this process.
    store = BodyStore(processes + 1 if parallel else 1) if len(notes) >= PARALLEL_MIN_NOTES else None
    own_slot = store.slots - 1 if store is not None else 0
    out: list[tuple[RenderedNote, Body] | None] = [None] * len(notes)
    fresh: list[tuple[bytes, _Payload]] = []

    def keep(position: int, rendered: RenderedNote, body: Body) -> None:
        out[position] = (rendered, body)
        if keys is not None and cache is not None and cache.enabled:
            data = body if isinstance(body, bytes) else store.read(body) if store is not None else b""
            fresh.append((keys[position], _payload(rendered, data)))
            if len(fresh) >= CHUNK_SIZE * 8:
                cache.put_many("render", fresh)
                fresh.clear()

    shared: dict[str, str] = {}  # one copy of each string many notes repeat, from workers and cache alike
    try:
        with contextlib.ExitStack() as stack:
            payloads: Iterable[tuple[int, _Payload]] = ()
            if parallel:
                if processes > 1:
                    ctx.matcher  # noqa: B018 - made before forking, so that the workers share it
                payloads = stack.enter_context(_pool(notes, todo, ctx, store, processes))
            else:
                for position in todo:
                    rendered = _render(notes[position], ctx)
                    data, rendered.body = rendered.body, b""
                    keep(position, rendered, data)
                    if store is not None:
                        out[position] = (rendered, store.put(own_slot, data))
            if found and cache is not None and keys is not None:
                positions = {key: position for position, key in enumerate(keys)}
                for key, payload in cache.load("render", [k for k in keys if k in found]):
                    position = positions[key]
                    rendered, body = _rebuild(notes[position], payload, ctx, shared)
                    if store is not None and isinstance(body, bytes):
                        body = store.put(own_slot, body)
                    out[position] = (rendered, body)
            for position, payload in payloads:
                rendered, body = _rebuild(notes[position], payload, ctx, shared)
                keep(position, rendered, body)
        if fresh and cache is not None:
            cache.put_many("render", fresh)
        assert all(item is not None for item in out)
        return [item for item in out if item is not None], store
    except BaseException:
        if store is not None:
            store.close()
        raise


@contextlib.contextmanager
def _pool(notes: Sequence[Note], todo: list[int], ctx: NoteContext, store: BodyStore | None,
          count: int) -> Iterator[Iterator[tuple[int, _Payload]]]:
    """``count`` forked processes rendering the notes at ``todo``: yields (position, payload) in the
    order of ``todo``, made while the caller goes on."""
    global _CONTEXT, _NOTES, _STORE, _SLOT
    context = multiprocessing.get_context("fork")
    _CONTEXT, _NOTES, _STORE = ctx, notes, store
    try:
        with context.Pool(count, initializer=_claim_slot, initargs=(context.Value("i", 0),)) as pool:
            yield zip(todo, pool.imap(_work, todo, chunksize=CHUNK_SIZE), strict=True)
    finally:
        _CONTEXT, _NOTES, _STORE, _SLOT = None, (), None, -1
