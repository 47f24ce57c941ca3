"""issue 17 item 3: `gitml doctor`: versions, platform, remotes and their reachability, the
cache's link types, file systems and free space."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from conftest import git, run_cli, snapshot, write
from s3server import new_bucket

from gitml import __version__


def _doctor(*args: str) -> dict[str, object]:
    result = run_cli("doctor", "--json", *args)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert isinstance(data, dict)
    return data


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 17 item 3: outside a repository doctor still tells versions, platform and the
    optional packages (as installed), and says there is no repository."""
    monkeypatch.chdir(tmp_path)
    data = _doctor()
    assert data["gitml"] == __version__ and data["python"] == platform.python_version()
    packages = data["packages"]
    assert isinstance(packages, dict)
    for name in ("pyarrow", "scipy", "s3fs", "gitpython"):
        assert packages[name] == _installed(name)
    assert data["repository"] is None and "remotes" not in data
    text = run_cli("doctor").out
    assert text.startswith(f"gitml version: {__version__}\n")
    assert f"\ts3fs = {_installed('s3fs')}\n" in text and "Repository: none here" in text


def _works(kind: str, folder: Path) -> bool:
    """Independently of gitml: does `kind` work in `folder`?"""
    src, dest = folder / "probe-src", folder / "probe-dest"
    src.write_text("x")
    try:
        if kind == "hardlink":
            os.link(src, dest)
        elif kind == "symlink":
            os.symlink(src, dest)
        else:
            proc = subprocess.run(["cp", "--reflink=always", str(src), str(dest)],
                                  capture_output=True)  # fmt: skip
            return proc.returncode == 0
        return True
    except OSError:
        return False
    finally:
        for p in (src, dest):
            if os.path.lexists(p):
                os.unlink(p)


def test_cache_link_types_and_file_systems(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 3: the link types doctor finds in the cache folder are the ones that
    work there (each tried for real, by gitml and here independently); the file system type
    is the mount table's (findmnt); doctor writes nothing."""
    write(repo / "a.txt", "a")
    assert run_cli("add", "a.txt").code == 0
    cache = repo / ".gitml" / "cache"
    before = snapshot(repo)
    data = _doctor()
    assert snapshot(repo) == before
    assert data["repository"] == str(repo)
    found = data["cache"]
    assert isinstance(found, dict)
    assert found["dir"] == str(cache)
    expected = {k: _works(k, cache) for k in ("reflink", "hardlink", "symlink")}
    assert found["link_types"] == {**expected, "copy": True}
    findmnt = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "-T", str(cache)],
                             capture_output=True, text=True)  # fmt: skip
    if findmnt.returncode == 0:
        assert found["fs"]["type"] == findmnt.stdout.strip()
    assert 0 < found["fs"]["free"] <= found["fs"]["total"]
    assert data["workspace"]["dir"] == str(repo)  # type: ignore[index]
    text = run_cli("doctor").out
    kinds = ", ".join(k for k, ok in found["link_types"].items() if ok)
    assert f"Cache types: {kinds}\n" in text and f"Cache directory: {cache}\n" in text


def test_remotes_reachable_or_not(
    repo: Path, tmp_path: Path, s3_endpoint: str, aws_env: None
) -> None:
    """issue 17 item 3: each remote and whether it answers: a local folder that exists or
    not, an S3 bucket that exists (a real S3 server) or not, and a server that never answers
    within --timeout; a password in a URL shows as ***."""
    store = tmp_path / "store"
    store.mkdir()
    assert run_cli("remote", "add", "-d", "here", str(store)).code == 0
    assert run_cli("remote", "add", "gone", str(tmp_path / "missing")).code == 0
    bucket = new_bucket(s3_endpoint)
    for name, url, endpoint in (
        ("s3ok", f"s3://{bucket}/x", s3_endpoint),
        ("s3missing", "s3://no-such-bucket/x", s3_endpoint),
        ("s3dead", "s3://any/x", "http://127.0.0.1:9"),
    ):
        assert run_cli("remote", "add", name, url).code == 0
        assert run_cli("remote", "modify", name, "endpointurl", endpoint).code == 0
    data = _doctor("--timeout", "3")
    remotes = {r["name"]: r for r in data["remotes"]}  # type: ignore[attr-defined]
    assert remotes["here"]["reachable"] is True and remotes["here"]["default"] is True
    assert remotes["gone"]["reachable"] is False and "does not exist" in remotes["gone"]["detail"]
    assert remotes["s3ok"]["reachable"] is True, remotes["s3ok"]
    assert remotes["s3missing"]["reachable"] is False
    assert remotes["s3missing"]["detail"] == "'no-such-bucket' not found"
    assert remotes["s3dead"]["reachable"] is False
    dead = remotes["s3dead"]["detail"]
    assert dead == "no answer within 3 s" or "could not connect" in dead.lower(), dead
    text = run_cli("doctor", "--timeout", "3").out
    assert f"\there (default): {store}: reachable (ok, " in text
    assert "\tgone: " in text and ": NOT reachable (folder " in text


def test_timeout_is_bounded(repo: Path, tmp_path: Path, aws_env: None) -> None:
    """issue 17 item 3: a remote that does not answer is reported after --timeout, not
    waited for (a listening socket that never replies)."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        assert run_cli("remote", "add", "mute", "s3://bucket/x").code == 0
        assert (
            run_cli("remote", "modify", "mute", "endpointurl", f"http://127.0.0.1:{port}").code == 0
        )
        data = _doctor("--timeout", "0.5")
        (mute,) = data["remotes"]  # type: ignore[misc]
        assert mute["reachable"] is False and mute["detail"] == "no answer within 0.5 s"
    finally:
        server.close()


def test_bad_timeout(repo: Path) -> None:
    """issue 17 item 3: a bad --timeout: exit 2, one line."""
    result = run_cli("doctor", "--timeout", "0")
    assert result.code == 2 and "--timeout" in result.err
    git(repo, "status")
