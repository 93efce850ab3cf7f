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
  the concepts and sources they touch, before any layout is computed; if the folded graph still has
  more than :data:`FOLDED_MAX_NODES` nodes, the most connected ones are kept.
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
import numpy as np
import numpy.typing as npt
import pyvis
from pyvis.network import Network

#: Largest graph laid out by vis-network's physics in the browser.
PHYSICS_MAX_NODES = 300
#: Largest graph laid out with :func:`networkx.spring_layout` (networkx needs scipy from 500 nodes on).
SPRING_MAX_NODES = 499
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

_FOLDED_KINDS = frozenset({"note", "definition", "page"})
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
FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class _View:
    """The graph as shown: all of it, or its folded form."""

    graph: nx.DiGraph
    folded: bool
    message: str
    weights: dict[tuple[str, str], float]
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
    view = _full_view(graph) if graph.number_of_nodes() <= FOLD_THRESHOLD else _folded_view(graph)
    shown = view.graph
    node_ids = sorted(shown.nodes)
    edge_keys = sorted((str(u), str(v), _relation(d)) for u, v, d in shown.edges(data=True))
    undirected = _undirected(node_ids, edge_keys, view.weights)
    sizes = _sizes(undirected)
    positions, layout = _layout(undirected)

    # vis-network ids are positions in ``node_ids``; the IRIs travel in the details.
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    net = Network(directed=True)
    net.node_ids = _IdList()
    kind_counts: dict[str, int] = {}
    for i, node_id in enumerate(node_ids):
        attrs = shown.nodes[node_id]
        kind = _kind(attrs)
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
        options: dict[str, Any] = {"group": kind, "size": sizes[node_id]}
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
            "layout": layout,
            "message": view.message,
            "graphNodes": graph.number_of_nodes(),
            "graphEdges": view.edge_count,
            "nodes": len(nodes),
            "edges": len(edges),
        },
        "kinds": [
            {"kind": kind, "name": style.name, "singular": style.singular, "color": style.color,
             "shape": style.shape, "count": kind_counts.get(kind, 0),
             "folded": view.folded and kind in _FOLDED_KINDS}
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
    return _View(graph, folded=False, message=message, weights={}, edge_count=graph.number_of_edges())


def _folded_view(graph: nx.DiGraph) -> _View:
    """Keep concepts and sources; fold notes, definitions and pages into counts on them.

    One pass over the edges collects, per definition, its notes, concepts and sources (directly or
    through its cited page's publisher); the counts and the source-to-concept links follow from that.
    """
    kinds = {node: _kind(attrs) for node, attrs in graph.nodes(data=True)}
    kept = {node for node, kind in kinds.items() if kind == "concept" or kind == "source"}
    definitions: dict[str, set[str]] = {node: set() for node in kept}
    notes: dict[str, set[str]] = {node: set() for node in kept}
    pages: dict[str, set[str]] = {node: set() for node in kept}
    defining: dict[str, int] = dict.fromkeys(kept, 0)
    linked: dict[str, dict[str, list[str]]] = {}
    page_sources: dict[str, list[str]] = {}
    kept_edges: list[tuple[str, str, str]] = []

    edge_count = 0
    for a, b, relation in graph.edges(data="relation"):
        edge_count += 1
        kind_a = kinds[a]
        kind_b = kinds[b]
        if kind_a == "definition":
            if kind_b != "definition":
                linked.setdefault(a, {}).setdefault(kind_b, []).append(b)
                if kind_b == "concept" and relation == "defines":
                    defining[b] += 1
        elif kind_b == "definition":
            linked.setdefault(b, {}).setdefault(kind_a, []).append(a)
        elif kind_a == "note":
            if kind_b == "concept":
                notes[b].add(a)
        elif kind_a == "page":
            if kind_b == "source":
                pages[b].add(a)
                page_sources.setdefault(a, []).append(b)
        elif kind_b == "note":
            if kind_a == "concept":
                notes[a].add(b)
        elif kind_b == "page":
            if kind_a == "source":
                pages[a].add(b)
                page_sources.setdefault(b, []).append(a)
        elif a in kept and b in kept:
            kept_edges.append((a, b, relation if isinstance(relation, str) else ""))

    pair_weights: dict[tuple[str, str], int] = {}
    for definition, by_kind in linked.items():
        def_notes = by_kind.get("note", ())
        def_concepts = set(by_kind.get("concept", []))
        def_sources = set(by_kind.get("source", []))
        for page in by_kind.get("page", []):
            def_sources.update(page_sources.get(page, []))
        for target in def_concepts | def_sources:
            definitions[target].add(definition)
            notes[target].update(def_notes)
        for source in def_sources:
            for concept in def_concepts:
                pair_weights[(source, concept)] = pair_weights.get((source, concept), 0) + 1

    hidden_kinds = sum(1 for kind in kinds.values() if kind in _FOLDED_KINDS)
    message = (f"Folded view: the graph has {len(kinds):,} nodes, more than {FOLD_THRESHOLD:,}, so its "
               f"{hidden_kinds:,} notes, definitions and cited pages are folded into counts on the "
               "concepts and sources they touch (see each node's details).")
    if len(kept) > FOLDED_MAX_NODES:
        links: dict[str, int] = dict.fromkeys(kept, 0)
        for source, concept in pair_weights:
            links[source] += 1
            links[concept] += 1
        for source, target, _ in kept_edges:
            links[source] += 1
            links[target] += 1
        rank = {node: len(definitions[node]) + len(notes[node]) + links[node] for node in kept}
        total = len(kept)
        kept = set(sorted(kept, key=lambda node: (-rank[node], node))[:FOLDED_MAX_NODES])
        message += (f" The {FOLDED_MAX_NODES:,} most connected of its {total:,} concepts and sources "
                    "are shown.")

    folded = nx.DiGraph()
    for node in sorted(kept):
        attrs = dict(graph.nodes[node])
        attrs["folded"] = {"definitions": len(definitions[node]), "notes": len(notes[node]),
                           "pages": len(pages[node]), "defining": defining[node]}
        folded.add_node(node, **attrs)
    for source, target, relation in kept_edges:
        if source in kept and target in kept:
            folded.add_edge(source, target, relation=relation)
    weights: dict[tuple[str, str], float] = {}
    for (source, concept), weight in pair_weights.items():
        if source in kept and concept in kept:
            if not folded.has_edge(source, concept):
                folded.add_edge(source, concept, relation="folded definitions")
            weights[(source, concept)] = float(weight)
    return _View(folded, folded=True, message=message, weights=weights, edge_count=edge_count)


# --------------------------------------------------------------------------------------- size, layout


def _undirected(node_ids: list[str], edge_keys: list[tuple[str, str, str]],
                weights: Mapping[tuple[str, str], float]) -> nx.Graph:
    undirected = nx.Graph()
    undirected.add_nodes_from(node_ids)
    for source, target, _ in edge_keys:
        if source == target:
            continue
        weight = weights.get((source, target), 1.0)
        if undirected.has_edge(source, target):
            undirected[source][target]["weight"] += weight
        else:
            undirected.add_edge(source, target, weight=weight)
    return undirected


def _sizes(undirected: nx.Graph) -> dict[str, float]:
    """Node size from weighted degree centrality, on a square-root scale."""
    if undirected.number_of_nodes() == 0:
        return {}
    degree = {str(node): float(value) for node, value in undirected.degree(weight="weight")}
    top = max(degree.values()) or 1.0
    return {node: round(NODE_SIZE_MIN + (NODE_SIZE_MAX - NODE_SIZE_MIN) * math.sqrt(value / top), 1)
            for node, value in degree.items()}


def _layout(undirected: nx.Graph) -> tuple[dict[str, tuple[float, float]] | None, str]:
    """Pixel positions by node id, or None when the browser's physics lays the graph out."""
    count = undirected.number_of_nodes()
    if count <= PHYSICS_MAX_NODES:
        return None, "physics"
    order = [str(node) for node in undirected.nodes]
    if count <= SPRING_MAX_NODES:
        raw = nx.spring_layout(undirected, seed=LAYOUT_SEED, iterations=50)
        coords = np.array([raw[node] for node in order], dtype=np.float64)
        coords *= math.sqrt(count) / 2.0
        layout = "spring"
    else:
        index = {node: i for i, node in enumerate(order)}
        edges = [(index[str(u)], index[str(v)], float(w)) for u, v, w in undirected.edges(data="weight")]
        coords = _force_layout(count, edges)
        layout = "force"
    coords = (coords - coords.mean(axis=0)) * LAYOUT_PIXELS
    return {node: (round(float(x), 1), round(float(y), 1)) for node, (x, y) in zip(order, coords, strict=True)}, layout


def _force_layout(count: int, edges: list[tuple[int, int, float]]) -> FloatArray:
    """Fruchterman-Reingold with repulsion from a random sample of nodes per step, for large graphs.

    The ideal edge length is 1. Each step costs O(count * samples + edges) in float32, with at most
    :data:`_LAYOUT_CHUNK` node pairs in memory at once.
    """
    rng = np.random.default_rng(LAYOUT_SEED)
    side = math.sqrt(count)
    start = rng.random((2, count)) * side
    x: Float32Array = start[0].astype(np.float32)
    y: Float32Array = start[1].astype(np.float32)
    samples = min(count, _LAYOUT_SAMPLES if count <= FOLDED_MAX_NODES else _LAYOUT_SAMPLES // 2)
    iterations = _LAYOUT_ITERATIONS if count <= FOLDED_MAX_NODES else _LAYOUT_ITERATIONS // 2
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


# ------------------------------------------------------------------------------------------- details


def _kind(attrs: Mapping[str, Any]) -> str:
    kind = attrs.get("kind")
    return kind if isinstance(kind, str) and kind in KIND_STYLES else OTHER_KIND


def _relation(attrs: Mapping[str, Any]) -> str:
    relation = attrs.get("relation")
    return relation if isinstance(relation, str) else ""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


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
    items = [text for text in (_text(v) for v in values) if text]
    if not items:
        return None
    return {"name": name, "items": items[:DETAIL_LIST_MAX], "more": max(0, len(items) - DETAIL_LIST_MAX)}


def _url_row(name: str, value: Any) -> Row | None:
    text = _text(value)
    if not text:
        return None
    row: Row = {"name": name, "text": text}
    href = safe_http_url(text)
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
    rows.append({"name": "IRI", "text": node_id})
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
