"""The build cache: unchanged notes are not read or rendered again, the output is the same as a build
without the cache, and anything a note's triples depend on invalidates it."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_graph import cache as cache_module
from mlops_graph import workers
from mlops_graph.cache import CACHE_DIR, CACHE_FILE, BuildCache
from mlops_graph.config import Settings
from mlops_graph.pipeline import BuildResult, build

from .conftest import BAD, CORPUS

NOTES = 14
KINDS = ("read", "render", "index", "sources", "concepts")


def counts(**given: int) -> dict[str, int]:
    """Hits or misses per kind of entry: the notes' readings and renderings, and the whole-corpus
    results (concept index, sources graph, concepts graph)."""
    return {kind: given.get(kind, 0) for kind in KINDS}


ALL = counts(read=NOTES, render=NOTES, index=1, sources=1, concepts=1)
EXTRA_VOCABULARY = """\
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://example.org/vocab/health-checking> a skos:Concept ;
    skos:prefLabel "health checking"@en ;
    skos:inScheme <https://example.org/vocab> .
"""


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    shutil.copytree(CORPUS, folder)
    return folder


def cached_build(notes: Path, folder: Path, settings: Settings | None = None,
                 workers: int | None = None) -> tuple[BuildResult, BuildCache]:
    cache = BuildCache(folder)
    try:
        result = build(notes, settings or Settings(), cache=cache, workers=workers)
        files = dict(result.files)
    finally:
        cache.close()
    result.files = files
    return result, cache


def plain_files(notes: Path, settings: Settings | None = None) -> dict[str, bytes]:
    return dict(build(notes, settings or Settings()).files)


def test_an_unchanged_corpus_comes_from_the_cache(notes: Path, tmp_path: Path) -> None:
    first, cold = cached_build(notes, tmp_path / "cache")
    assert (cold.hits, cold.misses) == (counts(), ALL)
    second, warm = cached_build(notes, tmp_path / "cache")
    assert (warm.hits, warm.misses) == (ALL, counts())
    assert second.files == first.files == plain_files(notes)
    assert second.summary == first.summary


def test_one_edited_note_is_the_only_one_read_and_rendered_again(notes: Path, tmp_path: Path) -> None:
    cached_build(notes, tmp_path / "cache")
    note = notes / "what-is-model-serving.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n> Serving also means batch prediction.\n",
                    encoding="utf-8")
    result, cache = cached_build(notes, tmp_path / "cache")
    assert cache.misses == counts(read=1, render=1)
    assert result.files == plain_files(notes)
    assert "batch prediction" in result.files["notes/what-is-model-serving.ttl"].decode()


def test_a_quote_from_a_new_source_makes_the_sources_graph_again(notes: Path, tmp_path: Path) -> None:
    cached_build(notes, tmp_path / "cache")
    note = notes / "what-is-model-serving.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n[Seldon](https://docs.seldon.example/serving) said\n\n"
                    "> Serving puts a model behind an endpoint.\n", encoding="utf-8")
    result, cache = cached_build(notes, tmp_path / "cache")
    assert cache.misses == counts(read=1, render=1, sources=1)
    assert result.files == plain_files(notes)
    assert b"Seldon" in result.files["graph.ttl"]


def test_a_note_that_adds_a_concept_renders_every_note_again(notes: Path, tmp_path: Path) -> None:
    cached_build(notes, tmp_path / "cache")
    note = notes / "what-is-data-drift.md"
    note.write_text(note.read_text(encoding="utf-8").replace("tags:", "tags:\n  - shadow-deployment", 1),
                    encoding="utf-8")
    result, cache = cached_build(notes, tmp_path / "cache")
    assert cache.misses == counts(read=1, render=NOTES, index=1, concepts=1)
    assert result.files == plain_files(notes)


def test_a_new_title_changes_where_other_notes_link(notes: Path, tmp_path: Path) -> None:
    cached_build(notes, tmp_path / "cache")
    (notes / "glossary.md").write_text("---\ntitle: Feature Store\n---\n\nA glossary entry.\n", encoding="utf-8")
    result, cache = cached_build(notes, tmp_path / "cache")
    assert cache.misses["read"] == 1
    assert cache.misses["render"] == NOTES + 1
    assert result.files == plain_files(notes)


@pytest.mark.parametrize("variant", ["base-iri", "vocabulary", "date-order"])
def test_settings_and_vocabularies_invalidate_what_they_change(notes: Path, tmp_path: Path, variant: str) -> None:
    vocabulary = tmp_path / "extra.ttl"
    vocabulary.write_text(EXTRA_VOCABULARY, encoding="utf-8")
    settings, expected_misses = {
        "base-iri": (Settings(base_iri="https://example.org/kb/"), counts(render=NOTES, index=1, sources=1, concepts=1)),
        "vocabulary": (Settings(vocabularies=(vocabulary,)), counts(render=NOTES, index=1, concepts=1)),
        "date-order": (Settings(date_order="MDY"), counts(read=NOTES, render=NOTES)),
    }[variant]
    default, _cold = cached_build(notes, tmp_path / "cache")
    result, cache = cached_build(notes, tmp_path / "cache", settings)
    assert cache.misses == expected_misses
    assert result.files == plain_files(notes, settings)
    assert result.files != default.files


def test_a_new_program_version_invalidates_everything(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached_build(notes, tmp_path / "cache")
    monkeypatch.setattr(cache_module, "program_digest", lambda: b"another program")
    monkeypatch.setattr("mlops_graph.pipeline.program_digest", lambda: b"another program")
    _result, cache = cached_build(notes, tmp_path / "cache")
    assert cache.misses == ALL


@pytest.fixture
def package_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the package that ``program_digest`` hashes instead of the installed one."""
    copy = tmp_path / "mlops_graph"
    shutil.copytree(Path(cache_module.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_module, "__file__", str(copy / "cache.py"))
    cache_module.program_digest.cache_clear()
    yield copy
    cache_module.program_digest.cache_clear()


def _fresh_digest() -> bytes:
    cache_module.program_digest.cache_clear()
    return cache_module.program_digest()


def test_the_program_digest_covers_the_package_files(package_copy: Path) -> None:
    before = _fresh_digest()
    assert len(before) == 32
    assert _fresh_digest() == before
    mentions = package_copy / "extract" / "mentions.py"
    mentions.write_text(mentions.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    edited = _fresh_digest()
    assert edited != before
    (package_copy / "query" / "queries" / "extra.rq").write_text("SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    added = _fresh_digest()
    assert added not in (before, edited)
    (package_copy / "extract" / "__pycache__").mkdir(exist_ok=True)
    (package_copy / "extract" / "__pycache__" / "mentions.cpython-311.pyc").write_bytes(b"compiled")
    assert _fresh_digest() == added


def test_the_program_digest_covers_the_library_versions(package_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _fresh_digest()
    real = cache_module.metadata.version
    monkeypatch.setattr(cache_module.metadata, "version",
                        lambda name: "0.0.1" if name == "pyoxigraph" else real(name))
    assert _fresh_digest() != before


def test_entries_a_build_did_not_use_are_pruned(notes: Path, tmp_path: Path) -> None:
    cached_build(notes, tmp_path / "cache")
    (notes / "reading-list.md").unlink()
    cached_build(notes, tmp_path / "cache")
    with sqlite3.connect(tmp_path / "cache" / CACHE_FILE) as db:
        entries = dict(db.execute("SELECT kind, count(*) FROM entries GROUP BY kind").fetchall())
    assert entries == counts(read=NOTES - 1, render=NOTES - 1, index=1, sources=1, concepts=1)


def test_pruning_looks_each_entry_up_in_the_index_of_used_keys(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "cache")
    assert cache._db is not None
    cache._db.execute("CREATE TEMP TABLE used (kind TEXT, key BLOB, PRIMARY KEY (kind, key))")
    plan = " ".join(row[-1] for row in cache._db.execute(f"EXPLAIN QUERY PLAN {cache_module.PRUNE}"))
    cache.close(prune=False)
    assert "SCAN used" not in plan and "SEARCH used USING" in plan, plan


def test_a_corrupt_cache_is_set_aside_and_the_build_goes_on(notes: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / CACHE_FILE).write_bytes(b"not a database " * 1000)
    result, cache = cached_build(notes, folder)
    assert cache.warning is not None and CACHE_FILE in cache.warning
    assert result.files == plain_files(notes)
    _again, fresh = cached_build(notes, folder)
    assert fresh.warning is None
    assert fresh.misses == ALL
    _third, warm = cached_build(notes, folder)
    assert warm.hits == ALL


def test_a_cache_that_fails_during_the_build_gives_the_same_output(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached_build(notes, tmp_path / "cache")

    def broken_load(self: BuildCache, kind: str, keys: object) -> object:
        raise cache_module.CacheError("disk gone")
        yield

    monkeypatch.setattr(BuildCache, "load", broken_load)
    result, _cache = cached_build(notes, tmp_path / "cache")
    assert result.files == plain_files(notes)


def test_bad_files_and_their_problems_come_back_from_the_cache(notes: Path, tmp_path: Path) -> None:
    for path in BAD.iterdir():
        shutil.copy(path, notes / path.name)
    first, _cold = cached_build(notes, tmp_path / "cache")
    second, warm = cached_build(notes, tmp_path / "cache")
    assert warm.misses["render"] == 0
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]
    assert second.problems
    assert second.files == first.files


def test_parallel_rendering_with_a_body_store_and_the_cache(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_MIN_NOTES", 1)
    expected = plain_files(notes)
    first, _cold = cached_build(notes, tmp_path / "cache", workers=2)
    note = notes / "what-is-mlops.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nA closing paragraph on monitoring.\n", encoding="utf-8")
    second, warm = cached_build(notes, tmp_path / "cache", workers=2)
    assert first.files == expected
    assert warm.misses == counts(read=1, render=1)
    assert second.files == plain_files(notes)


def test_a_note_rendered_next_to_many_cached_ones_is_rendered_by_a_process_of_its_own(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers, "PARALLEL_MIN_NOTES", 1)
    cached_build(notes, tmp_path / "cache")
    note = notes / "what-is-mlops.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nA closing paragraph on monitoring.\n", encoding="utf-8")
    pools: list[tuple[list[int], int]] = []
    real_pool = workers._pool

    def spy(notes_: object, todo: list[int], ctx: object, store: object, count: int) -> object:
        pools.append((list(todo), count))
        return real_pool(notes_, todo, ctx, store, count)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "_pool", spy)
    second, warm = cached_build(notes, tmp_path / "cache")
    assert warm.misses == counts(read=1, render=1)
    assert [(len(todo), count) for todo, count in pools] == [(1, 1)]
    assert second.files == plain_files(notes)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlops_graph", *args], cwd=cwd, capture_output=True,
                          text=True, check=False)


def test_cli_uses_the_cache_in_the_output_folder(notes: Path, tmp_path: Path) -> None:
    first = run_cli("build", str(notes), "-o", "out", "-v", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"cache: 0 of {NOTES} notes read" in first.stdout
    assert (tmp_path / "out" / CACHE_DIR / CACHE_FILE).is_file()
    second = run_cli("build", str(notes), "-o", "out", "-v", cwd=tmp_path)
    assert (f"cache: {NOTES} of {NOTES} notes read, {NOTES} of {NOTES} rendered from the cache; "
            "3 of 3 whole-corpus results (index, sources, concepts) from the cache") in second.stdout
    uncached = run_cli("build", str(notes), "-o", "plain", "--no-cache", cwd=tmp_path)
    assert uncached.returncode == 0, uncached.stderr
    assert not (tmp_path / "plain" / CACHE_DIR).exists()
    assert (tmp_path / "out" / "graph.trig").read_bytes() == (tmp_path / "plain" / "graph.trig").read_bytes()


def test_cli_never_puts_a_cache_in_a_folder_it_refuses_to_replace(notes: Path, tmp_path: Path) -> None:
    refused = run_cli("build", str(notes), "-o", str(notes), cwd=tmp_path)
    assert refused.returncode != 0
    assert "refusing to replace" in refused.stderr
    assert not (notes / CACHE_DIR).exists()


@pytest.mark.parametrize("change", ["edit", "remove"])
def test_a_note_changed_while_it_is_read_does_not_poison_the_cache(
        notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    import mlops_graph.pipeline as pipeline

    target = notes / "what-is-mlops.md"
    original = target.read_bytes()
    real_key = pipeline._read_key

    def key_then_change(base: bytes, note_file: object, settings: Settings) -> bytes | None:
        key = real_key(base, note_file, settings)  # type: ignore[arg-type]
        if getattr(note_file, "path", None) == target and target.read_bytes() == original:
            if change == "edit":  # the note is saved again between its key and its reading
                target.write_bytes(original.replace(b"What is Machine Learning Operations", b"EDITED MID-BUILD"))
            else:
                target.unlink()
        return key

    monkeypatch.setattr(pipeline, "_read_key", key_then_change)
    cached_build(notes, tmp_path / "cache", workers=1)
    monkeypatch.setattr(pipeline, "_read_key", real_key)
    target.write_bytes(original)
    again, _ = cached_build(notes, tmp_path / "cache", workers=1)
    assert again.files == plain_files(notes)
    assert not [p for p in again.problems if "disappeared" in p.message]
