"""English word forms and their lemmas, shipped with the package as a table that is ready as soon as it is read.

``english-lemmas.bin`` beside this module holds every English word form simplemma's dictionary knows
(``simplemma.is_known``), NFKC-normalised and case-folded, each with the lemma simplemma gives it,
folded the same way and without spaces: "stores" -> "store", "ran" -> "run", "feb" -> "february".

A form is kept as a 64-bit hash of its UTF-8 bytes (BLAKE2b), so that reading the table makes no
Python string: looking a word up hashes it and bisects the sorted hashes. The file holds, little-endian:
the number of forms and of lemmas (two 32-bit integers); the sorted hashes (64-bit); per form, the
place of its lemma among the lemmas, or -1 where the lemma is the form itself (32-bit); where each
lemma ends in the text that follows (32-bit); then the lemmas' UTF-8 text, one after the other.

``scripts/english_lemmas.py`` writes the file from the installed simplemma (the version the ``dev``
extra pins); run it after upgrading simplemma. A test checks that the file still equals what the script
writes. The package itself never imports simplemma.
"""

from __future__ import annotations

import hashlib
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from functools import cache
from itertools import accumulate
from pathlib import Path

TABLE = "english-lemmas.bin"
"""The table's file name, beside this module."""
_COUNTS = struct.Struct("<II")


def _hash(form: str) -> int:
    return int.from_bytes(hashlib.blake2b(form.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _little(values: array[int]) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _read(typecode: str, data: memoryview, start: int, count: int) -> tuple[array[int], int]:
    """``count`` little-endian integers of ``data`` from ``start``, and where they end."""
    values = array(typecode)
    end = start + count * values.itemsize
    values.frombytes(data[start:end])
    if sys.byteorder == "big":
        values.byteswap()
    return values, end


def encode(lemmas: Mapping[str, str]) -> bytes:
    """The file's content for a mapping of word form -> lemma (what :class:`Table` reads)."""
    by_hash = {_hash(form): form for form in lemmas}
    if len(by_hash) < len(lemmas):
        raise ValueError("two word forms have the same hash")
    hashes = sorted(by_hash)
    words = sorted({lemma for form, lemma in lemmas.items() if lemma != form})
    at = {word: i for i, word in enumerate(words)}
    places = array("i", (-1 if lemmas[form] == form else at[lemmas[form]] for form in map(by_hash.__getitem__, hashes)))
    text = [word.encode() for word in words]
    ends = array("I", accumulate(map(len, text)))
    return _COUNTS.pack(len(hashes), len(words)) + b"".join(
        (_little(array("Q", hashes)), _little(places), _little(ends), *text))


class Table:
    """A table's content (:func:`encode`), looked up where it lies."""

    def __init__(self, data: bytes) -> None:
        view = memoryview(data)
        forms, words = _COUNTS.unpack_from(view)
        self._hashes, end = _read("Q", view, _COUNTS.size, forms)
        self._places, end = _read("i", view, end, forms)
        self._ends, end = _read("I", view, end, words)
        self._text = data[end:]
        self._found: dict[str, int] = {}

    def _index(self, form: str) -> int:
        """The place of ``form`` among the hashes, or -1 (remembered: a word is asked for its lemma and
        whether it is known)."""
        at = self._found.get(form)
        if at is None:
            key = _hash(form)
            at = bisect_left(self._hashes, key)
            at = self._found[form] = at if at < len(self._hashes) and self._hashes[at] == key else -1
        return at

    def known(self, form: str) -> bool:
        """Whether the table has this case-folded word form."""
        return self._index(form) >= 0

    def lemma(self, form: str) -> str:
        """The lemma of a case-folded word form; the form itself if the table does not know it."""
        at = self._index(form)
        place = self._places[at] if at >= 0 else -1
        if place < 0:
            return form
        start = self._ends[place - 1] if place else 0
        return self._text[start:self._ends[place]].decode()


@cache
def _table() -> Table:
    """The shipped table."""
    return Table(Path(__file__).with_name(TABLE).read_bytes())


def known(form: str) -> bool:
    """Whether the shipped table has this case-folded word form."""
    return _table().known(form)


def lemma(form: str) -> str:
    """The lemma of a case-folded word form in the shipped table; the form itself if it is not there."""
    return _table().lemma(form)
