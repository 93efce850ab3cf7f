"""Named queries against a remote store over the SPARQL 1.1 Protocol.

:func:`run_query` sends a SELECT query (a :class:`NamedQuery`, with the project's prefixes put in
front) to a SPARQL endpoint such as Virtuoso's ``/sparql``, Fuseki's ``/{dataset}/sparql``, GraphDB's
``/repositories/{id}`` or Oxigraph server's ``/query``, and returns the same :class:`Result` as the
embedded store.

Parameters are bound exactly as for the embedded store (:mod:`mlops_graph.query.binding`): a
``VALUES`` block first in the query's top-level ``WHERE`` group, never text pasted into the query;
the label of a concept parameter is looked up on the endpoint itself. The query text with the block
is parsed by Oxigraph before it is sent; a query that does not parse is refused.

The dataset: with ``default_graphs`` the query's default graph is the merge of those graphs (the
protocol's ``default-graph-uri`` parameters). Without it, the endpoint decides: Virtuoso's
``/sparql`` then queries every graph it holds, its own system graphs included; Fuseki and Oxigraph
server query their real default graph unless configured with a union default graph. Use
:func:`data_graphs` to get the graphs a ``mlops-graph push`` wrote, which hold exactly what the
build's ``graph.trig`` holds. Neither Oxigraph's union default graph nor Virtuoso's merge of
``default-graph-uri`` graphs removes a triple that several graphs hold, so counts agree between the
two.

Results come back as SPARQL JSON, are read by pyoxigraph and written again as JSON, CSV and TSV,
so that ``Result.raw`` holds the same W3C serialisations as the embedded store's. A Virtuoso result
cut short by its ``ResultSetMaxRows`` setting (it says so in an ``X-SPARQL-MaxRows`` header) is an
error, never a silently shorter table.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Literal

import pyoxigraph as ox

from mlops_graph.errors import QueryError, StoreError
from mlops_graph.namespaces import sparql_prologue
from mlops_graph.query.binding import bound_text, concepts_by_label
from mlops_graph.query.named import NamedQuery
from mlops_graph.store.embedded import RESULT_FORMATS, Result
from mlops_graph.store.graphs import ontology_graph_iri
from mlops_graph.store.http import Auth, RequestFailed, check_endpoint, check_scheme
from mlops_graph.store.push import CONTAINS_GRAPH

__all__ = ["data_graphs", "run_query", "run_select"]

_ACCEPT = "application/sparql-results+json"

def run_query(
    endpoint: str,
    query: NamedQuery,
    params: Mapping[str, str] | None = None,
    *,
    default_graphs: Sequence[str] | None = None,
    base_iri: str | None = None,
    user: str | None = None,
    password: str | None = None,
    auth: Literal["digest", "basic"] = "digest",
    timeout: float = 60.0,
) -> Result:
    """Run a named SELECT query on the SPARQL endpoint ``endpoint``; parameters are bound as literals.

    ``default_graphs`` lists the graphs whose merge is the default graph (``None``: the endpoint's
    own default). ``user`` and ``password`` are sent with Digest (answering the server's challenge)
    or Basic authentication. Raises :class:`QueryError` for a wrong parameter, a query that is not
    a valid SELECT query or that the endpoint rejects, and :class:`StoreError` when the endpoint
    cannot be reached or refuses the credentials.
    """
    prologue = sparql_prologue(base_iri or "")

    def iris(label: str) -> list[str]:
        found = run_select(endpoint, prologue + concepts_by_label(label), default_graphs=default_graphs,
                           user=user, password=password, auth=auth, timeout=timeout, name=query.name)
        return [row[0] for row in found.rows if row and row[0] is not None]

    text = prologue + bound_text(query, params, iris)
    try:
        checked = ox.Store().query(text)
    except SyntaxError as exc:
        raise QueryError(f"query {query.name!r} is not valid SPARQL: {exc}") from exc
    if not isinstance(checked, ox.QuerySolutions):
        raise QueryError(f"query {query.name!r} is not a SELECT query")
    return run_select(endpoint, text, default_graphs=default_graphs, user=user, password=password,
                      auth=auth, timeout=timeout, name=query.name)


def run_select(
    endpoint: str,
    text: str,
    *,
    default_graphs: Sequence[str] | None = None,
    user: str | None = None,
    password: str | None = None,
    auth: Literal["digest", "basic"] = "digest",
    timeout: float = 60.0,
    name: str = "inline",
) -> Result:
    """Send the complete SELECT query ``text`` as it is (no prefixes added, no parameters bound)."""
    body = _post(endpoint, text, default_graphs, user=user, password=password, auth=auth,
                 timeout=timeout, name=name)
    raw: dict[str, bytes] = {}
    for fmt_name, fmt in RESULT_FORMATS.items():
        try:
            solutions = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            if not isinstance(solutions, ox.QuerySolutions):
                raise QueryError(f"{endpoint}: the answer to query {name!r} is not a table of solutions")
            data = solutions.serialize(format=fmt)  # the rows are read here
        except QueryError:
            raise
        except (SyntaxError, ValueError) as exc:
            raise QueryError(
                f"{endpoint}: the answer to query {name!r} is not SPARQL JSON results: {exc}"
            ) from exc
        assert data is not None
        raw[fmt_name] = data
    return Result.from_raw(raw)


def data_graphs(
    endpoint: str,
    manifest_graph: str,
    *,
    base_iri: str,
    include_ontology: bool = False,
    user: str | None = None,
    password: str | None = None,
    auth: Literal["digest", "basic"] = "digest",
    timeout: float = 60.0,
) -> list[str]:
    """The graphs the last push listed in its manifest graph, sorted; without the ontology graph
    (ontology, shapes and curated vocabulary) unless ``include_ontology``. Empty when nothing was pushed.
    """
    text = f"SELECT ?g WHERE {{ GRAPH <{manifest_graph}> {{ <{manifest_graph}> <{CONTAINS_GRAPH}> ?g }} }}"
    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        raise QueryError(f"the manifest graph IRI {manifest_graph!r} cannot be queried: {exc}") from exc
    result = run_select(endpoint, text, user=user, password=password, auth=auth, timeout=timeout,
                        name="manifest")
    found = {row[0] for row in result.rows if row[0]}
    if not include_ontology:
        found.discard(ontology_graph_iri(base_iri))
    return sorted(found)


def _post(
    endpoint: str,
    text: str,
    default_graphs: Sequence[str] | None,
    *,
    user: str | None,
    password: str | None,
    auth: Literal["digest", "basic"],
    timeout: float,
    name: str,
) -> bytes:
    check_endpoint(endpoint, "endpoint")
    if (user is None) != (password is None):
        raise StoreError("give both a user name and a password, or neither")
    check_scheme(auth)
    headers = {"Accept": _ACCEPT, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request_data = urllib.parse.urlencode(
        [("query", text), *(("default-graph-uri", g) for g in (default_graphs or ()))]
    ).encode("ascii")
    request = urllib.request.Request(endpoint, data=request_data, headers=headers, method="POST")
    credentials = Auth(endpoint, user, password, auth)
    try:
        answer = credentials.send(request, timeout)
    except RequestFailed as failure:
        if failure.status in (401, 403):
            hint = ("the endpoint asks for credentials" if user is None
                    else "check the user name and password")
            raise StoreError(f"{endpoint}: query {name!r} refused: {failure.reason} ({hint})") from None
        if failure.status is not None:
            detail = f": {failure.excerpt}" if failure.excerpt else ""
            raise QueryError(f"{endpoint}: query {name!r} failed: {failure.reason}{detail}") from None
        raise StoreError(credentials.scrub(f"{endpoint}: cannot reach the endpoint: {failure.reason}")) from None
    max_rows = answer.headers.get("X-SPARQL-MaxRows")
    if max_rows is not None:
        raise QueryError(
            f"{endpoint}: the answer to query {name!r} was cut at {max_rows} rows by the endpoint"
            " (Virtuoso's [SPARQL] ResultSetMaxRows); raise that limit or narrow the query"
        )
    return answer.body
