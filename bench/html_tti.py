"""Time to interactive of the HTML page, in Debian's Chromium.

For synthetic graphs of 1,000 and 5,000 nodes, the time from navigation start to the page's first
drawing with physics off (``window.mlopsGraph.state.readyAt``, from ``performance.now()``), median of
three page loads each. Also prints how long :func:`render_html` takes, including on a 100,000-node
graph that is shown folded.

    .venv/bin/python bench/html_tti.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mlops_graph.export.html import render_html  # noqa: E402
from tests.browser_support import chromium, synthetic_graph  # noqa: E402

SIZES = (1_000, 5_000)
RUNS = 3
RENDER_ONLY = (100_000,)
READY = "window.mlopsGraph !== undefined && window.mlopsGraph.state.ready === true"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, chromium() as browser:
        for size in SIZES:
            graph = synthetic_graph(size)
            start = time.perf_counter()
            text = render_html(graph)
            render_s = time.perf_counter() - start
            path = Path(folder) / f"graph-{size}.html"
            path.write_text(text, encoding="utf-8")
            times: list[float] = []
            for _ in range(RUNS):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                           else route.abort())
                page.goto(path.as_uri())
                page.wait_for_function(READY, timeout=120_000)
                assert page.evaluate("window.mlopsGraph.network.physics.physicsEnabled") is False
                times.append(float(page.evaluate("window.mlopsGraph.state.readyAt")))
                page.close()
            print(f"{graph.number_of_nodes():>7,} nodes {graph.number_of_edges():>7,} edges  "
                  f"render_html {render_s:5.2f} s  page {len(text.encode('utf-8')) / 1e6:4.1f} MB  "
                  f"time to interactive: median {statistics.median(times):6.0f} ms  "
                  f"(runs: {', '.join(f'{t:.0f}' for t in times)})")
    for size in RENDER_ONLY:
        graph = synthetic_graph(size)
        start = time.perf_counter()
        text = render_html(graph)
        print(f"{graph.number_of_nodes():>7,} nodes {graph.number_of_edges():>7,} edges  "
              f"render_html {time.perf_counter() - start:5.2f} s  page {len(text.encode('utf-8')) / 1e6:4.1f} MB  "
              "(folded view, not loaded)")


if __name__ == "__main__":
    main()
