"""The RDF mapping: notes, definitions, sources, pages and concepts as pyoxigraph triples.

Each note maps to the triples of its own named graph. The sources and cited pages, which notes share,
form one graph, and the concept scheme another, so that no triple stands in two graphs.

A 10,000-note corpus has millions of triples, so they are made as pyoxigraph terms (Rust objects,
several times cheaper than rdflib's), and nodes that many triples share are made once.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from itertools import chain
from operator import itemgetter

import pyoxigraph as ox
from msgspec import Struct, field

from mlops_graph.extract.concepts import Concept, ConceptIndex, tag_label
from mlops_graph.extract.mentions import NoteMentions
from mlops_graph.extract.urls import iri_safe, is_web_url, web_host
from mlops_graph.graph.iris import Iris
from mlops_graph.model import Note, Quote, SourceRef
from mlops_graph.namespaces import DCTERMS, MG, OA, PROV, RDF, RDFS, SCHEMA, SKOS, XSD


class P:
    """Predicates and classes, as pyoxigraph nodes made once."""

    type = ox.NamedNode(RDF + "type")
    title = ox.NamedNode(DCTERMS + "title")
    created = ox.NamedNode(DCTERMS + "created")
    modified = ox.NamedNode(DCTERMS + "modified")
    subject = ox.NamedNode(DCTERMS + "subject")
    publisher = ox.NamedNode(DCTERMS + "publisher")
    note_type = ox.NamedNode(MG + "noteType")
    file = ox.NamedNode(MG + "file")
    author_name = ox.NamedNode(MG + "authorName")
    alias = ox.NamedNode(MG + "alias")
    tag = ox.NamedNode(MG + "tag")
    links_to = ox.NamedNode(MG + "linksTo")
    unresolved = ox.NamedNode(MG + "unresolvedLink")
    has_definition = ox.NamedNode(MG + "hasDefinition")
    has_quote = ox.NamedNode(MG + "hasQuote")
    inferred_source = ox.NamedNode(MG + "inferredSource")
    inferred_page = ox.NamedNode(MG + "inferredPage")
    selector = ox.NamedNode(MG + "textFragment")
    callout = ox.NamedNode(MG + "calloutType")
    callout_title = ox.NamedNode(MG + "calloutTitle")
    date = ox.NamedNode(DCTERMS + "date")
    creator = ox.NamedNode(DCTERMS + "creator")
    job_title = ox.NamedNode(SCHEMA + "jobTitle")
    metadata = ox.NamedNode(MG + "metadata")
    key = ox.NamedNode(MG + "key")
    value = ox.NamedNode(RDF + "value")
    defines = ox.NamedNode(MG + "defines")
    cited_url = ox.NamedNode(MG + "citedUrl")
    line = ox.NamedNode(MG + "line")
    is_summary = ox.NamedNode(MG + "isSummary")
    term_label = ox.NamedNode(MG + "termLabel")
    mentions = ox.NamedNode(MG + "mentions")
    host = ox.NamedNode(MG + "host")
    about = ox.NamedNode(SCHEMA + "about")
    url = ox.NamedNode(SCHEMA + "url")
    prov_value = ox.NamedNode(PROV + "value")
    attributed = ox.NamedNode(PROV + "wasAttributedTo")
    quoted_from = ox.NamedNode(PROV + "wasQuotedFrom")
    label = ox.NamedNode(RDFS + "label")
    pref = ox.NamedNode(SKOS + "prefLabel")
    alt = ox.NamedNode(SKOS + "altLabel")
    hidden = ox.NamedNode(SKOS + "hiddenLabel")
    in_scheme = ox.NamedNode(SKOS + "inScheme")
    broader = ox.NamedNode(SKOS + "broader")
    related = ox.NamedNode(SKOS + "related")
    exact_match = ox.NamedNode(SKOS + "exactMatch")
    skos_definition = ox.NamedNode(SKOS + "definition")
    body = ox.NamedNode(OA + "hasBody")
    target = ox.NamedNode(OA + "hasTarget")
    has_passage = ox.NamedNode(MG + "hasPassage")
    Note = ox.NamedNode(MG + "Note")
    Definition = ox.NamedNode(MG + "Definition")
    Quote = ox.NamedNode(MG + "Quote")
    Aside = ox.NamedNode(MG + "Aside")
    Source = ox.NamedNode(MG + "Source")
    Page = ox.NamedNode(MG + "Page")
    Passage = ox.NamedNode(MG + "Passage")
    MetadataEntry = ox.NamedNode(MG + "MetadataEntry")
    Concept = ox.NamedNode(SKOS + "Concept")
    ConceptScheme = ox.NamedNode(SKOS + "ConceptScheme")


_TRUE = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))
_XSD_DATE = ox.NamedNode(XSD + "date")
_XSD_INTEGER = ox.NamedNode(XSD + "integer")
_XSD_ANYURI = ox.NamedNode(XSD + "anyURI")
_XSD_GYEAR = ox.NamedNode(XSD + "gYear")
_XSD_GYEARMONTH = ox.NamedNode(XSD + "gYearMonth")


def _date(value: str) -> ox.Literal:
    """A quote's date: ``2019`` as xsd:gYear, ``2026-01`` as xsd:gYearMonth, a day as xsd:date."""
    datatype = {4: _XSD_GYEAR, 7: _XSD_GYEARMONTH}.get(len(value), _XSD_DATE)
    return ox.Literal(value, datatype=datatype)


class DefinitionRecord(Struct):
    """What the later stages need to know about a definition besides its triples."""

    iri: str
    note: Note
    quote: Quote
    concept: Concept
    source_iri: str | None
    page_iri: str | None
    mentioned: tuple[str, ...] = ()
    """The concepts its text mentions, each once, in the order of their first mention."""

    @property
    def counts(self) -> bool:
        """Whether it counts towards what the sources agree on: a definition with a source named at
        the quote (not an inferred one, not a quotation)."""
        return self.quote.kind == "definition" and self.source_iri is not None and not self.quote.inferred


class NoteMapping(Struct):
    """One note's place in the graph, without its triples (those are written out as Turtle)."""

    note: Note
    iri: str
    graph: str
    definitions: list[DefinitionRecord] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)
    """The IRI of each of ``note.passages``."""
    links: list[str] = field(default_factory=list)
    mentions: int = 0
    """How many concept mentions the note's texts hold."""
    mentioned: tuple[str, ...] = ()
    """Every concept mentioned in the note (definitions, passages, title), each once."""
    spans: list[array[int]] = field(default_factory=list)
    """Per text (the definitions', then the passages'), the mentions' spans as start, end, start, …"""


class SourceFact(Struct, frozen=True):
    """A source or a cited page a note describes; these go to the shared sources graph."""

    iri: str
    label: str
    """The source's name, or the page's URL."""
    other: str | None
    """The source's host, or the page's publisher (a source IRI)."""
    is_page: bool
    homepage: str | None = None
    """A person's own page."""
    role: str | None = None
    creators: tuple[str, ...] = ()
    """A page's creators (source IRIs): the authors of a cited book."""


class MappedNote(Struct):
    mapping: NoteMapping
    triples: Iterable[ox.Triple]
    """The note's graph, each subject's triples together. The mentions' triples are made as they
    are read (a long note can hold hundreds of thousands): this can be iterated once."""
    count: int
    """How many triples ``triples`` yields."""
    sources: list[SourceFact]


def page_iri(url: str) -> str | None:
    """The IRI of a cited web page: its URL, with characters illegal in an IRI percent-encoded."""
    if not is_web_url(url):
        return None
    return _page_iri(url)


def _page_iri(web_url: str) -> str | None:
    candidate = iri_safe(web_url)
    try:
        ox.NamedNode(candidate)
    except ValueError:
        return None
    return candidate


_SPAN = itemgetter(0, 1)
_CONCEPT = itemgetter(2)

_Found = list[tuple[str, ox.NamedNode, list[tuple[int, int, str]]]]
"""Mentions by text: the text's IRI and node, and its (start, end, concept IRI) hits."""


def _literal(text: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_XSD_INTEGER)


class _Nodes(dict[str, ox.NamedNode]):
    """IRI -> node, each made when first looked up: nodes that many notes share (concepts, sources,
    linked notes)."""

    def __missing__(self, iri: str) -> ox.NamedNode:
        node = self[iri] = ox.NamedNode(iri)
        return node


class Mapper:
    """Maps notes to triples, one at a time, against a finished concept index."""

    def __init__(self, iris: Iris, index: ConceptIndex, link_targets: dict[str, str]) -> None:
        self.iris = iris
        self.index = index
        self.link_targets = link_targets
        self._sources: dict[tuple[str, str | None], str] = {}
        self._tags: dict[str, str | None] = {}
        self._concepts: dict[str, Concept] = {}
        self._nodes = _Nodes()
        self._urls: dict[str, tuple[str | None, str | None]] = {}

    def _source(self, name: str, host: str | None) -> str:
        """The IRI of a source (``Iris.source``), from its name and the host of its web link."""
        key = (name, host)
        found = self._sources.get(key)
        if found is None:
            found = self._sources[key] = self.iris.source_at(name, host)
        return found

    def _concept(self, label: str) -> Concept:
        """``index.get_or_create(label)``, remembered: the index is complete by now, so a label
        always names the same concept."""
        found = self._concepts.get(label)
        if found is None:
            found = self._concepts[label] = self.index.get_or_create(label)
        return found

    def _tag_concept(self, tag: str) -> str | None:
        if tag not in self._tags:
            label = tag_label(tag)
            concept = self.index.lookup(label) if label else None
            self._tags[tag] = concept.iri if concept is not None else None
        return self._tags[tag]

    def render(self, note: Note, mentions: NoteMentions) -> MappedNote:
        """The note's graph as triples, with the facts the whole-corpus steps need; ``mentions``
        are the note's concept mentions (``extract.mentions.note_mentions``)."""
        iris, index, node, T = self.iris, self.index, self._nodes.__getitem__, ox.Triple
        note_iri = iris.note(note.slug)
        out = NoteMapping(note, note_iri, iris.note_graph(note.slug))
        s = ox.NamedNode(note_iri)
        head = [
            T(s, P.type, P.Note), T(s, P.title, _literal(note.title, note.lang)), T(s, P.file, _literal(note.path)),
        ]
        add = head.append
        if note.date is not None:
            add(T(s, P.created, ox.Literal(note.date.isoformat(), datatype=_XSD_DATE)))
        if note.modified is not None:
            add(T(s, P.modified, ox.Literal(note.modified.isoformat(), datatype=_XSD_DATE)))
        if note.notetype:
            add(T(s, P.note_type, _literal(note.notetype)))
        if note.author:
            add(T(s, P.author_name, _literal(note.author)))
        for alias in note.aliases:
            add(T(s, P.alias, _literal(alias)))
        subjects: dict[str, None] = {}
        for tag in note.tags:
            add(T(s, P.tag, _literal(tag)))
            concept_iri = self._tag_concept(tag)
            if concept_iri is not None:
                subjects[concept_iri] = None
        for iri in subjects:
            add(T(s, P.subject, node(iri)))
        term = self._concepts.get(note.term) or index.lookup(note.term)
        if term is not None:
            add(T(s, P.about, node(term.iri)))
        entries: list[ox.Triple] = []
        used: set[str] = set()
        for key, value in note.extra:
            entry_iri = iris.metadata(note.slug, key)
            if entry_iri in used:
                entry_iri = iris.metadata(note.slug, key, unique=True)
            first, repeat = entry_iri, 1
            while entry_iri in used:  # the items of a list, each an entry of the same key
                repeat += 1
                entry_iri = f"{first}-{repeat}"
            used.add(entry_iri)
            entry = ox.NamedNode(entry_iri)
            add(T(s, P.metadata, entry))
            entries += [T(entry, P.type, P.MetadataEntry), T(entry, P.key, _literal(key)),
                        T(entry, P.value, _literal(value))]
        unresolved: dict[str, None] = {}
        for link in note.wikilinks:
            target = self.link_targets.get(link.target.casefold())
            if target is None:
                unresolved[link.target] = None
            elif target != note_iri and target not in out.links:
                out.links.append(target)
                add(T(s, P.links_to, node(target)))
        for title in unresolved:
            add(T(s, P.unresolved, _literal(title)))

        body: list[ox.Triple] = []
        sources: list[SourceFact] = []
        described: set[str] = set()
        seen: dict[tuple[str, str], int] = {}
        targets: list[tuple[str, ox.NamedNode]] = []
        """(IRI, node) of each text mentions are found in, definitions then passages."""
        for quote in note.quotes:
            seen_key = (quote.source.name if quote.source else "", quote.text)
            occurrence = seen.get(seen_key, 0)
            seen[seen_key] = occurrence + 1
            d_iri = iris.definition(note, quote, occurrence)
            d = ox.NamedNode(d_iri)
            targets.append((d_iri, d))
            concept = self._concept(quote.term)
            defines = quote.kind == "definition"
            add(T(s, P.has_definition if defines else P.has_quote, d))
            body += [T(d, P.type, P.Definition if defines else P.Quote),
                     T(d, P.prov_value, _literal(quote.text, quote.lang)), T(d, P.line, _integer(quote.line))]
            if defines:
                body.append(T(d, P.defines, node(concept.iri)))
                if quote.term.strip():
                    body.append(T(d, P.term_label, _literal(quote.term)))
            if quote.is_summary:
                body.append(T(d, P.is_summary, _TRUE))
            if quote.callout:
                body.append(T(d, P.callout, _literal(quote.callout)))
            if quote.callout_title:
                body.append(T(d, P.callout_title, _literal(quote.callout_title)))
            if quote.date:
                body.append(T(d, P.date, _date(quote.date)))
            source_iri = page = None
            if quote.source is not None:
                source_iri, page = self._cite(quote, d, body, sources, described)
            out.definitions.append(DefinitionRecord(d_iri, note, quote, concept, source_iri, page))
        seen_text: dict[str, int] = {}
        for passage in note.passages:
            occurrence = seen_text.get(passage.text, 0)
            seen_text[passage.text] = occurrence + 1
            p_iri = iris.passage(note.slug, passage.text, occurrence)
            p = ox.NamedNode(p_iri)
            targets.append((p_iri, p))
            add(T(s, P.has_passage, p))
            body += [T(p, P.type, P.Passage), T(p, P.prov_value, _literal(passage.text, note.lang)),
                     T(p, P.line, _integer(passage.line))]
            if passage.aside:
                body += [T(p, P.type, P.Aside), T(p, P.callout, _literal(passage.aside))]
                if passage.callout_title:
                    body.append(T(p, P.callout_title, _literal(passage.callout_title)))
            out.passages.append(p_iri)

        targets.append((note_iri, s))
        triples = head + entries + body
        found = self._mentions(out, mentions, targets, triples)
        return MappedNote(out, chain(triples, self._mention_triples(found)), len(triples) + 2 * out.mentions,
                          sources)

    def _cite(self, quote: Quote, d: ox.NamedNode, body: list[ox.Triple], sources: list[SourceFact],
              described: set[str]) -> tuple[str, str | None]:
        """The triples that say who said ``quote`` and where: its source (or a cited work's creators),
        the page, the text fragment. Returns the source IRI it counts under and the page's IRI."""
        T, node, ref = ox.Triple, self._nodes.__getitem__, quote.source
        assert ref is not None
        url = ref.url
        host, page = self._web(url) if url else (None, None)
        attributed, quoted_from = ((P.inferred_source, P.inferred_page) if quote.inferred
                                   else (P.attributed, P.quoted_from))

        def person(who: SourceRef) -> str:
            home = who.homepage
            at = self._web(home)[0] if home else host  # a person's own page names them before the page quoted
            iri = self._source(who.name, at)
            if iri not in described:
                described.add(iri)
                sources.append(SourceFact(iri, who.name, at, False, home, who.role))
            return iri

        people = [person(c) for c in ref.creators] if ref.creators else [person(ref)]
        body += [T(d, attributed, node(iri)) for iri in people]
        if page is not None and url is not None:
            body.append(T(d, quoted_from, ox.NamedNode(page)))
            if page not in described:
                described.add(page)
                sources.append(SourceFact(page, url, None if ref.creators else people[0], True,
                                          creators=tuple(people) if ref.creators else ()))
        elif url:
            body.append(T(d, P.cited_url, _literal(url)))
        if quote.selector and page is not None:
            body.append(T(d, P.selector, _literal(quote.selector)))
        return people[0], page

    def _web(self, url: str) -> tuple[str | None, str | None]:
        """The host of a web URL and the IRI of its page (:func:`page_iri`), remembered; ``None``s for
        another URL."""
        found = self._urls.get(url)
        if found is None:
            web, host = web_host(url)
            found = self._urls[url] = (host, _page_iri(url)) if web else (None, None)
        return found

    def _mentions(self, out: NoteMapping, mentions: NoteMentions,
                  targets: list[tuple[str, ox.NamedNode]], triples: list[ox.Triple]) -> _Found:
        """Adds one ``mg:mentions`` shortcut per definition and concept it mentions to ``triples``,
        and returns the mentions by text."""
        node, T = self._nodes.__getitem__, ox.Triple
        found: _Found = []
        definitions = len(out.definitions)
        everything: dict[str, None] = {}
        last = len(mentions) - 1
        for position, (hits, (target, target_node)) in enumerate(zip(mentions, targets, strict=True)):
            if position < last:
                out.spans.append(array("i", chain.from_iterable(map(_SPAN, hits))))
            if not hits:
                continue
            found.append((target, target_node, hits))
            mentioned = dict.fromkeys(map(_CONCEPT, hits))
            everything.update(mentioned)
            if position < definitions:
                out.definitions[position].mentioned = tuple(mentioned)
                triples += [T(target_node, P.mentions, node(c)) for c in mentioned]
        out.mentioned = tuple(everything)
        out.mentions = sum(len(hits) for _t, _n, hits in found)
        return found

    def _mention_triples(self, found: _Found) -> Iterator[ox.Triple]:
        """Each mention as ``<target#char=start,end> oa:hasBody concept ; oa:hasTarget target``."""
        node, T, body, target_p = self._nodes.__getitem__, ox.Triple, P.body, P.target
        for target, target_node, hits in found:
            for start, end, concept in hits:
                mention = ox.NamedNode(f"{target}#char={start},{end}")
                yield T(mention, body, node(concept))
                yield T(mention, target_p, target_node)


def source_triples(facts: Iterable[SourceFact]) -> list[ox.Triple]:
    """The sources graph: every source and page the notes describe."""
    T, triples = ox.Triple, []
    for fact in set(facts):
        s = ox.NamedNode(fact.iri)
        if fact.is_page:
            triples += [T(s, P.type, P.Page), T(s, P.url, ox.Literal(fact.label, datatype=_XSD_ANYURI))]
            if fact.other is not None:
                triples.append(T(s, P.publisher, ox.NamedNode(fact.other)))
            triples += [T(s, P.creator, ox.NamedNode(c)) for c in fact.creators]
        else:
            triples += [T(s, P.type, P.Source), T(s, P.label, ox.Literal(fact.label))]
            if fact.other:
                triples.append(T(s, P.host, ox.Literal(fact.other)))
            if fact.homepage and _page_iri(fact.homepage):
                triples.append(T(s, P.url, ox.Literal(fact.homepage, datatype=_XSD_ANYURI)))
            if fact.role:
                triples.append(T(s, P.job_title, ox.Literal(fact.role)))
    return triples


def concept_triples(index: ConceptIndex, scheme_title: str = "Concepts from the notes") -> list[ox.Triple]:
    """The concept scheme: vocabulary concepts and the concepts the notes add."""
    T, triples = ox.Triple, []
    main = ox.NamedNode(index.scheme)
    triples += [T(main, P.type, P.ConceptScheme), T(main, P.title, ox.Literal(scheme_title, language="en"))]
    schemes: set[str] = set()
    for concept in index.concepts.values():
        c = ox.NamedNode(concept.iri)
        lang = concept.lang
        triples += [T(c, P.type, P.Concept), T(c, P.pref, _literal(concept.pref_label, lang))]
        alt_lang = lang if concept.from_vocabulary else None
        triples += [T(c, P.alt, _literal(label, alt_lang)) for label in concept.alt_labels]
        triples += [T(c, P.alt, _literal(label)) for label in concept.shared_labels
                    if label not in concept.alt_labels and label != concept.pref_label]
        triples += [T(c, P.exact_match, ox.NamedNode(other)) for other in concept.exact_match]
        triples += [T(c, P.hidden, _literal(label, lang)) for label in concept.hidden_labels]
        scheme = concept.scheme or index.scheme
        schemes.add(scheme)
        triples.append(T(c, P.in_scheme, ox.NamedNode(scheme)))
        triples += [T(c, P.broader, ox.NamedNode(other)) for other in concept.broader]
        triples += [T(c, P.related, ox.NamedNode(other)) for other in concept.related]
        if concept.definition:
            triples.append(T(c, P.skos_definition, _literal(concept.definition, lang)))
    triples += [T(ox.NamedNode(scheme), P.type, P.ConceptScheme) for scheme in sorted(schemes - {index.scheme})]
    return triples
