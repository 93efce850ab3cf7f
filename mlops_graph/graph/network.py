"""The graph of the notes as plain dicts (:class:`~mlops_graph.graph.digraph.Digraph`), which the
HTML page draws, and as networkx (:func:`to_networkx`) for analysis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.graph.digraph import Digraph, edges_of
from mlops_graph.graph.fold import FOLDED_KINDS, Census, concept_attrs, fold_graph, fold_mappings, source_attrs
from mlops_graph.graph.mapping import DefinitionRecord, NoteMapping

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["FOLDED_KINDS", "to_digraph", "to_networkx"]


def to_networkx(mappings: list[NoteMapping], index: ConceptIndex, *, fold_above: int | None = None) -> nx.DiGraph:
    """Notes, definitions, sources, cited pages and the concepts they use, with display details.

    Node ids are IRIs. Every node has ``kind``, ``label`` and ``details`` (see ``export.html``).
    When the graph would have more than ``fold_above`` nodes, its folded form is returned instead
    (see :mod:`mlops_graph.graph.fold`: its concepts and sources with counts of the notes,
    definitions and cited pages folded into them, and ``graph.graph["folded"]``), as the page
    shows it; it is made without making the whole graph whenever the IRIs of the nodes of each kind
    are distinct.

    Nodes and edges come in the order they are first met, and a node described twice keeps its last
    description, as with ``add_node`` and ``add_edge``.
    """
    import networkx as nx

    plain = to_digraph(mappings, index, fold_above=fold_above)
    graph = nx.DiGraph(**plain.graph)
    graph.add_nodes_from(plain.nodes.items())
    graph.add_edges_from(edges_of(plain))
    return graph


def to_digraph(mappings: list[NoteMapping], index: ConceptIndex, *, fold_above: int | None = None) -> Digraph:
    """The graph :func:`to_networkx` returns, as plain dicts."""
    ordered = sorted(mappings, key=lambda x: x.iri)
    if fold_above is not None:
        census = Census(ordered)
        if census.nodes > fold_above:
            if census.lean:
                return fold_mappings(ordered, index, census, fold_above)
            return fold_graph(_whole(ordered, index), fold_above)
    return _whole(ordered, index)


def _whole(ordered: list[NoteMapping], index: ConceptIndex) -> Digraph:
    node: dict[str, dict[str, Any]] = {}
    succ: dict[str, dict[str, dict[str, str]]] = {}
    source_defs: dict[str, int] = {}
    concept_defs: dict[str, list[str]] = {}
    concept_sources: dict[str, set[str]] = {}
    used: set[str] = set()

    def edge(a: str, b: str, relation: str) -> None:
        if a not in node:
            node[a], succ[a] = {}, {}
        if b not in node:
            node[b], succ[b] = {}, {}
        succ[a][b] = {"relation": relation}

    def describe(iri: str, attrs: dict[str, Any]) -> None:
        if iri not in node:
            succ[iri] = {}
        node[iri] = attrs

    for m in ordered:
        note = m.note
        describe(m.iri, _note(m))
        for target in m.links:
            edge(m.iri, target, "linksTo")
        for d in m.definitions:
            quote = d.quote
            source_name = quote.source.name if quote.source else None
            describe(d.iri, _definition(d, source_name))
            defines = quote.kind == "definition"
            edge(m.iri, d.iri, "hasDefinition" if defines else "hasQuote")
            edge(d.iri, d.concept.iri, "defines" if defines else "about")
            used.add(d.concept.iri)
            line = f"{source_name or 'the author'} — {note.title}"
            source_iri = d.source_iri
            if source_iri and quote.source is not None:
                source_defs[source_iri] = source_defs.get(source_iri, 0) + 1
                if source_iri not in node:
                    describe(source_iri, source_attrs(quote.source))
                edge(d.iri, source_iri, "attributedTo")
                if d.page_iri and quote.source.url:
                    url = quote.source.url
                    describe(d.page_iri, {"kind": "page", "label": url, "details": {
                        "url": url, "source": quote.source.name}})
                    edge(d.iri, d.page_iri, "quotedFrom")
                    edge(d.page_iri, source_iri, "publisher")
            for concept_iri in sorted(d.mentioned):
                edge(d.iri, concept_iri, "mentions")
                concept_defs.setdefault(concept_iri, []).append(line)
                if source_iri:
                    concept_sources.setdefault(concept_iri, set()).add(source_iri)
            used.update(d.mentioned)
    for iri in sorted(used):
        describe(iri, concept_attrs(index.concepts[iri], concept_defs.get(iri, []),
                                    len(concept_sources.get(iri, ()))))
    for iri, count in source_defs.items():
        details = node[iri].get("details")
        if isinstance(details, dict):
            details["definitions"] = count
    return Digraph(node, succ)


def _note(m: NoteMapping) -> dict[str, Any]:
    note = m.note
    return {"kind": "note", "label": note.title, "details": {
        "title": note.title, "file": note.path, "date": note.date.isoformat() if note.date else None,
        "notetype": note.notetype, "tags": list(note.tags),
    }}


def _definition(d: DefinitionRecord, source_name: str | None) -> dict[str, Any]:
    quote, note = d.quote, d.note
    kind = "definition" if quote.kind == "definition" else "quote"
    return {"kind": kind, "label": f"{source_name or 'author'}: {d.concept.pref_label}", "details": {
        "text": quote.text, "source": source_name, "url": quote.source.url if quote.source else None,
        "note": note.title, "date": note.date.isoformat() if note.date else None,
        "term": d.concept.pref_label,
    }}
