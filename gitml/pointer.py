"""Pointer files (`<path>.gitml`) <-> typed values."""

from __future__ import annotations

import posixpath

from gitml.constants import HASH_NAME, POINTER_SUFFIX
from gitml.errors import BadInputError
from gitml.hashing import HashInfo, check_digest
from gitml.paths import check_relpath
from gitml.record import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ANNOTATIONS = ("desc", "type", "labels", "meta")  # DVC's keys on an out


@dataclass(frozen=True, slots=True)
class Output:
    """One tracked path: relative to the pointer's folder, POSIX separators."""

    path: str
    hash_info: HashInfo
    # DVC's annotations (desc, type, labels, meta): kept as written, never compared
    annotations: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def digest(self) -> str:
        return self.hash_info.digest


@dataclass(frozen=True, slots=True)
class ImportSource:
    """Where an imported output comes from (`gitml import`): `path` in the Git repository
    `url` at commit `rev_lock`; `rev` is the branch or tag the user asked for (None: the
    default branch). Written as DVC writes an import: `deps: [{path, repo: {url, rev,
    rev_lock}}]` and `frozen: true`."""

    url: str
    path: str
    rev_lock: str
    rev: str | None = None

    def to_dict(self) -> dict[str, Any]:
        repo: dict[str, Any] = {"url": self.url}
        if self.rev is not None:
            repo["rev"] = self.rev
        repo["rev_lock"] = self.rev_lock
        return {"path": self.path, "repo": repo}


@dataclass(frozen=True)
class Pointer:
    """The content of one pointer file. `rel` is the pointer's path in the repo (POSIX)."""

    rel: str
    outs: tuple[Output, ...]
    desc: str | None = None
    meta: dict[str, Any] | None = field(default=None, compare=False)
    source: ImportSource | None = None  # an import's source; None for `gitml add`
    frozen: bool = False  # never re-run by repro (imports are frozen, as DVC's)

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.rel)

    def out_rel(self, out: Output) -> str:
        """The output's path relative to the repository root."""
        return posixpath.join(self.folder, out.path) if self.folder else out.path

    @classmethod
    def from_dict(cls, rel: str, data: dict[str, Any]) -> Pointer:
        """Build from schema-valid data; refuses unsafe paths."""
        outs = []
        for i, item in enumerate(data["outs"]):
            path = check_relpath(item["path"], where=f"{rel}: outs[{i}].path")
            digest = check_digest(item["digest"], where=f"{rel}: outs[{i}].digest")
            info = HashInfo(digest, item["size"], item.get("nfiles"))
            if info.is_dir != ("nfiles" in item):
                raise BadInputError(f"{rel}: outs[{i}]: 'nfiles' goes with a '.dir' digest only")
            notes = {k: item[k] for k in ANNOTATIONS if k in item}
            outs.append(Output(path, info, notes))
        source = None
        if "deps" in data:
            dep = data["deps"][0]
            where = f"{rel}: deps[0].path"
            src_path = check_relpath(dep["path"], where=where)
            repo = dep["repo"]
            source = ImportSource(repo["url"], src_path, repo["rev_lock"], repo.get("rev"))
        frozen = bool(data.get("frozen", False))
        return cls(rel, tuple(outs), data.get("desc"), data.get("meta"), source, frozen)

    def with_outs(self, outs: tuple[Output, ...]) -> Pointer:
        """The same pointer (desc, meta) with new outs, each keeping the annotations of the
        old out of the same path (`add` and `commit` re-hash, they never drop them)."""
        old = {o.path: o.annotations for o in self.outs}
        kept = tuple(
            Output(o.path, o.hash_info, o.annotations or old.get(o.path, {})) for o in outs
        )
        return Pointer(self.rel, kept, self.desc, self.meta, self.source, self.frozen)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.desc:
            data["desc"] = self.desc
        if self.meta is not None:
            data["meta"] = self.meta
        if self.frozen:
            data["frozen"] = True
        if self.source is not None:
            data["deps"] = [self.source.to_dict()]
        data["outs"] = [_out_dict(o) for o in self.outs]
        return data


def _out_dict(out: Output) -> dict[str, Any]:
    item = entry_dict(out.path, out.hash_info)
    item.update((k, out.annotations[k]) for k in ANNOTATIONS if k in out.annotations)
    return item


def entry_dict(path: str, info: HashInfo) -> dict[str, Any]:
    """`{path, hash, digest, size[, nfiles]}`: an output as pointers and gitml.lock write it."""
    item: dict[str, Any] = {
        "path": path,
        "hash": HASH_NAME,
        "digest": info.digest,
        "size": info.size,
    }
    if info.nfiles is not None:
        item["nfiles"] = info.nfiles
    return item


def pointer_rel_for(data_rel: str) -> str:
    """`data/train.csv` -> `data/train.csv.gitml`."""
    return data_rel + POINTER_SUFFIX


def data_rel_for(pointer_rel: str) -> str:
    return pointer_rel[: -len(POINTER_SUFFIX)]
