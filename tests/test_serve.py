"""``mlops-graph serve``: a build as a read-only SPARQL endpoint, queried over HTTP as any SPARQL
client would (SPARQL 1.1 Protocol, JSON and CSV results)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import signal
import socket
import urllib.parse
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pyoxigraph as ox
import pytest

from mlops_graph.cli import main
from mlops_graph.query.named import named_queries
from tests.conftest import ROOT
from tests.live_support import Running, free_port, listening, request, select, servers_on

#: Values for the queries' parameters: labels of concepts that the sample notes define.
ARGUMENTS = {"term": "MLOps"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A build of the sample notes and the endpoint serving it."""
    work = tmp_path_factory.mktemp("serve")
    shutil.copytree(ROOT / "tests" / "fixtures" / "corpus", work / "notes")
    assert run("build", str(work / "notes"), "-o", str(work / "out"), "-q", "--no-html")[0] == 0
    port = free_port()
    server = Running("serve", str(work / "out"), "--port", str(port))
    try:
        line = server.line("http://")
        yield work / "out", endpoint_in(line)
    finally:
        server.close()
    assert not servers_on(port), "the Oxigraph server outlived mlops-graph serve"


def endpoint_in(line: str) -> str:
    found = re.search(r"http://\S+/query", line)
    assert found, line
    return found.group()


def quads(graph_file: Path) -> int:
    store = ox.Store()
    store.bulk_load(path=str(graph_file), format=ox.RdfFormat.TRIG)
    return len(store)


def test_it_says_where_the_endpoint_is_and_that_it_is_read_only(served: tuple[Path, str]) -> None:
    _, endpoint = served
    assert endpoint.startswith("http://127.0.0.1:") and endpoint.endswith("/query")
    status, body = request(endpoint + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}),
                           headers={"Accept": "application/sparql-results+json"})
    assert (status, json.loads(body)["boolean"]) == (200, True)


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_gives_the_same_rows_as_the_embedded_store(served: tuple[Path, str], name: str) -> None:
    out, endpoint = served
    args = [ARGUMENTS[p] for p in named_queries()[name].parameters]
    local = run("query", name, *args, "--graph", str(out / "graph.trig"), "--format", "csv")
    remote = run("query", name, *args, "--endpoint", endpoint, "--format", "csv")
    assert local[0] == 0, local[2]
    assert remote == local
    assert len(local[1].splitlines()) > 1, "a query with no rows compares nothing"


def test_the_default_graph_is_the_union_of_the_named_graphs(served: tuple[Path, str]) -> None:
    out, endpoint = served
    counted = select(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    in_graphs = select(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(counted[0]["n"]) == int(in_graphs[0]["n"]) == quads(out / "graph.trig")


def test_results_come_as_csv_too_and_by_post(served: tuple[Path, str]) -> None:
    _, endpoint = served
    query = "SELECT ?note ?title WHERE { ?note <http://purl.org/dc/terms/title> ?title } ORDER BY ?note"
    status, body = request(endpoint, urllib.parse.urlencode({"query": query}).encode(),
                           headers={"Accept": "text/csv", "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["note", "title"]
    assert len(rows) > 1
    assert [row[1] for row in rows[1:]] == [row["title"] for row in select(endpoint, query)]


def test_updates_and_graph_store_writes_are_refused(served: tuple[Path, str]) -> None:
    _, endpoint = served
    base = endpoint.removesuffix("/query")
    before = select(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    insert = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    turtle = b"<urn:x:a> <urn:x:b> <urn:x:c> ."
    writes = [
        (f"{base}/update", urllib.parse.urlencode({"update": insert}).encode(), "POST",
         "application/x-www-form-urlencoded"),
        (f"{base}/update", insert.encode(), "POST", "application/sparql-update"),
        (f"{base}/update", b"DROP ALL", "POST", "application/sparql-update"),
        (f"{base}/store?default", turtle, "PUT", "text/turtle"),
        (f"{base}/store?default", turtle, "POST", "text/turtle"),
        (f"{base}/store?graph=urn:x:g", turtle, "PUT", "text/turtle"),
        (f"{base}/store?default", None, "DELETE", None),
        (f"{base}/store", turtle, "POST", "text/turtle"),
    ]
    for url, data, method, kind in writes:
        status, _ = request(url, data, method=method, headers={"Content-Type": kind} if kind else {})
        assert status == 403, (method, url, status)
    graphs = select(endpoint, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    named = next(row["g"] for row in graphs)
    status, _ = request(f"{base}/store?{urllib.parse.urlencode({'graph': named})}", method="DELETE")
    assert status == 403
    assert select(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before
    assert select(endpoint, "SELECT ?p WHERE { <urn:x:a> ?p ?o }") == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_it_leaves_nothing_running(served: tuple[Path, str], signum: int) -> None:
    out, _ = served
    port = free_port()
    server = Running("serve", str(out), "--port", str(port))
    try:
        server.line("http://")
        assert listening(port) and servers_on(port)
        assert server.stop(signum) == 0
    finally:
        server.close()
    assert server.line("stopped")
    assert not servers_on(port)
    assert not listening(port)


def test_a_port_in_use_is_said_clearly(served: tuple[Path, str]) -> None:
    out, _ = served
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run("serve", str(out), "--port", str(port))
        assert code == 2
        assert f"127.0.0.1:{port} is in use" in err and "--port" in err
        assert not servers_on(port)


def test_no_build_is_said_clearly(tmp_path: Path) -> None:
    code, _, err = run("serve", str(tmp_path / "nothing"), "--port", str(free_port()))
    assert code == 2
    assert "no build there" in err and "mlops-graph build" in err


def test_an_address_not_of_this_machine_is_said_clearly(served: tuple[Path, str]) -> None:
    out, _ = served
    code, _, err = run("serve", str(out), "--bind", "192.0.2.1", "--port", str(free_port()))
    assert code == 2
    assert "192.0.2.1" in err and "not an address of this machine" in err


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_port_that_is_not_one_is_refused(served: tuple[Path, str], port: str) -> None:
    with pytest.raises(SystemExit) as stop:
        run("serve", str(served[0]), "--port", port)
    assert stop.value.code == 2
