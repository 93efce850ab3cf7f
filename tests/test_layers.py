"""The build's stages import only from the stages before them (docs/design.md), and the Python API
takes the paths Python users pass."""

from __future__ import annotations

import ast
from pathlib import Path

import mlops_graph
from tests.conftest import ROOT

PACKAGE = ROOT / "mlops_graph"
#: Each stage, in order; a module may import from its own stage and the ones before it.
STAGES = [
    {"errors", "config", "model", "namespaces"},
    {"read"},
    {"extract"},
    {"graph"},
    {"export", "validate"},
    {"workers", "pipeline"},
    {"query", "store"},
    {"serve", "watch"},
    {"cli", "__main__", "__init__"},
]


def stage_of(module: str) -> int:
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else "__init__"
    return next(i for i, names in enumerate(STAGES) if name in names)


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mlops_graph"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names
                         if (PACKAGE / node.module.split(".", 1)[-1].replace(".", "/") / a.name).exists())
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("mlops_graph"))
    return found


def test_each_stage_imports_only_from_stages_before_it() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")
        if rel == "mlops_graph":
            continue  # the package's lazy entry points name the pipeline
        for module in imports(path):
            if module != "mlops_graph" and stage_of(module) > stage_of(rel):
                wrong.append(f"{rel} imports {module}")
    assert wrong == []


def module_imports(path: Path) -> set[str]:
    """The package's modules that ``path`` imports, at its top or in a function (not for types only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for block in ast.walk(tree):  # imports for type checking only are left out
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test):
            block.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mlops_graph."):
            names = [f"{node.module}.{a.name}" for a in node.names]
            found.update(n for n in names if module_path(n) is not None)
            if module_path(node.module) is not None:
                found.add(node.module)
    return found


def module_path(module: str) -> Path | None:
    rel = PACKAGE / module.split(".", 1)[-1].replace(".", "/")
    for path in (rel.with_suffix(".py"), rel / "__init__.py"):
        if path.is_file():
            return path
    return None


def test_no_module_imports_itself_through_others() -> None:
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__")
        graph[name] = {m for m in module_imports(path) if not m.endswith("__init__")}
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        for other in sorted(graph.get(module, ())):
            if other in trail:
                cycles.append(" -> ".join([*trail[trail.index(other):], other]))
            elif len(trail) < 12:
                visit(other, [*trail, other])

    for module in graph:
        visit(module, [module])
    assert not cycles, sorted(set(cycles))[:10]


def test_the_api_takes_plain_strings(tmp_path: Path) -> None:
    out = tmp_path / "output"
    result = mlops_graph.build(str(ROOT / "notes"))
    mlops_graph.write_output(str(out), result.files)
    graph = mlops_graph.load_graph(str(out / "graph.ttl"))
    dataset = mlops_graph.load_graph(str(out / "graph.trig"))
    assert len(graph) == result.summary.triples
    assert len(dataset) == result.summary.triples
    titles = {str(o) for o in graph.objects(predicate=mlops_graph_title())}
    assert {n.title for n in result.notes} == {"What is Machine Learning Operations"} <= titles


def mlops_graph_title() -> object:
    import rdflib

    return rdflib.URIRef("http://purl.org/dc/terms/title")
