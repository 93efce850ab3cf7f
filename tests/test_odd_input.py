"""Front matter values, file names and bytes that once stopped a build or changed what a note says:
each is read as written or reported with its file and line, and the other notes are built."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from mlops_graph.config import Settings
from mlops_graph.errors import DateError
from mlops_graph.model import Problem
from mlops_graph.pipeline import BuildResult, build
from mlops_graph.read.dates import parse_date
from mlops_graph.read.files import decode

NO_HTML = Settings(html=False, title_from="heading")
"""Titles from headings: a heading read as the title shows that it was read as body."""
PLAIN = "---\ntitle: Plain\n---\n\n# Plain\n\n[S](https://s.example/) said\n\n> A plain quote.\n"


def _build(tmp_path: Path, files: dict[str | bytes, str | bytes]) -> BuildResult:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "plain.md").write_text(PLAIN, encoding="utf-8")
    for name, text in files.items():
        path = os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else name.encode())
        with open(path, "wb") as handle:
            handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    result = build(folder, NO_HTML)
    assert "plain.md" in {n.path for n in result.notes}
    graph = list(ox.parse(result.files["graph.ttl"], format=ox.RdfFormat.TURTLE))
    assert len(graph) == result.summary.triples
    return result


def _messages(result: BuildResult) -> list[str]:
    return [str(p) for p in result.problems]


def test_numbers_and_yes_no_words_stay_the_text_they_are_written_as(tmp_path: Path) -> None:
    result = _build(tmp_path, {"v.md": (
        "---\ntitle: 007\nauthor: 1:30\nnotetype: no\ntags: [3.10, no, on, 0x1F]\naliases: [010]\n"
        "version: 3.10\nsize: 1_000\n---\n\n# V\n"
    )})
    note = next(n for n in result.notes if n.path == "v.md")
    assert (note.title, note.author, note.notetype) == ("007", "1:30", "no")
    assert note.tags == ("3.10", "no", "on", "0x1F")
    assert note.aliases == ("010",)
    assert dict(note.extra) == {"version": "3.10", "size": "1_000"}
    assert not [m for m in _messages(result) if m.startswith("v.md")]


def test_values_yaml_cannot_make_are_reported_and_kept_as_text(tmp_path: Path) -> None:
    digits = "9" * 5000
    result = _build(tmp_path, {"d.md": (
        "---\ntitle: Dates\ndate: 2022-02-30\nreviewed: 2022-13-01\nwhen: 2022-02-30T10:00:00+02:00\n"
        f"n: !!int abc\nm: !!timestamp abc\nbig: {digits}\n---\n\n# Dates\n"
    )})
    note = next(n for n in result.notes if n.path == "d.md")
    assert note.date is None
    assert dict(note.extra) == {"reviewed": "2022-13-01", "when": "2022-02-30T10:00:00+02:00", "n": "abc",
                                "m": "abc", "big": digits}
    assert [m for m in _messages(result) if m.startswith("d.md")] == [
        "d.md:3: date '2022-02-30' is not a real date (expected DD-MM-YYYY, YYYY-MM-DD, DD/MM/YYYY, DD.MM.YYYY, "
        "'March 25, 2022', '25 March 2022')"
    ]


def test_a_real_yaml_date_is_still_a_date(tmp_path: Path) -> None:
    result = _build(tmp_path, {"d.md": "---\ntitle: D\ndate: 2022-02-28\n---\n\n# D\n"})
    assert str(next(n for n in result.notes if n.path == "d.md").date) == "2022-02-28"


def test_a_language_tag_rdf_refuses_is_reported(tmp_path: Path) -> None:
    result = _build(tmp_path, {"l.md": "---\ntitle: L\nlang: en-12\n---\n\n# L\n\nSome text.\n"})
    note = next(n for n in result.notes if n.path == "l.md")
    assert note.lang is None
    assert "l.md:3: lang 'en-12' is not a language tag such as 'en' or 'pt-BR'" in _messages(result)


def test_a_repeated_key_is_reported_at_the_line_whose_value_is_kept(tmp_path: Path) -> None:
    result = _build(tmp_path, {"k.md": "---\ndate: 31-02-2022\ntitle: First\n\ntitle: Second\ndate: 31-04-2022\n---\n"})
    note = next(n for n in result.notes if n.path == "k.md")
    assert note.title == "Second"
    messages = [m for m in _messages(result) if m.startswith("k.md")]
    assert "k.md:5: key 'title' is given again (first at line 3); the value at line 5 is kept" in messages
    assert any(m.startswith("k.md:6: date '31-04-2022' is not a real date") for m in messages), messages


def test_a_note_that_starts_with_a_rule_is_read_whole(tmp_path: Path) -> None:
    result = _build(tmp_path, {"r.md": (
        "---\n\n# Starts with a rule\n\nSome text.\n\n[S](https://s.example/) said\n\n> quote A\n\n---\n\n"
        "More text.\n"
    )})
    note = next(n for n in result.notes if n.path == "r.md")
    assert note.title == "Starts with a rule"
    assert [q.text for q in note.quotes] == ["quote A"]
    assert [p.text for p in note.passages] == ["Some text.", "More text."]
    assert "r.md:1: starts with '---', but what follows up to the next '---' is not front matter " \
           "(key: value lines); read as body" in _messages(result)


def test_a_stray_byte_in_utf8_text_loses_only_that_byte() -> None:
    text, problems = decode("# Café\n\nrésumé \x96 日本語\n".encode().replace(b"\xc2\x96", b"\x96"), "s.md")
    assert text == "# Café\n\nrésumé \ufffd 日本語\n"
    assert [str(p) for p in problems] == [
        "s.md:3: is not valid UTF-8 (byte 0x96); read as UTF-8, with U+FFFD in place of what is not"]


def test_windows_1252_text_is_still_read_as_such() -> None:
    text, problems = decode("# Café\n\nna\u00efve \u2013 x\n".encode("cp1252"), "w.md")
    assert text == "# Café\n\nnaïve – x\n"
    assert [str(p) for p in problems] == ["w.md:1: is not valid UTF-8 (byte 0xe9); read as Windows-1252"]


def test_a_file_name_that_is_not_utf8_is_read(tmp_path: Path) -> None:
    result = _build(tmp_path, {b"caf\xe9.md": "# Bad name\n\nSome text.\n"})
    note = next(n for n in result.notes if n.title == "Bad name")
    assert note.path == "caf\ufffd.md"
    assert "caf\ufffd.md: file name is not valid UTF-8; read with U+FFFD in place of the bytes that are not" \
           in _messages(result)
    assert "caf\ufffd.md".encode() in result.files["graph.ttl"]


def test_a_problem_never_puts_a_file_name_s_control_characters_on_the_terminal() -> None:
    assert str(Problem("new\nline.md", 3, "broken")) == "new\\nline.md:3: broken"
    assert str(Problem("ok\x1b[31mred.md", None, "broken")) == "ok\\x1b[31mred.md: broken"
    assert str(Problem("r\u202egnp.md", None, "broken")) == "r\\u202egnp.md: broken"
    assert str(Problem("notes/café.md", 1, "fine")) == "notes/café.md:1: fine"


def test_front_matter_never_closed_before_a_rule_in_the_body_keeps_its_keys_and_the_text(tmp_path: Path) -> None:
    result = _build(tmp_path, {"u.md": (
        "---\ntitle: X\n\n# Heading\n\n[A](https://a.example/) said\n\n> quote A\n\n---\n\n> quote B\n"
    )})
    note = next(n for n in result.notes if n.path == "u.md")
    assert note.title == "X"
    assert [(q.text, q.line) for q in note.quotes] == [("quote A", 8), ("quote B", 12)]
    assert note.quotes[0].source is not None and note.quotes[0].source.name == "A"
    assert "u.md:3: front matter is not closed before this line, where the text begins; its keys are read, " \
           "and the rest as body" in _messages(result)


def test_broken_front_matter_with_a_blank_line_is_still_front_matter(tmp_path: Path) -> None:
    result = _build(tmp_path, {"b.md": "---\ntitle: Y\n\ntags: [a, b\n---\n\n# Heading\n\nSome text.\n"})
    note = next(n for n in result.notes if n.path == "b.md")
    assert note.title == "Heading"
    assert [p.text for p in note.passages] == ["Some text."]
    assert any(m.startswith("b.md:4: front matter is not valid YAML") for m in _messages(result))


@pytest.mark.parametrize(("written", "says"), [
    ("31-02-2022", "is not a real date"),
    ("30 February 2022", "is not a real date"),
    ("Feb 30, 2022", "is not a real date"),
    ("2022-02-30T10:00:00+02:00", "is not a real date"),
    ("2022/01/01", "is not in a known format"),
    ("99-01-01", "is not in a known format"),
    ("Foo 30, 2022", "is not in a known format"),
])
def test_a_date_that_does_not_exist_is_told_apart_from_a_format_that_is_not_known(written: str, says: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_date(written)
    assert caught.value.message.startswith(f"date {written!r} {says} (expected DD-MM-YYYY")


def test_an_iso_date_and_time_is_read_as_its_date() -> None:
    assert str(parse_date("2022-03-14T10:00:00Z")) == "2022-03-14"
    assert str(parse_date("2022-03-14 10:00+01:00")) == "2022-03-14"


def test_yaml_collections_are_named_for_what_they_are(tmp_path: Path) -> None:
    result = _build(tmp_path, {
        "o.md": "---\ntitle: O\ntags: !!omap [a: 1]\n---\n",
        "s.md": "---\ntitle: S\ntags: !!set {a, b}\n---\n",
        "b.md": "---\ntitle: B\nblob: !!binary aGVsbG8=\n---\n",
    })
    messages = _messages(result)
    assert "o.md:3: tags has an item that is a list, not text; item ignored" in messages
    assert "s.md:3: tags is a set, not a list; ignored" in messages
    assert "b.md:3: front matter key 'blob' holds a mapping or a list of them (plugin data?), which has no place " \
           "in the graph; not kept" in messages


def test_utf16_without_a_byte_order_mark_is_read() -> None:
    note = "# Título\n\nSome text, with a quote.\n"
    for codec in ("utf-16-le", "utf-16-be"):
        text, problems = decode(note.encode(codec), "w.md")
        assert text == note
        assert [str(p) for p in problems] == [
            "w.md: is encoded as UTF-16 without a byte-order mark, not UTF-8; read as UTF-16"]


def test_a_stray_nul_loses_only_itself_and_a_binary_file_is_still_skipped() -> None:
    text, problems = decode(("# T\n\n" + "word " * 300 + "\x00 end\n").encode(), "n.md")
    assert text == "# T\n\n" + "word " * 300 + "\ufffd end\n"
    assert [str(p) for p in problems] == ["n.md:3: holds 1 NUL byte(s); read as U+FFFD"]
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    assert decode(png, "p.md") == (None, [Problem("p.md", None, "is a binary file, not a Markdown note; skipped")])


def test_windows_1252_text_with_an_accidental_utf8_sequence_is_still_windows_1252() -> None:
    for note in ("---\ntitle: Qualité\n---\n\n« La qualité\u00a0» est une propriété.\n", "„Gruß“ aus Köln\n"):
        text, problems = decode(note.encode("cp1252"), "w.md")
        assert text == note
        assert [p.message for p in problems] == [problems[0].message]
        assert problems[0].message.endswith("read as Windows-1252")


def test_a_short_note_with_one_nul_is_read() -> None:
    text, problems = decode(b"# What is MLOps?\n\nA short note.\x00\n", "s.md")
    assert text == "# What is MLOps?\n\nA short note.\ufffd\n"
    assert [str(p) for p in problems] == ["s.md:3: holds 1 NUL byte(s); read as U+FFFD"]


def test_a_valid_file_name_wins_over_a_name_that_only_reads_like_it(tmp_path: Path) -> None:
    result = _build(tmp_path, {
        b"caf\xe9.md": "# Bad name\n\nSome text.\n",
        "caf\ufffd.md": "# Good name\n\nSome text.\n",
    })
    kept = [n for n in result.notes if n.path == "caf\ufffd.md"]
    assert [n.title for n in kept] == ["Good name"]
    assert "Bad name" not in {n.title for n in result.notes}
    assert [m for m in _messages(result) if m.startswith("caf")] == [
        "caf\ufffd.md: a file whose path is not valid UTF-8 has this name once U+FFFD replaces its bad bytes; "
        "that file is skipped"]


def test_two_folders_whose_names_read_alike_lose_no_note_silently(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "plain.md").write_text(PLAIN, encoding="utf-8")
    for name in (b"caf\xe9", "caf\ufffd".encode()):
        inner = os.path.join(os.fsencode(folder), name)
        os.mkdir(inner)
        with open(os.path.join(inner, b"note.md"), "wb") as handle:
            handle.write(b"# In " + name + b"\n\nText.\n")
    result = build(folder, NO_HTML)
    assert [n.path for n in result.notes if n.path != "plain.md"] == ["caf\ufffd/note.md"]
    assert [str(p) for p in result.problems] == [
        "caf\ufffd/note.md: a file whose path is not valid UTF-8 has this name once U+FFFD replaces its bad bytes; "
        "that file is skipped"]


def test_closed_front_matter_with_a_broken_indented_line_is_not_taken_for_unclosed(tmp_path: Path) -> None:
    result = _build(tmp_path, {"c.md": (
        "---\ndescription: MLOps in short\n  for beginners\n\n  note: a draft\n---\n\n# What is MLOps?\n\nText.\n"
    )})
    note = next(n for n in result.notes if n.path == "c.md")
    assert note.title == "What is MLOps?"
    assert [m for m in _messages(result) if m.startswith("c.md")] == [
        "c.md:5: front matter is not valid YAML: mapping values are not allowed in this context; keys ignored"]


def test_markdown_between_two_rules_is_body(tmp_path: Path) -> None:
    result = _build(tmp_path, {
        "h.md": "---\n\n# What is MLOps?\n\n---\n\nMLOps is a practice.\n",
        "q.md": "---\n> MLOps is a set of practices.\n>\n> — [Google](https://cloud.google.com/x)\n---\n\n# Q\n",
    })
    heading = next(n for n in result.notes if n.path == "h.md")
    assert heading.title == "What is MLOps?"
    assert [q.text for q in heading.quotes] == ["MLOps is a practice."]
    quote = next(n for n in result.notes if n.path == "q.md")
    assert [(q.text, q.source.name if q.source else None) for q in quote.quotes] == [
        ("MLOps is a set of practices.", "Google")]
    for name in ("h.md", "q.md"):
        assert f"{name}:1: starts with '---', but what follows up to the next '---' is not front matter " \
               "(key: value lines); read as body" in _messages(result)


def test_keys_a_merge_key_brings_in_are_not_reported_as_repeated(tmp_path: Path) -> None:
    result = _build(tmp_path, {"m.md": "---\nbase: &b\n  title: A\n  author: Z\n<<: *b\ntitle: B\n---\n"})
    note = next(n for n in result.notes if n.path == "m.md")
    assert (note.title, note.author) == ("B", "Z")
    assert not [m for m in _messages(result) if "given again" in m]


def test_dates_and_times_in_metadata_are_kept_as_written(tmp_path: Path) -> None:
    result = _build(tmp_path, {"t.md": (
        "---\ntitle: T\nreviewed: 2022-03-14T10:00:00Z\ndraft: True\ndate: 2022-03-14\n---\n"
    )})
    note = next(n for n in result.notes if n.path == "t.md")
    assert str(note.date) == "2022-03-14"
    assert dict(note.extra) == {"reviewed": "2022-03-14T10:00:00Z", "draft": "True"}
