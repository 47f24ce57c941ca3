"""`gitml fsck --remote NAME`: verify every object on a remote and every manifest's files.

A directory manifest on a remote vouches for its files: push skips the files of a manifest
the remote has. So a manifest with a file missing or corrupt is withdrawn (deleted from the
remote) and corrupt objects are moved to the remote's `quarantine/`: the next `gitml push`
from a machine that has the data re-sends all of them.
"""

from __future__ import annotations

import contextlib
import os

from gitml import used
from gitml.constants import DIR_SUFFIX
from gitml.errors import GitmlError
from gitml.hashing import hash_file
from gitml.record import dataclass
from gitml.remote import RemoteError, RemoteStore, open_remote
from gitml.repo import Repo
from gitml.transfer import transfer
from gitml.tree import Tree


@dataclass(frozen=True)
class RemoteFsck:
    remote: str
    checked: int
    corrupt: tuple[tuple[str, str], ...]  # (oid, the file it is, where known); quarantined
    missing: tuple[tuple[str, str], ...]  # (file, oid): named by a manifest, not on the remote
    withdrawn: tuple[tuple[str, str], ...]  # (directory or manifest, manifest oid): deleted
    errors: tuple[tuple[str, str], ...]  # (oid, why) that could not be read

    @property
    def clean(self) -> bool:
        return not (self.corrupt or self.missing or self.errors)


def fsck_remote(repo: Repo, *, remote: str | None, jobs: int | None = None) -> RemoteFsck:
    """Download (to temp files) and hash every object on the remote; check that every file
    of every sound manifest is there and sound; withdraw the manifests that fail."""
    store = open_remote(repo.root, repo.config, remote)
    try:
        oids = store.list_oids()
    except Exception as e:
        raise RemoteError(store.name, e) from e
    manifests, bad, errors = _verify_all(repo, store, oids, jobs)
    names = {info.digest: rel for rel, info in used.workspace_outputs(repo) if info.is_dir}
    missing: list[tuple[str, str]] = []
    owner: dict[str, str] = {}
    withdraw: dict[str, str] = {}
    for moid, tree in sorted(manifests.items()):
        where = names.get(moid, moid)
        for entry in tree:
            owner.setdefault(entry.digest, f"{where}/{entry.path}")
            if entry.digest not in oids:
                missing.append((f"{where}/{entry.path}", entry.digest))
            if entry.digest not in oids or entry.digest in bad:
                withdraw[moid] = where
    corrupt = tuple((oid, owner.get(oid, names.get(oid, ""))) for oid in sorted(bad))
    try:
        for oid in sorted(bad):
            store.quarantine(oid)
        for moid in sorted(withdraw):
            with contextlib.suppress(FileNotFoundError):
                store.remove(moid)
    except Exception as e:
        raise RemoteError(store.name, e) from e
    withdrawn = tuple((where, moid) for moid, where in sorted(withdraw.items()))
    return RemoteFsck(store.name, len(oids), corrupt, tuple(missing), withdrawn, errors)


def _verify_all(
    repo: Repo, store: RemoteStore, oids: set[str], jobs: int | None
) -> tuple[dict[str, Tree], set[str], tuple[tuple[str, str], ...]]:
    """(sound manifests parsed, corrupt oids, (oid, why) unreadable)."""
    os.makedirs(repo.tmp_dir, exist_ok=True)
    manifests: dict[str, Tree] = {}

    def check(oid: str) -> None:
        tmp = os.path.join(repo.tmp_dir, f"fsck-{oid}")
        try:
            store.download(oid, tmp)
            if hash_file(tmp)[0] != oid.removesuffix(DIR_SUFFIX):
                raise _Corrupt()
            if oid.endswith(DIR_SUFFIX):
                with open(tmp, "rb") as f:
                    manifests[oid] = Tree.from_json(f.read(), where=f"manifest {oid}")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    try:
        result = transfer(oids, check, jobs=jobs or store.jobs)
    except GitmlError:
        raise
    except Exception as e:
        raise RemoteError(store.name, e) from e
    bad = {o for o, why in result.failed if why == _Corrupt.WHY}
    errors = tuple((o, why) for o, why in result.failed if why != _Corrupt.WHY)
    return manifests, bad, errors


class _Corrupt(GitmlError):
    WHY = "bytes do not match the name"

    def __init__(self) -> None:
        super().__init__(self.WHY)
