"""The RDF mapping: notes, definitions, sources, pages and concepts as pyoxigraph triples.

Each note maps to the triples of its own named graph; the concept scheme is a graph of its own.
Triples are produced in a canonical order (sorted), so serialisations are byte-identical.
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
    field = _N(MG + "field")
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
    start = _N(OA + "start")
    end = _N(OA + "end")
    exact = _N(OA + "exact")
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
    """A concept found at ``[start, end)`` of the text of a definition or passage (``field="value"``),
    or of a note's title (``field="title"``)."""

    target: str
    field: str
    start: int
    end: int
    exact: str
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
    """The triples of one note's graph, without mentions (see ``mention_triples``)."""
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

    for tag in note.tags:
        t(ox.Triple(s, P.tag, ox.Literal(tag)))
        label = tag_label(tag)
        concept = index.lookup(label) if label else None
        if concept is not None:
            t(ox.Triple(s, P.subject, _N(concept.iri)))
    term = index.lookup(note.term)
    if term is not None:
        t(ox.Triple(s, P.about, _N(term.iri)))
    for key, value in note.extra:
        entry = _N(iris.metadata(note.slug, key))
        t(ox.Triple(s, P.metadata, entry))
        t(ox.Triple(entry, P.type, P.MetadataEntry))
        t(ox.Triple(entry, P.key, ox.Literal(key)))
        t(ox.Triple(entry, P.value, ox.Literal(value)))
    for link in note.wikilinks:
        target = link_targets.get(link.target.casefold())
        if target is None:
            t(ox.Triple(s, P.unresolved, ox.Literal(link.target)))
        elif target != note_iri:
            out.links.append(target)
            t(ox.Triple(s, P.links_to, _N(target)))

    seen: dict[tuple[str, str], int] = {}
    for quote in note.quotes:
        seen_key = (quote.source.name if quote.source else "", quote.text)
        occurrence = seen.get(seen_key, 0)
        seen[seen_key] = occurrence + 1
        d_iri = iris.definition(note, quote, occurrence)
        d = _N(d_iri)
        concept = index.get_or_create(quote.term)
        t(ox.Triple(s, P.has_definition, d))
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
            t(ox.Triple(src, P.type, P.Source))
            t(ox.Triple(src, P.label, ox.Literal(quote.source.name)))
            url = quote.source.url
            host = host_of(url) if url and is_web_url(url) else None
            if host:
                t(ox.Triple(src, P.host, ox.Literal(host)))
            page = page_iri(url) if url else None
            if page is not None and url is not None:
                p = _N(page)
                t(ox.Triple(d, P.quoted_from, p))
                t(ox.Triple(p, P.type, P.Page))
                t(ox.Triple(p, P.url, ox.Literal(url, datatype=XSD_ANYURI)))
                t(ox.Triple(p, P.publisher, src))
            elif url:
                t(ox.Triple(d, P.cited_url, ox.Literal(url)))
        out.definitions.append(DefinitionRecord(d_iri, note, quote, concept, source_iri, page))
    seen_text: dict[str, int] = {}
    for passage in note.passages:
        occurrence = seen_text.get(passage.text, 0)
        seen_text[passage.text] = occurrence + 1
        p_iri = iris.passage(note.slug, passage.text, occurrence)
        node = _N(p_iri)
        t(ox.Triple(s, P.has_passage, node))
        t(ox.Triple(node, P.type, P.Passage))
        t(ox.Triple(node, P.prov_value, literal(passage.text, note.lang)))
        t(ox.Triple(node, P.line, ox.Literal(str(passage.line), datatype=XSD_INT)))
        out.passages.append((p_iri, passage))
    return out


def mention_triples(mentions: Iterable[MentionRecord], iris: Iris) -> list[ox.Triple]:
    """Each mention as a Web Annotation node, plus the ``mg:mentions`` shortcut on definitions."""
    triples: list[ox.Triple] = []
    for m in mentions:
        node = _N(iris.mention(m.target, m.field, m.start, m.end, m.concept))
        target = _N(m.target)
        concept = _N(m.concept)
        triples += [
            ox.Triple(node, P.type, P.Mention),
            ox.Triple(node, P.body, concept),
            ox.Triple(node, P.target, target),
            ox.Triple(node, P.field, ox.Literal(m.field)),
            ox.Triple(node, P.start, ox.Literal(str(m.start), datatype=XSD_NNI)),
            ox.Triple(node, P.end, ox.Literal(str(m.end), datatype=XSD_NNI)),
            ox.Triple(node, P.exact, ox.Literal(m.exact)),
        ]
        if m.field == "value" and m.target_kind == "definition":
            triples.append(ox.Triple(target, P.mentions, concept))
    return triples


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
