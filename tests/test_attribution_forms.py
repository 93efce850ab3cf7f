"""Ways of naming a quote's source that people write, and the front matter shapes around them."""

from __future__ import annotations

import pytest

from mlops_graph.extract.notes import read_note
from mlops_graph.model import Quote


def _quotes(text: str) -> list[Quote]:
    note = read_note("x.md", text).note
    assert note is not None
    return [q for q in note.quotes if not q.is_summary]


def _quoted(text: str) -> list[tuple[str, str | None]]:
    """Every quoted passage, quote or aside, in the note's order, with its source's name."""
    note = read_note("x.md", text).note
    assert note is not None
    found = [(q.line, q.text, q.source.name if q.source else None) for q in note.quotes if not q.is_summary]
    found += [(p.line, p.text, None) for p in note.passages if p.aside]
    return [(text, name) for _line, text, name in sorted(found)]


@pytest.mark.parametrize("attribution", [
    "> — [Inside](https://inside.example/x)",
    "> Source: [Inside](https://inside.example/x)",
    "> -- [Inside](https://inside.example/x)",
])
def test_an_attribution_on_the_last_line_of_the_quote_names_its_source(attribution: str) -> None:
    (quote,) = _quotes(f"# What is Foo\n\n> Foo is a thing that does stuff.\n{attribution}\n")
    assert quote.text == "Foo is a thing that does stuff."
    assert quote.source is not None
    assert (quote.source.name, quote.source.url) == ("Inside", "https://inside.example/x")


def test_a_plain_name_after_a_blank_quote_line_names_its_source() -> None:
    (quote,) = _quotes("# What is Foo\n\n> Foo is a thing,\n> and more.\n>\n> — Chip Huyen\n")
    assert quote.text == "Foo is a thing, and more."
    assert quote.source is not None and quote.source.name == "Chip Huyen"


@pytest.mark.parametrize(("text", "kept"), [
    ("> What does MLOps stand for?\n> — Machine Learning Operations.\n",
     "What does MLOps stand for? — Machine Learning Operations."),
    ("> Is it deployed?\n> — Yes.\n", "Is it deployed? — Yes."),
    ("> Three kinds of drift:\n> — Covariate Shift\n> — Concept Drift\n",
     "Three kinds of drift: — Covariate Shift — Concept Drift"),
])
def test_a_reply_or_a_list_item_on_the_last_line_stays_in_the_quote(text: str, kept: str) -> None:
    assert _quoted(f"# What is Foo\n\n{text}") == [(kept, None)]


def test_a_last_line_that_is_not_an_attribution_stays_in_the_quote() -> None:
    (quote,) = _quotes("# What is Foo\n\n> Foo is a thing\n> — said with a dash, and [a link](https://l.example/) too.\n")
    assert quote.source is None
    assert quote.text == "Foo is a thing — said with a dash, and a link too."


@pytest.mark.parametrize(("line", "name", "url"), [
    ("<https://bare.example/page>", "bare.example", "https://bare.example/page"),
    ("[Named](https://named.example/y)", "Named", "https://named.example/y"),
    ("[Paper](https://paper.example/z):", "Paper", "https://paper.example/z"),
])
def test_a_link_alone_right_before_a_quote_is_its_source(line: str, name: str, url: str) -> None:
    (quote,) = _quotes(f"# What is Foo\n\n{line}\n\n> Foo is another thing.\n")
    assert quote.source is not None
    assert (quote.source.name, quote.source.url) == (name, url)


def test_a_link_alone_that_no_quote_follows_stays_a_passage() -> None:
    note = read_note("x.md", "# Notes on Foo\n\n<https://bare.example/page>\n\nMore text.\n").note
    assert note is not None
    assert [p.text for p in note.passages] == ["https://bare.example/page", "More text."]


def test_a_heading_and_a_quote_between_two_rules_are_body() -> None:
    result = read_note("x.md", "---\n## What is Bar\n> Bar is a thing.\n---\nbody text\n", title_from="heading")
    assert result.note is not None
    assert result.note.title == "What is Bar"
    assert [(q.term, q.text) for q in result.note.quotes] == [("Bar", "Bar is a thing.")]
    assert [str(p) for p in result.problems] == [
        "x.md:1: starts with '---', but what follows up to the next '---' is not front matter "
        "(key: value lines); read as body"]


@pytest.mark.parametrize("keys", ["title: a: b\n", "  title: Foo\n  tags: [a, b\n",
                                  "source: [Feast](https://feast.dev)\ntitle: Feature store\ntags: [mlops]\n"])
def test_broken_yaml_after_a_comment_is_still_reported_as_yaml(keys: str) -> None:
    result = read_note("x.md", f"---\n# my keys\n{keys}---\n\n# Real Title\n", title_from="heading")
    assert result.note is not None and result.note.title == "Real Title"
    assert any("front matter is not valid YAML" in str(p) for p in result.problems)
    assert result.note.passages == ()


def test_the_attribution_on_the_last_line_is_reported_at_its_own_line() -> None:
    text = "# What is Foo\n\n> Foo uses `a\n> b` here\n> — [X](ftp://x.example/)\n"
    result = read_note("x.md", text)
    assert result.note is not None
    (quote,) = [q for q in result.note.quotes if not q.is_summary]
    assert quote.source is not None and quote.source.name == "X"
    assert [str(p) for p in result.problems] == [
        "x.md:5: source link 'ftp://x.example/' is not an http(s) URL; kept as text, not as a cited page"]


def test_a_quote_of_only_an_image_keeps_its_last_line() -> None:
    ((text, source),) = _quoted("# What is Foo\n\n> ![](d.png)\n> — Chip Huyen\n")
    assert text.strip() == "— Chip Huyen"
    assert source is None


@pytest.mark.parametrize(("line", "passages"), [
    ("![Architecture of the Foo serving stack](https://img.example/arch.png)", 0),  # an image is not prose
    ("[Feature store](feature-store.md)", 1),
])
def test_an_image_or_a_link_to_a_file_before_a_quote_is_no_source(line: str, passages: int) -> None:
    note = read_note("x.md", f"# What is Foo\n\nFoo is a summary.\n\n{line}\n\n> Foo is another thing.\n").note
    assert note is not None
    (quote,) = [q for q in note.quotes if not q.is_summary]
    assert quote.source is None
    assert [p.line for p in note.passages] == [5] * passages


def test_a_link_handed_back_as_a_passage_names_no_later_quote() -> None:
    note = read_note("x.md", "# Notes\n\n<https://www.tecton.ai/blog/what-is-a-feature-store/>\n\n"
                             "> A feature store is a data system.\n> — [Feast](https://feast.dev)\n\n"
                             "> My own view: it is a cache.\n").note
    assert note is not None
    assert [(q.text, q.source.name if q.source else None) for q in note.quotes] == [
        ("A feature store is a data system.", "Feast")]
    assert [(p.text, p.aside) for p in note.passages] == [
        ("https://www.tecton.ai/blog/what-is-a-feature-store/", None), ("My own view: it is a cache.", "quote")]


def test_a_link_alone_before_a_quote_with_its_own_source_stays_a_passage() -> None:
    note = read_note("x.md", "# What is Foo\n\n[Next chapter](https://book.example/ch4)\n\n"
                             "> Foo is another thing.\n>\n> — Chip Huyen\n").note
    assert note is not None
    (quote,) = [q for q in note.quotes if not q.is_summary]
    assert quote.source is not None and quote.source.name == "Chip Huyen"
    assert [(p.text, p.line) for p in note.passages] == [("Next chapter", 3)]
