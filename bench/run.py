#!/usr/bin/env python3
"""Speed and memory benchmarks: mlops-graph against the straightforward rdflib exporter.

    .venv/bin/python bench/run.py                      # 1k and 10k notes, 3 rounds each
    .venv/bin/python bench/run.py --notes 1000 10000 50000 --rounds 5

For each corpus size it makes the corpus (bench/make_corpus.py, deterministic), then runs the
baseline (bench/baseline_rdflib.py) and a full `mlops-graph build` in alternation, each in its own
process, and prints the median wall time, the ratio baseline / mlops-graph measured in the same
run, and each process's peak resident memory (from wait4's rusage). It then times a one-note edit
followed by a rebuild, and every named query on the embedded store. It prints figures; it never
fails on one.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
CORPORA = HERE / "corpora"


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024


def corpus(notes: int) -> Path:
    folder = CORPORA / f"{notes}"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([PYTHON, str(HERE / "make_corpus.py"), str(folder), "--notes", str(notes)], check=True)
        (folder / ".complete").write_text("")
    return folder


def build_cmd(notes: Path, out: Path) -> list[str]:
    return [PYTHON, "-m", "mlops_graph", "build", str(notes), "-o", str(out), "-q"]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def bench_builds(sizes: list[int], rounds: int, work: Path) -> None:
    rows = [["notes", "baseline s", "mlops-graph s", "ratio", "baseline MB", "mlops-graph MB"]]
    for size in sizes:
        notes = corpus(size)
        base_t, base_m, ours_t, ours_m = [], [], [], []
        for _ in range(rounds):
            t, m = run([PYTHON, str(HERE / "baseline_rdflib.py"), str(notes), str(work / "baseline")])
            base_t.append(t)
            base_m.append(m)
            t, m = run(build_cmd(notes, work / f"out-{size}"))
            ours_t.append(t)
            ours_m.append(m)
        b, o = statistics.median(base_t), statistics.median(ours_t)
        rows.append([str(size), f"{b:.2f}", f"{o:.2f}", f"{b / o:.2f}x", f"{max(base_m):.0f}", f"{max(ours_m):.0f}"])
        print(table(rows), "\n", flush=True)


def bench_edit(size: int, rounds: int, work: Path) -> None:
    source = corpus(size)
    notes = work / f"edit-{size}"
    shutil.rmtree(notes, ignore_errors=True)
    shutil.copytree(source, notes)
    out = work / f"edit-out-{size}"
    run(build_cmd(notes, out))
    victim = sorted(notes.rglob("*.md"))[size // 2]
    times = []
    for i in range(rounds):
        with victim.open("a", encoding="utf-8") as handle:
            handle.write(f"\n> An added quote, edit {i}.\n")
        times.append(run(build_cmd(notes, out))[0])
    print(f"one note edited in {size}: rebuild median {statistics.median(times):.2f} s over {rounds} rounds\n")


def bench_queries(size: int, out: Path) -> None:
    from mlops_graph.query.named import named_queries
    from mlops_graph.store.embedded import open_store, run_query

    store = open_store(out / "graph.trig")
    rows = [["query", "median ms", "rows"]]
    for name, query in named_queries().items():
        params = {p: "MLOps" for p in query.parameters}
        times, result = [], None
        for _ in range(5):
            start = time.perf_counter()
            result = run_query(store, query, params)
            times.append((time.perf_counter() - start) * 1000)
        assert result is not None
        rows.append([name, f"{statistics.median(times):.0f}", str(len(result.rows))])
    print(f"named queries on the {size}-note graph (embedded Oxigraph, store already loaded; each run "
          "produces the JSON, CSV and TSV results):")
    print(table(rows), "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--notes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-queries", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}\n")
    work = Path(tempfile.mkdtemp(prefix="mlops-graph-bench-"))
    try:
        bench_builds(args.notes, args.rounds, work)
        bench_edit(max(args.notes), args.rounds, work)
        if not args.skip_queries:
            bench_queries(max(args.notes), work / f"out-{max(args.notes)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
