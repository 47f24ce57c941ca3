"""issue 17 item 3: shell completion that completes, tried in a real bash."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run_cli, write

pytestmark = pytest.mark.usefixtures("gitml_on_path")


def _gitml(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["gitml", *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip


BASH = """
eval "$(gitml completion bash)"
try() {
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
    _gitml_completion gitml 2>/dev/null
    echo "${COMPREPLY[*]}"
}
"""


def complete_in_bash(cwd: Path, *lines: tuple[str, ...]) -> list[list[str]]:
    """The candidates the bash script offers for each command line (the last word being
    completed), from a real `bash` sourcing `gitml completion bash`."""
    quoted = [" ".join(f"'{w}'" for w in ("gitml", *line)) for line in lines]
    script = BASH + "".join(f"try {q}\n" for q in quoted)
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script], cwd=cwd, capture_output=True,
        text=True, timeout=120, check=True,
    )  # fmt: skip
    assert proc.stderr == ""
    out = proc.stdout.split("\n")[: len(lines)]
    return [line.split() for line in out]


def test_bash_source_prints_the_script(repo: Path) -> None:
    """issue 17 item 3: `_GITML_COMPLETE=bash_source gitml` prints click's bash script (it used
    to print the help), the same as `gitml completion bash`."""
    proc = _gitml(repo, env={"_GITML_COMPLETE": "bash_source"})
    assert proc.returncode == 0, proc.stderr
    assert "_gitml_completion()" in proc.stdout and "Usage:" not in proc.stdout
    assert proc.stdout == _gitml(repo, "completion", "bash").stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_scripts_parse(repo: Path, shell: str) -> None:
    """issue 17 item 3: each shell's script is produced, names the completion variable, and
    parses (`bash -n`; `zsh -n`/`fish -n` where those shells are installed)."""
    proc = _gitml(repo, "completion", shell)
    assert proc.returncode == 0, proc.stderr
    assert "_GITML_COMPLETE" in proc.stdout
    script = repo.parent / f"gitml.{shell}"
    script.write_text(proc.stdout)
    checker = shutil.which(shell)
    if checker is not None:
        check = subprocess.run([checker, "-n", str(script)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    else:
        assert shell != "bash"


def test_unknown_shell(repo: Path) -> None:
    """issue 17 item 3: an unknown shell: exit 2, one line."""
    result = run_cli("completion", "tcsh")
    assert result.code == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.err


def test_bash_completes_commands_options_and_names(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 3: in bash, TAB completes commands, subcommands (`exp <TAB>`), options,
    remote names (`push -r`, `remote remove`), stage names (`repro`: addresses, a foreach
    group, a sub pipeline's), config names and the shells of `completion`."""
    assert run_cli("remote", "add", "store", str(tmp_path / "store")).code == 0
    assert run_cli("remote", "add", "backup", str(tmp_path / "backup")).code == 0
    write(repo / "gitml.yaml", "stages:\n  prep:\n    cmd: 'true'\n  train:\n"
          "    foreach: [a, b]\n    do:\n      cmd: echo ${item}\n")  # fmt: skip
    write(repo / "sub" / "gitml.yaml", "stages:\n  inner:\n    cmd: 'true'\n")
    got = complete_in_bash(
        repo,
        ("",),
        ("re",),
        ("exp", ""),
        ("exp", "q"),
        ("repro", "--d"),
        ("push", "-r", ""),
        ("fetch", "--remote", "b"),
        ("remote", "remove", ""),
        ("repro", ""),
        ("repro", "train@"),
        ("dag", "sub/"),
        ("config", "core."),
        ("config", "remote.store.u"),
        ("completion", ""),
        ("stage", ""),
    )
    commands = got[0]
    assert {"add", "config", "move", "remove", "doctor", "completion", "exp", "repro"} <= set(
        commands
    )
    assert got[1] == ["registry", "remote", "remove", "report", "repro"]
    assert {"run", "show", "push", "queue", "apply"} <= set(got[2])
    assert got[3] == ["queue"]
    assert got[4] == ["--downstream", "--dry"]
    assert got[5] == ["backup", "store"]
    assert got[6] == ["backup"]
    assert got[7] == ["backup", "store"]
    assert got[8] == ["prep", "train", "train@a", "train@b", "sub/gitml.yaml:inner"]
    assert got[9] == ["train@a", "train@b"]
    assert got[10] == ["sub/gitml.yaml:inner"]
    assert got[11] == ["core.remote", "core.quiet"]
    assert got[12] == ["remote.store.url"]
    assert got[13] == ["bash", "zsh", "fish"]
    assert {"add", "list"} <= set(got[14])


def test_targets_fall_back_to_files(repo: Path) -> None:
    """issue 17 item 3: a target that matches no stage asks the shell for file completion."""
    write(repo / "data.csv", "x\n")
    proc = _gitml(
        repo,
        env={
            "_GITML_COMPLETE": "bash_complete",
            "COMP_WORDS": "gitml status da",
            "COMP_CWORD": "2",
        },
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == "file,da"


def test_completion_outside_a_repository_is_quiet(tmp_path: Path) -> None:
    """issue 17 item 3: outside a repository, names complete to nothing, silently; commands
    still complete."""
    env = {"_GITML_COMPLETE": "bash_complete", "COMP_WORDS": "gitml push -r ", "COMP_CWORD": "3"}
    proc = _gitml(tmp_path, env=env)
    assert (proc.returncode, proc.stdout.strip(), proc.stderr) == (0, "", "")
    assert complete_in_bash(tmp_path, ("ini",)) == [["init"]]
