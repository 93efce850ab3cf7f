"""The Turtle and TriG parse in rdflib, pyoxigraph, serdi and rapper with the same triple count,
and every build's output satisfies the SHACL shapes."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from mlops_graph.validate import validate_graph, validate_output


def _serdi(path: Path, syntax: str) -> int:
    exe = shutil.which("serdi")
    assert exe, "serdi is missing: run scripts/system-deps.sh"
    done = subprocess.run([exe, "-i", syntax, "-o", "ntriples", str(path)], capture_output=True, check=True)
    return len([line for line in done.stdout.splitlines() if line.strip()])


def _rapper(path: Path, syntax: str) -> int:
    exe = shutil.which("rapper")
    assert exe, "rapper is missing: run scripts/system-deps.sh"
    done = subprocess.run([exe, "-i", syntax, "-c", str(path)], capture_output=True, text=True, check=True)
    match = re.search(r"returned (\d+) (?:triples|statements)", done.stderr)
    assert match, done.stderr
    return int(match.group(1))


def _counts(path: Path) -> dict[str, int]:
    trig = path.suffix == ".trig"
    fmt = ox.RdfFormat.TRIG if trig else ox.RdfFormat.TURTLE
    if trig:
        dataset = rdflib.Dataset()
        dataset.parse(path, format="trig")
        rdflib_count = sum(1 for _ in dataset.quads((None, None, None, None)))
    else:
        rdflib_count = len(rdflib.Graph().parse(path, format="turtle"))
    return {
        "rdflib": rdflib_count,
        "pyoxigraph": sum(1 for _ in ox.parse(path=str(path), format=fmt)),
        "serdi": _serdi(path, "trig" if trig else "turtle"),
        "rapper": _rapper(path, "trig" if trig else "turtle"),
    }


@pytest.mark.parametrize("which", ["corpus_output", "mixed_output"])
def test_graph_files_parse_everywhere(which: str, request: pytest.FixtureRequest) -> None:
    out: Path = request.getfixturevalue(which)
    for name in ("graph.ttl", "graph.trig"):
        counts = _counts(out / name)
        assert len(set(counts.values())) == 1, (name, counts)
        assert counts["rdflib"] > 100


def test_per_note_files_parse_everywhere(mixed_output: Path) -> None:
    files = sorted((mixed_output / "notes").glob("*.ttl"))
    assert len(files) == 23  # the corpus, and every bad file but the image (empty notes too)
    total = 0
    for path in files:
        counts = _counts(path)
        assert len(set(counts.values())) == 1, (path.name, counts)
        total += counts["rdflib"]
    assert total > 0


def test_outputs_conform_to_shapes(corpus_output: Path, mixed_output: Path) -> None:
    assert [str(v) for v in validate_output(corpus_output)] == []
    assert [str(v) for v in validate_output(mixed_output)] == []


def test_shapes_catch_a_broken_graph(corpus_output: Path) -> None:
    graph = rdflib.Graph().parse(corpus_output / "graph.ttl", format="turtle")
    prov_value = rdflib.URIRef("http://www.w3.org/ns/prov#value")
    definition_class = rdflib.URIRef("https://w3id.org/mlops-graph/ns#Definition")
    definition = next(graph.subjects(rdflib.RDF.type, definition_class))
    graph.remove((definition, prov_value, None))
    violations = validate_graph(graph)
    assert violations, "removing a definition's text must violate the shapes"
    assert any(v.focus == str(definition) and v.note_file for v in violations)
