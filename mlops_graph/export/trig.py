"""``graph.trig``: every named graph in its own block."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_graph.export import rdf

if TYPE_CHECKING:
    from mlops_graph.export.outputs import Graphs


def render(graphs: Graphs) -> bytes:
    parts = [graphs.header]
    for graph in sorted(graphs.bodies):
        parts += [rdf.graph_open(graph), graphs.bodies[graph], rdf.GRAPH_CLOSE]
    return b"".join(parts)
