"""Golden cases: each folder under tests/golden/ names its notes and holds the expected graph.

The graphs of a case's build (its notes' graphs and the sources graph: all but the concept scheme) are compared with
``expected.ttl`` as graphs (``rdflib.compare.isomorphic``). ``pytest --update-golden`` rewrites the
expected files from the current output, on purpose.
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
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "notes.txt").is_file())


def _case_notes(case: Path, into: Path) -> Path:
    folder = into / "notes"
    folder.mkdir()
    for line in (case / "notes.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            shutil.copy(FIXTURES / line, folder / Path(line).name)
    return folder


def _note_graphs(case: Path, tmp_path: Path) -> rdflib.Graph:
    """The notes' graphs and the sources graph: everything but the concept scheme."""
    result = build(_case_notes(case, tmp_path), Settings(html=False))
    dataset = rdflib.Dataset()
    dataset.parse(data=result.files["graph.trig"], format="trig")
    graph = rdflib.Graph()
    for context in dataset.graphs():
        if not str(context.identifier).endswith("/graph/concepts"):
            for triple in context:
                graph.add(triple)
    return graph


@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    case = GOLDEN / name
    actual = _note_graphs(case, tmp_path)
    expected_file = case / "expected.ttl"
    if request.config.getoption("--update-golden"):
        data = actual.serialize(format="turtle")
        expected_file.write_text(data, encoding="utf-8")
    expected = rdflib.Graph().parse(expected_file, format="turtle")
    if not isomorphic(actual, expected):
        _both, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        lines = [f"+ {' '.join(t.n3() for t in triple)}" for triple in sorted(only_actual)][:20]
        lines += [f"- {' '.join(t.n3() for t in triple)}" for triple in sorted(only_expected)][:20]
        pytest.fail(f"golden case {name} differs (rerun with --update-golden if intended):\n" + "\n".join(lines))


def test_every_sample_note_has_a_golden_case() -> None:
    listed = {
        line.strip()
        for case in CASES
        for line in (GOLDEN / case / "notes.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    samples = {f"corpus/{p.name}" for p in (FIXTURES / "corpus").glob("*.md")}
    assert samples <= listed
