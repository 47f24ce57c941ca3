"""Remotes: a URL -> an object store with the cache's layout; parallel, verified transfer.

A local folder is served with plain `os` calls (the same atomic `ObjectStore` as the cache);
every other URL goes through fsspec (s3fs for `s3://`), imported only when used.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from gitml import cpus, remoteurl
from gitml.config import Config
from gitml.constants import DIR_SUFFIX, HASH_DIR, QUARANTINE_DIR
from gitml.errors import BadInputError, CorruptObjectError, GitmlError, MissingObjectError
from gitml.hashing import hash_file
from gitml.odb import ObjectStore, is_temp_name
from gitml.pipeline.runcache import RUNS_DIR, RunCache

# A temp file on a remote untouched this long belongs to a killed upload. No lock spans the
# machines sharing a remote, so gc cannot know otherwise; a live upload keeps writing to it.
STALE_TEMP_S = 3600.0
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
    """An object store with the cache's layout; reading an absent object raises
    FileNotFoundError."""

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
    def quarantine(self, oid: str) -> str:
        """Move a corrupt object out of the store, to `quarantine/`; returns where."""

    def stale_temps(self, age_s: float) -> list[str]:
        """Temp files of uploads not written to for `age_s` seconds."""

    def remove_temp(self, path: str) -> None: ...
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
        try:
            return self.store.read_bytes(oid)
        except MissingObjectError as e:  # the store's words are the cache's: say it plainly
            raise FileNotFoundError(self.store.path(oid)) from e

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

    def quarantine(self, oid: str) -> str:
        return self.store.quarantine(oid)

    def stale_temps(self, age_s: float) -> list[str]:
        base, cutoff = self.store.base, time.time() - age_s
        if not os.path.isdir(base):
            return []
        stale = []
        for folder in [base, *(os.path.join(base, d) for d in sorted(os.listdir(base)))]:
            if os.path.isdir(folder):
                for name in sorted(os.listdir(folder)):
                    path = os.path.join(folder, name)
                    with contextlib.suppress(FileNotFoundError):
                        if is_temp_name(name) and os.lstat(path).st_mtime < cutoff:
                            stale.append(path)
        return stale

    def remove_temp(self, path: str) -> None:
        os.unlink(path)

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
            if len(parts) == 3 and len(parts[1]) == 2 and not is_temp_name(parts[2]):
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

    def quarantine(self, oid: str) -> str:
        dest = f"{self.base.rsplit('/', 1)[0]}/{QUARANTINE_DIR}/{oid}"
        self.fs.mv(self.path(oid), dest)
        return dest

    def stale_temps(self, age_s: float) -> list[str]:
        try:
            found: dict[str, dict[str, Any]] = self.fs.find(self.base, detail=True)
        except FileNotFoundError:
            return []
        cutoff = time.time() - age_s
        return sorted(
            path
            for path, info in found.items()
            if is_temp_name(path.rsplit("/", 1)[-1]) and self._mtime(path, info) < cutoff
        )

    def _mtime(self, path: str, info: dict[str, Any]) -> float:
        """When the file was last written, in seconds (each filesystem names it its way)."""
        for key in ("mtime", "LastModified", "last_modified", "updated", "created"):
            value = info.get(key)
            if isinstance(value, int | float):
                return float(value)
            if isinstance(value, datetime.datetime):
                return value.timestamp()
        return float(self.fs.modified(path).timestamp())

    def remove_temp(self, path: str) -> None:
        self.fs.rm_file(path)

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
