"""Issue 10, remote trust: gc order and leftovers, gc vs live transfers, fsck --remote repairs,
missing objects named as missing on the remote. Real CLI, real local and S3 (moto) remotes."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import chdir, git, gitml_subprocess, make_dir, run_cli, snapshot, write
from test_remote import (  # noqa: F401  (fixtures used by name)
    remote,
    remote_oids,
    remote_url,
    tracked_data,
)

from gitml.hashing import hash_bytes


def delete_remote_object(kind: str, url: str, oid: str) -> None:
    """What a gc killed part way (in the old order) or a lost disk block leaves behind."""
    if kind == "local":
        (Path(url) / "xxh3" / oid[:2] / oid[2:]).unlink()
        return
    import boto3

    bucket, prefix = url.removeprefix("s3://").split("/", 1)
    s3 = boto3.client("s3", endpoint_url=os.environ["GITML_TEST_S3"], region_name="us-east-1")
    s3.delete_object(Bucket=bucket, Key=f"{prefix}/xxh3/{oid[:2]}/{oid[2:]}")


def put_remote_file(kind: str, url: str, rel: str, data: bytes) -> None:
    if kind == "local":
        write(Path(url) / rel, data)
        return
    import boto3

    bucket, prefix = url.removeprefix("s3://").split("/", 1)
    s3 = boto3.client("s3", endpoint_url=os.environ["GITML_TEST_S3"], region_name="us-east-1")
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{rel}", Body=data)


def clone_and_pull(repo: Path, tmp_path: Path, name: str = "clone") -> tuple[Path, object]:
    clone = tmp_path / name
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    with chdir(clone):
        return clone, run_cli("pull")


def manifest_of(repo: Path, rel: str) -> str:
    pointer = (repo / f"{rel}.gitml").read_text()
    return next(line.split()[-1] for line in pointer.splitlines() if "digest:" in line)


def test_fsck_remote_finds_missing_file_withdraws_manifest_and_push_repairs(
    repo: Path, remote: tuple[str, str], tmp_path: Path  # noqa: F811
) -> None:
    """issue 10 item 6: a file object gone from under its manifest (as a gc killed part way
    in the old order left it) is reported missing by fsck --remote, which withdraws the
    manifest, so the next push re-sends the file and a fresh clone can pull."""
    kind, url = remote
    files = tracked_data(repo)
    assert run_cli("push").code == 0
    victim = hash_bytes(files["part1/f4.bin"])
    manifest = next(o for o in remote_oids(kind, url) if o.endswith(".dir"))
    delete_remote_object(kind, url, victim)
    trusting = json.loads(run_cli("push", "--json").out)  # the manifest still vouches
    assert trusting["pushed"] == 0
    fsck = run_cli("fsck", "--remote", "store")
    assert fsck.code == 1, fsck
    assert f"missing on 'store': data/part1/f4.bin ({victim})" in fsck.err
    assert f"withdrawn from 'store': manifest {manifest} of data" in fsck.err
    assert "1 missing" in fsck.out
    assert manifest not in remote_oids(kind, url)
    repaired = run_cli("push", "--json")
    assert repaired.code == 0, repaired.err
    assert json.loads(repaired.out)["pushed"] == 2  # the lost file, then the manifest
    assert {victim, manifest} <= remote_oids(kind, url)
    assert run_cli("fsck", "--remote", "store").code == 0
    clone, pulled = clone_and_pull(repo, tmp_path)
    assert pulled.code == 0, pulled.err  # type: ignore[attr-defined]
    assert (clone / "data" / "part1" / "f4.bin").read_bytes() == files["part1/f4.bin"]


def test_fsck_remote_quarantines_corrupt_file_and_push_repairs(
    repo: Path, remote: tuple[str, str], tmp_path: Path  # noqa: F811
) -> None:
    """issue 10 item 6: a corrupt file under a manifest: fsck --remote moves it to the
    remote's quarantine/ and withdraws the manifest; the next push re-sends both."""
    kind, url = remote
    files = tracked_data(repo)
    assert run_cli("push").code == 0
    victim = hash_bytes(files["part2/f5.bin"])
    put_remote_file(kind, url, f"xxh3/{victim[:2]}/{victim[2:]}", b"rotten")
    fsck = run_cli("fsck", "--remote", "store")
    assert fsck.code == 1, fsck
    assert f"corrupt on 'store': {victim} (data/part2/f5.bin)" in fsck.err
    assert "withdrawn from 'store'" in fsck.err
    assert victim not in remote_oids(kind, url)
    repaired = run_cli("push", "--json")
    assert json.loads(repaired.out)["pushed"] == 2, repaired
    assert run_cli("fsck", "--remote", "store").code == 0
    clone, pulled = clone_and_pull(repo, tmp_path)
    assert pulled.code == 0, pulled.err  # type: ignore[attr-defined]
    assert (clone / "data" / "part2" / "f5.bin").read_bytes() == files["part2/f5.bin"]


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    """A file nobody can delete, root included (chmod does not stop root; chattr +i does)."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i not supported here: {made.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def two_versions(repo: Path) -> tuple[str, list[str]]:
    """data/ committed in two versions; returns the old manifest and its files' objects, so
    that in sorted order some old file comes before the manifest and some after it."""
    for seed in range(50):
        files = make_dir(repo / "data", 12, seed=100 + seed)
        old = sorted(hash_bytes(c) for c in files.values())
        assert run_cli("add", "data").code == 0
        manifest = manifest_of(repo, "data")
        if sum(o < manifest for o in old) >= 2:
            break
        shutil.rmtree(repo / "data")
    else:
        pytest.fail("no seed gave a manifest sorted after two of its files")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    shutil.rmtree(repo / "data")
    make_dir(repo / "data", 12, seed=999)
    assert run_cli("add", "data").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v2")
    return manifest, old


def no_manifest_without_files(base: Path) -> None:
    present = {p.parent.name + p.name for p in base.glob("xxh3/*/*") if p.name[0] != "."}
    for oid in present:
        if oid.endswith(".dir"):
            path = base / "xxh3" / oid[:2] / oid[2:]
            for entry in json.loads(path.read_bytes()):
                assert entry["digest"] in present, f"{oid} vouches for a lost {entry['path']}"


@pytest.mark.parametrize("where", ["cache", "remote"])
def test_gc_stopped_part_way_leaves_no_manifest_without_its_files(
    repo: Path, tmp_path: Path, where: str
) -> None:
    """issue 10 item 6: gc deletes every manifest before any file, locally and with -c on the
    remote; stopped at an arbitrary file (one that cannot be deleted), no manifest is left
    vouching for files that are gone."""
    store = tmp_path / "store"
    assert run_cli("remote", "add", "-d", "store", str(store)).code == 0
    manifest, old = two_versions(repo)
    assert run_cli("push", "-A").code == 0
    # the old files' sorted order would delete the first ones, then stop here, before the
    # manifest: the largest old file sorted before it
    stop = max(o for o in old if o < manifest)
    base = store if where == "remote" else repo / ".gitml" / "cache"
    with immutable(base / "xxh3" / stop[:2] / stop[2:]):
        result = run_cli("gc", "-w", "-c", "-f")
        assert result.code == 3, result
        assert stop[2:] in result.err and "unexpected" not in result.err
        assert result.err.count("\n") == 1
        no_manifest_without_files(base)
    assert run_cli("gc", "-w", "-c", "-f").code == 0  # once it can, it finishes the job
    no_manifest_without_files(base)
    assert not (base / "xxh3" / manifest[:2] / manifest[2:]).exists()


def test_gc_does_not_remove_what_a_live_pull_writes(repo: Path, tmp_path: Path) -> None:
    """issue 10 item 7: gc while a pull is fetching (its temp files in the cache) never
    removes them: gc waits for the transfer's shared cache lock, then gives up clearly; the
    pull succeeds."""
    store = tmp_path / "store"
    assert run_cli("remote", "add", "-d", "store", str(store)).code == 0
    block = os.urandom(1 << 20)
    for i in range(6):
        write(repo / "big" / f"m{i}.bin", bytes([i]) + block * 96)
    assert run_cli("add", "big").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "big")
    assert run_cli("push").code == 0
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    cache = clone / ".gitml" / "cache"
    proc = gitml_subprocess(clone, "pull", "-j", "1")
    try:
        deadline = time.monotonic() + 60
        while not list(cache.glob("xxh3/*/.tmp-*")) and proc.poll() is None:
            assert time.monotonic() < deadline, "the pull never started writing"
            time.sleep(0.002)
        assert proc.poll() is None, "the pull finished before gc could run"
        with chdir(clone):
            gc = run_cli("gc", "-w", "-f")
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    if gc.code != 0:  # the pull outlasted gc's wait for the lock
        assert gc.code == 3 and "fetching or pushing" in gc.err, gc
    for i in range(6):
        assert (clone / "big" / f"m{i}.bin").read_bytes()[:1] == bytes([i])
    with chdir(clone):
        assert run_cli("status", "--check").code == 0


def test_gc_cloud_removes_stale_remote_temp_files_only(repo: Path, tmp_path: Path) -> None:
    """issue 10 item 15b: temp files a killed push left on a local remote (both naming
    schemes) are removed by gc -c once they are old; a fresh one, perhaps another machine's
    push in progress, is kept."""
    store = tmp_path / "store"
    assert run_cli("remote", "add", "-d", "store", str(store)).code == 0
    tracked_data(repo)
    assert run_cli("push").code == 0
    some = next((store / "xxh3").iterdir())
    stale = [some / ".tmp-0badc0de-1", store / "xxh3" / ".tmp-0badc0de-2", some / "ab12.77.tmp"]
    fresh = some / ".tmp-feedbeef-3"
    for path in [*stale, fresh]:
        write(path, b"half an object")
    two_hours_ago = time.time() - 7200
    for path in stale:
        os.utime(path, (two_hours_ago, two_hours_ago))
    dry = run_cli("gc", "-w", "-c", "--dry")
    assert dry.code == 0 and all(p.exists() for p in stale)
    result = run_cli("gc", "-w", "-c", "-f", "--json")
    assert result.code == 0, result.err
    assert sorted(json.loads(result.out)["remote_temps"]) == sorted(map(str, stale))
    assert not any(p.exists() for p in stale)
    assert fresh.exists()
    assert run_cli("fsck", "--remote", "store").code == 0


def test_fresh_fsspec_temp_on_s3_is_not_an_object(
    repo: Path, remote: tuple[str, str], tmp_path: Path  # noqa: F811
) -> None:
    """issue 10 item 15b: an upload's `<object>.<pid>.tmp` (fsspec filesystems without atomic
    uploads) is not mistaken for an object: fsck --remote does not call it corrupt, and gc -c
    keeps it while it is fresh."""
    kind, url = remote
    tracked_data(repo)
    assert run_cli("push").code == 0
    rel = "xxh3/ab/" + "c" * 30 + ".4242.tmp"
    put_remote_file(kind, url, rel, b"half an object")
    assert run_cli("fsck", "--remote", "store").code == 0
    assert run_cli("gc", "-w", "-c", "-f").code == 0
    assert "ab" + "c" * 30 + ".4242.tmp" in remote_oids(kind, url)  # (the listing's words)


def test_pull_names_object_missing_on_the_remote(repo: Path, tmp_path: Path) -> None:
    """issue 10 item 16: an object gone from a local remote is reported as missing on that
    remote, with the file it belongs to and what to do, not as 'not in the cache'."""
    store = tmp_path / "store"
    assert run_cli("remote", "add", "-d", "store", str(store)).code == 0
    files = tracked_data(repo)
    assert run_cli("push").code == 0
    victim = hash_bytes(files["part0/f3.bin"])
    (store / "xxh3" / victim[:2] / victim[2:]).unlink()
    clone, pulled = clone_and_pull(repo, tmp_path)
    err = pulled.err  # type: ignore[attr-defined]
    assert pulled.code == 3  # type: ignore[attr-defined]
    assert f"data/part0/f3.bin: {victim}: missing on remote 'store'" in err
    assert "not in the cache" not in err
    assert "gitml push" in err and "gitml fsck --remote store" in err
    assert err.count("\n") == 1
    before = snapshot(clone)
    with chdir(clone):  # the manifest gone too: the directory is named
        manifest = manifest_of(clone, "data")
        (store / "xxh3" / manifest[:2] / manifest[2:]).unlink()
        shutil.rmtree(clone / ".gitml" / "cache")
        again = run_cli("fetch")
    assert again.code == 3
    assert f"data: {manifest}: missing on remote 'store'" in again.err
    assert set(snapshot(clone)) <= set(before)
