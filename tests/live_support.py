"""Running ``mlops-graph serve`` and ``mlops-graph watch`` as a user does, in processes of their own,
and talking to the endpoint over HTTP."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
WAIT = 60.0
"""Seconds a step may take before the test fails (a loaded machine is slow, a hung one never answers)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    """``mlops-graph ARGV`` running in a process of its own; its output read line by line as it comes."""

    def __init__(self, *argv: str, cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlops_graph", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.out: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        self.lines: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        for stream, put in ((self.process.stdout, self.out.put), (self.process.stderr, self.err.append)):
            threading.Thread(target=self._read, args=(stream, put), daemon=True).start()

    @staticmethod
    def _read(stream: IO[bytes], put: Callable[[str], None]) -> None:
        for raw in iter(stream.readline, b""):
            put(raw.decode("utf-8", "replace").rstrip("\n"))

    def line(self, containing: str, timeout: float = WAIT) -> str:
        """The next line of standard output that holds ``containing`` (earlier lines are kept in ``lines``)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.out.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {containing!r} within {timeout} s; out: {self.lines}, "
                                     f"err: {self.err}, exit: {self.process.poll()}") from None
            self.lines.append(line)
            if containing in line:
                return line

    def warned(self, pattern: str, timeout: float = WAIT) -> str:
        """The first line of standard error that matches the regular expression ``pattern``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in list(self.err) if re.search(pattern, line)), None)
            if found is not None:
                return found
            time.sleep(0.02)
        raise AssertionError(f"nothing matching {pattern!r} on standard error: {self.err}")

    def stop(self, signum: int = signal.SIGINT) -> int:
        """Send ``signum`` (Ctrl-C by default) and wait for the process to end; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.process.wait(WAIT)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the process as a user would (SIGTERM, so that it stops its server too); kill it if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def servers_on(port: int) -> list[int]:
    """The processes running an Oxigraph server bound to ``port``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve-read-only" in args and any(arg.endswith(f":{port}".encode()) for arg in args):
            found.append(int(entry.name))
    return found


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def request(url: str, data: bytes | None = None, *, method: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Status and body of one HTTP request (an error status is returned, not raised)."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=WAIT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def select(endpoint: str, query: str) -> list[dict[str, str]]:
    """A SELECT query's solutions over the SPARQL 1.1 Protocol (GET, JSON results): variable → value."""
    status, body = request(f"{endpoint}?{urllib.parse.urlencode({'query': query})}",
                           headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return [{name: term["value"] for name, term in binding.items()}
            for binding in json.loads(body)["results"]["bindings"]]


def titles(endpoint: str) -> set[str]:
    return {row["t"] for row in select(endpoint, "SELECT ?t WHERE { ?n <http://purl.org/dc/terms/title> ?t }")}
