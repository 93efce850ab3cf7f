#!/usr/bin/env python3
"""Latency of `mlops-graph watch --serve`: from saving a note to the new output on disk and the
endpoint answering from it.

    .venv/bin/python bench/watch_latency.py NOTES_DIR [--edits 9]
    .venv/bin/python bench/make_corpus.py /tmp/corpus-121 --notes 121 && \\
        .venv/bin/python bench/watch_latency.py /tmp/corpus-121

NOTES_DIR is copied into a temporary folder (the original is never touched), and `mlops-graph
watch COPY -o OUT --serve` is started on a free loopback port. Each edit rewrites the title in the
front matter of one note (a different note each time) with a new word, then polls every few
milliseconds until OUT/graph.trig holds the new title (on disk) and the endpoint answers an ASK
query for it (served); it then waits for the watch's line about the rebuild before the next edit.
It prints each edit's figures and the medians.

Then it times the stages of one rebuild in this process, as the watch makes them (the same edit,
median of as many rounds): the build, writing the output, loading the store the server opens, and
restarting the server; so that the figure can be read as what dominates it. It prints figures; it
never fails on one.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

TARGET_S = 1.0
TITLE = re.compile(r"^(title\s*:[ \t]*)(.*)$", re.M)
#: How often the output and the endpoint are looked at (each look costs the watch a little CPU).
POLL_S = 0.01


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def titled_notes(folder: Path) -> list[Path]:
    """Notes whose front matter has a title line, in path order."""
    found = []
    for path in sorted(folder.rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if text.startswith("---") and TITLE.search(text.split("\n---", 2)[0]):
            found.append(path)
    return found


def retitle(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("\n---", 1)
    path.write_text(TITLE.sub(lambda m: m.group(1) + title, head, count=1) + "\n---" + rest, encoding="utf-8")


def identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def served(endpoint: str, title: str) -> bool:
    query = f'ASK {{ ?note <http://purl.org/dc/terms/title> "{title}" }}'  # an index look-up: polling costs little
    request = urllib.request.Request(f"{endpoint}?{urllib.parse.urlencode({'query': query})}",
                                     headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return b'"boolean":true' in response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False  # restarting


class Watch:
    def __init__(self, notes: Path, out: Path, port: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlops_graph", "watch", str(notes), "-o", str(out), "--serve", "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self.ready = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.ready:
                self.lines.append(line.rstrip("\n"))
                self.ready.notify_all()

    def wait_for(self, test: Callable[[str], bool], since: int = 0, timeout: float = 120) -> str:
        with self.ready:
            if not self.ready.wait_for(lambda: any(test(line) for line in self.lines[since:]), timeout):
                raise SystemExit(f"the watch said nothing expected; it said: {self.lines}")
            return next(line for line in self.lines[since:] if test(line))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def live(notes: Path, work: Path, edits: int) -> None:
    copy, out = work / "notes", work / "out"
    shutil.copytree(notes, copy)
    candidates = titled_notes(copy)
    if not candidates:
        raise SystemExit(f"{notes}: no note has a title in its front matter")
    port = free_port()
    watch = Watch(copy, out, port)
    try:
        watch.wait_for(lambda line: line.startswith("watching"))
        endpoint = f"http://127.0.0.1:{port}/query"
        first = watch.wait_for(lambda line: " built: " in line)
        print(f"{notes}: {len(list(copy.rglob('*.md')))} notes; {first}")
        print(f"{'edit':>4}  {'note':<48} {'on disk':>8} {'served':>8} {'watch says':>10}")
        on_disk, answered, said = [], [], []
        for i in range(edits):
            path = candidates[i % len(candidates)]
            title = f"Latency probe {os.getpid()} {i}"
            marker = title.encode()
            since = len(watch.lines)
            started = time.perf_counter()
            retitle(path, title)
            disk = serve = None
            seen = identity(out / "graph.trig")
            while disk is None or serve is None:
                now = time.perf_counter() - started
                if now > 60:
                    raise SystemExit(f"edit {i}: no new output after 60 s; the watch said {watch.lines[since:]}")
                graph = out / "graph.trig"
                if disk is None and identity(graph) != seen:  # read only a new file (reading costs the watch CPU)
                    seen = identity(graph)
                    if marker in graph.read_bytes():
                        disk = now
                if disk is not None and served(endpoint, title):
                    serve = time.perf_counter() - started
                time.sleep(POLL_S)
            line = watch.wait_for(lambda line: " changed: " in line, since)
            reported = float(re.search(r"\((\d+\.\d+) s\)$", line).group(1))  # type: ignore[union-attr]
            on_disk.append(disk)
            answered.append(serve)
            said.append(reported)
            name = path.relative_to(copy).as_posix()[:48]
            print(f"{i:>4}  {name:<48} {disk:>7.3f}s {serve:>7.3f}s {reported:>9.2f}s")
            time.sleep(0.3)
        median = statistics.median(answered)
        print(f"median of {edits} edits: on disk {statistics.median(on_disk):.3f} s, endpoint answering "
              f"{median:.3f} s (target <= {TARGET_S:g} s: {'met' if median <= TARGET_S else 'missed'}); "
              f"the watch's own figure {statistics.median(said):.2f} s")
    finally:
        watch.stop()


def stages(notes: Path, work: Path, rounds: int) -> None:
    """The stages of one rebuild, timed in this process as the watch makes them."""
    import mlops_graph
    from mlops_graph.serve import kept_store, start_server

    copy, out = work / "stages-notes", work / "stages-out"
    shutil.copytree(notes, copy)
    path = titled_notes(copy)[0]
    port = free_port()
    result = mlops_graph.build(copy, exclude=(out,))
    mlops_graph.write_output(out, result.files)
    server = start_server(kept_store(out), "127.0.0.1", port)
    times: dict[str, list[float]] = {"build": [], "write output": [], "load store": [], "restart server": []}
    try:
        for i in range(rounds):
            retitle(path, f"Stage probe {i}")
            marks = [time.perf_counter()]
            result = mlops_graph.build(copy, exclude=(out,))
            marks.append(time.perf_counter())
            mlops_graph.write_output(out, result.files)
            marks.append(time.perf_counter())
            database = kept_store(out)
            marks.append(time.perf_counter())
            server = server.restart(database)
            marks.append(time.perf_counter())
            for values, start, end in zip(times.values(), marks, marks[1:], strict=False):
                values.append(end - start)
    finally:
        server.stop()
    total = sum(statistics.median(values) for values in times.values())
    print(f"stages of a rebuild in one process (median of {rounds}):")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<15} {median:.3f} s  {100 * median / total:3.0f}%")
    print(f"  {'total':<15} {total:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notes", type=Path)
    parser.add_argument("--edits", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="watch-latency-") as work:
        live(args.notes, Path(work), args.edits)
        stages(args.notes, Path(work), args.edits)


if __name__ == "__main__":
    main()
