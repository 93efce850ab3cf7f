"""A private Virtuoso server on loopback, for tests that need a real triple store.

Use the session-scoped ``virtuoso`` fixture (a test module enables it with
``pytest_plugins = ["tests.virtuoso_server"]``). It starts Debian's ``virtuoso-t`` with its own ini file and
database folder under a temporary directory, on free loopback ports, sets a random ``dba`` password
with ``isql-vt``, creates a user that may only write graphs (role ``SPARQL_UPDATE``), and stops the
server when the session ends. A missing ``virtuoso-t`` fails the tests instead of skipping them.

``VIRTUOSO_T`` and ``ISQL_VT`` name the binaries if they are not ``virtuoso-t`` / ``isql-vt`` on PATH.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

START_TIMEOUT = 120.0
"""Seconds to wait for a new database to be created and the server to answer."""

LOADER_USER = "mlops_loader"
"""The non-admin user the fixture creates for Graph Store pushes."""

INI_TEMPLATE = """\
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 60
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000
DirsAllowed          = ., {root}
CaseMode             = 2
AllowOSCalls         = 0

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {root}/vsp
MaxClientConnections = 10
ServerThreads        = 10
MaxKeepAlives        = 10
KeepAliveTimeout     = 10
EnabledDavVSP        = 0
Charset              = UTF-8

[SPARQL]
ResultSetMaxRows           = 100000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 60
"""


class VirtuosoUnavailableError(RuntimeError):
    """Virtuoso cannot be found or did not start."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def sql_string(text: str) -> str:
    """A Virtuoso SQL string literal (backslash is an escape character there, like the quote)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _new_password() -> str:
    # ASCII (Digest needs it), with characters that isql, SQL, URLs or HTTP headers treat specially.
    return f"Pw-{secrets.token_hex(8)}:'\"%41+$U{{x}};\\&"


@dataclass
class VirtuosoServer:
    """A running Virtuoso: where it listens and how to log in."""

    directory: Path
    sql_port: int
    http_port: int
    dba_password: str
    user: str
    password: str
    isql_binary: str
    process: subprocess.Popen[bytes]
    startup_seconds: float = 0.0
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.directory / "virtuoso.out"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def gsp_endpoint(self) -> str:
        """The Graph Store Protocol endpoint that needs HTTP Digest authentication."""
        return f"{self.base_url}/sparql-graph-crud-auth"

    @property
    def sparql_endpoint(self) -> str:
        return f"{self.base_url}/sparql"

    def isql(self, sql: str, *, password: str | None = None, timeout: float = 60.0) -> str:
        """Run SQL statements with ``isql-vt`` as ``dba``; raise if Virtuoso reports an error."""
        return run_isql(self.isql_binary, self.sql_port, password or self.dba_password, sql, timeout=timeout)

    def select(self, query: str) -> list[dict[str, str]]:
        """Run a SPARQL SELECT over HTTP (anonymously); each row maps a variable to its value's text."""
        data = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(
            self.sparql_endpoint,
            data=data,
            headers={"Accept": "application/sparql-results+json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            results = json.load(response)
        rows: list[dict[str, str]] = []
        for binding in results["results"]["bindings"]:
            rows.append({name: value["value"] for name, value in binding.items()})
        return rows

    def count_triples(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"])

    def graphs(self, prefix: str = "") -> list[str]:
        """The named graphs holding at least one triple whose IRI starts with ``prefix``, sorted."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(row["g"] for row in rows if row["g"].startswith(prefix))

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def run_isql(binary: str, port: int, password: str, sql: str, *, timeout: float = 60.0) -> str:
    """Run ``sql`` with ``isql-vt`` as ``dba``.

    The statements go through standard input with macro substitution off: isql's ``exec=`` argument
    decodes ``+`` and ``%xx`` and expands ``$`` macros inside string literals. isql exits with 0 even
    when a statement fails, so the output is searched for Virtuoso's ``*** Error`` marker.
    """
    completed = subprocess.run(
        [binary, f"127.0.0.1:{port}", "dba", password],
        input=f"SET MACRO_SUBSTITUTION OFF;\n{sql}\n",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = completed.stdout + completed.stderr
    if completed.returncode != 0 or "*** Error" in output:
        raise VirtuosoUnavailableError(f"isql failed (exit {completed.returncode}): {output.strip()[-2000:]}")
    return output


def _die_with_parent() -> None:
    """In the child before exec: have Linux send SIGTERM to the server if the test process dies."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def find_binaries() -> tuple[str, str]:
    server_name = os.environ.get("VIRTUOSO_T") or "virtuoso-t"
    isql_name = os.environ.get("ISQL_VT") or "isql-vt"
    server = shutil.which(server_name)
    isql = shutil.which(isql_name)
    if not server or not isql:
        missing = server_name if not server else isql_name
        raise VirtuosoUnavailableError(
            f"{missing} was not found. These tests need a real Virtuoso: install Debian's "
            "virtuoso-opensource-7 (apt-get install virtuoso-opensource-7), or set VIRTUOSO_T and ISQL_VT."
        )
    return server, isql


def start_virtuoso(root: Path, *, timeout: float = START_TIMEOUT) -> VirtuosoServer:
    """Create a database under ``root`` and start Virtuoso on it; return once SQL and HTTP answer."""
    server_binary, isql_binary = find_binaries()
    started = time.monotonic()
    db = root / "db"
    db.mkdir(parents=True, exist_ok=True)
    (root / "vsp").mkdir(exist_ok=True)
    sql_port, http_port = _free_port(), _free_port()
    while http_port == sql_port:
        http_port = _free_port()
    ini = root / "virtuoso.ini"
    ini.write_text(INI_TEMPLATE.format(db=db, root=root, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    log = (root / "virtuoso.out").open("wb")
    try:
        process = subprocess.Popen(
            [server_binary, "+configfile", str(ini), "+foreground"],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    finally:
        log.close()
    server = VirtuosoServer(
        directory=root,
        sql_port=sql_port,
        http_port=http_port,
        dba_password="dba",
        user=LOADER_USER,
        password=_new_password(),
        isql_binary=isql_binary,
        process=process,
    )
    try:
        _wait_until_ready(server, started + timeout)
        dba_password = _new_password()
        # A new database's dba password is "dba"; user names are case-sensitive (CaseMode 2).
        server.isql(
            f"USER_SET_PASSWORD('dba', {sql_string(dba_password)});\n"
            f"DB.DBA.USER_CREATE({sql_string(server.user)}, {sql_string(server.password)});\n"
            f'GRANT SPARQL_UPDATE TO "{server.user}";'
        )
        server.dba_password = dba_password
    except BaseException:
        server.stop()
        raise
    server.startup_seconds = time.monotonic() - started
    return server


def _wait_until_ready(server: VirtuosoServer, deadline: float) -> None:
    last_error = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise VirtuosoUnavailableError(
                f"virtuoso-t exited with code {server.process.returncode} during start-up; "
                f"its log ({server.log_path}):\n{server.log_tail()}"
            )
        try:
            server.isql("select 1;", password="dba", timeout=10)
            with urllib.request.urlopen(f"{server.sparql_endpoint}?query=ASK%20%7B%7D", timeout=10) as answer:
                if answer.status == 200:
                    return
        except (VirtuosoUnavailableError, OSError, subprocess.TimeoutExpired) as exc:
            last_error = str(exc)
        time.sleep(0.2)
    raise VirtuosoUnavailableError(
        f"Virtuoso did not answer within the time limit; last error: {last_error.strip()[-500:]}\n"
        f"its log ({server.log_path}):\n{server.log_tail()}"
    )


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A Virtuoso server for the whole test session (fails, never skips, when it cannot start)."""
    root = tmp_path_factory.mktemp("virtuoso")
    problem = ""
    try:
        server = start_virtuoso(root)
    except VirtuosoUnavailableError as exc:
        problem = str(exc)
    if problem:
        pytest.fail(f"cannot start Virtuoso: {problem}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
