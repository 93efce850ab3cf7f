"""The whole-corpus files of a large build (report, page, suggestions) are made in processes of their
own while the rest of the output is written; the build's parent process does not load what only
those processes need."""

from __future__ import annotations

import gc
import multiprocessing
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
    import os

    monkeypatch.setattr(pipeline, "_page", lambda *args: os._exit(3))
    result = build(CORPUS, workers=2)
    with pytest.raises(RuntimeError, match=r"ended early \(exit code 3\)"):
        result.files["graph.html"]


def test_a_dropped_result_stops_its_processes(parallel: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: object) -> bytes:
        time.sleep(120)
        return b""

    monkeypatch.setattr(pipeline, "_page", slow)
    result = build(CORPUS, workers=2)
    assert multiprocessing.active_children()  # the page is still being made
    del result
    gc.collect()
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


def test_the_build_process_does_not_load_what_only_the_page_and_the_report_need() -> None:
    code = ("import sys, mlops_graph.cli, mlops_graph.pipeline; "
            "print(sorted(m for m in ('networkx', 'pyvis', 'jinja2', 'numpy', 'scipy', 'yake', 'rdflib') "
            "if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


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
