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
#: Terms that stand for the note's own subject: "What is it?" defines the note's title.
_PRONOUNS = frozenset({
    "it", "this", "that", "they", "these", "those", "them", "es", "esto", "das", "es das", "ça", "cela",
})
#: Headings that introduce the note's own subject, as "What is it?" does.
_ABOUT_HEADINGS = frozenset({
    "definition", "definitions", "overview", "introduction", "intro", "what", "what is", "tl;dr", "tldr",
    "definición", "definition und überblick", "définition",
})

_STANDS_FOR = re.compile(r"\bstands?\s+for\s+")
_SHORT_BEFORE = re.compile(r"(?P<short>\b[A-Za-z][A-Za-z0-9./&-]{0,15})\s+$")
_LONG_AFTER = re.compile(
    r"(?P<long>[A-Za-z][\w'’-]*(?:\s+[A-Za-z][\w'’-]*){0,7}?)(?=\s*(?:[.,;:)!?]|$|\s+(?:and|or|is|which|that)\b))"
)
# Acronyms in parentheses are found first; the words around them are then checked in Python, so
# no pattern has to guess where a long form starts.
_PAREN_SHORT = re.compile(r"\((?P<short>[A-Z][A-Za-z0-9]{1,10})\)")
_SHORT_PAREN = re.compile(r"\b(?P<short>[A-Z][A-Z0-9]{1,9}s?)\s+\((?P<long>[A-Za-z][\w -]{2,80}?)\)")
_WORD_BEFORE = re.compile(r"[A-Za-z][\w-]*")


def term_from_heading(text: str) -> tuple[str, bool]:
    """The term a heading is about, and whether the heading asks what it is.

    "What is an ML Pipeline?" gives ("ML Pipeline", True); "Related work" gives ("Related work", False);
    "What is it?", "Definition" and "Overview" give ("", True): the note's own term.
    """
    cleaned = " ".join(text.split()).strip(_TRAILING)
    if cleaned.casefold() in _ABOUT_HEADINGS:
        return "", True
    for pattern in _QUESTION:
        match = pattern.match(cleaned)
        if match:
            term = match.group("term").strip(_TRAILING)
            if term.casefold() in _PRONOUNS:
                return "", True
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
    # The words are looked for first: a pattern that starts with \b is tried at every character.
    for match in _STANDS_FOR.finditer(text) if "stand" in text else ():
        before = _SHORT_BEFORE.search(text, max(0, match.start() - 20), match.start())
        after = _LONG_AFTER.match(text, match.end())
        if before and after:
            short, long = before.group("short"), after.group("long").strip()
            if short.lower() != long.lower():
                pairs.append((short, long))
    if "(" not in text:
        return pairs
    for match in _PAREN_SHORT.finditer(text):
        short = match.group("short")
        caps = _capitals(short)
        if len(caps) < 2:
            continue
        preceding = text[max(0, match.start() - 200) : match.start()]
        if preceding and not preceding[-1].isspace():
            continue
        words = _WORD_BEFORE.findall(preceding)[-len(caps):]
        if len(words) == len(caps) and _initials(words) == caps:
            pairs.append((short, " ".join(words)))
    for match in _SHORT_PAREN.finditer(text):
        short = match.group("short")
        caps = _capitals(short.rstrip("s"))
        words = match.group("long").split()
        if len(caps) >= 2 and _initials(words) == caps:
            pairs.append((short, " ".join(words)))
    return pairs
