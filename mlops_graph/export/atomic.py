"""Writing the output folder atomically.

A build is written into a fresh sibling folder, fsynced, and swapped with the old folder in one
step (``renameat2(RENAME_EXCHANGE)`` on Linux, two renames elsewhere); the old folder is then
removed. A build that fails or is killed before the swap leaves the previous output as it was.
Files that a build does not produce but that live in the output folder (the embedded store, the
build cache) are carried over once the new output is in place. Files that are the same as in the
output being replaced are hard links to it, so a rebuild writes only the files that changed.

Sibling folders are named after the process that made them (``.mlops-graph-staging-<pid>-…``), so
a later write can tell the leftovers of a killed build from the work of a build that is still
running, and removes only the former.

An existing folder is replaced only when it looks like an output folder: it holds nothing but tool
state, or at least one of the files being written at its top level and no Markdown file that the
new output does not hold.
So ``-o notes`` or ``-o .`` is refused instead of deleting the notes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import re
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from mlops_graph import libc
from mlops_graph.errors import OutputError

#: Entries of an output folder that belong to the tool but are not rebuilt from the notes.
CARRIED_OVER = (".cache", "store")
STAGING_PREFIX = ".mlops-graph-staging-"
RETIRED_PREFIX = ".mlops-graph-retired-"
DISCARDED_PREFIX = ".mlops-graph-discarded-"
#: Files of these kinds in an existing folder mean it holds notes, not a build's output.
_NOTE_SUFFIXES = (".md", ".markdown")
_LEFTOVER = re.compile(
    rf"^(?:{re.escape(STAGING_PREFIX)}|{re.escape(RETIRED_PREFIX)}|{re.escape(DISCARDED_PREFIX)})(?P<pid>\d+)-")

#: A write of up to this many new files fsyncs each; more are flushed with one ``syncfs``.
FSYNC_MAX_FILES = 64
#: New files of this size or more are fsynced as soon as they are written, while the rest is written.
EARLY_FSYNC_BYTES = 8 << 20

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False if unsupported."""
    renameat2 = libc.function("renameat2")
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system or kernel cannot do it
        return False
    raise OSError(errno, os.strerror(errno), str(b))


_AT_SYMLINK_FOLLOW = 0x400


@functools.cache
def _linkat() -> Any | None:
    """The C library's ``linkat``, when it and ``/proc/self/fd`` are there (Linux)."""
    linkat = libc.function("linkat")
    if linkat is None or not os.path.isdir("/proc/self/fd"):
        return None
    linkat.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    return linkat


def _link_descriptor(fd: int, target: str) -> bool:
    """Link the file open as ``fd`` to ``target`` (Linux ``linkat`` of ``/proc/self/fd/N``, following
    it); False where that is not available. ``os.link`` calls ``link``, which does not follow it."""
    linkat = _linkat()
    if linkat is None:
        return False
    if linkat(_AT_FDCWD, f"/proc/self/fd/{fd}".encode(), _AT_FDCWD, os.fsencode(target), _AT_SYMLINK_FOLLOW) == 0:
        return True
    errno = ctypes.get_errno()
    raise OSError(errno, os.strerror(errno), target)


def _fsync_dir(path: Path | str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
    if os.path.lexists(path):
        _make_writable(str(path))
        shutil.rmtree(path, ignore_errors=True)


def _make_writable(folder: str) -> None:
    try:
        mode = os.lstat(folder).st_mode
        if not stat.S_ISDIR(mode):
            return
        os.chmod(folder, mode | stat.S_IRWXU)
        with os.scandir(folder) as entries:
            inner = [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for path in inner:
        _make_writable(path)


def check_writable(out_dir: Path) -> None:
    """Raise :class:`OutputError` at once when the output folder could not be made, so that a build
    does not run for nothing: the nearest folder that exists on its way must be writable."""
    out_dir = out_dir.absolute()
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
    """Remove staging and retired folders left in ``parent`` by builds whose process is gone.

    A retired folder holds an old output under its own name; if that output is missing (a build
    was killed between the two renames of the fallback swap), it is put back first.
    """
    for leftover in dead_leftovers(parent, _LEFTOVER):
        if leftover.name.startswith(RETIRED_PREFIX):
            old = leftover / out_dir.name
            if old.is_dir() and not out_dir.exists() and not out_dir.is_symlink():
                with contextlib.suppress(OSError):
                    os.rename(old, out_dir)
        remove_tree(leftover)


def _check_replaceable(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Refuse to replace anything that is not an earlier output (a notes folder, a project folder)."""
    if out_dir.is_symlink():
        return  # the link itself is replaced; what it points to is left alone
    if not out_dir.exists():
        return
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


def _syncfs(path: Path) -> bool:
    """Flush the file system holding ``path`` to disk in one call (Linux ``syncfs``); False if
    unsupported, and then each file is fsynced instead."""
    syncfs = libc.function("syncfs")
    if syncfs is None:
        return False
    syncfs.argtypes = [ctypes.c_int]
    fd = os.open(path, os.O_RDONLY)
    try:
        if syncfs(fd) == 0:
            return True
        errno = ctypes.get_errno()
    finally:
        os.close(fd)
    if errno in (22, 38, 95):
        return False
    raise OSError(errno, os.strerror(errno), str(path))


@dataclass(frozen=True, slots=True)
class Span:
    """``length`` bytes at ``offset`` of the open file ``fd``: a piece of an output file that is
    copied from file to file by the kernel (``copy_file_range``) where it can, instead of being
    joined with the rest in memory."""

    fd: int
    offset: int
    length: int

    def read_into(self, into: memoryview) -> None:
        """Copy the span into ``into`` (``length`` bytes). Reads are positional: the file may be
        shared with other processes, and so is its file position."""
        done = 0
        while done < self.length:
            got = os.preadv(self.fd, [into[done:self.length]], self.offset + done)
            if not got:
                raise OSError(errno.EIO, f"file {self.fd} ends before {self.offset + self.length}")
            done += got

    def read(self) -> bytearray:
        data = bytearray(self.length)
        self.read_into(memoryview(data))
        return data


Piece = bytes | Span


@runtime_checkable
class ChunkedFiles(Protocol):
    """Output files that can also be read piece by piece, so that a large file is never whole in
    memory while it is written."""

    def chunks(self, name: str) -> Iterable[Piece]: ...

    def size(self, name: str) -> int: ...


class _Whole:
    """A plain mapping of file contents, read the way :class:`ChunkedFiles` are."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self._files = files

    def chunks(self, name: str) -> Iterable[Piece]:
        return (self._files[name],)

    def size(self, name: str) -> int:
        return len(self._files[name])


def _write_file(target: str, parts: Iterable[Piece]) -> int:
    """Write a new file; returns its size."""
    size = 0
    with open(target, "xb", buffering=0) as handle:
        for part in parts:
            if isinstance(part, Span):
                _copy(part, handle, size)
                size += part.length
            else:
                _write_at(handle, part, size)
                size += len(part)
    return size


def _write_at(handle: BinaryIO, data: bytes | bytearray, at: int) -> None:
    """Write all of ``data`` at offset ``at`` of the unbuffered file ``handle``."""
    view, done = memoryview(data), 0
    while done < len(data):
        if hasattr(os, "pwrite"):
            done += os.pwrite(handle.fileno(), view[done:], at + done)
        else:  # pragma: no cover - systems without pwrite
            handle.seek(at + done)
            done += handle.write(view[done:]) or 0


#: Errors with which ``copy_file_range`` says it cannot copy between these files (other file systems,
#: an old kernel, a sandbox that forbids the call): the bytes then go through memory.
_COPY_UNSUPPORTED = frozenset({errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF,
                               errno.EPERM, errno.ETXTBSY})


def _copy(span: Span, handle: BinaryIO, at: int) -> None:
    """Copy ``span`` to offset ``at`` of ``handle``, in the kernel where it can, else through memory."""
    done = 0
    copy = getattr(os, "copy_file_range", None)
    while copy is not None and done < span.length:
        try:
            copied = copy(span.fd, handle.fileno(), span.length - done, span.offset + done, at + done)
        except OSError as exc:
            if exc.errno not in _COPY_UNSUPPORTED:
                raise
            break
        if copied == 0:  # the kernel copies nothing here; reading says whether the file is short
            break
        done += copied
    if done < span.length:
        _write_at(handle, Span(span.fd, span.offset + done, span.length - done).read(), at + done)


def _fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link_if_unchanged(old: str, target: str, size: int, parts: Iterable[Piece], mode: int) -> bool:
    """Make ``target`` a hard link to ``old`` when ``old`` is a regular file with the permissions
    ``mode`` that no other name links to, holding exactly ``parts``. The file linked is the one
    compared (through its descriptor, where ``/proc`` allows), even if another build renames the
    folder ``old`` is in meanwhile."""
    try:
        fd = os.open(old, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_size != size
                or stat.S_IMODE(info.st_mode) != mode):
            return False
        offset = 0
        for part in parts:
            data = part.read() if isinstance(part, Span) else part
            if os.pread(fd, len(data), offset) != data:
                return False
            offset += len(data)
        if offset != size:
            return False
        if not _link_descriptor(fd, target):
            os.link(old, target)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _new_modes(folder: Path) -> tuple[int, int]:
    """The permissions a new file and a new folder get in ``folder``, found by making one of each:
    the umask decides them, or the folder's default ACL where it has one."""
    probe = folder / ".mlops-graph-mode-probe"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        file_mode = stat.S_IMODE(os.fstat(fd).st_mode)
    finally:
        os.close(fd)
        os.unlink(probe)
    os.mkdir(probe, 0o777)
    try:
        folder_mode = stat.S_IMODE(os.stat(probe).st_mode)
    finally:
        os.rmdir(probe)
    return file_mode, folder_mode


def _real_folder(root: str, folder: str, known: dict[str, bool]) -> bool:
    """Whether ``root/folder`` is a folder inside ``root``, reached without following a link
    (``folder`` is relative, with ``/`` between its parts; ``""`` is ``root`` itself)."""
    if folder not in known:
        path = os.path.join(root, folder)
        known[folder] = (_real_folder(root, os.path.dirname(folder), known) and not os.path.islink(path)
                         and os.path.isdir(path))
    return known[folder]


def _write_tree(staging: Path, files: Mapping[str, bytes], paths: dict[str, str], previous: Path | None,
                file_mode: int) -> None:
    """Write every file (``paths``: each name's checked path relative to the output, in the order of
    ``files``), then make the new ones durable.

    A file whose bytes are those of the same file in ``previous`` (the output being replaced) is a
    hard link to it instead of a copy: creating and filling thousands of files costs far more than
    linking them, and a rebuild after a small change rewrites only what changed. Only files that no
    other name links to, in folders that are not links, are reused, so the new output never shares
    a file with anything but the output it replaces, which is deleted once the new one is in place.

    Few new files are fsynced one by one; many are flushed with one ``syncfs`` (one journal commit
    instead of one per file), or fsynced one by one where that is not available. A large new file
    is fsynced by a thread as soon as it is written, so the disk writes it while the other files are
    written (and while the last ones are still being made, see ``pipeline.OutputFiles``).
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlops-graph-fsync") as syncer:
        early: list[Future[None]] = []
        # If writing fails, leaving this block waits for the fsyncs begun, and the error in hand is raised.
        written, folders = _write_files(staging, files, paths, previous, file_mode, syncer, early)
        for future in early:
            future.result()  # raises the first fsync that failed
    if len(written) > FSYNC_MAX_FILES and _syncfs(staging):
        return
    for target in written:
        _fsync_file(target)
    for folder in sorted(folders, key=lambda p: p.count("/"), reverse=True):
        _fsync_dir(folder)


def _write_files(staging: Path, files: Mapping[str, bytes], paths: dict[str, str], previous: Path | None,
                 file_mode: int,
                 syncer: ThreadPoolExecutor, early: list[Future[None]]) -> tuple[list[str], set[str]]:
    """Link or write each file; returns the new files that are still to be made durable (large ones
    are handed to ``syncer`` at once, their futures added to ``early``) and the folders made."""
    source = files if isinstance(files, ChunkedFiles) else _Whole(files)
    root = str(staging)
    old_root = str(previous) if previous is not None else None
    folders = {root}
    written: list[str] = []
    real: dict[str, bool] = {"": True}
    for name in paths:
        rel = paths[name]
        parent = os.path.dirname(rel)
        target = os.path.join(root, rel)
        if parent and os.path.join(root, parent) not in folders:
            os.makedirs(os.path.join(root, parent), exist_ok=True)
            while parent:
                folders.add(os.path.join(root, parent))
                parent = os.path.dirname(parent)
            parent = os.path.dirname(rel)
        if (old_root is not None and _real_folder(old_root, parent, real)
                and _link_if_unchanged(os.path.join(old_root, rel), target, source.size(name), source.chunks(name),
                                       file_mode)):
            continue
        if _write_file(target, source.chunks(name)) >= EARLY_FSYNC_BYTES:
            early.append(syncer.submit(_fsync_file, target))
        else:
            written.append(target)
    return written, folders


def _carry_over(old: Path, new: Path) -> None:
    for entry in CARRIED_OVER:
        source = old / entry
        if (source.exists() or source.is_symlink()) and not (new / entry).exists():
            with contextlib.suppress(OSError):  # tool state is rebuilt on demand; losing it loses no output
                os.rename(source, new / entry)


def _discard(path: Path, parent: Path, background: bool) -> None:
    """Delete a previous output once the new one is in place. With ``background``, it is renamed
    to a ``.mlops-graph-discarded-<pid>-…`` folder and deleted by a detached ``rm -rf`` (a large
    output takes a while to unlink, and nobody needs to wait for it); a build that finds such a
    folder of a process that is gone deletes it."""
    if background and shutil.which("sh") is not None:
        holder: Path | None = None
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode) and not mode & stat.S_IWUSR:  # a folder moves only when it is writable
                os.chmod(path, mode | stat.S_IRWXU)
            holder = Path(tempfile.mkdtemp(prefix=f"{DISCARDED_PREFIX}{os.getpid()}-", dir=parent))
            os.rename(path, holder / "old")
            script = 'rm -rf -- "$1" || { find "$1" -type d -exec chmod u+rwx {} +; rm -rf -- "$1"; }'
            subprocess.run(["sh", "-c", f"({script}) </dev/null >/dev/null 2>&1 &", "sh", str(holder)],
                           check=False, start_new_session=True)
            return
        except OSError:
            if holder is not None:
                with contextlib.suppress(OSError):
                    holder.rmdir()
    remove_tree(path)


def write_output(out_dir: Path, files: Mapping[str, bytes], *, background_cleanup: bool = False) -> None:
    """Replace ``out_dir`` with exactly ``files`` (plus carried-over tool state), atomically.

    ``background_cleanup``: return as soon as the new output is in place, and let a detached process
    delete the previous one."""
    out_dir = out_dir.absolute()
    parent = out_dir.parent
    paths = {name: _safe_relative(name).as_posix() for name in files}
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder: {exc.strerror or exc}") from exc
    _clean_leftovers(parent, out_dir)
    _check_replaceable(out_dir, files)
    pid = os.getpid()
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{pid}-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder: {exc.strerror or exc}") from exc
    retired: Path | None = None
    swapped = False
    previous = out_dir if out_dir.is_dir() and not out_dir.is_symlink() else None
    try:
        file_mode, folder_mode = _new_modes(staging)
        _write_tree(staging, files, paths, previous, file_mode)
        os.chmod(staging, folder_mode)  # a plain mkdir's permissions, where mkdtemp gave 0700
        if out_dir.is_dir() and not out_dir.is_symlink() and _exchange(staging, out_dir):
            swapped = True
            _carry_over(staging, out_dir)
        elif out_dir.exists() or out_dir.is_symlink():
            retired = Path(tempfile.mkdtemp(prefix=f"{RETIRED_PREFIX}{pid}-", dir=parent))
            os.rename(out_dir, retired / out_dir.name)
            os.rename(staging, out_dir)
            swapped = True
            _carry_over(retired / out_dir.name, out_dir)
        else:
            os.rename(staging, out_dir)
            swapped = True
        _fsync_dir(parent)
    except BaseException as exc:
        if not swapped and retired is not None:
            old = retired / out_dir.name
            if (old.exists() or old.is_symlink()) and not out_dir.exists() and not out_dir.is_symlink():
                with contextlib.suppress(OSError):
                    os.rename(old, out_dir)
            if old.exists() or old.is_symlink():
                retired = None  # still holds the old output: left for the next write to put back
        shutil.rmtree(staging, ignore_errors=True)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{out_dir}: cannot write the output: {exc.strerror or exc}") from exc
        raise
    if staging.exists():
        _discard(staging, parent, background_cleanup)
    if retired is not None:
        _discard(retired, parent, background_cleanup)
