"""Write mlops_graph/extract/english-lemmas.bin from the installed simplemma's English dictionary.

Run it after upgrading simplemma (the ``dev`` extra pins the version the shipped table was made from;
tests/test_english.py fails until the table is rewritten):

    .venv/bin/python scripts/english_lemmas.py [--output FILE]

The table holds what the label normaliser asks of simplemma, in its own terms: each dictionary key,
NFKC-normalised and case-folded, that ``simplemma.is_known`` knows (the lookup also tries the
capitalised form, so "feb" is known as the key "Feb"), with ``simplemma.lemmatize``'s lemma of it,
case-folded and without spaces.
"""

from __future__ import annotations

import argparse
import os
import unicodedata
from pathlib import Path

import simplemma
from simplemma.strategies.dictionaries import DEFAULT_DICTIONARY_FACTORY

from mlops_graph.extract import english


def lemmas() -> dict[str, str]:
    """Case-folded English word form -> its case-folded lemma, for every form simplemma knows."""
    out: dict[str, str] = {}
    for key in DEFAULT_DICTIONARY_FACTORY.get_dictionary("en"):
        form = unicodedata.normalize("NFKC", key).casefold()
        if form not in out and simplemma.is_known(form, lang="en"):
            out[form] = simplemma.lemmatize(form, lang="en").casefold().replace(" ", "")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=Path(english.__file__).with_name(english.TABLE),
                        help="where to write the table (default: the package's own)")
    target = parser.parse_args().output
    # Written beside, then renamed over: a running build that has the table mapped keeps the old one.
    written = target.with_name(target.name + ".new")
    written.write_bytes(english.encode(lemmas()))
    os.replace(written, target)
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
