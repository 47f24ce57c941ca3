"""A DVC repository as DVC 3 lays it out: `.dvc` files, `dvc.yaml`/`dvc.lock` pairs,
`.dvcignore`, `.dvc/config` (+ `config.local`) and the cache (`files/md5/ab/cdef...` since
DVC 3, `ab/cdef...` for DVC 2's md5-dos2unix objects).

Read only: nothing here writes. Formats as DVC's own code reads them (dvc/output.py,
dvc/dvcfile.py, dvc/stage/loader.py, dvc/config.py, dvc_data's tree.py).
"""

from __future__ import annotations

import os
import posixpath

from gitml import scm, yamlio
from gitml.errors import BadInputError
from gitml.paths import check_relpath
from gitml.pointer import ANNOTATIONS
from gitml.record import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DVC_DIR = ".dvc"
DVCFILE_SUFFIX = ".dvc"
PIPELINE = "dvc.yaml"
LOCK = "dvc.lock"
IGNORE = ".dvcignore"


@dataclass(frozen=True, slots=True)
class Recorded:
    """One path with the md5 DVC recorded for it (`legacy`: DVC 2's md5-dos2unix)."""

    path: str  # repo-relative POSIX
    md5: str  # `....dir` for a directory
    size: int | None
    nfiles: int | None = None
    legacy: bool = False
    cache: bool = True
    annotations: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class DvcFile:
    """One `.dvc` file: its outs, and for an import its source (`deps[0]`)."""

    rel: str
    outs: tuple[Recorded, ...]
    desc: str | None = None
    meta: dict[str, Any] | None = None
    source: dict[str, Any] | None = None  # {path, repo: {url, rev, rev_lock}}
    frozen: bool = False


@dataclass(frozen=True)
class LockStage:
    """One stage of a `dvc.lock` as DVC recorded it; paths repo-relative."""

    cmd: str
    deps: tuple[Recorded, ...]
    params: dict[str, dict[str, Any]]  # repo-relative file -> key -> value
    outs: tuple[Recorded, ...]


@dataclass(frozen=True)
class DvcRepo:
    root: str
    cache_dir: str  # absolute
    dvcfiles: tuple[str, ...]  # repo-relative `.dvc` files
    pipelines: tuple[str, ...]  # repo-relative `dvc.yaml` files
    locks: tuple[str, ...]  # repo-relative `dvc.lock` files
    ignore: str | None  # `.dvcignore`'s text, if any
    config: dict[str, dict[str, str]]  # `.dvc/config` sections
    config_local: dict[str, dict[str, str]]  # `.dvc/config.local` sections

    def abspath(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/"))

    def cache_paths(self, md5: str) -> list[str]:
        """Where DVC keeps the object `md5`: DVC 3's place first, then DVC 2's."""
        head, tail = md5[:2], md5[2:]
        return [
            os.path.join(self.cache_dir, "files", "md5", head, tail),
            os.path.join(self.cache_dir, head, tail),
        ]


def is_dvc_repo(root: str) -> bool:
    return os.path.isdir(os.path.join(root, DVC_DIR))


def open_repo(root: str) -> DvcRepo:
    """The DVC repository at `root` (its `.dvc/` folder must exist)."""
    config = read_config(os.path.join(root, DVC_DIR, "config"))
    local = read_config(os.path.join(root, DVC_DIR, "config.local"))
    cache = {**config.get("cache", {}), **local.get("cache", {})}.get("dir")
    cache_dir = os.path.normpath(os.path.join(root, DVC_DIR, cache or "cache"))
    found = scm.ls_files(root, f"*{DVCFILE_SUFFIX}", f"*{PIPELINE}", f"*{LOCK}")
    dvcfiles = [r for r in found if r.endswith(DVCFILE_SUFFIX) and _visible(root, r)]
    pipelines = [r for r in found if posixpath.basename(r) == PIPELINE and _visible(root, r)]
    locks = [r for r in found if posixpath.basename(r) == LOCK and _visible(root, r)]
    ignore_path = os.path.join(root, IGNORE)
    ignore = None
    if os.path.isfile(ignore_path):
        with open(ignore_path, encoding="utf-8") as f:
            ignore = f.read()
    return DvcRepo(
        root, cache_dir, tuple(dvcfiles), tuple(pipelines), tuple(locks), ignore, config, local
    )


def _visible(root: str, rel: str) -> bool:
    return not rel.startswith(DVC_DIR + "/") and os.path.isfile(os.path.join(root, rel))


def read_config(path: str) -> dict[str, dict[str, str]]:
    """DVC's INI config (configobj syntax): `[core]`, `['remote "name"']`, `key = value`.
    Section `remote "name"` comes back as `remote name`."""
    sections: dict[str, dict[str, str]] = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return sections
    current: dict[str, str] | None = None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            name = _unquote(line[1:-1].strip())
            kind, _, rest = name.partition(" ")
            name = f"{kind} {_unquote(rest.strip())}" if rest else kind
            current = sections.setdefault(name, {})
            continue
        key, eq, value = line.partition("=")
        if not eq or current is None:
            where = os.path.join(DVC_DIR, os.path.basename(path))
            raise BadInputError(f"{where}:{number}: not a 'key = value' line: {raw.strip()!r}")
        current[key.strip()] = _unquote(value.strip())
    return sections


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def load_yaml(repo: DvcRepo, rel: str) -> dict[str, Any]:
    data = yamlio.load_file(repo.abspath(rel), where=rel, yaml12=True)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadInputError(f"{rel}: not a YAML mapping")
    return data


def read_dvcfile(repo: DvcRepo, rel: str) -> DvcFile:
    """One `.dvc` file (DVC 3, or DVC 2's without `hash: md5`)."""
    data = load_yaml(repo, rel)
    folder = posixpath.dirname(rel)
    if data.get("wdir") not in (None, "."):
        raise BadInputError(f"{rel}: 'wdir' in a .dvc file is not supported; run 'dvc move'")
    outs = data.get("outs")
    if not isinstance(outs, list) or not outs:
        raise BadInputError(f"{rel}: has no 'outs'")
    recorded = tuple(_recorded(item, folder, f"{rel}: outs[{i}]") for i, item in enumerate(outs))
    source = None
    deps = data.get("deps") or []
    if deps:
        dep = deps[0]
        if not isinstance(dep, dict) or not isinstance(dep.get("repo"), dict):
            raise BadInputError(
                f"{rel}: 'deps' of a .dvc file other than an import's (dvc import-url) is not"
                " supported"
            )
        source = dep
    return DvcFile(
        rel, recorded, data.get("desc"), data.get("meta"), source, bool(data.get("frozen"))
    )


def read_lock(repo: DvcRepo, rel: str, wdirs: dict[str, str]) -> dict[str, LockStage]:
    """`dvc.lock` at `rel`: stage name -> LockStage. `wdirs`: each stage's repo-relative
    working folder (a lock's paths are relative to it)."""
    data = load_yaml(repo, rel)
    base = posixpath.dirname(rel)
    stages: dict[str, LockStage] = {}
    items = data.get("stages") if "schema" in data else data  # DVC 1's lock had no schema
    for name, item in (items or {}).items():
        if not isinstance(item, dict):
            raise BadInputError(f"{rel}: stage '{name}' is not a mapping")
        wdir = wdirs.get(name, base)
        where = f"{rel}: stage '{name}'"
        cmd = item.get("cmd", "")
        stages[name] = LockStage(
            cmd=" && ".join(map(str, cmd)) if isinstance(cmd, list) else str(cmd),
            deps=tuple(_recorded(d, wdir, f"{where} deps") for d in item.get("deps") or []),
            params={
                _join(wdir, f, where): dict(v or {}) for f, v in (item.get("params") or {}).items()
            },
            outs=tuple(_recorded(o, wdir, f"{where} outs") for o in item.get("outs") or []),
        )
    return stages


def _recorded(item: Any, folder: str, where: str) -> Recorded:
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        raise BadInputError(f"{where}: not an output with a 'path'")
    path = _join(folder, item["path"], where)
    hash_name = item.get("hash")
    md5 = item.get("md5")
    if hash_name not in (None, "md5") or not isinstance(md5, str) or not _is_md5(md5):
        raise BadInputError(
            f"{where}: {item['path']} has no md5 DVC recorded (hash {hash_name!r});"
            " only DVC's local md5 hashes can be converted",
            hint="run 'dvc commit' first",
        )
    notes = {k: item[k] for k in ANNOTATIONS if k in item}
    return Recorded(
        path,
        md5,
        item.get("size"),
        item.get("nfiles"),
        legacy=hash_name is None,
        cache=bool(item.get("cache", True)),
        annotations=notes,
    )


def _is_md5(text: str) -> bool:
    digest = text.removesuffix(".dir")
    return len(digest) == 32 and all(c in "0123456789abcdef" for c in digest)


def _join(folder: str, path: Any, where: str) -> str:
    if not isinstance(path, str) or path.startswith("/") or "://" in path:
        raise BadInputError(f"{where}: {path!r} is not a path inside the repository")
    joined = posixpath.normpath(posixpath.join(folder, path)) if folder else path
    return check_relpath(posixpath.normpath(joined), where=where)
