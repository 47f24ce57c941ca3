"""Bring a source's output into an object store (our cache): from the source's default
remote, through gitml's remote and transfer code, each object hashed before it gets its
name; or, for a file or folder in the source's Git, from its blobs."""

from __future__ import annotations

import posixpath

from gitml import githistory, remoteurl
from gitml.errors import BadInputError, CorruptObjectError, GitmlError, TransferError
from gitml.hashing import HashInfo, hash_bytes
from gitml.odb import SMALL_FILE, ObjectStore
from gitml.paths import check_not_private, check_relpath
from gitml.remote import RemoteError, RemoteStore, open_remote
from gitml.transfer import transfer
from gitml.tree import Tree, TreeEntry
from gitml.xrepo.source import Found, Source, is_local, local_path


def bring(source: Source, sha: str, found: Found, cache: ObjectStore) -> HashInfo:
    """Make `found` (at commit `sha`) whole in `cache`; its hash."""
    if found.info is None:
        return _from_git(source, sha, found, cache)
    store = _remote_of(source, sha, found.path)
    info = found.info
    where = f"{found.path} in {source.url}"
    oids: dict[str, int] = {info.digest: info.size}
    if info.is_dir:
        oids = {e.digest: e.size for e in _manifest(store, cache, info, where)}
    todo = sorted(o for o in oids if not cache.exists(o))
    result = transfer(todo, lambda oid: _one(store, cache, oid, oids[oid]), jobs=store.jobs)
    cache.sync()
    if result.failed:
        oid, why = result.failed[0]
        if "missing on remote" in why:
            raise BadInputError(f"{where}: {why}")
        if "corrupt" in why:
            raise CorruptObjectError(f"{where}: {why}; refused")
        raise TransferError(f"{where}: {len(result.failed)} object(s) not fetched: {oid}: {why}")
    return info


def bring_manifest(source: Source, sha: str, path: str, info: HashInfo, cache: ObjectStore) -> Tree:
    """The manifest of the folder output `path` (at `sha`), fetched into `cache`, verified."""
    where = f"{path} in {source.url}"
    if cache.exists(info.digest):
        return cache.read_tree(info.digest, where=f"manifest of {where}")
    return _manifest(_remote_of(source, sha, path), cache, info, where)


def _manifest(store: RemoteStore, cache: ObjectStore, info: HashInfo, where: str) -> Tree:
    if not cache.exists(info.digest):
        _first(store, cache, info.digest, where)
        cache.sync()
    return cache.read_tree(info.digest, where=f"manifest of {where}")


def _first(store: RemoteStore, cache: ObjectStore, oid: str, where: str) -> None:
    """A directory's manifest, before the files it names: its failure is the command's."""
    try:
        _one(store, cache, oid, 0)
    except GitmlError as e:
        if "missing on remote" in e.message:
            raise BadInputError(f"{where}: {e.message}") from None
        raise CorruptObjectError(f"{where}: {e.message}; refused") from None


def _one(store: RemoteStore, cache: ObjectStore, oid: str, size: int) -> None:
    """Fetch one object into `cache`, verified; a missing one is named as such."""
    try:
        if size <= SMALL_FILE:
            cache.add_verified(oid, store.read(oid))
        else:
            store.download_into(oid, cache)
    except FileNotFoundError:
        raise GitmlError(f"object {oid} missing on remote '{store.name}'") from None
    except CorruptObjectError:
        raise GitmlError(
            f"object {oid} from remote '{store.name}' is corrupt (its bytes do not match its name)"
        ) from None
    except GitmlError:
        raise
    except Exception as e:
        raise RemoteError(store.name, e) from e


def _remote_of(source: Source, sha: str, path: str) -> RemoteStore:
    """The source's default remote as its tracked config at `sha` names it."""
    config = source.config(sha)
    name = config.remote or (next(iter(config.remotes)) if len(config.remotes) == 1 else None)
    if name is None or name not in config.remotes:
        raise BadInputError(
            f"{path}: {source.url} has no default remote at {sha[:7]} to fetch it from",
            hint="the source repository must name one ('gitml remote add -d') and push to it",
        )
    url = str(config.remotes[name].get("url", ""))
    local = remoteurl.protocol_of(url) in remoteurl.LOCAL_PROTOCOLS
    if is_local(source.url):
        root = local_path(source.url)
    elif local and not posixpathisabs(url):
        raise BadInputError(
            f"{path}: remote '{name}' of {source.url} is a relative folder ({url}),"
            " which only means something on the machine holding that repository"
        )
    else:
        root = "/"
    try:
        return open_remote(root, config, name)
    except GitmlError as e:
        raise BadInputError(f"{source.url}: {e.message}") from e


def posixpathisabs(url: str) -> bool:
    return posixpath.isabs(url.split("://", 1)[1] if "://" in url else url)


def _from_git(source: Source, sha: str, found: Found, cache: ObjectStore) -> HashInfo:
    """A file or folder held by the source's Git, hashed into `cache` from its blobs."""
    if not found.git_dir:
        data = source.read(sha, found.path) or b""
        oid = hash_bytes(data)
        cache.add_bytes(oid, data)
        cache.sync()
        return HashInfo(oid, len(data))
    entries = source.ls_tree(sha, found.path, recursive=True)
    names = {p: b for m, k, b, p in entries if k == "blob" and m.startswith("100")}
    blobs = githistory.read_blobs(source.git_dir, sorted(set(names.values())))
    tree = []
    for path in sorted(names):
        inner = check_relpath(path[len(found.path) + 1 :], where=f"{source.url}:{found.path}")
        check_not_private(inner, where=f"{source.url}:{found.path}")
        data = blobs[names[path]]
        oid = hash_bytes(data)
        cache.add_bytes(oid, data)
        tree.append(TreeEntry(inner, oid, len(data)))
    manifest = Tree.build(tree)
    info = manifest.hash_info()
    cache.add_bytes(info.digest, manifest.to_json())
    cache.sync()
    return info
