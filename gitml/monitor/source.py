"""Where one side of a drift comparison comes from: a tracked table at a Git revision (read
from the cache through the pointer or gitml.lock there, or from Git), the workspace, or a file
outside the repository (`--against`). Each side is named by its content digest."""

from __future__ import annotations

import os

from gitml.constants import LOCK_FILE_NAME, POINTER_SUFFIX
from gitml.errors import BadInputError, GitmlError, MissingObjectError
from gitml.hashing import HashInfo, hash_bytes, hash_file
from gitml.paths import check_real_inside
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.revfiles import WORKSPACE, RevisionReader


@dataclass(frozen=True)
class Source:
    label: str  # a revision name, "workspace", or the --against path
    shown: str  # for messages: "data.csv at HEAD"
    digest: str
    path: str | None  # a file to read, or
    data: bytes | None  # its bytes (a table committed to Git)


def at_revision(repo: Repo, rel: str, rev: str) -> Source:
    if rev == WORKSPACE:
        return _workspace(repo, rel)
    reader = RevisionReader(repo, rev)
    shown = f"{rel} at {rev}"
    data = reader.git_bytes(rel)
    if data is not None:
        return Source(rev, shown, hash_bytes(data), None, data)
    info = _own_pointer(repo, reader, rel) or _root_lock(repo, reader, rel)
    if info is None:
        info = reader.cached_output(rel)  # a sub pipeline's output, or a folder's file
    if info is None:
        raise BadInputError(f"{rel}: not tracked at {rev}")
    if info.is_dir:
        raise BadInputError(f"{rel}: a folder at {rev}, not a table")
    return Source(rev, shown, info.digest, repo.cache.path(info.digest), None)


def _own_pointer(repo: Repo, reader: RevisionReader, rel: str) -> HashInfo | None:
    """The hash `rel`'s own pointer (`rel.gitml`) gives it at the reader's revision: one Git
    read, where listing every output of the revision reads every pointer there (a second
    comparison in a repository of 100 tracked files took 0.4 s of CPU that way)."""
    from gitml import scm, tracked, yamlio

    if reader.sha is None:
        return None
    name = rel + POINTER_SUFFIX
    try:
        raw = scm.read_at(repo.root, reader.sha, name)
    except GitmlError:
        return None  # a symlink...: the full listing decides
    if raw is None:
        return None
    where = f"{reader.rev}:{name}"
    pointer = tracked.parse_pointer(
        name, yamlio.loads(raw, where=where, schema_name="pointer", memo=repo.state)
    )
    return next((o.hash_info for o in pointer.outs if pointer.out_rel(o) == rel), None)


def _root_lock(repo: Repo, reader: RevisionReader, rel: str) -> HashInfo | None:
    """The hash the root gitml.lock at the reader's revision gives `rel` (a stage's output)."""
    from gitml import scm
    from gitml.pipeline import lock as lockfile

    if reader.sha is None:
        return None
    try:
        raw = scm.read_at(repo.root, reader.sha, LOCK_FILE_NAME)
    except GitmlError:
        return None
    if raw is None:
        return None
    stages = lockfile.loads(raw, f"{reader.sha[:8]}:{LOCK_FILE_NAME}", repo.state)
    return next((o.hash_info for st in stages.values() for o in st.outs if o.path == rel), None)


def check_readable(src: Source) -> None:
    """Before reading a side: its data must be here (a revision's may not be in the cache)."""
    if src.data is None and src.path is not None and not os.path.exists(src.path):
        raise MissingObjectError(
            f"{src.shown}: its data ({src.digest[:12]}) is not in the cache",
            hint="run `gitml pull` or `gitml fetch` first",
        )


def _workspace(repo: Repo, rel: str) -> Source:
    from gitml.statcache import stat_key
    from gitml.walk import FileStat
    from gitml.workspace import Hasher

    path = repo.abspath(rel)
    check_real_inside(repo.root, path, what=rel)
    if not os.path.isfile(path):
        raise BadInputError(f"{rel}: no such file in the workspace")
    hasher = Hasher(repo.root, repo.state, repo.ignore)
    digest = hasher.hash_files([FileStat(rel, path, stat_key(os.stat(path)))])[path]
    return Source(WORKSPACE, f"{rel} in the workspace", digest, path, None)


def against(repo: Repo, path: str) -> Source:
    """A file outside Git: a local path, an fsspec URL (s3://..., read once into memory), or
    remote://NAME/PATH (read with gitml remote NAME's URL and options)."""
    if "://" in path:
        from gitml.remote import read_url

        data = read_url(path, repo.root, repo.config)
        return Source(path, path, hash_bytes(data), None, data)
    if not os.path.isfile(path):
        raise BadInputError(f"{path}: no such file")
    return Source(path, path, hash_file(path)[0], path, None)
