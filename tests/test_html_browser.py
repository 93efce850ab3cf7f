"""The HTML page in Debian's Chromium, driven by Playwright, with every non-file request blocked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from playwright.sync_api import Browser, Page, Route

from mlops_graph.export.html import FOLD_THRESHOLD, render_html
from tests.browser_support import (
    ANGLED_HTTPS_URL,
    BASE,
    DATA_URL,
    HOSTILE_TITLE,
    JAVASCRIPT_URL,
    SPACED_JAVASCRIPT_URL,
    chromium,
    hostile_graph,
    sample_graph,
    synthetic_graph,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MLOPS = "https://w3id.org/mlops-graph/vocab/mlops"
QUOTE_NODE = f"{BASE}definition/what-is-mlops/1a2b3c"
READY = "window.mlopsGraph !== undefined && window.mlopsGraph.state.ready === true"


@dataclass
class Recorder:
    """What a page did besides drawing: requests, console errors, dialogs."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    failed: dict[str, str | None] = field(default_factory=dict)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def open_page(browser: Browser, graph: nx.DiGraph | str, path: Path, title: str = "mlops-graph",
              *, timeout: float = 60_000) -> tuple[Page, Recorder]:
    """Open the page of ``graph`` (or the given HTML text) with all non-file requests blocked."""
    text = graph if isinstance(graph, str) else render_html(graph, title=title)
    path.write_text(text, encoding="utf-8")
    record = Recorder()
    page = browser.new_page(viewport={"width": 1400, "height": 900})

    def route(route: Route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            record.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("request", lambda request: record.requests.append(request.url))
    page.on("requestfailed", lambda request: record.failed.__setitem__(request.url, request.failure))
    page.on("console", lambda message: record.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: record.errors.append(str(error)))

    def dialog(d: Any) -> None:
        record.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(path.as_uri())
    wait_until_ready(page, timeout)
    return page, record


def wait_until_ready(page: Page, timeout: float) -> None:
    """Poll with ``evaluate`` (not ``wait_for_function``, whose polling uses eval, which the page's
    Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(READY):
        if time.monotonic() > deadline:
            raise AssertionError(f"page not ready after {timeout / 1000:.0f} s")
        page.wait_for_timeout(50)


def node_id(page: Page, iri: str) -> int:
    value = page.evaluate("iri => window.mlopsGraph.idOf(iri)", iri)
    assert isinstance(value, int), iri
    return value


def selected_iris(page: Page) -> list[str]:
    iris: list[str] = page.evaluate(
        "() => window.mlopsGraph.network.getSelectedNodes().map(id => window.mlopsGraph.data.details[id].iri)")
    return iris


def click_node(page: Page, iri: str) -> None:
    """Click where the node is drawn on the screen."""
    point = page.evaluate(
        """id => {
            const net = window.mlopsGraph.network;
            const dom = net.canvasToDOM(net.getPositions([id])[id]);
            const box = document.getElementById("graph").getBoundingClientRect();
            return {x: box.left + dom.x, y: box.top + dom.y};
        }""",
        node_id(page, iri),
    )
    page.mouse.click(point["x"], point["y"])


def no_outside_requests(record: Recorder) -> None:
    outside = [url for url in record.requests if not url.startswith("file:")]
    assert outside == []
    assert record.blocked == []


def test_sample_page_works_offline(browser: Browser, tmp_path: Path) -> None:
    graph = sample_graph()
    page, record = open_page(browser, graph, tmp_path / "sample.html", title="What is MLOps")
    try:
        assert page.evaluate("window.mlopsGraph.nodes.length") == graph.number_of_nodes()
        assert page.evaluate("window.mlopsGraph.edges.length") == graph.number_of_edges()
        assert page.evaluate("window.mlopsGraph.network.body.nodeIndices.length") == graph.number_of_nodes()
        assert page.locator("#legend li").count() == 6
        assert "Full view" in page.locator("#view-status").inner_text()

        # A click on a definition shows its full quote, source, note, date and link.
        click_node(page, QUOTE_NODE)
        page.wait_for_selector("#details:not([hidden])")
        assert selected_iris(page) == [QUOTE_NODE]
        panel = page.locator("#details").inner_text()
        assert graph.nodes[QUOTE_NODE]["details"]["text"] in panel
        for text in ("Wikipedia", "What is MLOps", "2022-03-14"):
            assert text in panel
        link = page.locator("#details-rows a")
        assert link.count() == 1
        assert link.get_attribute("href") == "https://en.wikipedia.org/wiki/MLOps"
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert link.get_attribute("target") == "_blank"
        # Its neighbours stay lit, the rest is dimmed.
        dimmed = page.evaluate("window.mlopsGraph.nodes.get({filter: n => n.opacity < 1}).length")
        neighbours = set(nx.Graph(graph)[QUOTE_NODE])
        assert dimmed == graph.number_of_nodes() - len(neighbours) - 1

        # Search by an alternative label focuses the concept.
        page.fill("#search-input", "machine learning operations")
        page.press("#search-input", "Enter")
        page.wait_for_function("window.mlopsGraph.state.selected !== null && "
                               f"window.mlopsGraph.data.details[window.mlopsGraph.state.selected].iri === '{MLOPS}'")
        assert selected_iris(page) == [MLOPS]
        assert page.locator("#details-title").inner_text() == "MLOps"
        panel = page.locator("#details").inner_text()
        assert "Machine Learning Operations" in panel and "2 distinct sources" in panel
        assert "Wikipedia — What is MLOps" in panel
        assert page.locator("#search-results button").first.inner_text().startswith("MLOps")
        ARTIFACTS.mkdir(exist_ok=True)
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "sample-page.png"))

        # The kind filter hides one kind and nothing else.
        page.locator('#legend input[data-kind="definition"]').uncheck()
        hidden = page.evaluate(
            "window.mlopsGraph.nodes.get({filter: n => n.hidden === true}).map(n => n.group)")
        assert sorted(hidden) == ["definition", "definition"]
        shown = page.evaluate("window.mlopsGraph.network.body.nodeIndices.length")
        assert shown == graph.number_of_nodes() - 2
        page.locator('#legend input[data-kind="definition"]').check()
        assert page.evaluate("window.mlopsGraph.network.body.nodeIndices.length") == graph.number_of_nodes()

        # Reset clears selection, filter, highlight and the panel.
        page.locator('#legend input[data-kind="note"]').uncheck()
        page.click("#reset-view")
        assert page.evaluate("window.mlopsGraph.network.getSelectedNodes().length") == 0
        assert page.evaluate("window.mlopsGraph.nodes.get({filter: n => n.hidden || n.opacity < 1}).length") == 0
        assert page.locator("#details").is_hidden()
        assert page.locator('#legend input[data-kind="note"]').is_checked()

        no_outside_requests(record)
        assert record.errors == []
        assert record.dialogs == []
    finally:
        page.close()


def test_hostile_graph_stays_inert(browser: Browser, tmp_path: Path) -> None:
    graph = hostile_graph()
    page, record = open_page(browser, graph, tmp_path / "hostile.html", title=HOSTILE_TITLE)
    try:
        assert page.title() == HOSTILE_TITLE
        # Open every node's details and hover every node.
        for iri in sorted(graph.nodes):
            page.evaluate("id => window.mlopsGraph.focusNode(id)", node_id(page, iri))
            page.wait_for_selector("#details:not([hidden])")
            text = page.locator("#details").inner_text()
            assert graph.nodes[iri]["label"] in text
            links = page.eval_on_selector_all("#details a", "els => els.map(a => a.getAttribute('href'))")
            kind = graph.nodes[iri]["kind"]
            url = graph.nodes[iri]["details"].get("url")
            if kind in ("definition", "page") and url == ANGLED_HTTPS_URL:
                assert links == ["https://bad.example/a%20path/with%20%22quotes%22%20and%20%3Cangles%3E"]
                assert ANGLED_HTTPS_URL in text
            else:
                assert links == []
            if url in (JAVASCRIPT_URL, DATA_URL, SPACED_JAVASCRIPT_URL):
                assert url.strip() in text
        page.click("#reset-view")
        page.wait_for_timeout(300)
        for iri in sorted(graph.nodes):
            point = page.evaluate(
                """id => { const net = window.mlopsGraph.network;
                           const d = net.canvasToDOM(net.getPositions([id])[id]);
                           const b = document.getElementById("graph").getBoundingClientRect();
                           return {x: b.left + d.x, y: b.top + d.y}; }""", node_id(page, iri))
            page.mouse.move(point["x"], point["y"])
        page.fill("#search-input", "alert")
        page.wait_for_timeout(300)
        assert page.locator("#search-results li").count() >= 5

        assert page.evaluate("document.querySelectorAll('img, b, iframe, object, embed').length") == 0
        scripts = page.evaluate("Array.from(document.scripts).map(s => s.id)")
        assert scripts == ["vis-network-js", "graph-data", "graph-app"]
        hrefs = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
        assert not [h for h in hrefs if not h.startswith("https://")]
        assert page.evaluate("Array.from(document.querySelectorAll('*')).filter("
                             "e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length") == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hostile-page.png"))
        assert record.dialogs == []
        assert record.errors == []
        no_outside_requests(record)
    finally:
        page.close()


def test_page_script_links_only_web_urls(browser: Browser, tmp_path: Path) -> None:
    """Even a details row that offers a ``javascript:`` href is shown as text by the page's script."""
    text = render_html(hostile_graph())
    row = '{"name":"Cited URL","text":"javascript:alert(4)"}'
    assert text.count(row) == 1
    text = text.replace(row, '{"href":"javascript:alert(4)","name":"Cited URL","text":"javascript:alert(4)"}')
    page, record = open_page(browser, text, tmp_path / "forged.html")
    try:
        page.evaluate("id => window.mlopsGraph.focusNode(id)", node_id(page, f"{BASE}definition/hostile-strings/evil"))
        page.wait_for_selector("#details:not([hidden])")
        assert JAVASCRIPT_URL in page.locator("#details-rows").inner_text()
        assert page.locator("#details a").count() == 0
        assert record.dialogs == [] and record.errors == []
    finally:
        page.close()


def test_content_security_policy_blocks_fetches(browser: Browser, tmp_path: Path) -> None:
    page, record = open_page(browser, sample_graph(), tmp_path / "csp.html")
    try:
        directive = page.evaluate(
            """() => new Promise(resolve => {
                document.addEventListener("securitypolicyviolation", e => resolve(e.effectiveDirective));
                const image = new Image();
                image.src = "https://example.org/pixel.png";
            })""")
        assert directive == "img-src"
        fetched = page.evaluate("fetch('https://example.org/').then(() => 'fetched', () => 'refused')")
        assert fetched == "refused"
        # Chromium refused both before sending them: they never reached the network layer (the route).
        assert record.failed.get("https://example.org/pixel.png") == "csp"
        assert record.blocked == []
        assert len(record.errors) >= 2 and all("Content Security Policy" in e for e in record.errors)
    finally:
        page.close()


def test_5000_nodes_become_interactive(browser: Browser, tmp_path: Path) -> None:
    graph = synthetic_graph(5000)
    assert graph.number_of_nodes() <= FOLD_THRESHOLD
    page, record = open_page(browser, graph, tmp_path / "large.html")
    try:
        ready_ms = page.evaluate("window.mlopsGraph.state.readyAt")
        print(f"\n5,000-node page ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges): "
              f"interactive {ready_ms:.0f} ms after navigation start")
        assert page.evaluate("window.mlopsGraph.nodes.length") == graph.number_of_nodes()
        assert page.evaluate("window.mlopsGraph.network.physics.physicsEnabled") is False
        target = "https://example.org/mlops-graph/concept/c7"
        page.fill("#search-input", "Concept number 7")
        page.press("#search-input", "Enter")
        page.wait_for_selector("#details:not([hidden])")
        assert selected_iris(page) == [target]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "large-page.png"))
        assert record.errors == []
        no_outside_requests(record)
    finally:
        page.close()


def test_folded_page_says_so(browser: Browser, tmp_path: Path) -> None:
    graph = synthetic_graph(FOLD_THRESHOLD + 600)
    page, record = open_page(browser, graph, tmp_path / "folded.html")
    try:
        status = page.locator("#view-status")
        assert status.is_visible()
        assert "Folded view" in status.inner_text()
        assert f"{graph.number_of_nodes():,} nodes" in status.inner_text()
        assert page.get_attribute("body", "data-view") == "folded"
        kinds = page.evaluate("Array.from(new Set(window.mlopsGraph.nodes.map(n => n.group))).sort()")
        assert kinds == ["concept", "source"]
        page.evaluate("id => window.mlopsGraph.focusNode(id)", node_id(page, f"{BASE}concept/c1"))
        page.wait_for_selector("#details:not([hidden])")
        assert " in " in page.locator("#details-rows dd").first.inner_text()
        assert record.errors == []
        no_outside_requests(record)
    finally:
        page.close()
