"""issue 19: the hot commands' quick path (gitml/quick/), their imports, their reads."""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import git, run_cli, snapshot, write

from gitml import quick, yamlio
from gitml.cli import main as cli_main
from gitml.errors import BadInputError
from gitml.quick.args import parse
from gitml.statcache import StatCache

BANNED = ("click", "jsonschema", "networkx", "fsspec", "tqdm")
PIPELINE = """\
stages:
  copy:
    cmd: cp raw.txt copy.txt
    deps: [raw.txt]
    outs: [copy.txt]
  twice:
    cmd: cat copy.txt copy.txt > twice.txt
    deps: [copy.txt]
    outs: [twice.txt]
"""


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


@pytest.fixture
def project(repo: Path) -> Path:
    """Tracked data, a two-stage pipeline run and committed: nothing to do."""
    write(repo / "data" / "a.bin", b"a")
    write(repo / "data" / "b.bin", b"b")
    write(repo / "raw.txt", "raw\n")
    write(repo / "gitml.yaml", PIPELINE)
    assert run_cli("add", "data").code == 0
    assert run_cli("repro").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "project")
    return repo


def both(*args: str) -> tuple[tuple[int | None, str, str], tuple[int, str, str]]:
    """(quick path's exit code or None, stdout, stderr), then the full click CLI's."""
    results = []
    for run in (quick.main, cli_main):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(list(args))
        results.append((code, out.getvalue(), err.getvalue()))
    return results[0], results[1]  # type: ignore[return-value]


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["repro"],
        ["hook", "pre-commit"],
        ["hook", "post-checkout", "FIRST", "HEAD", "1"],
        ["-q", "status", "--json"],
    ],
)
def test_hot_commands_import_no_heavy_library(project: Path, args: list[str]) -> None:
    """issue 19 item 1 (done when): status, a no-op repro and the pre-commit and
    post-checkout hooks (a branch switch that changes no data) import neither click nor
    jsonschema, networkx, fsspec, tqdm."""
    revs = git(project, "rev-list", "--reverse", "HEAD").split()
    args = [{"FIRST": revs[0], "HEAD": revs[-1]}.get(a, a) for a in args]
    run_cli(*args)  # the state database now knows every file: the next run reads, only
    loaded, proc = imported(project, *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not loaded & set(BANNED), loaded & set(BANNED)


def test_status_in_an_empty_repository_imports_no_yaml_nor_threads(repo: Path) -> None:
    """issue 19 item 2: the new config file (comments only) is read without PyYAML, and
    nothing starts the thread pool; also the second run of a repository with pointers and
    a pipeline reads them from the state database, not with PyYAML."""
    loaded, proc = imported(repo, "status")
    assert proc.returncode == 0 and "up to date" in proc.stdout
    assert not loaded & {"yaml", "concurrent", "click"}, loaded


def test_known_files_are_read_without_pyyaml(project: Path) -> None:
    """issue 19 item 2: pointers, gitml.yaml, gitml.lock read before are not parsed again."""
    loaded, proc = imported(project, "status")
    assert proc.returncode == 0 and "up to date" in proc.stdout
    assert "yaml" not in loaded
    loaded, proc = imported(project, "repro")
    assert proc.returncode == 0 and "didn't change" in proc.stdout
    assert "yaml" not in loaded


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["status", "--json"],
        ["-q", "status"],
        ["status", "-q", "--check"],
        ["status", "data"],
        ["status", "twice"],
        ["repro"],
        ["repro", "--json"],
        ["repro", "-q"],
        ["repro", "twice", "--single-item"],
        ["repro", "--dry", "copy", "--downstream"],
        ["hook", "pre-commit"],
        ["hook", "post-checkout", "a" * 40, "b" * 40, "1"],
        ["hook", "post-checkout", "a" * 40, "b" * 40, "0"],
    ],
)
def test_quick_path_answers_as_the_full_cli(project: Path, args: list[str]) -> None:
    """issue 19 item 1: these command lines are answered by the quick path (not handed
    over) with the full CLI's output and exit code."""
    fast, full = both(*args)
    assert fast[0] is not None, "handed over to the full CLI"
    assert fast == full


def test_quick_path_answers_changes_as_the_full_cli(project: Path) -> None:
    """issue 19 item 1: a changed output and a stale stage: status, status --check, and a
    dry repro print what the full CLI prints."""
    write(project / "data" / "a.bin", b"changed")
    write(project / "raw.txt", "new\n")
    for args in (["status"], ["status", "--check"], ["status", "--json"], ["repro", "--dry"]):
        fast, full = both(*args)
        assert fast[0] is not None and fast == full, args
    assert both("status", "--check")[0][0] == 1


def test_repro_with_work_to_do_hands_over_having_written_nothing(project: Path) -> None:
    """issue 19 item 1: when a stage would run, the quick path hands over (None) before any
    side effect; the full CLI then runs it."""
    write(project / "raw.txt", "new\n")
    before = snapshot(project)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert quick.main(["repro"]) is None
    assert snapshot(project) == before and out.getvalue() == err.getvalue() == ""
    result = run_cli("repro")
    assert result.code == 0 and "Running stage 'copy'" in result.out


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--cloud"],
        ["status", "-r", "store"],
        ["status", "--help"],
        ["status", "-qv"],
        ["status", "-"],
        ["repro", "-f"],
        ["repro", "--pull"],
        ["repro", "-j", "2"],
        ["repro", "--jobs=2"],
        ["hook", "pre-push", "origin", "url"],
        ["hook", "post-checkout", "--bogus"],
        ["add", "x"],
        ["-V"],
        [],
    ],
)
def test_command_lines_not_understood_go_to_the_full_cli(argv: list[str]) -> None:
    """issue 19 item 1: any option the quick path does not fully understand falls through."""
    assert parse(argv) is None


def test_options_are_read_as_click_reads_them() -> None:
    """issue 19 item 1: verbosity before or after the command, `--` before targets."""
    args = parse(["-q", "status", "a", "--json", "--", "-b", "--check"])
    assert args is not None
    assert args.flags == {"quiet", "json"} and args.positional == ["a", "-b", "--check"]
    hook = parse(["hook", "-q", "post-checkout", "x", "y", "1"])
    assert hook is not None and hook.quiet and hook.positional == ["post-checkout", "x", "y", "1"]


def test_bad_input_on_the_quick_path_is_reported_by_the_full_cli(project: Path) -> None:
    """issue 19 item 1: an error (a bad pointer) is told exactly as the full CLI tells it:
    one line, exit 2, nothing written."""
    write(project / "data.gitml", "outs: [{path: data, md5: nope}]\n")
    before = snapshot(project)
    fast = run_cli("status")
    assert snapshot(project) == before
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert quick.main(["status"]) is None  # handed over, nothing printed
    assert out.getvalue() == err.getvalue() == ""
    assert fast.code == 2 and fast.err.startswith("error: data.gitml")


def test_no_op_status_and_repro_write_nothing(project: Path) -> None:
    """issue 19 item 2: once everything is known, status and a no-op repro write no file
    (the state database and its journal are left as they are)."""
    time.sleep(0.1)  # files younger than 50 ms are racy, never remembered: let them age
    assert run_cli("status").code == 0
    assert run_cli("repro").code == 0
    tmp = project / ".gitml" / "tmp"

    def stats() -> dict[str, tuple[int, int]]:
        return {
            p.name: (p.stat().st_mtime_ns, p.stat().st_size)
            for p in tmp.iterdir()
            if p.name.startswith("state.db") and not p.name.endswith("-shm")
        }

    before, files = stats(), snapshot(project)
    assert run_cli("status").code == 0
    assert stats() == before and snapshot(project) == files


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "  # indented\n\n# two\r\n",
        "# a\rkey: v\n",  # a lone CR ends the comment: a mapping
        "# a\u2028key: v\n",  # so does a Unicode line separator (YAML 1.1)
        "# a\x85key: v\n",
        "\t# a tab\n",
        "# \x00 control\n",
        "\ufeff# a BOM\n",
        "---\n# marker\n",
        "key: v  # comment\n",
    ],
)
def test_comment_only_texts_read_as_pyyaml_reads_them(text: str) -> None:
    """issue 19 item 2: the PyYAML-free answer for a comment-only file is PyYAML's."""
    try:
        want: object = yaml.safe_load(text)
    except yaml.YAMLError:
        want = BadInputError
    try:
        got: object = yamlio.loads(text.encode(), where="f.yaml")
    except BadInputError:
        got = BadInputError
    assert got == want


def test_remembered_data_is_the_parsed_data(tmp_path: Path) -> None:
    """issue 19 item 2: a text read again comes from the state database with the same
    value and key order; data JSON cannot give back (a date) is parsed each time."""
    memo = StatCache(str(tmp_path / "state.db"))
    raw = (
        b"outs:\n- path: z\n  hash: xxh3-128\n  digest: 0123456789abcdef0123456789abcdef\n"
        b"  size: 1\n  nfiles: 0\n"
    )
    first = yamlio.loads(raw, where="p.gitml", schema_name="pointer", memo=memo)
    key = next(iter(memo._connect().execute("SELECT key FROM parsed")))[0]
    assert memo.parsed(key) is not None
    again = yamlio.loads(raw, where="p.gitml", schema_name="pointer", memo=memo)
    assert first == again and list(again["outs"][0]) == list(first["outs"][0])
    dated = raw + b"meta: {when: 2024-01-01}\n"
    for _ in range(2):  # not JSON: not remembered, parsed again (and still valid)
        data = yamlio.loads(dated, where="p.gitml", schema_name="pointer", memo=memo)
        assert data["meta"]["when"] == datetime.date(2024, 1, 1)
    assert memo._connect().execute("SELECT COUNT(*) FROM parsed").fetchone()[0] == 1
    assert yamlio._exact_json({1: "int key"}) is None
    assert yamlio._exact_json({"x": float("nan")}) is None
    assert yamlio._exact_json({"a": [1, 2.5, True, None, "x"]}) is not None


def test_one_git_call_for_status_with_a_pipeline(project: Path, tmp_path: Path) -> None:
    """issue 19 item 2: status lists the pointer files once (the pipeline's reader and the
    command's share it): one `git` call where two were made."""
    shim = tmp_path / "bin"
    log = tmp_path / "calls"
    write(shim / "git", f'#!/bin/sh\necho "$*" >> {log}\nexec {_git()} "$@"\n')
    (shim / "git").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [sys.executable, "-m", "gitml", "status"], cwd=project, env=env, capture_output=True
    )
    assert proc.returncode == 0, proc.stderr
    assert len(log.read_text().splitlines()) == 1, log.read_text()


def _git() -> str:
    import shutil

    found = shutil.which("git")
    assert found is not None
    return found
