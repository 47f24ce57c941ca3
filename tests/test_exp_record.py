"""issue 13 items 1 and 5: an experiment is a commit on DVC's ref layout, made without the index."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitml.errors import BadInputError
from gitml.experiments import record, refs


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_record_makes_a_child_of_the_baseline_on_dvcs_ref_layout(gitrepo: Path) -> None:
    """issue 13 item 1: parent = baseline, `refs/exps/ab/cdef.../name`; HEAD, index unchanged."""
    (gitrepo / "params.yaml").write_text("lr: 1\n")
    (gitrepo / "run.sh").write_text("echo hi\n")
    (gitrepo / "run.sh").chmod(0o755)
    _git(gitrepo, "add", ".")
    _git(gitrepo, "commit", "-qm", "base")
    base = _git(gitrepo, "rev-parse", "HEAD")
    (gitrepo / "params.yaml").write_text("lr: 2\n")
    index_before = (gitrepo / ".git" / "index").read_bytes()
    exp = record.record(
        str(gitrepo), base, "bold-otter", {"params.yaml": str(gitrepo / "params.yaml")}, "try"
    )
    assert exp.ref == f"refs/exps/{base[:2]}/{base[2:]}/bold-otter"
    assert _git(gitrepo, "rev-parse", exp.ref) == exp.sha
    assert _git(gitrepo, "log", "-1", "--format=%P %s", exp.sha) == f"{base} try"
    assert _git(gitrepo, "show", f"{exp.sha}:params.yaml") == "lr: 2"
    assert _git(gitrepo, "ls-tree", exp.sha, "run.sh").startswith("100755")
    assert _git(gitrepo, "rev-parse", "HEAD") == base
    assert (gitrepo / ".git" / "index").read_bytes() == index_before
    assert _git(gitrepo, "status", "--porcelain") == "M params.yaml"
    assert refs.all_experiments(str(gitrepo)) == [exp]
    assert refs.find(str(gitrepo), "bold-otter") == exp
    assert refs.find(str(gitrepo), exp.sha[:7]) == exp


@pytest.mark.parametrize("name", ["a/b", "x..y", "end.", "-", "sp ace", "a.lock", "@{x", ""])
def test_bad_or_taken_names_are_refused(gitrepo: Path, name: str) -> None:
    """issue 13 bad input: a name that is not a valid ref name, or exists, writes nothing."""
    (gitrepo / "f").write_text("x")
    _git(gitrepo, "add", ".")
    _git(gitrepo, "commit", "-qm", "base")
    base = _git(gitrepo, "rev-parse", "HEAD")
    with pytest.raises(BadInputError):
        record.record(str(gitrepo), base, name, {}, "m")
    record.record(str(gitrepo), base, "taken", {}, "m")
    with pytest.raises(BadInputError, match="already exists"):
        record.record(str(gitrepo), base, "taken", {}, "m")
    assert [e.name for e in refs.all_experiments(str(gitrepo))] == ["taken"]
    with pytest.raises(BadInputError, match="unknown experiment"):
        refs.find(str(gitrepo), "nope")
