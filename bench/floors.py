#!/usr/bin/env python3
"""What the libraries alone take for the parts of a build and of a query that cannot be left out.

    .venv/bin/python bench/floors.py OUT        # OUT: a finished build (`mlops-graph build … -o OUT`)

Each figure is a lower bound for any design that keeps the same outputs and libraries, measured on
the graph that OUT holds, in one process:

- ``triples``: making every triple of ``graph.ttl`` as a ``pyoxigraph.Triple`` from terms already
  made (the least Python must do to hand the statements to the serialiser), split by the kind of
  object;
- ``turtle``: pyoxigraph writing those triples as one Turtle document;
- ``rewrite``: copying ``graph.ttl`` and ``graph.trig`` into new files in the kernel
  (``copy_file_range``) and flushing them to disk, which is what a build that changes one note must
  at least do to replace them;
- ``rows``: the embedded store (``OUT/store``, the one ``mlops-graph query`` uses) handing out, as
  Python objects, every row of one triple pattern: each mention and its concept, which the largest
  named query (``mentions``) joins, labels and sorts.

It prints figures; it never fails on one.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mlops_graph.config import Settings
from mlops_graph.namespaces import prefixes


def timed(make: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = make()
    return time.perf_counter() - start, value


def triples(graph: Path, base_iri: str) -> list[tuple[str, str]]:
    quads = list(ox.parse(path=str(graph), format=ox.RdfFormat.TURTLE))
    terms = [(q.subject, q.predicate, q.object) for q in quads]
    del quads
    named = [t for t in terms if isinstance(t[2], ox.NamedNode)]
    other = [t for t in terms if not isinstance(t[2], ox.NamedNode)]
    rows = []
    made: list[ox.Triple] = []
    for label, group in (("an IRI", named), ("a literal", other)):
        start = time.perf_counter()
        made += [ox.Triple(s, p, o) for s, p, o in group]
        seconds = time.perf_counter() - start
        rows.append((f"triples: make {len(group):,} whose object is {label}", f"{seconds:.2f} s"))
    seconds, data = timed(lambda: ox.serialize(made, format=ox.RdfFormat.TURTLE, prefixes=prefixes(base_iri)))
    rows.append((f"turtle: write {len(made):,} triples ({len(data) / 1e6:.0f} MB)", f"{seconds:.2f} s"))
    return rows


def rewrite(out: Path, scratch: Path) -> list[tuple[str, str]]:
    scratch.mkdir(parents=True, exist_ok=True)
    names = ["graph.ttl", "graph.trig"]
    targets = [scratch / name for name in names]
    for target in targets:
        target.unlink(missing_ok=True)
    for name in names:  # in the page cache, as a build's own bodies are
        with (out / name).open("rb") as source:
            while source.read(1 << 24):
                pass
    os.sync()
    start = time.perf_counter()
    size = 0
    for name, target in zip(names, targets, strict=True):
        with (out / name).open("rb") as source, target.open("xb") as copy:
            length = os.fstat(source.fileno()).st_size
            done = 0
            while done < length:
                step = os.copy_file_range(source.fileno(), copy.fileno(), length - done)
                if not step:
                    break
                done += step
            size += done
    copied = time.perf_counter()
    for target in targets:
        fd = os.open(target, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    synced = time.perf_counter()
    for target in targets:
        target.unlink()
    return [(f"rewrite: copy graph.ttl and graph.trig ({size / 1e6:.0f} MB) in the kernel", f"{copied - start:.2f} s"),
            ("rewrite: flush them to disk", f"{synced - copied:.2f} s")]


def rows(out: Path) -> list[tuple[str, str]]:
    from mlops_graph.store.embedded import open_store

    store = open_store(out / "graph.trig")  # the first time, this loads and compacts it (about a minute)
    query = "SELECT ?mention ?concept WHERE { ?mention oa:hasBody ?concept }"

    def read_all() -> int:
        solutions = store.query(query, prefixes=prefixes(""), use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return sum(1 for _ in solutions)

    seconds, count = timed(read_all)
    return [(f"rows: the store hands out the {count:,} rows of ?mention oa:hasBody ?concept", f"{seconds:.2f} s")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="a finished build's output folder")
    parser.add_argument("--scratch", type=Path, help="where to copy the graph files (default: OUT/../.floors)")
    args = parser.parse_args()
    gc.disable()
    found = triples(args.out / "graph.ttl", Settings().base_iri)
    gc.collect()
    found += rewrite(args.out, args.scratch or args.out.parent / ".floors")
    found += rows(args.out)
    width = max(len(label) for label, _ in found)
    for label, figure in found:
        print(f"{label.ljust(width)}  {figure:>8}")


if __name__ == "__main__":
    main()
