"""Terms that look important but are not in the vocabulary: candidates for it, never added to it.

Keyphrases come from YAKE (unsupervised, statistical) run over the definitions' and the author's
text. YAKE reads at most ``MAX_YAKE_CHARS`` characters, taken evenly across the corpus in note
order so that large corpora stay fast; each phrase it proposes is then counted in all texts.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from itertools import accumulate

import ahocorasick
from msgspec import Struct

from mlops_graph.extract.concepts import ConceptIndex
from mlops_graph.extract.labels import normalize_label

MAX_YAKE_CHARS = 20_000
MAX_SUGGESTIONS = 100
_WORD = re.compile(r"^[^\W\d_][\w'’-]*(?: [^\W\d_][\w'’-]*){0,2}$")


class Suggestion(Struct, frozen=True):
    phrase: str
    count: int
    notes: int
    score: float


def _sample(texts: list[str], budget: int) -> str:
    total = sum(len(t) for t in texts)
    if total <= budget:
        return "\n\n".join(texts)
    step = total / budget
    chosen, seen, next_at = [], 0, 0.0
    for text in texts:
        if seen >= next_at:
            chosen.append(text)
            next_at += step * len(text)
        seen += len(text)
    return "\n\n".join(chosen)[: budget * 2]


def _reach(spans: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The spans' starts in order, and for each, the furthest end among the spans up to it: a range
    [start, end] overlaps a span exactly when the reach of the last span starting at or before
    ``end`` lies beyond ``start``."""
    pairs = sorted(spans)
    return [a for a, _b in pairs], list(accumulate((b for _a, b in pairs), max))


def _candidate(phrase: str) -> bool:
    """Multi-word phrases, or single words written like names (``DAG``, ``KServe``)."""
    if not _WORD.match(phrase):
        return False
    return " " in phrase or any(c.isupper() for c in phrase[1:]) or phrase.isupper()


def suggest(note_texts: Iterable[tuple[str, list[str]]], index: ConceptIndex,
            covered: Callable[[str], Iterable[tuple[int, int]]] | None = None,
            limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """``note_texts``: (note path, its texts). Returns phrases no concept has, most frequent first.

    ``covered(text)`` gives the spans of a text that concepts already account for (their mentions);
    a phrase is counted only where it does not overlap one.
    """
    import yake

    notes = sorted(note_texts)
    texts = [t for _path, ts in notes for t in ts if t.strip()]
    if not texts:
        return []
    extractor = yake.KeywordExtractor(lan="en", n=3, top=limit * 3, dedupLim=0.8)
    candidates: dict[str, float] = {}
    for phrase, score in extractor.extract_keywords(_sample(texts, MAX_YAKE_CHARS)):
        phrase = " ".join(str(phrase).split())
        key = phrase.casefold()
        if len(key) < 4 or key in candidates or not _candidate(phrase) or index.lookup(phrase) is not None:
            continue
        candidates[key] = float(score)
    if not candidates:
        return []
    automaton = ahocorasick.Automaton()
    for key in candidates:
        automaton.add_word(key, key)
    automaton.make_automaton()
    counts: dict[str, int] = dict.fromkeys(candidates, 0)
    note_counts: dict[str, int] = dict.fromkeys(candidates, 0)
    for _path, ts in notes:
        seen: set[str] = set()
        for text in ts:
            lowered = text.casefold()
            if len(lowered) != len(text):
                lowered = "".join(c if len(c.casefold()) != 1 else c.casefold() for c in text)
            size = len(lowered)
            reach: tuple[list[int], list[int]] | None = None
            for end, key in automaton.iter(lowered):
                start = end - len(key) + 1
                if (start > 0 and lowered[start - 1].isalnum()) or (end + 1 < size and lowered[end + 1].isalnum()):
                    continue
                if reach is None:
                    reach = _reach(covered(text) if covered else ())
                starts, ends = reach
                before = bisect_right(starts, end)
                if before and ends[before - 1] > start:
                    continue
                counts[key] += 1
                seen.add(key)
        for key in seen:
            note_counts[key] += 1
    merged: dict[str, Suggestion] = {}
    for key, score in candidates.items():
        if counts[key] == 0:
            continue
        norm = normalize_label(key)
        current = merged.get(norm)
        if current is None or counts[key] > current.count:
            merged[norm] = Suggestion(key, counts[key], note_counts[key], round(score, 6))
    ranked = sorted(merged.values(), key=lambda s: (-s.count, -s.notes, s.score, s.phrase))
    return ranked[:limit]


def suggestions_csv(suggestions: list[Suggestion]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["phrase", "count", "notes", "yake_score"])
    for s in suggestions:
        writer.writerow([s.phrase, s.count, s.notes, f"{s.score:.6f}"])
    return out.getvalue().encode("utf-8")
