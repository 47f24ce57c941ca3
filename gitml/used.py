"""Which objects tracked outputs need: in the workspace, and at Git revisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gitml import scm, tracked
from gitml.constants import LOCK_FILE_NAME, POINTER_SUFFIX
from gitml.errors import BadInputError
from gitml.hashing import HashInfo
from gitml.pipeline import lock as lockfile
from gitml.repo import Repo

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
    """Cached outputs of pointers and of gitml.lock: in the workspace and at revisions."""
    found: dict[Output, None] = {}
    if scope.workspace:
        found.update((out, None) for out in workspace_outputs(repo, scope.targets))
    revs = scm.revisions(
        repo.root,
        branches=scope.all_branches,
        tags=scope.all_tags,
        commits=scope.all_commits,
    )
    for rev in revs:
        found.update((out, None) for out in outputs_at(repo, rev))
    return list(found)


def outputs_at(repo: Repo, rev: str) -> list[Output]:
    """Cached outputs of the pointers and gitml.lock in the tree of `rev`."""
    found = list(tracked.outputs_at(repo, rev))
    raw = scm.read_at(repo.root, rev, LOCK_FILE_NAME)
    if raw is not None:
        locks = lockfile.loads(raw, f"{rev}:{LOCK_FILE_NAME}", repo.state)
        found.extend(out for _, out in _lock_outputs(locks))
    return found


def workspace_outputs(repo: Repo, targets: Sequence[str] = ()) -> list[Output]:
    """Pointer outputs and cached stage outs of the workspace; `targets` narrow them to
    paths (an output, a folder of outputs, a pointer file) or stage names."""
    pointer_outs = [
        (pointer.out_rel(o), o.hash_info, "", pointer.rel)
        for pointer in tracked.load_all(repo)
        for o in pointer.outs
    ]
    stage_outs = [
        (o[0], o[1], name, f"{LOCK_FILE_NAME} (stage '{name}')")
        for name, o in _lock_outputs(lockfile.load(repo.root, repo.state))
    ]
    every = [o[:3] for o in _disjoint(pointer_outs + stage_outs)]
    if not targets:
        return [(rel, info) for rel, info, _ in every]
    chosen: dict[Output, None] = {}
    for target in targets:
        hits = [(rel, info) for rel, info, stage in every if stage and _stage_match(stage, target)]
        if not hits:
            rel = tracked.rel_of(repo, target).removesuffix(POINTER_SUFFIX)
            hits = [(o, info) for o, info, _ in every if o == rel or o.startswith(rel + "/")]
        if not hits:
            raise BadInputError(f"{target}: not tracked by gitml (no pointer or stage out)")
        chosen.update((hit, None) for hit in hits)
    return list(chosen)


def _disjoint(
    outs: list[tuple[str, HashInfo, str, str]],
) -> list[tuple[str, HashInfo, str, str]]:
    """`outs` (path, hash, stage, source) if no path is listed twice or lies inside another;
    else BadInputError naming both: checkout could write only one of them, or only half."""
    by_path: dict[str, str] = {}
    for rel, _, _, source in outs:
        if rel.endswith(POINTER_SUFFIX) or rel.rpartition("/")[2] == ".gitignore":
            raise BadInputError(f"{rel} ({source}): an output may not be a pointer or a .gitignore")
        if rel in by_path:
            both = source if by_path[rel] == source else f"both {by_path[rel]} and {source}"
            raise BadInputError(f"{rel} is listed twice as an output, in {both}")
        by_path[rel] = source
    for rel, _, _, source in outs:
        folder = rel.rpartition("/")[0]
        while folder:
            if folder in by_path:
                raise BadInputError(
                    f"{rel} ({source}) is inside {folder}, an output of {by_path[folder]}"
                )
            folder = folder.rpartition("/")[0]
    return outs


def _stage_match(stage: str, target: str) -> bool:
    return stage == target or stage.split("@", 1)[0] == target


def _lock_outputs(locks: dict[str, lockfile.StageLock]) -> list[tuple[str, Output]]:
    return [(name, (e.path, e.hash_info)) for name, sl in locks.items() for e in sl.outs if e.cache]


@dataclass
class Needed:
    oids: set[str] = field(default_factory=set)  # every object, manifests included
    manifests: dict[str, str] = field(default_factory=dict)  # manifest oid -> output path
    unknown: list[Output] = field(default_factory=list)  # dirs whose manifest is not local
    owner: dict[str, str] = field(default_factory=dict)  # oid -> a file that uses it
    sizes: dict[str, int] = field(default_factory=dict)  # file objects' sizes
    entries: dict[str, set[str]] = field(default_factory=dict)  # manifest oid -> file oids


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
        tree = repo.cache.read_tree(info.digest, where=f"manifest of {rel}")
        needed.entries[info.digest] = {entry.digest for entry in tree}
        for entry in tree:
            needed.oids.add(entry.digest)
            needed.owner.setdefault(entry.digest, f"{rel}/{entry.path}")
            needed.sizes[entry.digest] = entry.size
    return needed
