"""`gitml doctor`: what a bug report needs, as `dvc doctor` gives it (dvc/info.py): the
versions of gitml, Python and the optional packages, the platform, each remote and whether it
answers (in bounded time), the cache folder, the link types that work there (tried for real
in a temp folder inside it), and the file system and free space of the cache and the work
tree. Outside a repository, only what does not need one."""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
import threading
import time

from gitml import __version__
from gitml.record import dataclass
from gitml.remoteurl import local_folder, redact, redact_text
from gitml.repo import Repo

EXTRAS = ("pyarrow", "scipy", "s3fs", "fsspec", "gitpython", "numpy")
LINK_TYPES = ("reflink", "hardlink", "symlink", "copy")
REMOTE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class FsInfo:
    path: str
    fs_type: str  # "ext4", "btrfs", ...; "unknown" when it cannot be told
    device: str
    free: int  # bytes
    total: int


@dataclass(frozen=True)
class RemoteCheck:
    name: str
    url: str  # any password as ***
    default: bool
    reachable: bool
    detail: str  # "ok", the error, "no answer within 5 s"
    seconds: float


@dataclass(frozen=True)
class Report:
    gitml: str
    python: str
    platform: str
    packages: dict[str, str | None]  # optional package -> version (None: not installed)
    repo: str | None = None
    cache_dir: str | None = None
    link_types: dict[str, bool] | None = None
    cache_fs: FsInfo | None = None
    workspace_fs: FsInfo | None = None
    remotes: tuple[RemoteCheck, ...] = ()


def doctor(repo: Repo | None, *, timeout: float = REMOTE_TIMEOUT_S) -> Report:
    base = Report(
        gitml=__version__,
        python=platform.python_version(),
        platform=f"Python {platform.python_version()} on {platform.platform()}",
        packages={name: _version(name) for name in EXTRAS},
    )
    if repo is None:
        return base
    cache = os.path.dirname(repo.cache.base)  # the cache folder (objects are in xxh3/)
    probe_dir = _existing(cache)
    return Report(
        **{k: getattr(base, k) for k in ("gitml", "python", "platform", "packages")},
        repo=repo.root,
        cache_dir=cache,
        link_types=link_types(probe_dir),
        cache_fs=fs_info(probe_dir),
        workspace_fs=fs_info(repo.root),
        remotes=check_remotes(repo, timeout=timeout),
    )


def _version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _existing(path: str) -> str:
    while not os.path.isdir(path):
        path = os.path.dirname(path)
    return path


def link_types(folder: str) -> dict[str, bool]:
    """Which ways of placing a cache object in the workspace work in `folder`: each tried
    on a small file in a temp folder there (removed after)."""
    from gitml.link import FICLONE

    found: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix=".gitml-doctor-", dir=folder) as tmp:
        src = os.path.join(tmp, "object")
        with open(src, "wb") as f:
            f.write(b"gitml doctor\n")
        for kind in LINK_TYPES:
            dest = os.path.join(tmp, kind)
            try:
                if kind == "reflink":
                    import fcntl

                    with open(src, "rb") as s, open(dest, "wb") as d:
                        fcntl.ioctl(d.fileno(), FICLONE, s.fileno())
                elif kind == "hardlink":
                    os.link(src, dest)
                elif kind == "symlink":
                    os.symlink(src, dest)
                else:
                    shutil.copyfile(src, dest)
                with open(dest, "rb") as f:
                    found[kind] = f.read() == b"gitml doctor\n"
            except OSError:
                found[kind] = False
    return found


def fs_info(path: str) -> FsInfo:
    """The file system holding `path` (from the mount table), and its space."""
    real = os.path.realpath(path)
    fs_type, device = "unknown", "unknown"
    best = -1
    for mount_point, kind, dev in _mounts():
        inside = real == mount_point or real.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) > best:
            best, fs_type, device = len(mount_point), kind, dev
    usage = shutil.disk_usage(real)
    return FsInfo(path, fs_type, device, usage.free, usage.total)


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, type, device) of each mount; [] where there is no /proc (not Linux)."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 3:
            point = fields[1].replace("\\040", " ")
            found.append((point, fields[2], fields[0]))
    return found


def check_remotes(repo: Repo, *, timeout: float) -> tuple[RemoteCheck, ...]:
    """Ask every remote at once whether it answers; one that says nothing within `timeout`
    seconds is reported so (its thread is left to die with the process)."""
    cfg = repo.config
    names = sorted(cfg.remotes)
    results: dict[str, tuple[bool, str, float]] = {}
    threads = []
    for name in names:
        thread = threading.Thread(target=_probe_into, args=(repo, name, results), daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    checks = []
    for name in names:
        ok, detail, took = results.get(name, (False, f"no answer within {timeout:g} s", timeout))
        url = redact(str(cfg.remotes[name].get("url", "")))
        checks.append(RemoteCheck(name, url, name == cfg.remote, ok, detail, took))
    return tuple(checks)


def _probe_into(repo: Repo, name: str, results: dict[str, tuple[bool, str, float]]) -> None:
    started = time.monotonic()
    try:
        ok, detail = _probe(repo, name)
    except Exception as e:  # any failure is the answer
        ok, detail = False, _one_line(e)
    results[name] = (ok, detail, time.monotonic() - started)


def _probe(repo: Repo, name: str) -> tuple[bool, str]:
    from gitml.remote import LocalRemote, open_remote
    from gitml.remote_fsspec import FsspecRemote

    store = open_remote(repo.root, repo.config, name)
    if isinstance(store, LocalRemote):
        folder = local_folder(repo.root, str(repo.config.remotes[name]["url"]))
        if os.path.isdir(folder):
            return True, "ok"
        return False, f"folder {folder} does not exist (the first push makes it)"
    assert isinstance(store, FsspecRemote)
    top = store.base.lstrip("/").split("/", 1)[0]  # the bucket (or the first folder)
    try:
        store.fs.info(top)  # `exists` would say False for a refused connection too
    except FileNotFoundError:
        return False, f"'{top}' not found"
    return True, "ok"


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return redact_text(f"{type(e).__name__}: {text[0] if text else ''}".rstrip(": "))
