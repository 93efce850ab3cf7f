"""The interactive HTML page: one self-contained file that draws the graph with vis-network.

Node and edge records are produced with :class:`pyvis.network.Network`; the page itself comes from
``templates/graph.html`` (with ``graph.css`` and ``graph.js``) instead of pyvis's own template, which
loads Bootstrap and tom-select from a CDN and renders node titles as HTML. vis-network is the copy
bundled with pyvis, inlined.

Every string taken from the graph travels as JSON inside ``<script type="application/json">`` with
``<``, ``>``, ``&``, U+2028 and U+2029 escaped, and the page's script builds the DOM with
``textContent`` only. A Content-Security-Policy meta element forbids every network fetch.

How the page is laid out depends on the graph's size:

* up to :data:`PHYSICS_MAX_NODES` nodes, vis-network's physics places the nodes in the browser and is
  switched off once stable;
* above that, positions are computed here and physics stays off: networkx's Fruchterman-Reingold
  (:func:`networkx.spring_layout`) up to :data:`SPRING_MAX_NODES` nodes, a numpy force layout with
  sampled repulsion beyond;
* above :data:`FOLD_THRESHOLD` nodes, notes, definitions and cited pages are folded into counts on
  the concepts and sources they touch (:func:`mlops_graph.graph.fold.fold_graph`), before any layout
  is computed; if the folded graph still has more than :data:`FOLDED_MAX_NODES` nodes, the most
  connected ones are kept. A graph folded beforehand (``to_networkx(..., fold_above=…)``, see
  :mod:`mlops_graph.graph.fold`) is drawn as the same folded view.
"""

from __future__ import annotations

import gc
import html
import json
import math
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import pyvis
from pyvis.network import Network

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
from mlops_graph.graph.digraph import from_adjacency
from mlops_graph.graph.fold import FOLDED_KINDS, fold_graph, folded_info

__all__ = [
    "ARROWS_MAX_NODES", "DETAIL_LIST_MAX", "FOLDED_MAX_NODES", "FOLD_THRESHOLD", "KIND_STYLES", "LABEL_MAX_CHARS",
    "LAYOUT_PIXELS", "LAYOUT_SEED", "NODE_SIZE_MAX", "NODE_SIZE_MIN", "OTHER_KIND", "PHYSICS_MAX_NODES",
    "SPRING_MAX_NODES", "KindStyle", "render_html", "safe_http_url",
]

#: Graphs with more nodes than this are shown folded.
FOLD_THRESHOLD = 5000
#: The folded view keeps at most this many nodes, the most connected first.
FOLDED_MAX_NODES = 5000
#: Edges have arrow heads up to this many nodes (above, drawing them costs more than they show).
ARROWS_MAX_NODES = 2000
#: Canvas labels longer than this many characters are cut and end with "…".
LABEL_MAX_CHARS = 28
#: Lists in the details panel show at most this many items, then say how many more there are.
DETAIL_LIST_MAX = 50

#: The kind given to nodes whose ``kind`` attribute is missing or unknown.
OTHER_KIND = "other"


@dataclass(frozen=True)
class KindStyle:
    """How one node kind is drawn and named in the legend."""

    name: str
    singular: str
    color: str
    shape: str


#: Every kind's colour (Okabe-Ito palette) and vis-network shape; each pair is unique.
KIND_STYLES: dict[str, KindStyle] = {
    "concept": KindStyle("Concepts", "Concept", "#D55E00", "star"),
    "definition": KindStyle("Definitions", "Definition", "#E69F00", "dot"),
    "note": KindStyle("Notes", "Note", "#0072B2", "square"),
    "source": KindStyle("Sources", "Source", "#009E73", "diamond"),
    "page": KindStyle("Cited pages", "Cited page", "#CC79A7", "triangle"),
    OTHER_KIND: KindStyle("Other", "Other", "#777777", "triangleDown"),
}

_TEMPLATE_PACKAGE = "mlops_graph.export"
_VIS_DIR = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
_MARKER = re.compile(r"@@([A-Z_]+)@@")
_URL_STRIP = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17" \
    "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
_URL_UNSAFE = re.compile(r"[\x00-\x20\"'<>\\^`{|}\x7f]")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")

Row = dict[str, Any]
Json = dict[str, Any]


@dataclass(frozen=True)
class _View:
    """The graph as shown: all of it, or its folded form."""

    graph: nx.DiGraph
    folded: bool
    message: str
    weights: dict[tuple[str, str], float]
    node_count: int
    edge_count: int


def render_html(graph: nx.DiGraph, *, title: str = "mlops-graph") -> str:
    """Return the interactive page for ``graph`` as one self-contained HTML document.

    The same graph and title always give the same string: nodes and edges are ordered by id and the
    layouts use a fixed seed. The cyclic garbage collector is paused while the page is built (it
    allocates many small objects next to a possibly large graph), and restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _render(graph, title)
    finally:
        if was_enabled:
            gc.enable()


def _render(graph: nx.DiGraph, title: str) -> str:
    if folded_info(graph) is None and graph.number_of_nodes() <= FOLD_THRESHOLD:
        view = _full_view(graph)
    else:
        view = _folded_view(graph if folded_info(graph) is not None else fold_graph(graph, FOLD_THRESHOLD))
    shown = view.graph
    node_ids = sorted(shown.nodes)
    edge_keys = sorted((str(u), str(v), _relation(d)) for u, v, d in shown.edges(data=True))
    graph_u = undirected(node_ids, edge_keys, view.weights)
    node_sizes = sizes(graph_u)
    positions, layout_name = layout(graph_u, large_above=FOLDED_MAX_NODES)

    # vis-network ids are positions in ``node_ids``; the IRIs travel in the details.
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    net = Network(directed=True)
    net.node_ids = _IdList()
    kind_counts: dict[str, int] = {}
    for i, node_id in enumerate(node_ids):
        attrs = shown.nodes[node_id]
        kind = _kind(attrs)
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
        options: dict[str, Any] = {"group": kind, "size": node_sizes[node_id]}
        if positions is not None:
            options["x"], options["y"] = positions[node_id]
        net.add_node(i, label=_short_label(_full_label(node_id, attrs)) or "…", **options)
    for i, (source, target, relation) in enumerate(edge_keys):
        extra: dict[str, Any] = {}
        weight = view.weights.get((source, target))
        if weight is not None:
            extra["count"] = int(weight)
            if weight > 1:
                extra["width"] = round(1.0 + math.log2(weight), 2)
        net.add_edge(index[source], index[target], id=i, relation=relation, **extra)
    nodes, edges, *_ = net.get_network_data()
    for node in nodes:
        # The shape comes from the node's group (its kind).
        node.pop("shape", None)
    for edge in edges:
        # Arrows are set once for all edges in the options.
        edge.pop("arrows", None)

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
        "details": [_details(node_id, shown.nodes[node_id]) for node_id in node_ids],
        "options": _vis_options(len(nodes), physics=positions is None),
    }
    return _fill_template(title, _json_for_script(data))


# ----------------------------------------------------------------------------------------------- views


def _full_view(graph: nx.DiGraph) -> _View:
    count = graph.number_of_nodes()
    if count > PHYSICS_MAX_NODES:
        message = (f"Full view: all {count:,} nodes. The layout was computed in advance (more than "
                   f"{PHYSICS_MAX_NODES:,} nodes), so nodes stay where they are drawn.")
    else:
        message = f"Full view: all {count:,} nodes."
    return _View(graph, folded=False, message=message, weights={}, node_count=count,
                 edge_count=graph.number_of_edges())


def _folded_view(folded: nx.DiGraph) -> _View:
    """The view of a folded graph (see :mod:`mlops_graph.graph.fold`), cut to its most connected nodes."""
    info = folded_info(folded)
    if info is None:
        raise ValueError("not a folded graph")
    message = (f"Folded view: the graph has {info.nodes:,} nodes, more than {info.threshold:,}, so its "
               f"{info.hidden:,} notes, definitions and cited pages are folded into counts on the "
               "concepts and sources they touch (see each node's details).")
    shown = folded
    total = folded.number_of_nodes()
    if total > FOLDED_MAX_NODES:
        rank = {node: _rank(attrs) for node, attrs in folded.nodes(data=True)}
        shown = _cut(folded, sorted(rank, key=lambda node: (-rank[node], node))[:FOLDED_MAX_NODES])
        message += (f" The {FOLDED_MAX_NODES:,} most connected of its {total:,} concepts and sources "
                    "are shown.")
    weights = {(source, target): float(count)
               for source, target, count in shown.edges(data="count") if isinstance(count, int)}
    return _View(shown, folded=True, message=message, weights=weights, node_count=info.nodes,
                 edge_count=info.edges)


def _cut(graph: nx.DiGraph, nodes: list[str]) -> nx.DiGraph:
    """The subgraph of ``graph`` on ``nodes``, sharing its attribute dicts (faster to read than a view)."""
    kept = set(nodes)
    succ = {node: {target: data for target, data in graph.succ[node].items() if target in kept} for node in nodes}
    pred = {node: {source: data for source, data in graph.pred[node].items() if source in kept} for node in nodes}
    return from_adjacency({node: graph.nodes[node] for node in nodes}, succ, pred, **graph.graph)


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


def _text(value: Any) -> str | None:
    """A value as text for the page: bidi controls shown, never obeyed (see :func:`_shown`)."""
    if value is None:
        return None
    return _shown(value if isinstance(value, str) else str(value))


_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Embeddings, overrides and isolates: they reorder the text around them when displayed."""


def _shown(text: str) -> str:
    """``text`` with each bidi control written as its code point (``⟨U+202E⟩``), so that a label, a
    title or a link's text reads as stored: ``https://evil.example/\u202emoc.elgoog`` must not look
    like ``…/google.com``."""
    if _BIDI_CONTROLS.search(text) is None:
        return text
    return _BIDI_CONTROLS.sub(lambda m: f"\u27e8U+{ord(m.group()):04X}\u27e9", text)


def _full_label(node_id: str, attrs: Mapping[str, Any]) -> str:
    return _text(attrs.get("label")) or node_id


def _short_label(text: str, limit: int = LABEL_MAX_CHARS) -> str:
    """Collapse whitespace and cut ``text`` to ``limit`` characters, ending with "…" when cut."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit - 1].rstrip() + "…"


def safe_http_url(value: str) -> str | None:
    """The URL to put in a link's ``href``, or None unless ``value`` is an absolute http(s) URL.

    The string is first cleaned the way browsers clean an ``href`` (surrounding C0 controls and spaces
    removed, tabs and line breaks dropped), so that ``" JavaScript:…"`` or ``"java\\nscript:…"`` are seen
    for what they are. Characters that may not appear in a URL are percent-encoded.
    """
    cleaned = value.strip(_URL_STRIP).replace("\t", "").replace("\n", "").replace("\r", "")
    try:
        parts = urllib.parse.urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not parts.hostname:
        return None
    if not cleaned[len(parts.scheme):].startswith("://"):
        return None
    if _URL_UNSAFE.search(cleaned) is None:
        return cleaned
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", cleaned)


def _text_row(name: str, value: Any) -> Row | None:
    text = _text(value)
    return {"name": name, "text": text} if text else None


def _items_row(name: str, values: Any) -> Row | None:
    if not isinstance(values, list | tuple):
        return None
    items: list[str] = []
    more = 0
    for i, value in enumerate(values):
        text = _text(value)
        if text:
            items.append(text)
            if len(items) == DETAIL_LIST_MAX:
                more = _count_texts(values[i + 1:])
                break
    if not items:
        return None
    return {"name": name, "items": items, "more": more}


def _count_texts(values: list[Any] | tuple[Any, ...]) -> int:
    """How many of ``values`` are not empty as text (a concept's list can be 100,000 long)."""
    if set(map(type, values)) <= {str}:
        return len(values) - values.count("")
    return sum(1 for value in values if _text(value))


def _url_row(name: str, value: Any) -> Row | None:
    text = _text(value)
    if not text:
        return None
    row: Row = {"name": name, "text": text}
    href = safe_http_url(value if isinstance(value, str) else str(value))
    if href is not None:
        row["href"] = href
    return row


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _details(node_id: str, attrs: Mapping[str, Any]) -> Json:
    kind = _kind(attrs)
    raw = attrs.get("details")
    details: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    label = _full_label(node_id, attrs)
    rows: list[Row | None] = []
    search: list[str] = []
    if kind == "definition":
        source = _text(details.get("source"))
        rows += [
            _text_row("Quote", details.get("text")),
            _text_row("Defines", details.get("term")),
            _text_row("Source", source if source else "the note's author"),
            _text_row("Note", details.get("note")),
            _text_row("Date", details.get("date") or "unknown"),
            _url_row("Cited URL", details.get("url")),
        ]
    elif kind == "concept":
        labels = details.get("labels")
        if isinstance(labels, list | tuple):
            search += [text for text in (_text(v) for v in labels) if text]
        rows.append(_items_row("Labels", labels))
        sources = details.get("sources")
        if isinstance(sources, int):
            rows.append(_text_row("Sources", _plural(sources, "distinct source")))
        rows.append(_items_row("Definitions mentioning it", details.get("definitions")))
    elif kind == "note":
        rows += [
            _text_row("Title", details.get("title")),
            _text_row("File", details.get("file")),
            _text_row("Date", details.get("date") or "unknown"),
            _text_row("Type", details.get("notetype")),
            _items_row("Tags", details.get("tags")),
        ]
        title = _text(details.get("title"))
        if title:
            search.append(title)
    elif kind == "source":
        count = details.get("definitions")
        rows += [
            _text_row("Name", details.get("name")),
            _text_row("Host", details.get("host")),
            _text_row("Definitions", _plural(count, "definition") if isinstance(count, int) else None),
        ]
    elif kind == "page":
        rows += [_url_row("URL", details.get("url")), _text_row("Source", details.get("source"))]
        url = _text(details.get("url"))
        if url:
            search.append(url)
    folded = attrs.get("folded")
    if isinstance(folded, Mapping):
        summary = (f"{_plural(int(folded.get('definitions', 0)), 'definition')} in "
                   f"{_plural(int(folded.get('notes', 0)), 'note')}")
        if kind == "source":
            summary += f", {_plural(int(folded.get('pages', 0)), 'cited page')}"
        if kind == "concept" and int(folded.get("defining", 0)):
            summary += f"; defined by {_plural(int(folded.get('defining', 0)), 'definition')}"
        rows.insert(0, {"name": "Folded", "text": summary})
    rows.append({"name": "IRI", "text": _shown(node_id)})
    return {
        "iri": node_id,
        "label": label,
        "kind": kind,
        "rows": [row for row in rows if row is not None],
        "search": [text for text in dict.fromkeys(search) if text and text != label],
    }


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


@cache
def _asset(name: str) -> str:
    return resources.files(_TEMPLATE_PACKAGE).joinpath("templates", name).read_text(encoding="utf-8")


@cache
def _vis_asset(name: str) -> str:
    text = (_VIS_DIR / name).read_text(encoding="utf-8")
    if "</script" in text.lower() or "</style" in text.lower():
        raise ValueError(f"{name} cannot be inlined: it closes its own element")
    return text


def _fill_template(title: str, data_json: str) -> str:
    values = {
        "TITLE": _plain(title),
        "VIS_CSS": _vis_asset("vis-network.css"),
        "PAGE_CSS": _asset("graph.css"),
        "VIS_JS": _vis_asset("vis-network.min.js"),
        "PAGE_JS": _asset("graph.js"),
        "DATA": data_json,
    }
    return _MARKER.sub(lambda m: values[m.group(1)], _asset("graph.html"))


class _IdList(list[int]):
    """pyvis's list of node ids with constant-time membership (pyvis tests ``id in list`` per node and edge)."""

    def __init__(self) -> None:
        super().__init__()
        self._members: set[int] = set()

    def append(self, item: int) -> None:
        super().append(item)
        self._members.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._members
