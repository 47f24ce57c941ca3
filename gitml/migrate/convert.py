"""The conversion itself, inside a Transaction: DVC's files -> gitml's, DVC's removed.

`.dvc` -> `.gitml` pointers (annotations, imports kept), `dvc.yaml` -> `gitml.yaml` (the same
text: gitml.yaml is dvc.yaml's syntax), `dvc.lock` -> `gitml.lock` (params copied, deps and
outs re-hashed), `.dvcignore` -> `.gitmlignore`, `.dvc/config` remotes -> gitml's config.
"""

from __future__ import annotations

import os
import posixpath

from gitml import yamlio
from gitml.constants import (
    CONFIG_FILE,
    CONFIG_LOCAL_FILE,
    GITML_DIR,
    IGNORE_FILE,
    LOCK_FILE_NAME,
    PIPELINE_FILE,
    POINTER_SUFFIX,
)
from gitml.errors import BadInputError
from gitml.migrate import dvcrepo
from gitml.migrate.dvcrepo import DvcRepo, Recorded
from gitml.migrate.rehash import Rehasher
from gitml.migrate.remotes import ConfigPlan
from gitml.migrate.transaction import Transaction
from gitml.pipeline import lock as lockfile
from gitml.pointer import ImportSource, Output, Pointer
from gitml.repo import Repo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

GITML_GITIGNORE = "/cache/\n/tmp/\n/config.local.yaml\n"
CONFIG_HEAD = {
    CONFIG_FILE: "# gitml repository config (tracked by Git); converted from .dvc/config\n",
    CONFIG_LOCAL_FILE: "# this machine's gitml config, credentials (not tracked by Git)\n",
}


def pointer_rel(dvcfile_rel: str) -> str:
    """`data/train.csv.dvc` -> `data/train.csv.gitml`."""
    return dvcfile_rel.removesuffix(dvcrepo.DVCFILE_SUFFIX) + POINTER_SUFFIX


def pipeline_rel(dvc_yaml_rel: str) -> str:
    return posixpath.join(posixpath.dirname(dvc_yaml_rel), PIPELINE_FILE)


def check_free(repo: Repo, dvc: DvcRepo) -> None:
    """Refuse before anything is written when a file gitml would write is already there."""
    taken = [pointer_rel(r) for r in dvc.dvcfiles] + [pipeline_rel(r) for r in dvc.pipelines]
    taken += [posixpath.join(posixpath.dirname(r), LOCK_FILE_NAME) for r in dvc.locks]
    for rel in taken:
        if _exists(repo, rel):
            raise BadInputError(
                f"{rel} already exists: gitml would write it from DVC's file beside it",
                hint="move or remove it first",
            )


def _exists(repo: Repo, rel: str) -> bool:
    return os.path.lexists(repo.abspath(rel))


def own_copies(tx: Transaction, dvc: DvcRepo, rels: list[str]) -> int:
    """Replace workspace symlinks into DVC's cache (DVC's `cache.type` symlink) under the
    outputs `rels` by copies: DVC's cache goes, and gitml links only into its own."""
    cache = os.path.realpath(dvc.cache_dir) + os.sep
    count = 0
    for rel in rels:
        top = dvc.abspath(rel)
        paths = [top] if not os.path.isdir(top) or os.path.islink(top) else _walk(top)
        for path in paths:
            if os.path.islink(path) and os.path.realpath(path).startswith(cache):
                tx.copy_over_link(path)
                count += 1
    return count


def _walk(top: str) -> list[str]:
    return [os.path.join(folder, n) for folder, _, names in os.walk(top) for n in names]


def pointers(tx: Transaction, dvc: DvcRepo, rehasher: Rehasher, outs_seen: list[str]) -> int:
    """Each .dvc file as a pointer; the outputs' paths are added to `outs_seen`."""
    for rel in dvc.dvcfiles:
        item = dvcrepo.read_dvcfile(dvc, rel)
        folder = posixpath.dirname(rel)
        outs = []
        for out in item.outs:
            info = rehasher.recorded(out, keep=True, where=rel)
            path = posixpath.relpath(out.path, folder) if folder else out.path
            outs.append(Output(path, info, dict(out.annotations)))
            outs_seen.append(out.path)
        source = _source(item.source, rel) if item.source is not None else None
        pointer = Pointer(pointer_rel(rel), tuple(outs), item.desc, item.meta, source, item.frozen)
        _write_yaml(tx, pointer.rel, pointer.to_dict(), "pointer")
        tx.remove(rel)
    return len(dvc.dvcfiles)


def _source(dep: dict[str, Any], where: str) -> ImportSource:
    repo = dep["repo"]
    url, lock, path = repo.get("url"), repo.get("rev_lock"), dep.get("path")
    if not (isinstance(url, str) and isinstance(lock, str) and isinstance(path, str)):
        raise BadInputError(f"{where}: an import needs deps[0].path, repo.url and repo.rev_lock")
    rev = repo.get("rev")
    return ImportSource(url, path, lock, str(rev) if rev is not None else None)


def pipelines(tx: Transaction, dvc: DvcRepo) -> None:
    """Each dvc.yaml's text, comments and all, as gitml.yaml beside it."""
    for rel in dvc.pipelines:
        with open(dvc.abspath(rel), "rb") as f:
            tx.write(pipeline_rel(rel), f.read())
        tx.remove(rel)


def locks(
    tx: Transaction, dvc: DvcRepo, repo: Repo, rehasher: Rehasher, outs_seen: list[str]
) -> list[str]:
    """Each dvc.lock as gitml.lock, the converted pipelines loaded by gitml's own loader
    (what it refuses stops the conversion); returns notes on stages dropped. The cached
    outs' paths are added to `outs_seen`."""
    from gitml.pipeline.project import load_dag

    notes: list[str] = []
    dag = load_dag(repo)
    for rel in dvc.locks:
        file = pipeline_rel(rel)
        stages = {s.local_name: s for s in dag.stages.values() if s.file == file}
        if not stages:
            notes.append(f"{rel}: no {file} beside it; not converted")
            tx.remove(rel)
            continue
        recorded = dvcrepo.read_lock(dvc, rel, {n: s.wdir for n, s in stages.items()})
        converted: dict[str, lockfile.StageLock] = {}
        for name, entry in recorded.items():
            if name not in stages:
                notes.append(f"{rel}: stage '{name}' is not in {file}; its lock entry dropped")
                continue
            where = f"{rel}: stage '{name}'"
            cached = {o.path: o.cache for o in stages[name].outs}  # dvc.lock does not say
            converted[name] = lockfile.StageLock(
                cmd=entry.cmd,
                deps=tuple(_entry(rehasher, d, where, keep=False) for d in entry.deps),
                params=entry.params,
                outs=tuple(
                    _entry(rehasher, o, where, keep=cached.get(o.path, True), out=True)
                    for o in entry.outs
                ),
            )
        outs_seen.extend(o.path for lock in converted.values() for o in lock.outs if o.cache)
        data = lockfile.to_dict(converted, list(stages), posixpath.dirname(rel))
        _write_yaml(tx, posixpath.join(posixpath.dirname(rel), LOCK_FILE_NAME), data, "lock")
        tx.remove(rel)
    return notes


def _entry(
    rehasher: Rehasher, item: Recorded, where: str, *, keep: bool, out: bool = False
) -> lockfile.Entry:
    """A lock entry; the bytes of a cached out (`keep`) are copied into gitml's cache."""
    info = rehasher.recorded(item, keep=keep, where=where)
    return lockfile.Entry(item.path, info, keep or not out)


def ignore(tx: Transaction, repo: Repo, dvc: DvcRepo) -> None:
    if dvc.ignore is None:
        return
    text = dvc.ignore
    if _exists(repo, IGNORE_FILE):
        with open(repo.abspath(IGNORE_FILE), encoding="utf-8") as f:
            old = f.read()
        text = old + ("" if old.endswith("\n") or not old else "\n") + "# from .dvcignore\n" + text
    tx.write(IGNORE_FILE, text.encode("utf-8"))
    tx.remove(dvcrepo.IGNORE)


def gitml_files(tx: Transaction, repo: Repo, config: ConfigPlan) -> None:
    """`.gitml/.gitignore` and the config files, DVC's settings merged into any there."""
    if not _exists(repo, f"{GITML_DIR}/.gitignore"):
        tx.write(f"{GITML_DIR}/.gitignore", GITML_GITIGNORE.encode())
    files = ((CONFIG_FILE, config.shared, 0o644), (CONFIG_LOCAL_FILE, config.local, 0o600))
    for name, data, mode in files:
        rel = f"{GITML_DIR}/{name}"
        if not data and (name == CONFIG_LOCAL_FILE or _exists(repo, rel)):
            continue
        text = _read_text(repo, rel) if _exists(repo, rel) else CONFIG_HEAD[name]
        new = _merged_config(text, data, rel)
        tx.write(rel, new.encode("utf-8"), mode=None if _exists(repo, rel) else mode)


def _merged_config(text: str, data: dict[str, Any], where: str) -> str:
    from gitml import yamledit

    def change(doc: dict[str, Any]) -> None:
        for section, values in data.items():
            target = doc.setdefault(section, {})
            for key, value in values.items():
                if isinstance(value, dict) and isinstance(target.get(key), dict):
                    target[key].update(value)
                else:
                    target[key] = value

    new = yamledit.edit_mapping(text, change, where=where, yaml11=True)
    yamlio.loads(new.encode("utf-8"), where=where, schema_name="config")
    return new


def _read_text(repo: Repo, rel: str) -> str:
    with open(repo.abspath(rel), encoding="utf-8") as f:
        return f.read()


def _write_yaml(tx: Transaction, rel: str, data: Any, schema: str) -> None:
    text = yamlio.dumps(data)
    yamlio.loads(text.encode("utf-8"), where=rel, schema_name=schema)
    tx.write(rel, text.encode("utf-8"))
