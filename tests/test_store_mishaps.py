"""The embedded store kept beside a build's graph.trig: what it may replace, and how it copes with
damage, leftovers and other queries running at the same time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from mlops_graph.errors import StoreError
from mlops_graph.query.named import named_queries
from mlops_graph.store import embedded

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _forget_open_stores() -> Iterator[None]:
    embedded._OPEN.clear()
    yield
    embedded._OPEN.clear()


@pytest.fixture
def graph(corpus_output: Path, tmp_path: Path) -> Path:
    """A copy of the sample build's graph.trig, alone in a folder."""
    target = tmp_path / "out" / "graph.trig"
    target.parent.mkdir()
    shutil.copy(corpus_output / "graph.trig", target)
    return target


def _count(graph_file: Path) -> int:
    return len(embedded.open_store(graph_file, persist=False))


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_store_folder_that_mlops_graph_did_not_make_is_left_alone(graph: Path) -> None:
    own = graph.parent / embedded.STORE_DIR
    own.mkdir()
    (own / "important.txt").write_text("keep me")
    store = embedded.open_store(graph)
    assert len(store) == _count(graph)
    assert (own / "important.txt").read_text() == "keep me"
    assert sorted(p.name for p in own.iterdir()) == ["important.txt"]


def test_a_store_is_kept_only_for_a_builds_graph_trig(graph: Path) -> None:
    other = graph.with_name("data.trig")
    graph.rename(other)
    assert len(embedded.open_store(other)) > 0
    assert sorted(p.name for p in other.parent.iterdir()) == ["data.trig"]


def test_a_damaged_store_is_loaded_again(graph: Path) -> None:
    expected = _count(graph)
    embedded.open_store(graph)
    embedded._OPEN.clear()
    db = graph.parent / embedded.STORE_DIR / "db"
    damaged = 0
    for table in db.glob("*.sst"):
        table.write_bytes(table.read_bytes()[:100])
        damaged += 1
    assert damaged
    store = embedded.open_store(graph)
    assert len(store) == expected
    assert embedded._table_of(store) is not None  # kept on disk again, not only loaded into memory
    result = embedded.run_query(store, named_queries()["compare"], {"term": "MLOps"})
    assert len(result.rows) >= 2


def test_a_label_table_of_another_shape_is_not_used(graph: Path) -> None:
    embedded.open_store(graph)
    embedded._OPEN.clear()
    (graph.parent / embedded.STORE_DIR / "labels.json").write_text(json.dumps(["x"]))
    store = embedded.open_store(graph)
    assert embedded._table_of(store) is None
    assert len(embedded.run_query(store, named_queries()["compare"], {"term": "MLOps"}).rows) >= 2


def test_the_leftovers_of_queries_whose_process_is_gone_are_removed(graph: Path) -> None:
    dead, alive = _dead_pid(), os.getppid()
    names = [f".store-loading-{dead}", f".store-retired-{dead}", f".store-loading-{alive}"]
    for name in names:
        (graph.parent / name / "db").mkdir(parents=True)
    embedded.open_store(graph)
    left = sorted(p.name for p in graph.parent.iterdir())
    assert left == [f".store-loading-{alive}", "graph.trig", embedded.STORE_DIR]


@pytest.mark.parametrize("stop", [KeyboardInterrupt, StoreError])
def test_a_load_that_stops_leaves_nothing_behind(graph: Path, monkeypatch: pytest.MonkeyPatch,
                                                 stop: type[BaseException]) -> None:
    def load(store: ox.Store, path: Path, fmt: ox.RdfFormat) -> None:
        raise stop("stopped")

    monkeypatch.setattr(embedded, "_load", load)
    with pytest.raises(stop):
        embedded.open_store(graph)
    assert sorted(p.name for p in graph.parent.iterdir()) == ["graph.trig"]


def test_a_store_another_query_put_in_place_meanwhile_is_kept(graph: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The other query's finished store, for the same graph file, made beforehand.
    embedded.open_store(graph)
    embedded._OPEN.clear()
    theirs = tmp_path / "theirs"
    os.rename(graph.parent / embedded.STORE_DIR, theirs)
    stamp_inode = (theirs / "source.sha256").stat().st_ino
    real_table = embedded._label_table

    def table_while_the_other_query_finishes(store: ox.Store) -> dict[str, list[str]]:
        if not (graph.parent / embedded.STORE_DIR).exists():
            os.rename(theirs, graph.parent / embedded.STORE_DIR)
        return real_table(store)

    monkeypatch.setattr(embedded, "_label_table", table_while_the_other_query_finishes)
    store = embedded.open_store(graph)
    assert (graph.parent / embedded.STORE_DIR / "source.sha256").stat().st_ino == stamp_inode
    assert len(store) == _count(graph)
    assert sorted(p.name for p in graph.parent.iterdir()) == ["graph.trig", embedded.STORE_DIR]


def test_a_graph_file_replaced_while_it_loads_is_loaded_again(graph: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    newer = tmp_path / "newer.trig"
    newer.write_bytes(graph.read_bytes() + b"<https://example.org/g> { <https://example.org/a> "
                      b"<https://example.org/b> <https://example.org/c> . }\n")
    expected = _count(newer)
    real_load = embedded._load

    def load_then_replace(store: ox.Store, path: Path, fmt: ox.RdfFormat) -> None:
        real_load(store, path, fmt)
        if newer.exists():
            os.replace(newer, graph)  # a build, or a copy, lands while the first query loads

    monkeypatch.setattr(embedded, "_load", load_then_replace)
    embedded.open_store(graph)
    embedded._OPEN.clear()
    monkeypatch.setattr(embedded, "_load", real_load)
    assert len(embedded.open_store(graph)) == expected


def test_a_graph_file_replaced_between_its_hash_and_its_load_is_never_kept_under_the_old_hash(
        graph: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = graph.read_bytes()
    expected = _count(graph)
    newer = tmp_path / "newer.trig"
    newer.write_bytes(first + b"<https://example.org/g> { <https://example.org/a> "
                      b"<https://example.org/b> <https://example.org/c> . }\n")
    real_load = embedded._load

    def replace_then_load(store: ox.Store, path: Path, fmt: ox.RdfFormat) -> None:
        if newer.exists():
            os.replace(newer, graph)  # another build lands after the hash, before the load
        real_load(store, path, fmt)

    monkeypatch.setattr(embedded, "_load", replace_then_load)
    assert len(embedded.open_store(graph)) == expected + 1  # answered from the file as it now is
    embedded._OPEN.clear()
    monkeypatch.setattr(embedded, "_load", real_load)
    again = tmp_path / "again.trig"
    again.write_bytes(first)  # a build of the first notes again: the same bytes, a new file
    os.replace(again, graph)
    assert len(embedded.open_store(graph)) == expected


def test_a_load_whose_folder_a_build_takes_away_is_answered_from_memory(
        graph: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _count(graph)
    real_load = embedded._load
    calls: list[Path] = []

    def folder_taken_away(store: ox.Store, path: Path, fmt: ox.RdfFormat) -> None:
        calls.append(path)
        if len(calls) == 1:
            shutil.rmtree(graph.parent / f".store-loading-{os.getpid()}")
        real_load(store, path, fmt)

    monkeypatch.setattr(embedded, "_load", folder_taken_away)
    store = embedded.open_store(graph)
    assert len(store) == expected and len(calls) == 2
    assert sorted(p.name for p in graph.parent.iterdir()) == ["graph.trig"]


def test_a_graph_file_that_cannot_be_read_is_reported(graph: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreadable(path: Path) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(embedded, "_digest", unreadable)
    with pytest.raises(StoreError, match=r"graph\.trig: cannot be read: Permission denied"):
        embedded.open_store(graph)


_QUERY_ONCE = """
import sys
from pathlib import Path
from mlops_graph.query.named import named_queries
from mlops_graph.store import embedded
store = embedded.open_store(Path(sys.argv[1]))
print(len(embedded.run_query(store, named_queries()["terms"]).rows))
"""


def test_first_queries_started_together_all_answer(graph: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _round in range(3):
        shutil.rmtree(graph.parent / embedded.STORE_DIR, ignore_errors=True)
        runs = [subprocess.Popen([sys.executable, "-c", _QUERY_ONCE, str(graph)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        try:
            answers = [run.communicate(timeout=120) for run in runs]
        finally:
            for run in runs:
                run.kill()
                run.wait()
        assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in answers]
        assert len({out for out, _ in answers}) == 1 and int(answers[0][0]) > 0
        assert sorted(p.name for p in graph.parent.iterdir()) == ["graph.trig", embedded.STORE_DIR]
