"""Make an experiment: a commit of the baseline's tree plus the run's changes, on its ref."""

from __future__ import annotations

from collections.abc import Mapping

from gitml import gitrefs
from gitml.errors import BadInputError
from gitml.experiments.refs import ExpRef, check_name, ref_for


def record(
    root: str,
    baseline: str,
    name: str,
    changes: Mapping[str, str | None],
    message: str,
) -> ExpRef:
    """Commit `changes` (repo-relative path -> file to store, or None to delete) on top of
    `baseline` and create `refs/exps/.../<name>` pointing at it, only if no experiment of
    that baseline has the name (Git's create-only ref update: two runs never share one)."""
    check_name(name)
    ref = ref_for(baseline, name)
    if gitrefs.exists(root, ref):
        raise BadInputError(f"experiment '{name}' already exists", hint="pick another -n NAME")
    from gitml import gitcommit  # one commit: plumbing (GitPython's import costs more)

    sha = gitcommit.commit_files(root, baseline, changes, message or f"gitml exp: {name}")
    try:
        gitrefs.update(root, ref, sha, old=gitrefs.ZERO, reason=f"gitml exp: {name}")
    except gitrefs.RefExistsError as e:
        raise BadInputError(f"experiment '{name}' already exists") from e
    return ExpRef(baseline, name, sha)
