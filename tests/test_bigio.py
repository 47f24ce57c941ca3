"""bigio: one-pass copy and hash of large files around the page cache, any size, any fs."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def copy(src: Path, dest: Path, *, direct: bool) -> tuple[str, int]:
    """`bigio.copy_hashed` from file `src` to new file `dest`."""
    fd_in = bigio.open_read(str(src), direct=direct)
    try:
        fd_out = bigio.create(str(dest), 0o644, direct=direct)
        try:
            return bigio.copy_hashed(fd_in, fd_out)
        finally:
            os.close(fd_out)
    finally:
        os.close(fd_in)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("direct", [False, True])
def test_copy_hashed_is_exact(tmp_path: Path, size: int, direct: bool) -> None:
    for folder in folders(tmp_path):
        src = folder / f"bigio-src-{os.getpid()}"
        dest = folder / f"bigio-dest-{os.getpid()}"
        data = os.urandom(size)
        src.write_bytes(data)
        try:
            digest, copied = copy(src, dest, direct=direct)
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


@pytest.mark.parametrize("size", [5000, bigio.BLOCK + 5000])
def test_write_error_is_reported_as_itself(tmp_path: Path, size: int) -> None:
    """An I/O error while writing (here: a descriptor not open for writing) comes out as that
    OSError, not as a BufferError from closing the copy buffer."""
    src = tmp_path / "src"
    src.write_bytes(os.urandom(size))
    dest = tmp_path / "dest"
    dest.write_bytes(b"")
    fd_in = bigio.open_read(str(src), direct=False)
    fd_out = os.open(dest, os.O_RDONLY)
    try:
        with pytest.raises(OSError) as caught:
            bigio.copy_hashed(fd_in, fd_out)
        assert not isinstance(caught.value, BufferError)
    finally:
        os.close(fd_in)
        os.close(fd_out)


@pytest.fixture
def no_direct_io_dir(tmp_path: Path) -> Iterator[Path]:
    """A ramfs mount: a filesystem that refuses O_DIRECT (needs root; skipped otherwise)."""
    import subprocess

    mount = tmp_path / "ramfs"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "ramfs", "ramfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a ramfs here (not root?)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_filesystem_refusing_direct_io_gets_buffered_io(no_direct_io_dir: Path) -> None:
    """ramfs fails O_DIRECT opens (after creating the file, with O_CREAT): the copy still
    works, and nothing is left behind under another name."""
    data = os.urandom(bigio.DIRECT_MIN + 3)
    src, dest = no_direct_io_dir / "src", no_direct_io_dir / "dest"
    src.write_bytes(data)
    digest, size = copy(src, dest, direct=True)
    assert size == len(data) and dest.read_bytes() == data
    assert digest == hash_file(src)[0]
    assert sorted(p.name for p in no_direct_io_dir.iterdir()) == ["dest", "src"]
