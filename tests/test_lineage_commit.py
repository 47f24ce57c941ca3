"""Lineage (issue 16, session 5, speed): the walk reads its commit's sha, author, date and
subject in one `git cat-file --batch` (gitml/lineage/facts.py `commit_at`), as `git show`
formats them (`commit_of`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.errors import BadInputError
from gitml.lineage.facts import commit_at, commit_of
from tests.conftest import git, write

MESSAGES = [
    "plain",
    "two lines\nof subject\n\nand a body",
    "  indented   subject  \n\nbody",
    "\n\nleading blank lines\n",
    "tabs\tinside\n \n after a space-only line",
    "ünïcödé — subject",
    "trailing spaces   \nnext   line   ",
]
AUTHORS = [
    ("Ann", "ann@example.com", "2025-01-02T10:00:00+01:00"),
    ("Ünï Cödé", "u@example.com", "2024-06-30T23:59:59-05:30"),
    ("A  B", "nobody@example.com", "2001-09-09T01:46:40+00:00"),
    ("B. O'Brien (ops)", "b@x", "1999-12-31T23:00:00+14:00"),
]


def test_commit_at_reads_what_git_show_prints(gitrepo: Path) -> None:
    """issue 16 speed (session 5): for odd subjects, names and time zones, `commit_at`
    gives exactly `commit_of`'s sha, author, e-mail, ISO date and subject."""
    shas = []
    for i, message in enumerate(MESSAGES):
        name, email, date = AUTHORS[i % len(AUTHORS)]
        write(gitrepo / "f.txt", str(i))
        git(gitrepo, "add", "f.txt")
        env = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
        git(gitrepo, *env, "commit", "-q", "--cleanup=verbatim", "--allow-empty-message",
            f"--author={name} <{email}>", f"--date={date}", "-m", message)  # fmt: skip
        shas.append(git(gitrepo, "rev-parse", "HEAD").strip())
    for i, sha in enumerate(shas):
        assert commit_at(str(gitrepo), sha) == commit_of(str(gitrepo), sha), MESSAGES[i]
    assert commit_at(str(gitrepo), "HEAD~1").sha == shas[-2]


def test_commit_at_refuses_what_names_no_commit(gitrepo: Path) -> None:
    """issue 16 speed (session 5): an unknown revision, a tree, a line break: bad input."""
    write(gitrepo / "f.txt", "x")
    git(gitrepo, "add", "f.txt")
    git(gitrepo, "commit", "-qm", "one")
    for rev in ("nosuchrev", "HEAD:f.txt", "HEAD\nHEAD", ""):
        with pytest.raises(BadInputError, match="unknown revision"):
            commit_at(str(gitrepo), rev)
