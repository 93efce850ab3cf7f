"""``mlops-graph watch``: the output, and with ``--serve`` the endpoint, follow the notes as they are
edited, added, broken, deleted and renamed, without anything else done by the user."""

from __future__ import annotations

import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import CORPUS
from tests.live_support import Running, free_port, listening, select, servers_on, titles

pytestmark = pytest.mark.slow

NOTE = "what-is-data-drift.md"
FILE = "https://w3id.org/mlops-graph/ns#file"


def note(title: str) -> str:
    return f"---\ntitle: {title}\nnotetype: feed\ndate: 2023-02-01\n---\n\n# {title}\n\nShort text about MLOps.\n"


def in_output(out: Path, predicate: str) -> set[str]:
    """The values of ``predicate`` in the output's graph.trig."""
    store = ox.Store()
    store.bulk_load(path=str(out / "graph.trig"), format=ox.RdfFormat.TRIG)
    return {quad.object.value for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None)}


def files_served(endpoint: str) -> set[str]:
    return {row["f"] for row in select(endpoint, f"SELECT ?f WHERE {{ ?n <{FILE}> ?f }}")}


class Watch:
    def __init__(self, tmp: Path, *, serve: bool, out: str = "out") -> None:
        self.notes, self.out = tmp / "notes", tmp / out
        shutil.copytree(CORPUS, self.notes)
        self.port = free_port()
        self.running = Running("watch", str(self.notes), "-o", str(self.out),
                               *(["--serve", "--port", str(self.port)] if serve else []))
        self.running.line("watching")
        served = [found.group() for line in self.running.lines if (found := re.search(r"http://\S+/query", line))]
        self.endpoint = served[0] if served else ""

    def titles(self) -> tuple[set[str], set[str]]:
        """The notes' titles in the output and at the endpoint."""
        return in_output(self.out, "http://purl.org/dc/terms/title"), titles(self.endpoint)

    def files(self) -> tuple[set[str], set[str]]:
        return in_output(self.out, FILE), files_served(self.endpoint)


@pytest.fixture
def watching(tmp_path: Path) -> Iterator[Watch]:
    watch = Watch(tmp_path, serve=True)
    try:
        yield watch
    finally:
        watch.running.close()
    assert not servers_on(watch.port), "the endpoint outlived the watch"


def test_the_first_build_is_served(watching: Watch) -> None:
    assert "built: 14 notes" in watching.running.lines[0]
    in_files, served = watching.titles()
    assert in_files == served and "What is Data Drift" in served


def test_an_edit_and_a_new_note_reach_the_output_and_the_endpoint(watching: Watch) -> None:
    path = watching.notes / NOTE
    path.write_text(path.read_text().replace("title: \"What is Data Drift\"", "title: Data drift, revised"))
    line = watching.running.line(f"{NOTE} changed")
    assert re.search(r"14 notes, .* 0 problems \(\d+\.\d\d s\)$", line), line
    for found in watching.titles():
        assert "Data drift, revised" in found and "What is Data Drift" not in found

    (watching.notes / "what-is-a-feature-pipeline.md").write_text(note("What is a feature pipeline?"))
    assert "15 notes" in watching.running.line("what-is-a-feature-pipeline.md added")
    for found in watching.titles():
        assert "What is a feature pipeline?" in found


def test_a_broken_note_is_reported_and_the_watch_goes_on(watching: Watch) -> None:
    before = watching.titles()[0]
    half = watching.notes / "half-written.md"
    half.write_text("---\ntitle: [Half written\nnotetype: feed\n")
    line = watching.running.line("half-written.md added")
    assert "1 problems" in line
    watching.running.warned(r"^  .*/half-written\.md:\d+: front matter")
    in_files, served = watching.titles()
    assert in_files == served and in_files >= before  # every other note's output is still there

    half.write_text(note("Half written, now whole"))
    assert "0 problems" in watching.running.line("half-written.md changed")
    for found in watching.titles():
        assert "Half written, now whole" in found


def test_deleted_and_renamed_notes_and_folders_leave_the_output_and_the_endpoint(watching: Watch) -> None:
    (watching.notes / NOTE).unlink()
    assert "13 notes" in watching.running.line(f"{NOTE} deleted")
    for found in watching.files():
        assert NOTE not in found and "what-is-mlops.md" in found

    (watching.notes / "what-is-mlops.md").rename(watching.notes / "mlops.md")
    watching.running.line("mlops.md added")
    for found in watching.files():
        assert "mlops.md" in found and "what-is-mlops.md" not in found

    # A folder of notes moved in whole (made beside the notes, so that no rebuild sees it half-made).
    staging = watching.notes.parent / "staging"
    staging.mkdir()
    (staging / "serving.md").write_text(note("Model serving, a draft"))
    staging.rename(watching.notes / "drafts")
    assert "14 notes" in watching.running.line("drafts/ added")
    for found in watching.files():
        assert "drafts/serving.md" in found
    (watching.notes / "drafts").rename(watching.notes / "published")
    line = watching.running.line("published/ added")
    assert "drafts/ deleted" in line and "14 notes" in line
    for found in watching.files():
        assert "published/serving.md" in found and "drafts/serving.md" not in found


def test_files_saved_together_are_one_rebuild_and_other_files_none(tmp_path: Path) -> None:
    watch = Watch(tmp_path, serve=False)
    try:
        names = ["a-first.md", "b-second.md", "c-third.md", "d-fourth.md"]
        for name in names:
            (watch.notes / name).write_text(note(name.removesuffix(".md")))
        (watch.notes / "picture.png").write_bytes(b"\x89PNG")
        (watch.notes / ".hidden.md").write_text(note("hidden"))
        line = watch.running.line("added")
        assert "a-first.md added, b-second.md added, c-third.md added and 1 more" in line and "18 notes" in line
        assert in_output(watch.out, FILE) >= set(names)
        (watch.notes / "picture.png").write_bytes(b"\x89PNG again")
        (watch.notes / "e-fifth.md").write_text(note("fifth"))
        line = watch.running.line("e-fifth.md")
        assert "picture" not in line
        rebuilds = [line for line in watch.running.lines if "notes," in line]
        assert len(rebuilds) == 3  # the first build, the four notes, the fifth
    finally:
        watch.running.close()


def test_an_output_folder_inside_the_notes_folder_causes_no_rebuild(tmp_path: Path) -> None:
    watch = Watch(tmp_path, serve=False, out="notes/out")
    try:
        (watch.notes / "outline.md").write_text(note("Outline"))  # its name starts as the output folder's
        assert "15 notes" in watch.running.line("outline.md added")
        (watch.notes / "other.md").write_text(note("Other"))
        assert "16 notes" in watch.running.line("other.md added")
        rebuilds = [line for line in watch.running.lines if "notes," in line]
        assert len(rebuilds) == 3, rebuilds  # writing the output is no change to the notes
        assert "Outline" in in_output(watch.out, "http://purl.org/dc/terms/title")
    finally:
        watch.running.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_it_stops_the_endpoint_too(watching: Watch, signum: int) -> None:
    assert listening(watching.port)
    assert watching.running.stop(signum) == 0
    assert watching.running.line("stopped")
    assert not servers_on(watching.port) and not listening(watching.port)


def test_a_missing_notes_folder_is_said(tmp_path: Path) -> None:
    running = Running("watch", str(tmp_path / "none"), "-o", str(tmp_path / "out"))
    assert running.process.wait(60) == 2
    running.warned("no such notes folder")
