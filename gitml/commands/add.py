"""`gitml add`: hash, cache, write `PATH.gitml`, ignore PATH in Git."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence

from gitml import scm, tracked
from gitml.constants import POINTER_SUFFIX
from gitml.errors import BadInputError
from gitml.hashing import HashInfo
from gitml.link import root_warning
from gitml.materialize import relink_output
from gitml.pointer import Output, Pointer, pointer_rel_for
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.workspace import Hasher, Progress


@dataclass(frozen=True)
class Added:
    rel: str
    pointer_rel: str
    hash_info: HashInfo
    changed: bool  # False when the pointer already said exactly this


@dataclass(frozen=True)
class AddResult:
    added: tuple[Added, ...]
    to_git_add: tuple[str, ...]  # files the user should `git add`
    warnings: tuple[str, ...] = ()


def add(
    repo: Repo,
    paths: Sequence[str],
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    total: Progress | None = None,
) -> AddResult:
    """Track `paths`: everything is checked before anything is written."""
    rels = _check_targets(repo, paths)
    with repo.lock():
        hasher = Hasher(
            repo.root,
            repo.state,
            repo.ignore,
            store=repo.cache,
            jobs=jobs,
            progress=progress,
            total=total,
        )
        scanned = [(rel, hasher.scan(repo.abspath(rel), rel)) for rel in rels]
        repo.cache.sync()  # objects are durable before any pointer names them
        results, to_git_add, kinds = [], [], set()
        for rel, scan in scanned:
            assert scan is not None
            results.append(_record(repo, rel, scan.hash_info))
            scm.add_to_gitignore(repo.root, rel)
            to_git_add += [_gitignore_rel(rel), pointer_rel_for(rel)]
            kinds.add(relink_output(repo, rel, scan))
    warning = root_warning(k for k in kinds if k is not None)
    # Only what `git add` would change: re-adding unchanged data asks for nothing.
    pending = scm.unstaged(repo.root, list(dict.fromkeys(to_git_add)))
    return AddResult(tuple(results), tuple(pending), (warning,) if warning else ())


def _check_targets(repo: Repo, paths: Sequence[str]) -> list[str]:
    if not paths:
        raise BadInputError("nothing to add: give at least one path")
    found = tracked.listing(repo)
    pointers = tracked.load_all(repo, found)
    stage_outs = _stage_outs(repo, found)
    rels: list[str] = []
    for path in paths:
        rel = tracked.rel_of(repo, path)
        if rel.endswith(".gitml"):
            raise BadInputError(f"{path}: is a pointer file; add the data it points to")
        if not os.path.lexists(repo.abspath(rel)):
            raise BadInputError(f"{path}: no such file or directory")
        own = pointer_rel_for(rel)
        _check_name_length(repo, path, own)
        others = [p for p in pointers if p.rel != own]
        owner = tracked.owner_of(others, rel)
        if owner is not None:
            raise BadInputError(f"{path}: overlaps {owner}, which is already tracked")
        stage = _stage_owning(stage_outs, rel)
        if stage is not None:
            raise BadInputError(
                f"{path}: is an out of stage '{stage}'", hint="use 'gitml commit' for stage outs"
            )
        scm.check_not_tracked(repo.root, rel)
        if rel in rels:
            continue
        rels.append(rel)
    return rels


def _check_name_length(repo: Repo, path: str, pointer_rel: str) -> None:
    """Refuse a name whose pointer file's name the filesystem would not take."""
    folder = os.path.dirname(repo.abspath(pointer_rel))
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    size = len(os.fsencode(posixpath.basename(pointer_rel)))
    if size > limit:
        raise BadInputError(
            f"{path}: name too long to track: its pointer file's name would be {size} bytes,"
            f" over the filesystem's limit of {limit}",
            hint=f"rename it to at most {limit - len(POINTER_SUFFIX)} bytes, or track the folder"
            " that holds it",
        )


def _record(repo: Repo, rel: str, info: HashInfo) -> Added:
    pointer_rel = pointer_rel_for(rel)
    pointer = Pointer(pointer_rel, (Output(posixpath.basename(rel), info),))
    old = None
    if os.path.exists(repo.abspath(pointer_rel)):
        old = tracked.load_pointer(repo, pointer_rel)
    changed = old is None or old.outs != pointer.outs
    if changed:
        tracked.write_pointer(repo, old.with_outs(pointer.outs) if old else pointer)
    return Added(rel, pointer_rel, info, changed)


def _gitignore_rel(rel: str) -> str:
    folder = posixpath.dirname(rel)
    return posixpath.join(folder, ".gitignore") if folder else ".gitignore"


def _stage_outs(repo: Repo, found: tracked.Listing) -> list[tuple[str, str]]:
    """(out path, stage) of every stage of every pipeline file."""
    if not found.pipelines:
        return []
    from gitml.pipeline.project import load_dag

    stages = load_dag(repo, found=found).stages.values()
    return [(out.path, stage.name) for stage in stages for out in stage.outs]


def _stage_owning(stage_outs: list[tuple[str, str]], rel: str) -> str | None:
    from gitml.pipeline.dag import overlaps

    return next((name for path, name in stage_outs if overlaps(rel, path)), None)
