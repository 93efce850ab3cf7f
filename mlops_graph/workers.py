"""Parallelism at one seam: a function mapped over the notes, in a process pool when there are many.

Below :data:`PARALLEL_MIN_NOTES` notes one process does everything (starting workers would cost
more than they save). Above, a ``multiprocessing`` pool maps the function over the items; what the
function needs besides the item (``context``) is handed to each worker once, when it starts. The
pool is closed before :func:`map_notes` returns: no process outlives a call.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

#: Below this many notes, one process does everything.
PARALLEL_MIN_NOTES = 400
CHUNK_SIZE = 32
I = TypeVar("I")  # noqa: E741 - the item
C = TypeVar("C")
R = TypeVar("R")
Progress = Callable[[Iterable[Any], int], Iterable[Any]]

_job: tuple[Callable[[Any, Any], Any], Any] | None = None
"""In a worker: the function and its context, set when the worker starts."""


def _start(function: Callable[[Any, Any], Any], context: Any) -> None:
    global _job
    _job = (function, context)


def _call(item: Any) -> Any:
    assert _job is not None
    function, context = _job
    return function(item, context)


def worker_count(items: int, workers: int | None = None) -> int:
    """How many processes work on ``items`` items: ``workers`` if given, else one below
    :data:`PARALLEL_MIN_NOTES` and one per core (at most 8) above."""
    if workers is not None:
        return max(1, workers)
    if items < PARALLEL_MIN_NOTES:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def map_notes(function: Callable[[I, C], R], items: Sequence[I], context: C, *, workers: int | None = None,
              progress: Progress | None = None) -> list[R]:
    """``[function(item, context) for item in items]``, in the order of ``items``; spread over
    processes for many items (``function`` must then be a module-level function)."""
    count = min(worker_count(len(items), workers), max(1, len(items)))
    if count == 1:
        done: Iterable[R] = (function(item, context) for item in items)
        return list(progress(done, len(items)) if progress else done)
    with multiprocessing.Pool(count, initializer=_start, initargs=(function, context)) as pool:
        results: Iterable[R] = pool.imap(_call, items, chunksize=CHUNK_SIZE)
        return list(progress(results, len(items)) if progress else results)
