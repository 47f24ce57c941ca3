"""XXH3-128 of bytes, streams and files."""

from __future__ import annotations

import os
import re

import xxhash

from gitml.constants import DIGEST_HEX_LEN, DIR_SUFFIX
from gitml.errors import UnsafePathError
from gitml.record import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

CHUNK = 4 * 1024 * 1024
SMALL_READ = 1024 * 1024


@dataclass(frozen=True, slots=True)
class HashInfo:
    """A content digest and the size of the content (a directory: total size)."""

    digest: str
    size: int
    nfiles: int | None = None

    @property
    def is_dir(self) -> bool:
        return self.digest.endswith(DIR_SUFFIX)


def new_hasher() -> xxhash.xxh3_128:
    return xxhash.xxh3_128()


def hash_bytes(data: bytes) -> str:
    return xxhash.xxh3_128_hexdigest(data)


def hash_stream(stream: BinaryIO) -> tuple[str, int]:
    """Digest and length of everything left in `stream`."""
    hasher = xxhash.xxh3_128()
    size = 0
    while chunk := stream.read(CHUNK):
        hasher.update(chunk)
        size += len(chunk)
    return hasher.hexdigest(), size


def hash_file(path: str | os.PathLike[str], size_hint: int | None = None) -> tuple[str, int]:
    """Digest and size of the file at `path`. A small file whose size is known is read in
    one system call (the common case when hashing many small files)."""
    if size_hint is not None and size_hint <= SMALL_READ:
        fd = os.open(path, os.O_RDONLY)
        try:
            data = os.read(fd, size_hint + 1)
            if len(data) <= size_hint:
                return hash_bytes(data), len(data)
        finally:
            os.close(fd)
    with open(path, "rb", buffering=0) as f:
        return hash_stream(f)


_DIGEST = re.compile(f"[0-9a-f]{{{DIGEST_HEX_LEN}}}(?:{re.escape(DIR_SUFFIX)})?")


def is_digest(text: object) -> bool:
    """True for 32 lowercase hex chars, optionally followed by '.dir'."""
    return isinstance(text, str) and _DIGEST.fullmatch(text) is not None


def check_digest(text: str, *, where: str) -> str:
    """`text` if it is a digest, else UnsafePathError: every object name becomes a file path
    (`xxh3/ab/cdef...`), so nothing else may reach one (not '../x', nor a trailing newline)."""
    if not is_digest(text):
        raise UnsafePathError(f"{where}: {text!r} is not an object digest (32 hex digits)")
    return text
