"""Remotes: a URL -> an object store with the cache's layout; parallel, verified transfer.

A local folder is served with plain `os` calls (the same atomic `ObjectStore` as the cache);
every other URL goes through fsspec (s3fs for `s3://`), imported only when used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from gitml import cpus, remoteurl
from gitml.config import Config
from gitml.errors import BadInputError, CorruptObjectError, GitmlError, MissingObjectError
from gitml.odb import ObjectStore, is_temp_name
from gitml.pipeline.runcache import RunCache

# A temp file on a remote untouched this long belongs to a killed upload. No lock spans the
# machines sharing a remote, so gc cannot know otherwise; a live upload keeps writing to it.
STALE_TEMP_S = 3600.0
SECRET_OPTIONS = frozenset({"access_key_id", "secret_access_key"})
_LIST_THRESHOLD = 64  # more wanted objects than this: one listing beats a request each


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
    from gitml.remote_fsspec import FsspecRemote, fs_options

    try:
        import fsspec

        fs = fsspec.filesystem(protocol, **fs_options(protocol, options))
    except (ImportError, ValueError) as e:
        shown = remoteurl.redact(url)
        raise BadInputError(f"remote '{name}': cannot open {shown} ({e})") from e
    return FsspecRemote(name, url, fs, url.split("://", 1)[1], protocol)


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


def read_url(url: str, root: str | None = None, config: Config | None = None) -> bytes:
    """The bytes of one file named by an fsspec URL (`s3://bucket/key`, `file:///...`), read
    with fsspec's own configuration (S3: the AWS environment, `AWS_ENDPOINT_URL` included), or
    by `remote://NAME/PATH` (DVC's notation): PATH under gitml remote NAME's URL, read with that
    remote's options (endpointurl, region, profile, credentials)."""
    import fsspec

    shown = remoteurl.redact_text(url)
    try:
        if url.startswith(REMOTE_SCHEME):
            fs, path = _remote_path(url, root, config)
            data: bytes = fs.cat_file(path)
            return data
        with fsspec.open(url, "rb") as f:
            data = f.read()
            return data
    except FileNotFoundError:
        raise BadInputError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise BadInputError(f"{shown}: a folder, not a file") from None
    except (ImportError, ValueError) as e:
        raise BadInputError(f"{shown}: cannot open it: {e}") from None
    except OSError as e:
        raise GitmlError(f"{shown}: cannot read it: {e}") from None


REMOTE_SCHEME = "remote://"


def _remote_path(url: str, root: str | None, config: Config | None) -> tuple[Any, str]:
    """(filesystem, path) of `remote://NAME/PATH`."""
    import fsspec

    name, _, rel = url[len(REMOTE_SCHEME) :].partition("/")
    if not name or not rel.strip("/"):
        raise BadInputError(f"{url}: give remote://NAME/PATH")
    if root is None or config is None or name not in config.remotes:
        raise BadInputError(f"{url}: unknown remote '{name}'", hint="see 'gitml remote list'")
    options = dict(config.remotes[name])
    base = str(options.pop("url"))
    protocol = remoteurl.protocol_of(base)
    if protocol in remoteurl.LOCAL_PROTOCOLS:
        folder = remoteurl.local_folder(root, base)
        return fsspec.filesystem("file"), os.path.join(folder, rel.lstrip("/"))
    from gitml.remote_fsspec import fs_options

    fs = fsspec.filesystem(protocol, **fs_options(protocol, options))
    return fs, f"{base.split('://', 1)[1].rstrip('/')}/{rel.lstrip('/')}"


def check_protocol(name: str, url: str) -> None:
    """Refuse (BadInputError) a remote URL whose fsspec filesystem cannot be had here: an
    unknown scheme, or one whose package (gcsfs for `gs://`, ...) is not installed."""
    protocol = remoteurl.protocol_of(url)
    if protocol in remoteurl.LOCAL_PROTOCOLS:
        return
    import fsspec

    try:
        fsspec.get_filesystem_class(protocol)
    except ImportError as e:
        need = str(e).split("\n")[0].rstrip(".")
        raise BadInputError(
            f"remote '{name}': {remoteurl.redact(url)}: {need}",
            hint="install the package, or remove the remote from .dvc/config",
        ) from None
    except ValueError:
        raise BadInputError(
            f"remote '{name}': {remoteurl.redact(url)}: unknown URL scheme '{protocol}'"
        ) from None
