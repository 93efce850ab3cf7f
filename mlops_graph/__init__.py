"""mlops-graph: MLOps research notes (Markdown + YAML front matter) as an RDF knowledge graph.

    >>> import mlops_graph
    >>> result = mlops_graph.build("notes")                 # nothing written yet
    >>> mlops_graph.write_output("output", result.files)
    >>> graph = mlops_graph.load_graph("output/graph.ttl")  # an rdflib.Graph (graph.trig: a Dataset)

Paths may be ``str`` or any ``os.PathLike``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_graph.config import Settings, load_settings
from mlops_graph.errors import MlopsGraphError

if TYPE_CHECKING:
    import rdflib

    from mlops_graph.export.atomic import write_output
    from mlops_graph.pipeline import BuildResult, build

__version__ = "0.1.0"

_LAZY = {"build": "mlops_graph.pipeline", "BuildResult": "mlops_graph.pipeline",
         "write_output": "mlops_graph.export.atomic"}


def __getattr__(name: str) -> Any:
    """Import the pipeline only when it is used, so that ``import mlops_graph.read`` stays light."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


def load_graph(path: str | os.PathLike[str]) -> rdflib.Graph:
    """A build's output as rdflib objects: ``graph.ttl`` as a ``Graph``, ``graph.trig`` as a ``Dataset``."""
    import rdflib

    path = Path(path)
    if path.suffix == ".trig":
        dataset = rdflib.Dataset()
        dataset.parse(path, format="trig")
        return dataset
    return rdflib.Graph().parse(path, format="turtle")


__all__ = [
    "BuildResult", "MlopsGraphError", "Settings", "__version__", "build", "load_graph", "load_settings",
    "write_output",
]
