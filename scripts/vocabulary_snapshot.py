"""Write mlops_graph/extract/vocabulary.json, the concepts of ontology/vocabulary.ttl ready to read.

Run it after editing ontology/vocabulary.ttl (tests/test_vocabulary_snapshot.py fails until then; meanwhile
builds parse the Turtle file, as the snapshot no longer matches it):

    .venv/bin/python scripts/vocabulary_snapshot.py [--output FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mlops_graph.extract.concepts import SNAPSHOT_FILE, VOCABULARY_FILE, load_vocabulary, snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=SNAPSHOT_FILE,
                        help="where to write the snapshot (default: the package's own)")
    target = parser.parse_args().output
    target.write_bytes(snapshot(load_vocabulary([VOCABULARY_FILE])))
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
