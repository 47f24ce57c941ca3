"""`gitml status`, `gitml checkout` and `gitml diff` across real commits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import git, make_dir, run_cli, snapshot, write

from gitml.hashing import hash_bytes, hash_file


def commit_all(repo: Path, msg: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", msg)
    return git(repo, "rev-parse", "HEAD").strip()


def two_versions(repo: Path) -> tuple[str, str]:
    """Commit v1 (dir of 20 files + model), then v2 (changed, added, deleted files)."""
    make_dir(repo / "data", 20)
    write(repo / "model.pkl", b"model v1")
    assert run_cli("add", "data", "model.pkl").code == 0
    v1 = commit_all(repo, "v1")
    write(repo / "data" / "part0" / "f0.bin", b"changed")
    write(repo / "data" / "new" / "added.bin", b"added")
    os.unlink(repo / "data" / "part1" / "f1.bin")
    write(repo / "model.pkl", b"model v2")
    assert run_cli("add", "data", "model.pkl").code == 0
    v2 = commit_all(repo, "v2")
    return v1, v2


def test_status_reports_modified_deleted_and_clean(repo: Path) -> None:
    two_versions(repo)
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."
    write(repo / "data" / "part2" / "f2.bin", b"edit")
    os.unlink(repo / "model.pkl")
    result = run_cli("status", "--json")
    assert json.loads(result.out) == {
        "data.gitml": [{"path": "data", "status": "modified"}],
        "model.pkl.gitml": [{"path": "model.pkl", "status": "deleted"}],
    }
    assert run_cli("status", "--check").code == 1
    assert run_cli("status", "--check", "data").code == 1
    text = run_cli("status", "model.pkl").out
    assert "deleted: model.pkl" in text and "data" not in text


def test_status_not_in_cache(repo: Path) -> None:
    two_versions(repo)
    shutil.rmtree(repo / ".gitml" / "cache")
    result = run_cli("status", "--json")
    assert json.loads(result.out)["model.pkl.gitml"] == [
        {"path": "model.pkl", "status": "not in cache"}
    ]


def test_checkout_switches_between_commits(repo: Path) -> None:
    v1, v2 = two_versions(repo)
    v2_files = snapshot(repo)
    git(repo, "checkout", "-q", v1)
    assert run_cli("status", "--check").code == 1
    result = run_cli("checkout")
    assert result.code == 0, result.err
    assert "1 file added, 2 modified, 1 deleted" in result.out
    assert (repo / "model.pkl").read_bytes() == b"model v1"
    assert (repo / "data" / "part1" / "f1.bin").exists()
    assert not (repo / "data" / "new").exists()  # emptied folders are removed
    assert run_cli("status", "--check").code == 0
    git(repo, "checkout", "-q", v2)
    assert run_cli("checkout").code == 0
    assert snapshot(repo) == v2_files
    assert run_cli("checkout").out == ""  # nothing to do


def test_checkout_restores_deleted_outputs_and_targets(repo: Path) -> None:
    two_versions(repo)
    shutil.rmtree(repo / "data")
    os.unlink(repo / "model.pkl")
    assert run_cli("checkout", "model.pkl").code == 0
    assert (repo / "model.pkl").read_bytes() == b"model v2"
    assert not (repo / "data").exists()
    assert run_cli("checkout", "data.gitml").code == 0
    assert run_cli("status", "--check").code == 0


def test_checkout_unknown_target(repo: Path) -> None:
    result = run_cli("checkout", "nope")
    assert result.code == 2
    assert "nope: not tracked by gitml" in result.err


def test_checkout_missing_objects_says_pull(repo: Path) -> None:
    two_versions(repo)
    shutil.rmtree(repo / ".gitml" / "cache")
    os.unlink(repo / "model.pkl")
    result = run_cli("checkout")
    assert result.code == 3
    assert "not in the cache" in result.err and "gitml pull" in result.err
    assert not (repo / "model.pkl").exists()


def test_checkout_replaces_file_with_directory(repo: Path) -> None:
    make_dir(repo / "thing", 3)
    assert run_cli("add", "thing").code == 0
    shutil.rmtree(repo / "thing")
    write(repo / "thing", b"not a dir anymore")
    assert run_cli("add", "thing").code == 0  # now a file, its bytes are cached
    assert run_cli("status", "--check").code == 0
    git(repo, "add", "-A")
    shutil.rmtree(repo / ".gitml" / "tmp")  # a lost state db only costs re-hashing
    os.unlink(repo / "thing")
    make_dir(repo / "thing", 2, seed=9)
    result = run_cli("checkout")
    assert result.code == 2 and "local change" in result.err
    assert run_cli("checkout", "--force").code == 0
    assert (repo / "thing").read_bytes() == b"not a dir anymore"


def test_diff_between_revisions_and_workspace(repo: Path) -> None:
    v1, v2 = two_versions(repo)
    result = run_cli("diff", v1, v2, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [c["path"] for c in data["added"]] == ["data/new/added.bin"]
    assert [c["path"] for c in data["deleted"]] == ["data/part1/f1.bin"]
    assert [c["path"] for c in data["modified"]] == ["data/part0/f0.bin", "model.pkl"]
    model = data["modified"][1]
    assert model["old"]["size"] == 8 and model["new"]["digest"] == hash_file(repo / "model.pkl")[0]
    # default: HEAD vs workspace
    assert run_cli("diff").out.strip() == "files summary: 0 added, 0 deleted, 0 modified"
    write(repo / "data" / "part2" / "f2.bin", b"workspace edit")
    md = run_cli("diff", "--md").out
    assert md.splitlines()[0] == "| Status | Path | Size |"
    assert "| modified | data/part2/f2.bin | 14 B |" in md
    git_status_before = git(repo, "status", "--porcelain")
    assert run_cli("diff", v1).code == 0
    assert git(repo, "status", "--porcelain") == git_status_before


def test_diff_unknown_revision(repo: Path) -> None:
    result = run_cli("diff", "no-such-rev")
    assert result.code == 2
    assert "unknown revision 'no-such-rev'" in result.err


def test_outputs_only_the_newer_commit_tracked_are_removed(repo: Path) -> None:
    """issue 11 item 11: after checking out an older commit, outputs that only the newer one
    tracked go (their bytes are safe in the cache), as Git removes files it tracked; one
    whose bytes are not in the cache is kept and reported. `git add -A` then adds nothing."""
    git(repo, "tag", "v1")
    write(repo / "model.pkl", "model v2")
    make_dir(repo / "prepared", 5)
    write(repo / "notes.bin", "notes")
    assert run_cli("add", "model.pkl", "prepared", "notes.bin").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v2")
    write(repo / "notes.bin", "edited, never added")  # not in the cache: must stay
    git(repo, "checkout", "-q", "v1")
    result = run_cli("checkout")
    assert result.code == 0, result.err
    assert "removed model.pkl: no longer tracked" in result.out
    assert "removed prepared: no longer tracked" in result.out
    assert "warning: kept notes.bin: no longer tracked" in result.err
    assert not (repo / "model.pkl").exists() and not (repo / "prepared").exists()
    assert (repo / "notes.bin").read_text() == "edited, never added"
    assert git(repo, "status", "--porcelain") == "?? notes.bin\n"
    git(repo, "checkout", "-q", "main")
    assert run_cli("checkout", "-f").code == 0  # back: restored from the cache
    assert (repo / "model.pkl").read_text() == "model v2"


def test_the_post_checkout_hook_removes_outputs_git_no_longer_tracks(repo: Path) -> None:
    """issue 11 item 11, through the real post-checkout hook."""
    assert run_cli("install").code == 0
    git(repo, "tag", "v1")
    write(repo / "model.pkl", "model v2")
    assert run_cli("add", "model.pkl").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v2")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        ["git", "checkout", "-q", "v1"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "gitml: removed model.pkl: no longer tracked" in done.stdout + done.stderr
    assert not (repo / "model.pkl").exists()
    assert git(repo, "status", "--porcelain") == ""


def test_only_a_checkout_drops_outputs_and_only_their_recorded_files(repo: Path) -> None:
    """issue 11 item 11, the limits: a commit that stops tracking a pointer leaves its data
    (as `git rm --cached` does); an output still declared anywhere (HEAD's commit, a pointer,
    any gitml.lock entry, a gitml.yaml stage out) stays; of a dropped folder only the files
    its manifest recorded go, never a symlink, a user's other file or its folder."""
    make_dir(repo / "data", 4)
    write(repo / "model.pkl", "m1")
    assert run_cli("add", "data", "model.pkl").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    git(repo, "tag", "v1")
    git(repo, "rm", "-q", "model.pkl.gitml")  # a commit stops tracking it: the data stays
    git(repo, "commit", "-qm", "untrack model")
    result = run_cli("checkout")
    assert result.code == 0 and "removed" not in result.out
    assert (repo / "model.pkl").read_text() == "m1"
    git(repo, "rm", "-q", "data.gitml")
    git(repo, "commit", "-qm", "untrack data")
    git(repo, "checkout", "-q", "v1")  # back: both tracked again
    assert run_cli("checkout", "-f").code == 0
    git(repo, "checkout", "-q", "main")  # a checkout: now they go, but only what was recorded
    write(repo / "data/mine/notes.txt", "the user's own file")
    (repo / "data/part0/f0.bin").unlink()
    (repo / "data/part0/f0.bin").symlink_to("f3.bin")  # a link where a recorded file was
    result = run_cli("checkout")
    assert result.code == 0, result.err
    assert "warning: kept data: no longer tracked" in result.err
    left = sorted(str(p.relative_to(repo)) for p in (repo / "data").rglob("*"))
    assert left == ["data/mine", "data/mine/notes.txt", "data/part0", "data/part0/f0.bin"]
    assert (repo / "data/part0/f0.bin").is_symlink()


def test_outputs_still_declared_in_the_work_tree_stay(repo: Path) -> None:
    """issue 11 item 11: after a checkout, an output the previous commit tracked stays while
    the work tree still declares it: a stage out not yet in gitml.lock, or a lock entry with
    `cache: false`."""
    write(repo / "model.pkl", "m1")
    write(repo / "plain.txt", "p1")
    assert run_cli("add", "model.pkl", "plain.txt").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    git(repo, "tag", "v1")
    git(repo, "rm", "-q", "model.pkl.gitml", "plain.txt.gitml")
    git(repo, "commit", "-qm", "v2")
    git(repo, "checkout", "-q", "v1")
    assert run_cli("checkout").code == 0
    git(repo, "checkout", "-q", "main")
    pipeline = "stages:\n  train:\n    cmd: echo m1 > model.pkl\n    outs: [model.pkl]\n"
    write(repo / "gitml.yaml", pipeline)  # made by a stage now, not run yet
    lock = {"path": "plain.txt", "hash": "xxh3-128", "digest": hash_bytes(b"p1"), "size": 2}
    write(repo / "gitml.lock", yaml.safe_dump({"schema": "1.0", "stages": {
        "keep": {"cmd": "true", "outs": [{**lock, "cache": False}]}}}))  # fmt: skip
    result = run_cli("checkout")
    assert result.code == 0 and "removed" not in result.out, result.out
    assert (repo / "model.pkl").read_text() == "m1" and (repo / "plain.txt").read_text() == "p1"
