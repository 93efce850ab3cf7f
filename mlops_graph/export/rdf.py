"""Turtle, TriG and N-Triples, byte for byte as pyoxigraph's serialisers write them.

Each named graph is serialised once, as a Turtle body (its statements, without the prefix lines).
``graph.ttl`` is the prefix lines followed by every body; ``graph.trig`` wraps each body in its graph
block. Graphs never share a triple (see ``graph.mapping``), so the result holds each triple once.

The per-note graphs are written as text by :class:`Terms` and :func:`statements`, which follow
pyoxigraph's Turtle serialiser exactly: consecutive triples with the same subject are joined with
``;``, with the same subject and predicate with ``,``; ``rdf:type`` is ``a``; IRIs under a prefix
are abbreviated when their local name needs no escape; ``xsd:integer`` and ``xsd:boolean`` values
are written bare; strings escape the same characters. Anything outside those well-trodden forms
(a local name that needs escapes, an IRI that is not plainly valid) is handed to pyoxigraph itself,
so the text is always what ``pyoxigraph.serialize`` would write and invalid IRIs are refused the
same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

import pyoxigraph as ox

from mlops_graph.graph.namespaces import RDF, XSD

_PROBE = ox.Triple(ox.NamedNode("urn:x-probe:s"), ox.NamedNode("urn:x-probe:p"), ox.Literal("o"))
_PROBE_HEAD = "<urn:x-probe:s> <urn:x-probe:p> "
_RDF_TYPE = RDF + "type"
_XSD_INTEGER = XSD + "integer"
_XSD_BOOLEAN = XSD + "boolean"
_XSD_STRING = XSD + "string"
_XSD_NUMBERS = frozenset({XSD + "decimal", XSD + "double"})

#: Characters that pyoxigraph escapes in a string literal (the same in Turtle and N-Triples).
_ESCAPES: dict[int, str] = {c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F, 0xFFFE, 0xFFFF)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"})
_NEEDS_ESCAPE = re.compile("[\x00-\x1f\"\\\\\x7f\ufffe\uffff\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: A local name pyoxigraph writes as it is after ``prefix:``.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
#: Absolute http(s) IRIs that are valid for certain: a plain host, then only unreserved characters,
#: sub-delimiters, ``:``, ``@`` and ``/`` in the path, and at most one fragment.
_PLAIN_IRI = re.compile(
    r"https?://[A-Za-z0-9.\-]+(?::[0-9]*)?(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)?"
    r"(?:#[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*)?"
)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_MAX_CACHE = 1 << 16


def plain_iri(iri: str) -> bool:
    """True for IRIs that are valid for certain (a cheap test; False says nothing)."""
    return _PLAIN_IRI.fullmatch(iri) is not None


def _probe(term: ox.NamedNode | ox.Literal, prefixes: tuple[tuple[str, str], ...]) -> str:
    """How pyoxigraph writes ``term`` as the object of a Turtle statement."""
    data = ox.serialize([ox.Triple(_PROBE.subject, _PROBE.predicate, term)], format=ox.RdfFormat.TURTLE,
                        prefixes=dict(prefixes))
    assert data is not None
    text = "".join(line for line in data.decode("utf-8").splitlines(keepends=True)
                   if not line.startswith("@prefix "))
    assert text.startswith(_PROBE_HEAD) and text.endswith(" .\n"), text
    return text[len(_PROBE_HEAD):-3]


def _quoted(text: str) -> str:
    """``text`` as a quoted string, escaped as pyoxigraph escapes it; lone surrogates are refused
    by pyoxigraph (``ValueError``) as they would be when making the literal."""
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    if _SURROGATE.search(text):
        ox.Literal(text)  # raises: pyoxigraph takes no lone surrogate
        raise ValueError("lone surrogate in literal")  # pragma: no cover - pyoxigraph raised above
    return '"' + text.translate(_ESCAPES) + '"'


class Terms:
    """The Turtle (and N-Triples) forms of IRIs and literals under one set of prefixes."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = dict(prefixes)
        self._items = tuple(prefixes.items())
        self._namespaces = tuple((ns, name) for name, ns in prefixes.items())
        self._starts = tuple(prefixes.values())
        self._iris: dict[str, str] = {}
        self._langs: dict[str, str] = {}
        self.a = "a"

    def _prefixed(self, iri: str) -> str | None:
        for ns, name in self._namespaces:
            if iri.startswith(ns):
                local = iri[len(ns):]
                matches = [n for n, _ in self._namespaces if iri.startswith(n)]
                if len(matches) == 1 and local and _PLAIN_LOCAL.fullmatch(local):
                    return f"{name}:{local}"
                return _probe(ox.NamedNode(iri), self._items)
        return None

    def iri(self, iri: str) -> str:
        """An IRI as pyoxigraph writes it (``ValueError`` for an invalid IRI, as ``NamedNode`` gives)."""
        found = self._iris.get(iri)
        if found is None:
            if not _PLAIN_IRI.fullmatch(iri):
                ox.NamedNode(iri)  # raises for an invalid IRI
            found = self._prefixed(iri) or f"<{iri}>"
            if len(self._iris) >= _MAX_CACHE:
                self._iris.clear()
            self._iris[iri] = found
        return found

    def fresh_iri(self, iri: str) -> str:
        """Like :meth:`iri` for IRIs seen once (nothing is cached)."""
        if not iri.startswith(self._starts) and _PLAIN_IRI.fullmatch(iri):
            return f"<{iri}>"
        return self.iri(iri)

    def predicate(self, iri: str) -> str:
        return "a" if iri == _RDF_TYPE else self.iri(iri)

    def literal(self, text: str, lang: str | None = None) -> str:
        if not lang:
            return _quoted(text)
        tag = self._langs.get(lang)
        if tag is None:
            tag = self._langs[lang] = ox.Literal("x", language=lang).language or lang
        return f"{_quoted(text)}@{tag}"

    def typed(self, text: str, datatype: str) -> str:
        """A literal of a datatype: integers and booleans bare where pyoxigraph writes them bare."""
        if datatype == _XSD_INTEGER and _INTEGER.fullmatch(text):
            return text
        if datatype == _XSD_BOOLEAN and text in ("true", "false"):
            return text
        if datatype == _XSD_STRING:
            return _quoted(text)
        if datatype in _XSD_NUMBERS:
            return _probe(ox.Literal(text, datatype=ox.NamedNode(datatype)), self._items)
        return f"{_quoted(text)}^^{self.iri(datatype)}"

    @staticmethod
    def nt_literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
        """The N-Triples form of a literal (``str()`` of a pyoxigraph literal), used as a sort key."""
        if lang:
            return f"{_quoted(text)}@{lang.lower()}"
        if datatype and datatype != _XSD_STRING:
            return f"{_quoted(text)}^^<{datatype}>"
        return _quoted(text)


def statements(triples: Iterable[tuple[str, str, str]]) -> str:
    """Turtle statements for triples already in their Turtle forms, grouped as pyoxigraph groups them:
    the same subject continues with ``;``, the same subject and predicate with ``,``."""
    out: list[str] = []
    add = out.append
    last_s = last_p = None
    for s, p, o in triples:
        if s == last_s:
            if p == last_p:
                add(" , ")
                add(o)
            else:
                add(" ;\n\t")
                add(p)
                add(" ")
                add(o)
                last_p = p
        else:
            if last_s is not None:
                add(" .\n")
            add(s)
            add(" ")
            add(p)
            add(" ")
            add(o)
            last_s, last_p = s, p
    if last_s is not None:
        add(" .\n")
    return "".join(out)


Subjects = dict[str, tuple[str, set[tuple[str, str, str, str]]]]
"""Triples by subject: N-Triples form of the subject → (its Turtle form, {(predicate N-Triples,
object N-Triples, predicate Turtle, object Turtle)})."""


def subject_statements(subjects: Subjects) -> bytes:
    """A Turtle body of these triples in N-Triples order (as :func:`canonical` sorts them), each
    subject's triples making one statement."""
    out: list[str] = []
    add = out.append
    for s_nt in sorted(subjects):
        s, pairs = subjects[s_nt]
        last_p = None
        for _p_nt, _o_nt, p, o in sorted(pairs):
            if last_p is None:
                add(f"{s} {p} {o}")
            elif p == last_p:
                add(f" , {o}")
            else:
                add(f" ;\n\t{p} {o}")
            last_p = p
        add(" .\n")
    return "".join(out).encode("utf-8")


def count_triples(subjects: Subjects) -> int:
    return sum(len(pairs) for _s, pairs in subjects.values())


def canonical(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Distinct triples sorted by their N-Triples form: the same set always serialises the same way."""
    unique = {(str(t.subject), str(t.predicate), str(t.object)): t for t in triples}
    return [unique[k] for k in sorted(unique)]


@cache
def _header(items: tuple[tuple[str, str], ...]) -> bytes:
    data = ox.serialize([_PROBE], format=ox.RdfFormat.TURTLE, prefixes=dict(items))
    assert data is not None
    return b"".join(line for line in data.splitlines(keepends=True) if line.startswith(b"@prefix "))


def header(prefixes: dict[str, str]) -> bytes:
    """The ``@prefix`` lines that pyoxigraph writes for these prefixes."""
    return _header(tuple(prefixes.items()))


def turtle_body(triples: Sequence[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """The statements of a Turtle document, without its prefix lines. Triples are written in the
    order given; keep each subject's triples together for compact output."""
    if not triples:
        return b""
    data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    assert data is not None
    head = header(prefixes)
    if data.startswith(head):
        return data[len(head):]
    return b"".join(line for line in data.splitlines(keepends=True) if not line.startswith(b"@prefix "))


def turtle(bodies: Iterable[bytes], prefixes: dict[str, str]) -> bytes:
    return header(prefixes) + b"".join(bodies)


def graph_open(graph: str) -> bytes:
    """The line that opens a graph block in TriG."""
    return b"<" + ox.NamedNode(graph).value.encode("utf-8") + b"> {\n"


GRAPH_CLOSE = b"}\n"


def trig(graphs: Iterable[tuple[str, bytes]], prefixes: dict[str, str]) -> bytes:
    """One graph block per (graph IRI, Turtle body), in the order given."""
    parts = [header(prefixes)]
    for graph, body in graphs:
        parts += [graph_open(graph), body, GRAPH_CLOSE]
    return b"".join(parts)


def ntriples(triples: Sequence[ox.Triple]) -> bytes:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return data
