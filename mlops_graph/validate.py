"""SHACL validation of a build's output against ``ontology/shapes.ttl``, with each violation traced
back to the note it came from."""

from __future__ import annotations

from pathlib import Path

import rdflib
from msgspec import Struct
from rdflib.namespace import SH

from mlops_graph.errors import StoreError
from mlops_graph.namespaces import MG, OA

ONTOLOGY_DIR = Path(__file__).resolve().parent / "ontology"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
ONTOLOGY_FILE = ONTOLOGY_DIR / "mlops-graph.ttl"


class Violation(Struct, frozen=True):
    focus: str
    path: str | None
    message: str
    severity: str
    note_file: str | None

    def __str__(self) -> str:
        where = self.note_file or "(no note)"
        path = f" {self.path}" if self.path else ""
        return f"{where}: {self.severity}: <{self.focus}>{path}: {self.message}"


def _note_file(data: rdflib.Graph, node: rdflib.term.Node) -> str | None:
    mg = rdflib.Namespace(MG)
    oa = rdflib.Namespace(OA)
    candidates = [node]
    for link in (mg.hasDefinition, mg.hasPassage, mg.metadata):
        candidates += list(data.subjects(link, node))
    for target in data.objects(node, oa.hasTarget):
        candidates += [target, *data.subjects(mg.hasDefinition, target), *data.subjects(mg.hasPassage, target)]
    for candidate in candidates:
        for value in data.objects(candidate, mg.file):
            return str(value)
    return None


def validate_graph(data: rdflib.Graph) -> list[Violation]:
    """Validate an rdflib graph; returns the violations (empty when the graph conforms)."""
    import pyshacl

    shapes = rdflib.Graph().parse(SHAPES_FILE)
    ontology = rdflib.Graph().parse(ONTOLOGY_FILE)
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    if conforms:
        return []
    assert isinstance(report, rdflib.Graph)
    violations = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        severity = report.value(result, SH.resultSeverity)
        violations.append(Violation(
            focus=str(focus),
            path=data.namespace_manager.normalizeUri(path) if isinstance(path, rdflib.URIRef) else None,
            message=str(message) if message is not None else "constraint violated",
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            note_file=_note_file(data, focus) if focus is not None else None,
        ))
    return sorted(violations, key=lambda v: (v.note_file or "", v.focus, v.path or "", v.message))


def validate_output(out_dir: Path) -> list[Violation]:
    """Validate ``graph.ttl`` in a build's output folder."""
    graph_file = out_dir / "graph.ttl"
    if not graph_file.is_file():
        raise StoreError(f"{graph_file}: no such file (run 'mlops-graph build' first)")
    try:
        data = rdflib.Graph().parse(graph_file, format="turtle")
    except (SyntaxError, ValueError, OSError, IndexError) as exc:  # BadSyntax is a SyntaxError; a cut file
        # can also end where rdflib's parser looks past the text (IndexError)
        raise StoreError(f"{graph_file}: cannot be read as Turtle: {' '.join(str(exc).split())}") from exc
    return validate_graph(data)
