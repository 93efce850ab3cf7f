"""The whole-corpus files of a large build (report, page, suggestions) are made in processes of their
own while the rest of the output is written; the build's parent process does not load what only
those processes need."""

from __future__ import annotations

import gc
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mlops_graph import pipeline, workers
from mlops_graph.export.atomic import write_output
from mlops_graph.pipeline import build
from tests.conftest import CORPUS, ROOT

BACKGROUND_FILES = ["graph.html", "report.md", "suggested-concepts.csv"]


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds of the test corpus spread over processes, as builds of large corpora are."""
    monkeypatch.setattr(workers, "PARALLEL_MIN_NOTES", 1)


def test_the_files_made_in_the_background_come_last(parallel: None) -> None:
    result = build(CORPUS, workers=2)
    names = list(result.files)
    assert names[-3:] == BACKGROUND_FILES
    assert names[:-3] == sorted(names[:-3])
    assert {name: result.files[name] for name in names} == dict(build(CORPUS, workers=1).files)


def test_a_failure_in_the_background_is_raised_where_its_file_is_read(
    parallel: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "output"
    write_output(out, build(CORPUS, workers=2).files)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args: object) -> bytes:
        raise ValueError("the report could not be made")

    monkeypatch.setattr(pipeline, "_report", broken)
    result = build(CORPUS, workers=2)
    assert result.files["graph.ttl"]  # the rest is there
    with pytest.raises(ValueError, match="the report could not be made"):
        result.files["report.md"]
    with pytest.raises(ValueError, match="the report could not be made"):
        write_output(out, result.files)
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_a_process_that_dies_is_reported(parallel: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "_page", lambda *args: os._exit(3))
    result = build(CORPUS, workers=2)
    with pytest.raises(RuntimeError, match=r"ended early \(exit code 3\)"):
        result.files["graph.html"]


def test_a_dropped_result_stops_its_processes(parallel: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: object) -> bytes:
        time.sleep(120)
        return b""

    monkeypatch.setattr(pipeline, "_page", slow)
    collecting = gc.isenabled()
    gc.disable()  # as in the CLI: the result is freed when its last reference goes, not by a collection
    try:
        result = build(CORPUS, workers=2)
        assert multiprocessing.active_children()  # the page is still being made
        del result
    finally:
        if collecting:
            gc.enable()
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


def test_the_build_process_does_not_load_what_only_the_page_and_the_report_need(tmp_path: Path) -> None:
    code = f"""
import sys
from pathlib import Path
from mlops_graph import workers
from mlops_graph.export.atomic import write_output
from mlops_graph.pipeline import build
workers.PARALLEL_MIN_NOTES = 1
write_output(Path({str(tmp_path / "out")!r}), build(Path({str(CORPUS)!r}), workers=2).files)
print(sorted(m for m in ('networkx', 'pyvis', 'jinja2', 'numpy', 'scipy', 'yake', 'rdflib') if m in sys.modules))
"""
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    assert (tmp_path / "out" / "graph.html").stat().st_size > 10_000  # made, in another process


class NeedsTwoArguments(Exception):
    def __init__(self, what: str, why: str) -> None:
        super().__init__(f"{what}: {why}")


def test_an_error_that_cannot_be_sent_back_is_reported_as_text(parallel: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> bytes:
        raise NeedsTwoArguments("the page", "broken on purpose")

    monkeypatch.setattr(pipeline, "_page", broken)
    result = build(CORPUS, workers=2)
    for _ in range(2):
        with pytest.raises(RuntimeError, match=r"NeedsTwoArguments.*broken on purpose"):
            result.files["graph.html"]


def test_a_killed_build_leaves_no_process_behind(tmp_path: Path) -> None:
    code = f"""
import multiprocessing, sys, time
from pathlib import Path
from mlops_graph import pipeline, workers
workers.PARALLEL_MIN_NOTES = 1
pipeline._page = lambda *args: time.sleep(300)
result = pipeline.build(Path({str(CORPUS)!r}), workers=2)
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
time.sleep(300)
"""
    build_process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert build_process.stdout is not None
        children = [int(pid) for pid in build_process.stdout.readline().split()]
        assert children and any(alive(pid) for pid in children)  # the page, at least
    finally:
        build_process.kill()
        build_process.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in children if alive(pid)]


def alive(pid: int) -> bool:
    """Whether the process ``pid`` runs (a zombie, ended but not yet reaped, does not count)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_collector_stays_paused_until_the_output_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlops_graph.cli import main
    from mlops_graph.export import atomic

    seen: list[bool] = []
    real_write = atomic.write_output

    def write_output(*args: Any, **kwargs: Any) -> None:
        seen.append(gc.isenabled())
        real_write(*args, **kwargs)

    monkeypatch.setattr(atomic, "write_output", write_output)
    assert gc.isenabled()
    assert main(["build", str(CORPUS), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert seen == [False]
    assert gc.isenabled()
    assert main(["build", str(tmp_path / "missing"), "-o", str(tmp_path / "out"), "-q"]) == 2
    assert gc.isenabled()


LOWEST_PRIORITY = 19
"""The highest niceness Linux gives a process; asking for more gives this."""


def _below_lowest_priority() -> int:
    """The tests' niceness, which must leave room for a lower priority, or the check could not fail."""
    here = os.nice(0)
    if here >= LOWEST_PRIORITY:
        pytest.fail(f"the tests run at niceness {here}: no lower priority to give a task", pytrace=False)
    return here


def test_a_task_can_run_at_a_lower_priority() -> None:
    here = _below_lowest_priority()
    assert workers.Background(lambda: os.nice(0), True).result() == here
    assert workers.Background(lambda: os.nice(0), True, nice=3).result() == min(here + 3, LOWEST_PRIORITY)
    assert os.nice(0) == here
    with pytest.raises(ValueError, match="0 or more"):
        workers.Background(lambda: None, True, nice=-1)


def test_the_page_goes_ahead_of_the_report_and_the_suggestions(
    parallel: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def niceness(*_args: object) -> bytes:
        return str(os.nice(0)).encode()

    for task in ("_page", "_report", "_suggestions"):
        monkeypatch.setattr(pipeline, task, niceness)
    here = _below_lowest_priority()
    files = build(CORPUS, workers=2).files
    assert int(files["graph.html"]) == here
    lower = min(here + pipeline.SHORTER_TASKS_NICE, LOWEST_PRIORITY)
    assert lower > here
    assert (int(files["report.md"]), int(files["suggested-concepts.csv"])) == (lower, lower)
