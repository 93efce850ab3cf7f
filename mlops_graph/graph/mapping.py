"""The RDF mapping: notes, definitions, sources, pages and concepts as pyoxigraph triples.

Each note maps to the triples of its own named graph. The sources and cited pages, which notes share,
form one graph, and the concept scheme another, so that no triple stands in two graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from mlops_graph.extract.concepts import Concept, ConceptIndex
from mlops_graph.extract.urls import host_of, iri_safe, is_web_url
from mlops_graph.graph.iris import Iris
from mlops_graph.graph.namespaces import DCTERMS, MG, OA, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from mlops_graph.model import Note, Passage, Quote

_N = ox.NamedNode
A = _N(RDF + "type")
XSD_DATE = _N(XSD + "date")
XSD_INT = _N(XSD + "integer")
XSD_NNI = _N(XSD + "nonNegativeInteger")
XSD_BOOL = _N(XSD + "boolean")
XSD_ANYURI = _N(XSD + "anyURI")


class _P:
    """Predicates and classes, created once."""

    type = A
    title = _N(DCTERMS + "title")
    created = _N(DCTERMS + "created")
    subject = _N(DCTERMS + "subject")
    publisher = _N(DCTERMS + "publisher")
    note_type = _N(MG + "noteType")
    file = _N(MG + "file")
    author_name = _N(MG + "authorName")
    alias = _N(MG + "alias")
    tag = _N(MG + "tag")
    links_to = _N(MG + "linksTo")
    unresolved = _N(MG + "unresolvedLink")
    has_definition = _N(MG + "hasDefinition")
    metadata = _N(MG + "metadata")
    key = _N(MG + "key")
    value = _N(RDF + "value")
    defines = _N(MG + "defines")
    cited_url = _N(MG + "citedUrl")
    line = _N(MG + "line")
    is_summary = _N(MG + "isSummary")
    mentions = _N(MG + "mentions")
    host = _N(MG + "host")
    about = _N(SCHEMA + "about")
    url = _N(SCHEMA + "url")
    prov_value = _N(PROV + "value")
    attributed = _N(PROV + "wasAttributedTo")
    quoted_from = _N(PROV + "wasQuotedFrom")
    label = _N(RDFS + "label")
    pref = _N(SKOS + "prefLabel")
    alt = _N(SKOS + "altLabel")
    hidden = _N(SKOS + "hiddenLabel")
    in_scheme = _N(SKOS + "inScheme")
    broader = _N(SKOS + "broader")
    related = _N(SKOS + "related")
    skos_definition = _N(SKOS + "definition")
    has_top = _N(SKOS + "hasTopConcept")
    body = _N(OA + "hasBody")
    target = _N(OA + "hasTarget")
    Note = _N(MG + "Note")
    Definition = _N(MG + "Definition")
    Source = _N(MG + "Source")
    Page = _N(MG + "Page")
    Mention = _N(MG + "Mention")
    Passage = _N(MG + "Passage")
    has_passage = _N(MG + "hasPassage")
    MetadataEntry = _N(MG + "MetadataEntry")
    Concept = _N(SKOS + "Concept")
    ConceptScheme = _N(SKOS + "ConceptScheme")


P = _P


def literal(text: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


@dataclass(frozen=True, slots=True)
class MentionRecord:
    """A concept found at ``[start, end)`` of a text: the ``prov:value`` of a definition or passage,
    or the title of a note (``target_kind`` says which)."""

    target: str
    start: int
    end: int
    concept: str
    target_kind: str = "definition"
    """``definition``, ``passage`` or ``note``."""


@dataclass(slots=True)
class DefinitionRecord:
    """What the later stages need to know about a definition besides its triples."""

    iri: str
    note: Note
    quote: Quote
    concept: Concept
    source_iri: str | None
    page_iri: str | None


@dataclass(slots=True)
class NoteMapping:
    note: Note
    iri: str
    graph: str
    triples: list[ox.Triple] = field(default_factory=list)
    """The triples of the note's own graph."""
    shared: list[ox.Triple] = field(default_factory=list)
    """Descriptions of the sources and pages the note cites, which other notes may share: they go
    to the sources graph, once."""
    definitions: list[DefinitionRecord] = field(default_factory=list)
    passages: list[tuple[str, Passage]] = field(default_factory=list)
    """(IRI, passage) of each paragraph of the author's own prose."""
    links: list[str] = field(default_factory=list)
    mentions: list[MentionRecord] = field(default_factory=list)


def page_iri(url: str) -> str | None:
    """The IRI of a cited web page: its URL, with characters illegal in an IRI percent-encoded."""
    if not is_web_url(url):
        return None
    candidate = iri_safe(url)
    try:
        ox.NamedNode(candidate)
    except ValueError:
        return None
    return candidate


def map_note(note: Note, iris: Iris, index: ConceptIndex, link_targets: dict[str, str]) -> NoteMapping:
    """The triples of one note's graph (without mentions: see ``mention_triples``), and the
    descriptions of its sources and pages."""
    note_iri = iris.note(note.slug)
    out = NoteMapping(note, note_iri, iris.note_graph(note.slug))
    t = out.triples.append
    s = _N(note_iri)
    t(ox.Triple(s, P.type, P.Note))
    t(ox.Triple(s, P.title, literal(note.title, note.lang)))
    t(ox.Triple(s, P.file, ox.Literal(note.path)))
    if note.date is not None:
        t(ox.Triple(s, P.created, ox.Literal(note.date.isoformat(), datatype=XSD_DATE)))
    if note.notetype:
        t(ox.Triple(s, P.note_type, ox.Literal(note.notetype)))
    if note.author:
        t(ox.Triple(s, P.author_name, ox.Literal(note.author)))
    for alias in note.aliases:
        t(ox.Triple(s, P.alias, ox.Literal(alias)))
    from mlops_graph.extract.concepts import tag_label

    subjects: dict[str, None] = {}
    for tag in note.tags:
        t(ox.Triple(s, P.tag, ox.Literal(tag)))
        label = tag_label(tag)
        concept = index.lookup(label) if label else None
        if concept is not None:
            subjects[concept.iri] = None
    for iri in subjects:
        t(ox.Triple(s, P.subject, _N(iri)))
    term = index.lookup(note.term)
    if term is not None:
        t(ox.Triple(s, P.about, _N(term.iri)))
    entries: list[ox.Triple] = []
    used: set[str] = set()
    for key, value in note.extra:
        entry_iri = iris.metadata(note.slug, key)
        if entry_iri in used:
            entry_iri = iris.metadata(note.slug, key, unique=True)
        used.add(entry_iri)
        entry = _N(entry_iri)
        t(ox.Triple(s, P.metadata, entry))
        entries += [
            ox.Triple(entry, P.type, P.MetadataEntry),
            ox.Triple(entry, P.key, ox.Literal(key)),
            ox.Triple(entry, P.value, ox.Literal(value)),
        ]
    unresolved: dict[str, None] = {}
    for link in note.wikilinks:
        target = link_targets.get(link.target.casefold())
        if target is None:
            unresolved[link.target] = None
        elif target != note_iri and target not in out.links:
            out.links.append(target)
            t(ox.Triple(s, P.links_to, _N(target)))
    for title in unresolved:
        t(ox.Triple(s, P.unresolved, ox.Literal(title)))
    parts = out.triples
    out.triples = entries
    t = out.triples.append

    shared = out.shared.append
    described: set[str] = set()
    seen: dict[tuple[str, str], int] = {}
    for quote in note.quotes:
        seen_key = (quote.source.name if quote.source else "", quote.text)
        occurrence = seen.get(seen_key, 0)
        seen[seen_key] = occurrence + 1
        d_iri = iris.definition(note, quote, occurrence)
        d = _N(d_iri)
        concept = index.get_or_create(quote.term)
        parts.append(ox.Triple(s, P.has_definition, d))
        t(ox.Triple(d, P.type, P.Definition))
        t(ox.Triple(d, P.prov_value, literal(quote.text, quote.lang)))
        t(ox.Triple(d, P.defines, _N(concept.iri)))
        t(ox.Triple(d, P.line, ox.Literal(str(quote.line), datatype=XSD_INT)))
        if quote.is_summary:
            t(ox.Triple(d, P.is_summary, ox.Literal("true", datatype=XSD_BOOL)))
        source_iri = page = None
        if quote.source is not None:
            source_iri = iris.source(quote.source)
            src = _N(source_iri)
            t(ox.Triple(d, P.attributed, src))
            url = quote.source.url
            page = page_iri(url) if url else None
            if source_iri not in described:
                described.add(source_iri)
                shared(ox.Triple(src, P.type, P.Source))
                shared(ox.Triple(src, P.label, ox.Literal(quote.source.name)))
                host = host_of(url) if url and is_web_url(url) else None
                if host:
                    shared(ox.Triple(src, P.host, ox.Literal(host)))
            if page is not None and url is not None:
                p = _N(page)
                t(ox.Triple(d, P.quoted_from, p))
                if page not in described:
                    described.add(page)
                    shared(ox.Triple(p, P.type, P.Page))
                    shared(ox.Triple(p, P.url, ox.Literal(url, datatype=XSD_ANYURI)))
                    shared(ox.Triple(p, P.publisher, src))
            elif url:
                t(ox.Triple(d, P.cited_url, ox.Literal(url)))
        out.definitions.append(DefinitionRecord(d_iri, note, quote, concept, source_iri, page))
    seen_text: dict[str, int] = {}
    for passage in note.passages:
        occurrence = seen_text.get(passage.text, 0)
        seen_text[passage.text] = occurrence + 1
        p_iri = iris.passage(note.slug, passage.text, occurrence)
        node = _N(p_iri)
        parts.append(ox.Triple(s, P.has_passage, node))
        t(ox.Triple(node, P.type, P.Passage))
        t(ox.Triple(node, P.prov_value, literal(passage.text, note.lang)))
        t(ox.Triple(node, P.line, ox.Literal(str(passage.line), datatype=XSD_INT)))
        out.passages.append((p_iri, passage))
    out.triples[:0] = parts
    return out


def mention_triples(mentions: Iterable[MentionRecord]) -> list[ox.Triple]:
    """Each mention as ``<target#char=start,end> oa:hasBody concept ; oa:hasTarget target``, plus one
    ``mg:mentions`` shortcut per definition and concept."""
    triples: list[ox.Triple] = []
    shortcuts: list[ox.Triple] = []
    seen: set[tuple[str, str]] = set()
    nodes: dict[str, ox.NamedNode] = {}
    for m in mentions:
        target = nodes.get(m.target)
        if target is None:
            target = nodes[m.target] = _N(m.target)
        concept = nodes.get(m.concept)
        if concept is None:
            concept = nodes[m.concept] = _N(m.concept)
        node = _N(f"{m.target}#char={m.start},{m.end}")
        triples.append(ox.Triple(node, P.body, concept))
        triples.append(ox.Triple(node, P.target, target))
        if m.target_kind == "definition" and (m.target, m.concept) not in seen:
            seen.add((m.target, m.concept))
            shortcuts.append(ox.Triple(target, P.mentions, concept))
    return shortcuts + triples


def concept_triples(index: ConceptIndex, scheme_title: str = "Concepts from the notes") -> list[ox.Triple]:
    """The concept scheme: vocabulary concepts and the concepts the notes add."""
    triples: list[ox.Triple] = []
    t = triples.append
    note_scheme = _N(index.scheme)
    t(ox.Triple(note_scheme, P.type, P.ConceptScheme))
    t(ox.Triple(note_scheme, P.title, ox.Literal(scheme_title, language="en")))
    schemes: set[str] = set()
    for concept in index.concepts.values():
        c = _N(concept.iri)
        t(ox.Triple(c, P.type, P.Concept))
        t(ox.Triple(c, P.pref, literal(concept.pref_label, concept.lang)))
        for label in concept.alt_labels:
            t(ox.Triple(c, P.alt, literal(label, concept.lang if concept.from_vocabulary else None)))
        for label in concept.hidden_labels:
            t(ox.Triple(c, P.hidden, literal(label, concept.lang)))
        scheme = concept.scheme or index.scheme
        schemes.add(scheme)
        t(ox.Triple(c, P.in_scheme, _N(scheme)))
        for other in concept.broader:
            t(ox.Triple(c, P.broader, _N(other)))
        for other in concept.related:
            t(ox.Triple(c, P.related, _N(other)))
        if concept.definition:
            t(ox.Triple(c, P.skos_definition, literal(concept.definition, concept.lang)))
    for scheme in sorted(schemes - {index.scheme}):
        t(ox.Triple(_N(scheme), P.type, P.ConceptScheme))
    return triples
