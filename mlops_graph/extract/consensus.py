"""What the definitions agree on: per term, the concepts that distinct sources mention, and a
concept co-occurrence graph with centrality (networkx)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

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
    definitions); each node carries ``label``, ``definitions``, ``degree`` and ``pagerank``."""
    g = nx.Graph()
    for concepts in definition_concepts(mappings).values():
        ordered = sorted(concepts)
        for concept in ordered:
            if concept in g:
                g.nodes[concept]["definitions"] += 1
            else:
                g.add_node(concept, label=index.concepts[concept].pref_label, definitions=1)
        for a, b in combinations(ordered, 2):
            weight = g.edges[a, b]["weight"] + 1 if g.has_edge(a, b) else 1
            g.add_edge(a, b, weight=weight)
    if g.number_of_nodes():
        degree = nx.degree_centrality(g)
        rank = nx.pagerank(g, weight="weight") if g.number_of_edges() else {n: 1 / len(g) for n in g}
        for node in g:
            g.nodes[node]["degree"] = round(degree[node], 6)
            g.nodes[node]["pagerank"] = round(rank[node], 6)
    return g
