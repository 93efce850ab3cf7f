"""Shared helpers for the browser tests and the HTML benchmark: Chromium launch and synthetic graphs.

Playwright drives Debian's ``/usr/bin/chromium``; its own browser download is never used.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BASE = "https://example.org/mlops-graph/"


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium, closed on exit."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():  # a missing browser fails the browser tests; it never skips them
        pytest.fail(f"{CHROMIUM} is not installed: run scripts/system-deps.sh", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def synthetic_graph(node_count: int, seed: int = 1) -> nx.DiGraph:
    """A graph shaped like a notes corpus with about ``node_count`` nodes of all five kinds.

    Per note: about four definitions, each attributed to a source, quoted from a page published by
    that source, defining one concept and mentioning up to two more; notes link to other notes.
    """
    rng = random.Random(seed)
    graph = nx.DiGraph()
    notes = max(1, node_count // 11)
    concepts = max(1, node_count // 11)
    sources = max(1, node_count // 22)
    for i in range(concepts):
        graph.add_node(
            f"{BASE}concept/c{i}",
            kind="concept",
            label=f"Concept number {i}",
            details={"labels": [f"Concept number {i}", f"alt-{i}"], "definitions": [], "sources": 0},
        )
    for i in range(sources):
        graph.add_node(
            f"{BASE}source/s{i}",
            kind="source",
            label=f"Source {i}",
            details={"name": f"Source {i}", "host": f"s{i}.example", "definitions": 0},
        )
    made = concepts + sources
    note_index = 0
    while made < node_count and note_index < notes * 2:
        note = f"{BASE}note/n{note_index}"
        graph.add_node(
            note,
            kind="note",
            label=f"Note {note_index} about things",
            details={
                "title": f"Note {note_index} about things",
                "file": f"n{note_index}.md",
                "date": "2022-03-14",
                "notetype": "feed",
                "tags": ["mlops"],
            },
        )
        made += 1
        if note_index:
            graph.add_edge(note, f"{BASE}note/n{rng.randrange(note_index)}", relation="linksTo")
        for d in range(4):
            if made + 2 > node_count:
                break
            definition = f"{BASE}definition/n{note_index}/{d}"
            source = f"{BASE}source/s{rng.randrange(sources)}"
            page = f"https://s{rng.randrange(sources)}.example/page/{note_index}/{d}"
            concept = f"{BASE}concept/c{rng.randrange(concepts)}"
            text = f"Definition {d} of note {note_index}: a quote long enough to need cutting on the canvas."
            graph.add_node(
                definition,
                kind="definition",
                label=text,
                details={
                    "text": text,
                    "source": "Source",
                    "url": page,
                    "note": f"Note {note_index} about things",
                    "date": "2022-03-14",
                    "term": "Concept",
                },
            )
            graph.add_node(page, kind="page", label=page, details={"url": page, "source": "Source"})
            made += 2
            graph.add_edge(note, definition, relation="hasDefinition")
            graph.add_edge(definition, source, relation="attributedTo")
            graph.add_edge(definition, page, relation="quotedFrom")
            graph.add_edge(page, source, relation="publisher")
            graph.add_edge(definition, concept, relation="defines")
            for _ in range(rng.randrange(3)):
                graph.add_edge(definition, f"{BASE}concept/c{rng.randrange(concepts)}", relation="mentions")
        note_index += 1
    return graph


HOSTILE_TITLE = "<img src=x onerror=alert('title')> & <script>alert(1)</script>"
HOSTILE_SCRIPT = "</script><script>alert(5)</script>"
HOSTILE_ATTRIBUTE = "\" onmouseover=\"alert(2)"
HOSTILE_BOLD = "<b onmouseover=alert(3)>Evil Corp</b>"
JAVASCRIPT_URL = "javascript:alert(4)"
SPACED_JAVASCRIPT_URL = " JavaScript:alert(7)"
DATA_URL = "data:text/html;base64,PHNjcmlwdD5hbGVydCg2KTwvc2NyaXB0Pg=="
ANGLED_HTTPS_URL = "https://bad.example/a path/with \"quotes\" and <angles>"
#: The hostile strings of ``tests/fixtures/bad/hostile-strings.md``, plus a disguised ``javascript:`` URL.
HOSTILE_STRINGS = [HOSTILE_TITLE, HOSTILE_SCRIPT, HOSTILE_ATTRIBUTE, HOSTILE_BOLD, JAVASCRIPT_URL,
                   SPACED_JAVASCRIPT_URL, DATA_URL, ANGLED_HTTPS_URL]


def sample_graph() -> nx.DiGraph:
    """A small hand-built graph with every node kind and relation, modelled on ``what-is-mlops.md``."""
    graph = nx.DiGraph()
    note = f"{BASE}note/what-is-mlops"
    mlops = "https://w3id.org/mlops-graph/vocab/mlops"
    devops = "https://w3id.org/mlops-graph/vocab/devops"
    wikipedia = f"{BASE}source/en.wikipedia.org/wikipedia"
    page = "https://en.wikipedia.org/wiki/MLOps"
    definition = f"{BASE}definition/what-is-mlops/1a2b3c"
    summary = f"{BASE}definition/what-is-mlops/4d5e6f"
    quote = ("MLOps or ML Ops is a paradigm that aims to deploy and maintain machine learning models in "
             "production reliably and efficiently.")
    graph.add_node(note, kind="note", label="What is MLOps",
                   details={"title": "What is MLOps", "file": "what-is-mlops.md", "date": "2022-03-14",
                            "notetype": "feed", "tags": ["mlops", "devops"]})
    graph.add_node(mlops, kind="concept", label="MLOps",
                   details={"labels": ["MLOps", "Machine Learning Operations", "ML Ops"],
                            "definitions": ["Wikipedia — What is MLOps", "the note's author — What is MLOps"],
                            "sources": 2})
    graph.add_node(devops, kind="concept", label="DevOps",
                   details={"labels": ["DevOps"], "definitions": ["Wikipedia — What is MLOps"], "sources": 1})
    graph.add_node(wikipedia, kind="source", label="Wikipedia",
                   details={"name": "Wikipedia", "host": "en.wikipedia.org", "definitions": 1})
    graph.add_node(page, kind="page", label=page, details={"url": page, "source": "Wikipedia"})
    graph.add_node(definition, kind="definition", label=quote,
                   details={"text": quote, "source": "Wikipedia", "url": page, "note": "What is MLOps",
                            "date": "2022-03-14", "term": "MLOps"})
    graph.add_node(summary, kind="definition", label="MLOps is DevOps for machine learning.",
                   details={"text": "MLOps is DevOps for machine learning.", "source": None, "url": None,
                            "note": "What is MLOps", "date": "2022-03-14", "term": "MLOps"})
    graph.add_edge(note, definition, relation="hasDefinition")
    graph.add_edge(note, summary, relation="hasDefinition")
    graph.add_edge(definition, wikipedia, relation="attributedTo")
    graph.add_edge(definition, page, relation="quotedFrom")
    graph.add_edge(page, wikipedia, relation="publisher")
    graph.add_edge(definition, mlops, relation="defines")
    graph.add_edge(summary, mlops, relation="defines")
    graph.add_edge(summary, devops, relation="mentions")
    graph.add_edge(note, mlops, relation="mentions")
    return graph


def hostile_graph() -> nx.DiGraph:
    """A graph whose every string comes from ``tests/fixtures/bad/hostile-strings.md``."""
    graph = nx.DiGraph()
    note = f"{BASE}note/hostile-strings"
    graph.add_node(note, kind="note", label=HOSTILE_TITLE,
                   details={"title": HOSTILE_TITLE, "file": "hostile-strings.md", "date": "2022-07-04",
                            "notetype": "feed\"> <b>bold</b>",
                            "tags": ["</script><script>alert('tag')</script>", "a b c", HOSTILE_ATTRIBUTE]})
    urls = {"evil": JAVASCRIPT_URL, "spaced": SPACED_JAVASCRIPT_URL, "data": DATA_URL,
            "angled": ANGLED_HTTPS_URL}
    for name, url in urls.items():
        source = f"{BASE}source/unlinked/{name}"
        definition = f"{BASE}definition/hostile-strings/{name}"
        graph.add_node(source, kind="source", label=HOSTILE_BOLD if name == "evil" else name,
                       details={"name": HOSTILE_BOLD if name == "evil" else name, "host": None, "definitions": 1})
        graph.add_node(definition, kind="definition", label=f"{HOSTILE_SCRIPT} {name}",
                       details={"text": f"A quote with {HOSTILE_SCRIPT} and {HOSTILE_ATTRIBUTE} ({name})",
                                "source": HOSTILE_BOLD if name == "evil" else name, "url": url,
                                "note": HOSTILE_TITLE, "date": None, "term": HOSTILE_ATTRIBUTE})
        graph.add_edge(note, definition, relation="hasDefinition")
        graph.add_edge(definition, source, relation="attributedTo")
        if name == "angled":
            graph.add_node(url, kind="page", label=url, details={"url": url, "source": name})
            graph.add_edge(definition, url, relation="quotedFrom")
            graph.add_edge(url, source, relation="publisher")
    concept = f"{BASE}concept/hostile"
    graph.add_node(concept, kind="concept", label=HOSTILE_ATTRIBUTE,
                   details={"labels": [HOSTILE_ATTRIBUTE, HOSTILE_TITLE, "\u2028line\u2029separators<!--"],
                            "definitions": [HOSTILE_SCRIPT], "sources": 4})
    graph.add_edge(f"{BASE}definition/hostile-strings/evil", concept, relation="defines")
    return graph
