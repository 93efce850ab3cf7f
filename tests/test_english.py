"""English lemmas: inflected forms read as their lemma, a word the table does not know as written, and
the shipped table is the one scripts/english_lemmas.py makes from the installed simplemma."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from mlops_graph.extract import english
from mlops_graph.extract.concepts import Concept
from mlops_graph.extract.labels import normalize_label
from mlops_graph.extract.mentions import MentionMatcher

SCRIPT = Path(__file__).parents[1] / "scripts" / "english_lemmas.py"
V = "https://w3id.org/mlops-graph/vocab/"


@pytest.mark.parametrize(("written", "other"), [
    ("Feature Stores", "feature store"),
    ("the models ran", "the model run"),
    ("Analyses of Indices", "analysis of index"),
    ("geese", "goose"),
    ("Feb", "February"),
])
def test_inflected_forms_and_abbreviations_share_a_key(written: str, other: str) -> None:
    assert normalize_label(written) == normalize_label(other)


@pytest.mark.parametrize("word", ["Kubeflowed", "Dataopsified", "Featurizations", "Kubernetes"])
def test_a_word_the_table_does_not_know_is_compared_as_written(word: str) -> None:
    assert normalize_label(word) == word.casefold()
    assert normalize_label(f"{word} pipelines") == f"{word.casefold()} pipeline"


def test_only_a_word_the_table_does_not_know_can_be_a_typo() -> None:
    matcher = MentionMatcher([Concept(V + "mlops", "MLOps", "en", V, True, ["Machine Learning Operations"], [])])
    assert [m.exact for m in matcher.find("Machine Lerning Operations")] == ["Machine Lerning Operations"]
    assert [m.exact for m in matcher.find("Machine Leaning Operations")] == []


def test_encoding_round_trips_and_refuses_what_it_cannot_hold() -> None:
    table = {"runs": "run", "ran": "run", "run": "run", "feb": "february"}
    assert english.decode(english.encode(table)) == table
    for bad in ({"": "x"}, {"a\nb": "a"}, {"a": "b\0"}):
        with pytest.raises(ValueError):
            english.encode(bad)


@pytest.mark.slow
def test_the_shipped_table_is_what_the_script_makes_from_the_installed_simplemma(tmp_path: Path) -> None:
    # Fails after a simplemma upgrade until scripts/english_lemmas.py has rewritten the table.
    made = tmp_path / english.TABLE
    subprocess.run([sys.executable, str(SCRIPT), "--output", str(made)], check=True, capture_output=True)
    shipped = english.decode(files(english.__package__).joinpath(english.TABLE).read_bytes())
    assert english.decode(made.read_bytes()) == shipped
    assert shipped["stores"] == "store" and shipped["feb"] == "february"
