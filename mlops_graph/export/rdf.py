"""Turtle, TriG and N-Triples, written by pyoxigraph.

Each named graph is serialised once by pyoxigraph, as a Turtle body (its statements, without the
prefix lines). ``graph.ttl`` is the prefix lines followed by every body; ``graph.trig`` wraps each
body in its graph block. Graphs never share a triple (see ``graph.mapping``), so the result holds
each triple once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import pyoxigraph as ox

_PROBE = ox.Triple(ox.NamedNode("urn:x-probe:s"), ox.NamedNode("urn:x-probe:p"), ox.Literal("o"))


def canonical(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Distinct triples sorted by their N-Triples form: the same set always serialises the same way.

    The whole line sorts as its three terms would: an IRI or a blank node label cannot hold the
    ``>`` or the space that ends it, so two lines first differ where their terms first differ."""
    unique = {str(t): t for t in triples}
    return [unique[k] for k in sorted(unique)]


@cache
def _header(items: tuple[tuple[str, str], ...]) -> bytes:
    data = ox.serialize([_PROBE], format=ox.RdfFormat.TURTLE, prefixes=dict(items))
    assert data is not None
    return b"".join(line for line in data.splitlines(keepends=True) if line.startswith(b"@prefix "))


def header(prefixes: dict[str, str]) -> bytes:
    """The ``@prefix`` lines that pyoxigraph writes for these prefixes."""
    return _header(tuple(prefixes.items()))


def turtle_body(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """The statements of a Turtle document, without its prefix lines. Triples are written in the
    order given (pyoxigraph reads them as it writes, so an iterator is never held whole); keep each
    subject's triples together for compact output."""
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    assert data is not None
    head = header(prefixes)
    if data.startswith(head):
        return data[len(head):]
    return b"".join(line for line in data.splitlines(keepends=True) if not line.startswith(b"@prefix "))


def graph_open(graph: str) -> bytes:
    """The line that opens a graph block in TriG."""
    return b"<" + ox.NamedNode(graph).value.encode("utf-8") + b"> {\n"


GRAPH_CLOSE = b"}\n"


def ntriples(triples: Sequence[ox.Triple]) -> bytes:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return data
