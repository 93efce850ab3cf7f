"""``suggested-concepts.csv``: phrases that look like concepts but are in no vocabulary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_graph.extract.suggest import suggest, suggestions_csv

if TYPE_CHECKING:
    from mlops_graph.export.outputs import Graphs


def render(graphs: Graphs) -> bytes:
    texts: list[tuple[str, list[str]]] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in graphs.mappings:
        own = [q.text for q in m.note.quotes] + [p.text for p in m.note.passages]
        for text, found in zip(own, m.spans, strict=True):
            spans.setdefault(text, list(zip(found[::2], found[1::2], strict=True)))
        texts.append((m.note.path, own))
    return suggestions_csv(suggest(texts, graphs.index, lambda text: spans.get(text, [])))
