"""The one-commit plumbing builder (gitcommit) against GitPython's (gitobjects): same trees."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import git, snapshot, write

from gitml import gitcommit, gitobjects
from gitml.errors import GitmlError


def _changes(root: Path) -> dict[str, str | None]:
    out = root.parent / "out"
    write(out / "params.yaml", "x: 2\n")
    write(out / "deep" / "new" / "file.txt", "new\n")
    write(out / "run.sh", "#!/bin/sh\necho hi\n")
    os.chmod(out / "run.sh", 0o755)
    os.symlink("params.yaml", out / "link")
    write(out / "odd\nname", "a path with a newline\n")
    return {
        "params.yaml": str(out / "params.yaml"),
        "deep/new/file.txt": str(out / "deep" / "new" / "file.txt"),
        "bin/run.sh": str(out / "run.sh"),
        "link": str(out / "link"),
        "odd": str(out / "odd\nname"),
        "gone.txt": None,
        "not-there.txt": None,
    }


def test_same_tree_as_gitpython_and_nothing_else_touched(gitrepo: Path) -> None:
    """issue 13 item 5/speed: `exp run` records with plumbing; the commit is the one GitPython
    builds (files, an executable, a symlink, a new folder, removals), HEAD/index untouched."""
    write(gitrepo / "params.yaml", "x: 1\n")
    write(gitrepo / "gone.txt", "bye\n")
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-qm", "base")
    base = git(gitrepo, "rev-parse", "HEAD").strip()
    changes = _changes(gitrepo)
    before = snapshot(gitrepo / ".git")
    a = gitcommit.commit_files(str(gitrepo), base, changes, "plumbing\n")
    b = gitobjects.commit_files(str(gitrepo), base, changes, "plumbing\n")
    tree = git(gitrepo, "rev-parse", f"{a}^{{tree}}").strip()
    assert tree == git(gitrepo, "rev-parse", f"{b}^{{tree}}").strip()
    assert git(gitrepo, "rev-parse", f"{a}^@").split() == [base]
    listing = git(gitrepo, "ls-tree", "-r", a)
    assert "120000 blob" in listing and "100755 blob" in listing and "gone.txt" not in listing
    assert git(gitrepo, "show", f"{a}:deep/new/file.txt") == "new\n"
    after = {k: v for k, v in snapshot(gitrepo / ".git").items() if not k.startswith("objects/")}
    assert after == {k: v for k, v in before.items() if not k.startswith("objects/")}
    assert not list(gitrepo.glob(".gitml/tmp/commit-index-*"))  # its temporary index is gone


def test_two_parents_and_unknown_parent(gitrepo: Path) -> None:
    """issue 13: merge-like commits (exp save of a merge) and a bad parent: one clear error."""
    write(gitrepo / "a", "a\n")
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-qm", "one")
    one = git(gitrepo, "rev-parse", "HEAD").strip()
    write(gitrepo / "a", "b\n")
    git(gitrepo, "commit", "-qam", "two")
    two = git(gitrepo, "rev-parse", "HEAD").strip()
    sha = gitcommit.commit_files(str(gitrepo), two, {}, "m\n", parents=(two, one))
    assert git(gitrepo, "rev-parse", f"{sha}^@").split() == [two, one]
    with pytest.raises(GitmlError, match="unknown commit"):
        gitcommit.commit_files(str(gitrepo), "f" * 40, {}, "m\n")
