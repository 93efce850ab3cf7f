"""The report's PageRank is networkx's, computed without loading networkx."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_graph.graph.consensus import pagerank

NAMES = [f"c{i}" for i in range(12)]

weighted_pairs = st.dictionaries(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)).filter(lambda pair: pair[0] < pair[1]),
    st.integers(min_value=1, max_value=9),
    min_size=1,
    max_size=30,
)


@settings(deadline=None)  # networkx loads scipy on its first call
@given(pairs=weighted_pairs, lonely=st.lists(st.sampled_from(NAMES), max_size=4))
def test_pagerank_is_networkx_pagerank(pairs: dict[tuple[str, str], int], lonely: list[str]) -> None:
    nodes = sorted({name for pair in pairs for name in pair} | set(lonely))
    edges = sorted(pairs.items())
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_weighted_edges_from((a, b, weight) for (a, b), weight in edges)

    ours = pagerank(nodes, edges)

    theirs = nx.pagerank(graph, weight="weight")
    assert ours.keys() == theirs.keys()
    assert sum(ours.values()) == pytest.approx(1.0)
    for node in nodes:
        assert ours[node] == pytest.approx(theirs[node], abs=1e-5)
