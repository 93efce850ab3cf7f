"""push_graphs against a real Virtuoso (Graph Store Protocol with HTTP Digest authentication)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from mlops_graph.errors import StoreError
from mlops_graph.store.push import CONTAINS_GRAPH, PushError, PushReport, push_graphs

if TYPE_CHECKING:
    from tests.virtuoso_server import VirtuosoServer

# Imported by pytest (not above) so that the fixture module is loaded once, as a plugin.
pytest_plugins = ["tests.virtuoso_server"]

pytestmark = pytest.mark.virtuoso

BASE = "https://example.org/mlops-graph/"
DCT = "http://purl.org/dc/terms/"
MG = "https://w3id.org/mlops-graph/ns#"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def note(slug: str) -> str:
    return f"{BASE}graph/note/{slug}"


def nt(*lines: str) -> bytes:
    return "".join(line + "\n" for line in lines).encode("utf-8")


# The literal holds a double quote, a backslash, a newline, a tab and non-ASCII text (incl. outside the BMP).
HOSTILE = r'"Say \"MLOps\" \\ twice\nthen\tstop: é ü — 機械学習 😀"@en'
HOSTILE_VALUE = 'Say "MLOps" \\ twice\nthen\tstop: é ü — 機械学習 😀'


def graphs_v1() -> dict[str, bytes]:
    return {
        note("what-is-mlops"): nt(
            f"<{BASE}note/what-is-mlops> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{MG}Note> .",
            f"<{BASE}note/what-is-mlops> <{DCT}title> {HOSTILE} .",
            f'<{BASE}note/what-is-mlops> <{DCT}created> "2022-03-14"^^<{XSD_DATE}> .',
            f'<{BASE}note/what-is-mlops> <{MG}tag> "mlops" .',
            f'<{BASE}note/what-is-mlops> <{MG}tag> "devops" .',
            f"<{BASE}note/what-is-mlops> <{MG}metadata> _:m1 .",
            f'_:m1 <{MG}key> "status" .',
        ),
        note("que-es-mlops"): nt(
            f'<{BASE}note/que-es-mlops> <{DCT}title> "¿Qué es MLOps?"@es .',
            f"<{BASE}note/que-es-mlops> <{MG}linksTo> <{BASE}note/what-is-mlops> .",
        ),
        f"{BASE}graph/concepts": nt(
            f'<https://w3id.org/mlops-graph/vocab/mlops> <{SKOS_PREF_LABEL}> "MLOps"@en .',
        ),
    }


def line_count(content: bytes) -> int:
    return sum(1 for line in content.decode().splitlines() if line.strip())


def push(server: VirtuosoServer, graphs: dict[str, bytes], manifest: str, **kwargs: object) -> PushReport:
    return push_graphs(
        graphs,
        server.gsp_endpoint,
        manifest_graph=manifest,
        user=server.user,
        password=server.password,
        timeout=30,
        **kwargs,  # type: ignore[arg-type]
    )


def manifest_entries(server: VirtuosoServer, manifest: str) -> list[str]:
    rows = server.select(f"SELECT ?g WHERE {{ GRAPH <{manifest}> {{ <{manifest}> <{CONTAINS_GRAPH}> ?g }} }}")
    return sorted(row["g"] for row in rows)


@pytest.fixture
def prefix(request: pytest.FixtureRequest) -> str:
    """A graph IRI prefix of the test's own, so tests sharing the server do not see each other's graphs."""
    return f"{BASE}{request.node.name}/"


def rebase(graphs: dict[str, bytes], prefix: str) -> dict[str, bytes]:
    return {prefix + iri.removeprefix(BASE): content for iri, content in graphs.items()}


def test_push_stores_every_triple(virtuoso: VirtuosoServer, prefix: str) -> None:
    graphs = rebase(graphs_v1(), prefix)
    manifest = prefix + "manifest"

    report = push(virtuoso, graphs, manifest)

    assert report == PushReport(tuple(sorted(graphs)), (), None, False)
    for iri, content in graphs.items():
        assert virtuoso.count_triples(iri) == line_count(content), iri
    assert virtuoso.graphs(prefix) == sorted([*graphs, manifest])
    assert manifest_entries(virtuoso, manifest) == sorted(graphs)
    assert virtuoso.count_triples(manifest) == len(graphs)
    titles = virtuoso.select(f"SELECT ?t WHERE {{ GRAPH <{prefix}graph/note/what-is-mlops> {{ ?n <{DCT}title> ?t }} }}")
    assert [row["t"] for row in titles] == [HOSTILE_VALUE]


def test_edited_graph_leaves_no_stale_triple(virtuoso: VirtuosoServer, prefix: str) -> None:
    graphs = rebase(graphs_v1(), prefix)
    manifest = prefix + "manifest"
    push(virtuoso, graphs, manifest)
    edited = prefix + "graph/note/what-is-mlops"
    graphs[edited] = nt(f'<{prefix}note/what-is-mlops> <{DCT}title> "What is MLOps (edited)" .')

    push(virtuoso, graphs, manifest)

    assert virtuoso.count_triples(edited) == 1
    rows = virtuoso.select(f"SELECT ?p ?o WHERE {{ GRAPH <{edited}> {{ ?s ?p ?o }} }}")
    assert rows == [{"p": f"{DCT}title", "o": "What is MLOps (edited)"}]
    for iri, content in graphs.items():
        assert virtuoso.count_triples(iri) == line_count(content), iri


def test_removed_graph_is_deleted(virtuoso: VirtuosoServer, prefix: str) -> None:
    graphs = rebase(graphs_v1(), prefix)
    manifest = prefix + "manifest"
    push(virtuoso, graphs, manifest)
    gone = prefix + "graph/note/que-es-mlops"
    del graphs[gone]

    report = push(virtuoso, graphs, manifest)

    assert report.deleted == (gone,)
    assert report.pushed == tuple(sorted(graphs))
    assert virtuoso.count_triples(gone) == 0
    assert virtuoso.graphs(prefix) == sorted([*graphs, manifest])
    assert manifest_entries(virtuoso, manifest) == sorted(graphs)


def test_dry_run_changes_nothing(virtuoso: VirtuosoServer, prefix: str) -> None:
    graphs = rebase(graphs_v1(), prefix)
    manifest = prefix + "manifest"
    push(virtuoso, graphs, manifest)
    before = {iri: virtuoso.count_triples(iri) for iri in [*graphs, manifest]}
    changed = {prefix + "graph/note/new": nt('<http://ex/s> <http://ex/p> "new" .')}

    report = push(virtuoso, changed, manifest, dry_run=True)

    assert report == PushReport((prefix + "graph/note/new",), tuple(sorted(graphs)), None, True)
    assert {iri: virtuoso.count_triples(iri) for iri in [*graphs, manifest]} == before
    assert virtuoso.count_triples(prefix + "graph/note/new") == 0
    assert manifest_entries(virtuoso, manifest) == sorted(graphs)


def test_bad_password_is_a_clear_error(virtuoso: VirtuosoServer, prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = virtuoso.password + "-wrong"
    with pytest.raises(StoreError) as caught:
        push_graphs(
            rebase(graphs_v1(), prefix),
            virtuoso.gsp_endpoint,
            manifest_graph=prefix + "manifest",
            user=virtuoso.user,
            password=wrong,
        )
    message = str(caught.value)
    assert message.startswith(f"push to {virtuoso.gsp_endpoint}: GET manifest <{prefix}manifest> failed: 401")
    assert "check --user and MLOPS_GRAPH_PASSWORD" in message
    for secret in (wrong, virtuoso.password):
        assert secret not in message and secret not in caplog.text
    assert isinstance(caught.value, PushError)
    assert virtuoso.password not in repr(caught.value.report)
    assert virtuoso.graphs(prefix) == []


def test_basic_auth_is_refused_by_virtuoso_with_a_hint(virtuoso: VirtuosoServer, prefix: str) -> None:
    # Virtuoso answers a Basic Authorization header with a bare 401 (no challenge).
    with pytest.raises(StoreError, match=r"401 Unauthorized \(.*may not accept Basic authentication"):
        push(virtuoso, rebase(graphs_v1(), prefix), prefix + "manifest", auth="basic")
    assert virtuoso.graphs(prefix) == []


def test_malformed_graph_stops_the_push_and_keeps_the_old_content(virtuoso: VirtuosoServer, prefix: str) -> None:
    graphs = rebase(graphs_v1(), prefix)
    manifest = prefix + "manifest"
    push(virtuoso, graphs, manifest)
    broken = prefix + "graph/note/que-es-mlops"
    changed = dict(graphs)
    changed[broken] = nt('<http://ex/s> <http://ex/p> "unterminated .')

    with pytest.raises(PushError) as caught:
        push(virtuoso, changed, manifest)

    assert caught.value.report.failed == broken
    assert caught.value.report.pushed == (prefix + "graph/concepts",)
    assert f"PUT graph <{broken}> failed: 500" in str(caught.value)
    assert "replacing 1 of 3 graph(s) and deleting 0 of 0" in str(caught.value)
    assert virtuoso.count_triples(broken) == line_count(graphs[broken])
    assert manifest_entries(virtuoso, manifest) == sorted(graphs)
