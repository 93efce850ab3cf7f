"""Concept mentions: the matching rules, on small hand-made vocabularies and on the real one."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_graph.config import Settings
from mlops_graph.extract.concepts import (
    VOCABULARY_FILE,
    Concept,
    build_index,
    load_vocabulary,
)
from mlops_graph.extract.labels import normalize_label
from mlops_graph.extract.mentions import STOP_LABELS, Match, MentionMatcher
from mlops_graph.pipeline import read_notes
from tests.conftest import CORPUS

V = "https://w3id.org/mlops-graph/vocab/"
SCHEME = "https://w3id.org/mlops-graph/vocab"


def concept(slug: str, pref: str, *alt: str, hidden: tuple[str, ...] = (), vocabulary: bool = True) -> Concept:
    return Concept(V + slug, pref, "en", SCHEME, vocabulary, list(alt), list(hidden))


SMALL = [
    concept("continuous-delivery", "continuous delivery", "CD"),
    concept("delivery", "delivery"),
    concept("continuous-integration", "continuous integration", "CI"),
    concept("ci-cd", "CI/CD", "CICD"),
    concept("information-technology", "information technology", "IT"),
    concept("machine-learning", "machine learning", "ML"),
    concept("machine-learning-model", "machine learning model", "ML model", "model"),
    concept("artificial-intelligence", "artificial intelligence", "AI"),
    concept("api", "application programming interface", "API"),
    concept("mlops", "MLOps", "Machine Learning Operations"),
    concept("devops", "DevOps"),
    concept("feature-store", "feature store"),
    concept("deployment", "deployment", hidden=("deploy",)),
    concept("data-scientist", "data scientist"),
    concept("regulatory-requirement", "regulatory requirement"),
    concept("model-training", "model training", "training"),
    concept("reproducibility", "reproducibility", hidden=("reproducible",)),
    concept("iac", "infrastructure as code", "IaC"),
]


@pytest.fixture(scope="module")
def small() -> MentionMatcher:
    return MentionMatcher(SMALL)


@pytest.fixture(scope="module")
def real() -> MentionMatcher:
    notes, _problems, _count = read_notes(CORPUS, Settings())
    index = build_index(Settings().base_iri, load_vocabulary([VOCABULARY_FILE]), notes)
    return MentionMatcher(index.concepts.values())


def found(matcher: MentionMatcher, text: str, code_spans: tuple[tuple[int, int], ...] = ()) -> list[tuple[str, str]]:
    return [(m.exact, m.concept.removeprefix(V)) for m in matcher.find(text, code_spans)]


def check_offsets(text: str, matches: list[Match]) -> None:
    assert matches == sorted(matches, key=lambda m: m.start)
    for m in matches:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.exact
    for a, b in itertools.pairwise(matches):
        assert a.end <= b.start


# --- offsets -------------------------------------------------------------------------------------


def test_offsets_are_code_points_and_exact(small: MentionMatcher) -> None:
    text = "Ünïcödé 🚀 first: the  feature\tstore,\nthen CI/CD — and (ML) models… é MLOps."
    matches = small.find(text)
    check_offsets(text, matches)
    assert [(m.exact, m.concept.removeprefix(V)) for m in matches] == [
        ("feature\tstore", "feature-store"), ("CI/CD", "ci-cd"), ("ML", "machine-learning"),
        ("models", "machine-learning-model"), ("MLOps", "mlops"),
    ]
    assert matches[0].start == text.index("feature") == 22  # code points: the emoji counts as one


def test_offsets_with_leading_and_repeated_whitespace(small: MentionMatcher) -> None:
    text = "\r\n  data scientists\r\n\r\ndeploy   the model "
    matches = small.find(text)
    check_offsets(text, matches)
    assert [m.exact for m in matches] == ["data scientists", "deploy", "model"]


def test_empty_and_blank_text(small: MentionMatcher) -> None:
    assert small.find("") == []
    assert small.find(" \n\t ") == []
    assert MentionMatcher([]).find("machine learning") == []


# --- longest match -------------------------------------------------------------------------------


def test_longest_match_wins(small: MentionMatcher) -> None:
    assert found(small, "We practise continuous delivery.") == [("continuous delivery", "continuous-delivery")]
    assert found(small, "Fast delivery.") == [("delivery", "delivery")]
    assert found(small, "A machine learning model and machine learning.") == [
        ("machine learning model", "machine-learning-model"), ("machine learning", "machine-learning")]


def test_leftmost_match_wins_over_a_later_overlapping_one(small: MentionMatcher) -> None:
    # "ML model training": "ML model" starts first, so "model training" is not also found.
    assert found(small, "ML model training") == [("ML model", "machine-learning-model"), ("training", "model-training")]


def test_vocabulary_labels_take_precedence_over_labels_from_notes() -> None:
    matcher = MentionMatcher([
        concept("mlops", "MLOps"), concept("devops", "DevOps"),
        concept("reading-list", "MLOps reading list", vocabulary=False),
        concept("vs", "MLOps vs DevOps", vocabulary=False),
        concept("lean", "lean manufacturing", vocabulary=False),
    ])
    assert found(matcher, "MLOps reading list") == [("MLOps", "mlops")]
    assert found(matcher, "MLOps vs DevOps") == [("MLOps", "mlops"), ("DevOps", "devops")]
    assert found(matcher, "lean manufacturing") == [("lean manufacturing", "lean")]


# --- acronyms ------------------------------------------------------------------------------------


def test_short_acronyms_match_only_as_written(small: MentionMatcher) -> None:
    assert found(small, "It works and it is fine; IT approves.") == [("IT", "information-technology")]
    assert found(small, "ml, Ml and ML") == [("ML", "machine-learning")]
    assert found(small, "ai, Ai and AI") == [("AI", "artificial-intelligence")]
    assert found(small, "iac, IAC and IaC") == [("IaC", "iac")]
    assert found(small, "cd ~/repo; CD") == [("CD", "continuous-delivery")]


def test_acronyms_match_only_as_whole_words(small: MentionMatcher) -> None:
    assert found(small, "ITIL, AIM, MLflow, CIX, CDN") == []


def test_acronym_plurals(small: MentionMatcher) -> None:
    assert found(small, "Two APIs and an API.") == [("APIs", "api"), ("API", "api")]


def test_long_mixed_case_labels_match_in_any_case(small: MentionMatcher) -> None:
    assert found(small, "mlops, MLOPS, MLOps, devops") == [
        ("mlops", "mlops"), ("MLOPS", "mlops"), ("MLOps", "mlops"), ("devops", "devops")]


def test_acronym_next_to_non_latin_script(small: MentionMatcher) -> None:
    assert found(small, "MLOpsは、機械学習モデルを") == [("MLOps", "mlops")]


# --- URLs and code -------------------------------------------------------------------------------


def test_nothing_inside_urls(small: MentionMatcher) -> None:
    text = ("See https://example.org/feature-store/MLOps?x=CI and www.devops.example/ML then "
            "HTTP://EXAMPLE.ORG/IT; a feature store.")
    assert found(small, text) == [("feature store", "feature-store")]
    assert found(small, "www.devops.example/ML/feature-store or DevOps") == [("DevOps", "devops")]


def test_nothing_inside_code_spans(small: MentionMatcher) -> None:
    text = "Call `feature_store.get(ML)` on the feature store."
    start = text.index("`")
    end = text.index("`", start + 1) + 1
    assert found(small, text, ((start, end),)) == [("feature store", "feature-store")]
    assert found(small, text) == [("feature_store", "feature-store"), ("ML", "machine-learning"),
                                  ("feature store", "feature-store")]



def test_no_word_right_after_a_backslash_even_misspelt(small: MentionMatcher) -> None:
    assert found(small, r"take \reproducibility and \reproducibilty") == []
    # A misspelt TeX command does not open the URLs of the same text to typos either.
    text = r"\reproducibilty, see https://x.example/reproducabilty and reproducability"
    assert found(small, text) == [("reproducability", "reproducibility")]

# --- normal forms --------------------------------------------------------------------------------


def test_plurals_and_inflections(small: MentionMatcher) -> None:
    assert found(small, "Feature Stores help data scientists.") == [
        ("Feature Stores", "feature-store"), ("data scientists", "data-scientist")]
    assert found(small, "They deployed it, deploying and deploys.") == [
        ("deployed", "deployment"), ("deploying", "deployment"), ("deploys", "deployment")]
    assert found(small, "reproducible models are trained") == [
        ("reproducible", "reproducibility"), ("models", "machine-learning-model"), ("trained", "model-training")]


def test_hyphen_space_slash_and_underscore_variants(small: MentionMatcher) -> None:
    for text in ("feature-store", "feature store", "Feature_Store", "feature\u2011store", "feature - store"):
        assert found(small, text) == [(text, "feature-store")], text
    for text in ("CI/CD", "CI CD", "CI-CD", "CICD"):
        assert found(small, text) == [(text, "ci-cd")], text


# --- typos ---------------------------------------------------------------------------------------


def test_typos_in_long_labels_are_found(small: MentionMatcher) -> None:
    assert found(small, "MLOps stands for Machine Laerning Operations.") == [
        ("MLOps", "mlops"), ("Machine Laerning Operations", "mlops")]
    assert found(small, "as well as regulartory requirements.") == [
        ("regulartory requirements", "regulatory-requirement")]
    assert found(small, "reproducability") == [("reproducability", "reproducibility")]


def test_no_fuzzy_match_for_known_words_short_labels_or_acronyms(small: MentionMatcher) -> None:
    assert found(small, "regulatory retirement") == []     # a known word is never a typo
    assert found(small, "delivry") == []                   # "delivery" is too short for a typo
    assert found(small, "APl and MLx") == []               # acronyms are exact only
    assert found(small, "reproducabilityyyy") == []        # too many edits


def test_fuzzy_only_where_no_exact_match(small: MentionMatcher) -> None:
    # "Machine Learning" matches exactly, so the odd word after it cannot pull it into a fuzzy match.
    assert found(small, "Machine Learning Operatoins") == [("Machine Learning", "machine-learning")]


def test_foreign_words_are_not_typos(real: MentionMatcher) -> None:
    text = "MLOps es un conjunto de prácticas para desplegar y mantener modelos en producción."
    assert found(real, text) == [("MLOps", "mlops")]


# --- junk ----------------------------------------------------------------------------------------


JUNK = ("said", "set", "way", "part", "process")


def test_vocabulary_has_no_generic_labels() -> None:
    labels = {normalize_label(label) for c in load_vocabulary([VOCABULARY_FILE]) for label in c.labels()}
    for word in JUNK:
        assert normalize_label(word) not in labels, word


def test_generic_words_are_never_concepts_even_if_labelled() -> None:
    matcher = MentionMatcher([concept(w, w) for w in JUNK] + [concept("sets", "Sets", "ways", "processes")])
    assert matcher.find("He said the process was part of a set, by the way; they set processes up.") == []
    assert {normalize_label(w) for w in JUNK} <= {normalize_label(w) for w in STOP_LABELS}


def test_real_vocabulary_on_everyday_prose(real: MentionMatcher) -> None:
    text = "He said it was part of the process: a set of steps, one way or another, in time."
    assert found(real, text) == []


# --- what the curated vocabulary holds --------------------------------------------------------------


TOOLS_FILE = VOCABULARY_FILE.parent / "tools.ttl"
PRODUCTS = ("Git", "DVC", "Docker", "Kubernetes", "Apache Airflow", "Airflow", "MLflow", "Kubeflow",
            "TensorFlow", "PyTorch", "GPU", "TPU")


def test_vocabulary_size_and_labels() -> None:
    concepts = load_vocabulary([VOCABULARY_FILE])
    assert len(concepts) >= 150
    assert all(c.lang == "en" and c.pref_label for c in concepts)
    by_pref = {c.pref_label: c for c in concepts}
    assert {"Machine Learning Operations", "ML Ops"} <= set(by_pref["MLOps"].alt_labels)
    assert "CI/CD" in by_pref and "A/B testing" in by_pref
    owners: dict[str, set[str]] = {}
    for c in concepts:
        for label in c.labels():
            owners.setdefault(label.casefold(), set()).add(c.iri)
    assert {label: iris for label, iris in owners.items() if len(iris) > 1} == {}


def test_products_and_tools_are_kept_out_of_the_vocabulary() -> None:
    vocabulary = {normalize_label(label) for c in load_vocabulary([VOCABULARY_FILE]) for label in c.labels()}
    tools = {normalize_label(label) for c in load_vocabulary([TOOLS_FILE]) for label in c.labels()}
    for name in PRODUCTS:
        assert normalize_label(name) not in vocabulary, name
        assert normalize_label(name) in tools, name


def test_the_tools_file_is_an_optional_extra_vocabulary() -> None:
    vocabulary = load_vocabulary([VOCABULARY_FILE])
    tools = load_vocabulary([TOOLS_FILE])
    known = {c.iri for c in vocabulary} | {c.iri for c in tools}
    assert all(set(c.broader) | set(c.related) <= known for c in tools)
    assert all(c.scheme == "https://w3id.org/mlops-graph/tools" for c in tools)
    text = "Kubernetes schedules the containers; Git keeps the versions."
    assert found(MentionMatcher(vocabulary), text) == [("containers", "container"), ("versions", "version-control")]
    assert found(MentionMatcher(load_vocabulary([VOCABULARY_FILE, TOOLS_FILE])), text) == [
        ("Kubernetes", "kubernetes"), ("containers", "container"), ("Git", "git"), ("versions", "version-control")]


def test_modifier_phrases_that_are_not_names_match_as_their_parts(real: MentionMatcher) -> None:
    assert found(real, "ML systems and ML applications") == [("ML", "machine-learning"), ("ML", "machine-learning")]
    assert found(real, "ML observability and model lineage") == [
        ("ML", "machine-learning"), ("observability", "observability"),
        ("model", "machine-learning-model"), ("lineage", "lineage")]
    # Standard compound names still win over their parts.
    assert found(real, "a model registry and a feature store") == [
        ("model registry", "model-registry"), ("feature store", "feature-store")]


def test_a_bare_pipeline_is_an_ml_pipeline(real: MentionMatcher) -> None:
    assert found(real, "the pipeline, the ML pipeline, data pipelines and the CI/CD pipeline") == [
        ("pipeline", "ml-pipeline"), ("ML pipeline", "ml-pipeline"), ("data pipelines", "data-pipeline"),
        ("CI/CD pipeline", "ci-cd-pipeline")]


def test_a_maturity_level_is_not_the_maturity_model(real: MentionMatcher) -> None:
    assert found(real, "At MLOps level 1, with an MLOps maturity model") == [
        ("MLOps", "mlops"), ("MLOps maturity model", "mlops-maturity-model")]


# --- the user's note -----------------------------------------------------------------------------


def test_users_note_quotes_mention_the_core_concepts(real: MentionMatcher) -> None:
    notes, _problems, _count = read_notes(CORPUS, Settings())
    note = next(n for n in notes if n.path == "what-is-mlops.md")
    quotes = [q for q in note.quotes if q.source is not None]
    assert len(quotes) == 7
    mentioned = {m.concept.removeprefix(V) for q in quotes for m in real.find(q.text, q.code_spans)}
    assert {"deployment", "production-environment", "monitoring", "automation", "devops",
            "machine-learning-model", "mlops", "regulatory-requirement"} <= mentioned
    databricks = next(q for q in quotes if q.text.startswith("MLOps stands for"))
    exact = {(m.exact, m.concept.removeprefix(V)) for m in real.find(databricks.text)}
    assert ("Machine Laerning Operations", "mlops") in exact
    assert ("machine learning models", "machine-learning-model") in exact
    assert ("devops engineers", "devops-engineer") in exact
    assert not any(c == "information-technology" and e != "IT" for e, c in exact)


# --- properties ----------------------------------------------------------------------------------


FRAGMENTS = st.sampled_from([
    "feature store", "Feature-Stores", "CI/CD", "ML", "ml", "IT", "it", "models", "continuous delivery",
    "delivery", "Machine Laerning Operations", "deployed", "https://x.example/ML", "www.ci.example",
    "`CI`", "é", "は", "🚀", "—", ",", ".", "(", ")", "-", "/", "_", "APIs", "data scientists", "the", "and",
    "regulartory requirements", "reproducability", "IaC",
])
SPACES = st.sampled_from([" ", "  ", "\n", "\t", "\r\n", "", "\u00a0"])


_SMALL_MATCHER = MentionMatcher(SMALL)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(FRAGMENTS, SPACES), max_size=25), SPACES)
def test_matches_are_sorted_disjoint_and_exact(parts: list[tuple[str, str]], lead: str) -> None:
    matcher = _SMALL_MATCHER
    text = lead + "".join(f + s for f, s in parts)
    matches = matcher.find(text)
    check_offsets(text, matches)
    for m in matches:
        before = text[m.start - 1] if m.start else " "
        after = text[m.end] if m.end < len(text) else " "
        assert not (before.isascii() and before.isalnum()), (text, m)
        assert not (after.isascii() and after.isalnum()), (text, m)
    # An empty code span changes nothing, though it sends the text through the token-by-token path.
    assert matcher.find(text, ((len(text), len(text)),)) == matches
