"""Golden cases: each folder under tests/golden/ names its notes and holds the expected graphs.

Each named graph of a case's build (its notes' graphs and the sources graph: all but the concept
scheme, which holds the whole vocabulary) is compared with the graph of the same name in
``expected.trig``, as graphs (``rdflib.compare.isomorphic``), and the two hold the same graph names.
``pytest --update-golden`` rewrites the expected files from the current output, on purpose.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from mlops_graph.config import Settings
from mlops_graph.pipeline import build
from tests.conftest import FIXTURES, TESTS

GOLDEN = TESTS / "golden"
PREFIXES = {"mg": "https://w3id.org/mlops-graph/ns#", "mgv": "https://w3id.org/mlops-graph/vocab/",
            "oa": "http://www.w3.org/ns/oa#", "prov": "http://www.w3.org/ns/prov#", "schema": "https://schema.org/",
            "dcterms": "http://purl.org/dc/terms/", "skos": "http://www.w3.org/2004/02/skos/core#"}
"""Prefixes of the rewritten expected files, so that a rewrite shows only what changed."""
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "notes.txt").is_file())


def _case_notes(case: Path, into: Path) -> Path:
    folder = into / "notes"
    folder.mkdir()
    for line in (case / "notes.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            if (FIXTURES / line).is_dir():  # a whole vault, hidden folders and all
                shutil.copytree(FIXTURES / line, folder / Path(line).name)
            else:
                shutil.copy(FIXTURES / line, folder / Path(line).name)
    return folder


def _note_graphs(case: Path, tmp_path: Path) -> dict[str, rdflib.Graph]:
    """The notes' graphs and the sources graph by name: everything but the concept scheme."""
    result = build(_case_notes(case, tmp_path), Settings(html=False))
    return _graphs(result.files["graph.trig"])


def _graphs(trig: bytes | str) -> dict[str, rdflib.Graph]:
    dataset = rdflib.Dataset()
    dataset.parse(data=trig, format="trig")
    graphs: dict[str, rdflib.Graph] = {}
    for context in dataset.graphs():
        name = str(context.identifier)
        if len(context) and not name.endswith("/graph/concepts"):
            graph = graphs[name] = rdflib.Graph()
            for triple in context:
                graph.add(triple)
    return graphs


def _difference(name: str, actual: rdflib.Graph, expected: rdflib.Graph) -> list[str]:
    _both, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
    lines = [f"in <{name}>:"]
    lines += [f"+ {' '.join(t.n3() for t in triple)}" for triple in sorted(only_actual)][:20]
    lines += [f"- {' '.join(t.n3() for t in triple)}" for triple in sorted(only_expected)][:20]
    return lines


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    case = GOLDEN / name
    actual = _note_graphs(case, tmp_path)
    expected_file = case / "expected.trig"
    lines = _differences(actual, expected_file) if expected_file.is_file() else ["no expected.trig"]
    if lines and request.config.getoption("--update-golden"):
        dataset = rdflib.Dataset()
        for prefix, namespace in PREFIXES.items():
            dataset.bind(prefix, namespace)
        for graph_name, graph in actual.items():
            target = dataset.graph(rdflib.URIRef(graph_name))
            for triple in graph:
                target.add(triple)
        expected_file.write_text(dataset.serialize(format="trig"), encoding="utf-8")
        lines = _differences(actual, expected_file)
    if lines:
        pytest.fail(f"golden case {name} differs (rerun with --update-golden if intended):\n" + "\n".join(lines))


def _differences(actual: dict[str, rdflib.Graph], expected_file: Path) -> list[str]:
    expected = _graphs(expected_file.read_bytes())
    lines = [f"graph only in the build: <{g}>" for g in sorted(set(actual) - set(expected))]
    lines += [f"graph only in expected.trig: <{g}>" for g in sorted(set(expected) - set(actual))]
    for graph_name in sorted(set(actual) & set(expected)):
        if not isomorphic(actual[graph_name], expected[graph_name]):
            lines += _difference(graph_name, actual[graph_name], expected[graph_name])
    return lines


def test_every_sample_note_has_a_golden_case() -> None:
    listed = {
        line.strip()
        for case in CASES
        for line in (GOLDEN / case / "notes.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    samples = {f"corpus/{p.name}" for p in (FIXTURES / "corpus").glob("*.md")}
    assert samples <= listed
