"""The user's own note, notes/what-is-mlops.md: the seven attributed definitions, verbatim."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from mlops_graph.cli import main
from tests.conftest import ROOT

EXPECTED = [
    ("Wikipedia", "https://en.wikipedia.org/wiki/MLOps",
     "A set of practices that aims to deploy and maintain machine learning models in production reliably and "
     "efficiently"),
    ("DataBricks", "https://databricks.com/glossary/mlops",
     "MLOps stands for Machine Laerning Operations. MLOps is a core function of Machine Learning engineering, "
     "focused on streamlining the process of taking machine learning models to production, and then maintaining "
     "and monitoring them. MLOps is a collaborative function, often comprising data scientist, devops engineers, "
     "and IT."),
    ("Google",
     "https://cloud.google.com/architecture/mlops-continuous-delivery-and-automation-pipelines-in-machine-learning",
     "MLOps is an ML engineering culture and practice that aims at unifying ML system development (Dev) and ML "
     "system operations (Ops). Practicing MLOps means that you advocate for automation and monitoring at all steps "
     "of ML system construction, including integration, testing, releasing, deployment and infrastructure "
     "management."),
    ("Algorithmia", "https://algorithmia.com/mlops",
     "MLOps is the discipling of delivering machine learning (ML) models through repeatable and efficient "
     "workflows. MLOps enables the continuous delivery of high-performing ML applications into production at "
     "scale."),
    ("Neptune.ai", "https://neptune.ai/blog/mlops",
     "MLOps is a set of practices for collaboration and communication between data scientist and operations "
     "professionals. Applying these practices increases the quality, simplifies the management process, and "
     "automates the deployment of Machine Learning and Deep Learning models in large-scale production "
     "environments. It's easier to align models with business needs, as well as regulartory requirements."),
    ("Nvidia", "https://blogs.nvidia.com/blog/2020/09/03/what-is-mlops/",
     "MLOps is a set of best practices for businesses to run AI successfully."),
    ("MLOps.org", "https://ml-ops.org/content/motivation#mlops-definition",
     'The term MLOps defined as "the extension of the DevOps methodology to include Machine Learning and Data '
     'Science assets as first-class citizens within the DevOps ecology"'),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("user")
    shutil.copytree(ROOT / "notes", work / "notes")
    assert main(["build", str(work / "notes"), "-o", str(work / "output"), "--no-html"]) == 0
    return work / "output"


def _rows(output: Path, capsys: pytest.CaptureFixture[str], *query: str) -> list[dict[str, str]]:
    capsys.readouterr()
    assert main(["query", *query, "--graph", str(output / "graph.trig"), "--format", "csv"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_definitions_are_the_seven_sources_verbatim(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(built, capsys, "definitions")
    assert list(rows[0]) == ["definition", "note", "file", "noteTitle", "term", "termLabel", "source",
                             "sourceName", "url", "text"]
    attributed = [(r["sourceName"], r["url"], r["text"]) for r in rows if r["source"]]
    assert attributed == EXPECTED
    own = [r for r in rows if not r["source"]]
    assert [r["text"][:40] for r in own] == ["A set of culture and practice that aims "]
    assert {r["file"] for r in rows} == {"what-is-mlops.md"}
    assert {r["termLabel"] for r in rows} <= {"MLOps", "Machine Learning Operations"}
    assert len({r["term"] for r in rows}) == 1
    assert len({r["definition"] for r in rows}) == 8


def test_term_is_mlops_with_its_long_form(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(built, capsys, "compare", "Machine Learning Operations")
    assert len(rows) == 8
    assert {r["term"] for r in rows} == {"Machine Learning Operations"}
    again = _rows(built, capsys, "compare", "mlops")
    assert [{k: v for k, v in r.items() if k != "term"} for r in again] == [
        {k: v for k, v in r.items() if k != "term"} for r in rows
    ]


def test_note_date(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(built, capsys, "timeline")
    assert [(r["date"], r["file"]) for r in rows] == [("2022-03-14", "what-is-mlops.md")]


def test_consensus_shows_the_shared_ideas(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(built, capsys, "consensus")
    assert {r["term"] for r in rows} == {"https://w3id.org/mlops-graph/vocab/mlops"}
    sources = {r["label"]: int(r["sources"]) for r in rows}
    for idea in ("deployment", "production environment", "monitoring", "automation", "DevOps",
                 "machine learning model"):
        assert idea in sources, idea
    assert sources["machine learning model"] >= 3 and sources["production environment"] >= 3
    assert sources["deployment"] >= 3
    assert [int(r["sources"]) for r in rows] == sorted((int(r["sources"]) for r in rows), reverse=True)
