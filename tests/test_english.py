"""English lemmas: inflected forms read as their lemma, a word the table does not know as written, and
the shipped table is the one scripts/english_lemmas.py makes from the installed simplemma."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


words = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(st.dictionaries(words, words, max_size=200), st.sets(words, max_size=20))
def test_a_table_finds_what_was_written_and_nothing_else(table: dict[str, str], others: set[str]) -> None:
    found = english.Table(english.encode(table))
    assert all(found.known(form) and found.lemma(form) == lemma for form, lemma in table.items())
    assert not any(found.known(word) or found.lemma(word) != word for word in others - table.keys())


@pytest.mark.slow
def test_the_shipped_table_is_what_the_script_makes_from_the_installed_simplemma(tmp_path: Path) -> None:
    # Fails after a simplemma upgrade until scripts/english_lemmas.py has rewritten the table.
    made = tmp_path / english.TABLE
    subprocess.run([sys.executable, str(SCRIPT), "--output", str(made)], check=True, capture_output=True)
    assert made.read_bytes() == (Path(english.__file__).parent / english.TABLE).read_bytes()
    shipped = english.Table(made.read_bytes())
    assert shipped.lemma("stores") == "store" and shipped.lemma("feb") == "february"
