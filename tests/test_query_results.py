"""run_query on the embedded store: one evaluation for the format asked for, the others on demand."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from mlops_graph.errors import QueryError
from mlops_graph.query.named import named_queries
from mlops_graph.store import embedded


@pytest.fixture(scope="module")
def counted_store(corpus_output: Path) -> tuple[ox.Store, list[int]]:
    """The sample corpus in memory, with a count of the queries evaluated on it."""
    store = ox.Store()
    store.bulk_load(path=str(corpus_output / "graph.trig"), format=ox.RdfFormat.TRIG)
    calls: list[int] = []

    class Counting:
        def query(self, *args: object, **kwargs: object) -> object:
            calls.append(1)
            return store.query(*args, **kwargs)  # type: ignore[arg-type]

    return Counting(), calls  # type: ignore[return-value]


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv"])
def test_one_evaluation_for_the_format_asked_for(counted_store: tuple[ox.Store, list[int]], fmt: str) -> None:
    store, calls = counted_store
    calls.clear()
    result = embedded.run_query(store, named_queries()["terms"], fmt=fmt)
    assert len(calls) == 1
    embedded.format_result(result, fmt)
    assert len(calls) == 1
    raw = result.raw[fmt].decode()
    if fmt == "json":
        data = json.loads(raw)
        header, count = tuple(data["head"]["vars"]), len(data["results"]["bindings"])
    elif fmt == "csv":
        table = list(csv.reader(io.StringIO(raw)))
        header, count = tuple(table[0]), len(table) - 1
    else:
        lines = raw.splitlines()
        header, count = tuple(name.removeprefix("?") for name in lines[0].split("\t")), len(lines) - 1
    assert header == result.columns == ("term", "termLabel", "definitions", "sources")
    assert count == len(embedded.run_query(store, named_queries()["terms"], fmt="json").rows) > 0


def test_other_formats_and_rows_agree(counted_store: tuple[ox.Store, list[int]]) -> None:
    store, calls = counted_store
    result = embedded.run_query(store, named_queries()["definitions"], fmt="csv")
    calls.clear()
    parsed = json.loads(result.raw["json"])
    assert len(calls) == 1  # JSON made on demand, once
    assert sorted(result.raw) == ["csv", "json", "tsv"]
    assert result.columns == tuple(parsed["head"]["vars"])
    assert result.rows and len(result.rows) == len(parsed["results"]["bindings"])
    table = list(csv.reader(io.StringIO(result.raw["csv"].decode("utf-8"))))
    assert tuple(table[0]) == result.columns
    assert [tuple(v or "" for v in row) for row in result.rows] == [tuple(r) for r in table[1:]]
    assert len(result.raw["tsv"].decode().splitlines()) == len(result.rows) + 1
    assert len(calls) == 2


def test_the_table_reads_the_json(counted_store: tuple[ox.Store, list[int]]) -> None:
    store, _ = counted_store
    result = embedded.run_query(store, named_queries()["terms"])
    text = embedded.format_result(result, "table")
    assert text.splitlines()[0].split() == list(result.columns)
    assert text.endswith(f"({len(result.rows)} rows)\n")


def test_an_unknown_result_format_is_refused(counted_store: tuple[ox.Store, list[int]]) -> None:
    store, _ = counted_store
    with pytest.raises(QueryError, match="unknown result format"):
        embedded.run_query(store, named_queries()["terms"], fmt="table")


def test_the_kept_store_is_reused_without_reading_the_graph_file_again(
    corpus_build: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_graph.export.atomic import write_output

    out = tmp_path / "output"
    write_output(out, corpus_build.files)  # type: ignore[attr-defined]
    graph = out / "graph.trig"
    first = embedded.open_store(graph)
    count = len(first)
    embedded._OPEN.clear()
    hashed: list[Path] = []
    real_digest = embedded._digest
    monkeypatch.setattr(embedded, "_digest", lambda path: hashed.append(path) or real_digest(path))
    again = embedded.open_store(graph)
    assert hashed == [] and len(again) == count  # same file: the recorded digest is trusted
    embedded._OPEN.clear()
    del first, again
    # A new build writes a new file: it is hashed and loaded again.
    data = graph.read_bytes()
    graph.unlink()
    graph.write_bytes(data + b"<https://example.org/x> { <https://example.org/a> "
                      b"<https://example.org/b> <https://example.org/c> . }\n")
    reloaded = embedded.open_store(graph)
    assert hashed == [graph]
    assert len(reloaded) == count + 1
    embedded._OPEN.clear()
