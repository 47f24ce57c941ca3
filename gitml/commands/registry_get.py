"""`gitml registry get`: an artifact's bytes at a registered version, verified.

The pointer or gitml.lock at the version's commit gives the digest; objects come from the
cache, or are fetched from the gitml remote (each verified as it lands); the copy out is
hashed as it is written, and lands by rename only when every digest matches.
"""

from __future__ import annotations

import os
import shutil

from gitml import atomic, used
from gitml.commands.fetch import fetch
from gitml.errors import BadInputError, CorruptObjectError, TransferError
from gitml.hashing import HashInfo
from gitml.link import copy_hashed
from gitml.record import dataclass
from gitml.registry import artifacts, index, pick, tags
from gitml.repo import Repo


@dataclass(frozen=True)
class GetResult:
    artifact: str
    version: str
    commit: str
    path: str  # where the bytes were written
    digest: str
    fetched: int  # objects downloaded from the remote


def get(
    repo: Repo,
    name: str,
    *,
    version: str | None = None,
    stage: str | None = None,
    out: str | None = None,
    remote: str | None = None,
    allow_deprecated: bool = False,
    force: bool = False,
) -> GetResult:
    st = index.build(tags.read_tags(repo.root))
    found = pick.pick(st, name, version=version, stage=stage, allow_retired=allow_deprecated)
    sha = found.commit_hexsha
    declared = artifacts.find(repo, name, sha)
    rel, info = artifacts.output_at(repo, declared, sha)
    dest = os.path.abspath(out or os.path.basename(rel))
    if os.path.lexists(dest) and not force:
        raise BadInputError(f"{dest} exists", hint="pass --force to replace it, or -o PATH")
    fetched = _ensure_local(repo, rel, info, remote)
    _write(repo, info.digest, info.is_dir, dest)
    return GetResult(name, found.version, sha, dest, info.digest, fetched)


def _ensure_local(repo: Repo, rel: str, info: HashInfo, remote: str | None) -> int:
    needed = used.expand(repo, [(rel, info)])
    if not needed.unknown and all(repo.cache.exists(o) for o in needed.oids):
        return 0
    result = fetch(repo, used.Scope(workspace=False), remote=remote, outs=[(rel, info)])
    if not result.transfer.ok:
        why = "; ".join(f"{p}: {w}" for p, w in result.transfer.failed[:3])
        raise TransferError(f"could not fetch {rel}: {why}")
    return len(result.transfer.transferred)


def _write(repo: Repo, digest: str, is_dir: bool, dest: str) -> None:
    os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
    tmp = atomic.tmp_name(dest)
    try:
        if is_dir:
            os.mkdir(tmp)
            for entry in repo.cache.read_tree(digest, where=f"manifest {digest}"):
                target = os.path.join(tmp, *entry.path.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                _copy(repo, entry.digest, target)
        else:
            _copy(repo, digest, tmp)
        if os.path.isdir(dest) and not os.path.islink(dest):
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def _copy(repo: Repo, oid: str, target: str) -> None:
    if copy_hashed(repo.cache.path(oid), target) != oid:
        raise CorruptObjectError(
            f"cache object {oid} is corrupt", hint="run 'gitml fsck' to quarantine it"
        )
