"""Writing the output folder atomically.

A build is written into a fresh sibling folder, fsynced, and swapped with the old folder in one
step (``renameat2(RENAME_EXCHANGE)`` on Linux, two renames elsewhere); the old folder is then
removed. A build that fails or is killed before the swap leaves the previous output
as it was. Files that a build does not produce but that live in the output folder (the embedded
store, the build cache) are carried over.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from mlops_graph.errors import OutputError

#: Entries of an output folder that belong to the tool but are not rebuilt from the notes.
CARRIED_OVER = (".cache", "store", "ontology.html")
STAGING_PREFIX = ".mlops-graph-staging-"
RETIRED_PREFIX = ".mlops-graph-retired-"


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system or kernel cannot do it
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def _fsync_dir(path: Path) -> None:
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
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise OutputError(f"refusing to write output file outside the output folder: {name!r}")
    return rel


def write_output(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Replace ``out_dir`` with exactly ``files`` (plus carried-over tool state), atomically."""
    out_dir = out_dir.absolute()
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=parent))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder: {exc.strerror or exc}") from exc
    try:
        for name in sorted(files):
            target = staging / _safe_relative(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(files[name])
                handle.flush()
                os.fsync(handle.fileno())
        if out_dir.is_dir():
            for entry in CARRIED_OVER:
                if (out_dir / entry).exists() and not (staging / entry).exists():
                    os.rename(out_dir / entry, staging / entry)
        _fsync_dir(staging)
        os.chmod(staging, 0o755)
        if out_dir.is_dir() and not out_dir.is_symlink() and _exchange(staging, out_dir):
            shutil.rmtree(staging, ignore_errors=True)
        elif out_dir.exists() or out_dir.is_symlink():
            retired = Path(tempfile.mkdtemp(prefix=RETIRED_PREFIX, dir=parent))
            os.rename(out_dir, retired / "old")
            os.rename(staging, out_dir)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.rename(staging, out_dir)
        _fsync_dir(parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"{out_dir}: cannot write the output: {exc.strerror or exc}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
