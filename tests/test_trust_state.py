"""Issue 10, items 10 and 11: the stat cache sees mtime-restoring edits (ctime in the key), and
an in-place edit through a hardlink or symlink (root ignores the read-only bit) is found, named,
and never spread from the corrupt cache object."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from conftest import git, make_dir, run_cli, snapshot, write

from gitml.hashing import hash_bytes

OLD = 1_000_000_000  # an mtime far in the past: such files are recorded in the state DB
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="the case of a root user")
WARNING = "running as root: read-only protection of"


def object_path(repo: Path, oid: str) -> Path:
    return repo / ".gitml" / "cache" / "xxh3" / oid[:2] / oid[2:]


def state_db(repo: Path) -> Path:
    return repo / ".gitml" / "tmp" / "state.db"


def rewrite_keeping_mtime(path: Path, data: bytes) -> None:
    """`dd conv=notrunc` + `touch -r`: same size, same atime/mtime to the nanosecond."""
    st = os.stat(path)
    assert len(data) == st.st_size
    with open(path, "r+b") as f:
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        st.st_ino,
        st.st_mtime_ns,
        st.st_size,
    )


def add_and_commit(repo: Path, *paths: str) -> None:
    result = run_cli("add", *paths)
    assert result.code == 0, result.err
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"track {' '.join(paths)}")


def test_same_size_rewrite_with_restored_mtime_is_seen(repo: Path) -> None:
    """issue 10 item 10: a same-size edit whose mtime is put back shows in status, and
    checkout refuses to overwrite it."""
    write(repo / "f.csv", b"a,b\n1,2\n")
    os.utime(repo / "f.csv", ns=(OLD, OLD))
    add_and_commit(repo, "f.csv")
    assert run_cli("status", "--check").code == 0  # answered from the state DB
    rewrite_keeping_mtime(repo / "f.csv", b"a,b\n9,9\n")
    result = run_cli("status", "--check")
    assert result.code == 1 and "modified: f.csv" in result.out
    before = snapshot(repo)
    refused = run_cli("checkout")
    assert refused.code == 2 and "f.csv" in refused.err
    assert snapshot(repo) == before


def test_checkout_of_other_version_keeps_mtime_restored_edit(repo: Path) -> None:
    """issue 10 item 10: going back to an older pointer does not silently overwrite a
    same-size, mtime-restored edit of the newer version (it is not in the cache)."""
    write(repo / "f.bin", b"version-1")
    os.utime(repo / "f.bin", ns=(OLD, OLD))
    add_and_commit(repo, "f.bin")
    write(repo / "f.bin", b"version-2")
    os.utime(repo / "f.bin", ns=(2 * OLD, 2 * OLD))
    add_and_commit(repo, "f.bin")
    rewrite_keeping_mtime(repo / "f.bin", b"my-edit-3")
    git(repo, "checkout", "HEAD~1", "--", "f.bin.gitml")
    result = run_cli("checkout")
    assert result.code == 2 and "f.bin" in result.err
    assert (repo / "f.bin").read_bytes() == b"my-edit-3"


def test_mtime_restored_edit_inside_tracked_folder(repo: Path) -> None:
    """issue 10 item 10: the folder fingerprint (which answers status without a walk through
    the hashes) includes the ctime too."""
    files = make_dir(repo / "data", 12)
    for rel in files:
        os.utime(repo / "data" / rel, ns=(OLD, OLD))
    add_and_commit(repo, "data")
    assert run_cli("status", "--check").code == 0
    with sqlite3.connect(state_db(repo)) as db:
        assert db.execute("SELECT count(*) FROM trees WHERE path = 'data'").fetchone()[0] == 1
    victim = repo / "data" / "part1" / "f4.bin"
    rewrite_keeping_mtime(victim, bytes(reversed(victim.read_bytes())))
    result = run_cli("status", "--check")
    assert result.code == 1 and "modified: data" in result.out
    before = snapshot(repo)
    assert run_cli("checkout").code == 2
    assert snapshot(repo) == before


def test_old_format_state_db_is_discarded(repo: Path) -> None:
    """issue 10 item 10: a state.db of the schema without ctime is dropped and rebuilt, not
    trusted and not a crash."""
    write(repo / "f.bin", b"x" * 100)
    os.utime(repo / "f.bin", ns=(OLD, OLD))
    add_and_commit(repo, "f.bin")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state_db(repo)}{suffix}").unlink(missing_ok=True)
    st = os.stat(repo / "f.bin")
    with sqlite3.connect(state_db(repo)) as db:  # what the previous version created
        db.execute(
            "CREATE TABLE state (inode INTEGER PRIMARY KEY,"
            " mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, digest TEXT NOT NULL)"
        )
        db.execute("CREATE TABLE valid (key TEXT PRIMARY KEY)")
        db.execute(
            "CREATE TABLE trees (path TEXT PRIMARY KEY, fingerprint TEXT"
            " NOT NULL, digest TEXT NOT NULL, size INTEGER NOT NULL, nfiles INTEGER NOT NULL)"
        )
        # a row that would be wrong if trusted: the old schema cannot tell
        db.execute("INSERT INTO state VALUES (?, ?, ?, ?)", (st.st_ino, OLD, 100, "0" * 32))
    db.close()
    result = run_cli("status", "--check")
    assert result.code == 0, result.out + result.err
    with sqlite3.connect(state_db(repo)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        rows = db.execute("SELECT inode, mtime_ns, size, ctime_ns, digest FROM state").fetchall()
    db.close()
    assert (st.st_ino, OLD, 100, st.st_ctime_ns, hash_bytes(b"x" * 100)) in rows


@pytest.mark.parametrize("kind", ["hardlink", "symlink"])
def test_linked_checkout_records_final_stats(repo: Path, kind: str) -> None:
    """issue 10 item 10: every hardlink changes its inode's ctime; the stats a checkout records
    are the ones after the last link (duplicates too), so status does not hash again."""
    write(repo / ".gitml" / "config.yaml", f"cache:\n  type: {kind},copy\n")
    files = make_dir(repo / "data", 30)
    for i in range(5):  # files with the same bytes share one object, one inode
        write(repo / "data" / "dup" / f"d{i}.bin", b"same bytes")
    add_and_commit(repo, "data")
    for oid in {hash_bytes(b) for b in [*files.values(), b"same bytes"]}:
        os.utime(object_path(repo, oid), ns=(OLD, OLD))  # not racy
    for path in (repo / "data").rglob("*.bin"):
        path.unlink()
    assert run_cli("checkout").code == 0
    with sqlite3.connect(state_db(repo)) as db:
        rows = db.execute("SELECT inode, mtime_ns, size, ctime_ns, digest FROM state").fetchall()
        # poison every digest: a status that hashed again would not notice
        db.execute("UPDATE state SET digest = '0'")
    db.close()
    recorded = {row[:4] for row in rows}
    for path in (repo / "data").rglob("*.bin"):
        st = os.stat(path)
        assert (st.st_ino, st.st_mtime_ns, st.st_size, st.st_ctime_ns) in recorded, path
    assert "\tmodified: data" in run_cli("status").out  # the poisoned answers were used


@ROOT_ONLY
@pytest.mark.parametrize("kind", ["hardlink", "symlink"])
def test_in_place_edit_through_link_is_caught(repo: Path, tmp_path: Path, kind: str) -> None:
    """issue 10 item 11: as root, `echo x >> data/raw.csv` rewrites the cache object; status
    names it, unprotect refuses to copy the bad bytes on, push refuses to send them."""
    write(repo / ".gitml" / "config.yaml", f"cache:\n  type: {kind},copy\n")
    assert run_cli("remote", "add", "-d", "store", str(tmp_path / "remote")).code == 0
    write(repo / "data" / "raw.csv", b"a,b\n1,2\n")
    add_and_commit(repo, "data/raw.csv")
    oid = hash_bytes(b"a,b\n1,2\n")
    with open(repo / "data" / "raw.csv", "ab") as f:  # root: the read-only bit does not stop it
        f.write(b"x\n")
    assert object_path(repo, oid).read_bytes() == b"a,b\n1,2\nx\n"

    result = run_cli("status", "--check")
    assert result.code == 1
    assert "modified in place, cache object corrupt: data/raw.csv" in result.out

    before = snapshot(repo)
    refused = run_cli("unprotect", "data/raw.csv")
    assert refused.code == 3
    assert f"data/raw.csv was changed in place through a {kind}" in refused.err
    assert oid in refused.err and "gitml fsck" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert snapshot(repo) == before
    assert os.path.islink(repo / "data" / "raw.csv") == (kind == "symlink")

    pushed = run_cli("push")
    assert pushed.code == 3 and oid in pushed.err
    remote_files = [p.name for p in (tmp_path / "remote").rglob("*") if p.is_file()]
    assert oid[2:] not in remote_files

    forced = run_cli("checkout", "--force")  # the corrupt object is never placed
    assert forced.code == 3 and oid in forced.err
    assert (repo / "data" / "raw.csv").read_bytes() == b"a,b\n1,2\nx\n"


@ROOT_ONLY
def test_in_place_edit_inside_linked_folder(repo: Path) -> None:
    """issue 10 item 11: a file of a tracked folder edited through its hardlink."""
    write(repo / ".gitml" / "config.yaml", "cache:\n  type: hardlink,copy\n")
    files = make_dir(repo / "data", 9)
    add_and_commit(repo, "data")
    with open(repo / "data" / "part2" / "f5.bin", "ab") as f:
        f.write(b"tampered")
    result = run_cli("status")
    assert "modified in place, cache object corrupt: data" in result.out
    refused = run_cli("unprotect", "data")
    assert refused.code == 3 and hash_bytes(files["part2/f5.bin"]) in refused.err
    assert all(os.stat(p).st_nlink == 2 for p in (repo / "data").rglob("*.bin"))  # none copied


def test_unprotect_of_sound_links_still_works(repo: Path) -> None:
    """issue 10 item 11: the verified copy leaves sound linked files writable copies."""
    write(repo / ".gitml" / "config.yaml", "cache:\n  type: symlink,copy\n")
    make_dir(repo / "data", 6)
    add_and_commit(repo, "data")
    result = run_cli("unprotect", "data")
    assert result.code == 0 and "6 file(s) unprotected" in result.out
    assert not any(p.is_symlink() for p in (repo / "data").rglob("*"))
    assert run_cli("status", "--check").code == 0


@ROOT_ONLY
@pytest.mark.parametrize("kind", ["hardlink", "symlink", "copy"])
def test_root_is_warned_about_links(repo: Path, kind: str) -> None:
    """issue 10 item 11: add and checkout warn root when files are linked into the cache."""
    write(repo / ".gitml" / "config.yaml", f"cache:\n  type: {kind}\n")
    write(repo / "m.bin", b"model")
    added = run_cli("add", "m.bin")
    assert added.code == 0
    (repo / "m.bin").unlink()
    checked_out = run_cli("checkout")
    assert checked_out.code == 0
    for result in (added, checked_out):
        if kind == "copy":
            assert WARNING not in result.err
        else:
            assert f"warning: {WARNING} {kind}ed files does not apply" in result.err
            assert "use cache.type reflink,copy" in result.err


def test_damaged_state_db_is_rebuilt(repo: Path) -> None:
    """issue 10 item 10: the state DB is a cache; one that is not a database is replaced."""
    write(repo / "f.bin", b"data")
    add_and_commit(repo, "f.bin")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state_db(repo)}{suffix}").unlink(missing_ok=True)
    state_db(repo).write_bytes(b"not a database, " * 64)
    result = run_cli("status", "--check")
    assert result.code == 0, result.err
    with sqlite3.connect(state_db(repo)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    db.close()
