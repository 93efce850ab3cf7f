"""Quotes in the gardens' style: which passage is a definition, a quotation or an aside, who said it,
and what it defines (one fixture per form, in tests/fixtures/garden-quotes/)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from mlops_graph.cli import main
from mlops_graph.extract.notes import read_note
from mlops_graph.model import Note
from tests.conftest import FIXTURES

GARDENS = FIXTURES / "garden-quotes"


def _note(name: str) -> Note:
    note = read_note(name, (GARDENS / name).read_text(encoding="utf-8")).note
    assert note is not None
    return note


def _by_line(note: Note) -> dict[int, tuple[str, str | None, str | None, bool]]:
    """Line → (kind, source name, page URL, inferred) of each quote and aside."""
    found = {q.line: (q.kind, q.source.name if q.source else None, q.source.url if q.source else None, q.inferred)
             for q in note.quotes if not q.is_summary}
    found.update({p.line: ("aside", None, None, False) for p in note.passages if p.aside})
    return found


def test_person_book_fragment_link_quote_and_dated_names() -> None:
    note = _note("vector-embeddings.md")
    found = _by_line(note)
    assert found[11] == ("definition", "Sample ML Course - Embeddings", "https://course.example/embeddings/intro", False)
    assert found[16] == ("definition", "Dana Reyes", "https://blog.example/embeddings-explained", False)
    assert found[21][:3] == ("definition", "Patterns for ML Systems book", "https://books.example/patterns-ml")
    assert found[23] == ("quotation", "essays.example", "https://essays.example/same-data", False)
    assert found[27][:2] == ("quotation", "Mira Holt")
    assert found[30][:3] == ("quotation", "Notes on Representation", "https://notes.example/representation")
    assert found[34][:3] == ("quotation", "Tensor Weekly", "https://tensorweekly.example/issue-12")
    assert found[37][:2] == ("quotation", "Ola Berg")
    quotes = {q.line: q for q in note.quotes}
    assert quotes[11].selector == "text=A vector embedding is"
    dana = quotes[16].source
    assert dana is not None and (dana.homepage, dana.role) == ("https://people.example/dana-reyes",
                                                               "Staff Engineer at Lumen Labs")
    book = quotes[21].source
    assert book is not None and [c.name for c in book.creators] == ["Ari Tan", "Bo Lindqvist", "Cy Moreau"]
    assert [(quotes[n].date) for n in (27, 34, 37)] == ["2019", "2024-01", "1959"]
    assert {q.term for q in note.quotes} == {"Vector Embedding"}
    assert quotes[37].text == "A good representation makes the next problem easy."


def test_callouts_paper_info_and_asides() -> None:
    note = _note("sequence-paper.md")
    found = _by_line(note)
    paper = ("Session-based Recommendation with Recurrent Networks", "https://arxiv.example/abs/1234.56789")
    assert found[16] == ("quotation", *paper, True)
    assert found[18] == ("quotation", "Recsys Handbook", "https://handbook.example/sessions", False)
    assert found[21] == ("quotation", "Jon Example", None, False)
    assert found[24][0] == found[27][0] == found[35][0] == "aside"
    assert found[30] == ("quotation", *paper, True)
    texts = [q.text for q in note.quotes] + [p.text for p in note.passages]
    assert not any("[!" in text for text in texts)
    callouts = {p.line: (p.aside, p.callout_title) for p in note.passages if p.aside}
    assert callouts[24] == ("warning", "Numbers are from the paper")
    assert callouts[27] == ("tip", "Try it")
    assert {q.line: (q.callout, q.callout_title) for q in note.quotes}[30] == ("note", "From the paper")


def test_what_is_it_means_the_title_and_list_item_attributions() -> None:
    note = _note("ab-testing.md")
    assert note.term == "A/B Testing"
    found = _by_line(note)
    assert found[7][0] == "aside"
    assert found[15] == ("definition", "Stats Wiki", "https://wiki.example/ab-testing", False)
    assert found[22] == ("quotation", "Trustworthy Experiments", "https://experiments.example/guide", False)
    assert found[26] == ("quotation", "Growth Blog", "https://growth.example/guardrails", False)
    assert found[31] == ("quotation", "Experiment Guide", "https://guide.example/ab", False)
    assert found[33][0] == "aside"
    assert {q.term for q in note.quotes} == {"A/B Testing"}  # "Resources" is never a term


@pytest.mark.parametrize("lead", [
    "[Inside](https://inside.example/x) says:", "[Inside](https://inside.example/x) wrote",
    "[Inside](https://inside.example/x) writes that", "[Inside](https://inside.example/x) explains",
    "[Inside](https://inside.example/x) describes it as", "[Inside](https://inside.example/x) said that",
    "[Inside](https://inside.example/x) mentioned in a talk that",
    "[Inside](https://inside.example/x) describes the idea as:",
])
def test_lead_attributions_with_a_verb(lead: str) -> None:
    note = read_note("x.md", f"# Notes\n\n{lead}\n\n> Shipping small changes often lowers risk.\n").note
    assert note is not None
    assert [(q.kind, q.source.name if q.source else None, q.source.url if q.source else None)
            for q in note.quotes] == [("quotation", "Inside", "https://inside.example/x")]


@pytest.mark.parametrize(("front", "name", "url"), [
    ("source: https://paper.example/abs/1", "paper.example", "https://paper.example/abs/1"),
    ("author: Ana Lima", "Ana Lima", None),
])
def test_a_front_matter_source_is_inferred_for_unattributed_quotes(front: str, name: str, url: str | None) -> None:
    note = read_note("x.md", f"---\ntitle: Paper notes\n{front}\n---\n\n> We find that small batches help.\n\n"
                             "> Tip: read the appendix first.\n").note
    assert note is not None
    ((quote),) = note.quotes
    assert quote.inferred and quote.source is not None
    assert (quote.source.name, quote.source.url) == (name, url)
    assert [p.aside for p in note.passages] == ["quote"]


def test_a_date_in_a_source_name_is_the_quote_date_in_any_supported_language() -> None:
    note = read_note("x.md", "# Notes\n\n> Storage costs fall every year.\n"
                             "> — [Disk Digest, ม.ค. 2026](https://disk.example/1)\n").note
    assert note is not None
    ((quote),) = note.quotes
    assert quote.source is not None and quote.source.name == "Disk Digest" and quote.date == "2026-01"


@pytest.mark.parametrize(("heading", "term"), [
    ("What is it?", "Feature Store"), ("Definition", "Feature Store"), ("Resources", "Feature Store"),
    ("What is a Registry", "Registry"),
])
def test_terms_come_from_what_is_headings_or_the_title(heading: str, term: str) -> None:
    note = read_note("x.md", f"---\ntitle: Feature Store\n---\n\n## {heading}\n\n> Foo is a thing.\n"
                             "> — [X](https://x.example)\n").note
    assert note is not None
    assert [q.term for q in note.quotes] == [term]


def _rows(output: Path, capsys: pytest.CaptureFixture[str], query: str) -> list[dict[str, str]]:
    capsys.readouterr()
    assert main(["query", query, "--graph", str(output / "graph.trig"), "--format", "csv"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_quotes_and_definitions_queries_and_shapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(GARDENS, tmp_path / "notes")
    assert main(["build", str(tmp_path / "notes"), "-o", str(tmp_path / "out"), "--no-html", "-q"]) == 0
    assert main(["validate", str(tmp_path / "out")]) == 0
    quotes = _rows(tmp_path / "out", capsys, "quotes")
    kinds = {(r["file"], r["line"]): r["kind"] for r in quotes}
    assert kinds[("ab-testing.md", "33")] == "aside"
    assert kinds[("sequence-paper.md", "16")] == "quotation"
    assert {r["attribution"] for r in quotes if (r["file"], r["line"]) == ("sequence-paper.md", "16")} == {"inferred"}
    book = {r["sourceName"] for r in quotes if (r["file"], r["line"]) == ("vector-embeddings.md", "21")}
    assert book == {"Ari Tan", "Bo Lindqvist", "Cy Moreau"}
    definitions = _rows(tmp_path / "out", capsys, "definitions")
    assert {r["text"][:20] for r in definitions} == {
        r["text"][:20] for r in quotes if r["kind"] == "definition"}
    assert all(kinds[(r["file"], line)] == "definition" for r in definitions
               for line in [next(q["line"] for q in quotes if q["quote"] == r["definition"])])
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "quotes whose source is only inferred" in report
    inferred = report.split("## Quotes with an inferred source", 1)[1].split("##", 1)[0]
    assert "| sequence-paper.md | 16 | Session-based Recommendation with Recurrent Networks |" in inferred
    terms = report.split("## Terms", 1)[1].split("##", 1)[0]
    assert "| embedding | 3 | 3 |" in terms  # the book counts once, by its first author
    # The queries count the book once too, as the report does.
    rows = {r["termLabel"]: (r["definitions"], r["sources"]) for r in _rows(tmp_path / "out", capsys, "terms")}
    assert rows["embedding"] == ("3", "3")


def test_a_term_keeps_its_own_words_and_points_at_the_concept_of_its_alias(tmp_path: Path) -> None:
    from mlops_graph.config import Settings
    from mlops_graph.extract.concepts import build_index, vocabulary_for

    note = read_note("g.md", "---\ntitle: What is Model Stewardship\naliases: [model care, continuous training]\n"
                             "---\n\nModel Stewardship is how a team looks after the models it ships.\n").note
    assert note is not None and note.term == "Model Stewardship"
    index = build_index("https://example.org/", vocabulary_for(Settings()), [note])
    term = index.lookup("Model Stewardship")
    assert term is not None and term.pref_label == "Model Stewardship"
    trained = index.lookup("continuous training")
    assert trained is not None and trained.iri != term.iri and trained.from_vocabulary
    assert term.exact_match == [trained.iri]
    assert index.lookup("model care") is term
    assert "continuous training" in term.shared_labels


def test_a_definition_keeps_the_term_in_the_notes_own_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "ML governance" is an alternative label of the vocabulary's "model governance".
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ml-governance.md").write_text(
        "---\ntitle: What is ML Governance\naliases: [AI governance]\n---\n\n### What is ML Governance\n\n"
        "[Policy Notes](https://policy.example/ml) said\n\n> ML governance is the set of rules a team follows "
        "for every model it ships.\n", encoding="utf-8")
    assert main(["build", str(notes), "-o", str(tmp_path / "out"), "--no-html", "-q"]) == 0
    assert main(["validate", str(tmp_path / "out")]) == 0
    rows = _rows(tmp_path / "out", capsys, "definitions")
    assert [(r["termLabel"], r["sourceName"]) for r in rows] == [("ML Governance", "Policy Notes")]
    assert rows[0]["term"].endswith("/vocab/model-governance")
    terms = _rows(tmp_path / "out", capsys, "terms")
    assert [r["termLabel"] for r in terms] == ["model governance"]


def test_a_callout_that_is_only_a_title_keeps_it_as_text() -> None:
    note = read_note("x.md", "# Notes\n\n> [!todo] Read the second half\n\n> [!warning]-\n> Numbers are old.\n").note
    assert note is not None
    assert [(p.text, p.aside, p.callout_title) for p in note.passages] == [
        ("Read the second half", "todo", None), ("Numbers are old.", "warning", None)]


def test_a_list_item_that_names_a_source_but_no_quote_stays_a_passage() -> None:
    note = read_note("x.md", "# Notes\n\n- [Docs](https://docs.example/x) describes the setup as follows:\n"
                             "- step one\n\nMore prose.\n").note
    assert note is not None
    assert [p.text for p in note.passages] == ["Docs describes the setup as follows:", "step one", "More prose."]
    assert note.quotes == ()


def test_two_quotes_in_one_list_item_are_both_kept() -> None:
    note = read_note("x.md", "# Notes\n\n- [Blog](https://blog.example/a) said that\n\n"
                             "   > First thing said here.\n\n   > Second thing said here.\n").note
    assert note is not None
    assert [(q.text, q.source.name if q.source else None) for q in note.quotes] == [
        ("First thing said here.", "Blog"), ("Second thing said here.", "Blog")]


def _quotes(body: str) -> list[tuple[str, str | None, str]]:
    """(kind, source name, first words) of each quote of a note with ``body`` under a "What is" heading."""
    note = read_note("n.md", f"---\ntitle: Serving\n---\n\n### What is Model Serving\n\n{body}").note
    assert note is not None
    return [(q.kind, q.source.name if q.source else None, q.text[:12]) for q in note.quotes if not q.is_summary] + [
        ("summary", None, q.text[:12]) for q in note.quotes if q.is_summary]


@pytest.mark.parametrize(("body", "expected"), [
    # A "Source:" line between two quotes belongs to the second when the first names its own source.
    ("[Ana](https://ana.example) said\n\n> Serving is answering requests.\n\nSource: [Bo](https://bo.example)\n\n"
     "> Serving is a model behind an API.\n",
     [("definition", "Ana", "Serving is a"), ("definition", "Bo", "Serving is a")]),
    ("> Serving is answering requests.\n> — [Ana](https://ana.example)\n\nSource: [Bo](https://bo.example)\n"
     "> Serving is a model behind an API.\n",
     [("definition", "Ana", "Serving is a"), ("definition", "Bo", "Serving is a")]),
    # A line that introduces the quote is never the author's summary.
    ("Source: [Bo](https://bo.example)\n\n> Serving is a model behind an API.\n",
     [("definition", "Bo", "Serving is a")]),
    ("Some lecture notes, week 3:\n\n> Model serving is a model behind an API.\n",
     [("definition", None, "Model servin")]),
    # A list item that is a link and a colon, with the quote inside the item.
    ("* [Bo](https://bo.example):\n  > Serving is a model behind an API.\n", [("definition", "Bo", "Serving is a")]),
    # Verbs of the other languages whose headings are read.
    ("[Bo](https://bo.example) a dit\n\n> Serving is a model behind an API.\n", [("definition", "Bo", "Serving is a")]),
    ("[Bo](https://bo.example)说\n\n> Serving is a model behind an API.\n", [("definition", "Bo", "Serving is a")]),
    # "— Name, [Title](url)" under the quote: the person, quoted from that page.
    ("> Serving is a model behind an API.\n> — Bo Ek, [Serving notes](https://bo.example/serving)\n",
     [("definition", "Bo Ek", "Serving is a")]),
])
def test_attribution_lines_between_and_around_quotes(body: str, expected: list[tuple[str, str | None, str]]) -> None:
    assert _quotes(body) == expected


@pytest.mark.parametrize(("body", "expected"), [
    # Definitional form names the term in any case, with hyphens for spaces, or after "we call".
    ("> MODEL SERVING is a model behind an API.\n", [("definition", None, "MODEL SERVIN")]),
    ("> The term “model-serving” refers to a model behind an API.\n", [("definition", None, "The term “mo")]),
    ("> Here we call it model serving, a model behind an API.\n", [("definition", None, "Here we call")]),
    # Without the term (only part of it), an unattributed passage is the author's aside.
    ("> SERVING is a model behind an API.\n", []),
    ("> Models behind an API answer requests.\n", []),
])
def test_an_unattributed_definition_says_what_the_term_is(body: str, expected: list[tuple[str, str | None, str]]) -> None:
    assert _quotes(body) == expected
