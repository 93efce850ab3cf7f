"""The folded view of a large graph: its concepts and sources, with the notes, definitions and cited
pages that touch them folded into counts.

A folded graph is a :class:`~mlops_graph.graph.digraph.Digraph` (from ``network.to_networkx``, a
networkx DiGraph) whose ``graph["folded"]`` is a :class:`Folded` (what the whole graph held). Each
node is a concept or a source with its usual ``kind``, ``label`` and ``details``, and a ``folded``
dict of counts:

* ``definitions``: the definitions that define, mention or are attributed to it (directly, or for a
  source through the cited page it publishes), and ``notes``: the notes holding them (for a concept,
  also the notes with an edge of their own to it);
* ``pages``: the cited pages it publishes; ``defining``: the definitions whose ``defines`` edge ends
  on it;
* ``links``: how many edges of the folded view it has (one per folded source-to-concept pair and
  per edge of the whole graph between two concepts or sources).

Each edge of the whole graph between two concepts or sources is kept with its ``relation``; each
source attributed a definition touching a concept gets an edge to it with ``count``, the number of
such definitions, and relation ``"folded definitions"`` unless an edge was already there.

:func:`fold_graph` folds any graph whose nodes have a ``kind``; :func:`fold_mappings` folds the
mappings directly, without making the whole graph (``network.to_networkx(..., fold_above=…)``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from msgspec import Struct

from mlops_graph.extract.concepts import Concept, ConceptIndex
from mlops_graph.extract.urls import web_host
from mlops_graph.graph.digraph import Attrs, Digraph, GraphLike, edges_of
from mlops_graph.graph.mapping import NoteMapping
from mlops_graph.model import SourceRef

#: Kinds of nodes that the folded view folds into counts.
QUOTED_KINDS = frozenset({"definition", "quote"})
"""Quoted passages: a definition, or a quotation that defines nothing."""
FOLDED_KINDS = frozenset({"note", "page"}) | QUOTED_KINDS
#: Kinds of nodes that the folded view keeps.
KEPT_KINDS = frozenset({"concept", "source"})
#: The relation of an edge made of folded definitions.
FOLDED_RELATION = "folded definitions"


class Folded(Struct, frozen=True):
    """What the whole graph held, kept on a folded graph as ``graph["folded"]``."""

    nodes: int
    edges: int
    hidden: int
    """How many of its nodes are notes, definitions and cited pages."""
    threshold: int
    """The node count above which the graph was folded."""


def folded_info(graph: GraphLike) -> Folded | None:
    """The :class:`Folded` of a folded graph, None for any other graph."""
    info = graph.graph.get("folded")
    return info if isinstance(info, Folded) else None


# ------------------------------------------------------------------------------------ any graph


def fold_graph(graph: GraphLike, threshold: int) -> Digraph:
    """The folded form of ``graph`` (a Digraph or a networkx DiGraph), whose nodes have a ``kind``.

    One pass over the edges collects, per definition, its notes, concepts and sources (directly or
    through its cited page's publisher); the counts and the source-to-concept links follow from that.
    """
    kinds = {node: _kind(attrs) for node, attrs in graph.nodes.items()}
    kept = [node for node, kind in kinds.items() if kind in KEPT_KINDS]
    definitions: dict[str, set[str]] = {node: set() for node in kept}
    notes: dict[str, set[str]] = {node: set() for node in kept}
    pages: dict[str, set[str]] = {node: set() for node in kept}
    defining: dict[str, int] = dict.fromkeys(kept, 0)
    linked: dict[str, dict[str, list[str]]] = {}
    page_sources: dict[str, list[str]] = {}
    kept_edges: list[tuple[str, str, str]] = []

    edge_count = 0
    for a, b, data in edges_of(graph):
        edge_count += 1
        kind_a = kinds[a]
        kind_b = kinds[b]
        relation = data.get("relation")
        if kind_a in QUOTED_KINDS:
            if kind_b not in QUOTED_KINDS:
                linked.setdefault(a, {}).setdefault(kind_b, []).append(b)
                if kind_b == "concept" and relation == "defines":
                    defining[b] += 1
        elif kind_b in QUOTED_KINDS:
            linked.setdefault(b, {}).setdefault(kind_a, []).append(a)
        elif kind_a == "note":
            if kind_b == "concept":
                notes[b].add(a)
        elif kind_a == "page":
            if kind_b == "source":
                pages[b].add(a)
                page_sources.setdefault(a, []).append(b)
        elif kind_b == "note":
            if kind_a == "concept":
                notes[a].add(b)
        elif kind_b == "page":
            if kind_a == "source":
                pages[a].add(b)
                page_sources.setdefault(b, []).append(a)
        elif kind_a in KEPT_KINDS and kind_b in KEPT_KINDS:
            kept_edges.append((a, b, relation if isinstance(relation, str) else ""))

    pairs: dict[str, dict[str, int]] = {}
    for definition, by_kind in linked.items():
        def_notes = by_kind.get("note", ())
        def_concepts = set(by_kind.get("concept", []))
        def_sources = set(by_kind.get("source", []))
        for page in by_kind.get("page", []):
            def_sources.update(page_sources.get(page, []))
        for target in def_concepts | def_sources:
            definitions[target].add(definition)
            notes[target].update(def_notes)
        for source in def_sources:
            weights = pairs.setdefault(source, {})
            for concept in def_concepts:
                weights[concept] = weights.get(concept, 0) + 1

    counts = {node: {"definitions": len(definitions[node]), "notes": len(notes[node]), "pages": len(pages[node]),
                     "defining": defining[node]} for node in kept}
    hidden = sum(1 for kind in kinds.values() if kind in FOLDED_KINDS)
    info = Folded(nodes=len(kinds), edges=edge_count, hidden=hidden, threshold=threshold)
    return _folded_graph(info, ((node, graph.nodes[node]) for node in kept), counts, kept_edges, pairs)


def _kind(attrs: Mapping[str, Any]) -> str:
    kind = attrs.get("kind")
    return kind if isinstance(kind, str) else ""


def _folded_graph(info: Folded, nodes: Iterable[tuple[str, Mapping[str, Any]]], counts: dict[str, dict[str, int]],
                  kept_edges: list[tuple[str, str, str]], pairs: Mapping[str, Mapping[str, int]]) -> Digraph:
    attrs = dict(nodes)
    for iri in attrs:
        counts[iri]["links"] = 0
    for source, weights in pairs.items():
        counts[source]["links"] += len(weights)
        for concept in weights:
            counts[concept]["links"] += 1
    for source, target, _ in kept_edges:
        counts[source]["links"] += 1
        counts[target]["links"] += 1
    node = {iri: {**attrs[iri], "folded": counts[iri]} for iri in sorted(attrs)}
    succ: dict[str, dict[str, Attrs]] = {iri: {} for iri in node}
    for source, target, relation in kept_edges:
        succ[source][target] = {"relation": relation}
    for source, weights in pairs.items():
        out = succ[source]
        for concept, weight in weights.items():
            out.setdefault(concept, {"relation": FOLDED_RELATION})["count"] = weight
    return Digraph(node, succ, {"folded": info})


# ---------------------------------------------------------------------------------- the mappings


def source_attrs(source: SourceRef) -> Attrs:
    """A source node's attributes, before its definitions are counted."""
    url = source.url
    return {"kind": "source", "label": source.name, "details": {
        "name": source.name, "host": web_host(url)[1] if url else None, "definitions": 0,
    }}


def concept_attrs(concept: Concept, definitions: list[str], sources: int) -> Attrs:
    """A concept node's attributes: ``definitions`` names each definition mentioning it."""
    return {"kind": "concept", "label": concept.pref_label, "details": {
        "labels": concept.labels(), "definitions": definitions, "sources": sources,
    }}


class Census:
    """The nodes ``network.to_networkx`` makes of these mappings (sorted by IRI), by kind.

    ``nodes`` is how many nodes the whole graph has. ``lean`` tells whether :func:`fold_mappings` may
    fold them without making the whole graph: each note and each definition IRI is met once, and no
    IRI is the node of two kinds (a link to an IRI that is no mapped note, a node with no kind, is
    grouped with the notes here). ``hidden`` (the notes, definitions and cited pages) and the rest
    hold only when ``lean``.
    """

    def __init__(self, ordered: list[NoteMapping]) -> None:
        notes: set[str] = set()
        linked: set[str] = set()
        definitions: set[str] = set()
        concepts: set[str] = set()
        sources: set[str] = set()
        publishers: dict[str, dict[str, None]] = {}
        unique = True
        for m in ordered:
            unique = unique and m.iri not in notes
            notes.add(m.iri)
            linked.update(m.links)
            for d in m.definitions:
                unique = unique and d.iri not in definitions
                definitions.add(d.iri)
                concepts.add(d.concept.iri)
                concepts.update(d.mentioned)
                source = d.quote.source
                if d.source_iri and source is not None:
                    sources.add(d.source_iri)
                    if d.page_iri and source.url:
                        publishers.setdefault(d.page_iri, {})[d.source_iri] = None
        #: Each cited page's publishers, in the order first met.
        self.publishers = {page: tuple(page_sources) for page, page_sources in publishers.items()}
        groups = (notes | linked, definitions, concepts, sources, self.publishers.keys())
        everything: set[str] = set()
        everything.update(*groups)
        self.nodes = len(everything)
        self.lean = unique and self.nodes == sum(len(group) for group in groups)
        self.hidden = len(notes) + len(definitions) + len(self.publishers)
        self.concepts = sorted(concepts)


def fold_mappings(ordered: list[NoteMapping], index: ConceptIndex, census: Census, threshold: int) -> Digraph:
    """The folded form of the graph ``network.to_networkx`` makes of ``ordered``, if ``census.lean``.

    It is the graph :func:`fold_graph` makes of the whole graph, made directly from the mappings:
    each definition adds to the counts of the concepts it defines or mentions and of its sources
    (its own, and every publisher of the page it quotes).
    """
    if not census.lean:
        raise ValueError("these mappings cannot be folded without making the whole graph")
    publishers = census.publishers
    # Counted at the end: each definition's concepts and sources, each note's, each source's concepts.
    definition_targets: list[str] = []
    note_targets: list[str] = []
    defining: list[str] = []
    source_concepts: defaultdict[str, list[str]] = defaultdict(list)
    concept_defs: defaultdict[str, list[str]] = defaultdict(list)
    source_mentions: defaultdict[str, set[str]] = defaultdict(set)
    sources: dict[str, Attrs] = {}
    source_defs: Counter[str] = Counter()
    edges = sum(len(page_sources) for page_sources in publishers.values())
    for m in ordered:
        edges += len(set(m.links))
        title = m.note.title
        touched: set[str] = set()
        for d in m.definitions:
            source = d.quote.source
            mentioned = d.mentioned
            defined = d.concept.iri
            concepts = set(mentioned)
            concepts.add(defined)
            edges += 1 + len(concepts)
            definition_targets += concepts
            touched |= concepts
            if d.quote.kind == "definition" and defined not in mentioned:
                defining.append(defined)
            source_iri = d.source_iri
            if source_iri and source is not None:
                edges += 1
                if source_iri not in sources:
                    sources[source_iri] = source_attrs(source)
                source_defs[source_iri] += 1
                def_sources: tuple[str, ...] = (source_iri,)
                if d.page_iri and source.url:
                    edges += 1
                    def_sources = publishers[d.page_iri]
                definition_targets += def_sources
                touched.update(def_sources)
                for publisher in def_sources:
                    source_concepts[publisher] += concepts
            if mentioned:
                line = f"{(source.name if source else None) or 'the author'} — {title}"
                for concept in mentioned:
                    concept_defs[concept].append(line)
                if source_iri:
                    source_mentions[source_iri].update(mentioned)
        note_targets += touched

    definitions, notes = Counter(definition_targets), Counter(note_targets)
    del definition_targets, note_targets
    pairs = {source_iri: Counter(concepts) for source_iri, concepts in source_concepts.items()}
    del source_concepts
    defining_counts = Counter(defining)
    pages = Counter(source_iri for page_sources in publishers.values() for source_iri in page_sources)
    concept_sources: Counter[str] = Counter()
    for mentioned_concepts in source_mentions.values():
        concept_sources.update(mentioned_concepts)
    nodes: list[tuple[str, Attrs]] = []
    for iri, attrs in sources.items():
        attrs["details"]["definitions"] = source_defs[iri]
        nodes.append((iri, attrs))
    for iri in census.concepts:
        nodes.append((iri, concept_attrs(index.concepts[iri], concept_defs.get(iri, []), concept_sources[iri])))
    counts = {iri: {"definitions": definitions[iri], "notes": notes[iri], "pages": pages[iri],
                    "defining": defining_counts[iri]} for iri, _ in nodes}
    info = Folded(nodes=census.nodes, edges=edges, hidden=census.hidden, threshold=threshold)
    return _folded_graph(info, nodes, counts, [], pairs)
