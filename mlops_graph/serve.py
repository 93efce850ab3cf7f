"""A build as a read-only SPARQL endpoint: the Oxigraph server over the build's embedded store.

:func:`start_server` runs the Oxigraph server (the ``oxigraph`` program of the ``oxigraph`` package)
as ``oxigraph serve-read-only --union-default-graph`` on the store that ``mlops-graph query`` keeps
beside the build's ``graph.trig`` (:func:`mlops_graph.store.embedded.open_store` makes it, or brings
it up to date, first). The server speaks the SPARQL 1.1 Protocol at ``/query`` (JSON, CSV, TSV and
XML results) and the Graph Store Protocol at ``/store``; it is read-only, so every update and every
write is refused (403), whatever address it listens on. The default graph is the union of the
build's named graphs, as for ``mlops-graph query``.

The server opens the store's files when it starts and answers from them until it stops, even when a
new build replaces the store meanwhile: :meth:`Server.restart` serves a new build (``mlops-graph
watch --serve`` does so after each rebuild).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import IO

from msgspec import Struct

from mlops_graph.config import DEFAULT_HOST, DEFAULT_PORT
from mlops_graph.errors import ServeError

PROGRAM = "oxigraph"
#: Seconds the server has to start listening, and to stop once asked to.
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
#: The database folder inside the kept store folder (see ``mlops_graph.store.embedded``).
_DATABASE = "db"
#: What the server writes once it listens.
_LISTENING = "Listening for requests at"


def program() -> str:
    """The Oxigraph server's program: the one installed beside this Python, else the first on PATH."""
    found = shutil.which(PROGRAM, path=sysconfig.get_path("scripts")) or shutil.which(PROGRAM)
    if found is None:
        raise ServeError(f"the Oxigraph server ('{PROGRAM}') is not installed: pip install {PROGRAM}")
    return found


def kept_store(out_dir: Path) -> Path:
    """The database of the store kept for the build in ``out_dir``, made or brought up to date first."""
    from mlops_graph.store.embedded import KEPT_GRAPH_FILE, STORE_DIR, open_store  # not for the command line's options

    graph_file = out_dir / KEPT_GRAPH_FILE
    if not graph_file.is_file():
        raise ServeError(f"{out_dir}: no build there (no {KEPT_GRAPH_FILE}); run 'mlops-graph build' first")
    open_store(graph_file)
    database = out_dir / STORE_DIR / _DATABASE
    if not (database / "CURRENT").is_file():
        raise ServeError(f"{out_dir}: the store cannot be kept in {out_dir / STORE_DIR} (is the folder writable?)")
    return database


def address(host: str, port: int) -> str:
    """``host:port``, an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Server(Struct):
    """A running Oxigraph server, read-only over one store."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    log: IO[bytes]
    """What the server writes (on a file, so that it never blocks on a full pipe)."""

    @property
    def url(self) -> str:
        """The SPARQL query endpoint."""
        return f"http://{address(self.host, self.port)}/query"

    def stop(self) -> None:
        """Stop the server and wait until it is gone."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def restart(self, database: Path) -> Server:
        """A server at the same address over ``database``, this one stopped first."""
        self.stop()
        return start_server(database, self.host, self.port)

    def output(self) -> str:
        return os.pread(self.log.fileno(), 1 << 16, 0).decode("utf-8", "replace")


def start_server(database: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> Server:
    """Start the Oxigraph server read-only over ``database`` and return once it listens."""
    command = [program(), "serve-read-only", "--location", str(database), "--union-default-graph",
               "--bind", address(host, port)]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (kept open while the server runs; Server.stop closes it)
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    except OSError as exc:
        log.close()
        raise ServeError(f"cannot run the Oxigraph server ({command[0]}): {exc.strerror or exc}") from exc
    server = Server(process, host, port, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while _LISTENING not in server.output():
            if process.poll() is not None:
                raise ServeError(_failure(server.output(), host, port))
            if time.monotonic() > deadline:
                raise ServeError(f"the Oxigraph server did not start on {address(host, port)} "
                                 f"within {START_TIMEOUT:g} s")
            time.sleep(0.005)
    except BaseException:
        server.stop()
        raise
    return server


def _failure(output: str, host: str, port: int) -> str:
    """Why the server did not start, from the first line of what it wrote."""
    reason = next((line.removeprefix("Error: ") for line in output.splitlines() if line.strip()), "no message")
    if "Address already in use" in reason:
        return f"{address(host, port)} is in use (another server listens there): choose another --port"
    if "Cannot assign requested address" in reason:
        return f"cannot listen on {host}: it is not an address of this machine"
    return f"the Oxigraph server did not start on {address(host, port)}: {reason}"


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Inside, SIGTERM raises ``KeyboardInterrupt`` as Ctrl-C does, so that the same clean-up runs
    (in the main thread only: elsewhere signals are left as they are)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(out_dir: Path, host: str, port: int, say: Callable[[str], None]) -> None:
    """Serve the build in ``out_dir`` until Ctrl-C or SIGTERM, saying where; the server is gone on return."""
    server = start_server(kept_store(out_dir), host, port)
    try:
        with sigterm_interrupts():
            say(f"serving {out_dir.as_posix()}, read-only: {server.url} (Ctrl-C stops)")
            code = server.process.wait()
            if code not in (-signal.SIGINT, -signal.SIGTERM):  # stopped by anything but Ctrl-C or SIGTERM
                raise ServeError(f"the Oxigraph server stopped (exit status {code}): {server.output().strip()}")
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    say("stopped")
