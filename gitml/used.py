"""Which objects tracked outputs need: in the workspace, and at Git revisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gitml import scm, tracked
from gitml.hashing import HashInfo
from gitml.repo import Repo
from gitml.tree import Tree

Output = tuple[str, HashInfo]  # repo-relative path, hash


@dataclass(frozen=True)
class Scope:
    """What to consider: the workspace pointers (optionally only `targets`) and revisions."""

    targets: Sequence[str] = ()
    workspace: bool = True
    all_branches: bool = False
    all_tags: bool = False
    all_commits: bool = False


def outputs(repo: Repo, scope: Scope) -> list[Output]:
    found: dict[Output, None] = {}
    if scope.workspace:
        for pointer in tracked.select(repo, scope.targets):
            found.update(((pointer.out_rel(o), o.hash_info), None) for o in pointer.outs)
    revs = scm.revisions(
        repo.root,
        branches=scope.all_branches,
        tags=scope.all_tags,
        commits=scope.all_commits,
    )
    for rev in revs:
        found.update((out, None) for out in tracked.outputs_at(repo, rev))
    return list(found)


@dataclass
class Needed:
    oids: set[str] = field(default_factory=set)  # every object, manifests included
    manifests: dict[str, str] = field(default_factory=dict)  # manifest oid -> output path
    unknown: list[Output] = field(default_factory=list)  # dirs whose manifest is not local
    owner: dict[str, str] = field(default_factory=dict)  # oid -> a file that uses it
    sizes: dict[str, int] = field(default_factory=dict)  # file objects' sizes


def expand(repo: Repo, outs: Sequence[Output]) -> Needed:
    """Every object of `outs`, reading directory manifests from the local cache."""
    needed = Needed()
    for rel, info in outs:
        needed.oids.add(info.digest)
        needed.owner.setdefault(info.digest, rel)
        if not info.is_dir:
            needed.sizes[info.digest] = info.size
            continue
        needed.manifests[info.digest] = rel
        if not repo.cache.exists(info.digest):
            needed.unknown.append((rel, info))
            continue
        tree = Tree.from_json(repo.cache.read_verified(info.digest), where=f"manifest of {rel}")
        for entry in tree:
            needed.oids.add(entry.digest)
            needed.owner.setdefault(entry.digest, f"{rel}/{entry.path}")
            needed.sizes[entry.digest] = entry.size
    return needed
