"""Scores how a build reads the quotes of a real garden against a gold set judged by hand.

    python bench/eval_quotes.py NOTES_DIR --garden luk [--exe .venv/bin/mlops-graph] [--gold bench/quotes_gold.json]

NOTES_DIR is a fetched copy of the garden's ``_notes`` folder (the gold set names the repository). The
folder is built with ``EXE build`` into a temporary folder, and its ``graph.trig`` read back. A quote
is found by its note's file and its first line. Printed:

- kind accuracy: definition / quotation / aside, over every gold quote (a quote the build does not
  keep at all counts as wrong);
- source accuracy: over the quotes the gold set attributes (explicitly or for the whole note), the
  source names, the cited URL and whether the attribution is inferred are all right;
- term accuracy: over the gold definitions, the defined concept has the gold term as one of its labels;
- false attributions: quotes the gold set leaves unattributed that the build attributes.

The graph is read with plain SPARQL on the classes and properties of both the current model
(``mg:Quote``, ``mg:Definition``, ``mg:Aside``, ``mg:inferredSource``) and earlier ones (where every
quote was an ``mg:Definition``), so the same script scores a build before and after a change.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pyoxigraph as ox

PREFIXES = """PREFIX mg: <https://w3id.org/mlops-graph/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

QUOTES = PREFIXES + """
SELECT ?x ?file ?line ?kind WHERE {
  ?note mg:file ?file .
  { ?note mg:hasDefinition ?x } UNION { ?note mg:hasQuote ?x } UNION { ?note mg:hasPassage ?x }
  ?x mg:line ?line .
  OPTIONAL { ?x a mg:Definition . BIND ("definition" AS ?d) }
  OPTIONAL { ?x a mg:Quote . BIND ("quotation" AS ?q) }
  OPTIONAL { ?x a mg:Aside . BIND ("aside" AS ?a) }
  BIND (COALESCE(?d, ?q, ?a) AS ?kind)
  FILTER (BOUND(?kind))
}
"""

SOURCES = PREFIXES + """
SELECT ?x ?name ?inferred WHERE {
  { ?x prov:wasAttributedTo ?s . BIND (false AS ?inferred) }
  UNION { ?x mg:inferredSource ?s . BIND (true AS ?inferred) }
  ?s rdfs:label ?name .
}
"""

URLS = PREFIXES + """
SELECT ?x ?url WHERE {
  { ?x prov:wasQuotedFrom|mg:inferredPage ?page . ?page schema:url ?u . BIND (STR(?u) AS ?url) }
  UNION { ?x mg:citedUrl ?c . BIND (STR(?c) AS ?url) }
}
"""

TERMS = PREFIXES + """
SELECT ?x ?label WHERE { ?x mg:defines ?c . ?c skos:prefLabel|skos:altLabel ?label . }
"""


def build(exe: str, notes: Path, out: Path) -> None:
    subprocess.run([exe, "build", str(notes), "-o", str(out), "-q", "--no-html"], check=True,
                   stderr=subprocess.DEVNULL)


def read_graph(trig: Path) -> dict[tuple[str, int], dict[str, object]]:
    store = ox.Store()
    store.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)

    def rows(query: str) -> list[dict[str, str]]:
        result = store.query(query, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]  # type: ignore[union-attr]
        return [{n: (s[n].value if s[n] is not None else "") for n in names} for s in result]  # type: ignore[union-attr]

    found: dict[tuple[str, int], dict[str, object]] = {}
    by_iri: dict[str, dict[str, object]] = {}
    order = {"definition": 0, "quotation": 1, "aside": 2}
    for row in rows(QUOTES):
        key = (row["file"], int(row["line"]))
        entry = {"kind": row["kind"], "names": set(), "urls": set(), "inferred": set(), "terms": set()}
        old = found.get(key)
        if old is not None and order[str(old["kind"])] <= order[row["kind"]]:
            by_iri[row["x"]] = old
            continue
        found[key] = by_iri[row["x"]] = entry
    for row in rows(SOURCES):
        entry = by_iri.get(row["x"])
        if entry is not None:
            entry["names"].add(row["name"].casefold())  # type: ignore[attr-defined]
            entry["inferred"].add(row["inferred"] == "true")  # type: ignore[attr-defined]
    for row in rows(URLS):
        entry = by_iri.get(row["x"])
        if entry is not None:
            entry["urls"].add(row["url"])  # type: ignore[attr-defined]
    for row in rows(TERMS):
        entry = by_iri.get(row["x"])
        if entry is not None:
            entry["terms"].add(row["label"].casefold())  # type: ignore[attr-defined]
    return found


def score(gold: list[dict[str, object]], found: dict[tuple[str, int], dict[str, object]],
          verbose: bool) -> dict[str, tuple[int, int]]:
    kinds = sources = terms = 0
    attributed = definitions = false_attributions = 0
    for item in gold:
        key = (str(item["file"]), int(item["line"]))  # type: ignore[call-overload]
        got = found.get(key, {"kind": "missing", "names": set(), "urls": set(), "inferred": set(), "terms": set()})
        wrong = []
        if got["kind"] == item["kind"]:
            kinds += 1
        else:
            wrong.append(f"kind {got['kind']} (gold {item['kind']})")
        names = {str(n).casefold() for n in item.get("sources", [item["source"]] if "source" in item else [])}  # type: ignore[attr-defined]
        urls = {str(item["url"])} if "url" in item else set()
        if item["kind"] != "aside" and (names or urls):
            attributed += 1
            inferred = {bool(item.get("inferred", False))}
            if got["names"] == names and got["urls"] == urls and got["inferred"] == inferred:
                sources += 1
            else:
                wrong.append(f"source {sorted(got['names'])} {sorted(got['urls'])} inferred={got['inferred']} "  # type: ignore[arg-type]
                             f"(gold {sorted(names)} {sorted(urls)} inferred={inferred})")
        elif got["names"]:
            false_attributions += 1
            wrong.append(f"attributed to {sorted(got['names'])} (gold: no source)")  # type: ignore[arg-type]
        if item["kind"] == "definition":
            definitions += 1
            if str(item["term"]).casefold() in got["terms"]:  # type: ignore[operator]
                terms += 1
            else:
                wrong.append(f"term {sorted(got['terms'])} (gold {item['term']})")  # type: ignore[arg-type]
        if wrong and verbose:
            print(f"  {key[0]}:{key[1]}: " + "; ".join(wrong))
    return {"kind": (kinds, len(gold)), "source": (sources, attributed), "term": (terms, definitions),
            "false attributions": (false_attributions, len(gold) - attributed)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("notes", type=Path)
    parser.add_argument("--garden", required=True, help="the garden's name in the gold set (luk, law)")
    parser.add_argument("--gold", type=Path, default=Path(__file__).with_name("quotes_gold.json"))
    parser.add_argument("--exe", default=str(Path(".venv/bin/mlops-graph")))
    parser.add_argument("-v", "--verbose", action="store_true", help="list each quote read wrong")
    args = parser.parse_args()
    gold = json.loads(args.gold.read_text(encoding="utf-8"))["gardens"][args.garden]["quotes"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        build(args.exe, args.notes, out)
        found = read_graph(out / "graph.trig")
    figures = score(gold, found, args.verbose)
    for name, (right, total) in figures.items():
        ratio = right / total if total else 1.0
        print(f"{args.garden}: {name}: {right}/{total} = {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
