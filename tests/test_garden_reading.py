"""Notes as Obsidian, Quartz and Jekyll gardens write them, read the way their authors see them.

The notes are in tests/fixtures/garden/ (one per form) and tests/fixtures/garden-vault/ (a vault
with hidden and tool folders); their graphs are pinned by the golden cases ``garden-*``. These
tests check what a reader of the output sees: titles, dates, tags, links, texts and concepts.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from mlops_graph.config import DATE_FORMAT_NAMES, Settings, load_settings
from mlops_graph.errors import ConfigError
from mlops_graph.extract.concepts import VOCABULARY_FILE, build_index, load_vocabulary
from mlops_graph.extract.mentions import MentionMatcher
from mlops_graph.extract.notes import read_note
from mlops_graph.model import Note
from mlops_graph.namespaces import DCTERMS, MG, PROV, SKOS
from mlops_graph.pipeline import BuildResult, build
from mlops_graph.validate import validate_graph
from tests.conftest import FIXTURES

GARDEN = FIXTURES / "garden"
VAULT = FIXTURES / "garden-vault"
NO_HTML = Settings(html=False)
TEXT_PREDICATES = (DCTERMS + "title", SKOS + "prefLabel", SKOS + "altLabel", PROV + "value", MG + "tag")


@pytest.fixture(scope="module")
def garden(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    folder = tmp_path_factory.mktemp("garden") / "notes"
    shutil.copytree(GARDEN, folder)
    shutil.copytree(VAULT, folder / "vault")
    return build(folder, NO_HTML)


def _note(result: BuildResult, path: str) -> Note:
    return next(n for n in result.notes if n.path == path)


def _read(text: str, name: str = "Some note.md", **options: str) -> Note:
    note = read_note(name, text, **options).note
    assert note is not None
    return note


def _literals(result: BuildResult) -> list[str]:
    store = ox.Store()
    store.load(result.files["graph.ttl"], format=ox.RdfFormat.TURTLE)
    return [q.object.value for p in TEXT_PREDICATES for q in store.quads_for_pattern(None, ox.NamedNode(p), None)
            if isinstance(q.object, ox.Literal)]


# --- every build conforms ---------------------------------------------------------------------------


def test_the_garden_build_conforms_to_the_shapes(garden: BuildResult) -> None:
    graph = rdflib.Graph().parse(data=garden.files["graph.ttl"], format="turtle")
    assert [str(v) for v in validate_graph(graph)] == []


def test_no_markup_reaches_a_title_a_label_a_tag_or_a_text(garden: BuildResult) -> None:
    literals = _literals(garden)
    assert literals
    leaks = [text for text in literals if re.search(
        r"<(?:font|br|img|span|b|details|summary)\b|#[0-9a-fA-F]{6}\b|\.png\b|Pasted image|\{%|\{:|^\s*$", text)]
    # the one hex colour left is a word of the author's prose, not markup
    assert leaks == ["The dashboard uses green for the winner, and the colour code #ffaa00 for a tie."]


# --- embeds and attachments -------------------------------------------------------------------------


def test_an_embedded_note_is_a_link_and_an_image_or_attachment_is_nothing(garden: BuildResult) -> None:
    note = _note(garden, "Embeds and attachments.md")
    assert [link.target for link in note.wikilinks] == ["Candidate generation", "Cold start", "Missing note"]
    texts = [p.text for p in note.passages]
    assert texts == [
        "The two towers are trained together and served apart.",
        "The item tower is the same idea as in Candidate generation, read there for the details.",
        "The original write-up is the paper, and the slides are .",
        "See also Cold start and Missing note.",
    ]
    labels = {c.pref_label for c in garden.index.concepts.values()}
    assert not {label for label in labels if "png" in label or "pdf" in label or "Pasted" in label}


def test_an_embed_resolves_like_a_wiki_link(garden: BuildResult) -> None:
    mapping = next(m for m in garden.mappings if m.note.path == "Embeds and attachments.md")
    cold_start = next(m for m in garden.mappings if m.note.path == "Cold start.md")
    assert mapping.links == [cold_start.iri]


# --- inline HTML ------------------------------------------------------------------------------------


def test_inline_html_keeps_only_its_words(garden: BuildResult) -> None:
    note = _note(garden, "Inline HTML.md")
    assert [p.text for p in note.passages] == [
        "Click-through rate drops every weekend. It comes back on Monday.",
        "Retention is the number to watch, not clicks .",
        "Why the weekend dip? People browse more and click less.",
    ]
    assert note.tags == ()


def test_a_front_matter_title_loses_its_html_and_a_placeholder_stays() -> None:
    assert _read('---\ntitle: "<b>Churn</b> <!-- draft -->"\n---\n').title == "Churn"
    assert _read("Use `id` or <user_id> here.\n").passages[0].text == "Use id or <user_id> here."


# --- tags ---------------------------------------------------------------------------------------------


def test_tags_nested_emoji_front_matter_and_inline_but_never_a_colour(garden: BuildResult) -> None:
    note = _note(garden, "Tags.md")
    assert note.tags == ("experimentation", "🌱", "ab-testing", "recommender-system/ranking", "📝/🌲", "method")
    assert "#ab-testing #recommender-system/ranking #📝/🌲" not in [p.text for p in note.passages]


@pytest.mark.parametrize("text", [
    "Colour #fff and #ffaa00 and #12ab34 and #1.",
    "Code `#tag`, a link [#x](#x), a URL https://example.org/a#frag, math $#y$.",
    "## Setup {#setup}\n",
])
def test_no_tag_in_colours_code_links_urls_math_or_anchors(text: str) -> None:
    assert _read(text).tags == ()


def test_a_nested_tag_is_narrower_than_its_parent(garden: BuildResult) -> None:
    ranking = garden.index.lookup("recommender system/ranking")
    assert ranking is not None and ranking.broader == ("https://w3id.org/mlops-graph/vocab/recommender-system",)


def test_a_tag_of_emoji_only_names_no_concept(garden: BuildResult) -> None:
    labels = {c.pref_label for c in garden.index.concepts.values()}
    assert not any("🌱" in label or "📝" in label for label in labels)


# --- titles -------------------------------------------------------------------------------------------


def test_a_note_without_a_title_is_named_after_its_file(garden: BuildResult) -> None:
    note = _note(garden, "Cold start.md")
    assert note.title == "Cold start"


def test_title_from_heading_is_a_setting(tmp_path: Path) -> None:
    text = "# What is it?\n\nA thing.\n"
    assert _read(text, "Cold start.md").title == "Cold start"
    assert _read(text, "Cold start.md", title_from="heading").title == "What is it?"
    assert _read("No heading here.\n", "Cold start.md", title_from="heading").title == "Cold start"
    (tmp_path / "pyproject.toml").write_text('[tool.mlops-graph]\ntitle-from = "heading"\n')
    assert load_settings(tmp_path / "pyproject.toml").title_from == "heading"
    (tmp_path / "pyproject.toml").write_text('[tool.mlops-graph]\ntitle-from = "h1"\n')
    with pytest.raises(ConfigError, match="title-from 'h1' is not one of file, heading"):
        load_settings(tmp_path / "pyproject.toml")


# --- dates --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value"), [
    ("date", "2023-01-05"), ("created", "2023-01-05 14:32"), ("Created", "05-01-2023"),
    ("date created", "2023-01-05T14:32:00"), ("date_created", "2023-01-05"), ("dateCreated", "2023-01-05"),
    ("created_at", "2023-01-05 14:32:00 +0700"),
])
def test_every_spelling_of_the_date_is_read(key: str, value: str) -> None:
    assert str(_read(f"---\n{key}: {value}\n---\nText.\n").date) == "2023-01-05"


@pytest.mark.parametrize("key", ["updated", "modified", "last_modified", "lastmod", "date modified", "updated_at"])
def test_the_date_last_changed_is_read(key: str) -> None:
    note = _read(f"---\ndate: 2022-03-14 10:00:00 +0700\n{key}: 2023-02-10 09:05\n---\nText.\n")
    assert (str(note.date), str(note.modified)) == ("2022-03-14", "2023-02-10")
    assert note.extra == ()


def test_dates_reach_the_graph(garden: BuildResult) -> None:
    store = ox.Store()
    store.load(garden.files["graph.ttl"], format=ox.RdfFormat.TURTLE)
    modified = {q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(DCTERMS + "modified"), None)}
    assert modified == {"2023-02-10", "2022-04-01"}


def test_an_unreadable_date_is_reported_never_silently_dropped(garden: BuildResult) -> None:
    formats = f"(expected {DATE_FORMAT_NAMES['DMY']})"
    assert [str(p) for p in garden.problems if p.path == "Unreadable date.md"] == [
        f"Unreadable date.md:3: date created: date 'YYYY-MM-DD' is not in a known format {formats}",
        f"Unreadable date.md:4: updated: date '2023-13-45' is not a real date {formats}"]


# --- empty notes and folders --------------------------------------------------------------------------


def test_an_empty_note_is_a_note_and_a_link_target(garden: BuildResult) -> None:
    note = _note(garden, "Experimentation.md")
    assert note.title == "Experimentation"
    assert not [p for p in garden.problems if p.path == "Experimentation.md"]
    index = next(m for m in garden.mappings if m.note.path == "Experiment index.md")
    empty = next(m for m in garden.mappings if m.note.path == "Experimentation.md")
    assert empty.iri in index.links


def test_hidden_and_tool_folders_are_skipped_and_counted(garden: BuildResult) -> None:
    paths = {n.path for n in garden.notes}
    assert "vault/Recsys/Session-based recommendation.md" in paths
    assert not {p for p in paths if re.search(r"\.obsidian|\.trash|_site|node_modules", p)}
    assert garden.summary.line().endswith(
        "; 4 folders skipped (.obsidian, .trash: hidden; _site: a site's build; node_modules: a tool's)")


# --- plugin metadata ----------------------------------------------------------------------------------


def test_lists_are_kept_and_plugin_mappings_reported_once_per_key(garden: BuildResult) -> None:
    note = _note(garden, "Plugin metadata.md")
    assert ("cssclasses", "wide-page") in note.extra and ("cssclasses", "no-inline-title") in note.extra
    messages = [str(p) for p in garden.problems if "plugin data" in p.message]
    assert messages == [
        "Plugin metadata again.md:3: front matter key '_links' holds a mapping or a list of them (plugin data?), "
        "which has no place in the graph; not kept (in 2 notes, reported here once)",
        "Plugin metadata.md:8: front matter key '_make' holds a mapping or a list of them (plugin data?), which "
        "has no place in the graph; not kept",
    ]


# --- math, code, Liquid and comments ------------------------------------------------------------------


def test_math_code_liquid_and_comments_are_never_quotes_or_mentions(garden: BuildResult) -> None:
    note = _note(garden, "Math and code.md")
    assert note.quotes == ()
    assert [p.text for p in note.passages] == [
        "The loss is -\\log p for the true class, and \\sum_i \\log p_i over a batch; in LaTeX style (\\log x) "
        "reads the same.",
        "Call model.log_metrics() to record it, and {{ page.title }} prints the page title in Jekyll.",
    ]
    mapping = next(m for m in garden.mappings if m.note.path == "Math and code.md")
    logging = "https://w3id.org/mlops-graph/vocab/logging"
    assert logging not in mapping.mentioned


def test_a_tex_command_outside_math_is_no_mention() -> None:
    index = build_index(NO_HTML.base_iri, load_vocabulary([VOCABULARY_FILE]), [])
    matcher = MentionMatcher(index.concepts.values())
    assert [m.exact for m in matcher.find("take \\log of the logging output")] == ["logging"]


# --- links --------------------------------------------------------------------------------------------


def test_empty_links_and_anchors_make_no_empty_value(garden: BuildResult) -> None:
    note = _note(garden, "Links.md")
    assert all(p.text.strip() for p in note.passages)
    assert [p.text for p in note.passages] == [
        "back to top", "step | what", "retrieve | semantic search over the chunks", "Reranking comes after retrieval."]
    assert all(text.strip() for text in _literals(garden))


# --- concepts on real text ----------------------------------------------------------------------------


@pytest.mark.parametrize("heading", ["Resources", "References", "How does it work", "Three", "Scenario 1",
                                     "Other Notes", "Basic usage"])
def test_a_section_heading_is_never_a_concept(heading: str) -> None:
    note = _read(f"---\ntitle: Churn\n---\n\n## {heading}\n\n[Ann Example](https://ann.example) said\n\n"
                 "> A quote under it.\n")
    assert [q.term for q in note.quotes] == ["Churn"]
    index = build_index(NO_HTML.base_iri, [], [note])
    assert {c.pref_label for c in index.concepts.values()} == {"Churn"}


@pytest.mark.parametrize("title", ["What is it?", "The course introduces you to a framework with agents",
                                   "Churn is hard to predict.", "Paper notes: part one"])
def test_a_question_or_a_sentence_is_no_concept(title: str) -> None:
    note = _read(f"---\ntitle: {title!r}\n---\n\nSome text.\n")
    assert build_index(NO_HTML.base_iri, [], [note]).concepts == {}


def test_meaning_is_not_mean() -> None:
    notes = [_read("---\ntitle: Mean\n---\n\nThe average.\n", "mean.md")]
    index = build_index(NO_HTML.base_iri, [], notes)
    matcher = MentionMatcher(index.concepts.values())
    assert [m.exact for m in matcher.find("The meaning of the mean.")] == ["mean"]


@pytest.mark.parametrize(("text", "label"), [
    ("Our churn rate doubled.", "churn"), ("CTR fell after the redesign.", "click-through rate"),
    ("We ran an A/B test.", "A/B testing"), ("Check for SRM first.", "sample ratio mismatch"),
    ("A recommender system ranks items.", "recommender system"), ("RAG grounds the LLM.", "retrieval-augmented generation"),
])
def test_the_vocabulary_knows_the_gardens_topics(text: str, label: str) -> None:
    index = build_index(NO_HTML.base_iri, load_vocabulary([VOCABULARY_FILE]), [])
    matcher = MentionMatcher(index.concepts.values())
    assert label in {index.concepts[m.concept].pref_label for m in matcher.find(text)}
