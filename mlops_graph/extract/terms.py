"""Defined terms from headings, and the alternative labels a text states for a term."""

from __future__ import annotations

import re

_QUESTION = [
    re.compile(r"^(?:what|who)\s+(?:is|are)\s+(?:(?:a|an|the)\s+)?(?P<term>.+)$", re.I),
    re.compile(r"^¿?\s*qu[ée]\s+(?:es|son)\s+(?:(?:el|la|los|las|un|una)\s+)?(?P<term>.+)$", re.I),
    re.compile(r"^was\s+(?:ist|sind)\s+(?:(?:ein|eine|der|die|das)\s+)?(?P<term>.+)$", re.I),
    re.compile(r"^qu['’]est[- ]ce\s+qu['’]?(?:e\s+)?(?:(?:un|une|le|la|les)\s+|l['’])?(?P<term>.+)$", re.I),
]
_TRAILING = " \t?!.:;¿¡"

_STANDS_FOR = re.compile(
    r"(?P<short>\b[A-Za-z][A-Za-z0-9./&-]{0,15})\s+(?:stands|stand)\s+for\s+"
    r"(?P<long>[A-Za-z][\w'’-]*(?:\s+[A-Za-z][\w'’-]*){0,7}?)(?=\s*(?:[.,;:)!?]|$|\s+(?:and|or|is|which|that)\b))"
)
_WORDS = r"[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)"
_LONG_THEN_SHORT = re.compile(rf"(?P<long>{_WORDS}{{0,7}})\s+\((?P<short>[A-Z][A-Za-z0-9]{{1,10}})\)")
_SHORT_THEN_LONG = re.compile(rf"\b(?P<short>[A-Z][A-Z0-9]{{1,9}}s?)\s+\((?P<long>{_WORDS}{{1,7}})\)")


def term_from_heading(text: str) -> tuple[str, bool]:
    """The term a heading is about, and whether the heading asks what it is.

    "What is an ML Pipeline?" gives ("ML Pipeline", True); "Related work" gives ("Related work", False).
    """
    cleaned = " ".join(text.split()).strip(_TRAILING)
    for pattern in _QUESTION:
        match = pattern.match(cleaned)
        if match:
            term = match.group("term").strip(_TRAILING)
            if term:
                return term, True
    return cleaned, False


def _capitals(short: str) -> str:
    letters = [c for c in short if c.isupper() or c.isdigit()]
    return "".join(letters).lower()


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words).lower()


def alias_pairs(text: str) -> list[tuple[str, str]]:
    """(short, long) pairs stated in ``text``: "X stands for Y", "Y (X)" and "X (Y)" with X an acronym."""
    pairs: list[tuple[str, str]] = []
    for match in _STANDS_FOR.finditer(text):
        short, long = match.group("short"), match.group("long").strip()
        if short.lower() != long.lower():
            pairs.append((short, long))
    for match in _LONG_THEN_SHORT.finditer(text):
        short = match.group("short")
        caps = _capitals(short)
        words = match.group("long").split()
        if len(caps) >= 2 and len(words) >= len(caps) and _initials(words[-len(caps):]) == caps:
            pairs.append((short, " ".join(words[-len(caps):])))
    for match in _SHORT_THEN_LONG.finditer(text):
        short = match.group("short")
        caps = _capitals(short.rstrip("s"))
        words = match.group("long").split()
        if len(caps) >= 2 and _initials(words) == caps:
            pairs.append((short, " ".join(words)))
    return pairs
