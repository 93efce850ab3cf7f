"""The HTML page without a browser: offline, data round trip, inert hostile strings, determinism, folding."""

from __future__ import annotations

import json
import math
import random
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import msgspec
import networkx as nx
import pytest
import pyvis

from mlops_graph.export import html as page_module
from mlops_graph.export.html import (
    FOLD_THRESHOLD,
    KIND_STYLES,
    LABEL_MAX_CHARS,
    NODE_SIZE_MAX,
    NODE_SIZE_MIN,
    PHYSICS_MAX_NODES,
    SPRING_MAX_NODES,
    render_html,
    safe_http_url,
)
from mlops_graph.graph.digraph import GraphLike, edges_of
from mlops_graph.graph.fold import Census, fold_graph, folded_info
from mlops_graph.graph.network import to_networkx
from mlops_graph.pipeline import BuildResult
from tests.browser_support import (
    ANGLED_HTTPS_URL,
    BASE,
    DATA_URL,
    HOSTILE_ATTRIBUTE,
    HOSTILE_BOLD,
    HOSTILE_SCRIPT,
    HOSTILE_STRINGS,
    HOSTILE_TITLE,
    JAVASCRIPT_URL,
    SPACED_JAVASCRIPT_URL,
    hostile_graph,
    sample_graph,
    synthetic_graph,
)

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
TEMPLATES = Path(page_module.__file__).parent / "templates"
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "srcset", "poster", "data", "background", "xlink:href"}


class _PageParser(HTMLParser):
    """Collects elements, URL-valued attributes and the text of every script element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)


def parse_page(text: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return parser


def page_data(text: str) -> dict[str, Any]:
    scripts = [body for attrs, body in parse_page(text).scripts if attrs.get("id") == "graph-data"]
    assert len(scripts) == 1
    data: dict[str, Any] = json.loads(scripts[0])
    return data


def json_span(text: str) -> tuple[int, int]:
    """Start and end offsets of the graph-data JSON inside the page."""
    match = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', text, re.S)
    assert match is not None
    return match.start(1), match.end(1)


def details_by_iri(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {info["iri"]: info for info in data["details"]}


def row(info: dict[str, Any], name: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [r for r in info["rows"] if r["name"] == name]
    assert len(rows) == 1, (name, info["rows"])
    return rows[0]


# ------------------------------------------------------------------------------------------- offline


def test_page_references_nothing_on_the_network() -> None:
    text = render_html(sample_graph(), title="Sample")
    parser = parse_page(text)
    urls = [(tag, name, value) for tag, attrs in parser.tags for name, value in attrs.items()
            if name in URL_ATTRIBUTES and value]
    assert [u for u in urls if re.match(r"\s*(https?:)?//", u[2], re.I)] == []
    assert not any(tag in ("link", "iframe", "img", "object", "embed", "base") for tag, _ in parser.tags)
    assert all(tag != "script" or "src" not in attrs for tag, attrs in parser.tags)
    # CSS: no @import and no url() outside data: URLs.
    assert "@import" not in text
    assert [u for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", text) if not u.startswith("data:")] == []
    csp = [attrs.get("content") or "" for tag, attrs in parser.tags
           if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(csp) == 1
    assert "default-src 'none'" in csp[0]
    assert "connect-src" not in csp[0] and "http" not in csp[0]


def test_vis_network_is_inlined_from_pyvis() -> None:
    text = render_html(sample_graph())
    bundled = (Path(pyvis.__file__).parent / "templates/lib/vis-9.1.2/vis-network.min.js").read_text("utf-8")
    assert bundled.strip() in text
    assert "tom-select" not in text and "bootstrap" not in text.lower()


def test_page_is_utf8_text_with_its_own_scripts_only() -> None:
    text = render_html(sample_graph(), title="Qué es MLOps — 機械学習")
    text.encode("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text
    ids = [attrs.get("id") for attrs, _ in parse_page(text).scripts]
    assert ids == ["vis-network-js", "graph-data", "graph-app"]
    assert "<title>Qué es MLOps — 機械学習</title>" in text


def test_page_script_never_writes_html() -> None:
    script = (TEMPLATES / "graph.js").read_text("utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in script
    # No vis-network tooltips: they render HTML strings.
    text = render_html(hostile_graph())
    data = page_data(text)
    assert all("title" not in node for node in data["nodes"])
    assert all("title" not in edge for edge in data["edges"])


# ----------------------------------------------------------------------------------------- round trip


def test_json_round_trips_nodes_labels_and_edges() -> None:
    graph = sample_graph()
    data = page_data(render_html(graph))
    details = data["details"]
    assert [info["iri"] for info in details] == sorted(graph.nodes)
    assert len(data["nodes"]) == graph.number_of_nodes()
    for node in data["nodes"]:
        info = details[node["id"]]
        attrs = graph.nodes[info["iri"]]
        assert info["label"] == attrs["label"]
        assert info["kind"] == attrs["kind"] == node["group"]
    edges = {(details[e["from"]]["iri"], details[e["to"]]["iri"], e["relation"]) for e in data["edges"]}
    assert edges == {(u, v, d["relation"]) for u, v, d in graph.edges(data=True)}
    assert len(data["edges"]) == graph.number_of_edges()
    assert data["view"]["folded"] is False


def test_canvas_labels_are_short_and_details_keep_the_full_text() -> None:
    graph = sample_graph()
    data = page_data(render_html(graph))
    quote_node = next(n for n in graph.nodes if graph.nodes[n]["kind"] == "definition"
                      and len(graph.nodes[n]["label"]) > LABEL_MAX_CHARS)
    for node in data["nodes"]:
        assert len(node["label"]) <= LABEL_MAX_CHARS
    by_iri = details_by_iri(data)
    index = data["details"].index(by_iri[quote_node])
    label = data["nodes"][index]["label"]
    assert label.endswith("…")
    assert graph.nodes[quote_node]["label"].startswith(label[:-1])
    assert row(by_iri[quote_node], "Quote")["text"] == graph.nodes[quote_node]["details"]["text"]


def test_details_panels_carry_what_each_kind_needs() -> None:
    graph = sample_graph()
    by_iri = details_by_iri(page_data(render_html(graph)))
    definition = by_iri[f"{BASE}definition/what-is-mlops/1a2b3c"]
    assert row(definition, "Source")["text"] == "Wikipedia"
    assert row(definition, "Note")["text"] == "What is MLOps"
    assert row(definition, "Date")["text"] == "2022-03-14"
    assert row(definition, "Cited URL")["href"] == "https://en.wikipedia.org/wiki/MLOps"
    summary = by_iri[f"{BASE}definition/what-is-mlops/4d5e6f"]
    assert row(summary, "Source")["text"] == "the note's author"
    assert not [r for r in summary["rows"] if r["name"] == "Cited URL"]
    concept = by_iri["https://w3id.org/mlops-graph/vocab/mlops"]
    assert row(concept, "Labels")["items"] == ["MLOps", "Machine Learning Operations", "ML Ops"]
    assert row(concept, "Definitions mentioning it")["items"] == [
        "Wikipedia — What is MLOps", "the note's author — What is MLOps"]
    assert row(concept, "Sources")["text"] == "2 distinct sources"
    # Alternative labels are searchable.
    assert "Machine Learning Operations" in concept["search"]


def test_each_kind_has_its_own_colour_and_shape_in_the_legend() -> None:
    data = page_data(render_html(sample_graph()))
    kinds = {k["kind"]: k for k in data["kinds"]}
    assert set(kinds) == {"note", "definition", "quote", "source", "page", "concept"}
    assert len({k["color"] for k in kinds.values()}) == 6
    assert len({k["shape"] for k in kinds.values()}) == 6
    for kind, entry in kinds.items():
        group = data["options"]["groups"][kind]
        assert group["shape"] == entry["shape"] == KIND_STYLES[kind].shape
        assert group["color"]["background"] == entry["color"]
    assert kinds["definition"]["count"] == 2 and kinds["concept"]["count"] == 2 and kinds["quote"]["count"] == 0
    assert all("shape" not in node and "color" not in node for node in data["nodes"])


def test_node_size_follows_degree_centrality() -> None:
    graph = sample_graph()
    data = page_data(render_html(graph))
    degree = dict(nx.Graph(graph).degree())
    sizes = {data["details"][n["id"]]["iri"]: n["size"] for n in data["nodes"]}
    hub = max(degree, key=lambda n: degree[n])
    assert sizes[hub] == NODE_SIZE_MAX
    assert min(sizes.values()) >= NODE_SIZE_MIN
    ordered = sorted(degree, key=lambda n: degree[n])
    assert [sizes[n] for n in ordered] == sorted(sizes[n] for n in ordered)
    assert sizes[hub] > sizes[ordered[0]]


def test_unknown_kinds_and_missing_details_still_render() -> None:
    graph = nx.DiGraph()
    graph.add_node("urn:x:1", kind="mystery", label="Mystery node")
    graph.add_node("urn:x:2")
    graph.add_edge("urn:x:1", "urn:x:2")
    data = page_data(render_html(graph))
    assert [info["kind"] for info in data["details"]] == ["other", "other"]
    assert data["details"][1]["label"] == "urn:x:2"
    assert [k["kind"] for k in data["kinds"]][-1] == "other"
    assert data["edges"][0]["relation"] == ""
    empty = page_data(render_html(nx.DiGraph()))
    assert empty["nodes"] == [] and empty["edges"] == []


# ---------------------------------------------------------------------------------------- hostile data


def test_hostile_strings_are_copied_from_the_fixture() -> None:
    fixture = (BAD / "hostile-strings.md").read_text("utf-8")
    for text in HOSTILE_STRINGS:
        if text != SPACED_JAVASCRIPT_URL:
            assert text.replace("\"", "\\\"") in fixture or text in fixture, text


def test_hostile_strings_appear_only_inside_the_escaped_json() -> None:
    text = render_html(hostile_graph(), title=HOSTILE_TITLE)
    start, end = json_span(text)
    for hostile in [*HOSTILE_STRINGS, "<!--", "\u2028", "\u2029", "</script><script>alert('tag')</script>"]:
        for match in re.finditer(re.escape(hostile), text):
            assert start <= match.start() and match.end() <= end, (hostile, match.start())
    body = text[start:end]
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in body
    # The page's own markup is unchanged: three scripts, no injected elements.
    tags = [tag for tag, _ in parse_page(text).tags]
    assert tags.count("script") == 3
    assert "img" not in tags and "b" not in tags
    assert text.count("</script") == 3
    assert "<title>&lt;img src=x onerror=alert(&#x27;title&#x27;)&gt; &amp; &lt;script&gt;" in text
    # And the JSON gives every string back exactly.
    data = page_data(text)
    assert data["title"] == HOSTILE_TITLE
    dumped = json.dumps(data, ensure_ascii=False)
    for hostile in (HOSTILE_TITLE, HOSTILE_SCRIPT, HOSTILE_ATTRIBUTE, HOSTILE_BOLD):
        assert json.dumps(hostile, ensure_ascii=False)[1:-1] in dumped
    concept = details_by_iri(data)[f"{BASE}concept/hostile"]
    assert row(concept, "Labels")["items"][2] == "\u2028line\u2029separators<!--"


def test_only_http_urls_become_links() -> None:
    by_iri = details_by_iri(page_data(render_html(hostile_graph())))

    def cited(name: str) -> dict[str, Any]:
        return row(by_iri[f"{BASE}definition/hostile-strings/{name}"], "Cited URL")

    for name, url in (("evil", JAVASCRIPT_URL), ("spaced", SPACED_JAVASCRIPT_URL), ("data", DATA_URL)):
        assert cited(name) == {"name": "Cited URL", "text": url}
    angled = cited("angled")
    assert angled["text"] == ANGLED_HTTPS_URL
    assert angled["href"] == "https://bad.example/a%20path/with%20%22quotes%22%20and%20%3Cangles%3E"
    page = by_iri[ANGLED_HTTPS_URL]
    assert row(page, "URL")["href"] == angled["href"]


@pytest.mark.parametrize(("value", "expected"), [
    ("https://en.wikipedia.org/wiki/MLOps", "https://en.wikipedia.org/wiki/MLOps"),
    ("HTTP://Example.org/a?b=c#d", "HTTP://Example.org/a?b=c#d"),
    ("  https://example.org/x  ", "https://example.org/x"),
    ("https://example.org/a b", "https://example.org/a%20b"),
    ("https://example.org/\u00e9t\u00e9", "https://example.org/\u00e9t\u00e9"),
    ("javascript:alert(1)", None),
    (" JavaScript:alert(1)", None),
    ("\x01javascript:alert(1)", None),
    ("java\nscript:alert(1)", None),
    ("jav\tascript:alert(1)", None),
    ("data:text/html;base64,PHNjcmlwdD4=", None),
    ("vbscript:msgbox(1)", None),
    ("file:///etc/passwd", None),
    ("ftp://example.org/file", None),
    ("wss://example.org/socket", None),
    ("//evil.example/x", None),
    ("http:evil.example", None),
    ("https://", None),
    ("https:///path", None),
    ("https://[::1", None),
    ("", None),
])
def test_safe_http_url(value: str, expected: str | None) -> None:
    assert safe_http_url(value) == expected


def test_lone_surrogates_do_not_break_the_page() -> None:
    graph = nx.DiGraph()
    graph.add_node("urn:x:s", kind="concept", label="bad \ud800 text",
                   details={"labels": ["bad \ud800 text"], "definitions": [], "sources": 0})
    text = render_html(graph, title="t\udfff")
    text.encode("utf-8")
    assert page_data(text)["details"][0]["label"] == "bad \ud800 text"


# ------------------------------------------------------------------------------------------ determinism


def _shuffled_copy(graph: nx.DiGraph, seed: int) -> nx.DiGraph:
    rng = random.Random(seed)
    nodes = list(graph.nodes(data=True))
    edges = list(graph.edges(data=True))
    rng.shuffle(nodes)
    rng.shuffle(edges)
    copy = nx.DiGraph()
    copy.add_nodes_from(nodes)
    copy.add_edges_from(edges)
    return copy


@pytest.mark.parametrize("size", [40, PHYSICS_MAX_NODES + 100, SPRING_MAX_NODES + 200])
def test_rendering_is_deterministic(size: int) -> None:
    graph = synthetic_graph(size)
    first = render_html(graph)
    assert render_html(graph) == first
    assert render_html(_shuffled_copy(graph, 3)) == first
    assert render_html(graph, title="other") != first


def test_folded_rendering_is_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_module, "FOLD_THRESHOLD", 100)
    graph = synthetic_graph(1200)
    first = render_html(graph)
    assert page_data(first)["view"]["folded"] is True
    assert render_html(_shuffled_copy(graph, 5)) == first


# ------------------------------------------------------------------------------------------------ scale


def test_small_graphs_use_browser_physics() -> None:
    data = page_data(render_html(synthetic_graph(PHYSICS_MAX_NODES)))
    assert data["options"]["physics"]["enabled"] is True
    assert data["view"]["layout"] == "physics"
    assert all("x" not in node for node in data["nodes"])


@pytest.mark.parametrize(("size", "layout"), [(PHYSICS_MAX_NODES + 50, "spring"), (1500, "force")])
def test_larger_graphs_get_positions_and_no_physics(size: int, layout: str) -> None:
    graph = synthetic_graph(size)
    data = page_data(render_html(graph))
    assert data["options"]["physics"] == {"enabled": False}
    assert data["view"]["layout"] == layout
    assert data["view"]["folded"] is False
    points = [(node["x"], node["y"]) for node in data["nodes"]]
    assert len(points) == graph.number_of_nodes()
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in points)
    assert len(set(points)) > 0.95 * len(points)
    # Linked nodes end up closer than random pairs on average.
    pos = {node["id"]: (node["x"], node["y"]) for node in data["nodes"]}
    linked = [math.dist(pos[e["from"]], pos[e["to"]]) for e in data["edges"]]
    rng = random.Random(0)
    ids = list(pos)
    unrelated = [math.dist(pos[rng.choice(ids)], pos[rng.choice(ids)]) for _ in range(2000)]
    assert sum(linked) / len(linked) < 0.6 * sum(unrelated) / len(unrelated)


def _expected_fold(graph: nx.DiGraph, node: str) -> tuple[int, int]:
    """Definitions touching ``node`` (directly or through a cited page) and the notes they are in."""
    undirected = graph.to_undirected(as_view=True)
    quoted = ("definition", "quote")
    definitions = {n for n in undirected[node] if graph.nodes[n]["kind"] in quoted}
    for page in (n for n in undirected[node] if graph.nodes[n]["kind"] == "page"):
        definitions |= {n for n in undirected[page] if graph.nodes[n]["kind"] in quoted}
    notes = {n for d in definitions for n in undirected[d] if graph.nodes[n]["kind"] == "note"}
    if graph.nodes[node]["kind"] == "concept":
        notes |= {n for n in undirected[node] if graph.nodes[n]["kind"] == "note"}
    return len(definitions), len(notes)


def test_graphs_above_the_threshold_are_folded() -> None:
    graph = synthetic_graph(FOLD_THRESHOLD + 600)
    assert graph.number_of_nodes() > FOLD_THRESHOLD
    data = page_data(render_html(graph))
    view = data["view"]
    assert view["folded"] is True
    assert view["graphNodes"] == graph.number_of_nodes()
    assert view["message"].startswith("Folded view:")
    assert f"more than {FOLD_THRESHOLD:,}" in view["message"]
    kept = sorted(n for n in graph.nodes if graph.nodes[n]["kind"] in ("concept", "source"))
    assert [info["iri"] for info in data["details"]] == kept
    assert data["options"]["physics"] == {"enabled": False}
    by_iri = details_by_iri(data)
    for node in kept[:: max(1, len(kept) // 40)]:
        definitions, notes = _expected_fold(graph, node)
        text = row(by_iri[node], "Folded")["text"]
        assert text.startswith(f"{definitions:,} definition{'s' if definitions != 1 else ''} in "
                               f"{notes:,} note{'s' if notes != 1 else ''}"), (node, text)


def test_folding_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_module, "FOLD_THRESHOLD", 3)
    data = page_data(render_html(sample_graph()))
    by_iri = details_by_iri(data)
    assert sorted(by_iri) == [f"{BASE}source/en.wikipedia.org/wikipedia",
                              "https://w3id.org/mlops-graph/vocab/devops",
                              "https://w3id.org/mlops-graph/vocab/mlops"]
    assert row(by_iri["https://w3id.org/mlops-graph/vocab/mlops"], "Folded")["text"] == (
        "2 definitions in 1 note; defined by 2 definitions")
    assert row(by_iri["https://w3id.org/mlops-graph/vocab/devops"], "Folded")["text"] == "1 definition in 1 note"
    assert row(by_iri[f"{BASE}source/en.wikipedia.org/wikipedia"], "Folded")["text"] == (
        "1 definition in 1 note, 1 cited page")
    edges = {(data["details"][e["from"]]["iri"], data["details"][e["to"]]["iri"], e["relation"])
             for e in data["edges"]}
    assert edges == {(f"{BASE}source/en.wikipedia.org/wikipedia", "https://w3id.org/mlops-graph/vocab/mlops",
                      "folded definitions")}
    assert "Folded view: the graph has 7 nodes, more than 3, so its 4 notes" in data["view"]["message"]


def test_folded_view_keeps_the_most_connected_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_module, "FOLD_THRESHOLD", 3)
    monkeypatch.setattr(page_module, "FOLDED_MAX_NODES", 2)
    data = page_data(render_html(sample_graph()))
    assert sorted(info["iri"] for info in data["details"]) == [
        f"{BASE}source/en.wikipedia.org/wikipedia", "https://w3id.org/mlops-graph/vocab/mlops"]
    assert "The 2 most connected of its 3 concepts and sources are shown." in data["view"]["message"]


# ----------------------------------------------------------------------------- folding the mappings


def _graph_data(graph: GraphLike) -> tuple[Any, ...]:
    return dict(graph.graph), dict(graph.nodes), {(u, v): d for u, v, d in edges_of(graph)}


@pytest.mark.parametrize("build_name", ["corpus_build", "mixed_build"])
def test_folding_the_mappings_is_folding_the_whole_graph(build_name: str, request: pytest.FixtureRequest,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    build: BuildResult = request.getfixturevalue(build_name)
    ordered = sorted(build.mappings, key=lambda m: m.iri)
    assert Census(ordered).lean
    whole = to_networkx(build.mappings, build.index)
    assert folded_info(whole) is None
    folded = to_networkx(build.mappings, build.index, fold_above=3)
    assert _graph_data(folded) == _graph_data(fold_graph(whole, 3))
    info = folded_info(folded)
    assert info is not None
    assert (info.nodes, info.edges) == (whole.number_of_nodes(), whole.number_of_edges())
    assert to_networkx(build.mappings, build.index, fold_above=whole.number_of_nodes()).number_of_nodes() == (
        whole.number_of_nodes())
    monkeypatch.setattr(page_module, "FOLD_THRESHOLD", 3)
    assert render_html(folded) == render_html(whole)
    monkeypatch.setattr(page_module, "FOLDED_MAX_NODES", 7)
    page = render_html(folded)
    assert page == render_html(whole)
    assert len(page_data(page)["nodes"]) == 7


def test_mappings_whose_iris_collide_are_folded_from_the_whole_graph(corpus_build: BuildResult) -> None:
    # A cited page whose URL is a concept's IRI, and a note mapped twice.
    mappings = list(corpus_build.mappings)
    at = next(i for i, m in enumerate(mappings) if any(d.page_iri for d in m.definitions))
    m = mappings[at]
    mappings[at] = msgspec.structs.replace(m, definitions=[
        msgspec.structs.replace(d, page_iri=d.concept.iri) if d.page_iri else d for d in m.definitions])
    mappings.append(mappings[0])
    assert not Census(sorted(mappings, key=lambda x: x.iri)).lean
    folded = to_networkx(mappings, corpus_build.index, fold_above=3)
    assert _graph_data(folded) == _graph_data(fold_graph(to_networkx(mappings, corpus_build.index), 3))


def test_folded_graph_counts(corpus_build: BuildResult) -> None:
    whole = to_networkx(corpus_build.mappings, corpus_build.index)
    folded = to_networkx(corpus_build.mappings, corpus_build.index, fold_above=3)
    kept = {n for n, d in whole.nodes(data=True) if d["kind"] in ("concept", "source")}
    assert set(folded.nodes) == kept
    for node in kept:
        counts = folded.nodes[node]["folded"]
        assert (counts["definitions"], counts["notes"]) == _expected_fold(whole, node)
    pairs = [(u, v, d) for u, v, d in folded.edges(data=True)]
    assert pairs and all(d["relation"] == "folded definitions" and d["count"] >= 1 for _, _, d in pairs)


def test_bidi_controls_are_shown_and_never_reorder_a_label_or_a_link() -> None:
    url = "https://evil.example/\u202emoc.elgoog"
    graph = nx.DiGraph()
    graph.add_node(url, kind="page", label=url, details={"url": url, "source": "\u2067Evil\u2069"})
    graph.add_node(f"{BASE}note/n", kind="note", label="\u202etxt.exe title", details={"title": "\u202etxt.exe"})
    text = render_html(graph)
    data = page_data(text)
    by_iri = details_by_iri(data)
    shown = "https://evil.example/\u27e8U+202E\u27e9moc.elgoog"
    assert row(by_iri[url], "URL") == {"name": "URL", "text": shown, "href": url}
    assert row(by_iri[url], "Source")["text"] == "\u27e8U+2067\u27e9Evil\u27e8U+2069\u27e9"
    assert by_iri[f"{BASE}note/n"]["label"] == "\u27e8U+202E\u27e9txt.exe title"
    assert {node["label"] for node in data["nodes"]} == {_short(shown), "\u27e8U+202E\u27e9txt.exe title"}
    assert row(by_iri[url], "IRI")["text"] == shown
    # Only the page's lookup key and the link's target keep the control, and neither is displayed.
    shown_data = [data["nodes"], [{k: v for k, v in info.items() if k != "iri"} for info in data["details"]]]
    for info in shown_data[1]:
        info["rows"] = [{k: v for k, v in r.items() if k != "href"} for r in info["rows"]]
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", json.dumps(shown_data, ensure_ascii=False))


def _short(text: str) -> str:
    return text if len(text) <= LABEL_MAX_CHARS else text[:LABEL_MAX_CHARS - 1].rstrip() + "…"
