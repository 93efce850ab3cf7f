"""``report.md``: a short, readable account of what the notes say, for people rather than stores."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from mlops_graph.config import REPORT_HEADING
from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.graph.consensus import Centrality, ConsensusRow, agreement, consensus_by_term, cooccurrence
from mlops_graph.graph.mapping import NoteMapping

if TYPE_CHECKING:
    from mlops_graph.export.outputs import Graphs

TOP_CONCEPTS = 10
TOP_CENTRAL = 15
MAX_ORPHANS = 60


_CELL_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\|`*_[]<>#"})


def _cell(text: str) -> str:
    """Note text as a Markdown table cell: one line, pipes and markup characters escaped."""
    return " ".join(text.split()).translate(_CELL_ESCAPES)


def render(graphs: Graphs) -> bytes:
    mappings, index = graphs.mappings, graphs.index
    top = dict(consensus_by_term(agreement(mappings), index, TOP_CONCEPTS))
    return render_report(mappings, index, top, cooccurrence(mappings, index), graphs.summary_line).encode("utf-8")


def render_report(mappings: list[NoteMapping], index: ConceptIndex,
                  rows: list[ConsensusRow] | dict[str, list[ConsensusRow]],
                  cooccurrence: dict[str, Centrality], summary_line: str) -> str:
    """The report. ``rows``: the consensus rows (``graph.consensus``), or, per term, its first
    rows (at least :data:`TOP_CONCEPTS`); ``cooccurrence``: as ``graph.consensus.cooccurrence``."""
    terms: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"definitions": set(), "sources": set()})
    quotations = inferred = asides = 0
    for m in mappings:
        asides += sum(1 for p in m.note.passages if p.aside)
        for d in m.definitions:
            inferred += d.quote.inferred
            if d.quote.kind != "definition":
                quotations += 1
                continue
            terms[d.concept.iri]["definitions"].add(d.iri)
            if d.counts and d.source_iri:
                terms[d.concept.iri]["sources"].add(d.source_iri)
    by_term: dict[str, list[ConsensusRow]]
    if isinstance(rows, dict):
        by_term = rows
    else:
        by_term = defaultdict(list)
        for row in rows:
            by_term[row.term].append(row)

    lines = [REPORT_HEADING, "", summary_line, "", "## Terms", ""]
    lines += ["Sources count only definitions whose source is named at the quote. Not counted: "
              f"{quotations} other quotations, {inferred} quotes whose source is only inferred from their "
              f"note, {asides} asides (tips, warnings, summaries, captions).", ""]
    lines += ["| term | definitions | sources |", "| --- | ---: | ---: |"]
    ordered = sorted(terms, key=lambda t: (-len(terms[t]["sources"]), index.concepts[t].pref_label.casefold(), t))
    for term in ordered:
        info = terms[term]
        lines.append(f"| {_cell(index.concepts[term].pref_label)} | {len(info['definitions'])} | "
                     f"{len(info['sources'])} |")
    lines += ["", "## What the sources agree on", "",
              f"For each term defined by at least two sources, the concepts most sources mention "
              f"(top {TOP_CONCEPTS}).", ""]
    agreed = [t for t in ordered if len(terms[t]["sources"]) >= 2 and by_term.get(t)]
    for term in agreed:
        lines += [f"### {_cell(index.concepts[term].pref_label)}", "",
                  f"{len(terms[term]['sources'])} sources.", "",
                  "| concept | sources |", "| --- | ---: |"]
        lines += [f"| {_cell(r.label)} | {r.sources} |" for r in by_term[term][:TOP_CONCEPTS]]
        lines.append("")
    if not agreed:
        lines += ["No term is defined by two sources yet.", ""]
    inferred_rows = sorted((m.note.path, d.quote.line, d.quote.source.name)
                           for m in mappings for d in m.definitions
                           if d.quote.inferred and d.quote.source is not None)
    if inferred_rows:
        lines += ["## Quotes with an inferred source", "",
                  "Nothing at these quotes names a source; their note names one work as a whole, so they are "
                  "probably from it. They are not counted above" + (
                      f" (the first {MAX_ORPHANS} listed)." if len(inferred_rows) > MAX_ORPHANS else "."), "",
                  "| note | line | source |", "| --- | ---: | --- |"]
        lines += [f"| {_cell(path)} | {line} | {_cell(name)} |" for path, line, name in inferred_rows[:MAX_ORPHANS]]
        lines.append("")
    lines += ["## Central concepts", "",
              "Concepts that definitions mention together most (PageRank over the co-occurrence graph).", "",
              "| concept | definitions | PageRank |", "| --- | ---: | ---: |"]
    central = sorted(cooccurrence.values(), key=lambda c: (-c.pagerank, c.label.casefold()))
    lines += [f"| {_cell(c.label)} | {c.definitions} | {c.pagerank:.4f} |" for c in central[:TOP_CENTRAL]]
    used = set(cooccurrence) | set(terms)
    for m in mappings:
        used.update(m.mentioned)
    orphans = sorted((c.pref_label for c in index.concepts.values() if c.iri not in used), key=str.casefold)
    lines += ["", "## Orphan concepts", "",
              f"{len(orphans)} concepts of the vocabulary and the notes are mentioned nowhere"
              + (f" (the first {MAX_ORPHANS} listed)." if len(orphans) > MAX_ORPHANS else "."), ""]
    if orphans:
        lines.append(", ".join(_cell(o) for o in orphans[:MAX_ORPHANS]))
    return "\n".join(lines).rstrip() + "\n"
