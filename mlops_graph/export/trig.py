"""``graph.trig``: every named graph in its own block."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mlops_graph.export import rdf

if TYPE_CHECKING:
    from mlops_graph.export.outputs import Graphs


def pieces(graphs: Graphs) -> Iterator[bytes]:
    yield graphs.header
    for graph in sorted(graphs.bodies):
        yield from (rdf.graph_open(graph), graphs.bodies[graph], rdf.GRAPH_CLOSE)


def render(graphs: Graphs) -> bytes:
    return b"".join(pieces(graphs))
