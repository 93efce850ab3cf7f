"""The interactive HTML page: one self-contained file that draws the graph with vis-network.

Node and edge records are vis-network's own (as pyvis would make them); the page comes from
``templates/graph.html`` (with ``graph.css`` and ``graph.js``) instead of pyvis's template, which
loads Bootstrap and tom-select from a CDN and renders node titles as HTML. vis-network is the copy
bundled with the pyvis package, inlined (pyvis itself is never imported: it loads IPython).

Every string taken from the graph travels as JSON inside ``<script type="application/json">`` with
``<``, ``>``, ``&``, U+2028 and U+2029 escaped, and the page's script builds the DOM with
``textContent`` only. A Content-Security-Policy meta element forbids every network fetch.

The graph is a :class:`~mlops_graph.graph.digraph.Digraph` (a build's, from
``network.to_digraph``) or a networkx DiGraph. How the page is laid out depends on its size:

* up to :data:`PHYSICS_MAX_NODES` nodes, vis-network's physics places the nodes in the browser and is
  switched off once stable;
* above that, positions are computed here and physics stays off (:mod:`mlops_graph.export.layout`):
  networkx's Fruchterman-Reingold (:func:`networkx.spring_layout`) up to :data:`SPRING_MAX_NODES`
  nodes, a numpy force layout with sampled repulsion beyond;
* above :data:`FOLD_THRESHOLD` nodes, notes, definitions and cited pages are folded into counts on
  the concepts and sources they touch (:func:`mlops_graph.graph.fold.fold_graph`), before any layout
  is computed; if the folded graph still has more than :data:`FOLDED_MAX_NODES` nodes, the most
  connected ones are kept. A graph folded beforehand (``to_networkx(..., fold_above=…)``, see
  :mod:`mlops_graph.graph.fold`) is drawn as the same folded view.
"""

from __future__ import annotations

import html
import importlib.util
import json
import math
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from mlops_graph.export.details import (
    DETAIL_LIST_MAX,
    LABEL_MAX_CHARS,
    Json,
    full_label,
    node_details,
    safe_http_url,
    short_label,
)
from mlops_graph.export.layout import (
    LAYOUT_PIXELS,
    LAYOUT_SEED,
    NODE_SIZE_MAX,
    NODE_SIZE_MIN,
    PHYSICS_MAX_NODES,
    SPRING_MAX_NODES,
    layout,
    sizes,
    undirected,
)
from mlops_graph.graph.digraph import Digraph, GraphLike, edges_of
from mlops_graph.graph.fold import FOLDED_KINDS, fold_graph, folded_info

if TYPE_CHECKING:
    from mlops_graph.export.outputs import Graphs

__all__ = [
    "ARROWS_MAX_NODES", "DETAIL_LIST_MAX", "FOLDED_MAX_NODES", "FOLD_THRESHOLD", "KIND_STYLES", "LABEL_MAX_CHARS",
    "LAYOUT_PIXELS", "LAYOUT_SEED", "NODE_SIZE_MAX", "NODE_SIZE_MIN", "OTHER_KIND", "PHYSICS_MAX_NODES",
    "SPRING_MAX_NODES", "KindStyle", "page", "render_html", "safe_http_url",
]

#: Graphs with more nodes than this are shown folded.
FOLD_THRESHOLD = 5000
#: The folded view keeps at most this many nodes, the most connected first.
FOLDED_MAX_NODES = 5000
#: Edges have arrow heads up to this many nodes (above, drawing them costs more than they show).
ARROWS_MAX_NODES = 2000

#: The kind given to nodes whose ``kind`` attribute is missing or unknown.
OTHER_KIND = "other"


class KindStyle(Struct, frozen=True):
    """How one node kind is drawn and named in the legend."""

    name: str
    singular: str
    color: str
    shape: str


#: Every kind's colour (Okabe-Ito palette) and vis-network shape; each pair is unique.
KIND_STYLES: dict[str, KindStyle] = {
    "concept": KindStyle("Concepts", "Concept", "#D55E00", "star"),
    "definition": KindStyle("Definitions", "Definition", "#E69F00", "dot"),
    "quote": KindStyle("Quotations", "Quotation", "#56B4E9", "hexagon"),
    "note": KindStyle("Notes", "Note", "#0072B2", "square"),
    "source": KindStyle("Sources", "Source", "#009E73", "diamond"),
    "page": KindStyle("Cited pages", "Cited page", "#CC79A7", "triangle"),
    OTHER_KIND: KindStyle("Other", "Other", "#777777", "triangleDown"),
}

_TEMPLATES = Path(__file__).with_name("templates")
_PYVIS = importlib.util.find_spec("pyvis")
_VIS_DIR = Path(_PYVIS.submodule_search_locations[0] if _PYVIS and _PYVIS.submodule_search_locations else ".") / \
    "templates" / "lib" / "vis-9.1.2"
_MARKER = re.compile(rb"@@([A-Z_]+)@@")
_CLOSING = re.compile(rb"</(?:script|style)", re.IGNORECASE)
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")



class _View(Struct, frozen=True):
    """The graph as shown: all of it, or its folded form."""

    graph: GraphLike
    folded: bool
    message: str
    weights: dict[tuple[str, str], float]
    node_count: int
    edge_count: int


def render(graphs: Graphs) -> bytes:
    """The page of a build (``export.outputs``)."""
    from mlops_graph.graph.network import to_digraph

    graph = to_digraph(graphs.mappings, graphs.index, fold_above=FOLD_THRESHOLD)
    return page(graph, title="mlops-graph")


def render_html(graph: GraphLike, *, title: str = "mlops-graph") -> str:
    """:func:`page` as text."""
    return page(graph, title=title).decode("utf-8")


def page(graph: GraphLike, *, title: str = "mlops-graph") -> bytes:
    """The interactive page for ``graph`` (a :class:`~mlops_graph.graph.digraph.Digraph` or a
    networkx DiGraph) as one self-contained HTML document, in UTF-8. The page is joined as bytes:
    its scripts (most of it) are copied as they are, never widened into a string with the notes' text.

    The same graph and title always give the same bytes: nodes and edges are ordered by id and the
    layouts use a fixed seed.
    """
    if folded_info(graph) is None and len(graph.nodes) <= FOLD_THRESHOLD:
        view = _full_view(graph)
    else:
        view = _folded_view(graph if folded_info(graph) is not None else fold_graph(graph, FOLD_THRESHOLD))
    shown = view.graph
    node_ids = sorted(shown.nodes)
    edge_keys = sorted((source, target, _relation(data)) for source, target, data in edges_of(shown))
    graph_u = undirected(node_ids, edge_keys, view.weights)
    node_sizes = sizes(graph_u)
    positions, layout_name = layout(graph_u, large_above=FOLDED_MAX_NODES)

    # vis-network ids are positions in ``node_ids``; the IRIs travel in the details.
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    kind_counts: dict[str, int] = {}
    nodes: list[dict[str, Any]] = []
    for i, node_id in enumerate(node_ids):
        attrs = shown.nodes[node_id]
        kind = _kind(attrs)
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
        node: dict[str, Any] = {"group": kind, "size": node_sizes[node_id]}  # the shape comes from the group
        if positions is not None:
            node["x"], node["y"] = positions[node_id]
        node.update(id=i, label=short_label(full_label(node_id, attrs)) or "…")
        nodes.append(node)
    edges: list[dict[str, Any]] = []
    for i, (source, target, relation) in enumerate(edge_keys):
        edge: dict[str, Any] = {"id": i, "relation": relation}  # arrows are set once for all edges
        weight = view.weights.get((source, target))
        if weight is not None:
            edge["count"] = int(weight)
            if weight > 1:
                edge["width"] = round(1.0 + math.log2(weight), 2)
        edge.update({"from": index[source], "to": index[target]})
        edges.append(edge)

    data: Json = {
        "title": title,
        "view": {
            "folded": view.folded,
            "layout": layout_name,
            "message": view.message,
            "graphNodes": view.node_count,
            "graphEdges": view.edge_count,
            "nodes": len(nodes),
            "edges": len(edges),
        },
        "kinds": [
            {"kind": kind, "name": style.name, "singular": style.singular, "color": style.color,
             "shape": style.shape, "count": kind_counts.get(kind, 0),
             "folded": view.folded and kind in FOLDED_KINDS}
            for kind, style in KIND_STYLES.items()
            if kind != OTHER_KIND or kind_counts.get(kind)
        ],
        "nodes": nodes,
        "edges": edges,
        "details": [node_details(node_id, shown.nodes[node_id], _kind(shown.nodes[node_id]))
                    for node_id in node_ids],
        "options": _vis_options(len(nodes), physics=positions is None),
    }
    return _fill_template(title, _json_for_script(data))


# ----------------------------------------------------------------------------------------------- views


def _full_view(graph: GraphLike) -> _View:
    count = len(graph.nodes)
    if count > PHYSICS_MAX_NODES:
        message = (f"Full view: all {count:,} nodes. The layout was computed in advance (more than "
                   f"{PHYSICS_MAX_NODES:,} nodes), so nodes stay where they are drawn.")
    else:
        message = f"Full view: all {count:,} nodes."
    return _View(graph, folded=False, message=message, weights={}, node_count=count,
                 edge_count=sum(len(targets) for targets in graph.succ.values()))


def _folded_view(folded: GraphLike) -> _View:
    """The view of a folded graph (see :mod:`mlops_graph.graph.fold`), cut to its most connected nodes."""
    info = folded_info(folded)
    if info is None:
        raise ValueError("not a folded graph")
    message = (f"Folded view: the graph has {info.nodes:,} nodes, more than {info.threshold:,}, so its "
               f"{info.hidden:,} notes, definitions and cited pages are folded into counts on the "
               "concepts and sources they touch (see each node's details).")
    shown = folded
    total = len(folded.nodes)
    if total > FOLDED_MAX_NODES:
        rank = {node: _rank(attrs) for node, attrs in folded.nodes.items()}
        shown = _cut(folded, sorted(rank, key=lambda node: (-rank[node], node))[:FOLDED_MAX_NODES])
        message += (f" The {FOLDED_MAX_NODES:,} most connected of its {total:,} concepts and sources "
                    "are shown.")
    weights = {(source, target): float(data["count"])
               for source, target, data in edges_of(shown) if isinstance(data.get("count"), int)}
    return _View(shown, folded=True, message=message, weights=weights, node_count=info.nodes,
                 edge_count=info.edges)


def _cut(graph: GraphLike, nodes: list[str]) -> Digraph:
    """The subgraph of ``graph`` on ``nodes``, sharing its attribute dicts."""
    kept = set(nodes)
    succ = {node: {target: data for target, data in graph.succ[node].items() if target in kept} for node in nodes}
    return Digraph({node: graph.nodes[node] for node in nodes}, succ)


def _rank(attrs: Mapping[str, Any]) -> int:
    counts = attrs.get("folded")
    if not isinstance(counts, Mapping):
        return 0
    return sum(int(counts.get(key, 0)) for key in ("definitions", "notes", "links"))


# ------------------------------------------------------------------------------------------- details


def _kind(attrs: Mapping[str, Any]) -> str:
    kind = attrs.get("kind")
    return kind if isinstance(kind, str) and kind in KIND_STYLES else OTHER_KIND


def _relation(attrs: Mapping[str, Any]) -> str:
    relation = attrs.get("relation")
    return relation if isinstance(relation, str) else ""


# ------------------------------------------------------------------------------------------ the page


def _vis_options(count: int, *, physics: bool) -> Json:
    large = count > PHYSICS_MAX_NODES
    options: Json = {
        "groups": {
            kind: {"shape": style.shape,
                   "color": {"background": style.color, "border": "#1f2328",
                             "highlight": {"background": style.color, "border": "#000000"},
                             "hover": {"background": style.color, "border": "#000000"}}}
            for kind, style in KIND_STYLES.items()
        },
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": LAYOUT_SEED},
        "nodes": {
            "borderWidth": 1,
            "font": {"size": 13, "face": "sans-serif", "color": "#1f2328", "strokeWidth": 3,
                     "strokeColor": "#ffffff"},
            "scaling": {"label": {"drawThreshold": 6}},
        },
        "edges": {
            "arrows": {"to": {"enabled": count <= ARROWS_MAX_NODES, "scaleFactor": 0.45}},
            "color": {"color": "#8c959f", "highlight": "#1f2328", "hover": "#1f2328", "opacity": 0.7},
            "smooth": False if large else {"enabled": True, "type": "continuous", "roundness": 0.3},
            "width": 1,
            "selectionWidth": 1.5,
        },
        "interaction": {
            "hover": not large,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": count > 2000,
            "navigationButtons": False,
            "keyboard": False,
        },
    }
    if physics:
        options["physics"] = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90, "springConstant": 0.06,
                                 "avoidOverlap": 0.4},
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 50, "fit": True},
        }
    else:
        options["physics"] = {"enabled": False}
    return options


def _json_for_script(data: Json) -> str:
    """JSON that is inert inside a ``<script>`` element and inside any JavaScript string."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    text = _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[m.group()], text)
    # Lone surrogates cannot be written as UTF-8: keep them as JSON escapes.
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if _has_surrogate(text) else text


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _plain(text: str) -> str:
    """``text`` as HTML character data, with lone surrogates replaced."""
    return html.escape(text.encode("utf-8", "replace").decode("utf-8"), quote=True)


def _lines(path: Path) -> bytes:
    """A text file's bytes with its line ends made ``\\n`` (pyvis ships vis-network with CRLF)."""
    return path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")


@cache
def _asset(name: str) -> bytes:
    return _lines(_TEMPLATES / name)


@cache
def _vis_asset(name: str) -> bytes:
    data = _lines(_VIS_DIR / name)
    if _CLOSING.search(data):
        raise ValueError(f"{name} cannot be inlined: it closes its own element")
    return data


def _fill_template(title: str, data_json: str) -> bytes:
    values = {
        b"TITLE": _plain(title).encode("utf-8"),
        b"VIS_CSS": _vis_asset("vis-network.css"),
        b"PAGE_CSS": _asset("graph.css"),
        b"VIS_JS": _vis_asset("vis-network.min.js"),
        b"PAGE_JS": _asset("graph.js"),
        b"DATA": data_json.encode("utf-8"),
    }
    return _MARKER.sub(lambda m: values[m.group(1)], _asset("graph.html"))
