"""The RDF mapping: notes, definitions, sources, pages and concepts as Turtle statements.

Each note maps to the triples of its own named graph. The sources and cited pages, which notes share,
form one graph, and the concept scheme another, so that no triple stands in two graphs.

Triples are made as their Turtle text (see ``export.rdf.Terms``), never as RDF term objects: a
10,000-note corpus has millions of them, and the text is all the output needs.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pyoxigraph as ox

from mlops_graph.export.rdf import Subjects, Terms, count_triples, plain_iri, statements, subject_statements
from mlops_graph.extract.concepts import Concept, ConceptIndex, tag_label
from mlops_graph.extract.mentions import MentionMatcher
from mlops_graph.extract.urls import WEB_SCHEMES, iri_safe, is_web_url
from mlops_graph.graph.iris import Iris
from mlops_graph.graph.namespaces import DCTERMS, MG, OA, PROV, RDF, RDFS, SCHEMA, SKOS, XSD
from mlops_graph.model import Note, Quote

XSD_DATE = XSD + "date"
XSD_INT = XSD + "integer"
XSD_BOOL = XSD + "boolean"
XSD_ANYURI = XSD + "anyURI"


class P:
    """Predicates and classes (IRIs)."""

    type = RDF + "type"
    title = DCTERMS + "title"
    created = DCTERMS + "created"
    subject = DCTERMS + "subject"
    publisher = DCTERMS + "publisher"
    note_type = MG + "noteType"
    file = MG + "file"
    author_name = MG + "authorName"
    alias = MG + "alias"
    tag = MG + "tag"
    links_to = MG + "linksTo"
    unresolved = MG + "unresolvedLink"
    has_definition = MG + "hasDefinition"
    metadata = MG + "metadata"
    key = MG + "key"
    value = RDF + "value"
    defines = MG + "defines"
    cited_url = MG + "citedUrl"
    line = MG + "line"
    is_summary = MG + "isSummary"
    mentions = MG + "mentions"
    host = MG + "host"
    about = SCHEMA + "about"
    url = SCHEMA + "url"
    prov_value = PROV + "value"
    attributed = PROV + "wasAttributedTo"
    quoted_from = PROV + "wasQuotedFrom"
    label = RDFS + "label"
    pref = SKOS + "prefLabel"
    alt = SKOS + "altLabel"
    hidden = SKOS + "hiddenLabel"
    in_scheme = SKOS + "inScheme"
    broader = SKOS + "broader"
    related = SKOS + "related"
    skos_definition = SKOS + "definition"
    body = OA + "hasBody"
    target = OA + "hasTarget"
    has_passage = MG + "hasPassage"
    Note = MG + "Note"
    Definition = MG + "Definition"
    Source = MG + "Source"
    Page = MG + "Page"
    Passage = MG + "Passage"
    MetadataEntry = MG + "MetadataEntry"
    Concept = SKOS + "Concept"
    ConceptScheme = SKOS + "ConceptScheme"


class _T:
    """The Turtle forms of the predicates and classes, for one set of prefixes."""

    def __init__(self, terms: Terms) -> None:
        for name, iri in vars(P).items():
            if not name.startswith("_") and isinstance(iri, str):
                setattr(self, name, terms.predicate(iri))
        self.true = terms.typed("true", XSD_BOOL)

    def __getattr__(self, name: str) -> str:  # for the type checker: every attribute is a string
        raise AttributeError(name)


@dataclass(slots=True)
class DefinitionRecord:
    """What the later stages need to know about a definition besides its triples."""

    iri: str
    note: Note
    quote: Quote
    concept: Concept
    source_iri: str | None
    page_iri: str | None
    mentioned: tuple[str, ...] = ()
    """The concepts its text mentions, each once, in the order of their first mention."""


@dataclass(slots=True)
class NoteMapping:
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


@dataclass(frozen=True, slots=True)
class SourceFact:
    """A source or a cited page a note describes; these go to the shared sources graph."""

    iri: str
    label: str
    """The source's name, or the page's URL."""
    other: str | None
    """The source's host, or the page's publisher (a source IRI)."""
    is_page: bool


@dataclass(slots=True)
class RenderedNote:
    mapping: NoteMapping
    body: bytes
    """The note's graph as Turtle statements (no prefix lines)."""
    triples: int
    sources: list[SourceFact]


def page_iri(url: str) -> str | None:
    """The IRI of a cited web page: its URL, with characters illegal in an IRI percent-encoded."""
    if not is_web_url(url):
        return None
    return _page_iri(url)


def _page_iri(web_url: str) -> str | None:
    candidate = iri_safe(web_url)
    if plain_iri(candidate):
        return candidate
    try:
        ox.NamedNode(candidate)
    except ValueError:
        return None
    return candidate


_SIMPLE_WEB_URL = re.compile(r"(?i:https?)://([A-Za-z0-9.\-]+)(?:[/?#]|\Z)")
"""A web URL whose host is plain ASCII with no user, port or brackets; ``urlsplit`` would find it too."""


def _web_host(url: str) -> tuple[bool, str | None]:
    """Whether ``url`` is a web URL (``urls.is_web_url``), and its host (``urls.host_of``) if it is,
    from one parse of the URL."""
    url = url.strip()
    simple = _SIMPLE_WEB_URL.match(url)
    if simple is not None:
        host = simple.group(1).lower().rstrip(".")
        if host:
            return True, host[4:] if host.startswith("www.") else host
    try:
        parts = urlsplit(url)
    except ValueError:
        return False, None
    hostname = parts.hostname
    if parts.scheme.lower() not in WEB_SCHEMES or not hostname:
        return False, None
    host = hostname.lower().rstrip(".")
    return True, host[4:] if host.startswith("www.") else host


class Mapper:
    """Maps notes to Turtle, one at a time, against a finished concept index."""

    def __init__(self, iris: Iris, index: ConceptIndex, link_targets: dict[str, str],
                 prefixes: dict[str, str]) -> None:
        self.iris = iris
        self.index = index
        self.link_targets = link_targets
        self.terms = Terms(prefixes)
        self.t = _T(self.terms)
        self._sources: dict[tuple[str, str | None], str] = {}
        self._tags: dict[str, str | None] = {}
        self._concepts: dict[str, Concept] = {}
        self._middles: dict[str, str] = {}
        """Concept IRI → the middle of a mention statement: ``> oa:hasBody <concept> ;\\n\\toa:hasTarget ``."""

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

    def render(self, note: Note, matcher: MentionMatcher) -> RenderedNote:
        """The note's graph as a Turtle body, with the facts the whole-corpus steps need."""
        iris, index, terms, t = self.iris, self.index, self.terms, self.t
        lit, ref = terms.literal, terms.iri
        note_iri = iris.note(note.slug)
        out = NoteMapping(note, note_iri, iris.note_graph(note.slug))
        s = terms.fresh_iri(note_iri)
        head: list[tuple[str, str, str]] = [
            (s, t.type, t.Note), (s, t.title, lit(note.title, note.lang)), (s, t.file, lit(note.path)),
        ]
        add = head.append
        if note.date is not None:
            add((s, t.created, terms.typed(note.date.isoformat(), XSD_DATE)))
        if note.notetype:
            add((s, t.note_type, lit(note.notetype)))
        if note.author:
            add((s, t.author_name, lit(note.author)))
        for alias in note.aliases:
            add((s, t.alias, lit(alias)))
        subjects: dict[str, None] = {}
        for tag in note.tags:
            add((s, t.tag, lit(tag)))
            concept_iri = self._tag_concept(tag)
            if concept_iri is not None:
                subjects[concept_iri] = None
        for iri in subjects:
            add((s, t.subject, ref(iri)))
        term = self._concepts.get(note.term) or index.lookup(note.term)
        if term is not None:
            add((s, t.about, ref(term.iri)))
        entries: list[tuple[str, str, str]] = []
        used: set[str] = set()
        for key, value in note.extra:
            entry_iri = iris.metadata(note.slug, key)
            if entry_iri in used:
                entry_iri = iris.metadata(note.slug, key, unique=True)
            used.add(entry_iri)
            entry = terms.fresh_iri(entry_iri)
            add((s, t.metadata, entry))
            entries += [(entry, t.type, t.MetadataEntry), (entry, t.key, lit(key)), (entry, t.value, lit(value))]
        unresolved: dict[str, None] = {}
        for link in note.wikilinks:
            target = self.link_targets.get(link.target.casefold())
            if target is None:
                unresolved[link.target] = None
            elif target != note_iri and target not in out.links:
                out.links.append(target)
                add((s, t.links_to, ref(target)))
        for title in unresolved:
            add((s, t.unresolved, lit(title)))

        body: list[tuple[str, str, str]] = []
        sources: list[SourceFact] = []
        described: set[str] = set()
        seen: dict[tuple[str, str], int] = {}
        targets: list[tuple[str, str]] = []
        """(IRI, Turtle form) of each text mentions are found in, definitions then passages."""
        for quote in note.quotes:
            seen_key = (quote.source.name if quote.source else "", quote.text)
            occurrence = seen.get(seen_key, 0)
            seen[seen_key] = occurrence + 1
            d_iri = iris.definition(note, quote, occurrence)
            d = terms.fresh_iri(d_iri)
            targets.append((d_iri, d))
            concept = self._concept(quote.term)
            add((s, t.has_definition, d))
            body += [
                (d, t.type, t.Definition), (d, t.prov_value, lit(quote.text, quote.lang)),
                (d, t.defines, ref(concept.iri)), (d, t.line, terms.typed(str(quote.line), XSD_INT)),
            ]
            if quote.is_summary:
                body.append((d, t.is_summary, t.true))
            source_iri = page = None
            if quote.source is not None:
                url = quote.source.url
                web, host = _web_host(url) if url else (False, None)
                source_iri = self._source(quote.source.name, host)
                body.append((d, t.attributed, ref(source_iri)))
                page = _page_iri(url) if web and url else None
                if source_iri not in described:
                    described.add(source_iri)
                    sources.append(SourceFact(source_iri, quote.source.name, host, False))
                if page is not None and url is not None:
                    body.append((d, t.quoted_from, terms.fresh_iri(page)))
                    if page not in described:
                        described.add(page)
                        sources.append(SourceFact(page, url, source_iri, True))
                elif url:
                    body.append((d, t.cited_url, lit(url)))
            out.definitions.append(DefinitionRecord(d_iri, note, quote, concept, source_iri, page))
        seen_text: dict[str, int] = {}
        for passage in note.passages:
            occurrence = seen_text.get(passage.text, 0)
            seen_text[passage.text] = occurrence + 1
            p_iri = iris.passage(note.slug, passage.text, occurrence)
            node = terms.fresh_iri(p_iri)
            targets.append((p_iri, node))
            add((s, t.has_passage, node))
            body += [
                (node, t.type, t.Passage), (node, t.prov_value, lit(passage.text, note.lang)),
                (node, t.line, terms.typed(str(passage.line), XSD_INT)),
            ]
            out.passages.append(p_iri)

        texts = [(q.text, q.code_spans) for q in note.quotes] + [(p.text, p.code_spans) for p in note.passages]
        texts.append((note.title, ()))
        targets.append((note_iri, s))
        mentions, lines, count = self._mentions(out, matcher, texts, targets)
        triples = head + entries + body + mentions
        text = statements(triples)
        if lines:
            text += "".join(lines)
        return RenderedNote(out, text.encode("utf-8"), len(triples) - len(mentions) + count, sources)

    def _mentions(self, out: NoteMapping, matcher: MentionMatcher,
                  texts: list[tuple[str, tuple[tuple[int, int], ...]]],
                  targets: list[tuple[str, str]]) -> tuple[list[tuple[str, str, str]], list[str], int]:
        """Each mention as ``<target#char=start,end> oa:hasBody concept ; oa:hasTarget target``, after
        one ``mg:mentions`` shortcut per definition and concept.

        Returns the shortcut triples, the mention statements as finished Turtle, and the number of
        triples in both. Each mention's fragment IRI is a subject of its own, so its two triples
        make one statement. Where that is not plainly so (a target that already has a fragment, the
        same span twice), the mentions come back as triples for ``statements`` to group instead.
        """
        t, ref = self.t, self.terms.iri
        shortcuts: list[tuple[str, str, str]] = []
        found: list[tuple[str, str, list[tuple[int, int, str]]]] = []
        definitions = len(out.definitions)
        everything: dict[str, None] = {}
        plain = True
        last = len(texts) - 1
        for position, ((text, code_spans), (target, target_ttl)) in enumerate(zip(texts, targets, strict=True)):
            hits = [(h.start, h.end, h.concept) for h in matcher.find(text, code_spans)]
            if position < last:
                out.spans.append(array("i", [x for start, end, _c in hits for x in (start, end)]))
            if not hits:
                continue
            found.append((target, target_ttl, hits))
            mentioned = dict.fromkeys(concept for _s, _e, concept in hits)
            everything.update(mentioned)
            if position < definitions:
                out.definitions[position].mentioned = tuple(mentioned)
                shortcuts += [(target_ttl, t.mentions, ref(c)) for c in mentioned]
            plain = plain and target_ttl[0] == "<" and "#" not in target and len({h[:2] for h in hits}) == len(hits)
        out.mentioned = tuple(everything)
        out.mentions = count = sum(len(hits) for _t, _tt, hits in found)
        if plain:
            middles = self._middles
            lines = []
            for _target, target_ttl, hits in found:
                stem, tail = target_ttl[:-1], f"{target_ttl} .\n"
                for start, end, concept in hits:
                    middle = middles.get(concept)
                    if middle is None:
                        middle = middles[concept] = f"> {t.body} {ref(concept)} ;\n\t{t.target} "
                    lines.append(f"{stem}#char={start},{end}{middle}{tail}")
            return shortcuts, lines, len(shortcuts) + 2 * count
        triples = list(shortcuts)
        for target, target_ttl, hits in found:
            for start, end, concept in hits:
                node = ref(f"{target}#char={start},{end}")
                triples += [(node, t.body, ref(concept)), (node, t.target, target_ttl)]
        return triples, [], len(triples)


def source_statements(facts: Iterable[SourceFact], terms: Terms) -> tuple[bytes, int]:
    """The sources graph: every source and page the notes describe, each triple once, sorted as
    ``rdf.canonical`` sorts. Returns the Turtle body and its number of triples."""
    t = _T(terms)
    type_p, label_p, host_p, url_p, publisher_p = (
        (f"<{p}>", terms.predicate(p)) for p in (P.type, P.label, P.host, P.url, P.publisher))
    source_o, page_o = ((f"<{c}>", terms.iri(c)) for c in (P.Source, P.Page))
    subjects: Subjects = {}
    for fact in set(facts):
        s_nt = f"<{fact.iri}>"
        found = subjects.get(s_nt)
        if found is None:
            found = subjects[s_nt] = (terms.fresh_iri(fact.iri), set())
        pairs = found[1]
        if fact.is_page:
            pairs.add((type_p[0], page_o[0], t.type, page_o[1]))
            pairs.add((url_p[0], terms.nt_literal(fact.label, datatype=XSD_ANYURI), url_p[1],
                       terms.typed(fact.label, XSD_ANYURI)))
            if fact.other is not None:
                pairs.add((publisher_p[0], f"<{fact.other}>", publisher_p[1], terms.iri(fact.other)))
        else:
            pairs.add((type_p[0], source_o[0], t.type, source_o[1]))
            pairs.add((label_p[0], terms.nt_literal(fact.label), label_p[1], terms.literal(fact.label)))
            if fact.other:
                pairs.add((host_p[0], terms.nt_literal(fact.other), host_p[1], terms.literal(fact.other)))
    return subject_statements(subjects), count_triples(subjects)


def concept_statements(index: ConceptIndex, terms: Terms,
                       scheme_title: str = "Concepts from the notes") -> tuple[bytes, int]:
    """The concept scheme: vocabulary concepts and the concepts the notes add, each triple once,
    sorted as ``rdf.canonical`` sorts. Returns the Turtle body and its number of triples."""
    subjects: Subjects = {}
    predicates: dict[str, tuple[str, str]] = {}

    def pairs_of(s: str) -> set[tuple[str, str, str, str]]:
        found = subjects.get(f"<{s}>")
        if found is None:
            found = subjects[f"<{s}>"] = (terms.iri(s), set())
        return found[1]

    def predicate(p: str) -> tuple[str, str]:
        found = predicates.get(p)
        if found is None:
            found = predicates[p] = (f"<{p}>", terms.predicate(p))
        return found

    def iri_triple(s: str, p: str, o: str) -> None:
        p_nt, p_ttl = predicate(p)
        pairs_of(s).add((p_nt, f"<{o}>", p_ttl, terms.iri(o)))

    def literal_triple(s: str, p: str, text: str, lang: str | None) -> None:
        p_nt, p_ttl = predicate(p)
        pairs_of(s).add((p_nt, terms.nt_literal(text, lang), p_ttl, terms.literal(text, lang)))

    iri_triple(index.scheme, P.type, P.ConceptScheme)
    literal_triple(index.scheme, P.title, scheme_title, "en")
    schemes: set[str] = set()
    for concept in index.concepts.values():
        c = concept.iri
        iri_triple(c, P.type, P.Concept)
        literal_triple(c, P.pref, concept.pref_label, concept.lang)
        for label in concept.alt_labels:
            literal_triple(c, P.alt, label, concept.lang if concept.from_vocabulary else None)
        for label in concept.hidden_labels:
            literal_triple(c, P.hidden, label, concept.lang)
        scheme = concept.scheme or index.scheme
        schemes.add(scheme)
        iri_triple(c, P.in_scheme, scheme)
        for other in concept.broader:
            iri_triple(c, P.broader, other)
        for other in concept.related:
            iri_triple(c, P.related, other)
        if concept.definition:
            literal_triple(c, P.skos_definition, concept.definition, concept.lang)
    for scheme in sorted(schemes - {index.scheme}):
        iri_triple(scheme, P.type, P.ConceptScheme)
    return subject_statements(subjects), count_triples(subjects)
