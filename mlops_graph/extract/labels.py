"""Labels in one normal form, for the concept index and the mention matcher alike.

A label or a text is cut into tokens (runs of Latin letters and digits, or any other single
non-space character); hyphens, slashes and underscores between words are dropped, so "CI/CD" and
"CI CD" are one. Each token is put in a normal form: NFKC, case-folded and lemmatised, so "Feature
Stores", "feature-store" and "feature store" read alike, and "ran" is "run"; short acronyms ("ML",
"CI", "IT", "APIs") keep their case, so that the matcher finds them only as written.

Lemmas come from a table of the English word forms simplemma's dictionary knows (:mod:`.english`).
A word the table does not know is compared as written (case-folded): unlike simplemma itself, no
suffix rules guess its lemma, so a rare form such as "featurizations" stays apart from
"featurization".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from mlops_graph.extract.english import lemma

_LATIN = "0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0300-\u036f\u1e00-\u1eff"
_FOLD = "-/_\u2010\u2011"
"""Separators dropped between words: "feature-store", "CI/CD", "feature_store"."""
TOKEN = re.compile(rf"([{_LATIN}]+|[^\s{_LATIN}{re.escape(_FOLD)}])")
"""A run of Latin letters and digits, or any other single non-space character (CJK, punctuation)
but the separators, which fall between tokens like spaces. Its one group is the whole token, so
``TOKEN.split`` keeps the tokens: [gap, token, gap, token, …, gap]."""
_PLURAL_ACRONYM = re.compile(r"([A-Z][A-Z0-9]+)s")
BARRIER = "\x00"
"""The normal form of a token inside a URL or a code span: no label contains it."""
_KEEP = frozenset({"staging", "meaning", "meanings", "logging", "embedding"})
"""Words left as they are: their lemma names something else (a "stage" is not a staging environment,
"meaning" is not "mean", a "log" in "log loss" is not logging), or is not the lemma of their plural
("embeddings" is "embedding")."""

def cased(token: str) -> bool:
    """A short token whose case carries meaning: "IT", "ML", "IaC", "A" (but not "It" or "Data")."""
    if len(token) > 4 or not any(c.isupper() for c in token):
        return False
    return len(token) == 1 or not (token[0].isupper() and token[1:] == token[1:].lower())


@lru_cache(maxsize=1 << 17)
def normal_form(token: str) -> str:
    """The normal form of one token: an acronym as written (without a plural "s"), else a lemma."""
    if token == "&":
        return "and"
    if not token.islower():  # maybe an acronym
        plural = _PLURAL_ACRONYM.fullmatch(token)
        base = plural.group(1) if plural else token
        if cased(base):
            return base
    folded = unicodedata.normalize("NFKC", token).casefold().replace(" ", "")
    if len(folded) >= 3 and folded.isalpha() and folded not in _KEEP:
        return lemma(folded)
    return folded or BARRIER


def normalize_label(label: str) -> str:
    """The comparison key of a label in the concept index: its tokens' normal forms, case-folded."""
    return " ".join(map(normal_form, TOKEN.findall(label))).casefold()


def edits(first: str, second: str, limit: int) -> int:
    """The Damerau-Levenshtein distance of two words or labels, or ``limit + 1`` if it is more."""
    from rapidfuzz.distance import DamerauLevenshtein  # here: most builds never compare by edits

    distance: int = DamerauLevenshtein.distance(first, second, score_cutoff=limit)
    return distance
