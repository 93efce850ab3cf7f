"""Every file in tests/fixtures/bad gets a clear message naming it; everything else is exported."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlops_graph.cli import main
from mlops_graph.config import Settings
from mlops_graph.extract.notes import read_note
from mlops_graph.pipeline import BuildResult, build
from tests.conftest import BAD, CORPUS

EXPECTED = {
    # file: (line or None, words the message must contain)
    "broken-yaml.md": (2, "front matter is not valid YAML"),
    "front-matter-is-a-list.md": (1, "front matter is a list"),
    "hostile-strings.md": (10, "not an http(s) URL"),
    "image-named-like-a-note.md": (None, "binary file"),
    "latin1.md": (6, "not valid UTF-8"),
    "wrong-types.md": (4, "date '31-02-2022' is not a real date"),
    "yaml-alias-bomb.md": (3, "holds a mapping"),
}


def test_each_bad_file_is_reported_with_file_and_line(mixed_build: BuildResult) -> None:
    by_file: dict[str, list[str]] = {}
    for problem in mixed_build.problems:
        by_file.setdefault(problem.path, []).append(str(problem))
    for name, (line, words) in EXPECTED.items():
        where = f"{name}:{line}: " if line else f"{name}: "
        assert any(m.startswith(where) and words in m for m in by_file.get(name, [])), (name, by_file.get(name))
    assert set(by_file) == set(EXPECTED)


def test_everything_readable_is_exported(mixed_build: BuildResult) -> None:
    exported = {n.path for n in mixed_build.notes}
    corpus = {p.name for p in CORPUS.glob("*.md")}
    assert corpus <= exported
    readable_bad = {"broken-yaml.md", "duplicate-title-a.md", "front-matter-is-a-list.md", "hostile-strings.md",
                    "latin1.md", "wrong-types.md", "yaml-alias-bomb.md",
                    "empty.md", "whitespace-only.md"}  # empty notes are notes (Obsidian folder notes)
    assert exported == corpus | readable_bad
    summary = mixed_build.summary
    assert summary.files == len(list(CORPUS.glob("*.md"))) + len(list(BAD.glob("*.md")))
    assert summary.notes + summary.skipped == summary.files


def test_broken_yaml_quote_is_recovered(mixed_build: BuildResult) -> None:
    note = next(n for n in mixed_build.notes if n.path == "broken-yaml.md")
    assert note.title == "broken-yaml"  # no title key is read: the file name, as Obsidian shows it
    assert [(q.source.name if q.source else None, q.text[:20]) for q in note.quotes] == [
        ("Somewhere", "This quote should st")
    ]


def test_duplicate_titles_are_two_notes(mixed_build: BuildResult) -> None:
    same = [m for m in mixed_build.mappings if m.note.title == "What is Machine Learning Operations"]
    assert len(same) == 2
    assert len({m.iri for m in same}) == 2


def test_wrong_types_keep_what_is_readable(mixed_build: BuildResult) -> None:
    note = next(n for n in mixed_build.notes if n.path == "wrong-types.md")
    assert note.title == "12345" and note.date is None and note.notetype is None and note.tags == ("7",)


def test_latin1_text_is_kept(mixed_build: BuildResult) -> None:
    note = next(n for n in mixed_build.notes if n.path == "latin1.md")
    assert any("Café crème, naïve résumé" in p.text for p in note.passages)


def test_cli_exit_status(mixed_notes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["build", str(mixed_notes), "-o", str(out), "--no-html"]) == 0
    err = capsys.readouterr().err
    assert "wrong-types.md:4: date '31-02-2022' is not a real date" in err
    before = (out / "graph.ttl").read_bytes()
    (mixed_notes.parent / "extra").mkdir(exist_ok=True)
    assert main(["build", str(mixed_notes), "-o", str(out), "--strict", "--no-html"]) == 1
    assert "--strict" in capsys.readouterr().err
    assert (out / "graph.ttl").read_bytes() == before
    assert main(["build", str(tmp_path / "missing"), "-o", str(out)]) == 2
    assert "notes folder does not exist" in capsys.readouterr().err
    assert main(["build", str(CORPUS), "-o", str(tmp_path / "strict-ok"), "--strict", "--no-html"]) == 0


NONCHARACTER_NOTE = (
    '---\ntitle: "a\\uFFFEb"\ntags: [ok, "\\uFFFF"]\n"k\\uFFFE": v\n---\n\n'  # YAML escapes, lines 2 to 4
    "# Heading\n\n[S](https://s.example/&#xFFFF;) said\n\n"  # in a link destination, line 9
    "> q &#xFFFE; r\n\n"  # a character reference, line 11
    "raw \ufffe and \uffff\n"  # the characters themselves, line 13
)


def test_noncharacters_become_replacement_characters_with_a_warning(tmp_path: Path) -> None:
    result = read_note("x.md", NONCHARACTER_NOTE)
    note = result.note
    assert note is not None
    assert note.title == "a\ufffdb"
    assert note.tags == ("ok", "\ufffd")
    assert [(q.text, q.source.url if q.source else None) for q in note.quotes] == [
        ("q \ufffd r", "https://s.example/\ufffd")
    ]
    assert any("raw \ufffd and \ufffd" in p.text for p in note.passages)
    assert note.extra == (("k\ufffd", "v"),)
    assert sorted((p.line, p.severity) for p in result.problems) == [(n, "warning") for n in (2, 3, 4, 9, 11, 13)]
    assert all("U+FFFE or U+FFFF" in str(p) for p in result.problems)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "x.md").write_text(NONCHARACTER_NOTE, encoding="utf-8")
    turtle = build(tmp_path / "notes", Settings(html=False)).files["graph.ttl"]
    assert "\ufffe".encode() not in turtle and b"\\uFFFE" not in turtle and b"\\uFFFF" not in turtle
    (tmp_path / "graph.ttl").write_bytes(turtle)
    done = subprocess.run(["rapper", "-i", "turtle", "-c", str(tmp_path / "graph.ttl")], capture_output=True, text=True)
    assert done.returncode == 0 and "Error" not in done.stderr, done.stderr
