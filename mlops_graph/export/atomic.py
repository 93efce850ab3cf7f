"""Writing the output folder so that a failed or killed build leaves the previous output complete.

The files are written to a sibling folder (``.mlops-graph-staging-<pid>-…``); then the old output
is renamed aside (``.mlops-graph-retired-<pid>-…``), the new one renamed into
place, and the old one removed. Sibling folders carry the id of the process that made them, so a
later write removes those of a process that is gone, and puts an old output back first if the
build was killed between the two renames.

An existing folder is replaced only when it looks like an output folder: it holds nothing but tool
state, or at least one of the files being written at its top level and no Markdown file that the
new output does not hold. So ``-o notes`` or ``-o .`` is refused instead of deleting the notes.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from mlops_graph.errors import OutputError

#: Entries of an output folder that belong to the tool but are not rebuilt from the notes.
CARRIED_OVER = ("store",)
STAGING_PREFIX = ".mlops-graph-staging-"
RETIRED_PREFIX = ".mlops-graph-retired-"
_NOTE_SUFFIXES = (".md", ".markdown")
_LEFTOVER = re.compile(rf"^(?:{re.escape(STAGING_PREFIX)}|{re.escape(RETIRED_PREFIX)})(?P<pid>\d+)-")


def _safe_relative(name: str) -> Path:
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or "\x00" in name:
        raise OutputError(f"refusing to write output file outside the output folder: {name!r}")
    return rel


def _alive(pid: int) -> bool:
    """Whether process ``pid`` is this one or still running (or cannot be signalled)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_tree(path: Path) -> None:
    """Delete the folder ``path`` and everything in it; folders made read-only are made writable
    first (as their owner may), so an old output someone protected does not stay behind."""
    shutil.rmtree(path, ignore_errors=True)
    if os.path.isdir(path) and not os.path.islink(path):
        with contextlib.suppress(OSError):
            os.chmod(path, os.lstat(path).st_mode | stat.S_IRWXU)
        for folder, dirs, _files in os.walk(path):  # top down: each folder is opened before it is listed
            for name in dirs:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(folder, name), os.lstat(os.path.join(folder, name)).st_mode | stat.S_IRWXU)
        shutil.rmtree(path, ignore_errors=True)


def check_writable(out_dir: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputError` at once when the output folder could not be made, so that a build
    does not run for nothing: the nearest folder that exists on its way must be writable."""
    out_dir = Path(out_dir).absolute()
    parent = out_dir.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{out_dir}: cannot create the output folder: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{out_dir}: cannot create the output folder: {parent} is not writable")


def dead_leftovers(parent: Path, pattern: re.Pattern[str]) -> Iterator[Path]:
    """The folders in ``parent`` whose name ``pattern`` matches, its ``pid`` group naming a process
    that is gone: what a killed build or query left behind (in name order; links are never followed)."""
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return
    for name in names:
        match = pattern.match(name)
        if match is None or _alive(int(match.group("pid"))):
            continue
        leftover = parent / name
        if not leftover.is_symlink() and leftover.is_dir():
            yield leftover


def _clean_leftovers(parent: Path, out_dir: Path) -> None:
    """Remove the staging and retired folders of builds whose process is gone, first putting back an
    old output that a build killed between its two renames left in a retired folder. A retired folder
    that holds another output folder's previous output is left for that folder's next build."""
    for leftover in dead_leftovers(parent, _LEFTOVER):
        if leftover.name.startswith(RETIRED_PREFIX):
            try:
                held = os.listdir(leftover)
            except OSError:
                continue
            if any(name != out_dir.name for name in held):
                continue
            old = leftover / out_dir.name
            if old.is_dir() and not os.path.lexists(out_dir):
                with contextlib.suppress(OSError):
                    os.rename(old, out_dir)
        remove_tree(leftover)


def _check_replaceable(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Refuse to replace anything that is not an earlier output (a notes folder, a project folder)."""
    if out_dir.is_symlink() or not out_dir.exists():
        return  # a link is replaced itself; what it points to is left alone
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder; refusing to replace it")
    try:
        entries = sorted(os.listdir(out_dir))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot list the output folder: {exc.strerror or exc}") from exc
    if not [name for name in entries if name not in CARRIED_OVER]:
        return
    written_files = {name for name in files if "/" not in name}
    if not any(name in written_files and (out_dir / name).is_file() for name in entries):
        raise OutputError(
            f"{out_dir}: is not empty and does not look like an output folder (it has none of "
            f"{', '.join(sorted(written_files)) or 'the files being written'}); refusing to replace it"
        )
    for folder, dirs, names in os.walk(out_dir):
        here = Path(folder)
        if here == out_dir:
            dirs[:] = [d for d in dirs if d not in CARRIED_OVER]
        for name in names:
            if name.lower().endswith(_NOTE_SUFFIXES):
                rel = (here / name).relative_to(out_dir).as_posix()
                if rel not in files:
                    raise OutputError(
                        f"{out_dir}: holds {rel}, a Markdown file that a build does not write; "
                        "refusing to replace it (is it the notes folder?)"
                    )


def _write_file(target: Path, data: Iterable[bytes]) -> None:
    with open(target, "wb") as handle:
        handle.writelines(data)


#: From this many files on, they are written by :data:`WRITER_THREADS` threads: creating a file is
#: mostly the kernel's work, which threads do side by side (10,000 per-note files take half as long).
#: Fewer are written one after the other, which is quicker than starting the threads.
THREADED_FROM = 400
WRITER_THREADS = 4


def _write_files(staging: Path, files: Mapping[str, bytes]) -> None:
    """Each file, in pieces where ``files`` gives them (``pieces(name)``), else whole."""
    pieces: Callable[[str], Iterable[bytes]] = getattr(files, "pieces", lambda name: [files[name]])
    targets: dict[str, Path] = {}
    folders = {staging}
    for name in files:
        target = targets[name] = staging / _safe_relative(name)
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)

    def write(name: str) -> None:
        _write_file(targets[name], pieces(name))

    if len(targets) < THREADED_FROM:
        for name in targets:
            write(name)
        return
    from concurrent.futures import ThreadPoolExecutor  # here: a small build need not load it

    with ThreadPoolExecutor(WRITER_THREADS) as pool:
        for _ in pool.map(write, targets):
            pass


def write_output(out_dir: str | os.PathLike[str], files: Mapping[str, bytes]) -> None:
    """Replace ``out_dir`` with exactly ``files`` (plus carried-over tool state), atomically."""
    out_dir = Path(out_dir).absolute()
    parent = out_dir.parent
    for name in files:
        _safe_relative(name)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder: {exc.strerror or exc}") from exc
    _clean_leftovers(parent, out_dir)
    _check_replaceable(out_dir, files)
    tag = f"{os.getpid()}-{os.urandom(4).hex()}"
    staging, retired = parent / f"{STAGING_PREFIX}{tag}", parent / f"{RETIRED_PREFIX}{tag}"
    old = retired / out_dir.name
    try:
        staging.mkdir()  # the permissions of any new folder (the umask's), as the old output had
        _write_files(staging, files)
        if os.path.lexists(out_dir):
            retired.mkdir()
            os.rename(out_dir, old)
        os.rename(staging, out_dir)
    except BaseException as exc:
        if os.path.lexists(old) and not os.path.lexists(out_dir):
            with contextlib.suppress(OSError):
                os.rename(old, out_dir)
        remove_tree(staging)
        if not os.path.lexists(old):  # else it still holds the old output: the next write puts it back
            remove_tree(retired)
        if isinstance(exc, OSError):
            raise OutputError(f"{out_dir}: cannot write the output: {exc.strerror or exc}") from exc
        raise
    for entry in CARRIED_OVER:
        if os.path.lexists(old / entry):
            with contextlib.suppress(OSError):  # tool state is rebuilt on demand; losing it loses no output
                os.rename(old / entry, out_dir / entry)
    if os.path.lexists(retired):
        remove_tree(retired)
