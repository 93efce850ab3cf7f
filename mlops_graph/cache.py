"""The build cache: each note's reading and rendering, kept between builds in one SQLite file.

Entries are found by content, never by time stamps:

- a note's *reading* (the parsed note and its problems) under the hash of the program, the date
  order, the file's path and its bytes;
- a note's *rendering* (its Turtle body and the facts the whole-corpus steps need) under the hash of
  its reading, its final slug and the build context: the program, the base IRI, every concept of the
  index (vocabulary files and other notes add concepts, and concepts change what the matcher finds)
  and the wiki-link table (other notes' titles and aliases decide where links point);
- whole-corpus results that most edits leave alone (the concept index, the sources and concepts
  graphs) under the hash of the program and of exactly what they are made from, so an edit that adds
  a quote does not make them again.

"The program" is the hash of every file of the package (code, queries, templates, the bundled
vocabulary) and the versions of the libraries whose output ends up in the files, so a new release,
an edited vocabulary or an upgraded parser makes every entry stale. A cache that cannot be opened or
read is set aside and the build goes on without it: it only ever saves time.

Entries a build did not use are deleted at the end of the build, so the file holds one build's worth.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_DIR = ".cache"
CACHE_FILE = "build.sqlite"
_SCHEMA = 2
#: Libraries whose behaviour shapes the output files.
_LIBRARIES = ("pyoxigraph", "pyromark", "python-frontmatter", "PyYAML", "simplemma", "pyahocorasick",
              "rapidfuzz", "yake", "networkx", "pyvis", "scipy")
_BATCH = 500
#: Deletes the entries that are not in the temporary table ``used``: one look-up in its key index per
#: entry (a row-value ``NOT IN`` over the table would scan it for every entry).
PRUNE = ("DELETE FROM entries WHERE NOT EXISTS "
         "(SELECT 1 FROM used WHERE used.kind = entries.kind AND used.key = entries.key)")


class CacheError(Exception):
    """The cache failed while a build was reading it; the build starts again without it."""


@cache
def program_digest() -> bytes:
    """The hash of the package's own files and of the versions of the libraries it relies on."""
    h = hashlib.sha256(f"mlops-graph cache {_SCHEMA}\n".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    for name in _LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name}=={version}\n".encode())
    return h.digest()


def _chunks(keys: Sequence[bytes]) -> Iterator[Sequence[bytes]]:
    for start in range(0, len(keys), _BATCH):
        yield keys[start:start + _BATCH]


def digest(*parts: bytes | str) -> bytes:
    """A SHA-256 over ``parts``, each length-prefixed so that no two sequences collide."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.digest()


class BuildCache:
    """Reading and rendering results by key (see the module docstring). ``hits`` and ``misses``
    count the lookups of this build, per kind."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / CACHE_FILE
        self.hits: dict[str, int] = {"read": 0, "render": 0}
        self.misses: dict[str, int] = {"read": 0, "render": 0}
        self.warning: str | None = None
        self._used: dict[str, set[bytes]] = {"read": set(), "render": set()}
        self.note_keys: dict[str, bytes] = {}
        """Note path → the key of its reading, filled as notes are read."""
        self._db: sqlite3.Connection | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = self._connect()
        except (OSError, sqlite3.Error) as exc:
            self._set_aside(exc)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != _SCHEMA:
                db.execute("DROP TABLE IF EXISTS entries")
                # A rowid table: its primary-key index holds only the keys, so looking keys up
                # never reads the large values.
                db.execute("CREATE TABLE entries (kind TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, "
                           "PRIMARY KEY (kind, key))")
                db.execute(f"PRAGMA user_version={_SCHEMA}")
            db.execute("SELECT count(*) FROM entries WHERE kind = 'read' AND key = x''").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _set_aside(self, exc: BaseException) -> None:
        """Give up on the cache for this build, and remove an unreadable file so the next build
        starts a new one."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.warning = f"{self.path}: build cache not used ({exc}); building everything"

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def present(self, kind: str, keys: Sequence[bytes]) -> set[bytes]:
        """Which of ``keys`` the cache holds; counts the hits and misses of this build."""
        found: set[bytes] = set()
        if self._db is not None:
            try:
                for chunk in _chunks(keys):
                    found.update(key for (key,) in self._select(self._db, "key", kind, chunk))
            except sqlite3.Error as exc:
                self._set_aside(exc)
                found = set()
        self._used.setdefault(kind, set()).update(keys)
        self.hits[kind] = self.hits.get(kind, 0) + len(found)
        self.misses[kind] = self.misses.get(kind, 0) + len(set(keys)) - len(found)
        return found

    def get(self, kind: str, key: bytes) -> Any | None:
        """The value kept under ``key``, or None. Raises :class:`CacheError` if the file fails."""
        if key not in self.present(kind, [key]):
            return None
        return next(self.load(kind, [key]))[1]

    def put(self, kind: str, key: bytes, value: Any) -> None:
        self.put_many(kind, [(key, value)])

    def load(self, kind: str, keys: Sequence[bytes]) -> Iterator[tuple[bytes, Any]]:
        """The cached values of ``keys`` (all of which :meth:`present` found), a batch at a time.
        Raises :class:`CacheError` if the file fails half-way."""
        if self._db is None:
            raise CacheError(f"{self.path}: build cache is closed")
        for chunk in _chunks(keys):
            try:
                rows = self._select(self._db, "key, value", kind, chunk).fetchall()
                values = [(key, pickle.loads(value)) for key, value in rows]
            except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, TypeError) as exc:
                self._set_aside(exc)
                raise CacheError(self.warning or str(exc)) from exc
            if len(values) != len(set(chunk)):
                raise CacheError(f"{self.path}: build cache changed during the build")
            yield from values

    @staticmethod
    def _select(db: sqlite3.Connection, columns: str, kind: str, keys: Sequence[bytes]) -> sqlite3.Cursor:
        marks = ",".join("?" * len(keys))
        return db.execute(f"SELECT {columns} FROM entries WHERE kind = ? AND key IN ({marks})", (kind, *keys))

    def put_many(self, kind: str, items: Iterable[tuple[bytes, Any]]) -> None:
        if self._db is None:
            return
        try:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO entries (kind, key, value) VALUES (?, ?, ?)",
                ((kind, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) for key, value in items))
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._set_aside(exc)

    def close(self, *, prune: bool = True) -> None:
        """Delete the entries this build did not look up (when ``prune``), and close the file."""
        if self._db is None:
            return
        try:
            if prune:
                self._db.execute("BEGIN")
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS used (kind TEXT, key BLOB, PRIMARY KEY (kind, key))")
                self._db.execute("DELETE FROM used")
                for kind, keys in self._used.items():
                    self._db.executemany("INSERT OR IGNORE INTO used VALUES (?, ?)", ((kind, k) for k in keys))
                self._db.execute(PRUNE)
                self._db.execute("COMMIT")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            self._set_aside(exc)
        finally:
            if self._db is not None:
                self._db.close()
                self._db = None

    def summary(self) -> str:
        line = (f"cache: {self.hits['read']} of {self.hits['read'] + self.misses['read']} notes read, "
                f"{self.hits['render']} of {self.hits['render'] + self.misses['render']} rendered from the cache")
        corpus = [kind for kind in self.hits if kind not in ("read", "render")]
        if corpus:
            found = [kind for kind in corpus if self.hits[kind]]
            line += f"; {len(found)} of {len(corpus)} whole-corpus results ({', '.join(corpus)}) from the cache"
        return line
