"""The graphs a push sends: one per note and the concept scheme (from a build's ``graph.trig``),
plus the ontology, shapes and curated vocabulary in a graph of their own."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from mlops_graph.errors import StoreError
from mlops_graph.export import rdf
from mlops_graph.graph.iris import Iris
from mlops_graph.validate import ONTOLOGY_DIR

ONTOLOGY_FILES = ("mlops-graph.ttl", "shapes.ttl", "vocabulary.ttl")


def ontology_graph_iri(base_iri: str) -> str:
    return f"{base_iri}graph/ontology"


def graphs_for_push(out_dir: Path, base_iri: str) -> tuple[dict[str, bytes], str]:
    """Named graph IRI → N-Triples bytes, and the manifest graph's IRI."""
    trig = out_dir / "graph.trig"
    if not trig.is_file():
        raise StoreError(f"{trig}: no such file (run 'mlops-graph build' first)")
    by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
    try:
        for quad in ox.parse(path=str(trig), format=ox.RdfFormat.TRIG):
            if isinstance(quad.graph_name, ox.NamedNode):
                by_graph[quad.graph_name.value].append(ox.Triple(quad.subject, quad.predicate, quad.object))
    except (SyntaxError, OSError) as exc:
        raise StoreError(f"{trig}: cannot be read: {exc}") from exc
    ontology: list[ox.Triple] = []
    for name in ONTOLOGY_FILES:
        ontology.extend(ox.parse(path=str(ONTOLOGY_DIR / name), format=ox.RdfFormat.TURTLE))
    by_graph[ontology_graph_iri(base_iri)] = ontology
    graphs = {g: rdf.ntriples(rdf.canonical(ts)) for g, ts in sorted(by_graph.items())}
    return graphs, Iris(base_iri).manifest_graph
