"""bigio: one-pass copy and hash of large files around the page cache, any size, any fs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitml import bigio
from gitml.hashing import hash_file

SIZES = [0, 1, 4095, 4096, 4097, bigio.BLOCK, bigio.BLOCK + 123, 2 * bigio.BLOCK + 4096 + 5]


def folders(tmp_path: Path) -> list[Path]:
    """The test's own folder and, where there is one, a tmpfs (which may refuse O_DIRECT)."""
    out = [tmp_path]
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        out.append(shm)
    return out


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("direct", [False, True])
def test_copy_hashed_is_exact(tmp_path: Path, size: int, direct: bool) -> None:
    for folder in folders(tmp_path):
        src = folder / f"bigio-src-{os.getpid()}"
        dest = folder / f"bigio-dest-{os.getpid()}"
        data = os.urandom(size)
        src.write_bytes(data)
        try:
            fd_in = bigio.open_read(str(src), direct=direct)
            fd_out = bigio.create(str(dest), 0o644, direct=direct)
            try:
                digest, copied = bigio.copy_hashed(fd_in, fd_out)
            finally:
                os.close(fd_in)
                os.close(fd_out)
            assert copied == size
            assert dest.read_bytes() == data
            assert digest == hash_file(src)[0]
            assert bigio.hash_path(str(src), direct=direct) == (digest, size)
        finally:
            src.unlink(missing_ok=True)
            dest.unlink(missing_ok=True)


def test_create_refuses_an_existing_file(tmp_path: Path) -> None:
    dest = tmp_path / "there"
    dest.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        bigio.create(str(dest), 0o644, direct=True)
    assert dest.read_bytes() == b"keep me"
