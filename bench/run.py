#!/usr/bin/env python3
"""Speed and memory benchmarks: mlops-graph against the straightforward rdflib exporter.

    .venv/bin/python bench/run.py                      # 1k and 10k notes, 3 rounds each
    .venv/bin/python bench/run.py --notes 1000 10000 50000 --skip-queries   # 50k built once
    .venv/bin/python bench/run.py --queries-only output/   # only the named queries, on an existing build
    .venv/bin/python bench/run.py --folder notes --folder GARDEN --notes 121 --rounds 5 --skip-edit
                                                       # real gardens: the user's note, a fetched garden

For each corpus size it makes the corpus (bench/make_corpus.py, deterministic), then runs the
baseline (bench/baseline_rdflib.py) and a full `mlops-graph build` in alternation, each
in its own process and into a fresh folder (the previous one deleted and flushed to disk before
the timer starts), and prints the median wall and CPU times, the ratio
baseline / mlops-graph measured in the same run, and each process's peak resident memory (from
wait4's rusage). The package is byte-compiled first, as an installed copy is. It then times a
one-note edit followed by a rebuild, and every named query on the embedded store. It prints
figures; it never fails on one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
CORPORA = HERE / "corpora"
#: Corpora this large are built ``--large-rounds`` times (default once): they take minutes.
LARGE = 50_000
#: A named query whose first evaluation takes this many seconds is timed in one round only.
SLOW_QUERY_S = 10.0


def run(cmd: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, with the worker processes it waited for) and peak
    RSS in MB (the largest of the process and its children) of one child process, run in ``cwd`` (the
    run's own temporary folder, which holds no pyproject.toml, as a garden's folder holds none: from
    the checkout, the build would read the checkout's as its settings). ``mlops-graph`` is this
    checkout's package, first on its path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)} if cmd[1:3] == ["-m", "mlops_graph"] else None
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def corpus(notes: int) -> Path:
    folder = CORPORA / f"{notes}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([PYTHON, str(HERE / "make_corpus.py"), str(folder), "--notes", str(notes)], check=True)
        (folder / ".complete").write_text("")
    return folder


def fresh(folder: Path) -> None:
    """Delete ``folder`` and flush the file system, so that the deletion (hundreds of megabytes and
    thousands of files, discarded block by block on some disks) is not paid by the next run."""
    shutil.rmtree(folder, ignore_errors=True)
    os.sync()


def compile_package() -> None:
    """Byte-compile the package, as ``pip install`` does: from an editable install, under
    ``PYTHONDONTWRITEBYTECODE=1``, every run would compile each module from source again (about 30 ms
    of a small build), which no installed copy pays. Stale files are recompiled when their source
    changes."""
    import compileall

    compileall.compile_dir(ROOT / "mlops_graph", quiet=1)


def build_cmd(notes: Path, out: Path) -> list[str]:
    return [PYTHON, "-m", "mlops_graph", "build", str(notes), "-o", str(out), "-q"]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def bench_builds(corpora: list[tuple[str, Path, int]], rounds: int, large_rounds: int, work: Path) -> None:
    """Full builds, each into a fresh folder, alternating with the baseline.
    ``corpora``: (name, notes folder, number of notes) of each corpus."""
    rows = [["notes", "baseline s", "mlops-graph s", "ratio", "baseline CPU s", "mlops-graph CPU s",
             "baseline MB", "mlops-graph MB"]]
    for name, notes, size in corpora:
        base: list[tuple[float, float, float]] = []
        ours: list[tuple[float, float, float]] = []
        for _ in range(large_rounds if size >= LARGE else rounds):
            fresh(work / "baseline")
            base.append(run([PYTHON, str(HERE / "baseline_rdflib.py"), str(notes), str(work / "baseline")], work))
            fresh(work / f"out-{size}")
            ours.append(run(build_cmd(notes, work / f"out-{size}"), work))
        b, o = (statistics.median(t[0] for t in runs) for runs in (base, ours))
        bc, oc = (statistics.median(t[1] for t in runs) for runs in (base, ours))
        rows.append([name, f"{b:.2f}", f"{o:.2f}", f"{b / o:.2f}x", f"{bc:.1f}", f"{oc:.1f}",
                     f"{max(t[2] for t in base):.0f}", f"{max(t[2] for t in ours):.0f}"])
        print(f"full builds, median of {len(base)} (wall and CPU seconds, peak RSS MB):")
        print(table(rows), "\n", flush=True)


def bench_edit(size: int, rounds: int, work: Path) -> None:
    source = corpus(size)
    notes = work / f"edit-{size}"
    shutil.rmtree(notes, ignore_errors=True)
    shutil.copytree(source, notes)
    out = work / f"edit-out-{size}"
    first = run(build_cmd(notes, out), work)
    victim = sorted(notes.rglob("*.md"))[size // 2]
    times = []
    for i in range(rounds):
        with victim.open("a", encoding="utf-8") as handle:
            handle.write(f"\n> An added quote, edit {i}.\n")
        times.append(run(build_cmd(notes, out), work))
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    print(f"one note edited in {size} into the same output folder: first build {first[0]:.2f} s, "
          f"rebuild median {wall:.2f} s wall, {cpu:.1f} s CPU, peak {max(t[2] for t in times):.0f} MB "
          f"over {rounds} rounds\n")


def _compare_term(store: object) -> str:
    """The label of a defined term, so that ``compare`` has rows on a synthetic corpus too."""
    import pyoxigraph as ox

    from mlops_graph.namespaces import prefixes

    assert isinstance(store, ox.Store)
    solutions = store.query(
        "SELECT ?label WHERE { ?d mg:defines ?c . ?c skos:prefLabel ?label } LIMIT 1",
        prefixes=prefixes(""), use_default_graph_as_union=True,
    )
    assert isinstance(solutions, ox.QuerySolutions)
    for solution in solutions:
        label = solution["label"]
        if label is not None:
            return str(label.value)
    return "MLOps"


def bench_queries(size: int | str, out: Path, rounds: int = 3, names: list[str] | None = None) -> None:
    """Time every named query on the embedded store of the build in ``out``.

    Per query, medians over ``rounds`` runs of: the store evaluating it and handing each solution to
    Python (no conversion), the time to the first solution, the evaluation plus the JSON and the CSV
    serialisation (what ``mlops-graph query`` does: ``table`` and ``json`` use JSON), and reading the
    rows out of the JSON into Python tuples (``Result.rows``). The store load is timed once, and so is
    a query whose first evaluation takes :data:`SLOW_QUERY_S` or more.
    """
    import pyoxigraph as ox

    from mlops_graph.namespaces import prefixes
    from mlops_graph.query.binding import bound_text
    from mlops_graph.query.named import named_queries
    from mlops_graph.store.embedded import STORE_DIR, concept_lookup, open_store, run_query

    graph = out / "graph.trig"
    loaded = (out / STORE_DIR / "source.sha256").is_file()
    start = time.perf_counter()
    store = open_store(graph)
    opened = time.perf_counter() - start
    graph_name = f"the {size}-note graph" if isinstance(size, int) else f"the graph in {size}"
    print(f"store for {graph_name}: {'opened (already loaded)' if loaded else 'bulk-loaded and opened'}"
          f" in {opened:.2f} s\n", flush=True)
    term = _compare_term(store)
    rows = [["query", "execute ms", "first row ms", "+json ms", "+csv ms", "rows->py ms", "rows", "json MB"]]
    queries = named_queries()
    for name in names or list(queries):
        query = queries[name]
        params = {p: term for p in query.parameters}

        def solutions(query: Any = query, params: dict[str, str] = params) -> ox.QuerySolutions:
            """The solutions of ``query``, parameters bound (concept labels looked up) as run_query does."""
            text = bound_text(query, params, concept_lookup(store))
            result = store.query(text, prefixes=prefixes(""), use_default_graph_as_union=True)
            assert isinstance(result, ox.QuerySolutions)
            return result

        timed: dict[str, list[float]] = {k: [] for k in ("execute", "first", "json", "csv", "convert")}
        count, size_mb = 0, 0.0
        for done in range(rounds):
            if done and timed["execute"][0] >= SLOW_QUERY_S:
                break  # timed once: each of its runs would take minutes
            start = time.perf_counter()
            count = sum(1 for _ in solutions())
            timed["execute"].append(time.perf_counter() - start)
            start = time.perf_counter()
            next(iter(solutions()), None)
            timed["first"].append(time.perf_counter() - start)
            for fmt in ("json", "csv"):
                start = time.perf_counter()
                result = run_query(store, query, params, fmt=fmt)
                timed[fmt].append(time.perf_counter() - start)
                if fmt == "json":
                    size_mb = len(result.raw["json"]) / 1e6
                    start = time.perf_counter()
                    assert len(result.rows) == count
                    timed["convert"].append(time.perf_counter() - start)
        med = {k: f"{statistics.median(v) * 1000:.0f}" for k, v in timed.items()}
        rows.append([name, med["execute"], med["first"], med["json"], med["csv"], med["convert"], str(count),
                     f"{size_mb:.1f}"])
        print(f"  {name}: {med['execute']} ms to evaluate, {count} rows", file=sys.stderr, flush=True)
    print(f"named queries on {graph_name} (embedded Oxigraph, store loaded; medians of {rounds} runs,"
          f" one for those taking {SLOW_QUERY_S:.0f} s or more;"
          f" compare TERM = {term!r}):")
    print(table(rows), "\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--notes", type=int, nargs="*", default=[1000, 10000],
                        help="sizes of synthetic corpora (bench/make_corpus.py)")
    parser.add_argument("--folder", type=Path, action="append", default=[],
                        help="also a real notes folder (repeatable), e.g. notes or a fetched garden")
    parser.add_argument("--skip-edit", action="store_true", help="no one-note-edit rebuild")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-rounds", type=int, default=1, help=f"rounds for corpora of {LARGE:,} notes or more")
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument("--queries-only", metavar="OUT", type=Path,
                        help="only time the named queries on the existing build in OUT (no corpus, no build)")
    parser.add_argument("--query", action="append", dest="queries", metavar="NAME",
                        help="with --queries-only: time only this named query (repeatable)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}\n")
    compile_package()
    if args.queries_only:
        bench_queries(f"{args.queries_only}", args.queries_only, args.rounds, args.queries)
        return
    work = Path(tempfile.mkdtemp(prefix="mlops-graph-bench-"))
    try:
        corpora = [(str(folder), folder.resolve(), len(list(folder.rglob("*.md")))) for folder in args.folder]
        corpora += [(str(size), corpus(size), size) for size in args.notes]
        bench_builds(corpora, args.rounds, args.large_rounds, work)
        largest = [n for n in args.notes if n < LARGE] or args.notes
        if largest and not args.skip_edit:
            bench_edit(max(largest), args.rounds, work)
            if not args.skip_queries:
                bench_queries(max(largest), work / f"out-{max(largest)}", args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
