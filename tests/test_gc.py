"""`gitml gc`: what each flag keeps, --dry, and -c on a remote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, in_terminal, run_cli, snapshot, write

from gitml.hashing import hash_bytes


def cached(repo: Path) -> set[str]:
    base = repo / ".gitml" / "cache" / "xxh3"
    return {p.parent.name + p.name for p in base.glob("*/*") if not p.name.startswith(".")}


def version(repo: Path, content: bytes, msg: str) -> str:
    write(repo / "model.bin", content)
    assert run_cli("add", "model.bin").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", msg)
    return hash_bytes(content)


@pytest.fixture
def history(repo: Path) -> dict[str, str]:
    """main: v1 (tagged), v2; branch 'exp': v3; workspace: v4 (added, not committed);
    plus an orphan object v0 that nothing references."""
    oids = {"v0": version(repo, b"v0", "v0")}
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    oids["v1"] = version(repo, b"v1", "v1")
    git(repo, "tag", "release")
    oids["v1b"] = version(repo, b"v1b", "v1b")  # only reachable from a tag-less old commit
    git(repo, "checkout", "-q", "-b", "tmp")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "tmp")
    oids["v2"] = version(repo, b"v2", "v2")
    git(repo, "checkout", "-q", "-b", "exp")
    oids["v3"] = version(repo, b"v3", "v3")
    git(repo, "checkout", "-q", "main")
    assert run_cli("checkout", "--force").code == 0
    write(repo / "model.bin", b"v4")
    assert run_cli("add", "model.bin").code == 0
    oids["v4"] = hash_bytes(b"v4")
    return oids


def test_gc_requires_a_keep_flag(history: dict[str, str], repo: Path) -> None:
    result = run_cli("gc", "-f")
    assert result.code == 2 and "-w" in result.err


def test_dry_lists_exactly_and_removes_nothing(history: dict[str, str], repo: Path) -> None:
    before = snapshot(repo)
    result = run_cli("gc", "-w", "--dry", "--json")
    assert result.code == 0
    listed = set(json.loads(result.out)["local"])
    assert listed == {history[k] for k in ("v0", "v1", "v1b", "v2", "v3")}
    assert snapshot(repo) == before


def test_workspace_only(history: dict[str, str], repo: Path) -> None:
    assert run_cli("gc", "-w", "-f").code == 0
    assert cached(repo) == {history["v4"]}
    assert run_cli("status", "--check").code == 0


def test_all_branches(history: dict[str, str], repo: Path) -> None:
    assert run_cli("gc", "-a", "-f").code == 0
    assert cached(repo) == {history[k] for k in ("v2", "v3", "v4")}


def test_all_tags(history: dict[str, str], repo: Path) -> None:
    assert run_cli("gc", "-T", "-f").code == 0
    assert cached(repo) == {history[k] for k in ("v1", "v4")}


def test_all_commits(history: dict[str, str], repo: Path) -> None:
    assert run_cli("gc", "-A", "-f").code == 0
    assert cached(repo) == {history[k] for k in ("v1", "v1b", "v2", "v3", "v4")}


def test_cloud_removes_from_remote_too(history: dict[str, str], repo: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli("remote", "add", "-d", "store", str(store)).code == 0
    assert run_cli("push", "-A").code == 0
    remote = {p.parent.name + p.name for p in store.glob("xxh3/*/*")}
    assert remote == {history[k] for k in ("v1", "v1b", "v2", "v3", "v4")}
    dry = json.loads(run_cli("gc", "-a", "-c", "--dry", "--json").out)
    assert set(dry["remote"]) == {history["v1"], history["v1b"]}
    assert {p.parent.name + p.name for p in store.glob("xxh3/*/*")} == remote
    assert run_cli("gc", "-a", "-c", "-f").code == 0
    assert {p.parent.name + p.name for p in store.glob("xxh3/*/*")} == {
        history[k] for k in ("v2", "v3", "v4")
    }


def test_gc_refuses_when_a_kept_manifest_is_unknown(repo: Path) -> None:
    (repo / "d").mkdir()
    write(repo / "d" / "a.bin", b"a")
    assert run_cli("add", "d").code == 0
    manifest = next(
        p for p in (repo / ".gitml" / "cache" / "xxh3").glob("*/*") if p.name.endswith(".dir")
    )
    manifest.unlink()
    before = cached(repo)
    result = run_cli("gc", "-w", "-f")
    assert result.code == 2 and "manifest" in result.err
    assert cached(repo) == before


def test_gc_without_force_asks(history: dict[str, str], repo: Path) -> None:
    """issue 11 item 13: with no terminal to ask on, refuse at once (exit 2, hint -f); a
    prompt declined on a terminal is not an error; nothing is removed either way."""
    before = cached(repo)
    result = run_cli("gc", "-w")
    assert result.code == 2 and result.out == ""
    assert result.err == (
        "error: gc deletes objects from the cache and there is no terminal to ask on"
        " (hint: pass -f to confirm, or --dry to see what would go)\n"
    )
    assert cached(repo) == before
    code, out = in_terminal(repo, "gc", "-w", answer=b"n\n")
    assert code == 0 and "Delete every object from the cache" in out, out
    assert "Nothing removed." in out
    assert cached(repo) == before
    code, out = in_terminal(repo, "gc", "-w", answer=b"y\n")
    assert code == 0 and cached(repo) != before, out
