"""Node sizes and positions for the HTML page (see ``export.html``).

Up to :data:`PHYSICS_MAX_NODES` nodes the browser's physics places the nodes; above, positions are
computed here: networkx's Fruchterman-Reingold (:func:`networkx.spring_layout`) up to
:data:`SPRING_MAX_NODES` nodes, a numpy force layout with sampled repulsion beyond. Both use a fixed
seed, so the same graph always gets the same positions. The graph is an adjacency dict
(:func:`undirected`); networkx and numpy are loaded only for the layouts computed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is loaded only for the layouts computed here (large graphs)
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    Float32Array = npt.NDArray[np.float32]

#: Largest graph laid out by vis-network's physics in the browser.
PHYSICS_MAX_NODES = 300
#: Largest graph laid out with :func:`networkx.spring_layout` (networkx needs scipy from 500 nodes on).
SPRING_MAX_NODES = 499
#: Seed of every random choice made by the layouts.
LAYOUT_SEED = 7
#: Pixels per unit of the ideal edge length of the computed layouts.
LAYOUT_PIXELS = 100.0
_LAYOUT_SAMPLES = 160
_LAYOUT_ITERATIONS = 80
_LAYOUT_CHUNK = 1_000_000
#: Node sizes (vis-network's ``size``) for the least and the most central node.
NODE_SIZE_MIN = 8.0
NODE_SIZE_MAX = 30.0


Undirected = dict[str, dict[str, float]]
"""Each node's neighbours with the weight of the edge between them."""


def undirected(node_ids: list[str], edge_keys: list[tuple[str, str, str]],
               weights: Mapping[tuple[str, str], float]) -> Undirected:
    """The graph without directions, loops or relations: each pair of linked nodes has one edge whose
    weight sums those of its edges (``weights``, or 1). Nodes and edges are added in the order given."""
    adj: Undirected = {node: {} for node in node_ids}
    for source, target, _ in edge_keys:
        if source != target:
            weight = adj[source].get(target, 0.0) + weights.get((source, target), 1.0)
            adj[source][target] = adj[target][source] = weight
    return adj


def sizes(undirected: Undirected) -> dict[str, float]:
    """Node size from weighted degree centrality, on a square-root scale."""
    degree = {node: sum(neighbours.values()) for node, neighbours in undirected.items()}
    top = max(degree.values(), default=0.0) or 1.0
    return {node: round(NODE_SIZE_MIN + (NODE_SIZE_MAX - NODE_SIZE_MIN) * math.sqrt(value / top), 1)
            for node, value in degree.items()}


def layout(undirected: Undirected, *, large_above: int) -> tuple[dict[str, tuple[float, float]] | None, str]:
    """Pixel positions by node id, or None when the browser's physics lays the graph out."""
    count = len(undirected)
    if count <= PHYSICS_MAX_NODES:
        return None, "physics"
    import numpy as np

    order = list(undirected)
    index = {node: i for i, node in enumerate(order)}
    seen: set[str] = set()
    edges: list[tuple[int, int, float]] = []
    for node, neighbours in undirected.items():  # each edge once, as networkx lists them
        seen.add(node)
        edges += ((index[node], index[other], weight) for other, weight in neighbours.items() if other not in seen)
    if count <= SPRING_MAX_NODES:
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(order)
        graph.add_weighted_edges_from((order[i], order[j], weight) for i, j, weight in edges)
        raw = nx.spring_layout(graph, seed=LAYOUT_SEED, iterations=50)
        coords = np.array([raw[node] for node in order], dtype=np.float64)
        coords *= math.sqrt(count) / 2.0
        layout = "spring"
    else:
        coords = _force_layout(count, edges, large_above)
        layout = "force"
    coords = (coords - coords.mean(axis=0)) * LAYOUT_PIXELS
    return {node: (round(float(x), 1), round(float(y), 1)) for node, (x, y) in zip(order, coords, strict=True)}, layout


def _force_layout(count: int, edges: list[tuple[int, int, float]], large_above: int) -> FloatArray:
    """Fruchterman-Reingold with repulsion from a random sample of nodes per step, for large graphs.

    The ideal edge length is 1. Each step costs O(count * samples + edges) in float32, with at most
    :data:`_LAYOUT_CHUNK` node pairs in memory at once.
    """
    import numpy as np

    rng = np.random.default_rng(LAYOUT_SEED)
    side = math.sqrt(count)
    start = rng.random((2, count)) * side
    x: Float32Array = start[0].astype(np.float32)
    y: Float32Array = start[1].astype(np.float32)
    samples = min(count, _LAYOUT_SAMPLES if count <= large_above else _LAYOUT_SAMPLES // 2)
    iterations = _LAYOUT_ITERATIONS if count <= large_above else _LAYOUT_ITERATIONS // 2
    src = np.array([e[0] for e in edges], dtype=np.intp)
    dst = np.array([e[1] for e in edges], dtype=np.intp)
    weight = (np.log1p(np.array([e[2] for e in edges], dtype=np.float64)) / math.log(2.0)).astype(np.float32)
    temperature = side / 8.0
    cooling = temperature / (iterations + 1)
    chunk = max(1, _LAYOUT_CHUNK // max(samples, 1))
    floor = np.float32(0.01)
    gravity = np.float32(0.5 / side)
    for _ in range(iterations):
        picked = rng.choice(count, size=samples, replace=False) if samples < count else np.arange(count)
        ax, ay = x[picked], y[picked]
        scale = np.float32(count / samples)
        fx = np.empty(count, dtype=np.float32)
        fy = np.empty(count, dtype=np.float32)
        for begin in range(0, count, chunk):
            end = begin + chunk
            dx = np.subtract.outer(x[begin:end], ax)
            dy = np.subtract.outer(y[begin:end], ay)
            inverse = dx * dx
            inverse += dy * dy
            np.maximum(inverse, floor, out=inverse)
            np.reciprocal(inverse, out=inverse)
            fx[begin:end] = np.einsum("ij,ij->i", dx, inverse) * scale
            fy[begin:end] = np.einsum("ij,ij->i", dy, inverse) * scale
        if src.size:
            ex = x[src] - x[dst]
            ey = y[src] - y[dst]
            pull = np.sqrt(ex * ex + ey * ey) * weight
            fx -= np.bincount(src, weights=ex * pull, minlength=count).astype(np.float32)
            fy -= np.bincount(src, weights=ey * pull, minlength=count).astype(np.float32)
            fx += np.bincount(dst, weights=ex * pull, minlength=count).astype(np.float32)
            fy += np.bincount(dst, weights=ey * pull, minlength=count).astype(np.float32)
        fx -= (x - x.mean()) * gravity
        fy -= (y - y.mean()) * gravity
        length = np.sqrt(fx * fx + fy * fy)
        step = np.minimum(length, np.float32(temperature)) / np.maximum(length, np.float32(1e-6))
        x += fx * step
        y += fy * step
        temperature -= cooling
    return np.column_stack((x, y)).astype(np.float64)
