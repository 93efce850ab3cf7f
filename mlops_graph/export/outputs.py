"""The output files, one module each, listed in one registry.

Each module in :data:`OUTPUTS` has ``render(graphs: Graphs) -> bytes``. The files made from the
whole corpus (report, suggestions, page) are made with the build; the Turtle files are joined from
the graphs' Turtle when they are read (:func:`output_files`), so writing them holds one large file
in memory at a time. A module that also has ``pieces(graphs)`` (the whole-graph files) is
written piece by piece, never whole in memory (:meth:`OutputFiles.pieces`). Modules are imported
when their file is first made: a build without ``--suggest`` never loads the keyword extractor.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import IO

from msgspec import Struct

from mlops_graph.config import REPORT_FILE
from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.graph.mapping import NoteMapping

#: File name → module that renders it, in the order they are written.
OUTPUTS: dict[str, str] = {
    "graph.ttl": "mlops_graph.export.turtle",
    "graph.trig": "mlops_graph.export.trig",
    REPORT_FILE: "mlops_graph.export.report",
    "suggested-concepts.csv": "mlops_graph.export.suggestions",
    "graph.html": "mlops_graph.export.html",
}
#: Also one Turtle file per note, ``notes/<slug>.ttl``.
NOTE_FILES = "notes/{slug}.ttl"
#: Above this many bytes of Turtle statements, :class:`Bodies` keeps them in a temporary file.
SPILL_BYTES = 16 << 20
#: The outputs made from the whole corpus rather than joined from the graphs' Turtle.
WHOLE_CORPUS = (REPORT_FILE, "suggested-concepts.csv", "graph.html")


class Bodies(Mapping[str, bytes]):
    """Named graph IRI → its Turtle statements: in memory while they come to less than
    :data:`SPILL_BYTES` (a garden of 500 notes makes about 4 MB), else in an unnamed temporary file (a
    10,000-note build's come to about 260 MB; the file is read back once per output that holds them,
    from the page cache). The file goes when the object does."""

    def __init__(self) -> None:
        self._memory: dict[str, bytes] | None = {}
        self._file: IO[bytes] | None = None
        self._where: dict[str, tuple[int, int]] = {}
        self._end = 0
        self._lock: AbstractContextManager[object] = nullcontext()

    def __setitem__(self, graph: str, body: bytes) -> None:
        if self._memory is not None:
            self._end += len(body) - len(self._memory.get(graph, b""))
            self._memory[graph] = body
            if self._end < SPILL_BYTES:
                return
            import tempfile  # here: a garden's build never spills
            import threading

            kept, self._memory, self._end, self._lock = self._memory, None, 0, threading.Lock()
            self._file = tempfile.TemporaryFile(prefix="mlops-graph-")  # noqa: SIM115 - open as long as self
            for name, data in kept.items():
                self[name] = data
            return
        assert self._file is not None  # written before any is read: the lock is for readers only
        self._file.seek(self._end)
        self._file.write(body)
        self._where[graph] = (self._end, len(body))
        self._end += len(body)

    def __getitem__(self, graph: str) -> bytes:
        if self._memory is not None:
            return self._memory[graph]
        offset, size = self._where[graph]
        assert self._file is not None
        if hasattr(os, "pread"):  # the output's writer threads read bodies side by side
            self._file.flush()
            return os.pread(self._file.fileno(), size, offset) if size else b""
        with self._lock:  # no pread (Windows): one reader at a time
            self._file.seek(offset)
            return self._file.read(size)

    def __iter__(self) -> Iterator[str]:
        return iter(self._memory if self._memory is not None else self._where)

    def __len__(self) -> int:
        return len(self._memory if self._memory is not None else self._where)


class Graphs(Struct):
    """What the output files are made from: each named graph's Turtle statements, the notes' place
    in the graph and the concepts."""

    header: bytes
    """The ``@prefix`` lines."""
    bodies: Mapping[str, bytes]
    """Named graph IRI → its statements in Turtle, without prefix lines (:class:`Bodies`)."""
    mappings: list[NoteMapping]
    index: ConceptIndex
    summary_line: str = ""


class OutputFiles(Mapping[str, bytes]):
    """Every output file's bytes by path relative to the output folder: the whole-corpus files made
    at once, the Turtle files joined when looked up."""

    def __init__(self, graphs: Graphs, names: list[str], made: Mapping[str, bytes]) -> None:
        self.graphs = graphs
        self._makers: dict[str, Callable[[Graphs, str], bytes]] = {}
        self._args: dict[str, str] = {}
        for m in sorted(graphs.mappings, key=lambda m: m.note.slug):
            name = NOTE_FILES.format(slug=m.note.slug)
            self._makers[name], self._args[name] = _note_file, m.graph
        for name in names:
            self._makers[name], self._args[name] = _render, OUTPUTS[name]
        self._made = {name: made[name] for name in names if name in made}

    def __getitem__(self, name: str) -> bytes:
        made = self._made.get(name)
        return made if made is not None else self._makers[name](self.graphs, self._args[name])

    def pieces(self, name: str) -> Iterable[bytes]:
        """The file ``name`` in pieces that make it up."""
        if self._makers[name] is _render:
            module = importlib.import_module(self._args[name])
            if hasattr(module, "pieces"):
                found: Iterable[bytes] = module.pieces(self.graphs)
                return found
        return [self[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def _note_file(graphs: Graphs, graph: str) -> bytes:
    return graphs.header + graphs.bodies[graph]


def _render(graphs: Graphs, module: str) -> bytes:
    data: bytes = importlib.import_module(module).render(graphs)
    return data


def render_output(name: str, graphs: Graphs) -> bytes:
    """The output file ``name`` of :data:`OUTPUTS`."""
    return _render(graphs, OUTPUTS[name])


#: Outputs made only when asked for, by the setting of the same name.
OPTIONAL = {"graph.html": "html", "suggested-concepts.csv": "suggest"}


def output_names(*, html: bool = True, suggest: bool = False) -> list[str]:
    """The files of :data:`OUTPUTS` a build with these settings writes."""
    wanted = {"html": html, "suggest": suggest}
    return [name for name in OUTPUTS if wanted.get(OPTIONAL.get(name, ""), True)]


def output_files(graphs: Graphs, names: list[str], made: Mapping[str, bytes]) -> OutputFiles:
    """The files ``names`` (and one per note); those in ``made`` as they are, the others made when read."""
    return OutputFiles(graphs, names, made)
