"""The sample corpus pushed to a real Virtuoso with ``mlops-graph push``, compared with the embedded store.

The notes are the sample corpus plus one note whose defined term holds characters that SPARQL text
would have to escape (a double and a single quote, a backslash, ``\\u0041``, braces, ``#``, ``<b>``).
Each test pushes under a base IRI of its own, so tests sharing the server never see each other's graphs.
"""

from __future__ import annotations

import collections
import io
import json
import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import pytest

from mlops_graph.cli import PASSWORD_VARIABLE, main
from mlops_graph.query.named import NamedQuery, named_queries
from mlops_graph.store import embedded, remote
from mlops_graph.store.graphs import graphs_for_push, ontology_graph_iri
from mlops_graph.store.push import CONTAINS_GRAPH
from tests.conftest import CORPUS

if TYPE_CHECKING:
    from tests.virtuoso_server import VirtuosoServer

# Imported by pytest (not above) so that the fixture module is loaded once, as a plugin.
pytest_plugins = ["tests.virtuoso_server"]

virtuoso_test = pytest.mark.virtuoso

BASE = "https://example.org/mlops-graph-store-test/"
XSD = "http://www.w3.org/2001/XMLSchema#"

HOSTILE_TERM = "Quo\"ted 'single' \\u0041 Back\\slash {Ops} #1 <not-a-tag>"
HOSTILE_NOTE = f"""---
title: Hostile term
date: 2022-04-01
---

### What is {HOSTILE_TERM}

[Example](https://example.com/x) said

> {HOSTILE_TERM} is a term that SPARQL text would have to escape, for machine learning models in production.
"""

EDITED_NOTE = "what-is-mlops.md"
OLD_QUOTE = "A set of practices that aims to deploy and maintain machine learning models in production reliably and efficiently"
NEW_QUOTE = "A set of practices that aims to deploy and maintain machine learning models in production, edited"
DELETED_NOTE = "reading-list.md"

# A query whose only use of its parameter is inside a FILTER of the top-level group.
COUNT_TEXT = NamedQuery(
    "count-text",
    "definitions whose text is exactly the parameter",
    "# param: text\nSELECT (COUNT(?d) AS ?n) WHERE { ?d a mg:Definition ; prov:value ?v . FILTER (STR(?v) = ?text) }",
    ("text",),
)


def run_cli(argv: list[str], password: str | None = None) -> tuple[int, str, str]:
    """``mlops-graph ARGV`` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        if password is None:
            patch.delenv(PASSWORD_VARIABLE, raising=False)
        else:
            patch.setenv(PASSWORD_VARIABLE, password)
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@dataclass
class Deployment:
    """A notes folder, its build and the graphs a push of it wrote to the server."""

    server: VirtuosoServer
    notes: Path
    out: Path
    base: str

    @property
    def manifest(self) -> str:
        return f"{self.base}graph/manifest"

    def build(self) -> None:
        code, _, err = run_cli(["build", str(self.notes), "-o", str(self.out), "--base-iri", self.base,
                                "--no-html", "-q"])
        assert code == 0, err

    def push(self, *extra: str, password: str | None = None) -> tuple[int, str, str]:
        return run_cli(
            ["push", "--endpoint", self.server.gsp_endpoint, "--user", self.server.user, "-o", str(self.out),
             "--base-iri", self.base, *extra],
            self.server.password if password is None else password,
        )

    def graph_count(self) -> int:
        """How many graphs a push of the current build sends."""
        return len(graphs_for_push(self.out, self.base)[0])

    def embedded_store(self) -> ox.Store:
        store = ox.Store()
        store.bulk_load(path=str(self.out / "graph.trig"), format=ox.RdfFormat.TRIG)
        return store

    def data_graphs(self) -> list[str]:
        return remote.data_graphs(self.server.sparql_endpoint, self.manifest, base_iri=self.base)

    def remote_counts(self) -> dict[str, int]:
        """Triples per named graph under this deployment's base IRI, on the server."""
        result = remote.run_select(
            self.server.sparql_endpoint,
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), {json.dumps(self.base)})) }}"
            " GROUP BY ?g",
        )
        return {str(g): int(str(n)) for g, n in result.rows}

    def remote_query(self, query: NamedQuery, params: dict[str, str] | None = None) -> embedded.Result:
        return remote.run_query(self.server.sparql_endpoint, query, params, default_graphs=self.data_graphs())


def embedded_counts(store: ox.Store) -> dict[str, int]:
    counts: collections.Counter[str] = collections.Counter()
    for quad in store:
        assert isinstance(quad.graph_name, ox.NamedNode), "graph.trig holds only named graphs"
        counts[quad.graph_name.value] += 1
    return dict(counts)


def deploy(server: VirtuosoServer, folder: Path, base: str) -> Deployment:
    notes = folder / "notes"
    shutil.copytree(CORPUS, notes)
    (notes / "hostile-term.md").write_text(HOSTILE_NOTE, encoding="utf-8")
    deployment = Deployment(server, notes, folder / "output", base)
    deployment.build()
    code, out, err = deployment.push()
    assert code == 0, err
    assert out == f"pushed {deployment.graph_count()} graphs, deleted 0 to {server.gsp_endpoint}\n"
    return deployment


@pytest.fixture(scope="module")
def pushed(virtuoso: VirtuosoServer, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """The corpus, built and pushed once for the read-only tests of this module."""
    return deploy(virtuoso, tmp_path_factory.mktemp("store-corpus"), BASE + "shared/")


@pytest.fixture
def fresh(virtuoso: VirtuosoServer, tmp_path: Path, request: pytest.FixtureRequest) -> Deployment:
    """The corpus, built and pushed for one test that changes the store."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)
    return deploy(virtuoso, tmp_path, f"{BASE}{name}/")


# ---------------------------------------------------------------------------------------------
# Triple counts
# ---------------------------------------------------------------------------------------------


@virtuoso_test
def test_every_graph_holds_as_many_triples_as_the_embedded_store(pushed: Deployment) -> None:
    store = pushed.embedded_store()
    expected = embedded_counts(store)
    remote_counts = pushed.remote_counts()
    sent, manifest = graphs_for_push(pushed.out, pushed.base)
    ontology = ontology_graph_iri(pushed.base)

    assert sum(1 for g in expected if g.startswith(f"{pushed.base}graph/note/")) == 15
    assert {g: n for g, n in remote_counts.items() if g not in (manifest, ontology)} == expected
    # The ontology graph is pushed but is not part of graph.trig: compare it with what was sent.
    assert remote_counts[ontology] == len(sent[ontology].decode().splitlines())
    assert remote_counts[manifest] == len(sent)
    assert sorted(remote_counts) == sorted([*sent, manifest])


@virtuoso_test
def test_total_over_the_pushed_graphs_equals_the_embedded_store(pushed: Deployment) -> None:
    store = pushed.embedded_store()
    count = NamedQuery("count", "", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    embedded_total = embedded.run_query(store, count).rows
    remote_total = pushed.remote_query(count).rows

    assert embedded_total == ((str(len(store)),),)
    assert remote_total == embedded_total
    assert sorted(pushed.data_graphs()) == sorted(embedded_counts(store))


@virtuoso_test
def test_without_default_graph_uri_virtuoso_queries_every_graph(pushed: Deployment) -> None:
    # Virtuoso's /sparql takes the union of all its graphs (its own system graphs too) as the default
    # graph when the request names none.
    notes = NamedQuery(
        "notes", "", f"SELECT (COUNT(*) AS ?n) WHERE {{ ?note a mg:Note . FILTER STRSTARTS(STR(?note), {json.dumps(pushed.base)}) }}"
    )
    everything = NamedQuery("all", "", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")

    assert remote.run_query(pushed.server.sparql_endpoint, notes).rows == (("15",),)
    total_everywhere = int(str(remote.run_query(pushed.server.sparql_endpoint, everything).rows[0][0]))
    assert total_everywhere > sum(pushed.remote_counts().values())


# ---------------------------------------------------------------------------------------------
# Named queries: the same rows on both stores
# ---------------------------------------------------------------------------------------------

# Virtuoso 7.2 sorts the result of LCASE (and UCASE) with every string over 20 characters before the
# shorter ones. The named queries therefore order by STR(LCASE(STR(?label))), or by a key bound to
# CONCAT("~", LCASE(STR(?label))), which both sort alike on both stores (the ordered comparisons
# below check it); this keeps them from going back.
_BARE_LCASE_ORDER = re.compile(r'(?:ORDER BY|BIND)[^\n]*(?<!STR\()(?<!CONCAT\("~", )[LU]CASE\(')


def test_no_named_query_orders_by_bare_lcase() -> None:
    assert [name for name, query in named_queries().items() if _BARE_LCASE_ORDER.search(query.text)] == []


def cases(*, order_matters: bool) -> list[Any]:
    return list(_cases(order_matters))


def _cases(order_matters: bool) -> Iterator[Any]:
    for name, query in named_queries().items():
        if query.parameters:
            for term in ("MLOps", "mlops", "feature store", HOSTILE_TERM):
                yield pytest.param(name, {"term": term}, id=f"{name}-{term[:13]}")
        else:
            yield pytest.param(name, {}, id=name)


def normalised_terms(result: embedded.Result) -> collections.Counter[str]:
    """Each solution as a canonical JSON string of its RDF terms (type, value, datatype, language).

    One normalisation: Oxigraph's store keeps a literal typed with a type derived from xsd:integer
    (oa:start and oa:end are xsd:nonNegativeInteger) as xsd:integer, where Virtuoso keeps the
    datatype written in the data. Such datatypes are compared as xsd:integer. Virtuoso's JSON says
    "typed-literal" and types non-ASCII strings as xsd:string; reading the results with pyoxigraph
    (in remote.run_query) already makes those plain literals.
    """
    integer_types = {XSD + t for t in ("nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                                       "negativeInteger", "long", "int", "short", "byte", "unsignedLong",
                                       "unsignedInt", "unsignedShort", "unsignedByte")}
    solutions: collections.Counter[str] = collections.Counter()
    for binding in json.loads(result.raw["json"])["results"]["bindings"]:
        for term in binding.values():
            if term.get("datatype") in integer_types:
                term["datatype"] = XSD + "integer"
        solutions[json.dumps(binding, sort_keys=True, ensure_ascii=False)] += 1
    return solutions


@virtuoso_test
@pytest.mark.parametrize(("name", "params"), cases(order_matters=True))
def test_named_query_rows_match(pushed: Deployment, name: str, params: dict[str, str]) -> None:
    query = named_queries()[name]
    expected = embedded.run_query(pushed.embedded_store(), query, params)
    actual = pushed.remote_query(query, params)

    assert expected.rows, "the sample corpus gives every case at least one row"
    assert actual.columns == expected.columns
    assert actual.rows == expected.rows


@virtuoso_test
@pytest.mark.parametrize(("name", "params"), cases(order_matters=False))
def test_named_query_terms_match(pushed: Deployment, name: str, params: dict[str, str]) -> None:
    """The same solutions, order aside, down to each term's datatype and language tag."""
    query = named_queries()[name]
    expected = embedded.run_query(pushed.embedded_store(), query, params)
    actual = pushed.remote_query(query, params)

    assert expected.rows
    assert normalised_terms(actual) == normalised_terms(expected)


@virtuoso_test
def test_compare_finds_the_hostile_term_on_both_stores(pushed: Deployment) -> None:
    query = named_queries()["compare"]
    for result in (embedded.run_query(pushed.embedded_store(), query, {"term": HOSTILE_TERM}),
                   pushed.remote_query(query, {"term": HOSTILE_TERM})):
        assert [row[:2] for row in result.rows] == [(HOSTILE_TERM, "Example")]


@pytest.mark.parametrize(
    "value",
    [
        'x") ("MLOps',  # pasted into the VALUES block as text, this would add a second row: MLOps
        'MLOps" ) } UNION { ?concept ?p ?label } FILTER ("a" = "a',
        "MLOps' } #",
        "MLOps\n} UNION {",
        'x\\" }',
        "MLOps\\u0022 }",
    ],
)
@virtuoso_test
def test_a_parameter_never_changes_the_query(pushed: Deployment, value: str) -> None:
    query = named_queries()["compare"]

    assert pushed.remote_query(query, {"term": value}).rows == ()
    assert embedded.run_query(pushed.embedded_store(), query, {"term": value}).rows == ()


# ---------------------------------------------------------------------------------------------
# Pushing again: edits, deletions, bad credentials, dry runs, failures half-way
# ---------------------------------------------------------------------------------------------


def edit_quote(notes: Path) -> None:
    path = notes / EDITED_NOTE
    text = path.read_text(encoding="utf-8")
    assert text.count(OLD_QUOTE) == 1
    path.write_text(text.replace(OLD_QUOTE, NEW_QUOTE), encoding="utf-8")


def text_count(deployment: Deployment, text: str) -> int:
    return int(str(deployment.remote_query(COUNT_TEXT, {"text": text}).rows[0][0]))


@virtuoso_test
def test_an_edited_quote_leaves_no_stale_triple(fresh: Deployment) -> None:
    assert text_count(fresh, OLD_QUOTE) == 1
    edit_quote(fresh.notes)
    fresh.build()

    code, out, err = fresh.push()

    assert code == 0, err
    assert out.startswith(f"pushed {fresh.graph_count()} graphs, deleted 0 to ")
    assert text_count(fresh, OLD_QUOTE) == 0
    assert text_count(fresh, NEW_QUOTE) == 1
    expected = embedded_counts(fresh.embedded_store())
    remote_counts = fresh.remote_counts()
    assert {g: remote_counts[g] for g in expected} == expected
    old_quote_anywhere = NamedQuery(
        "old", "", f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?v }} FILTER (STR(?v) = {json.dumps(OLD_QUOTE)}"
        f" && STRSTARTS(STR(?g), {json.dumps(fresh.base)})) }}"
    )
    assert remote.run_query(fresh.server.sparql_endpoint, old_quote_anywhere).rows == ()


@virtuoso_test
def test_a_deleted_note_loses_its_graph(fresh: Deployment) -> None:
    gone = f"{fresh.base}graph/note/reading-list"
    assert fresh.remote_counts()[gone] > 0
    (fresh.notes / DELETED_NOTE).unlink()
    fresh.build()

    code, out, err = fresh.push()

    assert code == 0, err
    assert out.startswith(f"pushed {fresh.graph_count()} graphs, deleted 1 to ")
    remote_counts = fresh.remote_counts()
    assert gone not in remote_counts
    assert gone not in fresh.data_graphs()
    expected = embedded_counts(fresh.embedded_store())
    assert {g: n for g, n in remote_counts.items() if g in fresh.data_graphs()} == expected
    assert gone not in expected


@virtuoso_test
def test_a_bad_password_is_a_clear_error(virtuoso: VirtuosoServer, tmp_path: Path) -> None:
    deployment = Deployment(virtuoso, tmp_path / "notes", tmp_path / "output", f"{BASE}bad-password/")
    shutil.copytree(CORPUS, deployment.notes)
    deployment.build()
    wrong = virtuoso.password + "-wrong"

    code, out, err = deployment.push(password=wrong)

    assert code != 0
    assert out == ""
    assert virtuoso.gsp_endpoint in err
    assert "401" in err and "check --user and MLOPS_GRAPH_PASSWORD" in err
    assert "no graph was replaced or deleted" in err
    for secret in (wrong, virtuoso.password):
        assert secret not in err
    assert deployment.remote_counts() == {}


@virtuoso_test
def test_dry_run_changes_nothing(fresh: Deployment) -> None:
    before = fresh.remote_counts()
    edit_quote(fresh.notes)
    (fresh.notes / DELETED_NOTE).unlink()
    fresh.build()

    code, out, err = fresh.push("--dry-run")

    assert code == 0, err
    assert out.startswith(f"would push {fresh.graph_count()} graphs, would delete 1 to ")
    assert fresh.remote_counts() == before
    assert text_count(fresh, OLD_QUOTE) == 1
    assert text_count(fresh, NEW_QUOTE) == 0


@virtuoso_test
def test_a_push_that_fails_half_way_names_what_it_changed(fresh: Deployment, monkeypatch: pytest.MonkeyPatch) -> None:
    import mlops_graph.store.graphs as graphs_module

    broken = f"{fresh.base}graph/note/what-is-model-serving"
    real = graphs_module.graphs_for_push

    def with_a_broken_graph(out_dir: Path, base_iri: str) -> tuple[dict[str, bytes], str]:
        graphs, manifest = real(out_dir, base_iri)
        graphs[broken] = b'<http://example.org/s> <http://example.org/p> "unterminated .\n'
        return graphs, manifest

    monkeypatch.setattr(graphs_module, "graphs_for_push", with_a_broken_graph)
    edit_quote(fresh.notes)
    fresh.build()
    sent, _ = real(fresh.out, fresh.base)
    before_broken = [g for g in sorted(sent) if g < broken]

    code, out, err = fresh.push()

    assert code == 1
    assert out == ""
    assert f"PUT graph <{broken}> failed: 500" in err
    listed = re.findall(r"^  replaced <([^>]+)>$", err, re.M)
    assert listed == before_broken
    assert text_count(fresh, OLD_QUOTE) == 0  # what-is-mlops sorts before what-is-model-serving
    assert text_count(fresh, NEW_QUOTE) == 1
    assert fresh.remote_counts()[broken] > 0  # the broken graph kept its old content

    monkeypatch.setattr(graphs_module, "graphs_for_push", real)
    code, out, err = fresh.push()
    assert code == 0, err
    expected = embedded_counts(fresh.embedded_store())
    remote_counts = fresh.remote_counts()
    assert {g: remote_counts[g] for g in expected} == expected


@virtuoso_test
def test_the_manifest_lists_exactly_the_pushed_graphs(pushed: Deployment) -> None:
    rows = pushed.server.select(
        f"SELECT ?g WHERE {{ GRAPH <{pushed.manifest}> {{ <{pushed.manifest}> <{CONTAINS_GRAPH}> ?g }} }}"
    )
    sent, _ = graphs_for_push(pushed.out, pushed.base)
    assert sorted(row["g"] for row in rows) == sorted(sent)


# ---------------------------------------------------------------------------------------------
# Binding parameters into the query text (no server needed)
# ---------------------------------------------------------------------------------------------


@virtuoso_test
def test_cli_queries_the_server_with_endpoint(pushed: Deployment) -> None:
    text = (
        "SELECT ?file (COUNT(?d) AS ?definitions) WHERE { ?n mg:file ?file ; mg:hasDefinition ?d . "
        f"FILTER STRSTARTS(STR(?n), {json.dumps(pushed.base)}) }} GROUP BY ?file ORDER BY ?file"
    )
    code, out, err = run_cli(["query", text, "--endpoint", pushed.server.sparql_endpoint, "--format", "csv"])
    assert code == 0, err
    remote_rows = out.splitlines()
    local = embedded.run_query(pushed.embedded_store(), NamedQuery("inline", "", text))
    assert remote_rows[0] == "file,definitions"
    assert remote_rows[1:] == [f"{f},{n}" for f, n in local.rows]
    assert len(remote_rows) > 10


@virtuoso_test
def test_verbose_push_never_shows_the_password(fresh: Deployment, caplog: pytest.LogCaptureFixture) -> None:
    edit_quote(fresh.notes)
    fresh.build()
    with caplog.at_level(logging.DEBUG):
        code, out, err = fresh.push("--verbose")
        bad_code, bad_out, bad_err = fresh.push("--verbose", password=fresh.server.password + "-x")
    assert code == 0, err
    assert "PUT <" in err
    assert bad_code != 0
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (fresh.server.password, fresh.server.password + "-x"):
        for text in (out, err, bad_out, bad_err, logged):
            assert secret not in text
