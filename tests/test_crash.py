"""Real processes killed with SIGKILL mid-write, and concurrent writers on one repository."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import git, gitml_subprocess, run_cli, snapshot, wait_until, write

from gitml.hashing import hash_file
from gitml.repo import Repo
from gitml.tracked import load_pointer

BIG_MIB = 300
N_FILES = 3000


def cache_objects(repo: Path) -> list[Path]:
    """Every object under its final name (temp files start with '.')."""
    base = repo / ".gitml" / "cache" / "xxh3"
    if not base.exists():
        return []
    return [
        p
        for prefix in base.iterdir()
        if prefix.is_dir() and len(prefix.name) == 2
        for p in prefix.iterdir()
        if not p.name.startswith(".")
    ]


def assert_cache_sound(repo: Path) -> None:
    """Every object file under its final name hashes to that name."""
    for obj in cache_objects(repo):
        oid = obj.parent.name + obj.name
        digest, _ = hash_file(obj)
        assert digest == oid.removesuffix(".dir"), f"corrupt object {oid} after a crash"


def has_cache_temp(repo: Path) -> bool:
    base = repo / ".gitml" / "cache" / "xxh3"
    return base.exists() and any(p.name.startswith(".tmp") for p in base.rglob(".tmp*"))


def kill(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    """SIGKILL the process if it still runs; (returncode, stderr)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err.decode(errors="replace")


def make_big(path: Path, mib: int) -> None:
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for _ in range(mib):
            f.write(block)


# --------------------------------------------------------------------------- kill -9 during add


def object_path(repo: Path, oid: str) -> Path:
    return repo / ".gitml" / "cache" / "xxh3" / oid[:2] / oid[2:]


@pytest.mark.parametrize("phase", ["temp", "temp+0.2s", "object", "pointer"])
def test_kill_during_add_of_large_file(repo: Path, phase: str) -> None:
    """SIGKILL while the object is streamed, right after it is renamed, after the pointer."""
    big = repo / "big.bin"
    make_big(big, BIG_MIB)
    want, _ = hash_file(big)
    conditions = {
        "temp": lambda: has_cache_temp(repo),
        "temp+0.2s": lambda: has_cache_temp(repo),
        "object": lambda: object_path(repo, want).exists(),
        "pointer": lambda: (repo / "big.bin.gitml").exists(),
    }
    proc = gitml_subprocess(repo, "add", "big.bin")
    wait_until(conditions[phase], proc, limit=10.0)
    if phase == "temp+0.2s":
        time.sleep(0.2)
    code, err = kill(proc)

    assert_cache_sound(repo)
    pointer = repo / "big.bin.gitml"
    if pointer.exists():  # complete and valid, naming a sound object
        loaded = load_pointer(Repo(str(repo)), "big.bin.gitml")
        assert [o.digest for o in loaded.outs] == [want]
        assert object_path(repo, want).exists()
    else:
        assert code == -signal.SIGKILL, (code, err)  # a finished add must leave its pointer
    assert hash_file(big)[0] == want  # the user's file was never touched

    again = run_cli("add", "big.bin")
    assert again.code == 0, again
    assert load_pointer(Repo(str(repo)), "big.bin.gitml").outs[0].digest == want
    status = run_cli("status", "--check")
    assert status.code == 0, status
    assert_cache_sound(repo)
    fsck = run_cli("fsck")
    assert fsck.code == 0, fsck


# ---------------------------------------------------------------- kill -9 during checkout


def version(seed: int, i: int) -> bytes:
    return f"v{seed}:{i}\n".encode() * (40 + i % 5)


def write_versions(root: Path, seed: int) -> None:
    for sub in range(10):
        (root / f"p{sub}").mkdir(parents=True, exist_ok=True)
    for i in range(N_FILES):
        path = root / f"p{i % 10}" / f"f{i}.txt"
        if path.exists():
            path.chmod(0o644)
        path.write_bytes(version(seed, i))


def test_kill_during_checkout_of_many_files(repo: Path) -> None:
    data = repo / "data"
    write_versions(data, 1)
    assert run_cli("add", "-q", "data").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    write_versions(data, 2)
    assert run_cli("add", "-q", "data").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v2")
    git(repo, "checkout", "-q", "HEAD~1")  # pointer says v1, workspace holds v2

    probe = data / "p0" / "f0.txt"
    proc = gitml_subprocess(repo, "checkout")
    wait_until(lambda: probe.read_bytes() == version(1, 0), proc, limit=10.0)
    time.sleep(0.1)
    code, err = kill(proc)
    assert code == -signal.SIGKILL, (code, err, "checkout finished before it could be killed")

    states = {1: 0, 2: 0}
    for i in range(N_FILES):
        path = data / f"p{i % 10}" / f"f{i}.txt"
        assert path.exists(), f"{path} vanished"
        content = path.read_bytes()
        matches = [s for s in (1, 2) if content == version(s, i)]
        assert matches, f"{path} holds half-written bytes"
        states[matches[0]] += 1
    assert states[1] > 0  # it was killed mid-way...
    assert_cache_sound(repo)

    rerun = run_cli("checkout")
    assert rerun.code == 0, rerun
    for i in range(N_FILES):
        assert (data / f"p{i % 10}" / f"f{i}.txt").read_bytes() == version(1, i)
    names = sorted(p.name for p in data.rglob("*") if p.is_file())
    assert len(names) == N_FILES, [n for n in names if not n.startswith("f")][:5]
    status = run_cli("status", "--check")
    assert status.code == 0, status


# --------------------------------------------------------------------------- concurrent writers


def test_concurrent_adds_on_different_paths(repo: Path) -> None:
    make_big(repo / "big1.bin", 80)
    make_big(repo / "big2.bin", 80)
    for i in range(400):
        write(repo / "many" / f"f{i}.txt", f"file {i}\n" * 20)
    paths = ["big1.bin", "big2.bin", "many"]
    procs = [gitml_subprocess(repo, "add", p) for p in paths]
    results = [
        (p, proc, *proc.communicate(timeout=60)) for p, proc in zip(paths, procs, strict=True)
    ]

    succeeded = []
    for path, proc, _out, err in results:
        if proc.returncode == 0:
            succeeded.append(path)
        else:
            assert proc.returncode == 3, (path, proc.returncode, err)
            assert b"lock" in err, err
            assert len(err.decode().strip().splitlines()) == 1, err
    assert succeeded, "no add succeeded"

    assert_cache_sound(repo)
    gitignore = (repo / ".gitignore").read_text().splitlines()
    for path in paths:
        pointer = repo / f"{path}.gitml"
        if path in succeeded:
            loaded = load_pointer(Repo(str(repo)), f"{path}.gitml")
            assert loaded.outs[0].path == path
            assert f"/{path}" in gitignore
        else:
            assert not pointer.exists()
    status = run_cli("status", "--check", *succeeded)
    assert status.code == 0, status
    assert run_cli("fsck").code == 0


def test_add_fails_while_lock_is_held(repo: Path) -> None:
    write(repo / "data.bin", b"some data" * 1000)
    before = snapshot(repo)
    lock_path = repo / ".gitml" / "tmp" / "lock"
    with Repo(str(repo)).lock(timeout=1.0):
        proc = gitml_subprocess(repo, "add", "data.bin")
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, (proc.returncode, out, err)
    text = err.decode()
    assert str(lock_path) in text, text
    assert len(text.strip().splitlines()) == 1, text
    assert "Traceback" not in text
    assert snapshot(repo) == before

    after = run_cli("add", "data.bin")  # the lock is free again
    assert after.code == 0, after
