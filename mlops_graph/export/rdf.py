"""Turtle, TriG and N-Triples through pyoxigraph's serialisers, in a canonical order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox


def _key(triple: ox.Triple) -> tuple[str, str, str]:
    return (str(triple.subject), str(triple.predicate), str(triple.object))


def canonical(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Distinct triples sorted by their N-Triples form: the same set always serialises the same way."""
    unique = {_key(t): t for t in triples}
    return [unique[k] for k in sorted(unique)]


def turtle(triples: Sequence[ox.Triple], prefixes: dict[str, str]) -> bytes:
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    assert data is not None
    return data


def trig(graphs: Sequence[tuple[str, Sequence[ox.Triple]]], prefixes: dict[str, str]) -> bytes:
    """One named graph per entry, in the given order."""
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, triples in graphs for t in triples]
    data = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)
    assert data is not None
    return data


def ntriples(triples: Sequence[ox.Triple]) -> bytes:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return data
