"""The graph as networkx: the view the HTML page draws and the analytics run on."""

from __future__ import annotations

from typing import Any

import networkx as nx

from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.graph.digraph import from_adjacency
from mlops_graph.graph.fold import FOLDED_KINDS, Census, concept_attrs, fold_graph, fold_mappings, source_attrs
from mlops_graph.graph.mapping import DefinitionRecord, NoteMapping

__all__ = ["FOLDED_KINDS", "to_networkx"]


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
    ordered = sorted(mappings, key=lambda x: x.iri)
    if fold_above is not None:
        census = Census(ordered)
        if census.nodes > fold_above:
            if census.lean:
                return fold_mappings(ordered, index, census, fold_above)
            return fold_graph(_whole(ordered, index), fold_above)
    return _whole(ordered, index)


def _whole(ordered: list[NoteMapping], index: ConceptIndex) -> nx.DiGraph:
    node: dict[str, dict[str, Any]] = {}
    succ: dict[str, dict[str, dict[str, str]]] = {}
    pred: dict[str, dict[str, dict[str, str]]] = {}
    source_defs: dict[str, int] = {}
    concept_defs: dict[str, list[str]] = {}
    concept_sources: dict[str, set[str]] = {}
    used: set[str] = set()

    def edge(a: str, b: str, relation: str) -> None:
        if a not in node:
            node[a], succ[a], pred[a] = {}, {}, {}
        if b not in node:
            node[b], succ[b], pred[b] = {}, {}, {}
        data = succ[a].get(b)
        if data is None:
            succ[a][b] = pred[b][a] = {"relation": relation}
        else:
            data["relation"] = relation

    def describe(iri: str, attrs: dict[str, Any]) -> None:
        if iri not in node:
            succ[iri], pred[iri] = {}, {}
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
            if d.mentioned:
                # The bulk of the edges: ``edge(d.iri, concept, "mentions")`` written out.
                out = succ[d.iri]
                for concept_iri in sorted(d.mentioned):
                    if concept_iri not in node:
                        node[concept_iri], succ[concept_iri], pred[concept_iri] = {}, {}, {}
                    data = out.get(concept_iri)
                    if data is None:
                        out[concept_iri] = pred[concept_iri][d.iri] = {"relation": "mentions"}
                    else:
                        data["relation"] = "mentions"
                    lines = concept_defs.get(concept_iri)
                    if lines is None:
                        concept_defs[concept_iri] = [line]
                    else:
                        lines.append(line)
                    if source_iri:
                        found = concept_sources.get(concept_iri)
                        if found is None:
                            concept_sources[concept_iri] = {source_iri}
                        else:
                            found.add(source_iri)
                used.update(d.mentioned)
    for iri in sorted(used):
        describe(iri, concept_attrs(index.concepts[iri], concept_defs.get(iri, []),
                                    len(concept_sources.get(iri, ()))))
    for iri, count in source_defs.items():
        details = node[iri].get("details")
        if isinstance(details, dict):
            details["definitions"] = count
    return from_adjacency(node, succ, pred)


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
