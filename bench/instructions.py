#!/usr/bin/env python3
"""Instructions a build executes, stage by stage, counted by valgrind: the same from run to run, so
two versions of the code can be compared on a shared machine whose wall times vary by a tenth.

    .venv/bin/python bench/instructions.py NOTES [--against CHECKOUT] [--baseline]

Each stage is counted in a fresh process that runs the build up to the end of that stage (with the
library functions ``mlops-graph build`` calls) and stops; a stage's figure is the difference from the
one before. ``import`` includes starting Python. ``--against CHECKOUT`` counts another checkout's
package too (a ``git worktree`` of an older commit, byte-compiled), ``--baseline`` the whole of
``bench/baseline_rdflib.py`` on the same notes. Instructions are not time (the kernel's work and the
memory's waits are left out), but a change that removes work removes instructions.

Needs valgrind (Debian: ``apt install valgrind``); each count takes about ten seconds per 100 notes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAGES = ("import", "read", "extract", "graphs", "outputs", "write")


def run_until(stage: str, notes: Path, out: Path) -> None:
    """In the counted process: the build's stages up to ``stage``, then exit at once."""
    import gc

    gc.disable()  # as the build does
    from mlops_graph import cli  # noqa: F401 - the command's own imports
    from mlops_graph.config import Settings
    from mlops_graph.export.atomic import write_output
    from mlops_graph.export.outputs import WHOLE_CORPUS, output_files, output_names, render_output
    from mlops_graph.pipeline import extract, read_notes, to_graphs

    def done(name: str) -> None:
        if name == stage:
            os._exit(0)

    settings = Settings()
    done("import")
    notes_read, _problems, _files = read_notes(notes, settings)
    done("read")
    corpus = extract(notes_read, settings)
    done("extract")
    graphs, _triples = to_graphs(corpus)
    done("graphs")
    names = output_names(html=settings.html, suggest=settings.suggest)
    made = {name: render_output(name, graphs) for name in names if name in WHOLE_CORPUS}
    files = output_files(graphs, names, made)
    done("outputs")
    write_output(out, files)
    os._exit(0)


def count(command: list[str], pythonpath: Path | None) -> int:
    import re
    import subprocess

    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                           *command], env=env, capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no instruction count:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def stages(notes: Path, package: Path | None, work: Path) -> list[int]:
    """Instructions per stage (millions are printed) for the package in ``package`` (default: this one)."""
    import compileall

    if package is not None:
        compileall.compile_dir(package / "mlops_graph", quiet=1)
    totals = [count([sys.executable, __file__, "--until", stage, str(notes), str(work / stage)], package)
              for stage in STAGES]
    return [b - a for a, b in zip([0, *totals], totals, strict=False)]


def main() -> None:
    import argparse
    import compileall
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notes", type=Path)
    parser.add_argument("--against", type=Path, metavar="CHECKOUT", help="another checkout of the project")
    parser.add_argument("--baseline", action="store_true", help="also count bench/baseline_rdflib.py")
    args = parser.parse_args()
    compileall.compile_dir(HERE.parent / "mlops_graph", quiet=1)
    with tempfile.TemporaryDirectory(prefix="mlops-graph-instructions-") as folder:
        work = Path(folder)
        columns = {"this checkout": stages(args.notes.resolve(), None, work)}
        if args.against:
            columns[str(args.against)] = stages(args.notes.resolve(), args.against.resolve(), work)
        print(f"{'stage':8}" + "".join(f"{name[-24:]:>26}" for name in columns) + "   (millions of instructions)")
        for i, stage in enumerate([*STAGES, "total"]):
            cells = [sum(c) if stage == "total" else c[i] for c in columns.values()]
            print(f"{stage:8}" + "".join(f"{cell / 1e6:>26,.0f}" for cell in cells))
        if args.baseline:
            base = count([sys.executable, str(HERE / "baseline_rdflib.py"), str(args.notes), str(work / "base")], None)
            print(f"baseline_rdflib.py: {base / 1e6:,.0f} million in all")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--until"]:  # the counted process: nothing imported but what the build imports
        run_until(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    main()
