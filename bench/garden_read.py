#!/usr/bin/env python3
"""How a garden's notes were read: markup that leaked into the graph, headings made concepts, shapes.

    .venv/bin/python bench/garden_read.py NOTES [-o OUT] [--exporter CMD] [--examples N]

Builds the notes folder NOTES (with ``CMD build NOTES -o OUT``; CMD is this checkout's
``mlops-graph`` unless given, so an older install can be measured the same way), then prints, for
every literal that is a title, a label, a tag, an alias or a text (a definition's or a passage's
``prov:value``; URLs and front-matter metadata are left out):

- ``hex colours``: ``#ffff00``-like colours in text, or a tag that is one (``ffff00``, ``fa0``;
  three digits without a letter, ``#101``, are a number);
- ``image file names``: ``….png`` and the like, and Obsidian's ``Pasted image …``;
- ``callout markers``: ``[!note]`` and the like;
- ``HTML tags``: ``<font …>``, ``<br>``, ``</details>`` and the other tags of HTML;
- ``empty values``: literals that are empty or only spaces;

then ``section headings as concepts``: concepts made from the notes (not in a vocabulary) whose
label is a heading below a note's first line (``## Resources``) and neither a note's title, nor an
alias, nor a tag; and last ``shapes``: what ``CMD validate OUT`` says. It prints figures and
examples; it never fails on one.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
MG = "https://w3id.org/mlops-graph/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TEXT_PREDICATES = {
    "http://purl.org/dc/terms/title", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel",
    "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/ns/prov#value", MG + "tag", MG + "alias",
}
HTML_NAMES = (
    "a", "abbr", "b", "big", "blockquote", "br", "center", "code", "del", "details", "div", "em", "font", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s",
    "small", "span", "strike", "strong", "style", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "tt", "u", "ul", "video", "audio", "source", "script", "figure", "figcaption", "caption"
)
CHECKS = {
    "hex colours": re.compile(r"(?<![\w&])#(?:[0-9a-fA-F]{6}|(?=[0-9]*[a-fA-F])[0-9a-fA-F]{3})\b"),
    "image file names": re.compile(r"[^\s/\\]\.(?:png|jpe?g|gif|svg|webp|bmp|tiff?|excalidraw)\b|Pasted image",
                                   re.IGNORECASE),
    "callout markers": re.compile(r"\[![A-Za-z][\w-]*\]"),
    "HTML tags": re.compile(rf"</?(?:{'|'.join(HTML_NAMES)})(?:\s[^<>]*)?/?>", re.IGNORECASE),
    "empty values": re.compile(r"^\s*$"),
}
_HEX_TAG = re.compile(r"[0-9a-fA-F]{6}|(?=[0-9]*[a-fA-F])[0-9a-fA-F]{3}")
"""A tag that is a hex colour (``#ffff00`` read as a tag)."""
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _key(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def section_headings(notes: Path) -> set[str]:
    """The headings of every note below its first line that is not blank or front matter, in a key form."""
    found: set[str] = set()
    for path in sorted(notes.rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(notes).parts):
            continue
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if lines and lines[0].strip() == "---":
            end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), 0)
            lines = lines[end + 1:]
        fence = None
        first = True
        for line in lines:
            opened = _FENCE.match(line)
            if opened and (fence is None or opened.group(1)[0] == fence):
                fence = None if fence else opened.group(1)[0]
                continue
            if fence or not line.strip():
                continue
            match = _HEADING.match(line)
            if match and not first:
                found.add(_key(match.group(2)))
            first = False
    return found


def _strings(store: ox.Store, predicate: str) -> list[str]:
    return [q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(predicate), None)
            if isinstance(q.object, ox.Literal)]


def measure(notes: Path, out: Path, exporter: list[str], examples: int) -> None:
    built = subprocess.run([*exporter, "build", str(notes), "-o", str(out)], capture_output=True, text=True)
    summary = (built.stdout.strip().splitlines() or ["(no summary)"])[-1]
    print(f"build: {summary}")
    problems = [line for line in built.stderr.splitlines() if line.strip()]
    print(f"messages: {len(problems)}")
    store = ox.Store()
    store.load(path=str(out / "graph.trig"), format=ox.RdfFormat.TRIG)
    counts: Counter[str] = Counter()
    shown: dict[str, list[str]] = {}
    for quad in store:
        if quad.predicate.value not in TEXT_PREDICATES or not isinstance(quad.object, ox.Literal):
            continue
        text = quad.object.value
        for name, pattern in CHECKS.items():
            if pattern.search(text) or (name == "hex colours" and quad.predicate.value == MG + "tag"
                                        and _HEX_TAG.fullmatch(text)):
                counts[name] += 1
                seen = shown.setdefault(name, [])
                if len(seen) < examples:
                    seen.append(f"{quad.predicate.value.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}: {text[:90]!r}")
    for name in CHECKS:
        print(f"{name}: {counts[name]}")
        for line in shown.get(name, []):
            print(f"    {line}")
    named = {_key(t) for p in ("http://purl.org/dc/terms/title", MG + "alias") for t in _strings(store, p)}
    named |= {_key(t.replace("-", " ").replace("_", " ")) for t in _strings(store, MG + "tag")}
    headings = section_headings(notes) - named
    from_notes = []
    for quad in store.quads_for_pattern(None, ox.NamedNode(SKOS + "prefLabel"), None):
        if isinstance(quad.subject, ox.NamedNode) and "/concept/" in quad.subject.value:
            from_notes.append(quad.object.value)
    as_heading = sorted({label for label in from_notes if _key(label) in headings})
    print(f"concepts from the notes: {len(set(from_notes))}")
    print(f"section headings as concepts: {len(as_heading)}")
    for label in as_heading[:examples]:
        print(f"    {label!r}")
    checked = subprocess.run([*exporter, "validate", str(out)], capture_output=True, text=True)
    lines = (checked.stdout + checked.stderr).strip().splitlines()
    violations = sum(1 for line in lines if ": Violation:" in line or ": Warning:" in line)
    print(f"shapes: {'conforms' if checked.returncode == 0 else 'does not conform'} ({violations} violations)")
    for line in [line for line in lines if ": Violation:" in line][:examples]:
        print(f"    {line[:160]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notes", type=Path)
    parser.add_argument("-o", "--output", type=Path, help="output folder (default: a temporary one)")
    parser.add_argument("--exporter", default=None, help="the command to build with (default: this checkout's)")
    parser.add_argument("--examples", type=int, default=5, help="examples shown per count (default 5)")
    args = parser.parse_args(argv)
    exporter = args.exporter.split() if args.exporter else [sys.executable, "-m", "mlops_graph"]
    if args.output is not None:
        measure(args.notes, args.output, exporter, args.examples)
        return 0
    folder = Path(tempfile.mkdtemp(prefix="garden-read-"))
    try:
        measure(args.notes, folder / "out", exporter, args.examples)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
