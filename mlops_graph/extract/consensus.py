"""What the definitions agree on: per term, the concepts that distinct sources mention, and a
concept co-occurrence graph with centrality (networkx)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import networkx as nx

from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.graph.mapping import NoteMapping


@dataclass(frozen=True, slots=True)
class ConsensusRow:
    term: str
    term_label: str
    concept: str
    label: str
    sources: int


def definition_concepts(mappings: list[NoteMapping]) -> dict[str, set[str]]:
    """Definition IRI → the concepts its text mentions."""
    found: dict[str, set[str]] = defaultdict(set)
    for m in mappings:
        for mention in m.mentions:
            if mention.target_kind == "definition":
                found[mention.target].add(mention.concept)
    return found


def consensus(mappings: list[NoteMapping], index: ConceptIndex) -> list[ConsensusRow]:
    """For each defined term, each concept its attributed definitions mention, with the number of
    distinct sources that mention it; most agreed first."""
    mentioned = definition_concepts(mappings)
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in mappings:
        for d in m.definitions:
            if d.source_iri is None:
                continue
            for concept in mentioned.get(d.iri, ()):
                if concept != d.concept.iri:
                    sources[(d.concept.iri, concept)].add(d.source_iri)
    rows = [
        ConsensusRow(term, index.concepts[term].pref_label, concept, index.concepts[concept].pref_label, len(s))
        for (term, concept), s in sources.items()
    ]
    rows.sort(key=lambda r: (r.term_label.casefold(), r.term, -r.sources, r.label.casefold(), r.concept))
    return rows


def cooccurrence(mappings: list[NoteMapping], index: ConceptIndex) -> nx.Graph:
    """Concepts as nodes, joined when one definition mentions both (``weight``: how many
    definitions); each node carries ``label``, ``definitions``, ``degree`` and ``pagerank``.

    The counts come from the definition × concept incidence matrix M as MᵀM (scipy.sparse)."""
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
