"""Concept mentions: where the labels of known concepts occur in a piece of text.

Text and labels are cut into tokens the same way, and each token is put in a normal form: NFKC,
case-folded and lemmatised (English; see :mod:`.labels`), so "Feature Stores", "feature-store" and
"feature store" read alike. Hyphens, slashes and underscores between words are dropped, so "CI/CD" and
"CI CD" are one. Short acronyms ("ML", "CI", "IT", "APIs") keep their case, so they match only as written:
"it" in prose is not IT. One Aho-Corasick automaton holds every label; a match counts only on token
boundaries, and the leftmost-longest match wins, so "continuous delivery" is not also "delivery".

Labels of the curated vocabulary take precedence over labels that come from the notes (titles,
tags): a note-only concept is found only where no vocabulary label matches, so the title "MLOps
reading list" mentions MLOps.

Typos ("Machine Laerning Operations") are found by a bounded fuzzy match, tried only on stretches of
text that no exact match covers and that hold a word the English table does not know.

Nothing is matched inside URLs (``http(s)://…``, ``www.…``), inside the given code spans (code, math,
Liquid), or in a word right after a backslash (a TeX command such as ``\\log`` is not "logging").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate, chain, compress

import ahocorasick
from msgspec import Struct

from mlops_graph.extract.concepts import Concept
from mlops_graph.extract.english import known
from mlops_graph.extract.labels import BARRIER, TOKEN, cased, edits, normal_form
from mlops_graph.model import Note

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_WILD = "\x01"
STOP_LABELS = frozenset({
    "say", "said", "set", "way", "part", "process", "system", "business", "team", "value", "time",
    "quality", "data", "thing", "information", "step", "work", "use",
})
"""Generic words that are never a concept on their own, whatever a vocabulary or a note says."""

_MIN_FUZZY_PHRASE = 8
"""Multi-word labels shorter than this (in characters) are matched exactly only."""
_MIN_FUZZY_WORD = 10
"""Single-word labels shorter than this are matched exactly only ("ModelOps" is not "modelos")."""


class Match(Struct, frozen=True):
    start: int
    """Unicode code-point offset of the first character in the text."""
    end: int
    """Offset just past the last character (exclusive)."""
    concept: str
    """The concept's IRI."""
    exact: str
    """``text[start:end]``."""


@lru_cache(maxsize=1 << 16)
def _unknown(token: str) -> bool:
    """A word of four letters or more, not an acronym, that the English table does not know: maybe a typo."""
    return (len(token) >= 4 and token.isalpha() and not cased(token)
            and not known(token.casefold()))


class _Label(Struct, frozen=True):
    iri: str
    tier: int
    """0 for a vocabulary concept, 1 for a concept that comes from the notes."""
    size: int
    """Number of tokens."""
    words: tuple[str, ...]
    """The label's tokens as written (case kept)."""
    normals: tuple[str, ...]
    limit: int
    """The largest number of edits a fuzzy match may make; 0: exact only."""


def _limit(words: tuple[str, ...], normals: tuple[str, ...]) -> int:
    if all(map(cased, words)) or not all(map(str.isalnum, normals)):
        return 0
    size = len(" ".join(words))
    if size < (_MIN_FUZZY_WORD if len(words) == 1 else _MIN_FUZZY_PHRASE):
        return 0
    return 1 if size < 16 else 2


class MentionMatcher:
    """Finds the labels of the given concepts in text. Build it once; :meth:`find` is cheap."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        best: dict[str, tuple[tuple[int, int, str], tuple[str, ...], tuple[str, ...]]] = {}
        for concept in concepts:
            tier = 0 if concept.from_vocabulary else 1
            kinds = [(0, concept.pref_label)] + [(1, a) for a in concept.alt_labels] + [
                (2, h) for h in concept.hidden_labels]
            for kind, label in kinds:
                words = tuple(TOKEN.findall(label))
                normals = tuple(map(normal_form, words))
                key = " ".join(normals)
                if not normals or key in STOP_LABELS or len(key) < 2 or not any(map(str.isalnum, normals)):
                    continue
                rank = (tier, kind, concept.iri)
                if key not in best or rank < best[key][0]:
                    best[key] = (rank, words, normals)
        self._labels: dict[str, _Label] = {
            key: _Label(iri, tier, len(words), words, normals, _limit(words, normals))
            for key, ((tier, _kind, iri), words, normals) in best.items()}
        self._words = frozenset(n for entry in self._labels.values() for n in entry.normals)
        self._automaton: ahocorasick.Automaton | None = None
        if self._labels:
            automaton = ahocorasick.Automaton()
            for key, entry in self._labels.items():
                automaton.add_word(f" {key} ", (len(key), entry.tier, entry.size, entry.iri))
            automaton.make_automaton()
            self._automaton = automaton
        # Fuzzy candidates, looked up by the window's normal forms with the misspelt word replaced by
        # a wildcard that keeps its first letter: ("machine", "\x01l", "operation"). ``_slots`` lists,
        # for each first letter, the (label size, position of the word) pairs worth trying.
        self._fuzzy: dict[tuple[str, ...], list[tuple[_Label, int]]] = {}
        slots: dict[str, set[tuple[int, int]]] = {}
        for entry in sorted(self._labels.values(), key=lambda e: (e.tier, e.iri, e.words)):
            if entry.limit:
                for at, word in enumerate(entry.words):
                    if not cased(word):
                        letter = word[:1].casefold()
                        wild = (*entry.normals[:at], _WILD + letter, *entry.normals[at + 1:])
                        self._fuzzy.setdefault(wild, []).append((entry, at))
                        slots.setdefault(letter, set()).add((entry.size, at))
        self._slots = {letter: sorted(pairs, reverse=True) for letter, pairs in slots.items()}

    def find(self, text: str, code_spans: Sequence[tuple[int, int]] = ()) -> list[Match]:
        """The concept mentions in ``text``, sorted by start, none overlapping another."""
        return [Match(start, end, iri, text[start:end]) for start, end, iri in self.spans(text, code_spans)]

    def spans(self, text: str, code_spans: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
        """:meth:`find` as (start, end, concept IRI)."""
        if self._automaton is None:
            return []
        parts = TOKEN.split(text)
        tokens = parts[1::2]
        if not tokens:
            return []
        normals = list(map(normal_form, tokens))
        if "\\" in text:  # a word right after a backslash: a TeX command
            for i in range(1, len(tokens)):
                if tokens[i - 1] == "\\" and not parts[2 * i]:
                    normals[i] = BARRIER
        odd = set(compress(normals, map(_unknown, tokens))) - self._words - {BARRIER}
        # Where each token starts and ends: token i spans bounds[2 * i] to bounds[2 * i + 1].
        bounds: list[int] = []
        excluded = list(code_spans)
        if "://" in text or "ww." in text or "WW." in text:
            excluded.extend(m.span() for m in _URL.finditer(text))
        if excluded:
            bounds = list(accumulate(map(len, parts)))
            starts, ends = bounds[0:-1:2], bounds[1::2]
            for start, end in excluded:
                first, stop = bisect_right(ends, start), bisect_left(starts, end)
                normals[first:stop] = [BARRIER] * (stop - first)
        chosen = self._choose(self._hits(" " + " ".join(normals) + " "))
        if odd and self._fuzzy:
            taken = set(chain.from_iterable(range(first, end) for first, end, _ in chosen))
            chosen.extend(self._fuzzy_matches(tokens, normals, odd, taken))
            chosen.sort()
        if chosen and not bounds:
            bounds = list(accumulate(map(len, parts)))
        return [(bounds[2 * first], bounds[2 * end - 1], iri) for first, end, iri in chosen]

    def _hits(self, joined: str) -> list[tuple[int, int, int, str]]:
        """Every label occurrence in the space-joined normal forms: (tier, first token, -end token, IRI)."""
        assert self._automaton is not None
        hits = []
        count = joined.count
        at = spaces = 0  # the number of spaces before position ``at``
        for last, (length, tier, size, iri) in self._automaton.iter(joined):
            # The match is " label " and ends at ``last``; the tokens before it are the spaces before
            # its opening space. Matches come by end, so their starts are counted from the last one's.
            start = last - length - 1
            spaces += count(" ", at, start) if start >= at else -count(" ", start, at)
            at = start
            hits.append((tier, spaces, -spaces - size, iri))
        return hits

    @staticmethod
    def _choose(hits: list[tuple[int, int, int, str]]) -> list[tuple[int, int, str]]:
        """Leftmost-longest, non-overlapping; vocabulary labels first, then the notes' labels."""
        hits.sort()
        chosen: list[tuple[int, int, str]] = []
        reach = 0  # the end of the last vocabulary label chosen: the next one must start there or later
        for at, (tier, first, neg_end, iri) in enumerate(hits):
            if tier:
                return MentionMatcher._choose_between(chosen, hits[at:])
            if first >= reach:
                reach = -neg_end
                chosen.append((first, reach, iri))
        return chosen

    @staticmethod
    def _choose_between(
        chosen: list[tuple[int, int, str]], hits: list[tuple[int, int, int, str]]
    ) -> list[tuple[int, int, str]]:
        """The notes' labels that overlap no label chosen before them, added to ``chosen``."""
        taken = set(chain.from_iterable(range(first, end) for first, end, _ in chosen))
        for _tier, first, neg_end, iri in hits:
            span = range(first, -neg_end)
            if taken.isdisjoint(span):
                taken.update(span)
                chosen.append((first, -neg_end, iri))
        chosen.sort()
        return chosen

    def _fuzzy_matches(
        self, tokens: list[str], normals: list[str], odd: set[str], taken: set[int]
    ) -> list[tuple[int, int, str]]:
        """Windows of free words that are a label but for a typo in one word, a word nobody knows.

        The other words of the window must have the label's normal forms; the odd word must start
        with the same letter as the label's word and be at most ``limit`` edits (Damerau-Levenshtein)
        away from it. A known word is never taken for a typo.
        """
        found: list[tuple[int, int, int, int, str]] = []
        for i in compress(range(len(normals)), map(odd.__contains__, normals)):
            word = tokens[i]
            if i in taken or not _unknown(word):
                continue
            word = word.casefold()
            wild = _WILD + word[:1]
            # A window with words before (after) the odd one needs a label's word right before (after) it.
            before = i > 0 and normals[i - 1] in self._words
            after = i + 1 < len(normals) and normals[i + 1] in self._words
            for size, at in self._slots.get(word[:1], ()):
                if (at and not before) or (at < size - 1 and not after):
                    continue
                start = i - at
                if start < 0 or start + size > len(normals):
                    continue
                window = range(start, start + size)
                if not taken.isdisjoint(window):
                    continue
                for label, _ in self._fuzzy.get((*normals[start:i], wild, *normals[i + 1:start + size]), ()):
                    target = label.words[at].casefold()
                    if abs(len(target) - len(word)) > label.limit:
                        continue
                    cost = edits(word, target, label.limit)
                    if cost <= label.limit:
                        found.append((start, -size, cost, label.tier, label.iri))
        out: list[tuple[int, int, str]] = []
        for start, neg_size, _, _, iri in sorted(found):
            window = range(start, start - neg_size)
            if taken.isdisjoint(window):
                taken.update(window)
                out.append((start, start - neg_size, iri))
        return out


NoteMentions = list[list[tuple[int, int, str]]]
"""A note's concept mentions, per text (its quotes, its passages, then its title), as
(start, end, concept IRI)."""


def note_mentions(note: Note, matcher: MentionMatcher) -> NoteMentions:
    """The concept mentions in each of a note's texts: its quotes, its passages, then its title."""
    found = [matcher.spans(q.text, q.code_spans) for q in note.quotes]
    found += [matcher.spans(p.text, p.code_spans) for p in note.passages]
    found.append(matcher.spans(note.title))
    return found


__all__ = ["STOP_LABELS", "Match", "MentionMatcher", "NoteMentions", "note_mentions"]
