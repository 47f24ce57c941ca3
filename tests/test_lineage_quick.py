"""Lineage (issue 16, session 5, speed): `gitml lineage` read-only command lines are answered
click-free (gitml/lineage/quick.py, routed by gitml/entry.py), as the full CLI answers them."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from test_fast import imported
from test_lineage import _chain

from gitml.cli import main as cli_main
from gitml.lineage import quick
from tests.conftest import git, run_cli, snapshot, write


def _both(*args: str) -> tuple[tuple[int | None, str, str], tuple[int, str, str]]:
    """(quick path's exit code or None, stdout, stderr), then the full click CLI's."""
    results = []
    for run in (quick.main, cli_main):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(["lineage", *args])
        results.append((code, out.getvalue(), err.getvalue()))
    return results[0], results[1]  # type: ignore[return-value]


ANSWERED = [
    ["model.pkl"],
    ["model.pkl", "--json"],
    ["--md", "model.pkl"],
    ["model.pkl", "--mermaid"],
    ["model.pkl", "--openlineage"],
    ["model.pkl", "--rev", "HEAD~1"],
    ["model.pkl", "--rev=HEAD"],
    ["featurize"],
    ["churn", "--json"],
    ["churn@v1.0.0"],
    ["data/raw.csv.gitml"],
    ["--used-by", "data/raw.csv"],
    ["--used-by=data/raw.csv@HEAD~1", "--json"],
    ["--used-by", "data/features", "--all-branches", "--all-tags", "-A"],
    ["--used-by", "data/raw.csv", "--all-commits", "--json"],
]


def _history(repo: Path) -> None:
    _chain(repo)
    assert run_cli("registry", "register", "churn", "--version", "v1.0.0").code == 0
    write(repo / "data" / "raw.csv", "a,b\n3,4\n")
    assert run_cli("add", "data/raw.csv").code == 0
    assert run_cli("repro").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "new data")


def test_quick_path_answers_as_the_full_cli(repo: Path) -> None:
    """issue 16 speed (session 5): every read-only form (each format, --rev, each TARGET
    kind, --used-by with each scope) is answered click-free, with the full CLI's output."""
    _history(repo)
    for args in ANSWERED:
        fast, full = _both(*args)
        assert full[0] == 0, (args, full[2])
        assert fast == (0, full[1], ""), args


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-v", "model.pkl"],
        ["model.pkl", "-q"],
        ["model.pkl", "other"],
        ["--rev"],
        ["--rev", "-x", "model.pkl"],
        ["--", "model.pkl"],
        ["model.pkl", "--rev", "HEAD", "--rev", "HEAD~1"],
        ["model.pkl", "--json=yes"],
        ["model.pkl", "--jso"],
    ],
)
def test_command_lines_not_understood_go_to_the_full_cli(args: list[str]) -> None:
    """issue 16 speed (session 5): anything but a plain command line is left to click."""
    assert quick.main(["lineage", *args]) is None


def test_bad_input_is_reported_by_the_full_cli(repo: Path) -> None:
    """issue 16 speed (session 5): an error (unknown target, two formats, TARGET with
    --used-by) is not answered on the quick path: the full CLI says it, exit 2, through the
    console script's entry as through click; nothing is written."""
    _history(repo)
    before = snapshot(repo)
    for args in (
        ["nope.txt"], ["model.pkl", "--json", "--md"], ["model.pkl", "--used-by", "x"],
        ["--used-by", "nope.csv"], ["model.pkl", "-A"], ["model.pkl", "--rev", "nosuchrev"],
    ):
        fast, full = _both(*args)
        assert fast[0] is None and fast[1:] == ("", ""), args
        assert full[0] == 2 and full[2].startswith("error:"), args
    assert snapshot(repo) == before


def test_a_fresh_process_imports_no_click(repo: Path) -> None:
    """issue 16 speed (session 5): `gitml lineage model.pkl` and `--used-by` in a fresh
    process import neither click nor jsonschema, networkx, fsspec, tqdm, and print the full
    CLI's text."""
    _history(repo)
    for args in (["lineage", "model.pkl"], ["lineage", "--used-by", "data/raw.csv", "--json"]):
        loaded, proc = imported(repo, *args)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert not loaded & {"click", "jsonschema", "networkx", "fsspec", "tqdm"}, loaded
        assert proc.stdout == run_cli(*args).out
    found = json.loads(run_cli("lineage", "--used-by", "data/raw.csv", "--json").out)
    assert len(found["commits"]) == 1
