"""Concepts: the curated SKOS vocabulary, extended by the notes' terms, aliases and tags.

Labels are compared in the normal form of ``extract.labels`` (the mention matcher's, case-folded),
so "Feature Stores", "feature-store" and "feature store" are one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from msgspec import Struct, field
from msgspec.structs import replace

from mlops_graph.config import Settings
from mlops_graph.errors import VocabularyError
from mlops_graph.extract.labels import edits, normalize_label
from mlops_graph.extract.notes import names_a_thing, slugify
from mlops_graph.model import Note
from mlops_graph.namespaces import SKOS

VOCABULARY_FILE = Path(__file__).resolve().parent.parent / "ontology" / "vocabulary.ttl"
SNAPSHOT_FILE = Path(__file__).with_name("vocabulary.json")
"""The concepts of ``vocabulary.ttl``, ready to read (:func:`snapshot`); ``scripts/vocabulary_snapshot.py``
writes it after ``vocabulary.ttl`` changes, and a test checks that it matches."""
_SNAPSHOT_FIELDS = ("iri", "pref_label", "lang", "scheme", "alt_labels", "hidden_labels", "broader", "related",
                    "definition")


class Concept(Struct):
    iri: str
    pref_label: str
    lang: str | None
    scheme: str
    from_vocabulary: bool
    alt_labels: list[str] = field(default_factory=list)
    hidden_labels: list[str] = field(default_factory=list)
    broader: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    definition: str | None = None
    exact_match: list[str] = field(default_factory=list)
    """Concepts of other labels the notes give as this one's aliases (``skos:exactMatch``)."""
    shared_labels: list[str] = field(default_factory=list)
    """Aliases that another concept has as a label: shown as alternative labels of this concept too,
    but looked up (and matched in text) as the other concept's."""

    def labels(self) -> list[str]:
        return [self.pref_label, *self.alt_labels, *self.hidden_labels]


def vocabulary_for(settings: Settings) -> list[Concept]:
    """The curated vocabulary plus the user's SKOS files. Parsed once per process and file version."""
    paths = (VOCABULARY_FILE, *settings.vocabularies) if VOCABULARY_FILE.is_file() else settings.vocabularies
    stamps = []
    for path in paths:
        try:
            info = path.stat()
        except OSError as exc:
            raise VocabularyError(f"cannot read SKOS vocabulary: {exc.strerror or exc}", path) from exc
        stamps.append((str(path), info.st_mtime_ns, info.st_size))
    return [replace(c, alt_labels=list(c.alt_labels)) for c in _load_cached(tuple(stamps))]


@lru_cache(maxsize=4)
def _load_cached(stamps: tuple[tuple[str, int, int], ...]) -> tuple[Concept, ...]:
    paths = [Path(p) for p, _m, _s in stamps]
    if paths and paths[0] == VOCABULARY_FILE:
        shipped = _snapshot()
        if shipped is not None:
            return tuple(load_vocabulary(paths[1:], shipped))
    return tuple(load_vocabulary(paths))


def snapshot(concepts: Iterable[Concept]) -> bytes:
    """The content of ``vocabulary.json`` for the shipped vocabulary's concepts (what
    :func:`load_vocabulary` reads from ``vocabulary.ttl``): the SHA-256 of ``vocabulary.ttl`` and
    the concepts as JSON, so that a build need not parse the Turtle file."""
    rows = [[getattr(c, name) for name in _SNAPSHOT_FIELDS] for c in concepts]
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)  # a concept per line
    return f'{{"sha256": "{_vocabulary_digest()}", "concepts": [\n{lines}\n]}}\n'.encode()


def _vocabulary_digest() -> str:
    return hashlib.sha256(VOCABULARY_FILE.read_bytes()).hexdigest()


def _snapshot() -> list[Concept] | None:
    """The shipped vocabulary's concepts from ``vocabulary.json``; ``None`` when it does not match
    ``vocabulary.ttl`` byte for byte (edited since: then the Turtle file is parsed)."""
    try:
        data = json.loads(SNAPSHOT_FILE.read_bytes())
        if data["sha256"] != _vocabulary_digest():
            return None
        return [Concept(iri, pref, lang, scheme, True, alt, hidden, tuple(broader), tuple(related), definition)
                for iri, pref, lang, scheme, alt, hidden, broader, related, definition in data["concepts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


_READ = {ox.NamedNode(SKOS + name): name for name in (
    "prefLabel", "altLabel", "hiddenLabel", "inScheme", "broader", "related", "definition")}
"""The SKOS properties :func:`load_vocabulary` reads, by their node."""


def load_vocabulary(paths: Iterable[Path], known: Iterable[Concept] = ()) -> list[Concept]:
    """Read SKOS concepts (prefLabel, altLabel, hiddenLabel, inScheme, broader, related) from Turtle
    files, after the ``known`` ones; a concept read again replaces what was known of it."""
    concepts: dict[str, Concept] = {c.iri: c for c in known}
    for path in paths:
        try:
            triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        except (OSError, SyntaxError, ValueError) as exc:
            raise VocabularyError(f"cannot read SKOS vocabulary: {exc}", path) from exc
        by_subject: dict[str, dict[str, list[ox.Literal | ox.NamedNode]]] = {}
        for t in triples:
            name = _READ.get(t.predicate)
            if name is not None and isinstance(t.subject, ox.NamedNode):
                by_subject.setdefault(t.subject.value, {}).setdefault(name, []).append(t.object)
        for iri in sorted(by_subject):
            props = by_subject[iri]
            prefs = [o for o in props.get("prefLabel", []) if isinstance(o, ox.Literal)]
            if not prefs:
                continue
            pref = next((p for p in prefs if p.language == "en"), prefs[0])
            schemes = sorted(o.value for o in props.get("inScheme", []) if isinstance(o, ox.NamedNode))
            definitions = [o for o in props.get("definition", []) if isinstance(o, ox.Literal)]
            concepts[iri] = Concept(
                iri=iri,
                pref_label=pref.value,
                lang=pref.language,
                scheme=schemes[0] if schemes else "",
                from_vocabulary=True,
                alt_labels=sorted({o.value for o in props.get("altLabel", []) if isinstance(o, ox.Literal)}),
                hidden_labels=sorted({o.value for o in props.get("hiddenLabel", []) if isinstance(o, ox.Literal)}),
                broader=tuple(sorted(o.value for o in props.get("broader", []) if isinstance(o, ox.NamedNode))),
                related=tuple(sorted(o.value for o in props.get("related", []) if isinstance(o, ox.NamedNode))),
                definition=definitions[0].value if definitions else None,
            )
    return [concepts[k] for k in sorted(concepts)]


class ConceptIndex:
    """All concepts of a build, looked up by any of their labels."""

    def __init__(self, base_iri: str, vocabulary: list[Concept]) -> None:
        self.base_iri = base_iri
        self.scheme = base_iri + "concepts"
        self.concepts: dict[str, Concept] = {}
        self._by_key: dict[str, str] = {}
        for concept in vocabulary:
            self._add(concept)

    def _add(self, concept: Concept) -> None:
        self.concepts[concept.iri] = concept
        for label in concept.labels():
            self._by_key.setdefault(normalize_label(label), concept.iri)

    def lookup(self, label: str, *, fuzzy: bool = False) -> Concept | None:
        key = normalize_label(label)
        iri = self._by_key.get(key)
        if iri is None and fuzzy:
            iri = self._fuzzy(key)
        return self.concepts[iri] if iri is not None else None

    def _fuzzy(self, key: str) -> str | None:
        """A label one or two edits away (typos such as "Laerning"), only for long labels."""
        if len(key) < 10:
            return None
        limit = 1 if len(key) < 16 else 2
        best: tuple[int, str] | None = None
        for other, iri in self._by_key.items():
            if abs(len(other) - len(key)) > limit or other[:1] != key[:1]:
                continue
            distance = edits(key, other, limit)
            if distance <= limit and (best is None or (distance, other) < (best[0], self._key_of(best[1]))):
                best = (distance, iri)
        return best[1] if best else None

    def _key_of(self, iri: str) -> str:
        return normalize_label(self.concepts[iri].pref_label)

    def get_or_create(self, label: str) -> Concept:
        """The concept a label names, creating a concept from the notes when none has it."""
        label = " ".join(label.split())
        found = self.lookup(label)
        if found is not None:
            return found
        slug = slugify(label.replace("/", " ")) or "c-" + hashlib.sha256(label.encode()).hexdigest()[:10]
        iri = self.base_iri + "concept/" + slug
        while iri in self.concepts:
            iri += "-" + hashlib.sha256(label.encode()).hexdigest()[:6]
        concept = Concept(iri, label, None, self.scheme, False)
        self._add(concept)
        return concept

    def add_label(self, concept: Concept, label: str) -> None:
        label = " ".join(label.split())
        key = normalize_label(label)
        if not key or key in self._by_key:
            return
        concept.alt_labels.append(label)
        self._by_key[key] = concept.iri


def tag_label(tag: str) -> str:
    """A tag as a label: ``feature-engineering`` reads "feature engineering"."""
    return " ".join(tag.replace("_", " ").replace("-", " ").split())


def _tag_concepts(index: ConceptIndex, tag: str) -> None:
    """The concepts of a tag that names a thing; a nested tag (``recommender-system/news``) is a
    concept narrower than its parent's (``recommender-system``), when that one names a thing too."""
    parts = tag.split("/")
    parent: Concept | None = None
    for end in range(1, len(parts) + 1):
        label = tag_label("/".join(parts[:end]))
        if not label or not names_a_thing(label):
            parent = None
            continue
        concept = index.get_or_create(label)
        if (parent is not None and not concept.from_vocabulary and concept.iri != parent.iri
                and parent.iri not in concept.broader):
            concept.broader = (*concept.broader, parent.iri)
        parent = concept


def index_inputs(base_iri: str, vocabulary: list[Concept], notes: Iterable[Note]) -> str:
    """Everything :func:`build_index` reads, as text: the same text always gives the same index.
    A note's quotes count by their distinct terms (a term seen again adds nothing), so a quote added
    to a note leaves the text as it was."""
    return repr((base_iri, vocabulary, [
        (n.path, n.term, n.aliases, list(dict.fromkeys(q.term for q in n.quotes)), n.tags, n.alias_pairs)
        for n in sorted(notes, key=lambda n: n.path)]))


def build_index(base_iri: str, vocabulary: list[Concept], notes: Iterable[Note]) -> ConceptIndex:
    """Vocabulary concepts, plus a concept for each note's term, alias and tag that names a thing
    (:func:`~mlops_graph.extract.notes.names_a_thing`: not a question, a sentence or a section
    heading such as "Resources"; a tag of emoji only names none; a nested tag is narrower than its
    parent), and for each term a quote defines.

    A note's aliases become alternative labels of its term; an alias another concept has already
    links the term to that concept (``skos:exactMatch``). Acronym pairs stated in the text
    ("MLOps stands for Machine Learning Operations", "Continuous Training (CT)") join a label to a
    concept that already has the other one, allowing a typo or two in long labels.
    """
    index = ConceptIndex(base_iri, vocabulary)
    ordered = sorted(notes, key=lambda n: n.path)
    for note in ordered:
        term = index.get_or_create(note.term) if names_a_thing(note.term) else index.lookup(note.term)
        for alias in note.aliases:
            if term is None:
                if names_a_thing(alias):
                    term = index.get_or_create(alias)
                continue
            other = index.lookup(alias)
            if other is not None and other.iri != term.iri and not term.from_vocabulary:
                # "ML Governance" with the alias "AI governance" that the vocabulary has: the term
                # keeps its own words and points at that concept rather than becoming it.
                if other.iri not in term.exact_match:
                    term.exact_match.append(other.iri)
                if alias not in term.shared_labels:
                    term.shared_labels.append(alias)
                continue
            index.add_label(term, alias)
        for quote in note.quotes:
            index.get_or_create(quote.term)
        for tag in note.tags:
            _tag_concepts(index, tag)
    for note in ordered:
        for short, long in note.alias_pairs:
            target = index.lookup(long, fuzzy=True)
            if target is not None:
                if index.lookup(short) is None:
                    index.add_label(target, short)
                continue
            target = index.lookup(short)
            if target is not None and target.from_vocabulary is False:
                index.add_label(target, long)
    return index
