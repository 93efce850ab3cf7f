"""The ontology's HTML documentation (pyLODE): complete, deterministic, written atomically."""

from __future__ import annotations

import datetime
import logging
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from mlops_graph.cli import main
from mlops_graph.errors import ConfigError
from mlops_graph.export import ontology_docs
from mlops_graph.export.ontology_docs import render_ontology_docs
from mlops_graph.namespaces import MG
from mlops_graph.validate import ONTOLOGY_FILE
from tests.conftest import ROOT

TERM_TYPES = (OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
              RDF.Property)


class EntityCollector(HTMLParser):
    """(IRI, heading text) of every documented entity: a ``div.entity`` with an ``<h3>`` and an IRI row."""

    def __init__(self) -> None:
        super().__init__()
        self.entities: list[tuple[str, str]] = []
        self._depth = 0
        self._entity_depth: int | None = None
        self._heading: list[str] | None = None
        self._in_sup = False
        self._th: list[str] | None = None
        self._after_iri_th = False
        self._in_code = False
        self._current_heading = ""
        self._current_iri = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            self._depth += 1
            classes = (dict(attrs).get("class") or "").split()
            if "entity" in classes:
                self._entity_depth = self._depth
                self._current_heading, self._current_iri = "", ""
        if self._entity_depth is None:
            return
        if tag == "h3":
            self._heading = []
        elif tag == "sup":
            self._in_sup = True
        elif tag == "th":
            self._th = []
        elif tag == "code" and self._after_iri_th and not self._current_iri:
            self._in_code = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            if self._entity_depth == self._depth:
                self.entities.append((self._current_iri, self._current_heading))
                self._entity_depth = None
            self._depth -= 1
        elif tag == "h3" and self._heading is not None:
            self._current_heading = " ".join("".join(self._heading).split())
            self._heading = None
        elif tag == "sup":
            self._in_sup = False
        elif tag == "th" and self._th is not None:
            self._after_iri_th = "".join(self._th).strip() == "IRI"
            self._th = None
        elif tag == "code":
            self._in_code = False
        elif tag == "tr":
            self._after_iri_th = False

    def handle_data(self, data: str) -> None:
        if self._heading is not None and not self._in_sup:
            self._heading.append(data)
        if self._th is not None:
            self._th.append(data)
        if self._in_code:
            self._current_iri += data.strip()


def documented(page: str) -> list[tuple[str, str]]:
    collector = EntityCollector()
    collector.feed(page)
    collector.close()
    return collector.entities


def ontology_terms() -> dict[str, str]:
    """Every mg: class and property of the ontology, with its English label."""
    graph = rdflib.Graph().parse(ONTOLOGY_FILE, format="turtle")
    terms: dict[str, str] = {}
    for kind in TERM_TYPES:
        for subject in graph.subjects(RDF.type, kind):
            if isinstance(subject, rdflib.URIRef) and str(subject).startswith(MG):
                labels = [str(o) for o in graph.objects(subject, RDFS.label)
                          if isinstance(o, rdflib.Literal) and o.language in (None, "en")]
                assert len(labels) == 1, f"{subject} has {len(labels)} English labels"
                terms[str(subject)] = labels[0]
    return terms


@pytest.fixture(scope="module")
def page() -> str:
    return render_ontology_docs()


def test_every_class_and_property_is_documented_with_its_label(page: str) -> None:
    terms = ontology_terms()
    entities = documented(page)

    assert {f"{MG}Note", f"{MG}Definition", f"{MG}containsGraph", f"{MG}line"} <= set(terms)
    found = {iri: heading for iri, heading in entities if iri in terms}
    assert found == terms
    assert all(iri.startswith(MG) for iri, _ in entities)


def test_the_page_names_the_ontology_and_has_no_date(page: str) -> None:
    assert "<title>mlops-graph ontology</title>" in page
    assert page.startswith("<!DOCTYPE html>")
    assert page.endswith("</html>\n")
    today = datetime.date.today()
    for stamp in (today.isoformat(), today.strftime("%d-%m-%Y"), today.strftime("%Y/%m/%d")):
        assert stamp not in page


def render_in_a_new_process(seed: str) -> bytes:
    code = (
        "import sys\n"
        "from mlops_graph.export.ontology_docs import render_ontology_docs\n"
        "sys.stdout.buffer.write(render_ontology_docs().encode('utf-8'))\n"
    )
    environment = {**os.environ, "PYTHONHASHSEED": seed}
    completed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
                               check=True, timeout=300)
    assert completed.stderr == b"", completed.stderr.decode(errors="replace")
    return completed.stdout


def test_the_page_is_byte_identical_across_runs(page: str) -> None:
    # Separate processes with different hash seeds: set and dict orders inside rdflib and pyLODE
    # differ between them, so an order that leaks into the page shows up here.
    first, second = render_in_a_new_process("1"), render_in_a_new_process("2")

    assert first == second
    assert first == page.encode("utf-8")
    assert render_ontology_docs() == page


def test_rendering_leaves_the_root_logger_as_it_was(page: str) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    render_ontology_docs()

    assert root.handlers == handlers
    assert root.level == level


def test_docs_command_writes_the_page(tmp_path: Path, page: str, capsys: pytest.CaptureFixture[str]) -> None:
    destination = tmp_path / "site" / "ontology.html"

    assert main(["docs", "-o", str(destination)]) == 0

    assert destination.read_bytes() == page.encode("utf-8")
    assert sorted(p.name for p in destination.parent.iterdir()) == ["ontology.html"]
    assert f"{destination.as_posix()}: ontology documentation written" in capsys.readouterr().out


def test_a_failed_render_leaves_the_old_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    destination = tmp_path / "ontology.html"
    destination.write_text("old page", encoding="utf-8")
    missing = tmp_path / "no-such-ontology.ttl"
    real = ontology_docs.write_ontology_docs
    monkeypatch.setattr(ontology_docs, "write_ontology_docs", lambda path: real(path, missing))

    assert main(["docs", "-o", str(destination)]) == 2

    assert destination.read_text(encoding="utf-8") == "old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ontology.html"]
    assert "no-such-ontology.ttl" in capsys.readouterr().err


def test_an_unreadable_ontology_is_a_config_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix : <http://example.org/> .\n:a :b ", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.ttl: not readable as Turtle"):
        render_ontology_docs(broken)
