"""English word forms and their lemmas, shipped with the package as a table that loads in about 0.04 s.

``english-lemmas.zlib`` beside this module holds every English word form simplemma's dictionary knows
(``simplemma.is_known``), NFKC-normalised and case-folded, each with the lemma simplemma gives it,
folded the same way and without spaces: "stores" -> "store", "ran" -> "run", "feb" -> "february".
The file is zlib-compressed UTF-8: the forms sorted by code point and joined by newlines, a NUL, then
the lemmas in the same order, empty where the lemma is the form itself. It is read on first use (each
worker process reads its own) and looked up by bisection.

``scripts/english_lemmas.py`` writes the file from the installed simplemma (the version the ``dev``
extra pins); run it after upgrading simplemma. A test checks that the file still equals what the script
writes. The package itself never imports simplemma.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left
from collections.abc import Mapping
from functools import cache
from importlib.resources import files

TABLE = "english-lemmas.zlib"
"""The table's file name, beside this module."""


def encode(lemmas: Mapping[str, str]) -> bytes:
    """The file's content for a mapping of word form -> lemma (what :func:`decode` reads back)."""
    forms = sorted(lemmas)
    column = ["" if lemmas[form] == form else lemmas[form] for form in forms]
    if any("\n" in word or "\0" in word for word in (*forms, *column)) or "" in forms:
        raise ValueError("a word form or lemma is empty or holds a newline or a NUL")
    return zlib.compress(("\n".join(forms) + "\0" + "\n".join(column)).encode(), 9)


def decode(data: bytes) -> dict[str, str]:
    """The mapping of word form -> lemma a file's content holds."""
    forms, lemmas = _split(data)
    return {form: lemma or form for form, lemma in zip(forms, lemmas, strict=True)}


def _split(data: bytes) -> tuple[list[str], list[str]]:
    forms, lemmas = zlib.decompress(data).decode().split("\0")
    return forms.split("\n"), lemmas.split("\n")


@cache
def _table() -> tuple[list[str], list[str]]:
    """The shipped table: the sorted forms and their lemmas ("" where the same)."""
    return _split(files(__package__).joinpath(TABLE).read_bytes())


def _index(form: str) -> int:
    forms = _table()[0]
    at = bisect_left(forms, form)
    return at if at < len(forms) and forms[at] == form else -1


def known(form: str) -> bool:
    """Whether the table has this case-folded word form."""
    return _index(form) >= 0


def lemma(form: str) -> str:
    """The lemma of a case-folded word form; the form itself if the table does not know it."""
    at = _index(form)
    return (_table()[1][at] or form) if at >= 0 else form
