"""`gitml metrics show -A/-T/-a`: the revisions DVC's brancher walks, with its names.

The workspace first, then the given revisions, the branches (`-a`, by name) and the tags
(`-T`, by name), or every commit (`-A`, by sha: HEAD's history and every branch's, tag's and
remote branch's, as scmrepo's `list_all_commits`); names of one commit are joined by ','.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitml import scm
from gitml.commands.metrics import show_named
from gitml.metrics import Values
from gitml.repo import Repo
from gitml.revfiles import WORKSPACE


def named_revisions(
    repo: Repo,
    revs: Sequence[str] = (),
    *,
    all_branches: bool = False,
    all_tags: bool = False,
    all_commits: bool = False,
) -> list[tuple[str, str]]:
    """(label, commit sha or `workspace`) of each revision to show, in DVC's order."""
    found: list[tuple[str, str]] = [(r, scm.resolve(repo.root, r)) for r in revs if r != WORKSPACE]
    if all_commits:
        found += [(sha, sha) for sha in _all_commits(repo.root)]
    else:
        if all_branches:
            found += _refs(repo.root, "refs/heads/")
        if all_tags:
            found += _refs(repo.root, "refs/tags/")
    names: dict[str, list[str]] = {}
    for name, sha in found:
        if name not in names.setdefault(sha, []):
            names[sha].append(name)
    return [(WORKSPACE, WORKSPACE)] + [(",".join(n), sha) for sha, n in names.items()]


def show_all(
    repo: Repo,
    revs: Sequence[str] = (),
    paths: Sequence[str] = (),
    *,
    all_branches: bool = False,
    all_tags: bool = False,
    all_commits: bool = False,
) -> dict[str, dict[str, Values]]:
    """{label: {path: {metric: value}}} over the revisions of `named_revisions`."""
    named = named_revisions(
        repo, revs, all_branches=all_branches, all_tags=all_tags, all_commits=all_commits
    )
    return show_named(repo, named, paths, resolved=True)


def _refs(root: str, prefix: str) -> list[tuple[str, str]]:
    """(short name, commit sha) of each ref under `prefix`, sorted by name; an annotated
    tag by the commit it tags, a tag of a non-commit left out."""
    fmt = "%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(refname)"
    out = scm.run(root, "for-each-ref", f"--format={fmt}", prefix)
    refs = []
    for line in out.decode("utf-8", "replace").splitlines():
        sha, kind, peeled, peeled_kind, ref = line.split(" ", 4)
        if kind == "tag":
            sha, kind = peeled, peeled_kind
        if kind == "commit":
            refs.append((ref[len(prefix) :], sha))
    return sorted(refs)


def _all_commits(root: str) -> list[str]:
    if scm.head_is_unborn(root):
        return []
    out = scm.run(root, "rev-list", "--topo-order", "HEAD", "--branches", "--tags", "--remotes")
    return out.decode().split()
