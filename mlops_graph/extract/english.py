"""English word forms and their lemmas, shipped with the package as a table that loads in about 0.02 s.

``english-lemmas.bin`` beside this module holds every English word form simplemma's dictionary knows
(``simplemma.is_known``), NFKC-normalised and case-folded, each with the lemma simplemma gives it,
folded the same way and without spaces: "stores" -> "store", "ran" -> "run", "feb" -> "february".
The file holds three parts separated by NULs: the forms, sorted by code point and joined by newlines
(UTF-8); the lemmas that are not forms themselves, joined the same way; then, per form, the place of
its lemma as a little-endian 32-bit integer: -1 where the lemma is the form itself, else its index in
the forms followed by the other lemmas. Only the forms become Python strings when it is read, on first
use (each worker process reads its own); they are looked up by bisection.

``scripts/english_lemmas.py`` writes the file from the installed simplemma (the version the ``dev``
extra pins); run it after upgrading simplemma. A test checks that the file still equals what the script
writes. The package itself never imports simplemma.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from functools import cache
from pathlib import Path

TABLE = "english-lemmas.bin"
"""The table's file name, beside this module."""


def encode(lemmas: Mapping[str, str]) -> bytes:
    """The file's content for a mapping of word form -> lemma (what :func:`decode` reads back)."""
    forms = sorted(lemmas)
    if any("\n" in word or "\0" in word for word in (*forms, *lemmas.values())) or "" in forms:
        raise ValueError("a word form or lemma is empty or holds a newline or a NUL")
    at = {form: i for i, form in enumerate(forms)}
    others = sorted({lemma for lemma in lemmas.values() if lemma not in at})
    at.update((lemma, len(forms) + i) for i, lemma in enumerate(others))
    places = array("i", [-1 if lemmas[form] == form else at[lemmas[form]] for form in forms])
    if sys.byteorder == "big":
        places.byteswap()
    return "\n".join(forms).encode() + b"\0" + "\n".join(others).encode() + b"\0" + places.tobytes()


def decode(data: bytes) -> dict[str, str]:
    """The mapping of word form -> lemma a file's content holds."""
    forms, words, places = _split(data)
    return {form: form if place < 0 else words[place] for form, place in zip(forms, places, strict=True)}


def _split(data: bytes) -> tuple[list[str], list[str], array[int]]:
    """The sorted forms, every word (the forms, then the other lemmas) and each form's lemma's place."""
    forms, others, raw = data.split(b"\0", 2)
    places = array("i")
    places.frombytes(raw)
    if sys.byteorder == "big":
        places.byteswap()
    sorted_forms = forms.decode().split("\n")
    words = sorted_forms + others.decode().split("\n") if others else sorted_forms
    return sorted_forms, words, places


@cache
def _table() -> tuple[list[str], list[str], array[int]]:
    """The shipped table (:func:`_split`)."""
    return _split(Path(__file__).with_name(TABLE).read_bytes())


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
    if at < 0:
        return form
    _forms, words, places = _table()
    place = places[at]
    return form if place < 0 else words[place]
