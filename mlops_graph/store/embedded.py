"""The embedded store: Oxigraph, loaded from a build's TriG, with the union of graphs as default."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mlops_graph.config import QUERY_FORMATS
from mlops_graph.errors import QueryError, StoreError
from mlops_graph.export.atomic import dead_leftovers, remove_tree
from mlops_graph.namespaces import prefixes
from mlops_graph.query.binding import LABEL_KEYS, bind_values, bound_text, concepts_by_label
from mlops_graph.query.named import NamedQuery

STORE_DIR = "store"
#: The graph file a store is kept on disk for: a build's.
KEPT_GRAPH_FILE = "graph.trig"
_DIGEST_FILE = "source.sha256"
_LABELS_FILE = "labels.json"
_KEPT_ENTRIES = frozenset({"db", _DIGEST_FILE, _LABELS_FILE})
_LOADING = f".{STORE_DIR}-loading-"
_RETIRED = f".{STORE_DIR}-retired-"
_LEFTOVER = re.compile(rf"^(?:{re.escape(_LOADING)}|{re.escape(_RETIRED)})(?P<pid>\d+)$")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _identity(path: Path) -> str:
    """Size, modification time and inode: a build writes a new file, so these change with it."""
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino}"


def _stamp_digest(stamp: Path, graph_file: Path) -> tuple[str, str]:
    """``graph_file``'s SHA-256 and name, as recorded in ``stamp`` when the file is the one it was
    recorded for (same size, time and inode), else computed; and the identity it goes with, taken
    before the file is read (a file replaced meanwhile then no longer matches it)."""
    identity = _identity(graph_file)
    try:
        lines = stamp.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    if len(lines) == 2 and lines[1] == identity and lines[0].endswith(f" {graph_file.name}"):
        return lines[0], identity
    return f"{_digest(graph_file)} {graph_file.name}", identity


_OPEN: dict[tuple[str, str], tuple[ox.Store, dict[str, list[str]] | None]] = {}
"""The store kept on disk, by (store folder, digest of the graph file), with its label table (None for
a store kept by a version that wrote none)."""


def _table_of(store: ox.Store) -> dict[str, list[str]] | None:
    return next((table for kept, table in _OPEN.values() if kept is store), None)


def _label_table(store: ox.Store) -> dict[str, list[str]]:
    """Lower-case label → the IRIs of the concepts that have it, sorted."""
    table: dict[str, list[str]] = {}
    solutions = store.query(LABEL_KEYS, prefixes=prefixes(""), use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    for key, concept in solutions:
        if isinstance(key, ox.Literal) and isinstance(concept, ox.NamedNode):
            table.setdefault(key.value, []).append(concept.value)
    return {key: sorted(iris) for key, iris in sorted(table.items())}


def _lower(text: str) -> str:
    """``LCASE(STR(text))`` as the store computes it."""
    solutions = ox.Store().query(bind_values("SELECT (LCASE(?t) AS ?k) WHERE { }", ["t"], [[ox.Literal(text)]]))
    assert isinstance(solutions, ox.QuerySolutions)
    key = next(iter(solutions))[0]
    return key.value if isinstance(key, ox.Literal) else text


def open_store(graph_file: Path, *, persist: bool = True) -> ox.Store:
    """An Oxigraph store holding ``graph_file`` (Turtle or TriG).

    For a build's ``graph.trig``, the store is kept on disk in ``store/`` beside it and reused
    (opened read-only, so any number of queries can run at once) while the file is unchanged: its
    SHA-256 is recorded (with its size, time and inode, so that an unchanged file is not read again
    to check it), and a new build makes the next query load it again. A table of the concepts'
    labels is kept beside it, so that a concept parameter is looked up without scanning every
    label. The store is loaded into a fresh folder, compacted (a bulk load leaves each index in
    many files whose key ranges overlap, and a query's every lookup would search them all) and
    renamed into place, so a half-loaded store is never used; a kept store that cannot be opened is
    loaded again. Any other graph file, or one beside a ``store/`` folder this module did not make,
    is loaded into memory, and that folder is left alone.
    """
    if not graph_file.is_file():
        raise StoreError(f"{graph_file}: no such graph file (run 'mlops-graph build' first)")
    fmt = ox.RdfFormat.TRIG if graph_file.suffix == ".trig" else ox.RdfFormat.TURTLE
    folder = graph_file.parent / STORE_DIR
    if not persist or graph_file.name != KEPT_GRAPH_FILE or not _kept_or_absent(folder):
        return _in_memory(graph_file, fmt)
    try:
        digest, identity = _stamp_digest(folder / _DIGEST_FILE, graph_file)
    except OSError as exc:
        raise StoreError(f"{graph_file}: cannot be read: {exc.strerror or exc}") from exc
    key = (str(folder.resolve()), digest)
    if key in _OPEN:
        return _OPEN[key][0]
    _clean_leftovers(graph_file.parent)
    for again in (False, True):
        if (again or not _current(folder, digest)) and not _put_in_place(graph_file, fmt, folder, digest, identity,
                                                                          again):
            break
        try:
            store = ox.Store.read_only(str(folder / "db"))
        except (OSError, RuntimeError):  # missing or damaged files: load it again, once
            continue
        _OPEN.clear()
        _OPEN[key] = (store, _read_labels(folder))
        return store
    return _in_memory(graph_file, fmt)


def _in_memory(graph_file: Path, fmt: ox.RdfFormat) -> ox.Store:
    store = ox.Store()
    _load(store, graph_file, fmt)
    return store


def _kept_or_absent(folder: Path) -> bool:
    """Whether ``folder`` does not exist or is a store kept by :func:`open_store` (which may replace it)."""
    if folder.is_symlink():
        return False
    if not folder.exists():
        return True
    try:
        names = set(os.listdir(folder))
    except OSError:
        return False
    return _DIGEST_FILE in names and names <= _KEPT_ENTRIES


def _current(folder: Path, digest: str) -> bool:
    try:
        return (folder / _DIGEST_FILE).read_text().split("\n")[0] == digest
    except (OSError, UnicodeDecodeError):
        return False


def _put_in_place(graph_file: Path, fmt: ox.RdfFormat, folder: Path, digest: str, identity: str,
                  replace_current: bool) -> bool:
    """Load ``graph_file`` into a fresh folder and rename it to ``folder``; False when it cannot be
    kept on disk, or when the file was replaced after it was hashed (its digest would not be of what
    was loaded). When another query has put the same graph in place meanwhile, that store is kept
    (unless ``replace_current``: it could not be opened)."""
    parent = graph_file.parent
    staging = parent / f"{_LOADING}{os.getpid()}"
    retired = parent / f"{_RETIRED}{os.getpid()}"
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        writer = ox.Store(str(staging / "db"))
        _load(writer, graph_file, fmt)
        if _identity(graph_file) != identity:  # replaced since it was hashed: the digest is not of this
            return False
        writer.flush()
        writer.optimize()
        labels = _label_table(writer)
        del writer
        (staging / _LABELS_FILE).write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
        (staging / _DIGEST_FILE).write_text(f"{digest}\n{identity}\n")
        if not replace_current and _current(folder, digest):
            return True
        if not _kept_or_absent(folder):
            return False
        with contextlib.suppress(FileNotFoundError):  # another query may have moved it already
            os.rename(folder, retired)
        try:
            os.rename(staging, folder)
        except OSError:  # another query put its copy in place first
            return _current(folder, digest)
        return True
    except (OSError, StoreError):  # a build that swaps the output folder takes the loading folder away
        return False
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)


def _clean_leftovers(parent: Path) -> None:
    """Remove the folders that queries whose process is gone were loading or replacing."""
    for leftover in dead_leftovers(parent, _LEFTOVER):
        remove_tree(leftover)


def _read_labels(folder: Path) -> dict[str, list[str]] | None:
    """The label table kept with the store; None (a query looks labels up) when there is none or it
    is not a table of label → IRIs."""
    try:
        table = json.loads((folder / _LABELS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(table, dict) or not all(
            isinstance(iris, list) and all(isinstance(iri, str) for iri in iris) for iris in table.values()):
        return None
    return table


def _load(store: ox.Store, path: Path, fmt: ox.RdfFormat) -> None:
    try:
        store.bulk_load(path=str(path), format=fmt)
    except (SyntaxError, ValueError, OSError) as exc:
        raise StoreError(f"{path}: cannot be loaded: {exc}") from exc


#: The W3C result formats a :class:`Result` can be written in, by name.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


class _Serialisations(Mapping[str, bytes]):
    """The W3C serialisations of one result by format name, each made when first asked for.

    ``made`` holds those already made; ``make`` makes another (for the embedded store, by evaluating
    the query again: a query is evaluated once per format actually used, never for formats nobody reads).
    """

    __slots__ = ("_made", "_make")

    def __init__(self, made: dict[str, bytes], make: Callable[[str], bytes] | None = None) -> None:
        self._made = made
        self._make = make

    def __getitem__(self, name: str) -> bytes:
        if name not in self._made:
            if name not in RESULT_FORMATS or self._make is None:
                raise KeyError(name)
            self._made[name] = self._make(name)
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(RESULT_FORMATS if self._make is not None else self._made)

    def __len__(self) -> int:
        return len(RESULT_FORMATS) if self._make is not None else len(self._made)


class Result:
    """A SELECT query's result: its columns, its rows (values as text) and its W3C serialisations.

    ``raw`` maps ``json``, ``csv`` and ``tsv`` to the serialisation in that format. The rows are read
    from the JSON serialisation the first time they are asked for.
    """

    __slots__ = ("_rows", "columns", "raw")

    def __init__(self, columns: tuple[str, ...], raw: Mapping[str, bytes],
                 rows: tuple[tuple[str | None, ...], ...] | None = None) -> None:
        self.columns = columns
        self.raw = raw
        self._rows = rows

    @property
    def rows(self) -> tuple[tuple[str | None, ...], ...]:
        if self._rows is None:
            self._rows = _rows(json.loads(self.raw["json"]), self.columns)
        return self._rows

    @classmethod
    def from_raw(cls, raw: Mapping[str, bytes]) -> Result:
        """Columns and rows (values as text) read from the SPARQL JSON results in ``raw``."""
        parsed = json.loads(raw["json"])
        columns = tuple(parsed["head"]["vars"])
        return cls(columns, raw, _rows(parsed, columns))


def _rows(parsed: dict[str, Any], columns: tuple[str, ...]) -> tuple[tuple[str | None, ...], ...]:
    return tuple(
        tuple(binding[c]["value"] if c in binding else None for c in columns)
        for binding in parsed["results"]["bindings"]
    )


def concept_lookup(store: ox.Store) -> Callable[[str], list[str]]:
    """Label → the concepts that have it (any case): from the table kept with the store when there is
    one, else by a query."""
    table = _table_of(store)

    def iris(label: str) -> list[str]:
        if table is not None:
            return table.get(_lower(label), [])
        found = store.query(concepts_by_label(label), prefixes=prefixes(""), use_default_graph_as_union=True)
        assert isinstance(found, ox.QuerySolutions)
        return [row[0].value for row in found if isinstance(row[0], ox.NamedNode)]

    return iris


def run_query(store: ox.Store, query: NamedQuery, params: dict[str, str] | None = None,
              base_iri: str | None = None, *, fmt: str = "json") -> Result:
    """Run a SELECT query over the union of all graphs, its parameters bound as
    :mod:`mlops_graph.query.binding` says (the same text a remote store gets).

    The query is evaluated once and its result written in ``fmt`` (``json``, ``csv`` or ``tsv``);
    another format asked of ``Result.raw`` later evaluates the query again.
    """
    if fmt not in RESULT_FORMATS:
        raise QueryError(f"unknown result format {fmt!r}; choose from {', '.join(RESULT_FORMATS)}")
    names = prefixes(base_iri or "")

    def solutions(text: str) -> ox.QuerySolutions:
        try:
            found = store.query(text, prefixes=names, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise QueryError(f"query {query.name!r} is not valid SPARQL: {exc}") from exc
        except (OSError, RuntimeError) as exc:
            raise QueryError(f"query {query.name!r} failed: {exc}") from exc
        if not isinstance(found, ox.QuerySolutions):
            raise QueryError(f"query {query.name!r} is not a SELECT query")
        return found

    text = bound_text(query, params, concept_lookup(store))
    columns: list[tuple[str, ...]] = []

    def evaluate(name: str) -> bytes:
        found = solutions(text)
        if not columns:
            columns.append(tuple(v.value for v in found.variables))
        try:  # the query is evaluated as its solutions are written
            data = found.serialize(format=RESULT_FORMATS[name])
        except (OSError, RuntimeError) as exc:  # a SERVICE it calls, or the store's files
            raise QueryError(f"query {query.name!r} failed: {exc}") from exc
        assert data is not None
        return data

    raw = _Serialisations({fmt: evaluate(fmt)}, evaluate)
    return Result(columns[0], raw)


def format_result(result: Result, fmt: str, *, width: int = 60, base_iri: str | None = None) -> str:
    """``table`` for people; ``csv``, ``tsv`` and ``json`` in the W3C result formats.

    In the table, IRIs are shortened: ``mgv:mlops`` for the known prefixes, and ``<note/x>`` for IRIs
    under ``base_iri``."""
    if fmt not in QUERY_FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose from {', '.join(QUERY_FORMATS)}")
    if fmt != "table":
        return result.raw[fmt].decode("utf-8")
    bindings = json.loads(result.raw["json"])["results"]["bindings"]
    rows = [
        tuple(
            None if term is None
            else _short_iri(term["value"], base_iri) if term.get("type") == "uri"
            else term["value"]
            for term in (binding.get(column) for column in result.columns)
        )
        for binding in bindings
    ]
    cells = [[_cell(v, width) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(result.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(result.columns, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _short_iri(iri: str, base_iri: str | None) -> str:
    if base_iri and iri.startswith(base_iri) and len(iri) > len(base_iri):
        return f"<{iri[len(base_iri):]}>"
    for prefix, namespace in prefixes("").items():
        if namespace and iri.startswith(namespace) and len(iri) > len(namespace):
            local = iri[len(namespace):]
            if all(c.isalnum() or c in "-_." for c in local):
                return f"{prefix}:{local}"
    return iri


def _cell(value: str | None, width: int) -> str:
    if value is None:
        return ""
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in " ".join(value.split()))
    return text if len(text) <= width else text[: width - 1] + "…"
