"""Remotes: a URL -> an object store with the cache's layout; parallel, verified transfer.

A local folder is served with plain `os` calls (the same atomic `ObjectStore` as the cache);
every other URL goes through fsspec (s3fs for `s3://`), imported only when used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitml import cpus, remoteurl
from gitml.config import Config
from gitml.constants import DIR_SUFFIX, HASH_DIR
from gitml.errors import BadInputError, CorruptObjectError, GitmlError
from gitml.hashing import hash_file
from gitml.odb import ObjectStore
from gitml.pipeline.runcache import RUNS_DIR, RunCache

SECRET_OPTIONS = frozenset({"access_key_id", "secret_access_key"})
_LIST_THRESHOLD = 64  # more wanted objects than this: one listing beats a request each
_ATOMIC_PUT = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "azure", "memory"})
_S3 = frozenset({"s3", "s3a"})


class RemoteError(GitmlError):
    exit_code = 3

    def __init__(self, name: str, error: BaseException) -> None:
        text = remoteurl.redact_text(f"{type(error).__name__}: {error}")
        super().__init__(f"remote '{name}': {text}")


class RemoteStore(Protocol):
    name: str
    url: str
    batches: bool  # read_many/write_many move many small objects per call

    @property
    def jobs(self) -> int: ...
    def list_oids(self) -> set[str]: ...
    def exists(self, oid: str) -> bool: ...
    def read(self, oid: str) -> bytes: ...
    def download(self, oid: str, dest: str) -> None: ...
    def write(self, oid: str, data: bytes) -> None: ...
    def upload(self, oid: str, src: str) -> None:
        """Send the large cache object file `src`; refused (nothing sent) if it is corrupt."""

    def download_into(self, oid: str, cache: ObjectStore) -> None:
        """Fetch the large object `oid` into `cache`, verified before it gets its name."""

    def remove(self, oid: str) -> None: ...
    def finish(self) -> None: ...
    def list_runs(self) -> set[str]: ...
    def read_many(self, oids: list[str]) -> dict[str, bytes | BaseException]: ...
    def write_many(self, items: dict[str, bytes]) -> None: ...
    def read_run(self, key: str) -> bytes: ...
    def write_run(self, key: str, raw: bytes) -> None: ...


class LocalRemote:
    """A remote on a local (or mounted) folder."""

    def __init__(self, name: str, url: str, root: str) -> None:
        self.name, self.url = name, url
        self.batches = False
        self.store = ObjectStore(root)
        self.runs = RunCache(root)

    @property
    def jobs(self) -> int:
        """One thread per core: the work is the kernel's (file creation and copies)."""
        return cpus.file_threads()

    def list_oids(self) -> set[str]:
        return set(self.store.iter_oids())

    def exists(self, oid: str) -> bool:
        return self.store.exists(oid)

    def read(self, oid: str) -> bytes:
        return self.store.read_bytes(oid)

    def download(self, oid: str, dest: str) -> None:
        shutil.copyfile(self.store.path(oid), dest)

    def write(self, oid: str, data: bytes) -> None:
        self.store.add_bytes(oid, data)

    def upload(self, oid: str, src: str) -> None:
        """Copy a large object in one pass, hashed on the way: it gets its name only if its
        bytes match (so a corrupt cache object is never sent)."""
        try:
            self.store.add_copy(oid, src)
        except CorruptObjectError as e:
            raise CorruptObjectError(f"cache object {oid} is corrupt; not pushed") from e

    def download_into(self, oid: str, cache: ObjectStore) -> None:
        cache.add_copy(oid, self.store.path(oid))

    def remove(self, oid: str) -> None:
        os.unlink(self.store.path(oid))

    def finish(self) -> None:
        self.store.sync()

    def list_runs(self) -> set[str]:
        return self.runs.list_keys()

    def read_many(self, oids: list[str]) -> dict[str, bytes | BaseException]:
        raise NotImplementedError  # batches is False: a folder is served one object at a time

    def write_many(self, items: dict[str, bytes]) -> None:
        raise NotImplementedError

    def read_run(self, key: str) -> bytes:
        return self.runs.read_raw(key)

    def write_run(self, key: str, raw: bytes) -> None:
        self.runs.write_raw(key, raw)


class FsspecRemote:
    """A remote on any fsspec filesystem (S3 through s3fs, and others installed)."""

    def __init__(self, name: str, url: str, fs: Any, root: str, protocol: str) -> None:
        self.name, self.url, self.fs = name, url, fs
        self.base = f"{root.rstrip('/')}/{HASH_DIR}"
        self.runs = f"{root.rstrip('/')}/{RUNS_DIR}"
        self.atomic_put = protocol in _ATOMIC_PUT
        self.batches = self.atomic_put  # object stores: async batch calls
        # A small object is read in one request. s3fs, when allowed several parts per file,
        # first asks each object's size (a HEAD per GET: 2,000 reads took 8.4 s, not 4.6 s).
        self._one_part: dict[str, Any] = {"max_concurrency": 1} if protocol in _S3 else {}

    @property
    def jobs(self) -> int:
        """Requests wait on the network: several per core."""
        return 4 * cpus.usable()

    def path(self, oid: str) -> str:
        return f"{self.base}/{oid[:2]}/{oid[2:]}"

    def list_oids(self) -> set[str]:
        try:
            paths = self.fs.find(self.base)
        except FileNotFoundError:
            return set()
        oids = set()
        for path in paths:
            parts = path.rsplit("/", 2)
            if len(parts) == 3 and len(parts[1]) == 2 and not parts[2].startswith("."):
                oids.add(parts[1] + parts[2])
        return oids

    def exists(self, oid: str) -> bool:
        return bool(self.fs.exists(self.path(oid)))

    def read(self, oid: str) -> bytes:
        data: bytes = self.fs.cat_file(self.path(oid), **self._one_part)
        return data

    def download(self, oid: str, dest: str) -> None:
        self.fs.get_file(self.path(oid), dest)

    def write(self, oid: str, data: bytes) -> None:
        self._put(oid, lambda path: self.fs.pipe_file(path, data))

    def upload(self, oid: str, src: str) -> None:
        if hash_file(src)[0] != oid.removesuffix(DIR_SUFFIX):
            raise CorruptObjectError(f"cache object {oid} is corrupt; not pushed")
        self._put(oid, lambda path: self.fs.put_file(src, path))

    def download_into(self, oid: str, cache: ObjectStore) -> None:
        cache.add_verified_from(oid, lambda tmp: self.download(oid, tmp))

    def _put(self, oid: str, put: Callable[[str], None]) -> None:
        final = self.path(oid)
        if self.atomic_put:  # object stores publish an object only once it is complete
            put(final)
            return
        self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
        tmp = f"{final}.{os.getpid()}.tmp"
        put(tmp)
        self.fs.mv(tmp, final)

    def remove(self, oid: str) -> None:
        self.fs.rm_file(self.path(oid))

    def finish(self) -> None:
        return None

    def read_many(self, oids: list[str]) -> dict[str, bytes | BaseException]:
        """Many small objects in one batch of concurrent requests (fsspec's async `cat`)."""
        paths = {self.path(oid): oid for oid in oids}
        got = self.fs.cat(list(paths), on_error="return", **self._one_part)
        return {paths[p]: got.get(p, FileNotFoundError(p)) for p in paths}

    def write_many(self, items: dict[str, bytes]) -> None:
        """Many small objects in one batch (object stores publish each only when complete)."""
        self.fs.pipe({self.path(oid): data for oid, data in items.items()})

    def _run_path(self, key: str) -> str:
        return f"{self.runs}/{key[:2]}/{key[2:]}"

    def list_runs(self) -> set[str]:
        try:
            paths = self.fs.find(self.runs)
        except FileNotFoundError:
            return set()
        return {p.rsplit("/", 2)[1] + p.rsplit("/", 2)[2] for p in paths if "/" in p}

    def read_run(self, key: str) -> bytes:
        data: bytes = self.fs.cat_file(self._run_path(key))
        return data

    def write_run(self, key: str, raw: bytes) -> None:
        self.fs.pipe_file(self._run_path(key), raw)


def open_remote(root: str, config: Config, name: str | None = None) -> RemoteStore:
    """The remote `name` (default: core.remote, or the only one configured)."""
    name = name or config.remote
    if name is None:
        if len(config.remotes) != 1:
            raise BadInputError(
                "no remote given and no default remote",
                hint="run 'gitml remote add -d NAME URL', or pass -r NAME",
            )
        name = next(iter(config.remotes))
    if name not in config.remotes:
        raise BadInputError(f"unknown remote '{name}'", hint="see 'gitml remote list'")
    options = dict(config.remotes[name])
    url = str(options.pop("url"))
    remoteurl.hide_password(url)
    protocol = remoteurl.protocol_of(url)
    if protocol in remoteurl.LOCAL_PROTOCOLS:
        return LocalRemote(name, url, remoteurl.check_local(root, name, url))
    try:
        import fsspec

        fs = fsspec.filesystem(protocol, **_fs_options(protocol, options))
    except (ImportError, ValueError) as e:
        shown = remoteurl.redact(url)
        raise BadInputError(f"remote '{name}': cannot open {shown} ({e})") from e
    return FsspecRemote(name, url, fs, url.split("://", 1)[1], protocol)


def _fs_options(protocol: str, options: dict[str, Any]) -> dict[str, Any]:
    options.pop("jobs", None)
    if protocol not in _S3:
        return options
    out: dict[str, Any] = {
        "skip_instance_cache": True,
        "use_listings_cache": False,
        # parts of one big file in flight at once: s3fs's default of 10 x 50 MiB parts held
        # a 1 GiB transfer's peak RSS at ~1.1 GiB; objects already move 16 at a time
        "max_concurrency": 4,
    }
    client: dict[str, Any] = {}
    if "endpointurl" in options:
        client["endpoint_url"] = options["endpointurl"]
    if "region" in options:
        client["region_name"] = options["region"]
    if client:
        out["client_kwargs"] = client
    for ours, theirs in (
        ("profile", "profile"),
        ("access_key_id", "key"),
        ("secret_access_key", "secret"),
    ):
        if ours in options:
            out[theirs] = options[ours]
    return out


def missing_on(remote: RemoteStore, oids: Iterable[str]) -> set[str]:
    """The subset of `oids` the remote lacks: one listing when many are asked about."""
    wanted = set(oids)
    try:
        if len(wanted) > _LIST_THRESHOLD:
            return wanted - remote.list_oids()
        with ThreadPoolExecutor(8) as pool:
            flags = dict(zip(wanted, pool.map(remote.exists, wanted), strict=True))
    except GitmlError:
        raise
    except Exception as e:
        raise RemoteError(remote.name, e) from e
    return {oid for oid, present in flags.items() if not present}


@dataclass
class TransferResult:
    transferred: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (oid, why)
    skipped: int = 0  # already there

    @property
    def ok(self) -> bool:
        return not self.failed


def transfer(
    oids: Iterable[str],
    task: Callable[[str], None],
    *,
    jobs: int,
    progress: Callable[[int], None] | None = None,
    large: Collection[str] = (),
) -> TransferResult:
    """Run `task(oid)` for each oid on `jobs` threads; failures are returned, not raised.

    `large` objects start first, one task each, so they overlap with the small ones instead
    of trailing after them. Small objects that share a folder (the first two hex digits) go
    to one thread in turn: threads creating files in one folder queue on its lock in the
    kernel, and one task per folder instead of per object keeps the pool's hand-offs
    (futex wake-ups) few.
    """
    groups: list[list[str]] = []
    folders: dict[str, list[str]] = {}
    for oid in sorted(oids):
        if oid in large:
            groups.append([oid])
        else:
            folders.setdefault(oid[:2], []).append(oid)

    def run_folder(group: list[str]) -> list[tuple[str, BaseException | None]]:
        outcome: list[tuple[str, BaseException | None]] = []
        for oid in group:
            try:
                task(oid)
            except Exception as e:
                outcome.append((oid, e))
            else:
                outcome.append((oid, None))
        return outcome

    # the folders with the most objects first, so the last tasks are short
    groups += sorted(folders.values(), key=len, reverse=True)
    return _collect(groups, run_folder, jobs=jobs, progress=progress)


BATCH = 256  # small objects per batch of concurrent requests

BatchTask = Callable[[list[str]], list[tuple[str, BaseException | None]]]


def transfer_batches(
    oids: Iterable[str],
    task: BatchTask,
    *,
    jobs: int,
    progress: Callable[[int], None] | None = None,
) -> TransferResult:
    """Like `transfer`, for a task that moves a whole batch (concurrency inside a batch)."""
    ordered = sorted(oids)
    batches = [ordered[i : i + BATCH] for i in range(0, len(ordered), BATCH)]
    return _collect(batches, task, jobs=jobs, progress=progress)


def _collect(
    groups: list[list[str]],
    task: BatchTask,
    *,
    jobs: int,
    progress: Callable[[int], None] | None,
) -> TransferResult:
    result = TransferResult()
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        for future in as_completed([pool.submit(task, group) for group in groups]):
            outcome = future.result()
            for oid, error in outcome:
                if error is None:
                    result.transferred.append(oid)
                else:
                    result.failed.append((oid, _describe(error)))
            if progress:
                progress(len(outcome))
    result.failed.sort()
    return result


def _describe(error: BaseException) -> str:
    if isinstance(error, GitmlError):
        return remoteurl.redact_text(error.message)
    return remoteurl.redact_text(f"{type(error).__name__}: {error}")

