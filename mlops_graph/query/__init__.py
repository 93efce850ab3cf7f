"""Named SPARQL queries and result formats."""

from __future__ import annotations

from pathlib import Path

QUERY_FOLDER = Path(__file__).with_name("queries")
"""The shipped named queries, one ``NAME.rq`` file each (:mod:`.named` reads them)."""


def query_names() -> list[str]:
    """The names of the shipped queries, in alphabetical order, without reading them."""
    return sorted(entry.name[:-3] for entry in QUERY_FOLDER.iterdir() if entry.name.endswith(".rq"))
