"""Each sample note behaves as tests/fixtures/README.md says."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pytest

from mlops_graph.model import Note
from mlops_graph.pipeline import BuildResult

MG = "https://w3id.org/mlops-graph/ns#"


def note(result: BuildResult, path: str) -> Note:
    return next(n for n in result.notes if n.path == path)


def sources(n: Note) -> list[str | None]:
    return [q.source.name if q.source else None for q in n.quotes if not q.is_summary]


@pytest.fixture(scope="module")
def store(corpus_build: BuildResult) -> ox.Store:
    s = ox.Store()
    s.load(corpus_build.files["graph.trig"], format=ox.RdfFormat.TRIG)
    return s


def ask(store: ox.Store, where: str) -> list[dict[str, str]]:
    q = f"""PREFIX mg: <{MG}> PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX schema: <https://schema.org/>
    PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT * WHERE {{ {where} }}"""
    solutions = store.query(q, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{k: s[k].value for k in names if s[k] is not None} for s in solutions]


def test_no_problems_in_the_sample_corpus(corpus_build: BuildResult) -> None:
    assert [str(p) for p in corpus_build.problems] == []
    assert len(corpus_build.notes) == 14


def test_users_note(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "what-is-mlops.md")
    assert n.date == dt.date(2022, 3, 14) and n.notetype == "feed"
    assert sources(n) == ["Wikipedia", "DataBricks", "Google", "Algorithmia", "Neptune.ai", "Nvidia", "MLOps.org"]
    summary = [q for q in n.quotes if q.is_summary]
    assert len(summary) == 1 and summary[0].source is None
    assert summary[0].text.startswith("A set of culture and practice")


def test_feature_store(corpus_build: BuildResult, store: ox.Store) -> None:
    n = note(corpus_build, "what-is-a-feature-store.md")
    assert n.date == dt.date(2022, 3, 21) and n.title == "What is a Feature Store" and n.term == "Feature Store"
    assert n.aliases == ("feature store", "feature platform")
    assert n.tags == ("mlops", "data", "features", "feature-engineering")
    assert sources(n) == ["Tecton Blog", "Feast Docs", "Hopsworks"]
    links = ask(store, """?n mg:file "what-is-a-feature-store.md" ; mg:linksTo ?t . ?t mg:file ?f""")
    assert sorted(r["f"] for r in links) == ["what-is-data-drift.md", "what-is-mlops.md"]


def test_model_registry_drops_tracking_parameters(corpus_build: BuildResult, store: ox.Store) -> None:
    n = note(corpus_build, "what-is-a-model-registry.md")
    assert n.date == dt.date(2022, 4, 2)
    assert n.tags == ("mlops", "model-management")
    assert sources(n) == ["MLflow Docs", "Neptune.ai", "Azure ML Docs"]
    urls = {r["u"] for r in ask(store, "?p a mg:Page ; schema:url ?u")}
    azure = [u for u in urls if "azure" in u]
    assert azure == ["https://learn.azure.example/machine-learning/concept-model-management"]
    assert not any("utm_" in u or "tracking=" in u for u in urls)


def test_data_drift(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "what-is-data-drift.md")
    assert n.date == dt.date(2022, 3, 25)
    assert n.tags == ("mlops", "monitoring")
    assert sources(n) == ["Evidently AI", "Evidently AI", "Wikipedia"]
    texts = " ".join(q.text for q in n.quotes)
    assert "Not A Source" not in texts and "fenced block" not in texts
    assert all("not-a-source" not in (q.source.url or "") for q in n.quotes if q.source)


def test_continuous_training_one_source_two_pages(store: ox.Store) -> None:
    rows = ask(store, """?d prov:wasAttributedTo ?s ; prov:wasQuotedFrom ?p . ?s rdfs:label "Google Cloud" .
                         ?p schema:url ?u""")
    assert len({r["s"] for r in rows}) == 1
    assert len({r["p"] for r in rows}) == 2
    assert {r["u"].split("#")[-1] for r in rows} == {
        "https://cloud.google.example/architecture/mlops-continuous-delivery-and-automation-pipelines-in-machine-learning",
        "mlops_level_2",
    }


def test_continuous_training_date_and_acronym(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "what-is-continuous-training.md")
    assert n.date == dt.date(2022, 3, 28)
    concept = corpus_build.index.lookup("CT")
    assert concept is not None and concept is corpus_build.index.lookup("Continuous Training")


def test_experiment_tracking_attributions(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "what-is-experiment-tracking.md")
    assert n.author == "J. Doe"
    assert sources(n) == ["Weights & Biases", "DVC", "Made With ML"]
    last = n.quotes[-1]
    assert last.text.startswith("Reproducibility is the main reason")
    assert "Made With ML" not in last.text and "—" not in last.text


def test_model_monitoring_emphasis_reduced(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "what-is-model-monitoring.md")
    datadog = next(q for q in n.quotes if q.source and q.source.name == "Datadog")
    assert "understand why a model behaves as it does" in datadog.text
    assert "*" not in datadog.text


def test_reference_style_links(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "what-is-an-ml-pipeline.md")
    assert [(q.source.name, q.source.url) for q in n.quotes if q.source] == [
        ("Kubeflow Docs", "https://www.kubeflow.example/docs/components/pipelines/concepts/pipeline/"),
        ("Apache Airflow", "https://airflow.apache.example/docs/apache-airflow/stable/core-concepts/dags.html"),
        ("ZenML", "https://docs.zenml.example/getting-started/core-concepts"),
    ]


def test_model_serving_and_prose_without_quotes(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "what-is-model-serving.md")
    assert sources(n) == ["BentoML", "NVIDIA Developer", "KServe"]
    assert any("canary release" in p.text for p in n.passages)


def test_dataops_is_its_own_term(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "what-is-dataops.md")
    assert n.term == "DataOps"
    concept = corpus_build.index.lookup("DataOps")
    assert concept is not None and concept is not corpus_build.index.lookup("MLOps")


def test_essay_has_no_definitions_but_links(corpus_build: BuildResult, store: ox.Store) -> None:
    n = note(corpus_build, "mlops-vs-devops.md")
    assert n.notetype == "essay" and n.quotes == ()
    rows = ask(store, """?n mg:file "mlops-vs-devops.md" ; mg:linksTo ?t . ?t mg:file ?f""")
    assert sorted(r["f"] for r in rows) == [
        "what-is-an-ml-pipeline.md", "what-is-continuous-training.md", "what-is-mlops.md"
    ]


def test_crlf_note(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "what-is-data-versioning.md")
    assert sources(n) == ["lakeFS", "DVC"]
    assert all("\r" not in q.text for q in n.quotes)
    assert n.quotes[1].line == 14


def test_languages_only_where_known(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "que-es-mlops.md")
    assert n.title.startswith("Qué es MLOps")
    assert [(q.source.name if q.source else None, q.lang) for q in n.quotes] == [
        (None, None), ("Wikipedia (ES)", "es"), ("Wikipedia (DE)", "de"), ("Qiita", "ja"),
    ]
    english = note(corpus_build, "what-is-a-feature-store.md")
    assert {q.lang for q in english.quotes} == {None}


def test_reading_list_plain_name_source(corpus_build: BuildResult) -> None:
    n = note(corpus_build, "reading-list.md")
    assert n.title == "reading-list" and n.date is None
    assert [(q.source.name, q.source.url) for q in n.quotes if q.source] == [("Chip Huyen", None)]
    assert n.quotes[0].text == "Machine learning engineering is more engineering than machine learning."
