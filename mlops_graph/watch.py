"""Rebuilding as notes are written: ``mlops-graph watch``.

:func:`watch` builds once, then waits for changes in the notes folder (``watchfiles``) and builds
again, writing the output as ``mlops-graph build`` does. Changes that come close together (an
editor saving several files, a folder renamed) are one rebuild: ``watchfiles`` hands them over once
no new change has come for ``STEP_MS`` milliseconds (or after ``DEBOUNCE_MS`` of steady changes).

A change matters when it is to a note (a ``.md`` or ``.markdown`` file that a build reads: not under
a hidden or skipped folder, not in the output folder), to a folder, or is the deletion of a note or
of a folder that held notes. Editors' temporary and swap files do not matter.

Each rebuild says what changed, what the build found, how long it took, and the problems that the
previous build did not have. A note saved half-written is a problem of that note, as in any build;
a rebuild that fails keeps the previous output and the watch goes on.

With a server (:mod:`mlops_graph.serve`), the server is restarted over the new build's store after
each rebuild, so the endpoint answers from the new output.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from watchfiles import Change, DefaultFilter
from watchfiles import watch as changes_in

from mlops_graph.config import Settings
from mlops_graph.errors import MlopsGraphError
from mlops_graph.export.atomic import write_output
from mlops_graph.model import Problem
from mlops_graph.pipeline import BuildResult, build
from mlops_graph.read.files import NOTE_SUFFIXES, SKIPPED_DIRS
from mlops_graph.serve import Server, kept_store, sigterm_interrupts, start_server

#: Changes are handed over once none has come for this long, or after this long of steady changes.
STEP_MS = 50
DEBOUNCE_MS = 1600
#: How often the watch wakes when nothing changes (the first build is made at the first wake).
WAKE_MS = 100
#: At most this many changed paths are named in a rebuild's line.
NAMED_CHANGES = 3

Say = Callable[[str], None]


def watch(notes_dir: Path, out_dir: Path, settings: Settings, *, say: Say, warn: Say,
          serve_at: tuple[str, int] | None = None) -> None:
    """Build ``notes_dir`` into ``out_dir``, then again on every change, until Ctrl-C or SIGTERM.

    ``say`` gets one line per build; ``warn`` gets the problems and failures. With ``serve_at``
    (host, port), a read-only SPARQL endpoint serves the latest build. A failed first build or a
    server that cannot start raises; later failures are reported and the watch goes on."""
    if not notes_dir.is_dir():
        raise MlopsGraphError(f"{notes_dir}: no such notes folder")
    server: Server | None = None
    root, out = notes_dir.resolve(), out_dir.resolve()
    notes: set[str] | None = None  # before the first build
    problems: set[str] = set()
    try:
        with sigterm_interrupts():
            # The first build is made once the watch has started, so that no change made during it is missed.
            for batch in changes_in(root, watch_filter=_Filter(root, out), debounce=DEBOUNCE_MS, step=STEP_MS,
                                    rust_timeout=WAKE_MS, yield_on_timeout=True):
                started = time.perf_counter()
                if notes is None:
                    result = _build(notes_dir, out_dir, settings)
                    if serve_at is not None:
                        server = start_server(kept_store(out_dir), *serve_at)
                    notes, problems = _report(notes_dir, result, "built", started, problems, say, warn)
                    if server is not None:
                        say(f"serving {out_dir.as_posix()}, read-only: {server.url}")
                    say(f"watching {notes_dir.as_posix()} (Ctrl-C stops)")
                    continue
                changed = _describe(root, batch, notes)
                if not changed:
                    continue
                try:
                    result = _build(notes_dir, out_dir, settings)
                except Exception as exc:  # nothing a note holds may stop the watch
                    warn(f"{_clock()} {changed}: rebuild failed, previous output kept: {_reason(exc)}")
                    continue
                if serve_at is not None:
                    server = _serve_new(server, out_dir, serve_at, warn)
                notes, problems = _report(notes_dir, result, changed, started, problems, say, warn)
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.stop()
    say("stopped")


def _build(notes_dir: Path, out_dir: Path, settings: Settings) -> BuildResult:
    result = build(notes_dir, settings, exclude=(out_dir,))
    write_output(out_dir, result.files)
    return result


def _report(notes_dir: Path, result: BuildResult, changed: str, started: float, known: set[str], say: Say,
            warn: Say) -> tuple[set[str], set[str]]:
    """Say what a build found, and the problems not in ``known``; the notes built and the problems, as text."""
    say(f"{_clock()} {changed}: {result.summary.line()} ({time.perf_counter() - started:.2f} s)")
    problems = {_shown(notes_dir, problem) for problem in result.problems}
    for problem in sorted(problems - known):
        warn(f"  {problem}")
    return {note.path for note in result.notes}, problems


def _serve_new(server: Server | None, out_dir: Path, serve_at: tuple[str, int], warn: Say) -> Server | None:
    """The server over the new build (restarted); None, said, when it cannot start (the next rebuild tries again)."""
    try:
        database = kept_store(out_dir)
        return server.restart(database) if server is not None else start_server(database, *serve_at)
    except MlopsGraphError as exc:
        warn(f"{_clock()} the endpoint is down: {exc}")
        return None


class _Filter(DefaultFilter):
    """Nothing in the output folder, nothing hidden or in a folder a build skips (a build reads none
    of them), nothing in a folder ``watchfiles`` leaves out by default (version control, caches), and
    no editor's temporary or swap file (``watchfiles``' patterns)."""

    def __init__(self, root: Path, out_dir: Path) -> None:
        super().__init__(ignore_dirs=(), ignore_paths=())  # folders are judged below, inside the notes folder only
        self.root, self.out_dir = root, out_dir
        self.skipped = frozenset(SKIPPED_DIRS) | frozenset(DefaultFilter.ignore_dirs)

    def __call__(self, change: Change, path: str) -> bool:
        changed = Path(path)
        if changed == self.out_dir or self.out_dir in changed.parents:
            return False
        try:
            parts = changed.relative_to(self.root).parts
        except ValueError:
            return False
        return (not any(part.startswith(".") or part in self.skipped for part in parts)
                and super().__call__(change, path))


def _describe(root: Path, batch: Iterable[tuple[Change, str]], notes: set[str]) -> str:
    """What changed, as ``a.md changed, b.md added, c.md deleted`` ("" when nothing that matters did)."""
    said: dict[str, str] = {}
    for _, name in batch:
        path = Path(name)
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            continue
        if path.is_dir():
            said[rel + "/"] = "changed" if any(note.startswith(rel + "/") for note in notes) else "added"
        elif path.is_file():
            if path.name.lower().endswith(NOTE_SUFFIXES):
                said[rel] = "changed" if rel in notes else "added"
        elif rel in notes:
            said[rel] = "deleted"
        elif any(note.startswith(rel + "/") for note in notes):
            said[rel + "/"] = "deleted"
    named = [f"{rel} {what}" for rel, what in sorted(said.items())]
    more = len(named) - NAMED_CHANGES
    return ", ".join(named[:NAMED_CHANGES]) + (f" and {more} more" if more > 0 else "")


def _shown(notes_dir: Path, problem: Problem) -> str:
    return str(problem) if problem.path == str(notes_dir) else f"{notes_dir.as_posix().rstrip('/')}/{problem}"


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, MlopsGraphError) else f"{type(exc).__name__}: {exc}"


def _clock() -> str:
    return time.strftime("%H:%M:%S")
