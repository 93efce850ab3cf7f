"""The output folder is replaced atomically: a build that is killed or fails leaves the previous output.

After every interruption the output folder is byte for byte one complete build (the previous one, or
the new one once the swap has happened), never a mixture or a half-written file. Leftover staging
folders are hidden siblings that a later write removes.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from mlops_graph.cli import main
from mlops_graph.config import Settings
from mlops_graph.errors import OutputError
from mlops_graph.export import atomic
from mlops_graph.export.atomic import RETIRED_PREFIX, STAGING_PREFIX, write_output
from mlops_graph.pipeline import BuildResult, build
from tests.conftest import CORPUS, ROOT

GENERATED_NOTES = 2500


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → bytes), tool state (store, cache) left out."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel.split("/")[0] not in atomic.CARRIED_OVER:
            out[rel] = path.read_bytes()
    return out


def leftovers(parent: Path) -> list[str]:
    """The tool's sibling folders in ``parent``."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((STAGING_PREFIX, RETIRED_PREFIX)))


def dead_pid() -> int:
    """The id of a process that has just exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def parses(data: bytes) -> bool:
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.TURTLE)
    return len(store) > 0


@pytest.fixture(scope="module")
def big_notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few thousand small notes: enough for a build to take several seconds."""
    folder = tmp_path_factory.mktemp("big") / "notes"
    folder.mkdir()
    for i in range(GENERATED_NOTES):
        (folder / f"note-{i:05d}.md").write_text(
            f"---\ntitle: Note {i}\ndate: 2022-03-{i % 28 + 1:02d}\ntags: [mlops, topic-{i % 50}]\n---\n\n"
            f"# What is topic {i}\n\nTopic {i} is about model serving and feature stores.\n\n"
            f"[Source {i % 40}](https://example.org/s{i % 40}/p{i}) said\n\n"
            f"> Topic {i} is a practice of continuous training.\n\nSee [[Note {(i + 1) % GENERATED_NOTES}]].\n",
            encoding="utf-8",
        )
    return folder


@pytest.fixture(scope="module")
def big_build(big_notes: Path) -> BuildResult:
    return build(big_notes, Settings())


@pytest.fixture()
def previous(tmp_path: Path, corpus_build: BuildResult) -> Iterator[tuple[Path, dict[str, bytes]]]:
    out = tmp_path / "output"
    write_output(out, corpus_build.files)
    before = snapshot(out)
    assert set(before) == set(corpus_build.files)
    yield out, before


def check_complete(out: Path, candidates: dict[str, dict[str, bytes]]) -> str:
    """``out`` holds exactly one of the candidate builds; returns its name."""
    now = snapshot(out)
    matches = [name for name, files in candidates.items() if now == files]
    assert len(matches) == 1, (
        f"{out} is not one complete build: {len(now)} files, "
        f"differences from each: { {n: sorted(set(f) ^ set(now))[:5] for n, f in candidates.items()} }"
    )
    assert parses(now["graph.ttl"])
    for name in leftovers(out.parent):
        assert name.startswith(".")  # hidden: never taken for the output or for notes
    return matches[0]


def run_and_kill(args: list[str], delay: float, wait_for: Path | None = None) -> float:
    """Start ``args`` in its own process group, SIGKILL the group ``delay`` s after it starts (or after
    ``wait_for``'s parent holds one of the child's staging folders); returns when it was killed."""
    child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    start = time.monotonic()
    try:
        if wait_for is not None:
            prefix = f"{STAGING_PREFIX}{child.pid}-"
            while child.poll() is None and not any(
                p.name.startswith(prefix) for p in wait_for.parent.iterdir()
            ):
                if time.monotonic() - start > 120:
                    pytest.fail("the write never started")
                time.sleep(0.002)
            start = time.monotonic()
        while time.monotonic() - start < delay and child.poll() is None:
            time.sleep(0.005)
        killed_at = time.monotonic() - start
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    return killed_at


# --- killed builds -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_killed_build_leaves_the_previous_output(
    previous: tuple[Path, dict[str, bytes]], big_notes: Path, big_build: BuildResult
) -> None:
    out, before = previous
    candidates = {"previous": before, "new": dict(big_build.files)}
    seen = []
    for delay in (0.3, 0.6, 1.0, 1.5):
        run_and_kill([sys.executable, "-m", "mlops_graph", "build", str(big_notes), "-o", str(out), "-q"], delay)
        seen.append(check_complete(out, candidates))
    assert seen[0] == "previous"  # 0.3 s: still starting up, nothing can have been swapped
    # A following build succeeds, and removes what the killed ones left behind.
    assert main(["build", str(big_notes), "-o", str(out), "-q"]) == 0
    assert check_complete(out, candidates) == "new"
    assert leftovers(out.parent) == []


@pytest.mark.slow
def test_ctrl_c_during_a_parallel_build_ends_it_and_keeps_the_previous_output(
    previous: tuple[Path, dict[str, bytes]], big_notes: Path, big_build: BuildResult
) -> None:
    """Ctrl-C reaches the build and its worker processes alike (one process group): the build ends
    with status 130, never waits forever on a worker, and leaves the previous output, or the new one
    complete where the interrupt came after it was swapped in (while the old one was being removed)."""
    out, _before = previous
    new = dict(big_build.files)
    for delay in (1.0, 2.0, 3.0):
        current = snapshot(out)
        child = subprocess.Popen([sys.executable, "-m", "mlops_graph", "build", str(big_notes), "-o", str(out), "-q"],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        time.sleep(delay)
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGINT)
        try:
            _out, err = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            pytest.fail(f"the build interrupted after {delay} s never ended")
        if child.returncode == 130:
            check_complete(out, {"previous": current, "new": new} if current != new else {"new": new})
            assert b"Traceback" not in err
        else:
            assert child.returncode == 0  # it had finished before the interrupt
            assert snapshot(out) == new


WRITER = r"""
import sys
from pathlib import Path
from mlops_graph.export.atomic import write_output
source, out = Path(sys.argv[1]), Path(sys.argv[2])
files = {p.relative_to(source).as_posix(): p.read_bytes() for p in sorted(source.rglob("*")) if p.is_file()}
write_output(out, files)
"""


@pytest.mark.slow
def test_a_write_killed_at_any_moment_leaves_one_complete_output(
    previous: tuple[Path, dict[str, bytes]], big_build: BuildResult, tmp_path: Path
) -> None:
    out, before = previous
    new = dict(big_build.files)
    source = tmp_path / "new-output"
    write_output(source, new)
    (out / "store").mkdir()
    (out / "store" / "db").write_bytes(b"tool state")
    candidates = {"previous": before, "new": new}
    writer = [sys.executable, "-c", WRITER, str(source), str(out)]

    write_time = run_and_kill(writer, 600, wait_for=out)  # not killed: how long the write itself takes
    assert check_complete(out, candidates) == "new"
    assert (out / "store" / "db").read_bytes() == b"tool state"  # carried over
    write_output(out, before)
    assert check_complete(out, candidates) == "previous"

    outcomes = []
    for fraction in (0.0, 0.05, 0.25, 0.5, 0.8, 1.5):
        run_and_kill(writer, fraction * write_time, wait_for=out)
        outcome = check_complete(out, candidates)
        outcomes.append(outcome)
        if outcome == "new":
            write_output(out, before)
            assert check_complete(out, candidates) == "previous"
    print(f"write of {len(new)} files: {write_time:.2f} s; outcomes {outcomes}")
    assert outcomes[0] == "previous"  # killed as the staging folder appeared: the swap is far away
    write_output(out, new)
    assert check_complete(out, candidates) == "new"
    assert leftovers(out.parent) == []
    assert (out / "store" / "db").read_bytes() == b"tool state"


# --- failures inside the process ------------------------------------------------------------------------


def fail_file_write(monkeypatch: pytest.MonkeyPatch, at: int, error: BaseException) -> list[int]:
    """Make the ``at``-th file the output writes raise ``error``; returns [number of files begun]."""
    real_write = atomic._write_file
    calls = [0]

    def write(target: Path, data: Iterable[bytes]) -> None:
        calls[0] += 1
        if calls[0] == at:
            raise error
        return real_write(target, data)

    monkeypatch.setattr(atomic, "_write_file", write)
    return calls


def _changed(build: BuildResult, many: bool) -> dict[str, bytes]:
    """The build's files, each changed; with ``many``, also as many notes' files as a large garden has
    (they are written by several threads)."""
    changed = {name: data + b"\n# changed\n" for name, data in build.files.items()}
    if many:
        changed.update({f"notes/more-{i}.ttl": b"# another note\n" for i in range(atomic.THREADED_FROM)})
    return changed


@pytest.mark.parametrize("many", [False, True])
def test_a_failed_write_leaves_the_previous_output(
    previous: tuple[Path, dict[str, bytes]], corpus_build: BuildResult, monkeypatch: pytest.MonkeyPatch, many: bool
) -> None:
    out, before = previous
    (out / "store").mkdir()
    (out / "store" / "db").write_bytes(b"tool state")
    changed = _changed(corpus_build, many)
    calls = fail_file_write(monkeypatch, 5, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(OutputError, match="No space left on device"):
        write_output(out, changed)
    assert calls[0] >= 5  # the write stopped at the failure (files being written meanwhile may finish)
    assert snapshot(out) == before
    assert (out / "store" / "db").read_bytes() == b"tool state"
    assert leftovers(out.parent) == []


@pytest.mark.parametrize("many", [False, True])
def test_an_interrupted_write_leaves_the_previous_output(
    previous: tuple[Path, dict[str, bytes]], corpus_build: BuildResult, monkeypatch: pytest.MonkeyPatch, many: bool
) -> None:
    out, before = previous
    changed = _changed(corpus_build, many)
    calls = fail_file_write(monkeypatch, 3, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_output(out, changed)
    assert calls[0] >= 3
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_a_failed_swap_keeps_the_previous_output_and_its_tool_state(
    previous: tuple[Path, dict[str, bytes]], corpus_build: BuildResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    (out / "store").mkdir()
    (out / "store" / "db").write_bytes(b"tool state")

    real_rename = os.rename

    def broken_rename(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        if Path(src) == out:
            raise OSError(errno.EIO, "Input/output error", str(src))
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", broken_rename)
    with pytest.raises(OutputError, match="Input/output error"):
        write_output(out, {name: b"new " + data for name, data in corpus_build.files.items()})
    assert snapshot(out) == before
    assert (out / "store" / "db").read_bytes() == b"tool state"
    assert leftovers(out.parent) == []


def test_the_two_rename_swap_puts_the_old_output_back_when_it_fails(
    previous: tuple[Path, dict[str, bytes]], corpus_build: BuildResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    new = {name: b"new " + data for name, data in corpus_build.files.items()}
    real_rename = os.rename
    renames = []

    def second_rename_fails(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        renames.append((Path(src).name, Path(dst).name))
        if Path(src).name.startswith(STAGING_PREFIX):
            raise OSError(errno.EIO, "Input/output error")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", second_rename_fails)
    with pytest.raises(OutputError):
        write_output(out, new)
    assert snapshot(out) == before
    assert leftovers(out.parent) == []
    monkeypatch.setattr(os, "rename", real_rename)
    write_output(out, new)
    assert snapshot(out) == new


def test_an_output_lost_between_two_renames_is_put_back(
    previous: tuple[Path, dict[str, bytes]], corpus_build: BuildResult
) -> None:
    """A build killed between the two renames leaves the old output in a retired folder only."""
    out, _before = previous
    (out / "store").mkdir()
    (out / "store" / "db").write_bytes(b"tool state")
    retired = out.parent / f"{RETIRED_PREFIX}{dead_pid()}-abc"
    retired.mkdir()
    os.rename(out, retired / out.name)
    assert not out.exists()
    new = {name: b"new " + data for name, data in corpus_build.files.items()}
    write_output(out, new)
    assert snapshot(out) == new
    assert (out / "store" / "db").read_bytes() == b"tool state"
    assert leftovers(out.parent) == []


def test_another_output_lost_between_two_renames_is_left_for_its_own_build(
    previous: tuple[Path, dict[str, bytes]], corpus_build: BuildResult
) -> None:
    """Two outputs in one folder: writing one never deletes the other's previous output."""
    out, before = previous
    other = out.parent / "other-output"
    write_output(other, before)
    retired = out.parent / f"{RETIRED_PREFIX}{dead_pid()}-abc"
    retired.mkdir()
    os.rename(other, retired / other.name)  # as a build of other-output killed between its renames
    write_output(out, corpus_build.files)
    assert snapshot(retired / other.name) == before
    new = {name: b"new " + data for name, data in corpus_build.files.items()}
    write_output(other, new)
    assert snapshot(other) == new
    assert leftovers(out.parent) == []


def test_leftovers_of_dead_builds_are_removed_and_live_ones_kept(
    previous: tuple[Path, dict[str, bytes]], corpus_build: BuildResult
) -> None:
    out, _before = previous
    dead = out.parent / f"{STAGING_PREFIX}{dead_pid()}-abc"
    dead.mkdir()
    (dead / "graph.ttl").write_bytes(b"half")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = out.parent / f"{STAGING_PREFIX}{sleeper.pid}-def"
        live.mkdir()
        unrelated = out.parent / ".mlops-graph-staging-notapid"
        unrelated.mkdir()
        write_output(out, corpus_build.files)
        assert not dead.exists()
        assert live.is_dir() and unrelated.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()


# --- what may be replaced --------------------------------------------------------------------------------


def test_a_folder_that_is_not_an_output_is_never_replaced(tmp_path: Path, corpus_build: BuildResult) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for path in CORPUS.glob("*.md"):
        (notes / path.name).write_bytes(path.read_bytes())
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\n")
    a_file = tmp_path / "output.txt"
    a_file.write_text("not a folder\n")
    notes_like = tmp_path / "looks-like-output"
    notes_like.mkdir()
    (notes_like / "graph.ttl").write_bytes(b"")
    (notes_like / "my-note.md").write_text("# A note\n")

    for target, words in ((notes, "does not look like an output folder"),
                          (project, "does not look like an output folder"),
                          (a_file, "is not a folder"),
                          (notes_like, "my-note.md, a Markdown file")):
        before = snapshot(target) if target.is_dir() else {"": target.read_bytes()}
        with pytest.raises(OutputError, match=words):
            write_output(target, corpus_build.files)
        assert (snapshot(target) if target.is_dir() else {"": target.read_bytes()}) == before
    assert leftovers(tmp_path) == []


def test_an_empty_folder_and_an_earlier_output_are_replaced(tmp_path: Path, corpus_build: BuildResult) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    write_output(empty, corpus_build.files)
    assert snapshot(empty) == corpus_build.files
    state_only = tmp_path / "state-only"
    (state_only / "store").mkdir(parents=True)
    (state_only / "store" / "db").write_bytes(b"tool state")
    write_output(state_only, corpus_build.files)
    assert snapshot(state_only) == corpus_build.files
    assert (state_only / "store" / "db").read_bytes() == b"tool state"
    (empty / "report.md").write_bytes(b"an older report\n")
    (empty / "graph.html").unlink()
    write_output(empty, corpus_build.files)
    assert snapshot(empty) == corpus_build.files


@pytest.mark.parametrize("name", ["../escape.ttl", "/etc/escape.ttl", "", "notes/../../escape.ttl", "a\x00b"])
def test_file_names_outside_the_output_are_refused(
    previous: tuple[Path, dict[str, bytes]], name: str
) -> None:
    out, before = previous
    with pytest.raises(OutputError, match="outside the output folder"):
        write_output(out, {"graph.ttl": b"", name: b"escaped"})
    assert snapshot(out) == before
    assert not (out.parent / "escape.ttl").exists()
    assert leftovers(out.parent) == []


def test_output_modes_follow_the_umask_of_the_build_that_writes_them(
    previous: tuple[Path, dict[str, bytes]]
) -> None:
    out, before = previous
    changed = dict(before)
    changed["report.md"] = before["report.md"] + b"\nOne more line.\n"
    mask = os.umask(0o077)
    try:
        write_output(out, changed)
        first = {rel: (out / rel).stat().st_mode & 0o777 for rel in changed}
        os.umask(0o022)
        write_output(out, before)
    finally:
        os.umask(mask)
    assert set(first.values()) == {0o600}
    assert {(out / rel).stat().st_mode & 0o777 for rel in before} == {0o644}
    assert out.stat().st_mode & 0o777 == 0o755
    assert (out / "notes").stat().st_mode & 0o777 == 0o755
