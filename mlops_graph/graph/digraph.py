"""A directed graph as plain dicts, read the way a networkx DiGraph is read.

The graph of the notes and its folded form are :class:`Digraph` objects (``network.to_digraph``);
``network.to_networkx`` copies one into a :class:`networkx.DiGraph`. Code that reads a graph as a
:class:`GraphLike` (the page, the fold) takes either: a DiGraph has the same ``nodes``, ``succ``
and ``graph`` Mappings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from msgspec import Struct, field

Attrs = dict[str, Any]


class GraphLike(Protocol):
    """What is read of a graph: its nodes' attributes, its edges' attributes, its own attributes."""

    @property
    def nodes(self) -> Mapping[str, Mapping[str, Any]]: ...

    @property
    def succ(self) -> Mapping[str, Mapping[str, Mapping[str, Any]]]: ...

    @property
    def graph(self) -> Mapping[str, Any]: ...


class Digraph(Struct, frozen=True):
    """``nodes`` maps each node to its attributes, ``succ`` every node to its successors' edge
    attributes; ``graph`` holds the graph's own attributes. Nodes and edges keep the order they were
    added in."""

    nodes: Mapping[str, Mapping[str, Any]]
    succ: Mapping[str, Mapping[str, Mapping[str, Any]]]
    graph: Mapping[str, Any] = field(default_factory=dict)


def edges_of(graph: GraphLike) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Each edge of ``graph`` with its attributes, in the order of ``succ``."""
    for source, targets in graph.succ.items():
        for target, data in targets.items():
            yield source, target, data
