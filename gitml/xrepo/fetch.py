"""Bring a source's output into an object store (our cache): from the source's default
remote, through gitml's remote and transfer code, each object hashed before it gets its
name; or, for a file or folder in the source's Git, from its blobs."""

from __future__ import annotations

import os
import posixpath
from typing import Any

from gitml import githistory, remoteurl, scm
from gitml.config import Config
from gitml.config import load as load_config
from gitml.constants import DIR_SUFFIX, GITML_DIR
from gitml.errors import BadInputError, CorruptObjectError, GitmlError, TransferError
from gitml.hashing import HashInfo, hash_bytes
from gitml.odb import SMALL_FILE, ObjectStore
from gitml.paths import check_not_private, check_relpath
from gitml.remote import RemoteError, RemoteStore, open_remote
from gitml.transfer import transfer
from gitml.tree import Tree, TreeEntry
from gitml.xrepo.source import Found, Source, is_local, local_path


def bring(source: Source, sha: str, found: Found, cache: ObjectStore) -> HashInfo:
    """Make `found` (at commit `sha`) whole in `cache`; its hash. The source's remote is
    opened only when an object is not in `cache` already."""
    if found.info is None:
        return _from_git(source, sha, found, cache)
    remote = Lazy(source, sha, found.path)
    info = found.info
    where = f"{found.full} in {source.url}"
    manifests: dict[str, bytes] = {}  # stored last: a folder's manifest names whole data
    oids: dict[str, int] = {info.digest: info.size}
    if info.is_dir:
        tree = manifest(remote, cache, info, where, manifests)
        if found.inner:
            manifests.clear()  # the output's manifest is not what we import
            info, tree = part(tree, found, where)
            if info.is_dir:
                manifests[info.digest] = tree.to_json()  # the part's manifest: made here
        oids = {e.digest: e.size for e in tree} if info.is_dir else {info.digest: info.size}
    todo = sorted(o for o in oids if not cache.exists(o))
    if todo:
        store = remote.store()
        result = transfer(todo, lambda oid: _one(store, cache, oid, oids[oid]), jobs=store.jobs)
        if result.failed:
            cache.sync()
            raise_failed(where, result.failed)
    for oid, data in manifests.items():
        cache.add_bytes(oid, data)
    cache.sync()
    return info


def raise_failed(where: str, failed: list[tuple[str, str]]) -> None:
    """The error for objects a transfer could not bring: bad input when the source's remote
    lacks one, a refusal when one was corrupt."""
    why = failed[0][1]
    if "missing on remote" in why:
        raise BadInputError(f"{where}: {why}")
    if "corrupt" in why:
        raise CorruptObjectError(f"{where}: {why}; refused")
    raise TransferError(f"{where}: {len(failed)} object(s) not fetched: {why}")


def part(tree: Tree, found: Found, where: str) -> tuple[HashInfo, Tree]:
    """The file or folder `found.inner` inside a folder output: its hash and (for a folder)
    its own manifest, made from the output's."""
    inner = found.inner
    for entry in tree:
        if entry.path == inner:
            return HashInfo(entry.digest, entry.size), Tree(())
    prefix = inner + "/"
    part = Tree.build(
        TreeEntry(e.path[len(prefix) :], e.digest, e.size)
        for e in tree
        if e.path.startswith(prefix)
    )
    if not len(part):
        raise BadInputError(f"{where}: the tracked folder has no {inner!r}")
    return part.hash_info(), part


class Lazy:
    """The source's default remote, opened when first needed."""

    def __init__(self, source: Source, sha: str, path: str) -> None:
        self.args = (source, sha, path)
        self._store: RemoteStore | None = None

    def store(self) -> RemoteStore:
        if self._store is None:
            self._store = _remote_of(*self.args)
        return self._store


def bring_manifest(source: Source, sha: str, path: str, info: HashInfo, cache: ObjectStore) -> Tree:
    """The manifest of the folder output `path` (at `sha`), from `cache` or the source's
    remote (verified, parsed; not stored: a manifest in the cache means its files are)."""
    return manifest(Lazy(source, sha, path), cache, info, f"{path} in {source.url}", {})


def manifest(
    remote: Lazy, cache: ObjectStore, info: HashInfo, where: str, fetched: dict[str, bytes]
) -> Tree:
    """The folder output's manifest, from `cache`, else fetched (verified and parsed; its
    bytes go to `fetched`, for the caller to store once the files are in)."""
    if cache.exists(info.digest):
        return cache.read_tree(info.digest, where=f"manifest of {where}")
    data = _first(remote.store(), info.digest, where)
    tree = Tree.from_json(data, where=f"manifest of {where}")
    fetched[info.digest] = data
    return tree


def _first(store: RemoteStore, oid: str, where: str) -> bytes:
    """A directory's manifest, verified, before the files it names."""
    try:
        data = store.read(oid)
    except FileNotFoundError:
        raise BadInputError(f"{where}: object {oid} missing on remote '{store.name}'") from None
    except GitmlError:
        raise
    except Exception as e:
        raise RemoteError(store.name, e) from e
    if hash_bytes(data) != oid.removesuffix(DIR_SUFFIX):
        raise CorruptObjectError(
            f"{where}: object {oid} from remote '{store.name}' is corrupt (its bytes do not"
            " match its name); refused"
        )
    return data


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
    elif local and not _is_abs_path(url):
        raise BadInputError(
            f"{path}: remote '{name}' of {source.url} is a relative folder ({url}),"
            " which only means something on the machine holding that repository"
        )
    else:
        root = "/"
    settings = _untrusted_settings(config.remotes[name], f"{path}: remote '{name}' of {source.url}")
    try:
        return open_remote(root, Config(remote=name, remotes={name: settings}), name)
    except GitmlError as e:
        raise BadInputError(f"{source.url}: {e.message}") from e


_KEPT = ("url", "region")  # what a source's tracked config may choose for us


def _untrusted_settings(options: dict[str, Any], where: str) -> dict[str, Any]:
    """A source's remote settings as we use them: its URL and region. Never its profile,
    credentials or other options (they would pick *our* credentials or files), and its
    endpoint only when we already trust that endpoint: one of this repository's remotes uses
    it, or AWS_ENDPOINT_URL names it. Otherwise a hostile source could have our credentials
    sign requests to a server of its own."""
    kept = {k: options[k] for k in _KEPT if k in options}
    endpoint = options.get("endpointurl")
    if endpoint is None:
        return kept
    if str(endpoint).rstrip("/") not in _trusted_endpoints():
        raise BadInputError(
            f"{where} sends requests to {endpoint}, an endpoint this repository does not use",
            hint="to trust it, set AWS_ENDPOINT_URL to it, or give one of your own remotes"
            " that endpointurl ('gitml remote modify NAME endpointurl URL')",
        )
    kept["endpointurl"] = endpoint
    return kept


def _trusted_endpoints() -> set[str]:
    """The endpoints the user chose: AWS_ENDPOINT_URL, and those of the enclosing gitml
    repository's own remotes (config.yaml and config.local.yaml)."""
    trusted = {os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")} - {""}
    root = scm.find_git_root(os.getcwd())
    if root is not None and os.path.isdir(os.path.join(root, GITML_DIR)):
        for options in load_config(root).remotes.values():
            if options.get("endpointurl"):
                trusted.add(str(options["endpointurl"]).rstrip("/"))
    return trusted


def _is_abs_path(url: str) -> bool:
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
    names = {e.path: e.oid for e in entries if e.kind == "blob" and e.mode.startswith("100")}
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
