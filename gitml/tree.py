"""Directory manifests: sorted (path, digest, size) entries <-> canonical JSON."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator

from gitml.constants import DIGEST_HEX_LEN, DIR_SUFFIX
from gitml.errors import CorruptObjectError
from gitml.hashing import HashInfo, hash_bytes
from gitml.paths import check_relpath
from gitml.record import dataclass

_FILE_DIGEST = re.compile(f"[0-9a-f]{{{DIGEST_HEX_LEN}}}")  # a file's object, not a manifest's


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str  # POSIX, relative to the directory
    digest: str
    size: int


@dataclass(frozen=True)
class Tree:
    """A directory's manifest; entries are sorted by path and unique."""

    entries: tuple[TreeEntry, ...]

    @classmethod
    def build(cls, entries: Iterable[TreeEntry]) -> Tree:
        return cls(tuple(sorted(entries, key=lambda e: e.path)))

    def to_json(self) -> bytes:
        items = [{"digest": e.digest, "path": e.path, "size": e.size} for e in self.entries]
        return json.dumps(items, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def hash_info(self) -> HashInfo:
        return HashInfo(
            digest=hash_bytes(self.to_json()) + DIR_SUFFIX,
            size=sum(e.size for e in self.entries),
            nfiles=len(self.entries),
        )

    def as_dict(self) -> dict[str, TreeEntry]:
        return {e.path: e for e in self.entries}

    def __iter__(self) -> Iterator[TreeEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def from_json(cls, data: bytes, *, where: str) -> Tree:
        """Parse a manifest, refusing unsafe paths and malformed entries."""
        try:
            items = json.loads(data)
        except (ValueError, UnicodeDecodeError) as e:
            raise CorruptObjectError(f"{where}: manifest is not valid JSON ({e})") from e
        if not isinstance(items, list):
            raise CorruptObjectError(f"{where}: manifest is not a list")
        entries = []
        for item in items:
            try:
                path, digest, size = item["path"], item["digest"], item["size"]
            except (TypeError, KeyError, IndexError):
                path = digest = size = None
            if not (
                isinstance(item, dict)
                and isinstance(path, str)
                and isinstance(digest, str)
                and _FILE_DIGEST.fullmatch(digest)
                and type(size) is int
                and size >= 0
            ):
                raise CorruptObjectError(f"{where}: malformed manifest entry {item!r}")
            path = check_relpath(path, where=f"{where}: manifest entry")
            entries.append(TreeEntry(path, digest, size))
        tree = cls.build(entries)
        _check_unique(tree.entries, where)
        return tree


def _check_unique(entries: tuple[TreeEntry, ...], where: str) -> None:
    """Refuse a path listed twice, or a file that is also a folder of other entries (`a` and
    `a/b`): checkout could only write part of such a manifest. Set operations over the
    paths; only the distinct folders (few) are walked up to their parents."""
    paths = [e.path for e in entries]
    files = set(paths)
    if len(files) != len(paths):
        twice = next(a for a, b in itertools.pairwise(paths) if a == b)  # sorted
        raise CorruptObjectError(f"{where}: manifest lists {twice!r} twice")
    folders: set[str] = set()
    for folder in {p.rpartition("/")[0] for p in paths}:
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    clash = files & folders
    if clash:
        name = min(clash)
        raise CorruptObjectError(
            f"{where}: manifest has both a file {name!r} and files inside {name}/"
        )
