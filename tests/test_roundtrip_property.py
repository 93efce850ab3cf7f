"""Property tests: any title, quote, tag or URL survives note → Turtle → parse back, and every
generated graph.ttl parses in rdflib, pyoxigraph, serdi and rapper."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mlops_graph.config import Settings
from mlops_graph.extract.notes import read_note
from mlops_graph.graph.mapping import page_iri
from mlops_graph.pipeline import build

PROV_VALUE = rdflib.URIRef("http://www.w3.org/ns/prov#value")
DC_TITLE = rdflib.URIRef("http://purl.org/dc/terms/title")
MG_TAG = rdflib.URIRef("https://w3id.org/mlops-graph/ns#tag")
SCHEMA_URL = rdflib.URIRef("https://schema.org/url")
NO_HTML = Settings(html=False)

# Any Unicode scalar value but surrogates and NUL (a NUL makes a file binary, which is refused).
# The noncharacters U+FFFE and U+FFFF are drawn too; a note reads them as U+FFFD.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=60)
PLAIN_WORDS = st.text(
    st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Nd"), whitelist_characters=" ,.;:'\"-?!/()é"),
    min_size=1, max_size=80,
).filter(lambda s: s.strip()[:1].isalpha())
# A quote: any text on one line (no control characters, which Markdown reads as line ends or drops),
# kept verbatim but for the spaces and tabs around it.
QUOTE_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=80).filter(
    lambda s: bool(s.strip()))
URL_PATH = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\x00"), max_size=40)


@dataclass(frozen=True)
class Drawn:
    """A generated note: its file's text and the values written into it."""

    text: str
    title: str
    tags: list[str]
    quote: str


def _escaped(text: str) -> str:
    """Markdown that reads back as ``text``: every ASCII punctuation character backslash-escaped."""
    return "".join("\\" + c if c.isascii() and not c.isalnum() and not c.isspace() else c for c in text)


@st.composite
def notes(draw: st.DrawFn) -> dict[str, Drawn]:
    count = draw(st.integers(min_value=5, max_value=8))
    files = {}
    for i in range(count):
        meta = {
            "title": draw(ANY_TEXT),
            "tags": draw(st.lists(ANY_TEXT, max_size=3)),
            "date": "2022-03-14",
        }
        quote = draw(QUOTE_TEXT)
        front = yaml.safe_dump(meta, allow_unicode=True, default_flow_style=False)
        meta = yaml.safe_load(front)  # what the file says, as YAML reads it (a NEL in a tag is a line break)
        written = _escaped(quote.strip(" \t"))
        body = f"# {draw(PLAIN_WORDS)}\n\n[Source {i}](https://s{i}.example/p) said\n\n> {written}\n"
        files[f"n{i}.md"] = Drawn(f"---\n{front}---\n\n{body}", meta["title"], meta["tags"], quote)
    return files


def _external_count(tool: str, path: Path) -> int:
    exe = shutil.which(tool)
    assert exe, f"{tool} is missing: run scripts/system-deps.sh"
    if tool == "serdi":
        done = subprocess.run([exe, "-i", "turtle", "-o", "ntriples", str(path)], capture_output=True, check=True)
        return len([line for line in done.stdout.splitlines() if line.strip()])
    done = subprocess.run([exe, "-i", "turtle", "-c", str(path)], capture_output=True, text=True, check=True)
    return int(done.stderr.rsplit("returned ", 1)[1].split()[0])


def _as_read(text: str) -> str:
    return text.replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")


def _expected_tag(tag: str) -> str:
    """A tag as a note reads it: noncharacters replaced, spaces and leading ``#`` trimmed."""
    return _as_read(tag).strip().lstrip("#").strip()


_NONCHARACTER_NOTE = '---\ntitle: "a\\uFFFEb\\uFFFF"\ntags: ["\\uFFFE"]\ndate: "2022-03-14"\n---\n\n# H\n\n'


_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]


@settings(max_examples=20, deadline=None, suppress_health_check=_SLOW_IS_FINE)
@given(notes())
@example({f"n{i}.md": Drawn(_NONCHARACTER_NOTE + f"[S{i}](https://s{i}.example) said\n\n> q \uffff\n",
                            "a\ufffeb\uffff", ["\ufffe"], "q \uffff") for i in range(5)})
def test_notes_round_trip_through_turtle(files: dict[str, Drawn]) -> None:
    _round_trip(files)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=_SLOW_IS_FINE)
@given(notes())
def test_notes_round_trip_through_turtle_at_full_size(files: dict[str, Drawn]) -> None:
    _round_trip(files)


def _round_trip(files: dict[str, Drawn]) -> None:
    """Every note's quote, title and tags come back from graph.ttl, read by four Turtle parsers."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "notes"
        folder.mkdir()
        for name, drawn in files.items():
            (folder / name).write_text(drawn.text, encoding="utf-8")
        result = build(folder, NO_HTML)
        assert len(result.notes) == len(files)
        turtle = result.files["graph.ttl"]
        graph = rdflib.Graph().parse(data=turtle, format="turtle")
        oxigraph = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
        assert len(oxigraph) == len(graph)
        values = {str(o) for o in graph.objects(None, PROV_VALUE)}
        titles = {str(o) for o in graph.objects(None, DC_TITLE)}
        tags = {str(o) for o in graph.objects(None, MG_TAG)}
        by_path = {note.path: note for note in result.notes}
        for name, drawn in files.items():
            note = by_path[name]
            assert len(note.quotes) == 1
            assert _as_read(drawn.quote).strip(" \t") in values
            if drawn.title.strip():
                assert " ".join(_as_read(drawn.title).split()) in titles
            assert note.title in titles
            assert {_expected_tag(t) for t in drawn.tags} - {""} <= tags
        path = Path(tmp) / "graph.ttl"
        path.write_bytes(turtle)
        assert _external_count("serdi", path) == len(graph)
        assert _external_count("rapper", path) == len(graph)


@settings(max_examples=300, deadline=None)
@given(PLAIN_WORDS)
def test_plain_quotes_are_verbatim(text: str) -> None:
    note = read_note("q.md", f"# What is X\n\n[S](https://s.example) said\n\n> {text}\n").note
    assert note is not None
    assert [q.text for q in note.quotes] == [text.strip()]


@settings(max_examples=300, deadline=None)
@given(URL_PATH)
def test_any_url_becomes_a_valid_page_iri_or_none(path: str) -> None:
    url = "https://bad.example/" + path
    iri = page_iri(url)
    assert iri is not None
    node = ox.NamedNode(iri)
    data = f"<{node.value}> <{SCHEMA_URL}> {ox.Literal(url)} .\n".encode()
    graph = rdflib.Graph().parse(data=data, format="nt")
    assert {str(o) for o in graph.objects(None, SCHEMA_URL)} == {url}
    assert len(list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))) == 1
