"""The graph as networkx: the view the HTML page draws and the analytics run on."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.extract.urls import host_of, is_web_url
from mlops_graph.graph.mapping import NoteMapping


def to_networkx(mappings: list[NoteMapping], index: ConceptIndex) -> nx.DiGraph:
    """Notes, definitions, sources, cited pages and the concepts they use, with display details.

    Node ids are IRIs. Every node has ``kind``, ``label`` and ``details`` (see ``export.html``).
    """
    g = nx.DiGraph()
    source_defs: dict[str, int] = defaultdict(int)
    concept_defs: dict[str, list[str]] = defaultdict(list)
    concept_sources: dict[str, set[str]] = defaultdict(set)
    used: set[str] = set()

    for m in sorted(mappings, key=lambda x: x.iri):
        note = m.note
        g.add_node(m.iri, kind="note", label=note.title, details={
            "title": note.title, "file": note.path, "date": note.date.isoformat() if note.date else None,
            "notetype": note.notetype, "tags": list(note.tags),
        })
        for target in m.links:
            g.add_edge(m.iri, target, relation="linksTo")
        mentioned: dict[str, set[str]] = defaultdict(set)
        for mention in m.mentions:
            if mention.target_kind == "definition":
                mentioned[mention.target].add(mention.concept)
        for d in m.definitions:
            quote = d.quote
            source_name = quote.source.name if quote.source else None
            g.add_node(d.iri, kind="definition", label=f"{source_name or 'author'}: {d.concept.pref_label}", details={
                "text": quote.text, "source": source_name, "url": quote.source.url if quote.source else None,
                "note": note.title, "date": note.date.isoformat() if note.date else None,
                "term": d.concept.pref_label,
            })
            g.add_edge(m.iri, d.iri, relation="hasDefinition")
            g.add_edge(d.iri, d.concept.iri, relation="defines")
            used.add(d.concept.iri)
            line = f"{source_name or 'the author'} — {note.title}"
            if d.source_iri and quote.source is not None:
                source_defs[d.source_iri] += 1
                if d.source_iri not in g:
                    url = quote.source.url
                    g.add_node(d.source_iri, kind="source", label=quote.source.name, details={
                        "name": quote.source.name, "host": host_of(url) if url and is_web_url(url) else None,
                        "definitions": 0,
                    })
                g.add_edge(d.iri, d.source_iri, relation="attributedTo")
                if d.page_iri and quote.source.url:
                    g.add_node(d.page_iri, kind="page", label=quote.source.url, details={
                        "url": quote.source.url, "source": quote.source.name,
                    })
                    g.add_edge(d.iri, d.page_iri, relation="quotedFrom")
                    g.add_edge(d.page_iri, d.source_iri, relation="publisher")
            for concept_iri in sorted(mentioned.get(d.iri, ())):
                g.add_edge(d.iri, concept_iri, relation="mentions")
                used.add(concept_iri)
                concept_defs[concept_iri].append(line)
                if d.source_iri:
                    concept_sources[concept_iri].add(d.source_iri)
    for iri in sorted(used):
        concept = index.concepts[iri]
        g.add_node(iri, kind="concept", label=concept.pref_label, details={
            "labels": concept.labels(), "definitions": concept_defs.get(iri, []),
            "sources": len(concept_sources.get(iri, ())),
        })
    for iri, count in source_defs.items():
        g.nodes[iri]["details"]["definitions"] = count
    return g
