"""The directory walk (gitml/walk.py): the forked walk gives exactly the one-process result."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_cli, write

from gitml import walk
from gitml.ignore import IgnoreRules
from gitml.paths import check_real_inside


def _tree(root: Path) -> Path:
    top = root / "data"
    for a in range(6):
        for b in range(5):
            for c in range(3):
                write(top / f"a{a}" / f"b{b}" / f"f{c}.txt", f"{a}{b}{c}\n")
        write(top / f"a{a}" / "top.bin", b"x" * a)
    (top / "a1" / "b1" / "deep" / "deeper").mkdir(parents=True)
    write(top / "a1" / "b1" / "deep" / "deeper" / "z.txt", "z\n")
    os.mkfifo(top / "a2" / "pipe")  # skipped: not a regular file
    os.symlink("../a0/top.bin", top / "a3" / "link.bin")  # followed: inside the repository
    write(top / "a4" / "skip.tmp", "ignored\n")
    return top


@pytest.mark.parametrize("ignored", [False, True])
def test_parallel_walk_is_the_sequential_walk(
    gitrepo: Path, monkeypatch: pytest.MonkeyPatch, ignored: bool
) -> None:
    """issue 19: status's walk reads half the subtrees in a forked child; same files, stats,
    order, skips."""
    top = _tree(gitrepo)
    if ignored:
        write(gitrepo / ".gitmlignore", "*.tmp\n")
    rules = IgnoreRules(str(gitrepo))

    def link(path: str, shown: str) -> str:
        return check_real_inside(str(gitrepo), path, what=shown)

    def run() -> tuple[list[walk.FileStat], list[str]]:
        skipped: list[str] = []
        found = walk.Walker("data", rules, link).walk(str(top), skipped)
        return found, skipped

    monkeypatch.setattr(walk, "_SPLIT_AT", 10**9)  # never parallel: the reference
    one = run()
    monkeypatch.setattr(walk, "_SPLIT_AT", 2)  # forks almost at once
    assert run() == one
    names = [f.rel for f in one[0]]
    assert len(names) == len(set(names)) == 6 * 16 + 2 + (0 if ignored else 1)
    assert "a3/link.bin" in names and "a1/b1/deep/deeper/z.txt" in names
    assert "a2/pipe" in one[1] and (("a4/skip.tmp" in one[1]) == ignored)


def test_an_error_in_either_process_reaches_the_command(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 19: a link leaving the repository, met by the parent or by the forked child
    (each top folder in turn, so both shares are hit): one line, exit 2, as without fork."""
    monkeypatch.setattr(walk, "_SPLIT_AT", 16)  # this small tree forks too
    top = _tree(repo)
    assert run_cli("add", "data").code == 0
    for a in range(6):
        link = top / f"a{a}" / "b4" / "escape"
        os.symlink("/etc", link)
        result = run_cli("status")
        assert result.code == 2, result
        assert "escape" in result.err and len(result.err.strip().splitlines()) == 1
        link.unlink()
    assert run_cli("status").code == 0
