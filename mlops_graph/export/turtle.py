"""``graph.ttl``: every named graph's statements in one Turtle document (graphs share no triple)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlops_graph.export.outputs import Graphs


def render(graphs: Graphs) -> bytes:
    return b"".join([graphs.header, *(graphs.bodies[g] for g in sorted(graphs.bodies))])
