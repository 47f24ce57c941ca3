"""`gitml move SRC DST`: move tracked data and its pointer, as `dvc move` does
(dvc/repo/move.py): only data added or imported (a pointer's output), never a stage's out;
DST an existing folder means DST/NAME; a pointer named for its data (`x.gitml` for `x`) is
renamed with it, another one keeps its name and records the new path. The .gitignore entries
follow. Everything is checked first; a failing step puts back what was done."""

from __future__ import annotations

import os
import posixpath

from gitml import gitignore, scm, tracked
from gitml.constants import POINTER_SUFFIX
from gitml.errors import BadInputError
from gitml.pointer import Output, Pointer, data_rel_for, pointer_rel_for
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.undo import Undo


@dataclass(frozen=True)
class Moved:
    src: str  # repo-relative
    dst: str
    pointer: str  # the pointer file now
    to_git_add: tuple[str, ...]  # what the user records with `git add`


def move(repo: Repo, src: str, dst: str) -> Moved:
    with repo.lock():
        found = tracked.listing(repo)
        pointers = tracked.load_all(repo, found)
        src_rel = _source(repo, src, pointers, found)
        pointer = next(p for p in pointers for o in p.outs if p.out_rel(o) == src_rel)
        dst_rel = _destination(repo, src_rel, dst, pointers, found)
        new = _moved_pointer(pointer, src_rel, dst_rel)
        with Undo() as undo:
            _apply(repo, undo, pointer, new, src_rel, dst_rel)
    changed = [pointer.rel, new.rel, gitignore_rel(src_rel), gitignore_rel(dst_rel)]
    return Moved(src_rel, dst_rel, new.rel, git_add_list(repo, changed))


def gitignore_rel(rel: str) -> str:
    folder = posixpath.dirname(rel)
    return posixpath.join(folder, ".gitignore") if folder else ".gitignore"


def git_add_list(repo: Repo, rels: list[str]) -> tuple[str, ...]:
    """The files `git add` records: those that exist, and deleted ones Git tracks."""
    return tuple(
        r
        for r in dict.fromkeys(rels)
        if os.path.lexists(repo.abspath(r)) or scm.is_tracked(repo.root, r)
    )


def _source(repo: Repo, src: str, pointers: list[Pointer], found: tracked.Listing) -> str:
    rel = tracked.rel_of(repo, src)
    if rel.endswith(POINTER_SUFFIX) and os.path.isfile(repo.abspath(rel)):
        rel = data_rel_for(rel)
    if any(p.out_rel(o) == rel for p in pointers for o in p.outs):
        return rel
    owner = tracked.owner_of(pointers, rel)
    if owner is not None:
        raise BadInputError(
            f"{src}: is inside {owner}, which is tracked as a whole",
            hint=f"move {owner}, or 'gitml unprotect' and edit it",
        )
    stage = _stage_owning(repo, found, rel)
    if stage is not None:
        raise BadInputError(
            f"{src}: is an output of stage '{stage}'; move is only for data added with"
            " 'gitml add' or imported (as 'dvc move')",
            hint="edit the stage's outs in gitml.yaml and run 'gitml repro'",
        )
    raise BadInputError(f"{src}: not tracked by gitml (no {pointer_rel_for(rel)})")


def _destination(
    repo: Repo, src_rel: str, dst: str, pointers: list[Pointer], found: tracked.Listing
) -> str:
    path = os.path.abspath(dst)
    if os.path.isdir(path) and not os.path.islink(path):
        path = os.path.join(path, posixpath.basename(src_rel))
    rel = tracked.rel_of(repo, path)
    if rel == src_rel:
        raise BadInputError(f"{dst}: is where {src_rel} already is")
    if rel.startswith(src_rel + "/"):
        raise BadInputError(f"{dst}: cannot move {src_rel} into itself")
    if os.path.lexists(repo.abspath(rel)):
        raise BadInputError(f"{dst}: already exists", hint="remove it first, or pick a new name")
    if rel.endswith(POINTER_SUFFIX) or os.path.lexists(repo.abspath(pointer_rel_for(rel))):
        raise BadInputError(f"{dst}: is, or has, a pointer file")
    others = [p for p in pointers if not any(p.out_rel(o) == src_rel for o in p.outs)]
    owner = tracked.owner_of(others, rel)
    if owner is not None:
        raise BadInputError(f"{dst}: overlaps {owner}, which is already tracked")
    stage = _stage_owning(repo, found, rel)
    if stage is not None:
        raise BadInputError(f"{dst}: overlaps an output of stage '{stage}'")
    for parent in _parents(rel):
        if os.path.lexists(repo.abspath(parent)) and not os.path.isdir(repo.abspath(parent)):
            raise BadInputError(f"{dst}: {parent} is a file, not a folder")
    scm.check_not_tracked(repo.root, rel)
    return rel


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _moved_pointer(pointer: Pointer, src_rel: str, dst_rel: str) -> Pointer:
    """The pointer after the move: renamed with its data when named for it (DVC: the stage
    file's name is the out's), else the same file with the out's new path in it."""
    if pointer.rel == pointer_rel_for(src_rel):
        rel, path = pointer_rel_for(dst_rel), posixpath.basename(dst_rel)
    else:
        rel = pointer.rel
        path = posixpath.relpath(dst_rel, pointer.folder or ".")
        if path.startswith("../"):
            raise BadInputError(
                f"{dst_rel}: outside the folder of {pointer.rel}, which lists {src_rel}",
                hint=f"move it within {pointer.folder or 'the root'}",
            )
    outs = tuple(
        Output(path, o.hash_info, o.annotations) if pointer.out_rel(o) == src_rel else o
        for o in pointer.outs
    )
    return Pointer(rel, outs, pointer.desc, pointer.meta, pointer.source, pointer.frozen)


def _apply(repo: Repo, undo: Undo, old: Pointer, new: Pointer, src_rel: str, dst_rel: str) -> None:
    src_abs, dst_abs = repo.abspath(src_rel), repo.abspath(dst_rel)
    undo.makedirs(os.path.dirname(dst_abs))
    if os.path.lexists(src_abs):  # data not checked out moves as its pointer only
        undo.rename(src_abs, dst_abs)
    new_path = repo.abspath(new.rel)
    undo.keep(new_path)
    tracked.write_pointer(repo, new)
    if new.rel != old.rel:
        old_path = repo.abspath(old.rel)
        undo.keep(old_path)
        os.unlink(old_path)
    for rel in (src_rel, dst_rel):
        undo.keep(gitignore.gitignore_of(repo.root, rel))
    gitignore.remove_entry(repo.root, src_rel)
    scm.add_to_gitignore(repo.root, dst_rel)


def _stage_owning(repo: Repo, found: tracked.Listing, rel: str) -> str | None:
    if not found.pipelines:
        return None
    from gitml.pipeline.dag import overlaps
    from gitml.pipeline.project import load_dag

    dag = load_dag(repo, found=found)
    for stage in dag.stages.values():
        for out in stage.outs:
            if overlaps(rel, out.path):
                return stage.name
    return None
