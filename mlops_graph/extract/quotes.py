"""What a quoted passage is: a definition, a quotation, or an aside.

The rules, in order (the README says the same):

1. A callout of an aside type (``tip``, ``warning``, ``todo``, ``summary``…, :data:`ASIDE_CALLOUTS`)
   is an aside.
2. A passage that only points somewhere (links, wiki links, "Read more: [X](url)") is an aside,
   unless it is one link whose text is a sentence (``> [Any model gives the same result](url)``):
   that is a quotation of the linked page.
3. A passage that is not attributed at the quote and reads as the author's own aside (it starts with
   an icon or a label such as "Summary", "Key insight:", "Note:"; it is a calculation; it speaks of
   "this note" or of "this paper" without being the paper's "we") is an aside.
4. A definition: attributed (or a ``quote``/``cite`` callout) under a "What is X" heading, or of
   definitional form for the term ("X is …", "X refers to …", "X means …", "X stands for …",
   "X can be defined as …", "the term X …", "we call … X").
5. Attributed at the quote, or a ``quote``/``cite`` callout: a quotation.
6. Not attributed, in a note that names one work it is about (see ``notes``): a quotation of that
   work, marked as inferred, when written in the script of the work's name (a commentary in another
   script is the author's own).
7. Anything else is an aside.
"""

from __future__ import annotations

import re
import unicodedata

ASIDE_CALLOUTS = frozenset({
    "tip", "hint", "important", "warning", "caution", "attention", "danger", "error", "bug", "todo", "summary",
    "tldr", "abstract", "success", "check", "done", "question", "help", "faq", "failure", "fail", "missing",
    "example", "info", "seealso", "see-also", "related",
})
"""Callout types that are asides whatever they hold (``note`` is judged by its text)."""
QUOTE_CALLOUTS = frozenset({"quote", "cite", "quotation"})

_LABEL = re.compile(r"^(?P<label>[^\W\d][^:：\n]{0,40}?)\s*[:：]\s*")
_LABEL_WORDS = re.compile(
    r"^(?:summary|tl;?dr|note|notes|tip|tips|hint|warning|caution|important|todo|update|updated|edit|remark|"
    r"key\s+\w+|reference|references|see\s+also|read\s+more|read|related|caption|example|info|p\.s\.?)\b", re.I)
_QUOTING_LABEL = re.compile(
    r"^(?:(?:from|in|quoting|quoted\s+from)\b.*\b(?:paper|abstract|book|article|author)s?|abstract|quote|quoted)$",
    re.I)
_ICONS = frozenset("ℹ")
_SELF = re.compile(r"\b(?:this|my)\s+(?:personal\s+)?note\b", re.I)
_THIS_WORK = re.compile(r"\bth(?:is|e)\s+(?:research\s+)?(?:paper|article|book|post|study)\b", re.I)
_WE = re.compile(r"\b(?:we|our|us)\b", re.I)
_CALCULATION = re.compile(r"\d[\d,.]*\s*(?:[=×*/+]|\bx\b)\s*[(\d]|=\s*[\d(]")


def _first_char_is_icon(text: str) -> bool:
    stripped = text.lstrip(" *_\"'“")
    return bool(stripped) and (stripped[0] in _ICONS or unicodedata.category(stripped[0]) in ("So", "Sk", "Sm", "No"))


def looks_like_aside(text: str) -> bool:
    """Rule 3: the author's own aside, by its form."""
    text = text.strip()
    if not text or _first_char_is_icon(text):
        return True
    first_line = text.split("\n", 1)[0].strip()
    if _LABEL_WORDS.match(first_line) and len(first_line.split()) <= 4 and not _QUOTING_LABEL.match(first_line):
        return True
    label = _LABEL.match(text)
    if label is not None and len(label.group("label").split()) <= 4 and not _QUOTING_LABEL.match(
            label.group("label").strip()):
        return True
    if _SELF.search(text):
        return True
    if _THIS_WORK.search(text) and not _WE.search(text):
        return True
    return len(text) < 200 and bool(_CALCULATION.search(text))


def is_sentence(text: str) -> bool:
    """A link's text that is a statement rather than a title: five words or more, not a question."""
    words = text.split()
    return len(words) >= 5 and not text.rstrip().endswith("?")


def _term_pattern(term: str) -> str:
    words = [re.escape(w) for w in term.split()]
    return r"(?:the\s+term\s+)?(?:an?\s+|the\s+)?[\"'“]?" + r"[\s-]+".join(words) + r"(?:s|es)?[\"'”]?"


def is_definitional(text: str, terms: list[str]) -> bool:
    """Rule 4's form: the text says what one of ``terms`` is."""
    head = " ".join(text.split())[:400]
    folded = head.casefold()  # a term whose first word the text lacks needs no pattern
    for term in terms:
        if len(term) < 2 or not term.split() or term.split()[0].casefold() not in folded:
            continue
        t = _term_pattern(term)
        verbs = (r"(?:is|are|was|refers?\s+to|means?|stands?\s+for|can\s+be\s+defined\s+as|(?:is\s+)?defined\s+as|"
                 r"describes?|denotes?)")
        if re.match(rf"^{t}(?:\s*\([^)]{{1,60}}\))?\s*,?\s+{verbs}\b", head, re.I):
            return True
        if re.search(rf"\bwe\s+call\b[^.]{{0,80}}\b{t}\b", head, re.I):
            return True
    return False


def same_script(text: str, name: str) -> bool:
    """Whether ``text`` is mostly written in the script of ``name`` (Latin or not)."""
    def latin_share(value: str) -> float:
        letters = [c for c in value if c.isalpha()]
        if not letters:
            return 1.0
        return sum(1 for c in letters if "LATIN" in unicodedata.name(c, "")) / len(letters)

    # Words of a Latin script are longer than Thai or Chinese ones: text with a sixth of its letters
    # in another script is written in that script, with English terms in it.
    return (latin_share(text) >= 0.85) == (latin_share(name) >= 0.85)
