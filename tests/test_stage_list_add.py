"""issue 17 item 3: `stage add` takes DVC's options and `-p FILE:KEY`; `stage list` lists."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import git, run_cli, snapshot, write
from dvc_oracle import find_dvc

from gitml import yamlio

ADD_ARGS = [
    "-n", "a",
    "-p", "params.yaml:lr,bs",
    "-p", "other.yaml:x",
    "-p", "foo",
    "-p", "p2.yaml:",
    "--plots", "p.csv",
    "--plots-no-cache", "q.csv",
    "--outs-persist", "o1",
    "--outs-persist-no-cache", "o2",
    "--always-changed",
    "--desc", "hello there",
    "-d", "dep",
    "echo", "hi",
]  # fmt: skip


def _pipeline(root: Path) -> dict[str, object]:
    data = yamlio.load_file(str(root / "gitml.yaml"), where="gitml.yaml")
    assert isinstance(data, dict)
    return data


def test_stage_add_writes_what_dvc_writes(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 3: --plots, --plots-no-cache, --outs-persist(-no-cache), --always-changed,
    --desc and -p FILE:KEY write the stage DVC 3 writes for the same options."""
    result = run_cli("stage", "add", *ADD_ARGS)
    assert result.code == 0, result.err
    dvc = find_dvc()
    theirs = tmp_path / "dvc"
    theirs.mkdir()
    git(theirs, "init", "-q")
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    subprocess.run([dvc, "init", "-q"], cwd=theirs, check=True, env=env)
    subprocess.run([dvc, "stage", "add", *ADD_ARGS], cwd=theirs, check=True, env=env,
                   capture_output=True)  # fmt: skip
    expected = yamlio.load_file(str(theirs / "dvc.yaml"), where="dvc.yaml")
    assert _pipeline(repo) == expected
    assert list(_pipeline(repo)["stages"]["a"]) == list(expected["stages"]["a"])  # type: ignore[index]


def test_param_file_key_resolves(repo: Path) -> None:
    """issue 17 item 3: `-p params.yaml:lr` names the key `lr` of params.yaml (it used to write
    the key `params.yaml:lr`, which never resolves); a change of it re-runs the stage."""
    write(repo / "params.yaml", "lr: 0.1\nbs: 8\n")
    write(repo / "other.yaml", "x: 1\ny: 2\n")
    args = ["stage", "add", "-n", "s", "-p", "params.yaml:lr", "-p", "other.yaml:x", "-o", "out"]
    assert run_cli(*args, "python3 -c \"open('out','w').write('1')\"").code == 0
    assert _pipeline(repo)["stages"]["s"]["params"] == ["lr", {"other.yaml": ["x"]}]  # type: ignore[index]
    first = run_cli("repro")
    assert first.code == 0, first.err
    lock = yamlio.load_file(str(repo / "gitml.lock"), where="gitml.lock")
    assert lock["stages"]["s"]["params"] == {"params.yaml": {"lr": 0.1}, "other.yaml": {"x": 1}}
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."
    write(repo / "other.yaml", "x: 1\ny: 3\n")  # a key the stage does not use
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."
    write(repo / "params.yaml", "lr: 0.2\nbs: 8\n")
    assert "params lr changed 0.1 -> 0.2" in run_cli("status").out


def test_stage_add_bad_input_writes_nothing(repo: Path) -> None:
    """issue 17 item 3: a bad stage name, an out listed twice: exit 2, one line, nothing
    written."""
    before = snapshot(repo)
    for args in (
        ["-n", "bad name!", "echo"],
        ["-n", "x", "-o", "same", "--outs-persist", "same", "echo"],
        ["-n", "x", "--plots", "/abs/p.csv", "echo"],
    ):
        result = run_cli("stage", "add", *args)
        assert result.code == 2, (args, result)
        assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
        assert snapshot(repo) == before


def _stages(root: Path) -> None:
    write(root / "gitml.yaml", "stages: {}\n")
    assert (
        run_cli("stage", "add", "-n", "prep", "-d", "raw", "-o", "clean", "cp raw clean").code == 0
    )
    assert run_cli("stage", "add", "-n", "train", "-d", "clean", "-o", "model", "-m", "m.json",
                   "--plots", "p.csv", "train").code == 0  # fmt: skip
    assert run_cli("stage", "add", "-n", "eval", "--desc", "Evaluate\nthe model", "x").code == 0
    assert run_cli("stage", "add", "-n", "deps-only", "-d", "raw", "y").code == 0
    long_out = "o" * 100
    assert run_cli("stage", "add", "-n", "long", "-o", long_out, "z").code == 0


def test_stage_list_as_dvc(repo: Path) -> None:
    """issue 17 item 3: `stage list` prints each stage with its desc's first line, else
    "Outputs ...; Reports ...", "Depends on ...", cut at 80 characters, as DVC does."""
    _stages(repo)
    result = run_cli("stage", "list")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[:4] == [
        "prep       Outputs clean",
        "train      Outputs model; Reports m.json, p.csv",
        "eval       Evaluate",
        "deps-only  Depends on raw",
    ]
    assert lines[4].startswith("long       Outputs ooo") and lines[4].endswith("\u2026")
    assert len(lines[4].split("  ", 1)[1].strip()) == 80
    names = run_cli("stage", "list", "--name-only")
    assert names.out.split() == ["prep", "train", "eval", "deps-only", "long"]
    one = run_cli("stage", "list", "train")
    assert one.out.split("  ")[0] == "train" and one.out.count("\n") == 1


def test_stage_list_sub_pipelines_and_all(repo: Path) -> None:
    """issue 17 item 3: no target lists the current folder's gitml.yaml; --all lists every
    pipeline file's stages by address; `file:stage` one stage."""
    _stages(repo)
    sub = repo / "sub"
    sub.mkdir()
    os.chdir(sub)
    assert run_cli("stage", "add", "-n", "inner", "-o", "x", "make x").code == 0
    here = run_cli("stage", "list", "--name-only")
    assert here.out.split() == ["sub/gitml.yaml:inner"]
    every = run_cli("stage", "list", "--all", "--name-only")
    assert every.out.split() == ["prep", "train", "eval", "deps-only", "long",
                                 "sub/gitml.yaml:inner"]  # fmt: skip
    os.chdir(repo)
    assert run_cli("stage", "list", "sub/gitml.yaml").out.startswith(
        "sub/gitml.yaml:inner  Outputs x"
    )
    assert run_cli("stage", "list", "sub/gitml.yaml:inner", "--name-only").out.strip() == (
        "sub/gitml.yaml:inner"
    )


@pytest.mark.parametrize("target", ["nothere", "nofile/gitml.yaml"])
def test_stage_list_unknown_target(repo: Path, target: str) -> None:
    """issue 17 item 3: an unknown stage or pipeline file: exit 2, one line."""
    _stages(repo)
    result = run_cli("stage", "list", target)
    assert result.code == 2
    assert result.err.startswith("error: ") and result.err.count("\n") == 1
