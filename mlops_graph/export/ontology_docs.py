"""Human-readable HTML documentation of the ontology (``ontology/mlops-graph.ttl``), made with pyLODE.

pyLODE (the ``docs`` extra) renders every class and property with its label, description, super- and
subclasses, domains and ranges. The page is deterministic: subjects are sorted, and pyLODE writes no
date; the only version it names is its own.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import os
import pickle
import sys
import tempfile
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlops_graph.errors import ConfigError, OutputError
from mlops_graph.validate import ONTOLOGY_FILE

__all__ = ["render_ontology_docs", "write_ontology_docs"]


@contextmanager
def _root_logger_kept() -> Iterator[None]:
    """Put the root logger's handlers and level back as they were.

    Importing pyLODE calls ``logging.basicConfig(level=DEBUG)``, and pyLODE logs with the module-level
    ``logging.info``, which adds a stderr handler to a root logger that has none: either would send
    log records of the whole process to stderr. A root logger without handlers gets a
    ``NullHandler`` meanwhile, which makes both do nothing.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    if not handlers:
        root.addHandler(logging.NullHandler())  # so that neither adds a handler of its own
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def _ontpub_class() -> Any:
    """pyLODE's ``OntPub``.

    pyLODE 3.4.1 reads its own version from a ``pyproject.toml`` that its wheel does not install; the
    version then comes from the installed package's metadata instead.
    """
    try:
        try:
            from pylode import OntPub
        except FileNotFoundError as exc:
            if not str(exc.filename or "").endswith("pyproject.toml"):
                raise
            version = types.ModuleType("pylode.version")
            version.__dict__["__version__"] = importlib.metadata.version("pylode")
            sys.modules["pylode.version"] = version
            from pylode import OntPub
    except ImportError as exc:
        raise ConfigError(
            "the docs command needs pyLODE: install the docs extra (pip install 'mlops-graph[docs]')"
        ) from exc
    return OntPub


def _pylode_cache() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("pylode")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "rdf" / "refs.pickle"


@contextlib.contextmanager
def _pylode_cache_lock() -> Iterator[None]:
    """pyLODE caches the ontologies it builds on in a pickle inside its own package, written without
    care for other processes: one process at a time may create or read it."""
    import fcntl

    path = Path(tempfile.gettempdir()) / "mlops-graph-pylode.lock"
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def render_ontology_docs(ontology: Path = ONTOLOGY_FILE) -> str:
    """The HTML page documenting ``ontology`` (Turtle; by default the shipped ``mlops-graph.ttl``)."""
    import rdflib

    # Parsed here: pyLODE prints a parse error and exits the process.
    try:
        graph = rdflib.Graph(bind_namespaces="core").parse(ontology, format="turtle")
    except OSError as exc:
        raise ConfigError(f"{ontology}: cannot be read: {exc.strerror or exc}") from exc
    except Exception as exc:  # rdflib raises parser-specific exception types
        raise ConfigError(f"{ontology}: not readable as Turtle: {exc}") from exc
    with _root_logger_kept(), _pylode_cache_lock():
        ontpub = _ontpub_class()
        try:
            try:
                page = ontpub(ontology=graph, sort_subjects=True).make_html()
            except (EOFError, pickle.UnpicklingError):
                # A cache left half-written by a process that died: drop it and let pyLODE remake it.
                _pylode_cache().unlink(missing_ok=True)
                page = ontpub(ontology=graph, sort_subjects=True).make_html()
        except Exception as exc:  # pyLODE raises its own exception types
            raise ConfigError(f"{ontology}: pyLODE cannot document it: {type(exc).__name__}: {exc}") from exc
    text = str(page).replace("\r\n", "\n")
    return text if text.endswith("\n") else text + "\n"


def write_ontology_docs(destination: Path, ontology: Path = ONTOLOGY_FILE) -> None:
    """Write the page to ``destination`` atomically: a temporary file beside it, renamed into place."""
    data = render_ontology_docs(ontology).encode("utf-8")
    folder = destination.absolute().parent
    temporary: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{destination.name}.", suffix=".tmp",
                                         delete=False) as handle:
            temporary = Path(handle.name)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
    except OSError as exc:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise OutputError(f"{destination}: cannot be written: {exc.strerror or exc}") from exc
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise
