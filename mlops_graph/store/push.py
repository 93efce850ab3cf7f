"""Replace named graphs in a triple store over the SPARQL 1.1 Graph Store HTTP Protocol.

A push keeps a *manifest graph* in the store that lists every graph the previous push wrote::

    <manifest> <https://w3id.org/mlops-graph/ns#containsGraph> <graph> .

so that a graph which is no longer produced (a deleted note) is deleted from the store. The requests
of a push, in this order, with graph IRIs sorted:

1. ``GET`` the manifest (``404`` means an empty manifest);
2. if the push adds graphs the manifest does not list yet, ``PUT`` the manifest listing the old and the
   new graphs together, so that a push which stops half-way never leaves a written graph unlisted;
3. ``PUT`` every graph (each replaces the graph's whole content, so no stale triple survives);
4. ``DELETE`` every graph the old manifest lists that is not pushed now (``404`` counts as deleted);
5. ``PUT`` the manifest listing exactly the pushed graphs.

A dry run sends only the ``GET`` of step 1 (it needs the credentials, because the manifest tells
what would be deleted) and changes nothing.

HTTP goes through :mod:`urllib.request` (with :mod:`mlops_graph.store.http`). Digest authentication (what Virtuoso's
``/sparql-graph-crud-auth`` endpoint accepts) answers the server's challenge; Basic authentication
sends the credentials with every request, unasked (use it over https only). Credentials that the
server rejects are not retried.
The password never appears in a log record, an exception message or the returned report.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

from msgspec import Struct

from mlops_graph.errors import MlopsGraphError, StoreError
from mlops_graph.store.http import Auth, RequestFailed, check_endpoint, check_scheme

__all__ = ["CONTAINS_GRAPH", "PushError", "PushInterrupted", "PushReport", "manifest_ntriples", "push_graphs"]

CONTAINS_GRAPH = "https://w3id.org/mlops-graph/ns#containsGraph"
"""The predicate linking the manifest graph's IRI to each graph a push wrote."""

_log = logging.getLogger(__name__)

_CONTENT_TYPE = "application/n-triples"
_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"

# An absolute IRI that can be written between angle brackets in N-Triples.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\\x7f]*")

# Response media type -> rdflib parser name, for reading the manifest.
_RDF_FORMATS = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


class PushReport(Struct, frozen=True):
    """What a push did, or with ``dry_run`` what it would do."""

    pushed: tuple[str, ...]
    """Graph IRIs replaced with PUT, in the order of the requests."""
    deleted: tuple[str, ...]
    """Graph IRIs removed with DELETE, in the order of the requests."""
    failed: str | None
    """The graph IRI (or the manifest's IRI) whose request failed, when the push stopped half-way."""
    dry_run: bool


class PushError(StoreError):
    """A push that stopped on a failed request. ``report`` tells what had been done by then."""

    def __init__(self, message: str, report: PushReport) -> None:
        super().__init__(message)
        self.report = report


class PushInterrupted(MlopsGraphError):
    """A push stopped by an interrupt (Ctrl-C) after it began to change the store. ``report`` tells
    what had been done by then; its ``failed`` is the graph whose request was under way, which the
    store may or may not have applied."""

    def __init__(self, report: PushReport) -> None:
        super().__init__("interrupted")
        self.report = report


def manifest_ntriples(manifest_graph: str, graphs: Iterable[str]) -> bytes:
    """The manifest graph's content: one ``containsGraph`` triple per graph, sorted, as N-Triples."""
    lines = [f"<{manifest_graph}> <{CONTAINS_GRAPH}> <{graph}> .\n" for graph in sorted(set(graphs))]
    return "".join(lines).encode("utf-8")


def push_graphs(
    graphs: Mapping[str, bytes],
    endpoint: str,
    *,
    manifest_graph: str,
    user: str | None = None,
    password: str | None = None,
    auth: Literal["digest", "basic"] = "digest",
    dry_run: bool = False,
    timeout: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> PushReport:
    """Replace each graph of ``graphs`` (IRI -> N-Triples bytes) in the store behind ``endpoint``.

    ``endpoint`` is the Graph Store Protocol URL (for Virtuoso ``http://host:8890/sparql-graph-crud-auth``);
    each graph is addressed as ``{endpoint}?graph={IRI}``. Graphs listed in the store's manifest graph
    but absent from ``graphs`` are deleted. ``progress`` is called before each request with a one-line
    description such as ``"PUT <https://…>"`` (``"would PUT <…>"`` in a dry run).

    Raises :class:`PushError` (a :class:`StoreError`) when a request fails, and :class:`StoreError`
    when the arguments are unusable; no request is sent in that case.
    """
    client = _Client(endpoint, user=user, password=password, auth=auth, timeout=timeout)
    _check_iri(manifest_graph, "manifest graph")
    for iri in graphs:
        _check_iri(iri, "graph")
    if manifest_graph in graphs:
        raise StoreError(f"the manifest graph <{manifest_graph}> cannot also be pushed as a data graph")

    def say(message: str) -> None:
        if progress is not None:
            progress(message)

    new = sorted(graphs)
    stale: list[str] = []
    pushed: list[str] = []
    deleted: list[str] = []

    def fail(iri: str, action: str, reason: str) -> PushError:
        report = PushReport(tuple(pushed), tuple(deleted), iri, dry_run)
        message = f"push to {client.endpoint}: {action} failed: {reason}"
        if pushed or deleted or action.startswith("PUT graph"):
            message += (
                f"; the push stopped after replacing {len(pushed)} of {len(new)} graph(s)"
                f" and deleting {len(deleted)} of {len(stale)}"
            )
        return PushError(message, report)

    say(f"GET manifest <{manifest_graph}>")
    try:
        old = client.read_manifest(manifest_graph)
    except _RequestFailed as exc:
        raise fail(manifest_graph, f"GET manifest <{manifest_graph}>", exc.reason) from exc.cause
    stale = sorted(set(old) - set(graphs))

    if dry_run:
        for iri in new:
            say(f"would PUT <{iri}>")
        for iri in stale:
            say(f"would DELETE <{iri}>")
        return PushReport(tuple(new), tuple(stale), None, True)

    under_way: str | None = manifest_graph
    try:
        if not set(graphs) <= set(old):
            say(f"PUT manifest <{manifest_graph}> (old and new graphs)")
            try:
                client.put(manifest_graph, manifest_ntriples(manifest_graph, [*old, *new]))
            except _RequestFailed as exc:
                raise fail(manifest_graph, f"PUT manifest <{manifest_graph}>", exc.reason) from exc.cause

        for iri in new:
            under_way = iri
            say(f"PUT <{iri}>")
            try:
                client.put(iri, graphs[iri])
            except _RequestFailed as exc:
                raise fail(iri, f"PUT graph <{iri}>", exc.reason) from exc.cause
            pushed.append(iri)
            under_way = None

        for iri in stale:
            under_way = iri
            say(f"DELETE <{iri}>")
            try:
                client.delete(iri)
            except _RequestFailed as exc:
                raise fail(iri, f"DELETE graph <{iri}>", exc.reason) from exc.cause
            deleted.append(iri)
            under_way = None

        under_way = manifest_graph
        say(f"PUT manifest <{manifest_graph}>")
        try:
            client.put(manifest_graph, manifest_ntriples(manifest_graph, new))
        except _RequestFailed as exc:
            raise fail(manifest_graph, f"PUT manifest <{manifest_graph}>", exc.reason) from exc.cause
    except KeyboardInterrupt as stop:
        raise PushInterrupted(PushReport(tuple(pushed), tuple(deleted), under_way, False)) from stop
    return PushReport(tuple(pushed), tuple(deleted), None, False)


def _check_iri(iri: str, what: str) -> None:
    if not isinstance(iri, str) or _IRI.fullmatch(iri) is None:
        raise StoreError(f"{what} IRI {iri!r} is not an absolute IRI that N-Triples can hold")


class _RequestFailed(StoreError):
    """Internal: one request failed; ``reason`` is safe to show (the password is scrubbed)."""

    def __init__(self, reason: str, cause: BaseException | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cause = cause


class _Client:
    """Sends Graph Store Protocol requests to one endpoint with one set of credentials."""

    def __init__(
        self,
        endpoint: str,
        *,
        user: str | None,
        password: str | None,
        auth: Literal["digest", "basic"],
        timeout: float,
    ) -> None:
        parts = check_endpoint(endpoint, "store")
        if parts.fragment:
            raise StoreError(f"the store URL {endpoint!r} must not have a #fragment")
        check_scheme(auth)
        if user is not None and password is None:
            raise StoreError("a user name was given without a password (set MLOPS_GRAPH_PASSWORD)")
        if password is not None and user is None:
            raise StoreError("a password was given without a user name (give --user)")
        if (
            auth == "digest"
            and user is not None
            and password is not None
            and not (user.isascii() and password.isascii())
        ):
            raise StoreError("Digest authentication needs a user name and password made of ASCII characters")
        self.endpoint = endpoint
        self.auth = auth
        self.timeout = timeout
        self._auth = Auth(endpoint, user, password, auth)

    def url(self, graph: str) -> str:
        separator = "&" if urllib.parse.urlsplit(self.endpoint).query else "?"
        if self.endpoint.endswith(("?", "&")):
            separator = ""
        return f"{self.endpoint}{separator}graph={urllib.parse.quote(graph, safe='')}"

    def read_manifest(self, manifest_graph: str) -> list[str]:
        status, content_type, body = self._send("GET", manifest_graph, None, missing_ok=True)
        if status == 404 or not body.strip():
            return []
        return _parse_manifest(manifest_graph, content_type, body)

    def put(self, graph: str, content: bytes) -> None:
        self._send("PUT", graph, content)

    def delete(self, graph: str) -> None:
        self._send("DELETE", graph, None, missing_ok=True)

    def _send(self, method: str, graph: str, data: bytes | None, *, missing_ok: bool = False) -> tuple[int, str, bytes]:
        url = self.url(graph)
        headers = {"Accept": _ACCEPT} if method == "GET" else {}
        if data is not None:
            headers["Content-Type"] = _CONTENT_TYPE
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            answer = self._auth.send(request, self.timeout, read_body=method == "GET")
        except RequestFailed as failure:
            if failure.status is None:
                _log.debug("%s %s -> %s", method, url, type(failure.error).__name__)
                raise _RequestFailed(self._describe_os_error(failure.error), failure.cause) from None
            _log.debug("%s %s -> %s", method, url, failure.status)
            if missing_ok and failure.status == 404:
                return 404, "", b""
            raise _RequestFailed(self._describe_http_error(failure)) from None
        _log.debug("%s %s -> %d (%d bytes sent)", method, url, answer.status, len(data or b""))
        return answer.status, str(answer.headers.get("Content-Type", "")), answer.body

    def _describe_http_error(self, failure: RequestFailed) -> str:
        reason = failure.reason
        if failure.excerpt:
            reason += f": {failure.excerpt}"
        hint = self._hint(failure.status or 0, failure.challenge)
        if hint:
            reason += f" ({hint})"
        return reason

    def _hint(self, code: int, challenge: str) -> str:
        if code == 401:
            scheme = challenge.split(" ", 1)[0].strip().lower()
            if not self._auth.has_credentials:
                return "the store asks for credentials: give --user and set MLOPS_GRAPH_PASSWORD"
            if scheme and scheme != self.auth:
                return (
                    f"the store asks for {scheme.capitalize()} authentication, not {self.auth.capitalize()};"
                    " check --user and MLOPS_GRAPH_PASSWORD"
                )
            if not scheme and self.auth == "basic":
                return (
                    "check --user and MLOPS_GRAPH_PASSWORD; the store may not accept Basic authentication"
                    " (Virtuoso's /sparql-graph-crud-auth takes Digest only)"
                )
            return "check --user and MLOPS_GRAPH_PASSWORD"
        if code == 403:
            return "the user may not write graphs; in Virtuoso, grant it the SPARQL_UPDATE role"
        if code == 404:
            return "check the store URL; for Virtuoso it ends in /sparql-graph-crud-auth"
        return ""

    def _describe_os_error(self, error: BaseException | str | None) -> str:
        if isinstance(error, ConnectionRefusedError):
            return "connection refused (is the store running, and is the URL right?)"
        if isinstance(error, TimeoutError):
            return f"no answer within {self.timeout:g} s"
        text = str(error) or type(error).__name__
        return self._auth.scrub(f"{type(error).__name__}: {text}" if not isinstance(error, str) else text)


def _parse_manifest(manifest_graph: str, content_type: str, body: bytes) -> list[str]:
    import rdflib

    media_type = content_type.split(";", 1)[0].strip().lower()
    parser = _RDF_FORMATS.get(media_type, "turtle")
    graph = rdflib.Graph()
    try:
        graph.parse(data=body, format=parser)
    except Exception as exc:  # rdflib raises parser-specific exception types
        raise _RequestFailed(
            f"the manifest graph is not readable as {media_type or 'Turtle'}: {type(exc).__name__}"
        ) from exc
    found = {
        str(obj)
        for obj in graph.objects(rdflib.URIRef(manifest_graph), rdflib.URIRef(CONTAINS_GRAPH))
        if isinstance(obj, rdflib.URIRef) and str(obj) != manifest_graph
    }
    return sorted(iri for iri in found if _IRI.fullmatch(iri))
