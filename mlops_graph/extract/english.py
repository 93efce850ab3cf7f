"""English word forms and their lemmas, shipped with the package as a table that is ready as soon as it is opened.

``english-lemmas.bin`` beside this module holds every English word form simplemma's dictionary knows
(``simplemma.is_known``), NFKC-normalised and case-folded, each with the lemma simplemma gives it,
folded the same way and without spaces: "stores" -> "store", "ran" -> "run", "feb" -> "february".

A form is kept as a 64-bit key made from its UTF-8 bytes (their CRC-32, then their Adler-32; no two
forms of the table share one), so that opening the table makes no Python string and reads nothing
ahead: the file is mapped into memory, and looking a word up makes its key and bisects the sorted keys
of its bucket (the keys with the same top bits). The file holds, little-endian: the number of forms, of
lemmas and of bucket bits, and a zero (four 32-bit integers); the sorted keys (64-bit); where each
bucket starts among the keys, and where the last one ends (32-bit); per form, the place of its lemma
among the lemmas, or -1 where the lemma is the form itself (32-bit); where each lemma ends in the text
that follows (32-bit); then the lemmas' UTF-8 text, one after the other.

``scripts/english_lemmas.py`` writes the file from the installed simplemma (the version the ``dev``
extra pins); run it after upgrading simplemma. A test checks that the file still equals what the script
writes. The package itself never imports simplemma.
"""

from __future__ import annotations

import mmap
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Literal

TABLE = "english-lemmas.bin"
"""The table's file name, beside this module."""
_HEADER = struct.Struct("<IIII")
_BUCKET_BITS = 12


def _key(form: str) -> int:
    data = form.encode("utf-8", "surrogatepass")
    return zlib.crc32(data) << 32 | zlib.adler32(data)


def _little(values: array[int]) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def encode(lemmas: Mapping[str, str]) -> bytes:
    """The file's content for a mapping of word form -> lemma (what :class:`Table` reads)."""
    by_key = {_key(form): form for form in lemmas}
    if len(by_key) < len(lemmas):
        raise ValueError("two word forms have the same key")
    keys = sorted(by_key)
    shift = 64 - _BUCKET_BITS
    buckets = array("I", (bisect_left(keys, bucket << shift) for bucket in range(1 << _BUCKET_BITS)))
    buckets.append(len(keys))
    words = sorted({lemma for form, lemma in lemmas.items() if lemma != form})
    at = {word: i for i, word in enumerate(words)}
    places = array("i", (-1 if lemmas[form] == form else at[lemmas[form]] for form in map(by_key.__getitem__, keys)))
    text = [word.encode() for word in words]
    ends = array("I", accumulate(map(len, text)))
    return _HEADER.pack(len(keys), len(words), _BUCKET_BITS, 0) + b"".join(
        (_little(array("Q", keys)), _little(buckets), _little(places), _little(ends), *text))


def _view(data: memoryview, typecode: Literal["Q", "I", "i"], start: int, count: int) -> tuple[Sequence[int], int]:
    """``count`` little-endian integers of ``data`` from ``start`` (in place where the machine is
    little-endian), and where they end."""
    size = array(typecode).itemsize
    end = start + count * size
    if sys.byteorder == "little":
        return data[start:end].cast(typecode), end
    values = array(typecode, data[start:end].tobytes())
    values.byteswap()
    return values, end


class Table:
    """A table's content (:func:`encode`), looked up where it lies (``bytes`` or a memory map)."""

    def __init__(self, data: bytes | mmap.mmap) -> None:
        view = memoryview(data)
        forms, words, bits, _zero = _HEADER.unpack_from(view)
        self._keys, end = _view(view, "Q", _HEADER.size, forms)
        self._buckets, end = _view(view, "I", end, (1 << bits) + 1)
        self._places, end = _view(view, "i", end, forms)
        self._ends, end = _view(view, "I", end, words)
        self._text = view[end:]
        self._shift = 64 - bits
        self._found: dict[str, int] = {}

    def _index(self, form: str) -> int:
        """The place of ``form`` among the keys, or -1 (remembered: a word is asked for its lemma and
        whether it is known)."""
        at = self._found.get(form)
        if at is None:
            key = _key(form)
            bucket = key >> self._shift
            at = bisect_left(self._keys, key, self._buckets[bucket], self._buckets[bucket + 1])
            at = self._found[form] = at if at < len(self._keys) and self._keys[at] == key else -1
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
        return str(self._text[start:self._ends[place]], "utf-8")


@cache
def _table() -> Table:
    """The shipped table, mapped into memory (read-only) for the rest of the process."""
    with Path(__file__).with_name(TABLE).open("rb") as file:
        return Table(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ))


def known(form: str) -> bool:
    """Whether the shipped table has this case-folded word form."""
    return _table().known(form)


def lemma(form: str) -> str:
    """The lemma of a case-folded word form in the shipped table; the form itself if it is not there."""
    return _table().lemma(form)
