"""Score concept-mention detection against the hand-annotated gold set (``tests/gold/``).

The gold set (``tests/gold/mentions.json``, described in ``tests/gold/README.md``) lists, for each
blockquote and each title of the notes in ``tests/fixtures/corpus/`` and of three notes in
``tests/fixtures/garden/``, the concepts it mentions, by name. The notes are read with the project's
own reader, the concept index is built as a build would build it, and each gold name is turned into
a concept IRI through the index's labels; a name no label matches counts as a miss. Scores are
micro-averaged over (item, concept) pairs.

Two precisions are reported. ``precision`` counts every predicted concept that the gold item lacks as
a false positive. ``reviewed_precision`` follows the gold set's README, which lists terms the
annotator left out on purpose (products and tools, and "doubtful cases") and says that a detector
that finds them "should not be counted wrong by hand review": a predicted concept that is not in the
gold item, and whose every match in the item is one of those terms (compared in normal form), is set
aside as *not judged* instead of counted wrong. ``DOUBTFUL`` transcribes that list, entry by entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from msgspec.structs import replace

from mlops_graph.config import Settings
from mlops_graph.extract.concepts import (
    VOCABULARY_FILE,
    ConceptIndex,
    build_index,
    load_vocabulary,
)
from mlops_graph.extract.labels import normalize_label
from mlops_graph.extract.mentions import MentionMatcher
from mlops_graph.model import Note
from mlops_graph.pipeline import read_notes

ROOT = Path(__file__).resolve().parent.parent

GOLD_FILE = ROOT / "tests" / "gold" / "mentions.json"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
GARDEN = ROOT / "tests" / "fixtures" / "garden"
"""Notes in the style of digital gardens (recommender systems, experimentation, LLMs); their gold
items name them ``garden/<file>``."""

_MLOPS = "what-is-mlops.md"
_DATAOPS = "what-is-dataops.md"
_REGISTRY = "what-is-a-model-registry.md"
_STORE = "what-is-a-feature-store.md"
_PIPELINE = "what-is-an-ml-pipeline.md"
_CT = "what-is-continuous-training.md"
_VERSIONING = "what-is-data-versioning.md"
_TRACKING = "what-is-experiment-tracking.md"
_DRIFT = "what-is-data-drift.md"
_MONITORING = "what-is-model-monitoring.md"
_SERVING = "what-is-model-serving.md"
_ANY = "*"

DOUBTFUL: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # (files, terms), in the order of tests/gold/README.md, "Doubtful cases (left out)".
    ((_MLOPS,), ("maintain", "maintaining")),
    ((_MLOPS,), ("IT",)),
    ((_MLOPS,), ("operations", "Ops", "operations professionals")),
    ((_MLOPS, _DATAOPS), ("development", "Dev", "development functions")),
    ((_DATAOPS,), ("data managers", "data consumers")),
    ((_MLOPS,), ("integration", "releasing")),
    ((_DATAOPS,), ("integration",)),
    ((_MLOPS, _DATAOPS), ("delivering", "delivery")),
    ((_MLOPS,), ("repeatable",)),
    ((_MLOPS,), ("at scale", "large-scale")),
    ((_MLOPS,), ("high-performing",)),
    ((_MLOPS, _DATAOPS, _REGISTRY), ("collaboration", "collaborative", "collaboratively", "communication")),
    ((_MLOPS,), ("culture", "best practices")),
    ((_DATAOPS,), ("agile",)),
    ((_MLOPS, _PIPELINE), ("workflow", "machine learning workflow")),
    ((_PIPELINE,), ("components", "tasks", "dependencies")),
    ((_REGISTRY,), ("deployment pipeline",)),
    ((_PIPELINE,), ("MLOps pipeline",)),
    ((_STORE, _REGISTRY), ("lifecycle", "full lifecycle")),
    ((_STORE,), ("registry", "online store", "offline store", "real-time")),
    ((_REGISTRY,), ("model store",)),
    ((_REGISTRY,), ("stage transitions",)),
    ((_REGISTRY,), ("register", "registering")),
    ((_REGISTRY,), ("audit",)),
    ((_TRACKING,), ("promoted",)),
    ((_STORE, _PIPELINE, _CT, _VERSIONING, _TRACKING), ("data", "raw data", "production data", "code")),
    ((_CT,), ("data schemas",)),
    ((_DATAOPS,), ("data flows",)),
    ((_VERSIONING,), ("commits", "branches", "rollbacks", "cloud storage", "on-premises")),
    ((_CT, _SERVING), ("software package", "service", "prediction service", "production service")),
    ((_TRACKING,), ("parameters",)),
    ((_TRACKING,), ("runs",)),
    ((_TRACKING,), ("tracking", "traced back")),
    ((_DRIFT,), ("statistical distribution", "input distribution", "target", "target variable", "degrade")),
    ((_DRIFT,), ("predictive analytics",)),
    ((_CT,), ("MLOps level 1",)),
    ((_MONITORING,), ("errors", "outliers")),
    ((_MONITORING,), ("understand why a model behaves",)),
    ((_SERVING,), ("frameworks", "GPUs", "CPUs", "execution")),
    ((_SERVING,), ("custom resource", "networking", "health checking")),
    ((_ANY,), ("Airflow", "DVC", "Git", "Kubernetes", "KServe")),
)
"""The README's doubtful terms and excluded products, with the notes they are listed for ("*": any)."""


def _doubtful(file: str) -> frozenset[str]:
    return frozenset(normalize_label(term) for files, terms in DOUBTFUL if file in files or _ANY in files
                     for term in terms)


@dataclass(frozen=True, slots=True)
class Error:
    file: str
    kind: str
    text_start: str
    concept: str
    """A concept IRI, or the gold name when no label maps it to one."""


@dataclass(slots=True)
class Scores:
    items: int = 0
    true_positives: int = 0
    false_positives: list[Error] = field(default_factory=list)
    false_negatives: list[Error] = field(default_factory=list)
    not_judged: list[Error] = field(default_factory=list)
    """Predicted concepts outside the gold item found only as terms the README lists as doubtful or
    excluded; counted as false positives by ``precision``, set aside by ``reviewed_precision``."""
    unmapped: list[str] = field(default_factory=list)
    """Gold names that no concept label maps to (each also counts as a false negative)."""

    @property
    def precision(self) -> float:
        """Every predicted concept the gold item lacks counts as wrong."""
        found = self.true_positives + len(self.false_positives) + len(self.not_judged)
        return self.true_positives / found if found else 0.0

    @property
    def reviewed_precision(self) -> float:
        """As the README asks of a hand review: the doubtful and excluded terms are not counted wrong."""
        found = self.true_positives + len(self.false_positives)
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + len(self.false_negatives)
        return self.true_positives / expected if expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def reviewed_f1(self) -> float:
        p, r = self.reviewed_precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_corpus() -> tuple[list[Note], ConceptIndex]:
    """The notes of the corpus and of the garden folder, indexed together as one build would."""
    settings = Settings()
    notes, _problems, _count = read_notes(CORPUS, settings)
    garden, _problems, _count = read_notes(GARDEN, settings)
    notes += [replace(note, path=f"garden/{note.path}") for note in garden]
    index = build_index(settings.base_iri, load_vocabulary([VOCABULARY_FILE]), notes)
    return notes, index


def _item_text(notes: dict[str, Note], item: dict[str, object]) -> tuple[str, tuple[tuple[int, int], ...]]:
    note = notes.get(str(item["file"]))
    if note is None:
        raise LookupError(f"gold item names a note that was not read: {item['file']}")
    start = str(item["text_start"])
    if item["kind"] == "title":
        if not note.title.startswith(start):
            raise LookupError(f"{item['file']}: title {note.title!r} does not start with {start!r}")
        return note.title, ()
    quotes = [q for q in note.quotes if q.text.startswith(start)]
    quotes.sort(key=lambda q: q.is_summary)
    if not quotes:
        raise LookupError(f"{item['file']}: no quote starts with {start!r}")
    return quotes[0].text, quotes[0].code_spans


def evaluate(gold_file: Path = GOLD_FILE) -> Scores:
    """Run the matcher over every gold item and compare the concept sets."""
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    notes, index = load_corpus()
    by_path = {n.path: n for n in notes}
    matcher = MentionMatcher(index.concepts.values())
    scores = Scores()
    for item in gold["items"]:
        text, code_spans = _item_text(by_path, item)
        surfaces: dict[str, set[str]] = {}
        for match in matcher.find(text, code_spans):
            surfaces.setdefault(match.concept, set()).add(normalize_label(match.exact))
        predicted = set(surfaces)
        doubtful = _doubtful(str(item["file"]))
        expected: set[str] = set()
        where = (str(item["file"]), str(item["kind"]), str(item["text_start"]))
        for name in item["concepts"]:
            concept = index.lookup(name)
            if concept is None:
                scores.unmapped.append(name)
                scores.false_negatives.append(Error(*where, name))
            else:
                expected.add(concept.iri)
        scores.items += 1
        scores.true_positives += len(predicted & expected)
        for iri in sorted(predicted - expected):
            bucket = scores.not_judged if surfaces[iri] <= doubtful else scores.false_positives
            bucket.append(Error(*where, iri))
        scores.false_negatives.extend(Error(*where, iri) for iri in sorted(expected - predicted))
    return scores


