"""Mistakes a user can make on the command line, and what the tool says then: a message with exit
status 2 (or 130 when interrupted), never a traceback, and nothing lost."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mlops_graph import cli
from mlops_graph.cli import main
from mlops_graph.read import files
from mlops_graph.store.push import PushReport
from tests.conftest import CORPUS

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://example.org/mlops-graph/graph/note/"


def run(*argv: str) -> tuple[int, str, str]:
    """``mlops-graph ARGV`` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def run_process(*argv: str, stdout: int | None = subprocess.PIPE, **env: str) -> subprocess.CompletedProcess[bytes]:
    """``mlops-graph ARGV`` in a process of its own, with its own standard output."""
    return subprocess.run([sys.executable, "-m", "mlops_graph", *argv], stdout=stdout, stderr=subprocess.PIPE,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env}, timeout=300, check=False)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def graph(corpus_output: Path) -> str:
    return str(corpus_output / "graph.trig")


def test_a_notes_folder_that_cannot_be_listed_stops_the_build_and_keeps_the_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes, out = tmp_path / "notes", tmp_path / "out"
    shutil.copytree(CORPUS, notes)
    assert run("build", str(notes), "-o", str(out), "-q", "--no-html")[0] == 0
    before = (out / "graph.trig").read_bytes()
    real_scandir = os.scandir

    def scandir(path: str | Path) -> object:
        if Path(path) == notes:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(files.os, "scandir", scandir)
    code, _, err = run("build", str(notes), "-o", str(out), "-q", "--no-html")
    assert code == 2
    assert f"{notes}: cannot list the notes folder: Permission denied" in err
    assert (out / "graph.trig").read_bytes() == before


def test_a_notes_folder_with_files_named_like_an_output_is_read(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "rdf-lab").mkdir(parents=True)
    (notes / "rdf-lab" / "graph.trig").write_text("<https://example.org/a> { }\n")
    (notes / "rdf-lab" / "report.md").write_text("# Lab report\n\nNotes from the lab.\n")
    (notes / "rdf-lab" / "trig.md").write_text("# What is TriG\n\nA format for named graphs.\n")
    code, out, err = run("build", str(notes), "-o", str(tmp_path / "out"), "--no-html")
    assert code == 0, err
    assert ": 2 notes," in out
    assert "output of a build" not in err


def test_a_base_iri_given_on_the_command_line_is_checked_like_one_in_pyproject(tmp_path: Path) -> None:
    code, _, err = run("build", str(CORPUS), "-o", str(tmp_path / "out"), "--base-iri", "ftp://example.org/")
    assert code == 2
    assert "base-iri 'ftp://example.org/' must be an http(s) IRI" in err
    assert not (tmp_path / "out").exists()


def test_messages_keep_spaces_of_any_script_and_escape_what_could_disguise_them() -> None:
    from mlops_graph.errors import printable

    assert printable("ノート\u3000メモ/a\u00a0b\u200dc.md") == "ノート\u3000メモ/a\u00a0b\u200dc.md"
    assert printable("a\u202eb\x1b[31m\nc\u2028") == "a\\u202eb\\x1b[31m\\nc\\u2028"


def test_an_output_folder_left_inside_the_notes_is_not_read_as_notes(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(CORPUS, notes)
    code, first, _ = run("build", str(notes), "-o", str(notes / "out"), "--no-html")
    assert code == 0
    code, second, err = run("build", str(notes), "-o", str(tmp_path / "other"), "--no-html")
    assert code == 0
    counts = [line.split(": ", 1)[1].split(",")[:3] for line in (first, second)]
    assert counts[0] == counts[1]
    assert "out: is the output of a build (graph.trig, and a report.md made by mlops-graph); not read" in err


def test_control_characters_in_a_message_are_shown_escaped() -> None:
    code, _, err = run("query", "\x1b]0;pwned\x07\x1b[31m.rq")
    assert code == 2
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b]0;pwned\\x07\\x1b[31m.rq: cannot read query file" in err


def test_an_unreachable_endpoint_is_reported_as_such() -> None:
    code, _, err = run("query", "compare", "MLOps", "--endpoint", f"http://127.0.0.1:{closed_port()}/sparql")
    assert code == 2
    assert "not an IRI" not in err
    assert "cannot reach the endpoint" in err and "Traceback" not in err


def test_a_query_file_that_is_not_utf8_is_reported(tmp_path: Path, graph: str) -> None:
    query = tmp_path / "q.rq"
    query.write_bytes(b"SELECT ?x WHERE { ?x ?p \"caf\xe9\" }")
    code, _, err = run("query", str(query), "--graph", graph, "--no-store")
    assert code == 2
    assert f"{query}: the query file is not UTF-8 text" in err


def test_a_query_whose_service_fails_is_reported(graph: str) -> None:
    code, _, err = run("query", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{closed_port()}/> {{ ?s ?p ?o }} }}",
                       "--graph", graph, "--no-store")
    assert code == 2
    assert err.startswith("mlops-graph: error: query 'inline' failed: ")


@pytest.fixture
def odd_endpoint() -> Iterator[str]:
    """A SPARQL endpoint whose JSON results have a binding without a value."""
    body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal"}}]}}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/sparql"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_an_endpoint_answer_with_a_broken_binding_is_reported(odd_endpoint: str) -> None:
    code, _, err = run("query", "SELECT ?x WHERE { ?x ?p ?o }", "--endpoint", odd_endpoint)
    assert code == 2
    assert "is not SPARQL JSON results" in err and "Traceback" not in err


@pytest.mark.parametrize("url", ["http://u:s3cret@[::1/x", "http://admin:s3cret#x@db.example/",
                                 "http://admin:s3cret/x@db.example/"])
def test_a_malformed_endpoint_url_is_reported_without_its_password(url: str) -> None:
    for argv in (["query", "terms"], ["push"]):
        code, _, err = run(*argv, "--endpoint", url)
        assert code == 2, err
        assert "URL is not a valid URL" in err or "must not contain a user name or password" in err
        assert "s3cret" not in err


def test_credentials_in_the_url_are_refused_before_the_password_prompt(
        monkeypatch: pytest.MonkeyPatch, corpus_output: Path) -> None:
    asked: list[str] = []
    monkeypatch.delenv(cli.PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or "pw")
    code, _, err = run("push", "--endpoint", "http://bob:hunter2@127.0.0.1:9/store", "--user", "bob",
                       "-o", str(corpus_output))
    assert code == 2
    assert asked == []
    assert "must not contain a user name or password" in err and "hunter2" not in err


def test_no_password_at_the_prompt_is_a_message(monkeypatch: pytest.MonkeyPatch, corpus_output: Path) -> None:
    def end_of_input(prompt: str) -> str:
        raise EOFError

    monkeypatch.delenv(cli.PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(cli.sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", end_of_input)
    code, _, err = run("push", "--endpoint", "http://127.0.0.1:9/store", "--user", "bob", "-o", str(corpus_output))
    assert (code, err) == (2, "mlops-graph: error: no password given\n")


def test_validate_reports_a_graph_file_it_cannot_read(tmp_path: Path, corpus_output: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.ttl").write_bytes((corpus_output / "graph.ttl").read_bytes()[:5000])
    code, _, err = run("validate", str(out))
    assert code == 2
    assert err.startswith(f"mlops-graph: error: {out / 'graph.ttl'}: cannot be read as Turtle: ")
    assert "\n" not in err.rstrip("\n")


def test_a_missing_configuration_file_is_an_error(tmp_path: Path) -> None:
    code, _, err = run("build", str(CORPUS), "-o", str(tmp_path / "out"), "--config", str(tmp_path / "nosuch.toml"))
    assert code == 2
    assert f"{tmp_path / 'nosuch.toml'}: no such configuration file" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("width", ["0", "-5", "1", "x"])
def test_a_table_width_below_two_is_refused(width: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["query", "terms", "--width", width])
    assert stopped.value.code == 2
    assert "--width" in capsys.readouterr().err


def test_an_output_folder_that_cannot_be_made_is_reported_before_the_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mlops_graph.pipeline as pipeline

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("the build ran")

    monkeypatch.setattr(pipeline, "build", no_build)
    (tmp_path / "file.txt").write_text("x")
    code, _, err = run("build", str(CORPUS), "-o", str(tmp_path / "file.txt" / "out"))
    assert code == 2
    assert "cannot create the output folder" in err and "is not a folder" in err


def test_an_interrupted_push_names_what_it_changed(monkeypatch: pytest.MonkeyPatch, corpus_output: Path) -> None:
    import mlops_graph.store.push as push
    from mlops_graph.store.push import PushInterrupted

    def interrupted(*args: object, **kwargs: object) -> PushReport:
        raise PushInterrupted(PushReport((BASE + "a", BASE + "b"), (), BASE + "c", False))

    monkeypatch.setattr(push, "push_graphs", interrupted)
    code, _, err = run("push", "--endpoint", "http://127.0.0.1:9/store", "-o", str(corpus_output))
    assert code == 130
    assert err.splitlines() == [
        "mlops-graph: interrupted",
        "changed before the interruption (push again to finish):",
        f"  replaced <{BASE}a>",
        f"  replaced <{BASE}b>",
        f"  under way, may or may not have changed: <{BASE}c>",
    ]


def test_titles_the_terminal_cannot_show_are_escaped_and_result_formats_stay_utf8(graph: str) -> None:
    table = run_process("query", "timeline", "--graph", graph, "--no-store", PYTHONIOENCODING="ascii")
    assert table.returncode == 0, table.stderr
    assert b"Qu\\xe9 es MLOps" in table.stdout
    as_json = run_process("query", "timeline", "--graph", graph, "--no-store", "--format", "json",
                          PYTHONIOENCODING="ascii")
    assert as_json.returncode == 0, as_json.stderr
    assert "Qué es MLOps" in json.dumps(json.loads(as_json.stdout.decode("utf-8")), ensure_ascii=False)


def test_a_full_standard_output_is_an_error(graph: str) -> None:
    with open("/dev/full", "wb") as full:
        done = run_process("query", "terms", "--graph", graph, "--no-store", stdout=full.fileno())
    assert done.returncode == 2
    assert b"mlops-graph: error: cannot write to standard output: No space left on device" in done.stderr
    assert b"Traceback" not in done.stderr


def test_a_closed_standard_output_loses_only_the_summary_of_a_build(tmp_path: Path, graph: str) -> None:
    closed = [sys.executable, "-c", "import os, runpy, sys; os.close(1); sys.stdout = None; "
              "sys.argv = ['mlops-graph', *sys.argv[1:]]; runpy.run_module('mlops_graph', run_name='__main__')"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    built = subprocess.run([*closed, "build", str(CORPUS), "-o", str(tmp_path / "out"), "--no-html"],
                           capture_output=True, env=env, timeout=300, check=False)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out" / "graph.trig").is_file()
    queried = subprocess.run([*closed, "query", "terms", "--graph", graph, "--no-store"],
                             capture_output=True, env=env, timeout=300, check=False)
    assert queried.returncode == 2
    assert queried.stderr.endswith(b"mlops-graph: error: standard output is closed\n")


def _as_a_user(command: list[str]) -> list[str]:
    """``command`` run so that folder permissions apply to it: as root, without the capabilities
    that override them."""
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-all", *command] if os.geteuid() == 0 else command


def test_a_read_only_tree_is_removed_as_its_owner_could(tmp_path: Path) -> None:
    tree = tmp_path / "old"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "f.ttl").write_text("x")
    for folder in (tree / "a" / "b", tree / "a", tree):
        folder.chmod(0o555)
    command = [sys.executable, "-c", "import sys; from pathlib import Path; "
               "from mlops_graph.export.atomic import remove_tree; remove_tree(Path(sys.argv[1]))", str(tree)]
    subprocess.run(_as_a_user(command), env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, timeout=60)
    assert not tree.exists()
