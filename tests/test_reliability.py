"""Hostile input: huge and deeply nested notes, links, unreadable and vanishing files, YAML bombs.

Whatever the notes folder holds, a build finishes in bounded memory, reports what it could not
read (naming the file), and exports everything it could. Memory is measured in a child process
(its peak resident set size), which also carries a hard address-space limit and a timeout, so a
regression fails the test instead of exhausting the machine.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from mlops_graph.cli import main
from mlops_graph.config import DEFAULT_MAX_NOTE_BYTES, Settings
from mlops_graph.export.atomic import write_output
from mlops_graph.pipeline import BuildResult, build
from mlops_graph.read.files import NoteFile
from tests.conftest import BAD, CORPUS, ROOT

BASE = Settings().base_iri
MG = "https://w3id.org/mlops-graph/ns#"
PROV_VALUE = "http://www.w3.org/ns/prov#value"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Peak resident memory allowed for a whole build process, imports included (about 110-145 MB).
MEMORY_BOUND_MB = 400
#: The same for a single note of several megabytes (up to max-note-bytes). Measured: 100k lines
#: (3.4-4.4 MB) about 400 MB, 8 MB of prose about 530 MB; a build that holds every triple of such a
#: note as objects, or runs a quadratic loop over it, goes far beyond.
BIG_NOTE_MEMORY_BOUND_MB = 600
#: Address space a measured child may reserve before it fails with MemoryError.
ADDRESS_SPACE_LIMIT = 1536 * 1024 * 1024

# The child: builds the notes folder given in argv[1], then prints what the tests check as JSON.
# argv[2] is a JSON list of strings to look for in graph.ttl; argv[3] the address-space limit.
DRIVER = r"""
import json, resource, sys, time
limit = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from pathlib import Path
from mlops_graph.config import Settings
from mlops_graph.pipeline import build

needles = json.loads(sys.argv[2])
start = time.perf_counter()
result = build(Path(sys.argv[1]), Settings())
seconds = time.perf_counter() - start
graph = result.files["graph.ttl"]
peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({
    "seconds": round(seconds, 2),
    "peak_mb": round(peak_kb / 1024, 1),
    "notes": [n.path for n in result.notes],
    "quotes": {n.path: [q.text for q in n.quotes] for n in result.notes},
    "problems": [str(p) for p in result.problems][:200],
    "problem_count": len(result.problems),
    "found": {needle: needle.encode("utf-8") in graph for needle in needles},
    "sizes": {name: len(data) for name, data in result.files.items() if "/" not in name},
}))
"""


def measure(notes: Path, needles: Iterable[str] = (), timeout: float = 180) -> dict[str, Any]:
    """Build ``notes`` in a child process; its peak memory, time, notes, problems and found needles."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(notes), json.dumps(list(needles)), str(ADDRESS_SPACE_LIMIT)],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the build of {notes} did not finish within {timeout} s")
    assert done.returncode == 0, f"the build failed (status {done.returncode}):\n{done.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{notes.parent.name}/{notes.name}: {report['seconds']} s, peak {report['peak_mb']} MB")
    return report


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def messages(result: BuildResult, path: str) -> list[str]:
    return [str(p) for p in result.problems if p.path == path]


def all_output(result: BuildResult) -> bytes:
    return b"\n".join(result.files[name] for name in sorted(result.files))


# --- size ------------------------------------------------------------------------------------------


def test_a_50_mb_note_is_refused_with_the_documented_limit(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    write(notes / "small.md", "# Small\n\nThe small note is still exported.\n")
    line = "MLOps is a set of practices for deploying and monitoring models in production. " * 10 + "\n"
    with open(notes / "huge.md", "w", encoding="utf-8") as handle:
        handle.write("---\ntitle: Huge\n---\n")
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    assert (notes / "huge.md").stat().st_size > 50 * 1024 * 1024

    report = measure(notes, ["The small note is still exported."])
    assert report["notes"] == ["small.md"]
    assert report["found"] == {"The small note is still exported.": True}
    refusal = [m for m in report["problems"] if m.startswith("huge.md: ")]
    assert len(refusal) == 1, report["problems"]
    assert "max-note-bytes" in refusal[0] and f"{DEFAULT_MAX_NOTE_BYTES:,}" in refusal[0]
    assert report["peak_mb"] < MEMORY_BOUND_MB


def test_the_size_limit_is_exact(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    text = "# At the limit\n\nThis note is exactly as large as the limit allows.\n"
    limit = len(text.encode("utf-8"))
    write(notes / "at-limit.md", text)
    write(notes / "over-limit.md", text + "x")
    result = build(notes, Settings(max_note_bytes=limit))
    assert [n.path for n in result.notes] == ["at-limit.md"]
    assert messages(result, "over-limit.md") == [
        f"over-limit.md: is {limit + 1:,} bytes, over the limit of {limit:,} (max-note-bytes); skipped"
    ]


def _lines_note(shape: str) -> str:
    head = "---\ntitle: A hundred thousand lines\n---\n# Long note\n\n"
    if shape == "paragraphs":
        body = "".join(f"Paragraph {i} says model serving matters.\n\n" for i in range(100_000))
    elif shape == "one-paragraph":
        body = "".join(f"line {i} of one long paragraph about model serving\n" for i in range(100_000))
    elif shape == "list":
        body = "".join(f"- item {i} about model serving\n" for i in range(100_000))
    else:
        body = "[Somebody](https://example.org/quote) said\n\n" + "".join(
            f"> quoted line {i} about model serving\n" for i in range(100_000)
        )
    return head + body


_NEEDLES = {
    "paragraphs": ["Paragraph 0 says model serving matters.", "Paragraph 99999 says model serving matters."],
    "one-paragraph": ["line 0 of one long paragraph", "line 99999 of one long paragraph about model serving"],
    "list": ["item 0 about model serving", "item 99999 about model serving"],
    "blockquote": ["quoted line 0 about model serving", "quoted line 99999 about model serving"],
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "shape",
    [
        "paragraphs",
        "one-paragraph",
        "list",
        "blockquote",
    ],
)
def test_a_note_of_100k_lines_is_exported_in_bounded_memory(tmp_path: Path, shape: str) -> None:
    notes = tmp_path / shape
    write(notes / "long.md", _lines_note(shape))
    report = measure(notes, _NEEDLES[shape], timeout=180)
    assert report["notes"] == ["long.md"]
    assert all(report["found"].values()), report["found"]
    assert report["peak_mb"] < BIG_NOTE_MEMORY_BOUND_MB, report


@pytest.mark.slow
def test_a_note_just_under_the_size_limit_is_built_in_bounded_memory(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    paragraph = (
        "MLOps combines machine learning, DevOps and data engineering to deploy and maintain models in "
        "production reliably. Feature stores, model registries and continuous training belong to it.\n\n"
    )
    count = (DEFAULT_MAX_NOTE_BYTES - 1000) // (len(paragraph) + 16)
    write(notes / "prose.md", "# What is MLOps\n\n" + "".join(f"Part {i}. {paragraph}" for i in range(count)))
    assert (notes / "prose.md").stat().st_size <= DEFAULT_MAX_NOTE_BYTES
    report = measure(notes, [f"Part {count - 1}. MLOps combines"], timeout=300)
    assert report["notes"] == ["prose.md"] and all(report["found"].values())
    assert report["peak_mb"] < BIG_NOTE_MEMORY_BOUND_MB, report


# --- deep nesting ----------------------------------------------------------------------------------


def test_a_list_nested_300_levels_deep_keeps_every_item(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    items = [f"{'  ' * depth}- level {depth} keeps deepitem{depth}" for depth in range(300)]
    write(notes / "nested.md", "# Nested\n\n" + "\n".join(items) + "\n")
    report = measure(notes, [f"level {depth} keeps deepitem{depth}" for depth in range(300)], timeout=120)
    assert report["notes"] == ["nested.md"]
    missing = [needle for needle, found in report["found"].items() if not found]
    assert not missing, missing[:5]


def test_a_quote_nested_5000_levels_deep_keeps_its_text(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    write(notes / "deep-quote.md", (
        "# What is depth\n\n[Deep Source](https://example.org/deep) said\n\n"
        + ">" * 5000 + " the deepest words of all\n"
    ))
    write(notes / "stair.md", "# Stairs\n\n" + "\n".join(">" * d + f" step {d}" for d in (1, 10, 100, 1000)) + "\n")
    needles = ["the deepest words of all", "step 1", "step 10", "step 100", "step 1000"]
    report = measure(notes, needles, timeout=120)
    assert sorted(report["notes"]) == ["deep-quote.md", "stair.md"]
    assert report["quotes"]["deep-quote.md"] == ["the deepest words of all"]
    assert all(report["found"].values()), report["found"]


# --- links, unreadable and vanishing files -------------------------------------------------------------


def test_symbolic_links_are_not_followed_blindly(tmp_path: Path) -> None:
    notes, outside = tmp_path / "notes", tmp_path / "outside"
    write(outside / "secret.md", "---\ntitle: Secret\n---\nOUTSIDE-SECRET-TEXT must not be exported.\n")
    write(notes / "inside.md", "# Inside\n\nInside text is exported once.\n")
    write(notes / "zeta" / "z.md", "# Zeta\n\nZeta text lives in its own folder.\n")
    (notes / "link-to-secret.md").symlink_to(outside / "secret.md")
    (notes / "link-to-outside").symlink_to(outside, target_is_directory=True)
    (notes / "sub").mkdir()
    (notes / "sub" / "loop").symlink_to(notes, target_is_directory=True)
    (notes / "sub" / "again.md").symlink_to(notes / "inside.md")
    (notes / "self").symlink_to(notes / "self")
    (notes / "broken.md").symlink_to(notes / "nowhere.md")
    (notes / "alpha").symlink_to(notes / "zeta", target_is_directory=True)

    result = build(notes, Settings())
    assert [n.path for n in result.notes] == ["inside.md", "zeta/z.md"]
    warnings = {p.path: p.message for p in result.problems if p.severity == "warning"}
    assert set(warnings) == {"link-to-secret.md", "link-to-outside", "sub/loop", "sub/again.md", "self",
                             "broken.md", "alpha"}, result.problems
    assert "outside the notes folder" in warnings["link-to-secret.md"]
    assert "outside the notes folder" in warnings["link-to-outside"]
    assert "loop" in warnings["sub/loop"] and "loop" in warnings["self"]
    assert "broken" in warnings["broken.md"]
    assert "'inside.md'" in warnings["sub/again.md"]
    assert "'zeta'" in warnings["alpha"]
    assert not [p for p in result.problems if p.severity == "error"]
    assert b"OUTSIDE-SECRET-TEXT" not in all_output(result)
    assert result.files["graph.ttl"].count(b"Inside text is exported once.") == 1


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Make opening ``denied`` fail as it would without read permission (root reads any file)."""
    real_open, real_os_open = io.open, os.open

    def check(file: Any) -> None:
        if isinstance(file, str | os.PathLike) and Path(os.fspath(file)).absolute() == denied.absolute():
            raise PermissionError(13, "Permission denied", os.fspath(file))

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        check(file)
        return real_open(file, *args, **kwargs)

    def fake_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        check(path)
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)


def test_an_unreadable_note_is_named_and_the_rest_exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes"
    write(notes / "readable.md", "# Readable\n\nReadable text.\n")
    locked = write(notes / "locked.md", "# Locked\n\nLOCKED-TEXT\n")
    locked.chmod(0)
    if os.geteuid() == 0:
        _deny(monkeypatch, locked)  # permission bits do not stop root; make the read fail as they would
    result = build(notes, Settings())
    assert [n.path for n in result.notes] == ["readable.md"]
    assert messages(result, "locked.md") == ["locked.md: cannot be read: Permission denied; skipped"]
    assert result.summary.files == 2 and result.summary.skipped == 1
    assert b"LOCKED-TEXT" not in all_output(result)
    assert b"Readable text." in result.files["graph.ttl"]


def test_a_folder_that_cannot_be_listed_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes"
    write(notes / "top.md", "# Top\n\nTop text.\n")
    write(notes / "closed" / "hidden.md", "# Hidden\n\nHIDDEN-TEXT\n")
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(os.fspath(path)).name == "closed":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = build(notes, Settings())
    assert [n.path for n in result.notes] == ["top.md"]
    assert messages(result, "closed") == ["closed: cannot list folder: Permission denied"]


def test_a_note_deleted_during_the_build_is_reported(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    for name in ("a.md", "b.md", "c.md"):
        write(notes / name, f"# Note {name}\n\nText of {name}.\n")

    def progress(found: Iterable[NoteFile], total: int) -> Iterator[NoteFile]:
        assert total == 3
        for number, note_file in enumerate(found):
            if number == 0:
                (notes / "b.md").unlink()  # found, not yet read
            yield note_file

    result = build(notes, Settings(), progress=progress)
    assert [n.path for n in result.notes] == ["a.md", "c.md"]
    assert messages(result, "b.md") == ["b.md: disappeared while the build was running; skipped"]
    assert result.summary.files == 3 and result.summary.notes == 2 and result.summary.skipped == 1


def test_files_that_are_not_markdown_are_ignored_silently(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    write(notes / "note.md", "# Note\n\nA note.\n")
    write(notes / "UPPER.MD", "# Upper\n\nAn upper-case suffix is still Markdown.\n")
    write(notes / "long.markdown", "# Long suffix\n\nA .markdown note.\n")
    write(notes / "readme.txt", "# Not a note\n\nTXT-TEXT\n")
    write(notes / "data.json", '{"title": "JSON-TEXT"}\n')
    (notes / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(notes / "sub" / "more.txt", "TXT-TEXT\n")
    result = build(notes, Settings())
    assert sorted(n.path for n in result.notes) == ["UPPER.MD", "long.markdown", "note.md"]
    assert result.problems == []
    assert result.summary.files == 3
    assert b"TXT-TEXT" not in all_output(result) and b"JSON-TEXT" not in all_output(result)


def test_a_pipe_named_like_a_note_is_reported_not_read(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    write(notes / "note.md", "# Note\n\nA note.\n")
    os.mkfifo(notes / "pipe.md")  # reading it would block the build forever
    result = build(notes, Settings())
    assert [n.path for n in result.notes] == ["note.md"]
    assert [p.severity for p in result.problems if p.path == "pipe.md"] == ["warning"]
    assert "not a regular file" in messages(result, "pipe.md")[0]


def test_a_note_replaced_by_a_pipe_after_it_was_listed_is_reported_not_waited_for(tmp_path: Path) -> None:
    from mlops_graph.pipeline import read_file

    os.mkfifo(tmp_path / "pipe.md")  # opening it for reading would wait for a writer
    note, problems = read_file(NoteFile("pipe.md", tmp_path / "pipe.md"), Settings())
    assert note is None
    assert [str(p) for p in problems] == ["pipe.md: cannot be read: not a regular file; skipped"]


def test_a_utf16_note_is_read(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes).mkdir()
    (notes / "wide.md").write_bytes("# Wide\n\nÉcrit en UTF-16 par un éditeur.\n".encode("utf-16"))
    result = build(notes, Settings())
    assert [n.path for n in result.notes] == ["wide.md"]
    assert "Écrit en UTF-16 par un éditeur." in result.files["graph.ttl"].decode("utf-8")
    assert [p.severity for p in result.problems] == ["warning"]


# --- the output folder and the notes folder -------------------------------------------------------


def test_an_output_folder_inside_the_notes_folder_is_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(CORPUS, notes)
    out = notes / "output"
    assert main(["build", str(notes), "-o", str(out), "--no-html"]) == 0
    first = capsys.readouterr()
    assert (out / "report.md").is_file()  # a Markdown file in the output that must not become a note
    (notes / ".mlops-graph-staging-1-leftover").mkdir()
    write(notes / ".mlops-graph-staging-1-leftover" / "stale.md", "# Stale\n\nSTALE-TEXT\n")
    assert main(["build", str(notes), "-o", str(out), "--no-html"]) == 0
    second = capsys.readouterr()
    assert first.out == second.out and first.out.startswith(f"{out.as_posix()}: {len(list(CORPUS.glob('*.md')))} notes")
    assert second.err == first.err
    assert b"STALE-TEXT" not in (out / "graph.ttl").read_bytes()
    result = build(notes, Settings(), exclude=(out,))
    assert result.summary.files == len(list(CORPUS.glob("*.md")))
    assert not any(p.path.startswith("output") for p in result.problems)


def test_a_missing_notes_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-such-notes"
    out = tmp_path / "out"
    assert main(["build", str(missing), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == f"mlops-graph: error: {missing}: notes folder does not exist\n"
    assert not out.exists()
    a_file = write(tmp_path / "file.md", "# Not a folder\n")
    assert main(["build", str(a_file), "-o", str(out)]) == 2
    assert capsys.readouterr().err == f"mlops-graph: error: {a_file}: is not a folder\n"


def test_building_into_the_notes_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(CORPUS, notes)
    before = {p.name: p.read_bytes() for p in notes.iterdir()}
    assert main(["build", str(notes), "-o", str(notes)]) == 2
    assert "refusing to replace it" in capsys.readouterr().err
    assert main(["build", str(notes), "-o", str(tmp_path)]) == 2
    assert "refusing to replace it" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in notes.iterdir()} == before


# --- IRIs and file names ----------------------------------------------------------------------------


def _note_iris(result: BuildResult) -> list[str]:
    graph = ox.Store()
    graph.load(result.files["graph.ttl"], format=ox.RdfFormat.TURTLE)
    return sorted(
        str(q.subject.value) for q in graph.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(MG + "Note"))
        if isinstance(q.subject, ox.NamedNode)
    )


def _check_names(result: BuildResult, tmp_path: Path) -> None:
    iris = _note_iris(result)
    assert len(iris) == len(set(iris)) == len(result.notes)
    for iri in iris:
        rest = iri.removeprefix(BASE + "note/")
        assert rest != iri and rest and ".." not in rest.split("/") and "" not in rest.split("/"), iri
    per_note = sorted(name for name in result.files if name.startswith("notes/"))
    assert len(per_note) == len(result.notes)
    out = tmp_path / "out"
    write_output(out, result.files)
    for name in per_note:
        target = (out / name).resolve()
        assert (out / "notes").resolve() in target.parents and target.is_file(), name


def test_titles_and_names_that_slugify_to_nothing_stay_inside_the_output(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    titles = {"dots.md": "..", "bangs.md": "!!!", "slash.md": "/", "escape.md": "../../../etc/passwd",
              "!!!.md": "Bangs in the name", "???.md": "Questions in the name", "日本.md": "Japanese name",
              "!!!/inner.md": "Bangs folder", "sub/--.md": "Dashes in a folder"}
    for name, title in titles.items():
        write(notes / name, f"---\ntitle: {json.dumps(title)}\n---\nBody of {name}.\n")
    result = build(notes, Settings())
    assert sorted(n.path for n in result.notes) == sorted(titles)
    assert {n.path: n.title for n in result.notes} == titles
    _check_names(result, tmp_path)
    ttl = result.files["graph.ttl"].decode("utf-8")
    for title in titles.values():
        assert f'"{title}"' in ttl, title


def test_colliding_slugs_keep_both_notes(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    for name in ("A b.md", "a-b.md", "A-B.md", "a_b.md", "sub/a-b.md", "sub/A B.md"):
        write(notes / name, f"# {name}\n\nText of {name}.\n")
    result = build(notes, Settings())
    assert len(result.notes) == 6
    _check_names(result, tmp_path)
    for name in ("A b.md", "a-b.md", "A-B.md", "a_b.md"):
        assert f"Text of {name}.".encode() in result.files["graph.ttl"]


def test_notes_differing_only_in_suffix_keep_distinct_slugs(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    write(notes / "a-b.md", "# One\n\nText one.\n")
    write(notes / "a-b.markdown", "# Two\n\nText two.\n")
    result = build(notes, Settings())
    assert len(result.notes) == 2
    _check_names(result, tmp_path)


# --- YAML bombs -------------------------------------------------------------------------------------


def _list_bomb(levels: int = 9, width: int = 9) -> tuple[list[str], str]:
    """Anchors a0…aN, each a list of ``width`` aliases of the one before: width**(N+1) leaves."""
    lines = ["a0: &a0 [" + ",".join(['"lol"'] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * width) + "]")
    return lines, f"*a{levels}"


def _mapping_bomb(levels: int = 9, width: int = 9) -> tuple[list[str], str]:
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: lol" for j in range(width)) + "}"]
    for level in range(1, levels + 1):
        lines.append(f"m{level}: &m{level} {{" + ", ".join(f"k{j}: *m{level - 1}" for j in range(width)) + "}")
    return lines, f"*m{levels}"


def _merge_bomb(levels: int = 12, width: int = 9) -> tuple[list[str], str]:
    lines = ["g0: &g0 {" + ", ".join(f"k{j}: lol" for j in range(width)) + "}"]
    for level in range(1, levels + 1):
        lines.append(f"g{level}: &g{level} {{<<: [" + ",".join([f"*g{level - 1}"] * width) + "]}")
    return lines, f"*g{levels}"


BOMB_KEYS = ["title", "tags", "aliases", "author", "notetype", "lang", "unknown-key"]


@pytest.mark.parametrize("key", [*BOMB_KEYS, "date"])
def test_yaml_alias_bombs_cost_nothing(tmp_path: Path, key: str) -> None:
    notes = tmp_path / "notes"
    for name, bomb in (("list", _list_bomb()), ("mapping", _mapping_bomb()), ("merge", _merge_bomb())):
        lines, reference = bomb
        value = f"[{reference}, {reference}]" if key in ("tags", "aliases") else reference
        write(notes / f"{name}.md", "---\n" + "\n".join(lines) + f"\n{key}: {value}\n---\n\n"
              f"# The {name} bomb\n\nBODY-OF-{name.upper()} survives.\n")
    needles = [f"BODY-OF-{name.upper()} survives." for name in ("list", "mapping", "merge")]
    report = measure(notes, needles, timeout=60)  # a build of these takes seconds; a bomb that went off, minutes
    assert sorted(report["notes"]) == ["list.md", "mapping.md", "merge.md"]
    assert all(report["found"].values()), report["found"]
    assert report["peak_mb"] < MEMORY_BOUND_MB
    assert max(report["sizes"].values()) < 2_000_000, report["sizes"]
    assert all(len(message) < 1000 for message in report["problems"])
    if key != "unknown-key":
        assert any(m.startswith(("list.md:", "mapping.md:")) and key in m for m in report["problems"])


def test_an_aliased_long_string_is_not_multiplied(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    anchor = "x" * 10_000
    keys = "".join(f"k{i}: *s\n" for i in range(20_000))
    write(notes / "amplified.md", f"---\ns: &s {anchor}\n{keys}title: Amplified\n---\nAMPLIFIED-BODY\n")
    size = (notes / "amplified.md").stat().st_size
    report = measure(notes, ["AMPLIFIED-BODY"], timeout=60)
    assert report["notes"] == ["amplified.md"] and report["found"]["AMPLIFIED-BODY"]
    assert report["peak_mb"] < MEMORY_BOUND_MB
    assert report["sizes"]["graph.ttl"] < 20 * size, report["sizes"]


# --- nothing readable is lost -----------------------------------------------------------------------


def test_nothing_readable_is_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(CORPUS, notes)
    for path in BAD.iterdir():
        shutil.copy(path, notes / path.name)
    write(notes / "deep" / "nested" / "quote.md", (
        "# What is nesting\n\n[Nested](https://example.org/n) said\n\n> A quote  with  double spaces,"
        " \"quotes\", a \\ backslash and <b>markup</b>.\n"
    ))
    locked = write(notes / "locked.md", "# Locked\n\nLocked text.\n")
    _deny(monkeypatch, locked)
    (notes / "oversized.md").write_bytes(b"# Big\n\n" + b"word " * 2000)
    unreadable = {"image-named-like-a-note.md", "locked.md", "oversized.md"}

    result = build(notes, Settings(max_note_bytes=5000))
    every = {p.relative_to(notes).as_posix() for p in notes.rglob("*.md")}
    exported = {n.path for n in result.notes}
    assert exported == every - unreadable
    assert result.summary.files == len(every)
    assert result.summary.files == result.summary.notes + result.summary.skipped
    assert result.summary.skipped == len(unreadable)
    for name in unreadable:
        assert [p for p in result.problems if p.path == name and p.severity == "error"], name

    store = ox.Store()
    store.load(result.files["graph.ttl"], format=ox.RdfFormat.TURTLE)
    files_in_graph = {q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(MG + "file"), None)
                      if isinstance(q.object, ox.Literal)}
    assert files_in_graph == exported
    definitions = {q.subject for kind in ("Definition", "Quote")
                   for q in store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(MG + kind))}
    values = Counter(
        q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(PROV_VALUE), None)
        if q.subject in definitions and isinstance(q.object, ox.Literal)
    )
    quotes = Counter(q.text for n in result.notes for q in n.quotes)
    assert sum(quotes.values()) > 20
    assert values == quotes
    assert 'A quote  with  double spaces, "quotes", a \\ backslash and markup.' in quotes  # words only
