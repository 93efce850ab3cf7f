"""``graph.ttl``: every named graph's statements in one Turtle document (graphs share no triple)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_graph.export.outputs import Graphs


def pieces(graphs: Graphs) -> Iterator[bytes]:
    yield graphs.header
    for graph in sorted(graphs.bodies):
        yield graphs.bodies[graph]


def render(graphs: Graphs) -> bytes:
    return b"".join(pieces(graphs))
