"""push_graphs against a small in-process Graph Store Protocol server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import socket
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import mlops_graph.store.push as push_module
from mlops_graph.errors import MlopsGraphError, StoreError
from mlops_graph.store.push import (
    CONTAINS_GRAPH,
    PushError,
    PushInterrupted,
    PushReport,
    manifest_ntriples,
    push_graphs,
)

PASSWORD = "pw-Secret:'\"%&+ 42"
USER = "loader"
REALM = "test-realm"
MANIFEST = "https://example.org/mlops-graph/graph/manifest"
BASE = "https://example.org/mlops-graph/graph/note/"


@dataclass
class Recorded:
    method: str
    path: str
    graph: str | None
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeStore:
    """An in-memory Graph Store: graph IRI -> (content type, body)."""

    auth: str | None = None  # None, "digest" or "basic"
    graphs: dict[str, bytes] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    fail: dict[tuple[str, str], tuple[int, bytes]] = field(default_factory=dict)  # (method, graph) -> reply
    delay: float = 0.0
    released: threading.Event = field(default_factory=threading.Event)
    """Set when the test ends: a request held by ``delay`` is let go at once."""
    nonces: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def data_requests(self) -> list[tuple[str, str | None]]:
        """(method, graph) of every request that got past authentication."""
        return [(r.method, r.graph) for r in self.requests if "authorization" in r.headers or not self.auth]


def _digest_ok(store: FakeStore, method: str, header: str) -> bool:
    if not header.startswith("Digest "):
        return False
    fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(header[len("Digest ") :]))
    if fields.get("username") != USER or fields.get("nonce") not in store.nonces:
        return False

    def h(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1 = h(f"{USER}:{REALM}:{PASSWORD}")
    ha2 = h(f"{method}:{fields['uri']}")
    expected = h(f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:{fields['qop']}:{ha2}")
    return secrets.compare_digest(expected, fields.get("response", ""))


def make_handler(store: FakeStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else b""
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            graph = query["graph"][0] if "graph" in query else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            with store.lock:
                store.requests.append(Recorded(self.command, self.path, graph, headers, body))
            if store.delay:
                store.released.wait(store.delay)
            given = self.headers.get("Authorization", "")
            if store.auth == "digest" and not _digest_ok(store, self.command, given):
                nonce = secrets.token_hex(8)
                store.nonces.add(nonce)
                challenge = f'Digest realm="{REALM}", nonce="{nonce}", qop="auth", algorithm="MD5"'
                self._reply(401, b"", {"WWW-Authenticate": challenge, "Connection": "close"})
                return
            if store.auth == "basic":
                token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if given != f"Basic {token}":
                    self._reply(401, b"", {"WWW-Authenticate": f'Basic realm="{REALM}"'})
                    return
            if graph is None:
                self._reply(400, b"no graph parameter")
                return
            if (self.command, graph) in store.fail:
                status, reply = store.fail[(self.command, graph)]
                self._reply(status, reply, {"Content-Type": "text/html; charset=UTF-8"})
                return
            if self.command == "GET":
                if graph not in store.graphs:
                    self._reply(404, b"not found")
                else:
                    self._reply(200, store.graphs[graph], {"Content-Type": "application/n-triples"})
            elif self.command == "PUT":
                existed = graph in store.graphs
                store.graphs[graph] = body
                self._reply(204 if existed else 201)
            elif self.command == "DELETE":
                if store.graphs.pop(graph, None) is None:
                    self._reply(404, b"not found")
                else:
                    self._reply(204)
            else:
                self._reply(405)

        do_GET = do_PUT = do_DELETE = _handle

    return Handler


@dataclass
class Server:
    store: FakeStore
    endpoint: str


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up waiting (the timeout test) is no error of the fake store's, and the
        traceback socketserver would print could land in another test's captured output."""


@pytest.fixture
def server() -> Iterator[Server]:
    store = FakeStore()
    httpd = _QuietServer(("127.0.0.1", 0), make_handler(store))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield Server(store, f"http://127.0.0.1:{httpd.server_address[1]}/store")
    finally:
        store.released.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def nt(*lines: str) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


def listing(*graphs: str) -> bytes:
    """The manifest that lists ``graphs``, written out here: one sorted line per graph."""
    return nt(*(f"<{MANIFEST}> <{CONTAINS_GRAPH}> <{graph}> ." for graph in sorted(graphs)))


def sample(*names: str) -> dict[str, bytes]:
    return {BASE + name: nt(f'<{BASE}{name}> <http://purl.org/dc/terms/title> "{name}" .') for name in names}


def test_request_order_urls_and_bodies(server: Server) -> None:
    graphs = sample("b", "a", "c")
    odd = "https://example.org/g?x=1&y=2#frag-é"
    graphs[odd] = nt('<http://ex/s> <http://ex/p> "odd" .')
    report = push_graphs(graphs, server.endpoint, manifest_graph=MANIFEST)

    expected_order = sorted(graphs)
    assert report == PushReport(tuple(expected_order), (), None, False)
    methods = [(r.method, r.graph) for r in server.store.requests]
    assert methods == [
        ("GET", MANIFEST),
        ("PUT", MANIFEST),
        *[("PUT", g) for g in expected_order],
        ("PUT", MANIFEST),
    ]
    for recorded in server.store.requests:
        assert recorded.path.startswith("/store?graph=")
        assert urllib.parse.quote(recorded.graph or "", safe="") == recorded.path.split("=", 1)[1]
    for recorded in server.store.requests[2:-1]:
        assert recorded.headers["content-type"] == "application/n-triples"
        assert recorded.body == graphs[recorded.graph or ""]
    assert "application/n-triples" in server.store.requests[0].headers["accept"]
    assert server.store.graphs[MANIFEST] == listing(*graphs)
    assert server.store.graphs[MANIFEST].decode().count(CONTAINS_GRAPH) == 4


def test_second_push_deletes_what_is_gone_and_skips_the_interim_manifest(server: Server) -> None:
    push_graphs(sample("a", "b", "c", "d"), server.endpoint, manifest_graph=MANIFEST)
    server.store.requests.clear()

    report = push_graphs(sample("a", "c"), server.endpoint, manifest_graph=MANIFEST)

    assert report.pushed == (BASE + "a", BASE + "c")
    assert report.deleted == (BASE + "b", BASE + "d")
    assert [(r.method, r.graph) for r in server.store.requests] == [
        ("GET", MANIFEST),
        ("PUT", BASE + "a"),
        ("PUT", BASE + "c"),
        ("DELETE", BASE + "b"),
        ("DELETE", BASE + "d"),
        ("PUT", MANIFEST),
    ]
    assert sorted(server.store.graphs) == sorted([BASE + "a", BASE + "c", MANIFEST])
    assert server.store.graphs[MANIFEST] == listing(BASE + "a", BASE + "c")


def test_graph_already_gone_counts_as_deleted(server: Server) -> None:
    push_graphs(sample("a", "b"), server.endpoint, manifest_graph=MANIFEST)
    del server.store.graphs[BASE + "b"]
    report = push_graphs(sample("a"), server.endpoint, manifest_graph=MANIFEST)
    assert report.deleted == (BASE + "b",)
    assert server.store.graphs[MANIFEST] == listing(BASE + "a")


def test_manifest_with_foreign_triples_is_read(server: Server) -> None:
    server.store.graphs[MANIFEST] = nt(
        f"<{MANIFEST}> <{CONTAINS_GRAPH}> <{BASE}old> .",
        f"<{MANIFEST}> <http://ex/other> <{BASE}kept-by-someone-else> .",
        f'<{MANIFEST}> <{CONTAINS_GRAPH}> "not an IRI" .',
    )
    server.store.graphs[BASE + "old"] = nt("<http://ex/s> <http://ex/p> <http://ex/o> .")
    report = push_graphs({}, server.endpoint, manifest_graph=MANIFEST)
    assert report == PushReport((), (BASE + "old",), None, False)
    assert server.store.graphs[MANIFEST] == b""


def test_dry_run_sends_only_the_manifest_get(server: Server) -> None:
    push_graphs(sample("a", "b"), server.endpoint, manifest_graph=MANIFEST)
    before = dict(server.store.graphs)
    server.store.requests.clear()
    messages: list[str] = []

    report = push_graphs(
        sample("a", "c"), server.endpoint, manifest_graph=MANIFEST, dry_run=True, progress=messages.append
    )

    assert report == PushReport((BASE + "a", BASE + "c"), (BASE + "b",), None, True)
    assert [(r.method, r.graph) for r in server.store.requests] == [("GET", MANIFEST)]
    assert server.store.graphs == before
    assert messages == [
        f"GET manifest <{MANIFEST}>",
        f"would PUT <{BASE}a>",
        f"would PUT <{BASE}c>",
        f"would DELETE <{BASE}b>",
    ]


def test_progress_is_called_once_per_request(server: Server) -> None:
    push_graphs(sample("a", "b"), server.endpoint, manifest_graph=MANIFEST)
    server.store.requests.clear()
    messages: list[str] = []
    push_graphs(sample("a"), server.endpoint, manifest_graph=MANIFEST, progress=messages.append)
    assert len(messages) == len(server.store.requests) == 4
    assert messages[1:3] == [f"PUT <{BASE}a>", f"DELETE <{BASE}b>"]


def test_digest_auth(server: Server) -> None:
    server.store.auth = "digest"
    report = push_graphs(sample("a"), server.endpoint, manifest_graph=MANIFEST, user=USER, password=PASSWORD)
    assert report.pushed == (BASE + "a",)
    assert server.store.graphs[BASE + "a"] == sample("a")[BASE + "a"]
    authorised = [r for r in server.store.requests if "authorization" in r.headers]
    assert len(authorised) == 4
    assert all(r.headers["authorization"].startswith("Digest ") for r in authorised)


def test_basic_auth_is_sent_with_the_first_request(server: Server) -> None:
    server.store.auth = "basic"
    push_graphs(sample("a"), server.endpoint, manifest_graph=MANIFEST, user=USER, password=PASSWORD, auth="basic")
    assert len(server.store.requests) == 4
    assert all(r.headers["authorization"].startswith("Basic ") for r in server.store.requests)
    assert BASE + "a" in server.store.graphs


def _assert_secret_free(text: str) -> None:
    forms = [
        PASSWORD,
        urllib.parse.quote(PASSWORD, safe=""),
        base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(),
    ]
    for form in forms:
        assert form not in text


@pytest.mark.parametrize("auth", ["digest", "basic"])
def test_wrong_password_is_one_clear_error(server: Server, auth: str, caplog: pytest.LogCaptureFixture) -> None:
    server.store.auth = auth
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-pass-" + secrets.token_hex(4)
    with pytest.raises(PushError) as caught:
        push_graphs(
            sample("a"),
            server.endpoint,
            manifest_graph=MANIFEST,
            user=USER,
            password=wrong,
            auth=auth,  # type: ignore[arg-type]
        )
    message = str(caught.value)
    assert message.startswith(f"push to {server.endpoint}: GET manifest <{MANIFEST}> failed: 401 ")
    assert "(check --user and MLOPS_GRAPH_PASSWORD)" in message
    assert wrong not in message and wrong not in caplog.text and wrong not in repr(caught.value.report)
    assert caught.value.report == PushReport((), (), MANIFEST, False)
    # one unauthenticated try at most, then one with the credentials: no retry loop
    assert len(server.store.requests) == (2 if auth == "digest" else 1)
    assert BASE + "a" not in server.store.graphs


def test_scheme_mismatch_is_explained(server: Server) -> None:
    server.store.auth = "digest"
    with pytest.raises(StoreError, match=r"401 .*asks for Digest authentication, not Basic"):
        push_graphs({}, server.endpoint, manifest_graph=MANIFEST, user=USER, password=PASSWORD, auth="basic")


def test_missing_credentials_are_explained(server: Server) -> None:
    server.store.auth = "digest"
    with pytest.raises(StoreError, match=r"401 .*give --user and set MLOPS_GRAPH_PASSWORD"):
        push_graphs({}, server.endpoint, manifest_graph=MANIFEST)


def test_failure_half_way_reports_what_made_it(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.store.auth = "digest"
    push_graphs(sample("old"), server.endpoint, manifest_graph=MANIFEST, user=USER, password=PASSWORD)
    graphs = sample("a", "b", "c", "d", "e")
    echoed = (
        "<!DOCTYPE html><html><head><title>T</title></head><body><h1>Boom</h1>"
        f"<xmp>graph <{BASE}c> rejected; password was {PASSWORD} &amp; more</xmp></body></html>"
    )
    server.store.fail[("PUT", BASE + "c")] = (500, echoed.encode())

    with pytest.raises(PushError) as caught:
        push_graphs(graphs, server.endpoint, manifest_graph=MANIFEST, user=USER, password=PASSWORD)

    error = caught.value
    assert isinstance(error, StoreError)
    assert error.report == PushReport((BASE + "a", BASE + "b"), (), BASE + "c", False)
    message = str(error)
    assert message.startswith(f"push to {server.endpoint}: PUT graph <{BASE}c> failed: 500 ")
    assert f"Boom graph <{BASE}c> rejected; password was *** & more" in message
    assert "replacing 2 of 5 graph(s) and deleting 0 of 1" in message
    assert "<title>" not in message and "<xmp>" not in message
    for text in (message, caplog.text, repr(error.report), repr(error.args)):
        _assert_secret_free(text)
    # The interim manifest lists every graph that may have been written, and the stale one is still there.
    listed = server.store.graphs[MANIFEST].decode()
    for name in ("old", "a", "b", "c", "d", "e"):
        assert f"<{BASE}{name}>" in listed
    assert BASE + "d" not in server.store.graphs
    assert BASE + "old" in server.store.graphs

    # The next push, without "e" and "old", cleans up everything the failed one left behind.
    del server.store.fail[("PUT", BASE + "c")]
    report = push_graphs(
        sample("a", "b", "c", "d"), server.endpoint, manifest_graph=MANIFEST, user=USER, password=PASSWORD
    )
    assert report.deleted == (BASE + "e", BASE + "old")
    assert sorted(server.store.graphs) == sorted([*sample("a", "b", "c", "d"), MANIFEST])


def test_failed_delete_is_reported(server: Server) -> None:
    push_graphs(sample("a", "b", "c"), server.endpoint, manifest_graph=MANIFEST)
    server.store.fail[("DELETE", BASE + "c")] = (503, b"busy")
    with pytest.raises(PushError) as caught:
        push_graphs(sample("a"), server.endpoint, manifest_graph=MANIFEST)
    assert caught.value.report == PushReport((BASE + "a",), (BASE + "b",), BASE + "c", False)
    assert "DELETE graph" in str(caught.value) and "503" in str(caught.value) and "busy" in str(caught.value)
    assert "replacing 1 of 1 graph(s) and deleting 1 of 2" in str(caught.value)


def test_forbidden_gets_a_hint(server: Server) -> None:
    server.store.fail[("PUT", BASE + "a")] = (403, b"")
    with pytest.raises(PushError, match=r"403 Forbidden \(.*SPARQL_UPDATE"):
        push_graphs(sample("a"), server.endpoint, manifest_graph=MANIFEST)


def test_unreadable_manifest_is_an_error(server: Server) -> None:
    server.store.graphs[MANIFEST] = b"this is { not RDF"
    with pytest.raises(PushError, match="manifest graph is not readable"):
        push_graphs(sample("a"), server.endpoint, manifest_graph=MANIFEST)
    assert [r.method for r in server.store.requests] == ["GET"]


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}/store"
    with pytest.raises(PushError, match=r"^push to .*: GET manifest <.*> failed: connection refused") as caught:
        push_graphs(sample("a"), endpoint, manifest_graph=MANIFEST, user=USER, password=PASSWORD)
    _assert_secret_free(str(caught.value))


def test_timeout(server: Server) -> None:
    server.store.delay = 30.0  # let go when the test ends
    started = time.monotonic()
    with pytest.raises(PushError, match=r"no answer within 0.3 s"):
        push_graphs(sample("a"), server.endpoint, manifest_graph=MANIFEST, timeout=0.3)
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"endpoint": "http://loader:pw-Secret@127.0.0.1:1/store"},
            "must not contain a user name or password",
        ),
        ({"endpoint": "ftp://127.0.0.1/store"}, "not an http"),
        ({"manifest_graph": "not an iri"}, "manifest graph IRI"),
        ({"graphs": {"https://ex.org/a b": b""}}, "graph IRI"),
        ({"graphs": {"https://ex.org/<a>": b""}}, "graph IRI"),
        ({"graphs": {MANIFEST: b""}}, "cannot also be pushed"),
        ({"user": USER}, "without a password"),
        ({"password": PASSWORD}, "without a user name"),
        ({"user": USER, "password": "pässword"}, "ASCII"),
    ],
)
def test_bad_arguments_send_nothing(server: Server, kwargs: dict[str, object], match: str) -> None:
    arguments: dict[str, object] = {
        "graphs": sample("a"),
        "endpoint": server.endpoint,
        "manifest_graph": MANIFEST,
    }
    arguments.update(kwargs)
    with pytest.raises(StoreError, match=match) as caught:
        push_graphs(**arguments)  # type: ignore[arg-type]
    assert not isinstance(caught.value, PushError)
    assert "pw-Secret" not in str(caught.value) and "pässword" not in str(caught.value)
    assert server.store.requests == []


def test_manifest_ntriples_is_sorted_and_deduplicated() -> None:
    text = manifest_ntriples(MANIFEST, ["https://ex.org/b", "https://ex.org/a", "https://ex.org/b"]).decode()
    assert text == (
        f"<{MANIFEST}> <{CONTAINS_GRAPH}> <https://ex.org/a> .\n<{MANIFEST}> <{CONTAINS_GRAPH}> <https://ex.org/b> .\n"
    )


def test_an_interrupt_half_way_reports_what_made_it(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    real_put = push_module._Client.put

    def put(client: object, graph: str, content: bytes) -> None:
        if graph == BASE + "c":
            raise KeyboardInterrupt
        real_put(client, graph, content)  # type: ignore[arg-type]

    monkeypatch.setattr(push_module._Client, "put", put)
    with pytest.raises(PushInterrupted) as caught:
        push_graphs(sample("a", "b", "c", "d"), server.endpoint, manifest_graph=MANIFEST)
    assert isinstance(caught.value, MlopsGraphError)
    assert caught.value.report == PushReport((BASE + "a", BASE + "b"), (), BASE + "c", False)
    assert sorted(server.store.graphs) == sorted([MANIFEST, BASE + "a", BASE + "b"])
