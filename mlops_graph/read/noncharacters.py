"""The Unicode noncharacters U+FFFE and U+FFFF, which Turtle readers such as Raptor reject.

They are not meant for interchange, so note text never carries them into the graph: wherever they
come from (the file itself, a YAML escape, a Markdown character reference), they become U+FFFD and
the note gets a warning.
"""

from __future__ import annotations

REPLACEMENT = "\ufffd"
_TABLE = str.maketrans({"\ufffe": REPLACEMENT, "\uffff": REPLACEMENT})
MESSAGE = "holds the Unicode noncharacter U+FFFE or U+FFFF, which RDF tools reject; replaced with U+FFFD"


def has_noncharacter(text: str) -> bool:
    return "\ufffe" in text or "\uffff" in text


def replace_noncharacters(text: str) -> str:
    return text.translate(_TABLE) if has_noncharacter(text) else text


def lines_with_noncharacters(text: str, first_line: int = 1) -> list[int]:
    """The lines of ``text`` (numbered from ``first_line``) that hold a noncharacter."""
    return [first_line + i for i, line in enumerate(text.split("\n")) if has_noncharacter(line)]
