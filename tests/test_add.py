"""`gitml init` and `gitml add`: objects, pointers, ignores, the stat cache, link types."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from conftest import git, make_dir, run_cli, write

from gitml import yamlio
from gitml.hashing import hash_bytes, hash_file


def object_path(repo: Path, oid: str) -> Path:
    return repo / ".gitml" / "cache" / "xxh3" / oid[:2] / oid[2:]


def test_init_refuses_outside_git(tmp_path: Path, monkeypatch: object) -> None:
    os.chdir(tmp_path)
    result = run_cli("init")
    assert result.code == 2
    assert "not inside a Git repository" in result.err
    assert not (tmp_path / ".gitml").exists()


def test_init_writes_ignores_and_refuses_twice(gitrepo: Path) -> None:
    assert run_cli("init").code == 0
    assert (gitrepo / ".gitml" / "config.yaml").is_file()
    assert "/cache/" in (gitrepo / ".gitml" / ".gitignore").read_text()
    again = run_cli("init")
    assert again.code == 2 and "already a gitml repository" in again.err
    assert run_cli("init", "--force").code == 0


def test_commands_refuse_without_init(gitrepo: Path) -> None:
    result = run_cli("status")
    assert result.code == 2
    assert "gitml init" in result.err


def test_add_file_writes_pointer_object_and_gitignore(repo: Path) -> None:
    content = b"a,b\n1,2\n"
    write(repo / "data" / "train.csv", content)
    result = run_cli("add", "data/train.csv")
    assert result.code == 0, result.err
    assert "git add data/.gitignore data/train.csv.gitml" in result.out
    digest = hash_bytes(content)
    pointer = yamlio.load_file(str(repo / "data" / "train.csv.gitml"))
    assert pointer == {
        "outs": [{"path": "train.csv", "hash": "xxh3-128", "digest": digest, "size": 8}]
    }
    obj = object_path(repo, digest)
    assert obj.read_bytes() == content
    assert not os.stat(obj).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert (repo / "data" / ".gitignore").read_text() == "/train.csv\n"
    # the pointer is deterministic text with LF endings
    assert b"\r\n" not in (repo / "data" / "train.csv.gitml").read_bytes()
    # workspace file untouched (copy mode), still writable
    assert (repo / "data" / "train.csv").read_bytes() == content
    assert os.access(repo / "data" / "train.csv", os.W_OK)


def test_add_directory_stores_manifest_and_every_file(repo: Path) -> None:
    files = make_dir(repo / "images", 30)
    assert run_cli("add", "images").code == 0
    pointer = yamlio.load_file(str(repo / "images.gitml"))["outs"][0]
    assert pointer["digest"].endswith(".dir")
    assert pointer["nfiles"] == 30
    assert pointer["size"] == sum(len(c) for c in files.values())
    manifest = object_path(repo, pointer["digest"]).read_bytes()
    assert hash_bytes(manifest) + ".dir" == pointer["digest"]
    for content in files.values():
        assert object_path(repo, hash_bytes(content)).read_bytes() == content
    assert "/images" in (repo / ".gitignore").read_text().splitlines()


def test_readd_unchanged_is_a_noop_and_changed_updates(repo: Path) -> None:
    make_dir(repo / "d", 5)
    assert run_cli("add", "d").code == 0
    before = (repo / "d.gitml").read_bytes()
    again = run_cli("add", "d")
    assert again.code == 0 and "unchanged: d" in again.out
    assert (repo / "d.gitml").read_bytes() == before
    write(repo / "d" / "part0" / "f0.bin", b"changed")
    assert "added: d" in run_cli("add", "d").out
    assert (repo / "d.gitml").read_bytes() != before
    assert (repo / ".gitignore").read_text().count("/d\n") == 1


def test_gitmlignore_excludes_files_from_directory_hash(repo: Path) -> None:
    make_dir(repo / "d", 4)
    write(repo / "d" / "scratch.tmp", b"noise")
    write(repo / ".gitmlignore", "*.tmp\n")
    assert run_cli("add", "d").code == 0
    pointer = yamlio.load_file(str(repo / "d.gitml"))["outs"][0]
    assert pointer["nfiles"] == 4
    write(repo / "d" / "scratch.tmp", b"other noise")
    assert run_cli("status", "--check").code == 0


def test_stat_cache_skips_rehashing_unchanged_files(repo: Path) -> None:
    write(repo / "f.bin", b"x" * 100)
    os.utime(repo / "f.bin", ns=(1_000_000_000, 1_000_000_000))  # old mtime: not racy
    assert run_cli("add", "f.bin").code == 0
    st = os.stat(repo / "f.bin")
    db = sqlite3.connect(repo / ".gitml" / "tmp" / "state.db")
    rows = db.execute("SELECT inode, mtime_ns, size, digest FROM state").fetchall()
    assert (st.st_ino, st.st_mtime_ns, 100, hash_bytes(b"x" * 100)) in rows
    # Poison the entry: status must trust it (proving no re-hash happens) ...
    db.execute("UPDATE state SET digest = ? WHERE inode = ?", ("0" * 32, st.st_ino))
    db.commit()
    result = run_cli("status", "--json")
    assert '"modified"' in result.out
    # ... until the file's stat changes, which forces a real hash again
    os.utime(repo / "f.bin", ns=(2_000_000_000, 2_000_000_000))
    assert run_cli("status", "--check").code == 0


def test_racy_file_is_not_trusted(repo: Path) -> None:
    # A file written just now is hashed but not recorded, so a same-size rewrite within the
    # same clock tick is still seen.
    write(repo / "f.bin", b"aaaa")
    st = os.stat(repo / "f.bin")
    assert run_cli("add", "f.bin").code == 0
    write(repo / "f.bin", b"bbbb")
    os.utime(repo / "f.bin", ns=(st.st_atime_ns, st.st_mtime_ns))  # same tick, same size
    assert run_cli("status", "--check").code == 1


def test_add_hardlink_cache_type_links_and_protects(repo: Path) -> None:
    write(repo / ".gitml" / "config.yaml", "cache:\n  type: hardlink,copy\n")
    write(repo / "m.bin", b"model")
    assert run_cli("add", "m.bin").code == 0
    obj = object_path(repo, hash_bytes(b"model"))
    assert os.stat(repo / "m.bin").st_ino == os.stat(obj).st_ino
    assert not os.access(repo / "m.bin", os.W_OK) or os.geteuid() == 0
    assert run_cli("unprotect", "m.bin").code == 0
    assert os.stat(repo / "m.bin").st_ino != os.stat(obj).st_ino
    assert os.stat(repo / "m.bin").st_mode & stat.S_IWUSR
    assert (repo / "m.bin").read_bytes() == b"model"
    assert obj.read_bytes() == b"model"


def test_add_symlink_cache_type(repo: Path) -> None:
    write(repo / ".gitml" / "config.yaml", "cache:\n  type: symlink\n")
    make_dir(repo / "d", 3)
    assert run_cli("add", "d").code == 0
    link = repo / "d" / "part0" / "f0.bin"
    assert link.is_symlink()
    assert Path(os.readlink(link)).is_relative_to(repo / ".gitml" / "cache")
    assert run_cli("status", "--check").code == 0
    assert run_cli("unprotect", "d").code == 0
    assert not link.is_symlink()
    assert hash_file(link)[0] == hash_bytes(b"0:0:")


def test_add_several_paths_and_git_add_hint(repo: Path) -> None:
    write(repo / "a.bin", b"a")
    write(repo / "b.bin", b"b")
    result = run_cli("add", "a.bin", "b.bin")
    assert result.code == 0
    assert "git add .gitignore a.bin.gitml b.bin.gitml" in result.out
    git(repo, "add", ".gitignore", "a.bin.gitml", "b.bin.gitml")
    status = git(repo, "status", "--porcelain")
    assert "a.bin\n" not in status  # the data itself is ignored by Git


def test_add_from_subfolder_and_commit(repo: Path) -> None:
    write(repo / "sub" / "x.txt", b"one")
    os.chdir(repo / "sub")
    assert run_cli("add", "x.txt").code == 0
    assert (repo / "sub" / "x.txt.gitml").is_file()
    write(repo / "sub" / "x.txt", b"two")
    assert run_cli("status", "--check").code == 1
    result = run_cli("commit")
    assert result.code == 0 and "updated: sub/x.txt" in result.out
    assert run_cli("status", "--check").code == 0
    assert object_path(repo, hash_bytes(b"two")).exists()
    assert "Nothing to commit" in run_cli("commit", "x.txt").out


def test_re_adding_unchanged_data_asks_for_no_git_add(repo: Path) -> None:
    """issue 11 item 15: the `git add` hint names only files `git add` would change."""
    write(repo / "data.csv", "a,b\n1,2\n")
    assert "git add .gitignore data.csv.gitml" in run_cli("add", "data.csv").out
    git(repo, "add", "-A")
    result = run_cli("add", "data.csv")
    assert result.code == 0 and "unchanged: data.csv" in result.out
    assert "git add" not in result.out
    git(repo, "commit", "-qm", "data")
    write(repo / "data.csv", "a,b\n1,3\n")
    result = run_cli("add", "data.csv")
    assert "git add data.csv.gitml" in result.out and ".gitignore" not in result.out
