"""The embedded store: Oxigraph, loaded from a build's TriG, with the union of graphs as default."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from mlops_graph.config import QUERY_FORMATS
from mlops_graph.errors import QueryError, StoreError
from mlops_graph.graph.namespaces import prefixes
from mlops_graph.query.named import NamedQuery, check_parameters

STORE_DIR = "store"
_DIGEST_FILE = "source.sha256"


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_OPEN: dict[tuple[str, str], ox.Store] = {}


def open_store(graph_file: Path, *, persist: bool = True) -> ox.Store:
    """An Oxigraph store holding ``graph_file`` (Turtle or TriG).

    For a build's ``graph.trig``, the store is kept on disk in ``store/`` beside it and reused
    (opened read-only, so any number of queries can run at once) while the file is unchanged: its
    SHA-256 is recorded, and a new build makes the next query load it again. The store is loaded
    into a fresh folder and renamed into place, so a half-loaded store is never used.
    """
    if not graph_file.is_file():
        raise StoreError(f"{graph_file}: no such graph file (run 'mlops-graph build' first)")
    fmt = ox.RdfFormat.TRIG if graph_file.suffix == ".trig" else ox.RdfFormat.TURTLE
    if not persist:
        store = ox.Store()
        _load(store, graph_file, fmt)
        return store
    folder = graph_file.parent / STORE_DIR
    digest = f"{_digest(graph_file)} {graph_file.name}"
    key = (str(folder.resolve()), digest)
    if key in _OPEN:
        return _OPEN[key]
    stamp = folder / _DIGEST_FILE
    if not (stamp.is_file() and stamp.read_text().strip() == digest):
        staging = graph_file.parent / f".{STORE_DIR}-loading-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.mkdir(parents=True)
            writer = ox.Store(str(staging / "db"))
            _load(writer, graph_file, fmt)
            writer.flush()
            del writer
            (staging / _DIGEST_FILE).write_text(digest + "\n")
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(staging, folder)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            store = ox.Store()
            _load(store, graph_file, fmt)
            return store
    try:
        store = ox.Store.read_only(str(folder / "db"))
    except OSError:
        store = ox.Store()
        _load(store, graph_file, fmt)
        return store
    _OPEN.clear()
    _OPEN[key] = store
    return store


def _load(store: ox.Store, path: Path, fmt: ox.RdfFormat) -> None:
    try:
        store.bulk_load(path=str(path), format=fmt)
    except (SyntaxError, ValueError, OSError) as exc:
        raise StoreError(f"{path}: cannot be loaded: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Result:
    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]
    raw: dict[str, bytes]
    """W3C serialisations by format name: ``json``, ``csv``, ``tsv``."""

    @classmethod
    def from_raw(cls, raw: dict[str, bytes]) -> Result:
        """Columns and rows (values as text) read from the SPARQL JSON results in ``raw``."""
        parsed = json.loads(raw["json"])
        columns = tuple(parsed["head"]["vars"])
        rows = tuple(
            tuple(binding[c]["value"] if c in binding else None for c in columns)
            for binding in parsed["results"]["bindings"]
        )
        return cls(columns, rows, raw)


def run_query(store: ox.Store, query: NamedQuery, params: dict[str, str] | None = None,
              base_iri: str | None = None) -> Result:
    """Run a SELECT query over the union of all graphs. Parameters are bound as literals."""
    params = params or {}
    check_parameters(query, params)
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(k): ox.Literal(v) for k, v in params.items()
    }
    raw: dict[str, bytes] = {}
    formats = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
               "tsv": ox.QueryResultsFormat.TSV}
    for name, fmt in formats.items():
        try:
            solutions = store.query(query.text, prefixes=prefixes(base_iri or ""),
                                    use_default_graph_as_union=True, substitutions=substitutions)
        except SyntaxError as exc:
            raise QueryError(f"query {query.name!r} is not valid SPARQL: {exc}") from exc
        if not isinstance(solutions, ox.QuerySolutions):
            raise QueryError(f"query {query.name!r} is not a SELECT query")
        data = solutions.serialize(format=fmt)
        assert data is not None
        raw[name] = data
    return Result.from_raw(raw)


def format_result(result: Result, fmt: str, *, width: int = 60, base_iri: str | None = None) -> str:
    """``table`` for people; ``csv``, ``tsv`` and ``json`` in the W3C result formats.

    In the table, IRIs are shortened: ``mgv:mlops`` for the known prefixes, and ``<note/x>`` for IRIs
    under ``base_iri``."""
    if fmt not in QUERY_FORMATS:
        raise QueryError(f"unknown format {fmt!r}; choose from {', '.join(QUERY_FORMATS)}")
    if fmt != "table":
        return result.raw[fmt].decode("utf-8")
    bindings = json.loads(result.raw["json"])["results"]["bindings"] if "json" in result.raw else []
    rows = [
        tuple(
            _short_iri(value, base_iri)
            if value is not None and i < len(bindings) and bindings[i].get(column, {}).get("type") == "uri"
            else value
            for column, value in zip(result.columns, row, strict=True)
        )
        for i, row in enumerate(result.rows)
    ]
    cells = [[_cell(v, width) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(result.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(result.columns, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
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
