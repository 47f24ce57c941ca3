"""Which objects tracked outputs need: in the workspace, and at Git revisions."""

from __future__ import annotations

from collections.abc import Sequence

from gitml import scm, tracked
from gitml.constants import LOCK_FILE_NAME, PIPELINE_FILE, POINTER_SUFFIX
from gitml.errors import BadInputError
from gitml.hashing import HashInfo
from gitml.pipeline import lock as lockfile
from gitml.record import dataclass, field
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
    """Cached outputs of the pointers and of every gitml.lock in the tree of `rev`."""
    found, locks = tracked.outputs_and_locks_at(repo, rev)
    for rel, raw in locks.items():
        base = rel.rpartition("/")[0]
        loaded = lockfile.loads(raw, f"{rev}:{rel}", repo.state, base)
        found.extend(out for _, out in _lock_outputs(loaded))
    return found


def workspace_outputs(repo: Repo, targets: Sequence[str] = ()) -> list[Output]:
    """Pointer outputs and cached stage outs of the workspace (every pipeline file's lock);
    `targets` narrow them to paths (an output, a folder of outputs, a pointer file) or
    stages (pipeline/targets.py)."""
    found = tracked.listing(repo)
    pointer_outs = [
        (pointer.out_rel(o), o.hash_info, "", pointer.rel)
        for pointer in tracked.load_all(repo, found)
        for o in pointer.outs
    ]
    files = found.pipelines
    stage_outs = [
        (o[0], o[1], name, f"{_lock_of(name)} (stage '{name.rpartition(':')[2]}')")
        for name, o in _lock_outputs(
            lockfile.load_project(repo.root, _lock_files(repo, files), repo.state)
        )
    ]
    every = [o[:3] for o in _disjoint(pointer_outs + stage_outs)]
    if not targets:
        return [(rel, info) for rel, info, _ in every]
    chosen: dict[Output, None] = {}
    for target in targets:
        names = _stage_target(repo, target, found)
        hits = [(rel, info) for rel, info, stage in every if stage and stage in names]
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


def _lock_files(repo: Repo, pipelines: Sequence[str]) -> list[str]:
    """Pipeline files whose locks count: those in the work tree, and the root's (its lock
    may outlive a gitml.yaml removed by hand)."""
    return [PIPELINE_FILE, *(p for p in pipelines if p != PIPELINE_FILE)]


def _lock_of(address: str) -> str:
    file, colon, _ = address.rpartition(":")
    return lockfile.lock_rel(file) if colon and file.endswith(PIPELINE_FILE) else LOCK_FILE_NAME


def _stage_target(repo: Repo, target: str, found: tracked.Listing) -> set[str]:
    """The stage addresses `target` names; none when it names no stage (a path)."""
    if not found.pipelines:
        return set()
    from gitml.pipeline.project import load_dag
    from gitml.pipeline.targets import stages_of

    return set(stages_of(repo, load_dag(repo, found=found), target) or ())


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
