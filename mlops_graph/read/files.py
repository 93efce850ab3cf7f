"""Finding note files under a folder and decoding them, without following links blindly."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mlops_graph.errors import NoteError
from mlops_graph.model import Problem

NOTE_SUFFIXES = (".md", ".markdown")
SKIPPED_DIRS = frozenset({".git", ".obsidian", ".trash", "node_modules", "__pycache__"})


@dataclass(frozen=True, slots=True)
class NoteFile:
    rel: str
    """Path relative to the notes folder, ``/``-separated: the note's identity."""
    path: Path


def discover(root: Path, *, exclude: tuple[Path, ...] = ()) -> tuple[list[NoteFile], list[Problem]]:
    """List the Markdown files under ``root``, sorted by relative path.

    Symbolic links are followed only when they stay inside ``root``; a link that leaves the folder
    or closes a loop is reported, never followed. Folders in ``exclude`` (the output folder, when it
    lies inside the notes folder) are left out.
    """
    if not root.exists():
        raise NoteError("notes folder does not exist", root)
    if not root.is_dir():
        raise NoteError("is not a folder", root)
    real_root = root.resolve()
    excluded = {p.resolve() for p in exclude}
    found: dict[str, NoteFile] = {}
    problems: list[Problem] = []
    seen_dirs: set[Path] = set()

    def display(path: Path) -> str:
        return path.relative_to(root).as_posix()

    def inside(real: Path) -> bool:
        return real == real_root or real_root in real.parents

    def walk(directory: Path) -> None:
        real_dir = directory.resolve()
        if real_dir in seen_dirs:
            problems.append(Problem(display(directory), None, "symbolic link loop; not followed", "warning"))
            return
        seen_dirs.add(real_dir)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Problem(display(directory) or ".", None, f"cannot list folder: {exc.strerror}"))
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or entry.name in SKIPPED_DIRS:
                continue
            try:
                is_link = entry.is_symlink()
                real = path.resolve(strict=True) if is_link else path
            except (OSError, RuntimeError):
                problems.append(Problem(display(path), None, "broken or looping symbolic link; skipped", "warning"))
                continue
            if is_link and not inside(real):
                problems.append(
                    Problem(display(path), None, "symbolic link points outside the notes folder; not followed",
                            "warning")
                )
                continue
            if real.resolve() in excluded:
                continue
            if real.is_dir():
                walk(path)
            elif path.suffix.lower() in NOTE_SUFFIXES and real.is_file():
                rel = display(path)
                found[rel] = NoteFile(rel, path)

    walk(root)
    return [found[k] for k in sorted(found)], problems


def decode(data: bytes, rel: str) -> tuple[str | None, list[Problem]]:
    """Decode a note's bytes: UTF-8 (a byte-order mark is dropped), else Windows-1252 with a warning.

    Binary files (with NUL bytes) give ``None``. Line endings become ``\\n``.
    """
    if b"\x00" in data:
        return None, [Problem(rel, None, "is a binary file, not a Markdown note; skipped")]
    problems: list[Problem] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            text = data.decode("cp1252")
            fallback = "Windows-1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            fallback = "Latin-1"
        problems.append(
            Problem(rel, line, f"is not valid UTF-8 (byte 0x{data[exc.start]:02x}); read as {fallback}", "warning")
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, problems
