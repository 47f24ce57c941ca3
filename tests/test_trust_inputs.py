"""Issue 10: untrusted input files, remote URLs, and clear errors from the file system."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from conftest import Result, git, gitml_subprocess, run_cli, snapshot, write

# --------------------------------------------------------------------------- helpers


def bomb(head: str, keys: list[str], indent: str) -> str:
    """A 'billion laughs' YAML: each key's list holds the previous list 9 times (9^9 leaves
    under the last key), written under `head` with `indent`."""
    lines = [head.rstrip("\n")] if head else []
    lines.append(f"{indent}{keys[0]}: &a0 [{','.join(['lol'] * 9)}]")
    for i, key in enumerate(keys[1:], start=1):
        lines.append(f"{indent}{key}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


NINE = ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"]


def run_bounded(cwd: Path, *args: str, seconds: float = 10.0) -> tuple[Result, float]:
    """Run the CLI in a subprocess that is killed after `seconds` (a bomb must not hang)."""
    start = time.monotonic()
    proc = gitml_subprocess(cwd, *args)
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return Result(-9, out.decode(), "still running after the timeout"), seconds
    return Result(proc.returncode, out.decode(), err.decode()), time.monotonic() - start


def refused_fast(result: Result, took: float, pattern: str) -> None:
    assert result.code == 2, (result.code, result.err[:500])
    assert took < 5, took
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err[:500]
    assert re.fullmatch(f"error: {pattern}", lines[0]), lines[0]


ALIASES = r"{}:\d+: YAML aliases expand to more than 100000 nodes"


# --------------------------------------------------------------------------- item 4


def test_config_alias_bomb_is_refused_quickly(repo: Path) -> None:
    """issue 10 item 4: a 450-byte config.yaml of nested aliases no longer hangs `status`."""
    text = bomb("remotes:\n  r:\n", [*NINE, "url"], "    ")
    assert len(text) < 500
    write(repo / ".gitml" / "config.yaml", text)
    before = snapshot(repo)
    result, took = run_bounded(repo, "status")
    refused_fast(result, took, ALIASES.format(re.escape(".gitml/config.yaml")))
    assert snapshot(repo) == before


def test_pipeline_alias_bomb_is_refused_quickly(repo: Path) -> None:
    """issue 10 item 4: the same bomb in gitml.yaml (a stage's field) is refused."""
    write(repo / "gitml.yaml", bomb("stages:\n  s:\n    cmd: echo\n", [*NINE, "deps"], "    "))
    result, took = run_bounded(repo, "status")
    refused_fast(result, took, ALIASES.format("gitml.yaml"))


def test_lock_and_pointer_alias_bombs_are_refused_quickly(repo: Path) -> None:
    """issue 10 item 4: gitml.lock and a pointer file with a bomb are refused."""
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: echo\n")
    write(repo / "gitml.lock", bomb("schema: '1.0'\nstages:\n  s:\n", [*NINE, "cmd"], "    "))
    result, took = run_bounded(repo, "status")
    refused_fast(result, took, ALIASES.format("gitml.lock"))
    (repo / "gitml.lock").unlink()
    write(repo / "data.csv.gitml", bomb("outs:\n- path: data.csv\n", [*NINE, "size"], "  "))
    result, took = run_bounded(repo, "status")
    refused_fast(result, took, ALIASES.format(re.escape("data.csv.gitml")))


def test_params_alias_bomb_is_refused_quickly(repo: Path) -> None:
    """issue 10 item 4: a params.yaml bomb is refused (params diff flattens every value)."""
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: echo\n    params: [k8]\n")
    write(repo / "params.yaml", bomb("", NINE, ""))
    result, took = run_bounded(repo, "params", "diff")
    refused_fast(result, took, ALIASES.format(r"params\.yaml"))


@pytest.mark.parametrize(
    "name",
    ["gitml.yaml", "params.yaml", "params.json", "params.toml", ".gitml/config.yaml"],
)
def test_deep_nesting_is_refused(repo: Path, name: str) -> None:
    """issue 10 item 4: 500-deep nesting exits 2 naming the file ("nesting deeper than"),
    not "unexpected RecursionError"."""
    deep = "[" * 500 + "1" + "]" * 500
    if name == "gitml.yaml":
        write(repo / name, f"vars:\n  - deep: {deep}\nstages:\n  s:\n    cmd: echo\n")
    elif name == ".gitml/config.yaml":
        write(repo / name, f"remotes:\n  r:\n    url: {deep}\n")
    else:
        write(repo / "gitml.yaml", f"stages:\n  s:\n    cmd: echo\n    params: [{name}: [a]]\n")
        text = {"params.json": f'{{"a": {deep}}}', "params.toml": f"a = {deep}\n"}
        write(repo / name, text.get(name, f"a: {deep}\n"))
    before = snapshot(repo)
    args = ("params", "diff") if name.startswith("params") else ("status",)
    result, took = run_bounded(repo, *args)
    refused_fast(
        result, took, rf"(workspace:)?{re.escape(name)}(:\d+)?: nesting deeper than \d+ levels"
    )
    assert snapshot(repo) == before


def test_moderate_nesting_and_anchors_still_work(repo: Path) -> None:
    """issue 10 item 4: ordinary anchors, merge keys and 50-deep params are still read."""
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: echo hi\n    params: [a]\n")
    deep = "[" * 50 + "1" + "]" * 50
    write(repo / "params.yaml", f"x: &x {{m: [1, 2]}}\na: {{<<: *x, b: *x, c: {deep}}}\n")
    result = run_cli("repro")
    assert result.code == 0, result.err
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "run")
    assert run_cli("status").code == 0
