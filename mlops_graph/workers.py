"""Parallelism at one seam: a function mapped over the notes, in a process pool when there are many.
Also :func:`collector_paused`, how a build runs.

Below :data:`PARALLEL_MIN_NOTES` notes one process does everything (starting workers would cost
more than they save). Above, a ``multiprocessing`` pool maps the function over the items; what the
function needs besides the item (``context``) is handed to each worker once, when it is forked. The
pool is closed when the iteration ends: no process outlives a call.

Results come back pickled. Objects that both sides already have (a context's notes and concepts)
travel as references, not copies, when the context is :class:`Shared` (has ``ref`` and ``deref``).
"""

from __future__ import annotations

import gc
import io
import os
import signal
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

#: Below this many notes, one process does everything.
PARALLEL_MIN_NOTES = 400
CHUNK_SIZE = 64
"""Items sent to a worker at a time (fewer when there are few items)."""
I = TypeVar("I")  # noqa: E741 - the item
C = TypeVar("C")
R = TypeVar("R")
Progress = Callable[[Iterable[Any], int], Iterable[Any]]

_job: tuple[Callable[[Any, Any], Any], Any, Callable[[object], Any] | None] | None = None
"""In a worker: the function, its context and the context's ``ref``, set when the worker starts."""


class Shared(Protocol):
    """A context whose objects results may refer to: :meth:`ref` names one (None: copy it), and
    :meth:`deref` finds it again from its name."""

    def ref(self, obj: object) -> Hashable | None: ...

    def deref(self, name: Any) -> object: ...


def _start(function: Callable[[Any, Any], Any], context: Any) -> None:
    global _job
    # Ctrl-C reaches the whole process group: the build's own process stops the pool, and a worker
    # that took the interrupt itself would leave the pool waiting for its task.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _job = (function, context, getattr(context, "ref", None))


def _call(item: Any) -> bytes:
    import pickle  # here and in _load: a build in one process never loads it

    assert _job is not None
    function, context, ref = _job
    result = function(item, context)
    if ref is None:
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.persistent_id = ref  # type: ignore[method-assign]
    pickler.dump(result)
    return buffer.getvalue()


def _load(data: bytes, deref: Callable[[Any], object] | None) -> Any:
    import pickle

    if deref is None:
        return pickle.loads(data)
    unpickler = pickle.Unpickler(io.BytesIO(data))
    unpickler.persistent_load = deref  # type: ignore[method-assign]
    return unpickler.load()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused meanwhile, then as it was: a build makes millions of
    long-lived objects and almost no reference cycles, so its collections would scan them again and
    again for nothing."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def worker_count(items: int, workers: int | None = None) -> int:
    """How many processes work on ``items`` items: ``workers`` if given, else one below
    :data:`PARALLEL_MIN_NOTES` and one per core (at most 8) above; one where processes cannot be
    forked (the context is handed to them by forking, never pickled)."""
    if not hasattr(os, "fork"):
        return 1
    if workers is not None:
        return max(1, workers)
    if items < PARALLEL_MIN_NOTES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def map_notes(function: Callable[[I, C], R], items: Sequence[I], context: C, *, workers: int | None = None,
              progress: Progress | None = None) -> Iterator[R]:
    """``function(item, context)`` for each item, in the order of ``items``, each as soon as it is
    made; spread over processes for many items (``function`` must then be a module-level function).
    The pool ends when the iteration does."""
    count = min(worker_count(len(items), workers), max(1, len(items)))
    if count == 1:
        done: Iterable[R] = (function(item, context) for item in items)
        yield from (progress(done, len(items)) if progress else done)
        return
    import multiprocessing  # here: a build in one process never loads it

    deref = getattr(context, "deref", None)
    with multiprocessing.get_context("fork").Pool(count, initializer=_start, initargs=(function, context)) as pool:
        chunk = max(1, min(CHUNK_SIZE, len(items) // (4 * count)))  # a few items: one each
        results: Iterable[bytes] = pool.imap(_call, items, chunksize=chunk)
        for data in progress(results, len(items)) if progress else results:
            yield _load(data, deref)
