"""graph.html as a build writes it, from the sample corpus and the bad files, in a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from mlops_graph.graph.network import to_networkx
from mlops_graph.pipeline import BuildResult
from tests.browser_support import chromium
from tests.test_html_browser import ARTIFACTS, no_outside_requests, node_id, open_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_built_page_matches_the_graph_and_stays_inert(browser: Browser, mixed_build: BuildResult,
                                                       tmp_path: Path) -> None:
    html = mixed_build.files["graph.html"].decode("utf-8")
    graph = to_networkx(mixed_build.mappings, mixed_build.index)
    page, record = open_page(browser, html, tmp_path / "graph.html")
    try:
        assert page.evaluate("window.mlopsGraph.nodes.length") == graph.number_of_nodes()
        hostile = [n for n, d in graph.nodes(data=True)
                   if d["kind"] == "definition" and "alert(1)" in d["details"]["note"]]
        assert len(hostile) == 3
        for iri in hostile:
            page.evaluate("id => window.mlopsGraph.focusNode(id)", node_id(page, iri))
            page.wait_for_selector("#details:not([hidden])")
            text = page.locator("#details").inner_text()
            assert graph.nodes[iri]["details"]["text"] in text
            links = page.eval_on_selector_all("#details a", "els => els.map(a => a.getAttribute('href'))")
            url = graph.nodes[iri]["details"]["url"]
            if url.startswith("https://"):
                assert links == ["https://bad.example/a%20path/with%20%22quotes%22%20and%20%3Cangles%3E"]
            else:
                assert url.startswith(("javascript:", "data:"))
                assert links == []
                assert url in text
        page.fill("#search-input", "Evil Corp")
        page.wait_for_timeout(300)
        assert page.locator("#search-results li").count() >= 1
        assert page.evaluate("document.querySelectorAll('img, b, iframe, object, embed').length") == 0
        assert page.evaluate("Array.from(document.scripts).map(s => s.id)") == [
            "vis-network-js", "graph-data", "graph-app"
        ]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "built-page.png"))
        assert record.dialogs == []
        assert record.errors == []
        no_outside_requests(record)
    finally:
        page.close()
