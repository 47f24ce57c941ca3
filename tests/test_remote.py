"""Remotes: a local folder and S3 (moto's server on 127.0.0.1) through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import git, make_dir, run_cli, snapshot, write
from s3server import new_bucket

from gitml import bigio
from gitml.hashing import hash_bytes


@pytest.fixture(params=["local", "s3"])
def remote_url(
    request: pytest.FixtureRequest, tmp_path: Path, aws_env: None
) -> Iterator[tuple[str, str]]:
    """(kind, url) of an empty remote."""
    if request.param == "local":
        yield "local", str(tmp_path / "remote-store")
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = new_bucket(endpoint)
    yield "s3", f"s3://{bucket}/team/store"


def setup_remote(repo: Path, kind: str, url: str) -> None:
    assert run_cli("remote", "add", "-d", "store", url).code == 0
    if kind == "s3":
        endpoint = os.environ.get("GITML_TEST_S3", "")
        assert run_cli("remote", "modify", "store", "endpointurl", endpoint).code == 0


@pytest.fixture
def remote(
    repo: Path,
    remote_url: tuple[str, str],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, str]:
    kind, url = remote_url
    if kind == "s3":
        monkeypatch.setenv("GITML_TEST_S3", request.getfixturevalue("s3_endpoint"))
    setup_remote(repo, kind, url)
    return kind, url


def tracked_data(repo: Path) -> dict[str, bytes]:
    files = make_dir(repo / "data", 25)
    write(repo / "model.bin", os.urandom(2 * 1024 * 1024))  # > 1 MiB: the streaming path
    assert run_cli("add", "data", "model.bin").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    return files


def remote_oids(kind: str, url: str) -> set[str]:
    if kind == "local":
        base = Path(url) / "xxh3"
        return {p.parent.name + p.name for p in base.glob("*/*")} if base.exists() else set()
    import boto3

    bucket, prefix = url.removeprefix("s3://").split("/", 1)
    s3 = boto3.client("s3", endpoint_url=os.environ["GITML_TEST_S3"], region_name="us-east-1")
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for o in page.get("Contents", [])
    ]
    return {k.split("/")[-2] + k.split("/")[-1] for k in keys}


def corrupt_remote_object(kind: str, url: str, oid: str) -> None:
    if kind == "local":
        path = Path(url) / "xxh3" / oid[:2] / oid[2:]
        path.chmod(0o644)
        path.write_bytes(b"evil bytes")
        return
    import boto3

    bucket, prefix = url.removeprefix("s3://").split("/", 1)
    s3 = boto3.client("s3", endpoint_url=os.environ["GITML_TEST_S3"], region_name="us-east-1")
    s3.put_object(Bucket=bucket, Key=f"{prefix}/xxh3/{oid[:2]}/{oid[2:]}", Body=b"evil bytes")


def test_push_pull_round_trip(repo: Path, remote: tuple[str, str]) -> None:
    kind, url = remote
    tracked_data(repo)
    before = snapshot(repo)
    assert json.loads(run_cli("status", "--cloud", "--json").out)["missing"]
    assert run_cli("status", "--cloud", "--check").code == 1
    pushed = run_cli("push", "--json")
    assert pushed.code == 0, pushed.err
    assert json.loads(pushed.out)["pushed"] == 25 + 1 + 1  # files, manifest, model
    assert len(remote_oids(kind, url)) == 27
    assert run_cli("status", "--cloud", "--check").code == 0
    again = run_cli("push", "--json")  # nothing new: nothing transferred
    assert json.loads(again.out)["pushed"] == 0
    assert json.loads(again.out)["skipped"] == 27
    shutil.rmtree(repo / ".gitml" / "cache")
    shutil.rmtree(repo / "data")
    os.unlink(repo / "model.bin")
    pulled = run_cli("pull")
    assert pulled.code == 0, pulled.err
    assert snapshot(repo) == before
    assert run_cli("status", "--check").code == 0


def test_teammate_clone_and_pull(repo: Path, remote: tuple[str, str], tmp_path: Path) -> None:
    tracked_data(repo)
    assert run_cli("push").code == 0
    assert "config.yaml" in git(repo, "show", "--stat", "HEAD")  # the remote travels with Git
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    os.chdir(clone)
    assert run_cli("status", "--json").out.count("not in cache") == 2
    result = run_cli("pull")
    assert result.code == 0, result.err
    assert (clone / "model.bin").read_bytes() == (repo / "model.bin").read_bytes()
    assert {p.relative_to(clone) for p in (clone / "data").rglob("*")} == {
        p.relative_to(repo) for p in (repo / "data").rglob("*")
    }
    assert run_cli("status", "--check").code == 0


def test_corrupt_remote_object_is_refused(repo: Path, remote: tuple[str, str]) -> None:
    kind, url = remote
    files = tracked_data(repo)
    assert run_cli("push").code == 0
    victim = hash_bytes(files["part1/f4.bin"])
    corrupt_remote_object(kind, url, victim)
    shutil.rmtree(repo / ".gitml" / "cache")
    shutil.rmtree(repo / "data")
    result = run_cli("pull")
    assert result.code == 3
    assert victim in result.err and "data/part1/f4.bin" in result.err
    assert not (repo / ".gitml" / "cache" / "xxh3" / victim[:2] / victim[2:]).exists()
    assert not (repo / "data" / "part1" / "f4.bin").exists()
    assert (repo / "data" / "part1" / "f1.bin").read_bytes() == files["part1/f1.bin"]
    fsck = run_cli("fsck", "--remote", "store")  # (it also quarantines it: see test_trust_remote)
    assert fsck.code == 1 and victim in fsck.err


def test_push_refuses_corrupt_local_object(repo: Path, remote: tuple[str, str]) -> None:
    kind, url = remote
    files = tracked_data(repo)
    victim = hash_bytes(files["part0/f0.bin"])
    obj = repo / ".gitml" / "cache" / "xxh3" / victim[:2] / victim[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"rotten")
    result = run_cli("push")
    assert result.code == 3 and victim in result.err
    pushed = remote_oids(kind, url)
    assert victim not in pushed
    # the directory's manifest waits for all its files: on the remote it vouches for them
    assert not any(oid.endswith(".dir") for oid in pushed)
    assert len(pushed) == 25  # 24 sound files + the model
    obj.unlink()
    assert run_cli("add", "data").code == 0  # the workspace copy is sound: cache it again
    again = run_cli("push", "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["pushed"] == 2  # the file and, last, the manifest
    assert any(oid.endswith(".dir") for oid in remote_oids(kind, url))
    assert json.loads(run_cli("push", "--json").out)["pushed"] == 0


def test_large_object_round_trip_and_corruption(repo: Path, remote: tuple[str, str]) -> None:
    """A file big enough to bypass the page cache (with an unaligned tail): byte-identical
    through push and pull; corrupt on the remote, it never reaches the cache or workspace;
    corrupt in the cache, it is never pushed."""
    kind, url = remote
    data = os.urandom(bigio.DIRECT_MIN + 4096 + 7)
    write(repo / "weights.bin", data)
    assert run_cli("add", "weights.bin").code == 0
    oid = hash_bytes(data)
    obj = repo / ".gitml" / "cache" / "xxh3" / oid[:2] / oid[2:]
    assert obj.read_bytes() == data
    obj.chmod(0o644)
    obj.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit flipped
    refused = run_cli("push")
    assert refused.code == 3 and oid in refused.err and "not pushed" in refused.err
    assert oid not in remote_oids(kind, url)
    obj.unlink()
    assert run_cli("add", "weights.bin").code == 0  # cached again from the sound workspace copy
    assert run_cli("push").code == 0
    assert oid in remote_oids(kind, url)
    shutil.rmtree(repo / ".gitml" / "cache")
    os.unlink(repo / "weights.bin")
    assert run_cli("pull").code == 0
    assert (repo / "weights.bin").read_bytes() == data
    assert obj.read_bytes() == data
    assert run_cli("status", "--check").code == 0
    corrupt_remote_object(kind, url, oid)
    shutil.rmtree(repo / ".gitml" / "cache")
    os.unlink(repo / "weights.bin")
    result = run_cli("pull")
    assert result.code == 3 and oid in result.err and "weights.bin" in result.err
    assert not obj.exists() and not (repo / "weights.bin").exists()
    assert not list((repo / ".gitml" / "cache").rglob("*tmp*"))  # no temp file left behind


def test_push_reports_objects_missing_from_cache(repo: Path, remote: tuple[str, str]) -> None:
    tracked_data(repo)
    shutil.rmtree(repo / ".gitml" / "cache")
    result = run_cli("push")
    assert result.code == 3
    assert "is not in the cache" in result.err


@pytest.mark.parametrize("option", ["secret_access_key", "access_key_id"])
def test_secrets_refused_in_tracked_config(repo: Path, option: str) -> None:
    assert run_cli("remote", "add", "-d", "s3r", "s3://bucket/x").code == 0
    before = snapshot(repo)
    result = run_cli("remote", "modify", "s3r", option, "SUPERSECRET")
    assert result.code == 2
    assert "--local" in result.err
    assert snapshot(repo) == before
    assert "SUPERSECRET" not in json.dumps(
        {k: v.decode(errors="replace") for k, v in before.items()}
    )
    ok = run_cli("remote", "modify", "--local", "s3r", option, "SUPERSECRET")
    assert ok.code == 0
    assert "SUPERSECRET" in (repo / ".gitml" / "config.local.yaml").read_text()
    assert "SUPERSECRET" not in (repo / ".gitml" / "config.yaml").read_text()
    assert ".gitml/config.local.yaml" not in git(repo, "status", "--porcelain", "--ignored=no")


def test_url_with_password_refused(repo: Path) -> None:
    result = run_cli("remote", "add", "r", "ssh://me:pw@host/path")
    assert result.code == 2 and "password" in result.err


def test_remote_list_default_remove(repo: Path, tmp_path: Path) -> None:
    assert run_cli("remote", "add", "one", str(tmp_path / "one")).code == 0
    assert run_cli("remote", "add", "-d", "two", str(tmp_path / "two")).code == 0
    assert run_cli("remote", "add", "two", "x").code == 2  # exists
    listing = run_cli("remote", "list").out
    assert "one\t" in listing and "two\t" in listing and "(default)" in listing
    assert run_cli("remote", "default").out.strip() == "two"
    assert run_cli("remote", "default", "one").code == 0
    assert run_cli("remote", "default").out.strip() == "one"
    assert run_cli("remote", "remove", "one").code == 0
    assert run_cli("remote", "default").out.strip() == ""
    assert run_cli("remote", "remove", "nope").code == 2
    assert run_cli("remote", "modify", "two", "colour", "red").code == 2
    assert run_cli("push", "-r", "nope").code == 2


def test_push_without_remote_says_how(repo: Path) -> None:
    write(repo / "f.bin", b"x")
    assert run_cli("add", "f.bin").code == 0
    result = run_cli("push")
    assert result.code == 2 and "gitml remote add" in result.err


def test_unreachable_s3_is_one_line_error(repo: Path, aws_env: None) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    assert run_cli("remote", "add", "-d", "s3r", "s3://bucket/x").code == 0
    assert run_cli("remote", "modify", "s3r", "endpointurl", f"http://127.0.0.1:{port}").code == 0
    write(repo / "f.bin", b"x")
    assert run_cli("add", "f.bin").code == 0
    result = run_cli("push")
    assert result.code == 3
    assert result.err.startswith("error: remote 's3r'") and result.err.count("\n") == 1


def all_objects_sound(base: Path) -> int:
    """Every object under its final name hashes to that name; returns how many there are."""
    count = 0
    for path in (base / "xxh3").glob("*/*"):
        if path.name.startswith("."):
            continue
        oid = path.parent.name + path.name
        assert hash_bytes(path.read_bytes()) == oid.removesuffix(".dir"), path
        count += 1
    return count


def kill_when(proc: object, ready: object, timeout: float = 20.0) -> None:
    import signal
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not ready() and proc.poll() is None:  # type: ignore[attr-defined,operator]
        time.sleep(0.005)
    if proc.poll() is None:  # type: ignore[attr-defined]
        os.kill(proc.pid, signal.SIGKILL)  # type: ignore[attr-defined]
    proc.wait()  # type: ignore[attr-defined]


def many_files(repo: Path, n: int = 3000) -> None:
    make_dir(repo / "data", n)
    assert run_cli("add", "data").code == 0


def test_kill_9_mid_push_then_rerun(repo: Path, tmp_path: Path) -> None:
    from conftest import gitml_subprocess

    store = tmp_path / "store"
    assert run_cli("remote", "add", "-d", "store", str(store)).code == 0
    many_files(repo)
    total = len(list((repo / ".gitml" / "cache" / "xxh3").glob("*/*")))
    proc = gitml_subprocess(repo, "push", "-j", "2")
    kill_when(proc, lambda: len(list(store.glob("xxh3/*/*"))) > 200)
    done = all_objects_sound(store)
    assert done < total, "the push finished before it could be killed"
    rerun = run_cli("push", "--json")
    assert rerun.code == 0, rerun.err
    report = json.loads(rerun.out)
    assert report["pushed"] == total - done  # only what was missing
    assert all_objects_sound(store) == total


def test_kill_9_mid_pull_then_rerun(repo: Path, tmp_path: Path) -> None:
    from conftest import gitml_subprocess

    store = tmp_path / "store"
    assert run_cli("remote", "add", "-d", "store", str(store)).code == 0
    many_files(repo)
    before = snapshot(repo)
    assert run_cli("push").code == 0
    cache = repo / ".gitml" / "cache"
    total = len(list((cache / "xxh3").glob("*/*")))
    shutil.rmtree(cache)
    shutil.rmtree(repo / "data")
    proc = gitml_subprocess(repo, "pull", "-j", "2")
    kill_when(proc, lambda: len(list(cache.glob("xxh3/*/*"))) > 200)
    done = all_objects_sound(cache)
    assert done < total, "the pull finished before it could be killed"
    rerun = run_cli("pull", "--json")
    assert rerun.code == 0, rerun.err
    assert json.loads(rerun.out)["fetched"] == total - done
    assert run_cli("status", "--check").code == 0
    assert run_cli("gc", "-w", "-f").code == 0  # also sweeps temp files of the killed pull
    assert not list(cache.glob("xxh3/*/.tmp-*"))
    assert snapshot(repo) == before


def test_large_manifest_and_shared_folders_round_trip(repo: Path, tmp_path: Path) -> None:
    """A manifest over 1 MiB takes the streaming path; pull writes 100-file folders from
    several threads at once."""
    data = repo / "big"
    for i in range(13_000):
        folder = data / f"d{i // 100:03d}"
        if i % 100 == 0:
            folder.mkdir(parents=True)
        (folder / f"sample_{i:06d}.bin").write_bytes(b"%d" % i)
    assert run_cli("add", "big").code == 0
    manifest = next((repo / ".gitml" / "cache" / "xxh3").glob("*/*.dir"))
    assert manifest.stat().st_size > 1024 * 1024
    assert run_cli("remote", "add", "-d", "store", str(tmp_path / "store")).code == 0
    pushed = run_cli("push", "--json")
    assert pushed.code == 0, pushed.err
    assert json.loads(pushed.out)["pushed"] == 13_001
    remote_manifest = tmp_path / "store" / "xxh3" / manifest.parent.name / manifest.name
    assert remote_manifest.read_bytes() == manifest.read_bytes()
    shutil.rmtree(repo / ".gitml" / "cache")
    shutil.rmtree(data)
    pulled = run_cli("pull", "-j", "8")
    assert pulled.code == 0, pulled.err
    assert len(list(data.rglob("sample_*"))) == 13_000
    assert (data / "d129" / "sample_012999.bin").read_bytes() == b"12999"


def test_remote_edits_keep_the_config_comments(repo: Path, tmp_path: Path) -> None:
    """issue 11 item 12: `remote add/modify/remove/default` edit the config round-trip (the
    user's comments and key order stay); `remote list`'s help says how the default shows."""
    config = repo / ".gitml" / "config.yaml"
    write(config, "# Team settings: ask Ana first\ncache:\n  type: reflink,copy  # fast first\n")
    assert run_cli("remote", "add", "-d", "store", str(tmp_path / "s")).code == 0
    assert run_cli("remote", "add", "b", "s3://bucket/x").code == 0
    assert run_cli("remote", "modify", "b", "region", "eu-west-1").code == 0
    assert config.read_text() == (
        "# Team settings: ask Ana first\ncache:\n  type: reflink,copy  # fast first\n"
        f"remotes:\n  store:\n    url: {tmp_path / 's'}\n  b:\n    url: s3://bucket/x\n"
        "    region: eu-west-1\ncore:\n  remote: store\n"
    )
    listed = run_cli("remote", "list").out
    assert listed == f"b\ts3://bucket/x\nstore\t{tmp_path / 's'}\t(default)\n"
    assert '"(default)"' in run_cli("remote", "list", "--help").out
    for args in (("remove", "b"), ("remove", "store")):
        assert run_cli("remote", *args).code == 0
    assert config.read_text() == (
        "# Team settings: ask Ana first\ncache:\n  type: reflink,copy  # fast first\n"
    )


def test_config_edits_quote_what_yaml_1_1_would_misread(repo: Path, tmp_path: Path) -> None:
    """Review of issue 11 item 12: names and values such as `on`, `yes`, `no` are written
    quoted (the config is read by YAML 1.1's rules); duplicate keys are read as PyYAML reads
    them (the last wins); the local config keeps its permissions."""
    assert run_cli("remote", "add", "on", str(tmp_path / "a")).code == 0
    assert run_cli("remote", "add", "-d", "yes", str(tmp_path / "b")).code == 0
    assert run_cli("remote", "modify", "on", "region", "no").code == 0
    listed = run_cli("remote", "list")
    assert listed.code == 0 and listed.out.splitlines()[0] == f"on\t{tmp_path / 'a'}"
    assert '"on":' in (repo / ".gitml" / "config.yaml").read_text()
    assert run_cli("remote", "remove", "on").code == 0
    assert run_cli("validate").code == 0
    config = repo / ".gitml" / "config.yaml"
    write(config, "core:\n  remote: a\ncore:\n  remote: b\n")
    assert run_cli("remote", "add", "-d", "zz", str(tmp_path / "z")).code == 0
    assert run_cli("remote", "list").out == f"zz\t{tmp_path / 'z'}\t(default)\n"
    local = repo / ".gitml" / "config.local.yaml"
    assert run_cli("remote", "modify", "--local", "zz", "access_key_id", "AKIA1").code == 0
    assert stat.S_IMODE(local.stat().st_mode) == 0o600  # a new local config: owner only
    local.chmod(0o640)
    assert run_cli("remote", "modify", "--local", "zz", "secret_access_key", "s").code == 0
    assert stat.S_IMODE(local.stat().st_mode) == 0o640
