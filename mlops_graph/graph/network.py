"""The graph as networkx: the view the HTML page draws and the analytics run on."""

from __future__ import annotations

from typing import Any

import networkx as nx

from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.extract.urls import host_of, is_web_url
from mlops_graph.graph.mapping import DefinitionRecord, NoteMapping

#: Kinds of nodes that the HTML page folds into counts when the graph is large.
FOLDED_KINDS = frozenset({"note", "definition", "page"})


def to_networkx(mappings: list[NoteMapping], index: ConceptIndex, *, fold_above: int | None = None) -> nx.DiGraph:
    """Notes, definitions, sources, cited pages and the concepts they use, with display details.

    Node ids are IRIs. Every node has ``kind``, ``label`` and ``details`` (see ``export.html``).
    When the graph has more than ``fold_above`` nodes (the page then shows it folded, with only its
    concepts and sources), notes, definitions and cited pages carry their ``kind`` alone, and edges
    of one relation share one attribute dict: such a graph is for reading, not for changing.

    Nodes and edges come in the order they are first met, and a node described twice keeps its last
    description, as with ``add_node`` and ``add_edge``.
    """
    ordered = sorted(mappings, key=lambda x: x.iri)
    bare = fold_above is not None and _node_count(ordered) > fold_above
    node: dict[str, dict[str, Any]] = {}
    succ: dict[str, dict[str, dict[str, str]]] = {}
    pred: dict[str, dict[str, dict[str, str]]] = {}
    shared = {relation: {"relation": relation} for relation in (
        "linksTo", "hasDefinition", "defines", "attributedTo", "quotedFrom", "publisher", "mentions")}
    mentions = shared["mentions"]
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
        if bare:
            succ[a][b] = pred[b][a] = shared[relation]
        elif data is None:
            succ[a][b] = pred[b][a] = {"relation": relation}
        else:
            data["relation"] = relation

    def describe(iri: str, attrs: dict[str, Any]) -> None:
        if iri not in node:
            succ[iri], pred[iri] = {}, {}
        node[iri] = attrs

    for m in ordered:
        note = m.note
        describe(m.iri, {"kind": "note"} if bare else _note(m))
        for target in m.links:
            edge(m.iri, target, "linksTo")
        for d in m.definitions:
            quote = d.quote
            source_name = quote.source.name if quote.source else None
            describe(d.iri, {"kind": "definition"} if bare else _definition(d, source_name))
            edge(m.iri, d.iri, "hasDefinition")
            edge(d.iri, d.concept.iri, "defines")
            used.add(d.concept.iri)
            line = f"{source_name or 'the author'} — {note.title}"
            source_iri = d.source_iri
            if source_iri and quote.source is not None:
                source_defs[source_iri] = source_defs.get(source_iri, 0) + 1
                if source_iri not in node:
                    url = quote.source.url
                    describe(source_iri, {"kind": "source", "label": quote.source.name, "details": {
                        "name": quote.source.name, "host": host_of(url) if url and is_web_url(url) else None,
                        "definitions": 0,
                    }})
                edge(d.iri, source_iri, "attributedTo")
                if d.page_iri and quote.source.url:
                    url = quote.source.url
                    describe(d.page_iri, {"kind": "page"} if bare else {
                        "kind": "page", "label": url, "details": {"url": url, "source": quote.source.name}})
                    edge(d.iri, d.page_iri, "quotedFrom")
                    edge(d.page_iri, source_iri, "publisher")
            if d.mentioned:
                # The bulk of the edges: ``edge(d.iri, concept, "mentions")`` written out.
                out = succ[d.iri]
                for concept_iri in sorted(d.mentioned):
                    if concept_iri not in node:
                        node[concept_iri], succ[concept_iri], pred[concept_iri] = {}, {}, {}
                    data = out.get(concept_iri)
                    if bare or data is None:
                        out[concept_iri] = pred[concept_iri][d.iri] = mentions if bare else {"relation": "mentions"}
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
        concept = index.concepts[iri]
        describe(iri, {"kind": "concept", "label": concept.pref_label, "details": {
            "labels": concept.labels(), "definitions": concept_defs.get(iri, []),
            "sources": len(concept_sources.get(iri, ())),
        }})
    for iri, count in source_defs.items():
        details = node[iri].get("details")
        if isinstance(details, dict):
            details["definitions"] = count
    return _graph(node, succ, pred)


def _node_count(mappings: list[NoteMapping]) -> int:
    """How many nodes :func:`to_networkx` makes of these mappings."""
    iris: set[str] = set()
    for m in mappings:
        iris.add(m.iri)
        iris.update(m.links)
        for d in m.definitions:
            iris.add(d.iri)
            iris.add(d.concept.iri)
            iris.update(d.mentioned)
            if d.source_iri and d.quote.source is not None:
                iris.add(d.source_iri)
                if d.page_iri and d.quote.source.url:
                    iris.add(d.page_iri)
    return len(iris)


def _graph(node: dict[str, dict[str, Any]], succ: dict[str, dict[str, dict[str, str]]],
           pred: dict[str, dict[str, dict[str, str]]]) -> nx.DiGraph:
    """A DiGraph holding these adjacency dicts (networkx's documented dict-of-dicts structure).

    ``add_edges_from`` costs about 3 µs per edge, and a folded 10,000-note graph has a million
    edges; filling the structure directly costs a fraction of that. Should a networkx version keep
    its graph differently, the public methods are used instead.
    """
    g = nx.DiGraph()
    inner = [getattr(g, name, None) for name in ("_node", "_succ", "_pred", "_adj")]
    parts = [part for part in inner if isinstance(part, dict) and not part]
    if len(parts) == 4 and parts[1] is parts[3]:
        parts[0].update(node)
        parts[1].update(succ)
        parts[2].update(pred)
        return g
    g.add_nodes_from(node.items())
    g.add_edges_from((a, b, data) for a, targets in succ.items() for b, data in targets.items())
    return g


def _note(m: NoteMapping) -> dict[str, Any]:
    note = m.note
    return {"kind": "note", "label": note.title, "details": {
        "title": note.title, "file": note.path, "date": note.date.isoformat() if note.date else None,
        "notetype": note.notetype, "tags": list(note.tags),
    }}


def _definition(d: DefinitionRecord, source_name: str | None) -> dict[str, Any]:
    quote, note = d.quote, d.note
    return {"kind": "definition", "label": f"{source_name or 'author'}: {d.concept.pref_label}", "details": {
        "text": quote.text, "source": source_name, "url": quote.source.url if quote.source else None,
        "note": note.title, "date": note.date.isoformat() if note.date else None,
        "term": d.concept.pref_label,
    }}
