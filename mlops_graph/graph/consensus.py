"""What the definitions agree on: per term, the concepts that distinct sources mention, and a
concept co-occurrence graph with centrality (networkx)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.graph.mapping import NoteMapping

if TYPE_CHECKING:
    import networkx as nx


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
            if d.mentioned:
                found.setdefault(d.iri, set()).update(d.mentioned)
    return found


def agreement(mappings: list[NoteMapping]) -> dict[str, dict[str, str | set[str]]]:
    """Defined term → concept its attributed definitions mention (other than the term) → the distinct
    sources that mention it (one IRI, or a set of several)."""
    by_term: dict[str, dict[str, str | set[str]]] = {}
    for m in mappings:
        for d in m.definitions:
            source = d.source_iri
            if source is None or not d.mentioned:
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


def cooccurrence(mappings: list[NoteMapping], index: ConceptIndex) -> nx.Graph:
    """Concepts as nodes, joined when one definition mentions both (``weight``: how many
    definitions); each node carries ``label``, ``definitions``, ``degree`` and ``pagerank``.

    The counts come from the definition × concept incidence matrix M as MᵀM (scipy.sparse)."""
    import networkx as nx
    import numpy as np
    from scipy import sparse

    found = definition_concepts(mappings)
    concepts = sorted({c for cs in found.values() for c in cs})
    g = nx.Graph()
    if not concepts:
        return g
    column = {c: i for i, c in enumerate(concepts)}
    rows, cols = [], []
    for row, key in enumerate(sorted(found)):
        for concept in found[key]:
            rows.append(row)
            cols.append(column[concept])
    incidence = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(found), len(concepts))
    )
    together = (incidence.T @ incidence).tocoo()
    for concept in concepts:
        g.add_node(concept, label=index.concepts[concept].pref_label, definitions=0)
    for a, b, weight in zip(together.row.tolist(), together.col.tolist(), together.data.tolist(), strict=True):
        if a == b:
            g.nodes[concepts[a]]["definitions"] = int(weight)
        elif a < b:
            g.add_edge(concepts[a], concepts[b], weight=int(weight))
    degree = nx.degree_centrality(g) if len(g) > 1 else {n: 0.0 for n in g}
    rank = nx.pagerank(g, weight="weight") if g.number_of_edges() else {n: 1 / len(g) for n in g}
    for node in g:
        g.nodes[node]["degree"] = round(degree[node], 6)
        g.nodes[node]["pagerank"] = round(rank[node], 6)
    return g
