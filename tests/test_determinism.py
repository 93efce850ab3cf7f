"""Builds are byte-identical: run twice, read in another order, from another folder, with another
hash seed, or with another number of worker processes, every output file has the same bytes."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from mlops_graph.config import Settings
from mlops_graph.export import atomic
from mlops_graph.export.atomic import CARRIED_OVER, write_output
from mlops_graph.pipeline import build
from tests.conftest import BAD, CORPUS, ROOT

EXPECTED_FILES = {"graph.ttl", "graph.trig", "graph.html", "report.md", "suggested-concepts.csv"}
ALL = Settings(suggest=True)


def sample_notes(folder: Path, order: list[Path] | None = None) -> Path:
    """The sample corpus and the bad files in one folder, copied in ``order``."""
    folder.mkdir(parents=True)
    sources = order if order is not None else sorted([*CORPUS.glob("*.md"), *BAD.iterdir()])
    for path in sources:
        shutil.copyfile(path, folder / path.name)
    return folder


def assert_same(a: Mapping[str, bytes], b: Mapping[str, bytes]) -> None:
    assert sorted(a) == sorted(b)
    different = [name for name in sorted(a) if a[name] != b[name]]
    assert not different, f"files that differ: {different}"


def read_output(folder: Path) -> dict[str, bytes]:
    """Every output file; the query store (tool state, not output) is left out."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] not in CARRIED_OVER}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, bytes]:
    files = build(sample_notes(tmp_path_factory.mktemp("ref") / "notes"), ALL).files
    assert set(files) >= EXPECTED_FILES
    assert len([n for n in files if n.startswith("notes/")]) >= len(list(CORPUS.glob("*.md")))
    return files


def test_two_builds_are_byte_identical(tmp_path: Path, reference: Mapping[str, bytes]) -> None:
    notes = sample_notes(tmp_path / "notes")
    assert_same(build(notes, ALL).files, build(notes, ALL).files)
    assert_same(build(notes, ALL).files, reference)


def test_the_order_in_which_files_are_listed_changes_nothing(
    tmp_path: Path, reference: Mapping[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = sample_notes(tmp_path / "notes")
    real_scandir = os.scandir
    shuffler = random.Random(20220314)
    listed_folders = []

    def shuffled_scandir(path: Any) -> Any:
        listed_folders.append(path)
        with real_scandir(path) as entries:
            listed = list(entries)
        shuffler.shuffle(listed)
        return iter(listed)

    monkeypatch.setattr(os, "scandir", shuffled_scandir)
    for _ in range(3):
        assert_same(build(notes, ALL).files, reference)
    assert len(listed_folders) >= 3


def test_creation_order_times_and_folder_change_nothing(tmp_path: Path, reference: Mapping[str, bytes]) -> None:
    sources = sorted([*CORPUS.glob("*.md"), *BAD.iterdir()], reverse=True)
    random.Random(7).shuffle(sources)
    notes = sample_notes(tmp_path / "elsewhere" / "other-name", sources)
    shuffler = random.Random(11)
    for path in notes.iterdir():
        stamp = shuffler.randint(0, 2_000_000_000)
        os.utime(path, (stamp, stamp))
    assert_same(build(notes, ALL).files, reference)


@pytest.mark.slow
def test_the_hash_seed_changes_nothing(tmp_path: Path, reference: Mapping[str, bytes]) -> None:
    notes = sample_notes(tmp_path / "notes")
    outputs = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"out-{seed}"
        subprocess.run(
            [sys.executable, "-m", "mlops_graph", "build", str(notes), "-o", str(out), "-q", "--suggest"],
            cwd=ROOT, check=True, capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
        )
        outputs.append(read_output(out))
    for output in outputs:
        assert_same(output, reference)


@pytest.mark.slow
def test_worker_processes_change_nothing(tmp_path: Path) -> None:
    notes = sample_notes(tmp_path / "notes")
    for i in range(450):
        (notes / f"generated-{i:04d}.md").write_text(
            f"---\ntitle: Generated {i}\ntags: [mlops, t{i % 7}]\n---\n\n# What is thing {i}\n\n"
            f"Thing {i} relates model serving to [[Generated {(i * 7) % 450}]].\n\n"
            f"[Source {i % 9}](https://example.org/{i % 9}/{i}) said\n\n> Thing {i} is data drift.\n",
            encoding="utf-8",
        )
    single = build(notes, ALL, workers=1).files
    assert_same(build(notes, ALL, workers=2).files, single)
    assert_same(build(notes, ALL, workers=3).files, single)


def test_canonical_order_is_the_order_of_the_terms() -> None:
    import pyoxigraph as ox

    from mlops_graph.export.rdf import canonical

    iris = ["https://a.example/x", "https://a.example/x/", "https://a.example/x-y", "https://a.example/x/y",
            "https://a.example/x%20y", "https://a.example/é"]
    subjects: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(i) for i in iris]
    subjects += [ox.BlankNode("b1"), ox.BlankNode("b12"), ox.BlankNode("b1x")]
    objects = [ox.Literal("a"), ox.Literal("a b"), ox.Literal('a"'), ox.Literal("a", language="en"),
               ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
               ox.NamedNode(iris[0]), ox.BlankNode("b1")]
    predicates = [ox.NamedNode(i) for i in iris[:3]]
    triples = [ox.Triple(s, p, o) for s in subjects for p in predicates for o in objects]
    random.Random(7).shuffle(triples)
    expected = sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    assert canonical(triples + triples[:20]) == expected


@pytest.mark.parametrize("spill_bytes", [1, 20_000])
def test_graphs_kept_in_a_temporary_file_give_the_same_files(
        tmp_path: Path, reference: Mapping[str, bytes], monkeypatch: pytest.MonkeyPatch, spill_bytes: int) -> None:
    # A 10,000-note build's Turtle statements go to a temporary file; from the first (1) or after a few notes.
    from mlops_graph.export import outputs

    monkeypatch.setattr(outputs, "SPILL_BYTES", spill_bytes)
    assert_same(build(sample_notes(tmp_path / "notes"), ALL).files, reference)
    # Written by the writer threads (as from 400 files on), which read the bodies side by side.
    monkeypatch.setattr(atomic, "THREADED_FROM", 0)
    write_output(tmp_path / "out", build(tmp_path / "notes", ALL).files)
    assert_same(read_output(tmp_path / "out"), reference)


def test_graphs_kept_in_a_temporary_file_are_read_back_without_pread(
        tmp_path: Path, reference: Mapping[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    # Where the system has no pread (Windows), the bodies are read back one at a time.
    from mlops_graph.export import outputs

    monkeypatch.setattr(outputs, "SPILL_BYTES", 1)
    monkeypatch.delattr(os, "pread")
    monkeypatch.setattr(atomic, "THREADED_FROM", 0)
    write_output(tmp_path / "out", build(sample_notes(tmp_path / "notes"), ALL).files)
    assert_same(read_output(tmp_path / "out"), reference)
