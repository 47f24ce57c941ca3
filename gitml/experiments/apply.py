"""`exp apply`: bring an experiment's changes into the workspace, or change nothing.

Everything is planned before anything is written. The Git-tracked side: each path whose
blob differs between the experiment and its baseline (one `git diff-tree`) is written
(atomically, with its mode) or deleted, unless the workspace file holds uncommitted work:
it differs from HEAD's version and from the experiment's (then the whole apply is refused).
The data side: the outs of the pointers and gitml.lock the experiment changed are planned
with checkout's machinery (materialize.py): a local change not in the cache is a conflict,
an object missing from the cache an error, both before the first write. HEAD, the branch and
the index are never touched: like DVC, the applied changes are left unstaged.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from dataclasses import dataclass, field

from gitml import atomic, githistory, scm, yamlio
from gitml.constants import LOCK_FILE_NAME, POINTER_SUFFIX
from gitml.errors import BadInputError, MissingObjectError, UncommittedChangeError, UnsafePathError
from gitml.hashing import HashInfo
from gitml.link import Linker
from gitml.materialize import Plan, plan_output
from gitml.materialize import apply as materialize
from gitml.paths import ParentGuard
from gitml.pipeline import lock as lockfile
from gitml.repo import Repo
from gitml.tracked import parse_pointer
from gitml.workspace import Hasher

Blob = tuple[str, str]  # (git mode, blob sha)
_GITLINK = "160000"
_LINK = "120000"
_TRACKED_PRIVATE = (".gitml/config.yaml", ".gitml/.gitignore")


class ApplyConflictError(UncommittedChangeError, BadInputError):
    """Applying would overwrite uncommitted work (exit 2, nothing written)."""


@dataclass
class ApplyPlan:
    writes: dict[str, Blob] = field(default_factory=dict)  # rel -> what to write
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0  # paths the workspace already holds as the experiment has them
    data: list[Plan] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)  # blob sha -> its bytes


def plan(repo: Repo, baseline: str, sha: str, head: str | None) -> ApplyPlan:
    """What applying commit `sha` (child of `baseline`) does; raises, writing nothing, on a
    conflict or an object missing from the cache."""
    changed = _changed(repo.root, baseline, sha)
    at_head = _tree(repo.root, head) if head else {}
    result = ApplyPlan()
    guard = ParentGuard(repo.root)
    for rel, new in sorted(changed.items()):
        _check_path(repo, guard, rel)
        have = _workspace_blob(repo.abspath(rel), len(sha))
        if have == new:
            result.unchanged += 1
            continue
        if have != at_head.get(rel):
            raise ApplyConflictError(
                f"applying would overwrite uncommitted changes to {rel}",
                hint="commit or stash them first",
            )
        if new is None:
            result.deletes.append(rel)
        else:
            result.writes[rel] = new
    _check_in_the_way(repo, result)
    result.blobs = githistory.read_blobs(repo.root, sorted({b for _, b in result.writes.values()}))
    result.data = _plan_data(repo, sha, result)
    return result


def carry_out(repo: Repo, todo: ApplyPlan) -> None:
    """Write what `plan` decided: deletions, then files (each atomically), then data."""
    for rel in todo.deletes:
        path = repo.abspath(rel)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        _prune_empty(repo.root, os.path.dirname(path))
    for rel, (mode, blob) in sorted(todo.writes.items()):
        _write(repo.abspath(rel), mode, todo.blobs[blob])
    work = [p for p in todo.data if not p.is_noop]
    if work:
        materialize(repo, work, Linker(repo.config.cache_types))


def _changed(root: str, baseline: str, sha: str) -> dict[str, Blob | None]:
    """rel -> (mode, blob) in `sha`, or None where `sha` deleted it: what differs from
    `baseline` (submodules are left alone)."""
    out = scm.run(root, "diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", baseline, sha)
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    changed: dict[str, Blob | None] = {}
    for i in range(0, len(fields) - 1, 2):
        meta, rel = fields[i].lstrip(":").split(" "), fields[i + 1]
        new_mode, new_blob = meta[1], meta[3]
        if _GITLINK in (meta[0], new_mode):
            continue
        changed[rel] = None if set(new_blob) == {"0"} else (new_mode, new_blob)
    return changed


def _tree(root: str, rev: str) -> dict[str, Blob]:
    out = scm.run(root, "ls-tree", "-r", "-z", "--full-tree", rev)
    tree: dict[str, Blob] = {}
    for item in out.decode("utf-8", "surrogateescape").split("\0"):
        if item:
            meta, _, rel = item.partition("\t")
            mode, _kind, blob = meta.split(" ")
            tree[rel] = (mode, blob)
    return tree


def _workspace_blob(path: str, id_len: int) -> Blob | str | None:
    """(mode, blob sha) Git would record for the file at `path`; None if absent, the
    string "other" for a folder or anything else Git cannot store as a blob."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(st.st_mode):
        mode, data = _LINK, os.fsencode(os.readlink(path))
    elif stat.S_ISREG(st.st_mode):
        mode = "100755" if st.st_mode & 0o111 else "100644"
        with open(path, "rb") as f:
            data = f.read()
    else:
        return "other"
    digest = hashlib.sha256() if id_len == 64 else hashlib.sha1()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return mode, digest.hexdigest()


def _check_path(repo: Repo, guard: ParentGuard, rel: str) -> None:
    parts = [p.lower().rstrip(". ") for p in rel.split("/")]
    if ".git" in parts or (".gitml" in parts and rel not in _TRACKED_PRIVATE):
        raise UnsafePathError(f"{rel}: the experiment writes into .git or .gitml; not applied")
    guard.check(repo.abspath(rel))


def _check_in_the_way(repo: Repo, todo: ApplyPlan) -> None:
    """A file (or symlink) standing where a written file needs a folder is uncommitted
    work in the way, unless this apply deletes it."""
    going = set(todo.deletes)
    for rel in todo.writes:
        folder = rel.rpartition("/")[0]
        while folder:
            path = repo.abspath(folder)
            if folder not in going and os.path.lexists(path) and not _real_dir(path):
                raise ApplyConflictError(
                    f"applying would overwrite {folder}, which stands where the experiment"
                    f" has a folder ({rel})",
                    hint="move it away first",
                )
            folder = folder.rpartition("/")[0]


def _real_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _plan_data(repo: Repo, sha: str, todo: ApplyPlan) -> list[Plan]:
    """Checkout plans for the outs of the pointers and gitml.lock the apply writes."""
    outs: dict[str, HashInfo] = {}
    blobs = todo.blobs
    for rel, (_, blob) in sorted(todo.writes.items()):
        where = f"{sha[:8]}:{rel}"
        if rel.endswith(POINTER_SUFFIX):
            data = yamlio.loads(blobs[blob], where=where, schema_name="pointer", memo=repo.state)
            pointer = parse_pointer(rel, data)
            outs.update((pointer.out_rel(o), o.hash_info) for o in pointer.outs)
        elif rel == LOCK_FILE_NAME:
            for stage in lockfile.loads(blobs[blob], where, repo.state).values():
                outs.update((e.path, e.hash_info) for e in stage.outs if e.cache)
    hasher = Hasher(repo.root, repo.state, repo.ignore)
    plans = [
        plan_output(repo, rel, info, hasher.scan(repo.abspath(rel), rel))
        for rel, info in sorted(outs.items())
    ]
    missing = [m for p in plans for m in p.missing]
    if missing:
        raise MissingObjectError(
            f"{len(missing)} object(s) of the experiment are not in the cache, e.g."
            f" {missing[0][0]} ({missing[0][1]})",
            hint="run 'gitml exp pull GIT_REMOTE NAME' or 'gitml pull' first",
        )
    lost = [u for p in plans for u in p.unrestorable] + [c for p in plans for c in p.conflicts]
    if lost:
        raise ApplyConflictError(
            f"applying would overwrite local changes not in the cache: {lost[0]}",
            hint="commit them with 'gitml add' or move them away first",
        )
    return plans


def _write(path: str, mode: str, data: bytes) -> None:
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    if _real_dir(path):
        os.rmdir(path)  # an empty folder left by the deletions above (a full one conflicted)
    if mode == _LINK:
        tmp = atomic.tmp_name(path)
        os.symlink(os.fsdecode(data), tmp)
        try:
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    else:
        atomic.write_bytes(path, data, mode=0o755 if mode == "100755" else 0o644)


def _prune_empty(root: str, folder: str) -> None:
    """Remove folders left empty by a deletion, as Git does (never the root)."""
    root = os.path.abspath(root)
    while os.path.abspath(folder) != root and folder.startswith(root):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)
