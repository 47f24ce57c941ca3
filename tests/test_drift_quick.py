"""issue 15 speed ("a second comparison of the same versions under 0.3 s"): a comparison made
before is answered by the click-free path (gitml/monitor/quick.py) from its cached pair, with
the full CLI's output and exit code, importing neither click nor numpy, pyarrow, scipy."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import git, run_cli, snapshot, write

from gitml.cli import main as cli_main
from gitml.monitor import quick

HEAVY = {"click", "numpy", "pyarrow", "scipy", "fsspec", "jsonschema", "networkx", "inspect"}


def table(shift: float, n: int = 300) -> str:
    rows = ["amount,colour,flag"]
    for i in range(n):
        rows.append(f"{(i * 7919 % 1000) / 100 + shift:.3f},{('red', 'blue')[i % 2]},{i % 3}")
    return "\n".join(rows) + "\n"


@pytest.fixture
def versions(repo: Path) -> Path:
    """data.csv at two commits, and a changed workspace copy; each pair compared once."""
    for shift in (0.0, 3.0):
        write(repo / "data.csv", table(shift))
        assert run_cli("add", "data.csv").code == 0
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"data {shift}")
    write(repo / "data.csv", table(0.5))
    write(repo.parent / "batch.csv", table(9.0))
    return repo


def imported(cwd: Path, *args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gitml", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return names, proc


def both(*args: str) -> tuple[tuple[int | None, str, str], tuple[int, str, str]]:
    """(quick path's exit code or None, stdout, stderr), then the full click CLI's."""
    results = []
    for run in (quick.main, cli_main):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(list(args))
        results.append((code, out.getvalue(), err.getvalue()))
    return results[0], results[1]  # type: ignore[return-value]


CASES = [
    ["drift", "data.csv", "HEAD~1", "HEAD"],
    ["drift", "data.csv", "HEAD~1", "HEAD", "--json"],
    ["drift", "data.csv", "HEAD~1", "HEAD", "--md", "--check"],
    ["drift", "data.csv", "--json", "--check"],
    ["drift", "data.csv", "HEAD~1", "--columns", "amount,colour", "--method=psi"],
    ["drift", "data.csv", "HEAD~1", "HEAD", "--threshold", "0.3", "--drift-share", "0.9"],
    ["-q", "drift", "data.csv", "HEAD~1", "HEAD", "--check"],
    ["drift", "data.csv", "--against", "../batch.csv", "--check", "-q"],
]


@pytest.mark.parametrize("args", CASES)
def test_second_comparison_skips_click_and_numpy(versions: Path, args: list[str]) -> None:
    """issue 15 speed: the second run of the same comparison imports neither click nor
    numpy, pyarrow, scipy (nor dataclasses' inspect), and prints what the first printed."""
    first = subprocess.run(
        [sys.executable, "-m", "gitml", *args], capture_output=True, text=True, cwd=versions
    )
    assert first.returncode in (0, 1), first.stderr
    loaded, again = imported(versions, *args)
    assert not loaded & HEAVY, loaded & HEAVY
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)


@pytest.mark.parametrize("args", CASES)
def test_quick_path_answers_as_the_full_cli(versions: Path, args: list[str]) -> None:
    """issue 15 speed: same stdout, stderr and exit code as the click CLI, once cached."""
    assert run_cli(*args).code in (0, 1)
    fast, full = both(*args)
    assert fast[0] is not None
    assert fast == full


@pytest.mark.parametrize(
    "args",
    [
        ["drift", "data.csv", "HEAD~1", "HEAD", "--html", "page.html"],  # writes: full CLI
        ["drift", "data.csv", "-v"],
        ["drift", "data.csv", "--help"],
        ["drift", "data.csv", "--json", "--md"],
        ["drift", "data.csv", "--method", "bogus"],
        ["drift", "data.csv", "--threshold", "x"],
        ["drift", "data.csv", "--columns", ","],
        ["drift", "data.csv", "--against", "s3://bucket/b.csv"],
        ["drift", "data.csv", "--against"],
        ["drift", "data.csv", "HEAD", "--against", "a.csv", "--against", "b.csv"],
        ["drift", "nosuch.csv"],
        ["drift"],
        ["drift", "a", "b", "c", "d"],
        ["drift", "data.csv", "--", "HEAD"],
    ],
)
def test_other_command_lines_go_to_the_full_cli(versions: Path, args: list[str]) -> None:
    """issue 15 speed: anything the quick path does not answer from a cached pair (an option
    it does not know, an error, --html) is left to the full CLI, with nothing written."""
    run_cli("drift", "data.csv", "HEAD~1", "HEAD")
    before = snapshot(versions)
    assert quick.main(args) is None
    assert snapshot(versions) == before


def test_a_pair_not_compared_yet_goes_to_the_full_cli(versions: Path) -> None:
    """issue 15 speed: the first comparison is the full CLI's (it reads and caches)."""
    before = snapshot(versions)
    assert quick.main(["drift", "data.csv", "HEAD~1", "HEAD"]) is None
    assert snapshot(versions) == before
    assert run_cli("drift", "data.csv", "HEAD~1", "HEAD").code == 0
    assert quick.main(["drift", "data.csv", "HEAD~1", "HEAD"]) == 0


def git_calls(cwd: Path, *args: str) -> tuple[int, subprocess.CompletedProcess[str]]:
    """How many git commands `gitml ARGS` ran (GIT_TRACE), and its result."""
    trace = cwd.parent / "git-trace.txt"
    trace.unlink(missing_ok=True)
    env = {**os.environ, "GIT_TRACE": str(trace)}
    proc = subprocess.run(
        [sys.executable, "-m", "gitml", *args], capture_output=True, text=True, cwd=cwd, env=env
    )
    lines = trace.read_text().splitlines() if trace.exists() else []
    return sum(1 for line in lines if "trace: built-in: git" in line), proc


def test_many_tracked_files_cost_no_git_call_each(versions: Path) -> None:
    """issue 15 speed: a revision's table is found through its own pointer (then the root
    gitml.lock), not by reading every pointer of the tree: with 40 more tracked files the
    second comparison still runs 3 git commands per revision (0.49 s -> 0.08 s of CPU with
    100 tracked files)."""
    for i in range(40):
        write(versions / "more" / f"f{i}.txt", f"{i}\n")
    assert run_cli("add", *[f"more/f{i}.txt" for i in range(40)]).code == 0
    git(versions, "add", "-A")
    git(versions, "commit", "-qm", "more")  # HEAD~2 and HEAD~1 hold the two data versions
    args = ("drift", "data.csv", "HEAD~2", "HEAD~1", "--json")
    first = subprocess.run(
        [sys.executable, "-m", "gitml", *args], capture_output=True, text=True, cwd=versions
    )
    assert first.returncode == 0, first.stderr
    calls, again = git_calls(versions, *args)
    assert again.stdout == first.stdout
    assert calls <= 6, calls


STAGE = """\
stages:
  make:
    cmd: python3 make.py
    deps: [make.py, shift.txt]
    outs: [table.csv]
"""
MAKE = """\
n = float(open("shift.txt").read())
rows = [f"{i * 0.37 % 5 + n:.3f},{i % 2}" for i in range(200)]
open("table.csv", "w").write("x,y\\n" + "\\n".join(rows) + "\\n")
"""


@pytest.mark.parametrize("folder", ["", "sub/"])
def test_stage_outputs_are_read_through_their_lock(repo: Path, folder: str) -> None:
    """issue 15 speed: a table a stage makes is found through the root gitml.lock (a sub
    pipeline's through the full listing), at each revision: the digests are the locks'."""
    pipeline = repo / folder / "gitml.yaml"
    write(pipeline, STAGE)
    write(repo / folder / "make.py", MAKE)
    digests = []
    for shift in ("0", "4"):
        write(repo / folder / "shift.txt", shift)
        assert run_cli("repro", "--all-pipelines").code == 0, "repro"
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"shift {shift}")
        lock = yaml.safe_load((repo / folder / "gitml.lock").read_text())
        digests.append(lock["stages"]["make"]["outs"][0]["digest"])
    found = run_cli("drift", f"{folder}table.csv", "HEAD~1", "HEAD", "--json")
    assert found.code == 0, found.err
    result = json.loads(found.out)
    assert [result["a"]["digest"], result["b"]["digest"]] == digests
    assert result["dataset"]["drifted"] is True
