"""Score concept-mention detection against the hand-annotated gold set, and time it.

    .venv/bin/python bench/eval_mentions.py            # precision, recall, F1, every miss and false hit
    .venv/bin/python bench/eval_mentions.py --speed    # also: time 50,000 synthetic sentences

How the gold set is read and scored (two precisions: plain, and as a review would count the
terms the gold set's README lists as doubtful) is said in ``tests/mention_scoring.py``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mlops_graph.extract.concepts import VOCABULARY_FILE, load_vocabulary  # noqa: E402
from mlops_graph.extract.mentions import MentionMatcher  # noqa: E402
from tests.mention_scoring import evaluate, load_corpus  # noqa: E402

_FILLER = """
    the a of to and in that is for it with as on by this we are be from or an which can their teams
    use models data into when more than not so all but also how our they has have been helps makes
    across between without over every each new only other such these those ensures practice approach
    tools systems results value quickly reliably at scale because while
"""


def synthetic_sentences(count: int, seed: int = 7) -> list[str]:
    """Short quote-like sentences: everyday words mixed with concept labels, a typo or a URL now and then."""
    rng = random.Random(seed)
    labels = sorted({label for c in load_vocabulary([VOCABULARY_FILE]) for label in c.labels()})
    filler = _FILLER.split()
    odd = ["Machine Laerning Operations", "regulartory requirements", "see https://example.org/a-b/c",
           "`feature_store.get()`", "Kubeflow", "it's", "IT", "CI/CD", "re-deployment", "feature-stores"]
    sentences = []
    for _ in range(count):
        words = [rng.choice(filler) for _ in range(rng.randint(10, 24))]
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(labels))
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words) + 1), rng.choice(odd))
        sentence = " ".join(words)
        sentences.append(sentence[:1].upper() + sentence[1:] + ".")
    return sentences


def speed(count: int = 50_000) -> tuple[float, int]:
    """Milliseconds per sentence over ``count`` synthetic sentences, and the number of matches.

    The matcher is built, and the sentences made, before the clock starts."""
    _notes, index = load_corpus()
    matcher = MentionMatcher(index.concepts.values())
    sentences = synthetic_sentences(count)
    started = time.perf_counter()
    found = sum(len(matcher.find(s)) for s in sentences)
    elapsed = time.perf_counter() - started
    return elapsed * 1000 / count, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed", action="store_true", help="also time the matcher on synthetic sentences")
    parser.add_argument("--count", type=int, default=50_000, help="sentences to time (default 50000)")
    args = parser.parse_args(argv)
    scores = evaluate()
    _notes, index = load_corpus()

    def name(iri: str) -> str:
        concept = index.concepts.get(iri)
        return concept.pref_label if concept else iri

    wrong = len(scores.false_positives) + len(scores.not_judged)
    print(f"items {scores.items}; true positives {scores.true_positives}, false positives {wrong} (of which "
          f"{len(scores.not_judged)} on terms the README lists as doubtful or excluded), false negatives "
          f"{len(scores.false_negatives)}")
    print(f"precision {scores.precision:.3f}  recall {scores.recall:.3f}  F1 {scores.f1:.3f}")
    print(f"reviewed precision {scores.reviewed_precision:.3f}  F1 {scores.reviewed_f1:.3f}"
          "  (doubtful and excluded terms not counted wrong)")
    if scores.unmapped:
        print("gold names no label maps to: " + ", ".join(sorted(set(scores.unmapped))))
    for title, errors in (("false positives", scores.false_positives),
                          ("false positives on doubtful or excluded terms (not judged)", scores.not_judged),
                          ("false negatives", scores.false_negatives)):
        print(f"\n{title}:")
        for e in errors:
            print(f"  {e.file} [{e.kind}] {e.text_start!r}: {name(e.concept)}")
    if args.speed:
        per, found = speed(args.count)
        print(f"\nspeed: {per:.4f} ms per sentence over {args.count} synthetic sentences ({found} matches)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
