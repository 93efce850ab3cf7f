"""Shared fixtures: builds of the sample corpus and of the bad files, made once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlops_graph.config import Settings
from mlops_graph.export.atomic import write_output
from mlops_graph.pipeline import BuildResult, build

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
CORPUS = FIXTURES / "corpus"
BAD = FIXTURES / "bad"
ROOT = TESTS.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="rewrite the expected.trig of every golden case from the current output",
    )


@pytest.fixture(scope="session")
def corpus_build() -> BuildResult:
    return build(CORPUS, Settings())


@pytest.fixture(scope="session")
def corpus_output(tmp_path_factory: pytest.TempPathFactory, corpus_build: BuildResult) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "output"
    write_output(out, corpus_build.files)
    return out


@pytest.fixture(scope="session")
def mixed_notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus and every bad file in one notes folder."""
    folder = tmp_path_factory.mktemp("mixed") / "notes"
    shutil.copytree(CORPUS, folder)
    for path in BAD.iterdir():
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def mixed_build(mixed_notes: Path) -> BuildResult:
    return build(mixed_notes, Settings())


@pytest.fixture(scope="session")
def mixed_output(tmp_path_factory: pytest.TempPathFactory, mixed_build: BuildResult) -> Path:
    out = tmp_path_factory.mktemp("mixed-out") / "output"
    write_output(out, mixed_build.files)
    return out
