"""Finding note files under a folder and decoding them, without following links blindly."""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path

from msgspec import Struct

from mlops_graph.config import OUTPUT_MARKERS, REPORT_FILE, REPORT_HEADING
from mlops_graph.errors import NoteError
from mlops_graph.model import Problem

NOTE_SUFFIXES = (".md", ".markdown")
#: A note that is not valid UTF-8 is read as UTF-8 (its bad bytes as U+FFFD) when it holds at least
#: this many well-formed non-ASCII characters per bad byte; otherwise it is Windows-1252 text, in
#: which a well-formed UTF-8 sequence is a rare accident (``é\xa0»``, ``ß“``).
_UTF8_EVIDENCE = 4
#: The control characters that text does not hold (all but tab, line feed, form feed and carriage return).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
SKIPPED_DIRS = {"_site": "a site's build", "node_modules": "a tool's", "__pycache__": "a tool's"}
"""Folders never read, and what they are; hidden folders (``.obsidian``, ``.trash``, ``.git``) are not either."""
_OWN_FOLDERS = ".mlops-graph-"
"""Hidden folders of this program's own (a build's output being made or retired): not counted as skipped."""
#: Byte-order marks of the wide Unicode encodings, longest first (UTF-32-LE starts like UTF-16-LE).
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)


class NoteFile(Struct, frozen=True):
    rel: str
    """Path relative to the notes folder, ``/``-separated: the note's identity."""
    path: Path


def _is_output(folder: Path) -> bool:
    """Whether ``folder``'s report.md is one a build wrote (it starts with the report's heading)."""
    heading = (REPORT_HEADING + "\n").encode("utf-8")
    try:
        with open(folder / REPORT_FILE, "rb") as handle:
            return handle.read(len(heading)) == heading
    except OSError:
        return False


def skipped_line(skipped: dict[str, int]) -> str:
    """What ``discover`` skipped, for the summary line: ``2 folders skipped (.obsidian, .trash: hidden;
    _site: a site's build)``; empty when nothing was."""
    if not skipped:
        return ""
    hidden = sorted(name for name in skipped if name.startswith("."))
    tools: dict[str, list[str]] = {}
    for name in sorted(set(skipped) - set(hidden)):
        tools.setdefault(SKIPPED_DIRS.get(name, "a tool's"), []).append(name)
    parts = ([f"{', '.join(hidden)}: hidden"] if hidden else []) + [
        f"{', '.join(names)}: {why}" for why, names in tools.items()]
    count = sum(skipped.values())
    return f"{count} folder{'s' if count != 1 else ''} skipped ({'; '.join(parts)})"


def discover(root: Path, *, exclude: tuple[Path, ...] = (),
             skipped: dict[str, int] | None = None) -> tuple[list[NoteFile], list[Problem]]:
    """List the Markdown files under ``root``, sorted by relative path.

    Symbolic links are followed only when they stay inside ``root``; a link that leaves the folder
    or closes a loop is reported, never followed. Real folders are read before linked ones, so a
    note keeps the path it has in its own folder; a link to a folder or a file that is read anyway
    is reported and not read a second time. Folders in ``exclude`` that lie inside ``root`` (the
    output folder, when it is there) are left out, with everything in them. Hidden folders and
    ``SKIPPED_DIRS`` are not read; ``skipped``, when given, counts them by name.
    """
    if not root.exists():
        raise NoteError("notes folder does not exist", root)
    if not root.is_dir():
        raise NoteError("is not a folder", root)
    real_root = root.resolve()
    excluded = {real for real in (p.resolve() for p in exclude) if real_root in real.parents}
    found: dict[str, NoteFile] = {}
    real_files: dict[str, str] = {}
    """Each note's real path, as text."""
    problems: list[Problem] = []
    seen_dirs: dict[Path, str] = {}
    linked_dirs: deque[tuple[Path, Path, Path]] = deque()
    """(the link, the folder it points to, the real folder the link is in), to follow after the rest."""

    def display(path: Path) -> str:
        return _readable(path.relative_to(root).as_posix())

    def inside(real: Path) -> bool:
        return real == real_root or real_root in real.parents

    def is_excluded(real: Path) -> bool:
        return any(real == ex or ex in real.parents for ex in excluded)

    undecodable: set[str] = set()
    """Notes whose path is not valid UTF-8, by the name they are read as."""

    def add(rel: str, path: Path, real: str) -> None:
        shown = _readable(rel)
        bad = shown != rel or _readable(str(path)) != str(path)
        if shown in found:
            problems.append(Problem(shown, None, _SAME_NAME))
            if bad or shown not in undecodable:
                return
            undecodable.discard(shown)  # a name that is valid UTF-8 keeps it
        if bad:
            undecodable.add(shown)
        found[shown] = NoteFile(shown, path)
        real_files[shown] = real

    def warn(path: Path, message: str) -> None:
        problems.append(Problem(display(path), None, message, "warning"))

    def walk(directory: Path, real_dir: Path) -> None:
        here = seen_dirs[real_dir] = display(directory)
        prefix, real_prefix = ("" if here == "." else here + "/"), os.path.join(real_dir, "")
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            if real_dir == real_root:  # nothing to build from: the previous output must stay
                raise NoteError(f"cannot list the notes folder: {exc.strerror or exc}", root) from exc
            problems.append(Problem(display(directory), None, f"cannot list folder: {exc.strerror or exc}"))
            return
        if real_dir != real_root and {entry.name for entry in entries} >= OUTPUT_MARKERS and _is_output(directory):
            warn(directory, "is the output of a build (graph.trig, and a report.md made by mlops-graph); not read")
            return
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name in SKIPPED_DIRS:
                if skipped is not None and not name.startswith(_OWN_FOLDERS) and entry.is_dir():
                    skipped[name] = skipped.get(name, 0) + 1
                continue
            try:  # the common case, a note in a real folder: one Path object, no stat of its own
                if (not excluded and name.lower().endswith(NOTE_SUFFIXES) and not entry.is_symlink()
                        and entry.is_file(follow_symlinks=False)):
                    add(prefix + name, Path(entry.path), real_prefix + name)
                    continue
            except OSError:
                pass  # looked at again below, where the error is reported
            path = Path(entry.path)
            try:
                is_link = entry.is_symlink()
                if is_link:
                    real = path.resolve(strict=True)
                    is_dir = real.is_dir()
                else:  # the kind the listing gave, without a stat of its own
                    real = real_dir / entry.name
                    is_dir = entry.is_dir(follow_symlinks=False)
            except (OSError, RuntimeError):
                warn(path, "broken or looping symbolic link; skipped")
                continue
            if is_link and not inside(real):
                warn(path, "symbolic link points outside the notes folder; not followed")
                continue
            if is_excluded(real):
                continue
            if is_dir:
                if is_link:
                    linked_dirs.append((path, real, real_dir))
                else:
                    walk(path, real)
            elif path.suffix.lower() in NOTE_SUFFIXES:
                if real.is_file() if is_link else entry.is_file(follow_symlinks=False):
                    add(display(path), path, str(real))
                else:
                    warn(path, "is not a regular file (a pipe, socket or device); skipped")

    walk(root, real_root)
    while linked_dirs:
        link, real, container = linked_dirs.popleft()
        if real == container or real in container.parents:
            warn(link, "symbolic link loop; not followed")
        elif real in seen_dirs:
            warn(link, f"symbolic link to the folder '{seen_dirs[real]}', which is read anyway; not followed")
        else:
            walk(link, real)

    by_real: dict[str, list[str]] = {}
    for rel in sorted(found):
        by_real.setdefault(real_files[rel], []).append(rel)
    for real_file, rels in by_real.items():
        if len(rels) < 2:
            continue
        own = _readable(Path(real_file).relative_to(real_root).as_posix())
        keep = own if own in rels else rels[0]
        for rel in rels:
            if rel != keep:
                del found[rel]
                problems.append(Problem(
                    rel, None, f"is the same file as '{keep}' (through a symbolic link); read once, as '{keep}'",
                    "warning",
                ))
    problems += [Problem(rel, None, "file name is not valid UTF-8; read with U+FFFD in place of the bytes that "
                                    "are not", "warning") for rel in sorted(undecodable & set(found))]
    return [found[k] for k in sorted(found)], problems


_SAME_NAME = ("a file whose path is not valid UTF-8 has this name once U+FFFD replaces its bad bytes; that file "
              "is skipped")


def _readable(name: str) -> str:
    """A file name as text: the bytes of a name that is not valid UTF-8 (which Python keeps as lone
    surrogates, and which no RDF literal or UTF-8 file can hold) become U+FFFD."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return name


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """Text in UTF-16 without a byte-order mark, told by its NUL bytes: in text that is mostly ASCII,
    the high byte of almost every character (every second byte, odd or even) is NUL, and the other
    bytes almost never are. None for anything else."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for codec, high, low in (("UTF-16-LE", odd, even), ("UTF-16-BE", even, odd)):
        if high.count(0) * 10 >= len(high) * 9 and low.count(0) == 0:
            try:
                text = data.decode(codec.lower())
            except UnicodeDecodeError:
                return None
            return text, codec.replace("-LE", "").replace("-BE", "")
    return None


def decode(data: bytes, rel: str) -> tuple[str | None, list[Problem]]:
    """Decode a note's bytes: UTF-8 (a byte-order mark is dropped), else Windows-1252 with a warning.
    UTF-8 text with a few bytes that are not UTF-8 stays UTF-8, those bytes read as U+FFFD.

    UTF-16 and UTF-32 text with a byte-order mark is read too, with a warning, and so is UTF-16 that
    is mostly ASCII without one. A NUL byte or two in text read as U+FFFD; binary files (more NUL
    bytes, or bytes that are not text) give ``None``. Line endings become ``\\n``.
    """
    for bom, codec, name in _WIDE_BOMS if b"\x00" in data else ():
        if data.startswith(bom):
            try:
                wide = data[len(bom):].decode(codec)
            except UnicodeDecodeError:
                break
            if "\x00" in wide:
                break
            return _lf(wide), [Problem(rel, None, f"is encoded as {name}, not UTF-8; read as {name}", "warning")]
    problems: list[Problem] = []
    if b"\x00" in data:
        bomless = _bomless_utf16(data)
        if bomless is not None:
            text, codec = bomless
            message = f"is encoded as {codec} without a byte-order mark, not UTF-8; read as {codec}"
            return _lf(text), [Problem(rel, None, message, "warning")]
        nuls = data.count(b"\x00")
        rest = data.replace(b"\x00", b"")
        controls = len(rest) - len(rest.translate(None, _CONTROL_BYTES))
        if nuls > max(2, len(data) // 1000) or controls * 100 > len(rest):
            return None, [Problem(rel, None, "is a binary file, not a Markdown note; skipped")]
        # A text note with a stray NUL or two (a bad copy, a bad editor): only those are lost.
        problems.append(Problem(rel, data.count(b"\n", 0, data.index(b"\x00")) + 1,
                                f"holds {nuls} NUL byte(s); read as U+FFFD", "warning"))
        data = data.replace(b"\x00", "\ufffd".encode())
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = f"byte 0x{data[exc.start]:02x}"
        replaced = data.decode("utf-8", "replace")
        bad = replaced.count("\ufffd") - data.count("\ufffd".encode())
        if len(replaced) - len(replaced.encode("ascii", "ignore")) - bad >= _UTF8_EVIDENCE * bad:
            # UTF-8 text with a few stray bytes: only those are lost
            text = replaced
            problems.append(Problem(rel, line, f"is not valid UTF-8 ({byte}{f' and {bad - 1} more' if bad > 1 else ''})"
                                               f"; read as UTF-8, with U+FFFD in place of what is not", "warning"))
        else:
            try:
                text = data.decode("cp1252")
                fallback = "Windows-1252"
            except UnicodeDecodeError:
                text = data.decode("latin-1")
                fallback = "Latin-1"
            problems.append(Problem(rel, line, f"is not valid UTF-8 ({byte}); read as {fallback}", "warning"))
    return _lf(text), problems


def _lf(text: str) -> str:
    """Line endings as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
