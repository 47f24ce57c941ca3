"""Issue 10 items 12-13: `gitml commit` does not record stale stages as up to date, and
quick successive `git checkout`s leave the data matching the final HEAD."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import git, gitml_subprocess, run_cli, snapshot, write

PIPELINE = """\
stages:
  prepare:
    cmd: cp raw.txt prepared.txt
    deps: [raw.txt]
    params: [prep.n]
    outs: [prepared.txt]
  train:
    cmd: cat prepared.txt prepared.txt > model.txt
    deps: [prepared.txt]
    outs: [model.txt]
"""


@pytest.fixture
def pipeline(repo: Path) -> Path:
    write(repo / "gitml.yaml", PIPELINE)
    write(repo / "params.yaml", "prep:\n  n: 1\n")
    write(repo / "raw.txt", "hello\n")
    result = run_cli("repro")
    assert result.code == 0, result.err
    return repo


def stale(repo: Path) -> dict[str, list[str]]:
    data = json.loads(run_cli("status", "--json").out)
    return {k: [r["reason"] for r in v] for k, v in data.items() if not k.endswith(".gitml")}


def refused(repo: Path, *args: str) -> str:
    """`gitml commit ARGS` exits 2 with one line and writes nothing; returns the line."""
    before = snapshot(repo)
    result = run_cli("commit", *args)
    assert result.code == 2, result
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "Traceback" not in result.err and "unexpected" not in result.err
    assert snapshot(repo) == before
    return result.err


def test_commit_refuses_a_stage_whose_dep_changed(pipeline: Path) -> None:
    """issue 10 item 12: a changed dep makes `gitml commit` refuse; gitml.lock unchanged."""
    write(pipeline / "raw.txt", "changed\n")
    lock = (pipeline / "gitml.lock").read_bytes()
    for args in ((), ("prepare",)):
        err = refused(pipeline, *args)
        assert (
            "refusing to commit stage 'prepare': its deps changed since it last ran (raw.txt),"
            " so its outs were not built from them; run 'gitml repro prepare',"
            " or 'gitml commit -f prepare' to record them anyway"
        ) in err, err
    assert (pipeline / "gitml.lock").read_bytes() == lock
    assert stale(pipeline) == {"prepare": ["dep raw.txt changed"]}


def test_commit_refuses_a_stage_whose_param_or_cmd_changed(pipeline: Path) -> None:
    """issue 10 item 12: a changed param, or cmd, is refused like a dep (as DVC does)."""
    write(pipeline / "params.yaml", "prep:\n  n: 2\n")
    err = refused(pipeline, "prepare")
    assert "stage 'prepare': its params changed since it last ran (prep.n)" in err, err
    write(pipeline / "params.yaml", "prep:\n  n: 1\n")
    new_cmd = PIPELINE.replace("cat prepared.txt prepared.txt", "cat prepared.txt")
    write(pipeline / "gitml.yaml", new_cmd)
    err = refused(pipeline)
    assert "stage 'train': its cmd changed since it last ran, so its outs were not built" in err
    write(pipeline / "raw.txt", "changed\n")
    err = refused(pipeline)  # every refused stage is named, in one line
    assert "refusing to commit 2 stages" in err and "'prepare' (deps raw.txt)" in err, err
    assert "'train' (cmd)" in err and "'gitml commit -f prepare train'" in err, err


def test_commit_force_records_the_changed_inputs(pipeline: Path) -> None:
    """issue 10 item 12: `gitml commit -f` records the stage, which is then up to date."""
    write(pipeline / "raw.txt", "changed\n")
    write(pipeline / "params.yaml", "prep:\n  n: 3\n")
    result = run_cli("commit", "-f", "prepare")
    assert result.code == 0, result.err
    assert "prepare" in result.out
    assert stale(pipeline) == {}
    assert "n: 3" in (pipeline / "gitml.lock").read_text()


def test_commit_of_outs_changed_by_hand_is_allowed(pipeline: Path) -> None:
    """issue 10 item 12: outs changed with deps, params and cmd unchanged: commit records."""
    write(pipeline / "model.txt", "tuned by hand\n")  # the last stage: nothing downstream
    result = run_cli("commit")
    assert result.code == 0, result.err
    assert "train" in result.out and stale(pipeline) == {}

    write(pipeline / "prepared.txt", "edited\n")  # train's dep: train is now stale
    refused(pipeline)  # ... so committing everything would record train as up to date
    result = run_cli("commit", "prepare")
    assert result.code == 0, result.err
    assert stale(pipeline) == {"train": ["dep prepared.txt changed"]}


def test_commit_of_added_data_is_unaffected_by_stale_stages(pipeline: Path) -> None:
    """issue 10 item 12: `gitml add`ed pointers are committed whatever the stages' state."""
    write(pipeline / "data.txt", "v1\n")
    assert run_cli("add", "data.txt").code == 0
    write(pipeline / "data.txt", "v2\n")
    write(pipeline / "raw.txt", "changed\n")
    result = run_cli("commit", "data.txt")
    assert result.code == 0, result.err
    assert "data.txt" in result.out
    assert run_cli("status", "data.txt").code == 0


# ---------------------------------------------------------------------------- item 13

HOLDER = """\
import sys
from gitml.repo import Repo
with Repo(sys.argv[1]).lock():
    print("locked", flush=True)
    sys.stdin.read()  # held until the test closes stdin
"""


def commit_data(root: Path, files: dict[str, str], message: str) -> str:
    for rel, content in files.items():
        write(root / rel, content)
    assert run_cli("add", "-q", *files).code == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD").strip()


def hold_lock(root: Path) -> subprocess.Popen[str]:
    """A real gitml process holding the repository lock until its stdin is closed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def git_checkout(root: Path, rev: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["git", "checkout", "-q", rev],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_quick_checkouts_leave_the_data_of_the_final_head(
    repo: Path, gitml_on_path: None
) -> None:
    """issue 10 item 13: the second post-checkout hook queues behind the lock instead of
    giving up after 3 s, and the data ends matching the final HEAD."""
    assert run_cli("install").code == 0
    files = [f"data/f{i}.txt" for i in range(20)]
    a = commit_data(repo, {f: f"A {f}\n" for f in files}, "A")
    b = commit_data(repo, {f: f"B {f}\n" for f in files}, "B")
    commit_data(repo, {f: f"C {f}\n" for f in files}, "C")

    holder = hold_lock(repo)  # e.g. a slow checkout of another commit
    started = time.monotonic()
    try:
        first = git_checkout(repo, a)
        time.sleep(0.5)
        second = git_checkout(repo, b)
        time.sleep(max(0.0, started + 4.0 - time.monotonic()))  # longer than the old 3 s wait
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    _, err1 = first.communicate(timeout=30)
    _, err2 = second.communicate(timeout=30)
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert git(repo, "rev-parse", "HEAD").strip() == b
    assert {f: (repo / f).read_text() for f in files} == {f: f"B {f}\n" for f in files}
    assert run_cli("status", "--check").code == 0
    assert f"gitml: waiting for another gitml process (pid {holder.pid}) to finish" in err1
    assert "warning" not in err1 + err2, (err1, err2)
    assert time.monotonic() - started < 60


def test_commands_keep_the_short_wait_and_name_the_holder(repo: Path) -> None:
    """issue 10 item 13: an interactive command waits 3 s, then fails naming the holder."""
    write(repo / "data.txt", "data\n")
    before = snapshot(repo)
    holder = hold_lock(repo)
    try:
        started = time.monotonic()
        proc = gitml_subprocess(repo, "add", "data.txt")
        _, err = proc.communicate(timeout=30)
        waited = time.monotonic() - started
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    text = err.decode()
    assert proc.returncode == 3, text
    assert f"another gitml process (pid {holder.pid}) is writing to this repository" in text
    assert len(text.strip().splitlines()) == 1, text
    assert 2.5 < waited < 20
    assert snapshot(repo) == before
