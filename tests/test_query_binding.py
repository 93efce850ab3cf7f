"""Parameters of named queries: one VALUES block for every store, and concept parameters resolved
to the concepts that have the label before the query runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from mlops_graph.errors import QueryError
from mlops_graph.namespaces import prefixes
from mlops_graph.query.binding import bind_values, bound_text
from mlops_graph.query.named import _parse, named_queries
from mlops_graph.store import embedded

#: ``compare`` as it was written before concept parameters: the label looked up inside the query.
COMPARE_BY_LABEL_FILTER = """SELECT DISTINCT ?term ?sourceName ?text ?url ?noteTitle
WHERE {
  { ?concept skos:prefLabel ?label } UNION { ?concept skos:altLabel ?label }
  FILTER (LCASE(STR(?label)) = LCASE(STR(?term)))
  ?definition mg:defines ?concept ;
              prov:value ?text ;
              mg:line ?line .
  ?note mg:hasDefinition ?definition ;
        mg:file ?file ;
        dcterms:title ?noteTitle .
  OPTIONAL { ?definition prov:wasAttributedTo/rdfs:label ?name . }
  OPTIONAL { ?definition prov:wasQuotedFrom/schema:url ?pageUrl . }
  BIND (COALESCE(?name, "(the note's author)") AS ?sourceName)
  BIND (STR(COALESCE(?pageUrl, "")) AS ?url)
}
ORDER BY ?sourceName ?file ?line
"""

TERMS = ["MLOps", "mlops", "MACHINE LEARNING OPERATIONS", "DataOps", "feature store", "Feature Stores",
         'x") ("MLOps', "a\\b \"c\" 'd' {e} #f <g>", "\n\t\r", "", "MLOps' } #", "MLOps\\u0022 }"]


@pytest.fixture(scope="module")
def corpus_store(corpus_output: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(corpus_output / "graph.trig"), format=ox.RdfFormat.TRIG)
    return store


def test_compare_declares_a_concept_parameter() -> None:
    assert named_queries()["compare"].resolved == (("term", "concept"),)


@pytest.mark.parametrize("term", TERMS)
def test_a_concept_parameter_gives_the_rows_of_the_label_filter(corpus_store: ox.Store, term: str) -> None:
    expected = corpus_store.query(COMPARE_BY_LABEL_FILTER, prefixes=prefixes(""), use_default_graph_as_union=True,
                                  substitutions={ox.Variable("term"): ox.Literal(term)})
    assert isinstance(expected, ox.QuerySolutions)
    data = expected.serialize(format=ox.QueryResultsFormat.JSON)
    result = embedded.run_query(corpus_store, named_queries()["compare"], {"term": term})
    assert result.raw["json"] == data
    if term.lower() in ("mlops", "machine learning operations", "dataops"):
        assert len(result.rows) >= 2


def test_the_kept_store_looks_labels_up_in_its_table(corpus_output: Path, corpus_store: ox.Store,
                                                     tmp_path: Path) -> None:
    graph = tmp_path / "graph.trig"
    shutil.copy(corpus_output / "graph.trig", graph)
    kept = embedded.open_store(graph)
    try:
        table = json.loads((tmp_path / embedded.STORE_DIR / "labels.json").read_text(encoding="utf-8"))
        assert "https://w3id.org/mlops-graph/vocab/mlops" in table["mlops"]
        assert table["machine learning operations"] == table["mlops"]
        kept_table = embedded._table_of(kept)
        assert kept_table == table
        for term in TERMS:
            expected = embedded.run_query(corpus_store, named_queries()["compare"], {"term": term})
            assert embedded.run_query(kept, named_queries()["compare"], {"term": term}).rows == expected.rows
        # The look-up goes through the table: a concept missing from it is not found.
        kept_table.clear()
        assert embedded.run_query(kept, named_queries()["compare"], {"term": "MLOps"}).rows == ()
    finally:
        embedded._OPEN.clear()


def test_the_label_is_looked_up_once_and_bound_as_iris() -> None:
    asked: list[str] = []

    def iris(label: str) -> list[str]:
        asked.append(label)
        return ["https://ex.example/a", "https://ex.example/b?c=d"]

    query = _parse("q", "# q\n# param: term -> concept\nSELECT ?x WHERE { ?x ?p ?concept }\n")
    text = bound_text(query, {"term": 'say "hi"'}, iris)
    assert asked == ['say "hi"']
    assert text == ('# q\n# param: term -> concept\nSELECT ?x WHERE { VALUES (?term ?concept) { '
                    '("say \\"hi\\"" <https://ex.example/a>) ("say \\"hi\\"" <https://ex.example/b?c=d>) } '
                    ' ?x ?p ?concept }\n')
    ox.Store().query(text)  # parses


def test_a_look_up_that_gives_no_iri_is_refused() -> None:
    with pytest.raises(QueryError, match="not an IRI"):
        bound_text(named_queries()["compare"], {"term": "x"}, lambda _text: ["not an iri>"])


def test_a_label_no_concept_has_gives_no_rows() -> None:
    query = _parse("q", "# q\n# param: term -> concept\nSELECT ?x WHERE { ?x ?p ?o }\n")
    text = bound_text(query, {"term": "nothing"}, lambda _text: [])
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://a.example"), ox.NamedNode("http://b.example"), ox.Literal("c")))
    assert "VALUES (?term ?concept) {  }" in text
    assert list(store.query(text)) == []  # type: ignore[arg-type]


def test_missing_and_unknown_parameters_are_refused() -> None:
    query = named_queries()["compare"]
    with pytest.raises(QueryError, match="needs term"):
        bound_text(query, {}, lambda _text: [])
    with pytest.raises(QueryError, match="takes no parameter other"):
        bound_text(query, {"term": "x", "other": "y"}, lambda _text: [])


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("SELECT ?x WHERE { ?x ?p ?term }", "{ ?x ?p"),
        ("# a comment with { a brace\nSELECT * { ?x ?p ?term }", "{ ?x ?p"),
        ('PREFIX ex: <http://ex/a#>\nSELECT ("{" AS ?b) WHERE { ?x ?p ?term }', "{ ?x ?p"),
        ("SELECT ('''{\n'''  AS ?b) (EXISTS { ?y ?q ?r } AS ?e) WHERE { ?x ?p ?term }", "{ ?x ?p"),
        ("SELECT ?x WHERE { ?x ?p ?term FILTER (?x < <http://ex/a>) }", "{ ?x ?p"),
    ],
)
def test_the_values_block_opens_the_where_group(text: str, where: str) -> None:
    bound = bind_values(text, ["term"], [[ox.Literal("v")]])
    position = text.index(where)
    assert bound == text[: position + 1] + ' VALUES (?term) { ("v") } ' + text[position + 1 :]
    ox.Store().query(bound)  # parses


def test_a_query_without_a_group_or_a_bad_name_is_refused() -> None:
    with pytest.raises(QueryError, match="no WHERE group"):
        bind_values("SELECT ?x # {", ["term"], [[ox.Literal("v")]])
    with pytest.raises(QueryError, match="not a SPARQL variable name"):
        bind_values("SELECT ?x WHERE { }", ["x) ?y"], [[ox.Literal("v")]])


@pytest.mark.parametrize("term", ["MLOps", "machine learning operations", "DataOps", "feature store", "nothing"])
def test_agreement_is_the_consensus_of_one_term(corpus_store: ox.Store, term: str) -> None:
    queries = named_queries()
    concepts = embedded.concept_lookup(corpus_store)(term)
    consensus = embedded.run_query(corpus_store, queries["consensus"]).rows
    expected = [row[1:] for row in consensus if row[0] in concepts]
    agreement = embedded.run_query(corpus_store, queries["agreement"], {"term": term}).rows
    assert [row[1:] for row in agreement] == expected
    assert all(row[0] == term for row in agreement)
    if term != "nothing":
        assert len(expected) >= 2
