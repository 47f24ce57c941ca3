"""The repository's pointer files: find, load, resolve targets, write."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence

from gitml import githistory, scm, yamlio
from gitml.constants import LOCK_FILE_NAME, PIPELINE_FILE, POINTER_SUFFIX
from gitml.errors import BadInputError
from gitml.hashing import HashInfo
from gitml.paths import (
    ParentGuard,
    check_not_private,
    check_real_inside,
    check_utf8_names,
    is_private,
    to_posix_rel,
)
from gitml.pointer import Pointer, data_rel_for, pointer_rel_for
from gitml.record import dataclass
from gitml.repo import Repo


@dataclass(frozen=True)
class Listing:
    """gitml's files in the work tree, found by one `git ls-files` (tracked, and untracked
    but not ignored, as DVC finds its files)."""

    pointers: tuple[tuple[str, bool], ...]  # (path, tracked by Git?) of `*.gitml` files
    pipelines: tuple[str, ...]  # `gitml.yaml` files: the root's first, then by path


def listing(repo: Repo) -> Listing:
    """The work tree's pointer and pipeline files (remembered inside `listed_once`)."""
    if repo.listing is not None:
        return repo.listing
    found = scm.ls_files_tracked(repo.root, f"*{POINTER_SUFFIX}", f"*{PIPELINE_FILE}")
    pointers = tuple(
        (rel, known)
        for rel, known in found
        if rel.endswith(POINTER_SUFFIX) and os.path.isfile(repo.abspath(rel))
    )
    subs = sorted(
        rel
        for rel, _ in found
        if rel.endswith("/" + PIPELINE_FILE)
        and not is_private(rel)
        and not repo.ignore.ignored(rel, is_dir=False)
        and os.path.isfile(repo.abspath(rel))
    )
    root = [PIPELINE_FILE] if os.path.isfile(repo.abspath(PIPELINE_FILE)) else []
    return Listing(pointers, tuple(root + subs))


def pointer_files(repo: Repo) -> list[str]:
    """Repo-relative paths of every pointer file in the work tree (tracked or not)."""
    return [rel for rel, _ in listing(repo).pointers]


@contextlib.contextmanager
def listed_once(repo: Repo) -> Iterator[None]:
    """Inside, the pointer and pipeline files are listed by one `git ls-files`, not one per
    reader (the pipeline's and the command's): for read-only commands, which write none."""
    if repo.listing is not None:
        yield
        return
    repo.listing = listing(repo)
    try:
        yield
    finally:
        repo.listing = None


def load_pointer(repo: Repo, rel: str) -> Pointer:
    data = yamlio.load_file(repo.abspath(rel), schema_name="pointer", memo=repo.state, where=rel)
    return parse_pointer(rel, data)


def parse_pointer(rel: str, data: object) -> Pointer:
    pointer = Pointer.from_dict(rel, data)  # type: ignore[arg-type]
    for i, out in enumerate(pointer.outs):
        check_not_private(pointer.out_rel(out), where=f"{rel}: outs[{i}].path")
    return pointer


def load_all(repo: Repo, found: Listing | None = None) -> list[Pointer]:
    """Every pointer of the work tree (of `found`, if given). A bad pointer is an error, but
    an untracked file that is no pointer at all (a user's own `notes.gitml`) is skipped and
    noted in `repo.skipped`, so a stray file cannot stop every command."""
    pointers = []
    for rel, known in (found or listing(repo)).pointers:
        try:
            pointers.append(load_pointer(repo, rel))
        except BadInputError as e:
            if known or _means_pointer(repo, rel):
                raise
            repo.skipped.setdefault(rel, str(e))
    return pointers


def _means_pointer(repo: Repo, rel: str) -> bool:
    """True if the file is meant as a pointer, if a bad one: the data file it is named for
    exists, or it is a YAML mapping (not text, binary data or a list)."""
    if os.path.lexists(repo.abspath(data_rel_for(rel))):
        return True
    try:
        return isinstance(yamlio.load_file(repo.abspath(rel), where=rel), dict)
    except BadInputError:
        return False


def write_pointer(repo: Repo, pointer: Pointer) -> None:
    path = repo.abspath(pointer.rel)
    yamlio.write_file(path, pointer.to_dict(), schema_name="pointer", memo=repo.state)


def rel_of(repo: Repo, path: str) -> str:
    """A user-given path (relative to the cwd) as a safe repo-relative POSIX path."""
    abspath = os.path.abspath(path)
    check_real_inside(repo.root, abspath, what=path)
    rel = to_posix_rel(repo.root, abspath)
    check_utf8_names([rel])
    if rel == "." or rel.startswith("../"):
        raise BadInputError(f"{path}: not a path inside the repository")
    if is_private(rel):
        raise BadInputError(f"{path}: gitml does not track files inside .git or .gitml")
    ParentGuard(repo.root).check(abspath)
    return rel


def select(repo: Repo, targets: Sequence[str], found: Listing | None = None) -> list[Pointer]:
    """Pointers named by `targets` (data paths, pointer paths or folders); all if none."""
    pointers = load_all(repo, found)
    if not targets:
        return pointers
    chosen: list[Pointer] = []
    for target in targets:
        rel = rel_of(repo, target)
        if rel.endswith(POINTER_SUFFIX):
            rel = data_rel_for(rel)
        hits = [p for p in pointers if _covers(rel, p)]
        if not hits:
            raise BadInputError(f"{target}: not tracked by gitml (no {pointer_rel_for(rel)})")
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def _covers(rel: str, pointer: Pointer) -> bool:
    for out in pointer.outs:
        out_rel = pointer.out_rel(out)
        if rel == out_rel or _is_below(out_rel, rel):
            return True
    return False


def _is_below(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


def owner_of(pointers: Sequence[Pointer], rel: str) -> str | None:
    """The tracked output that contains or equals `rel`, if any."""
    for pointer in pointers:
        for out in pointer.outs:
            out_rel = pointer.out_rel(out)
            if rel == out_rel or _is_below(rel, out_rel) or _is_below(out_rel, rel):
                return out_rel
    return None


def outputs_at(repo: Repo, rev: str) -> list[tuple[str, HashInfo]]:
    """(output path, hash) of every pointer in the tree of Git revision `rev`."""
    return outputs_and_locks_at(repo, rev)[0]


def outputs_and_locks_at(
    repo: Repo, rev: str
) -> tuple[list[tuple[str, HashInfo]], dict[str, bytes]]:
    """(output path, hash) of every pointer in the tree of `rev`, and the bytes of every
    gitml.lock there (the root's and sub pipelines'), by path: one listing of the tree."""
    sha = scm.resolve(repo.root, rev)
    listed = githistory.blobs_in_tree(repo.root, sha, POINTER_SUFFIX, (LOCK_FILE_NAME,))
    locks = {LOCK_FILE_NAME} | {p for p, _ in listed if p.rpartition("/")[2] == LOCK_FILE_NAME}
    raws = {rel: scm.read_at(repo.root, sha, rel) for rel in sorted(locks)}
    pointers = sorted(p for p, _ in listed if p.endswith(POINTER_SUFFIX))
    return _pointer_outputs_at(repo, rev, sha, pointers), {
        rel: raw for rel, raw in raws.items() if raw is not None
    }


def _pointer_outputs_at(
    repo: Repo, rev: str, sha: str, rels: list[str]
) -> list[tuple[str, HashInfo]]:
    outputs: list[tuple[str, HashInfo]] = []
    for rel in rels:
        raw = scm.read_at(repo.root, sha, rel) or b""
        data = yamlio.loads(raw, where=f"{rev}:{rel}", schema_name="pointer", memo=repo.state)
        pointer = parse_pointer(rel, data)
        outputs.extend((pointer.out_rel(o), o.hash_info) for o in pointer.outs)
    return outputs
