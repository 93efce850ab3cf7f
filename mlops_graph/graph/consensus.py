"""What the definitions agree on: per term, the concepts that distinct sources mention, and the
centrality of each concept in the graph of concepts mentioned together."""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import NamedTuple

from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.graph.mapping import NoteMapping


class ConsensusRow(NamedTuple):
    term: str
    term_label: str
    concept: str
    label: str
    sources: int


def definition_concepts(mappings: list[NoteMapping]) -> dict[str, set[str]]:
    """Definition IRI → the concepts its text mentions."""
    found: dict[str, set[str]] = {}
    for m in mappings:
        for d in m.definitions:
            if d.mentioned and d.quote.kind == "definition":
                found.setdefault(d.iri, set()).update(d.mentioned)
    return found


def agreement(mappings: list[NoteMapping]) -> dict[str, dict[str, str | set[str]]]:
    """Defined term → concept its attributed definitions mention (other than the term) → the distinct
    sources that mention it (one IRI, or a set of several). Only definitions whose source is named
    at the quote count: not quotations, asides, the author's own words or inferred sources."""
    by_term: dict[str, dict[str, str | set[str]]] = {}
    for m in mappings:
        for d in m.definitions:
            source = d.source_iri
            if source is None or not d.counts or not d.mentioned:
                continue
            term = d.concept.iri
            concepts = by_term.get(term)
            if concepts is None:
                concepts = by_term[term] = {}
            for concept in d.mentioned:
                if concept == term:
                    continue
                found = concepts.get(concept)
                if found is None:
                    concepts[concept] = source
                elif isinstance(found, str):
                    if found != source:
                        concepts[concept] = {found, source}
                else:
                    found.add(source)
    return {term: concepts for term, concepts in by_term.items() if concepts}


def consensus_by_term(agreed: dict[str, dict[str, str | set[str]]], index: ConceptIndex,
                      limit: int | None = None) -> list[tuple[str, list[ConsensusRow]]]:
    """The rows of each term (see :func:`consensus`), most agreed first, at most ``limit`` per term;
    terms in the order of their labels."""
    labels: dict[str, str] = {}
    folded: dict[str, str] = {}

    def fold(iri: str) -> str:
        found = folded.get(iri)
        if found is None:
            labels[iri] = label = index.concepts[iri].pref_label
            found = folded[iri] = label.casefold()
        return found

    out = []
    for _key, term in sorted((fold(term), term) for term in agreed):
        concepts = agreed[term]
        keys = sorted((-(1 if isinstance(s, str) else len(s)), fold(concept), concept)
                      for concept, s in concepts.items())
        if limit is not None:
            keys = keys[:limit]
        term_label = labels[term]
        out.append((term, [ConsensusRow(term, term_label, concept, labels[concept], -count)
                           for count, _f, concept in keys]))
    return out


def consensus(mappings: list[NoteMapping], index: ConceptIndex) -> list[ConsensusRow]:
    """For each defined term, each concept its attributed definitions mention, with the number of
    distinct sources that mention it; most agreed first."""
    return [row for _term, rows in consensus_by_term(agreement(mappings), index) for row in rows]


class Centrality(NamedTuple):
    """A concept of the co-occurrence graph: its label, how many definitions mention it, its degree
    centrality and its PageRank (both rounded to six places)."""

    label: str
    definitions: int
    degree: float
    pagerank: float


def cooccurrence(mappings: list[NoteMapping], index: ConceptIndex) -> dict[str, Centrality]:
    """Each concept a definition mentions, by IRI in order, in the graph that joins two concepts
    when one definition mentions both (its edges weighted by how many definitions do)."""
    alone: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for concepts in definition_concepts(mappings).values():
        ordered = sorted(concepts)
        alone.update(ordered)
        pairs.update(combinations(ordered, 2))
    nodes = sorted(alone)
    edges = sorted(pairs.items())
    degree = Counter(concept for pair, _weight in edges for concept in pair)
    share = 1.0 / (len(nodes) - 1.0) if len(nodes) > 1 else 0.0
    rank = pagerank(nodes, edges) if edges else {node: 1 / len(nodes) for node in nodes}
    return {node: Centrality(index.concepts[node].pref_label, alone[node], round(degree[node] * share, 6),
                             round(rank[node], 6)) for node in nodes}


def pagerank(nodes: list[str], edges: list[tuple[tuple[str, str], int]], alpha: float = 0.85,
             tol: float = 1e-6) -> dict[str, float]:
    """PageRank of an undirected graph (``edges``: each pair of nodes with its weight), as
    ``networkx.pagerank`` computes it (power iteration; a node without edges gives its rank to every
    node), in plain Python: the graphs of real gardens are small, and this spares loading networkx
    and scipy."""
    count = len(nodes)
    at = {node: i for i, node in enumerate(nodes)}
    out = [0.0] * count
    both: list[tuple[int, int, float]] = []
    for (a, b), weight in edges:
        i, j = at[a], at[b]
        both += [(i, j, weight), (j, i, weight)]
        out[i] += weight
        out[j] += weight
    share = [(i, j, weight / out[i]) for i, j, weight in both]
    dangling = [i for i in range(count) if out[i] == 0]
    x = [1.0 / count] * count
    while True:  # each step shrinks the change by ``alpha``: after k steps it is at most 2 * alpha**k
        last = x
        flow = [0.0] * count
        for i, j, part in share:
            flow[j] += last[i] * part
        lost = sum(last[i] for i in dangling) / count
        x = [alpha * (f + lost) + (1 - alpha) / count for f in flow]
        if sum(abs(new - old) for new, old in zip(x, last, strict=True)) < count * tol:
            return dict(zip(nodes, x, strict=True))
