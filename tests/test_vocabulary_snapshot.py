"""The shipped vocabulary is read from its snapshot (vocabulary.json) only while the snapshot matches
vocabulary.ttl; the snapshot is what scripts/vocabulary_snapshot.py makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_graph.config import Settings
from mlops_graph.extract import concepts
from mlops_graph.extract.concepts import SNAPSHOT_FILE, VOCABULARY_FILE, load_vocabulary, snapshot, vocabulary_for

V = "https://w3id.org/mlops-graph/vocab/"


def test_the_shipped_snapshot_is_what_the_script_makes_from_vocabulary_ttl() -> None:
    # Fails after an edit of ontology/vocabulary.ttl until scripts/vocabulary_snapshot.py has run.
    assert SNAPSHOT_FILE.read_bytes() == snapshot(load_vocabulary([VOCABULARY_FILE]))


def test_a_build_reads_the_same_concepts_as_parsing_the_turtle_file(tmp_path: Path) -> None:
    extra = tmp_path / "extra.ttl"
    extra.write_text(f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{V}mlops> skos:prefLabel "MLOps"@en ; skos:altLabel "ML operations" .
<https://example.org/c/dataops> skos:prefLabel "DataOps"@en .
""", encoding="utf-8")
    assert concepts._snapshot() == load_vocabulary([VOCABULARY_FILE])  # the copy is used, not parsed again
    assert vocabulary_for(Settings()) == load_vocabulary([VOCABULARY_FILE])
    both = vocabulary_for(Settings(vocabularies=(extra,)))
    assert both == load_vocabulary([VOCABULARY_FILE, extra])
    assert [c.alt_labels for c in both if c.iri == V + "mlops"] == [["ML operations"]]


def test_a_vocabulary_edited_since_the_snapshot_is_read_from_the_turtle_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edited = tmp_path / "vocabulary.ttl"
    edited.write_text(VOCABULARY_FILE.read_text(encoding="utf-8") + f"""
<{V}model-zoo> a skos:Concept ; skos:prefLabel "model zoo"@en ; skos:inScheme <{V[:-1]}> .
""", encoding="utf-8")
    monkeypatch.setattr(concepts, "VOCABULARY_FILE", edited)
    found = {c.iri: c.pref_label for c in vocabulary_for(Settings())}
    assert found[V + "model-zoo"] == "model zoo"
    assert found[V + "mlops"] == "MLOps"
