"""The README's example commands print what the README says they print, and CI runs its test command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONSOLE = re.compile(r"```console\n\$ \.venv/bin/(mlops-graph [^\n]*)\n(.*?)```", re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "notes", work / "notes")
    done = subprocess.run([sys.executable, "-m", "mlops_graph", "build", "-q", "--no-html"], cwd=work,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return work


@pytest.mark.parametrize("command,expected", CONSOLE.findall(README), ids=lambda v: v[:40])
def test_console_examples_print_what_the_readme_shows(workdir: Path, command: str, expected: str) -> None:
    shell = command.replace("mlops-graph", f"{sys.executable} -m mlops_graph", 1)
    done = subprocess.run(shell, shell=True, cwd=workdir, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected


def test_there_are_console_examples() -> None:
    assert len(CONSOLE.findall(README)) >= 2


def test_ci_runs_the_readme_test_command() -> None:
    block = README.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert commands[1] in (ROOT / ".ci" / "run").read_text()
