"""What another gitml repository holds at a commit: its Git files and its gitml outputs,
marked as such (as `dvc ls` marks DVC's outputs)."""

from __future__ import annotations

import posixpath

from gitml.constants import GITML_DIR
from gitml.errors import BadInputError
from gitml.hashing import HashInfo
from gitml.paths import check_not_private, check_relpath
from gitml.record import dataclass
from gitml.xrepo.source import Source


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the folder listed (the path itself when it is a file)
    isout: bool  # a gitml output (tracked by a pointer or a gitml.lock), not a Git file
    isdir: bool
    isexec: bool = False
    size: int | None = None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "path": self.path,
            "isout": self.isout,
            "isdir": self.isdir,
            "isexec": self.isexec,
        }
        if self.size is not None:
            data["size"] = self.size
        return data


Folder = tuple[str, HashInfo, str]  # a folder output, and the path inside it to list


def list_at(
    src: Source, sha: str, path: str | None, *, recursive: bool
) -> tuple[list[Entry], Folder | None]:
    """The entries under `path` (the root if None) at `sha`; or, when `path` is (inside) a
    gitml folder output, that output and the path inside it (its entries come from its
    manifest: the caller's part)."""
    rel = ""
    if path and path.strip("/") not in ("", "."):
        rel = check_relpath(path.strip("/"), where="PATH")
        check_not_private(rel, where="PATH")
    outs = {p: info for p, (info, _) in src.outputs(sha).items()}
    if rel in outs:
        info = outs[rel]
        if info.is_dir:
            return [], (rel, info, "")
        return [Entry(posixpath.basename(rel), True, False, False, info.size)], None
    for out, info in outs.items():
        if rel.startswith(out + "/") and info.is_dir:
            return [], (out, info, rel[len(out) + 1 :])
    kind = src.kind(sha, rel) if rel else "tree"
    if kind == "blob":
        listed = src.ls_tree(sha, posixpath.dirname(rel), recursive=False)
        item = next(e for e in listed if e.path == rel)
        return [
            Entry(posixpath.basename(rel), False, False, item.mode == "100755", item.size)
        ], None
    under = {p: i for p, i in outs.items() if not rel or p.startswith(rel + "/")}
    if kind != "tree" and not under:
        raise BadInputError(f"{path}: no such file or folder in {src.url} at {sha[:7]}")
    entries: dict[str, Entry] = {}
    if kind == "tree":
        for item in src.ls_tree(sha, rel, recursive=recursive):
            name = item.path[len(rel) + 1 :] if rel else item.path
            if name == GITML_DIR or name.startswith(GITML_DIR + "/") or item.kind == "commit":
                continue
            isdir, exe = item.kind == "tree", item.mode == "100755"
            entries[name] = Entry(name, False, isdir, exe, item.size)
    for out, info in under.items():
        name = out[len(rel) + 1 :] if rel else out
        if recursive or "/" not in name:
            entries[name] = Entry(name, True, info.is_dir, False, info.size)
        else:
            top = name.split("/", 1)[0]
            entries.setdefault(top, Entry(top, False, True))
    return sorted(entries.values(), key=lambda e: e.path), None


def manifest_entries(tree_items: list[tuple[str, int]], inner: str, recursive: bool) -> list[Entry]:
    """A folder output's entries under `inner` from its manifest ((path, size) of each
    file); empty when it has nothing there."""
    entries: dict[str, Entry] = {}
    prefix = inner + "/" if inner else ""
    for full, size in tree_items:
        if full == inner:
            return [Entry(posixpath.basename(full), True, False, False, size)]
        if not full.startswith(prefix):
            continue
        name = full[len(prefix) :]
        if recursive or "/" not in name:
            entries[name] = Entry(name, True, False, False, size)
        else:
            top = name.split("/", 1)[0]
            entries.setdefault(top, Entry(top, True, True))
    return sorted(entries.values(), key=lambda e: e.path)
