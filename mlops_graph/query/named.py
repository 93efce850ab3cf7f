"""The library of named SPARQL queries shipped as ``.rq`` files inside the package.

Each file starts with a ``#`` comment line that says what it answers; ``# param: NAME`` lines declare
parameters, which are bound as RDF literals at run time (never pasted into the query text), and
``# param: NAME -> VARIABLE`` declares a parameter that names a concept by one of its labels, with
``?VARIABLE`` bound to the concepts that have it (see :mod:`mlops_graph.query.binding`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from msgspec import Struct

from mlops_graph.errors import QueryError
from mlops_graph.query import QUERY_FOLDER, query_names


class NamedQuery(Struct, frozen=True):
    name: str
    description: str
    text: str
    parameters: tuple[str, ...] = ()
    resolved: tuple[tuple[str, str], ...] = ()
    """(parameter, variable) pairs: the parameter is a label, the variable is bound to its concepts."""


def _parse(name: str, text: str) -> NamedQuery:
    description = ""
    params: list[str] = []
    resolved: list[tuple[str, str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        if body.lower().startswith("param:"):
            param, _, variable = (part.strip() for part in body.split(":", 1)[1].partition("->"))
            params.append(param)
            if variable:
                resolved.append((param, variable.lstrip("?")))
        elif not description:
            description = body
    return NamedQuery(name, description, text, tuple(params), tuple(resolved))


@cache
def named_queries() -> dict[str, NamedQuery]:
    """All shipped queries by name, in alphabetical order."""
    return {name: _parse(name, (QUERY_FOLDER / f"{name}.rq").read_text(encoding="utf-8")) for name in query_names()}


def check_parameters(query: NamedQuery, params: dict[str, str]) -> None:
    """Raise ``QueryError`` unless ``params`` binds exactly the query's declared parameters."""
    missing = [p for p in query.parameters if p not in params]
    if missing:
        raise QueryError(f"query {query.name!r} needs {', '.join(missing)}")
    unknown = sorted(set(params) - set(query.parameters))
    if unknown:
        raise QueryError(f"query {query.name!r} takes no parameter {', '.join(unknown)}")


def resolve_query(spec: str) -> NamedQuery:
    """A query by name, by ``.rq`` path, or inline SPARQL text."""
    queries = named_queries()
    if spec in queries:
        return queries[spec]
    if spec.endswith((".rq", ".sparql")):
        path = Path(spec)
        try:
            return _parse(path.stem, path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise QueryError(f"{spec}: cannot read query file: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise QueryError(f"{spec}: the query file is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if any(word in spec.upper() for word in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")):
        return _parse("inline", spec)
    raise QueryError(f"unknown query {spec!r}; named queries: {', '.join(queries)}")
