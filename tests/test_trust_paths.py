"""Issue 10 items 1-3: paths into .git/.gitml, symlinks in tracked folders, params/metrics links.

The attacks are played end to end: an attacker's repository (and the objects it pushed to a
shared local-folder remote) is cloned with `git clone`, and the victim runs `gitml pull`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import chdir, git, run_cli, snapshot, write

from gitml.hashing import hash_bytes
from gitml.odb import ObjectStore

SECRET = "SECRET-TOKEN-8c1e55"


def _dir_snapshot(root: Path) -> dict[str, bytes]:
    """Every file below `root` (a .git folder too) with its bytes; links as their target."""
    out: dict[str, bytes] = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            out[rel] = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
    return out


def _workspace(root: Path) -> dict[str, bytes]:
    """`snapshot` without the cache (a fetched manifest may land there; it is never used)."""
    return {k: v for k, v in snapshot(root).items() if not k.startswith(".gitml/cache/")}


def _attacker(tmp_path: Path) -> tuple[Path, Path]:
    """An attacker's gitml repository with a local-folder default remote; (repo, store)."""
    repo = tmp_path / "attacker"
    store = tmp_path / "store"
    repo.mkdir()
    git(repo, "init", "-q")
    with chdir(repo):
        assert run_cli("init").code == 0
        assert run_cli("remote", "add", "-d", "store", str(store)).code == 0
        write(repo / "honest.csv", "a,b\n1,2\n")
        assert run_cli("add", "honest.csv").code == 0
        assert run_cli("push").code == 0
    return repo, store


def _plant(store: Path, data: bytes, *, is_dir: bool = False) -> str:
    """Put an object on the remote as an old gitml (or anyone with write access) could."""
    oid = hash_bytes(data) + (".dir" if is_dir else "")
    ObjectStore(str(store)).add_bytes(oid, data)
    return oid


def _pointer(path: str, oid: str, size: int, nfiles: int | None = None) -> str:
    extra = f"  nfiles: {nfiles}\n" if nfiles is not None else ""
    return f"outs:\n- path: {path}\n  hash: xxh3-128\n  digest: {oid}\n  size: {size}\n{extra}"


def _lock(path: str, oid: str, size: int) -> str:
    return (
        "schema: '1.0'\nstages:\n  build:\n    cmd: echo hi\n    outs:\n"
        f"    - path: {path}\n      hash: xxh3-128\n      digest: {oid}\n      size: {size}\n"
    )


def _victim_pulls(tmp_path: Path, attacker: Path) -> tuple[Path, int, str]:
    """`git clone` the attacker's repository, `gitml pull` in it; (clone, exit code, stderr).
    Asserts nothing under the clone's .git changed and no config.local.yaml appeared."""
    git(attacker, "add", "-A")
    git(attacker, "commit", "-qm", "innocent looking change")
    clone = tmp_path / "victim"
    git(tmp_path, "clone", "-q", str(attacker), str(clone))
    before_git = _dir_snapshot(clone / ".git")
    before = _workspace(clone)
    with chdir(clone):
        result = run_cli("pull")
    assert _dir_snapshot(clone / ".git") == before_git
    assert not (clone / ".gitml" / "config.local.yaml").exists()
    assert _workspace(clone) == before
    assert result.err.count("\n") == 1, result.err
    return clone, result.code, result.err


def test_pointer_out_into_git_is_refused_at_pull(tmp_path: Path) -> None:
    """issue 10 item 1: a pointer out `.git/commondir` (git status would run an fsmonitor)."""
    attacker, store = _attacker(tmp_path)
    payload = b"../evilgit\n"
    oid = _plant(store, payload)
    write(attacker / "evil.gitml", _pointer(".git/commondir", oid, len(payload)))
    _clone, code, err = _victim_pulls(tmp_path, attacker)
    assert code == 2 and ".git" in err


@pytest.mark.parametrize(
    "out", [".git/info/attributes", ".gitml/config.local.yaml", "sub/.GIT/config"]
)
def test_lock_out_into_git_or_gitml_is_refused_at_pull(tmp_path: Path, out: str) -> None:
    """issue 10 item 1: gitml.lock outs were not checked for .git/.gitml at all."""
    attacker, store = _attacker(tmp_path)
    payload = b"* filter=evil\n"
    oid = _plant(store, payload)
    write(attacker / "gitml.lock", _lock(out, oid, len(payload)))
    _clone, code, err = _victim_pulls(tmp_path, attacker)
    assert code == 2 and "gitml.lock" in err


def test_manifest_entry_into_git_is_refused_at_pull(tmp_path: Path) -> None:
    """issue 10 item 1: a directory manifest entry `.git/config` inside a tracked folder."""
    attacker, store = _attacker(tmp_path)
    payload = b'[core]\n\tfsmonitor = "touch pwned"\n'
    file_oid = _plant(store, payload)
    manifest = json.dumps(
        [{"digest": file_oid, "path": ".git/config", "size": len(payload)}],
        separators=(",", ":"),
    ).encode()
    dir_oid = _plant(store, manifest, is_dir=True)
    write(attacker / "data.gitml", _pointer("data", dir_oid, len(payload), nfiles=1))
    clone, code, err = _victim_pulls(tmp_path, attacker)
    assert code == 2 and ".git" in err
    assert not (clone / "data").exists()


def test_out_through_git_tracked_symlink_to_git_is_refused_at_pull(tmp_path: Path) -> None:
    """issue 10 item 1: `lnk -> .git` committed to Git, plus an out `lnk/info/attributes`."""
    attacker, store = _attacker(tmp_path)
    payload = b"* filter=evil\n"
    oid = _plant(store, payload)
    os.symlink(".git", attacker / "lnk")
    write(attacker / "evil.gitml", _pointer("lnk/info/attributes", oid, len(payload)))
    clone, code, err = _victim_pulls(tmp_path, attacker)
    assert code == 2 and "lnk" in err
    assert not (clone / ".git" / "info" / "attributes").exists()


def test_lock_out_through_git_tracked_symlink_is_refused_at_pull(tmp_path: Path) -> None:
    """issue 10 item 1: the same route through gitml.lock, to a folder of the repository:
    the write-time check refuses any folder that resolves through a symlink."""
    attacker, store = _attacker(tmp_path)
    payload = b"x\n"
    oid = _plant(store, payload)
    write(attacker / "real" / "keep.txt", "keep\n")
    os.symlink("real", attacker / "lnk")
    write(attacker / "gitml.lock", _lock("lnk/new.txt", oid, len(payload)))
    clone, code, err = _victim_pulls(tmp_path, attacker)
    assert code == 2 and "symlink" in err
    assert not (clone / "real" / "new.txt").exists()


@pytest.mark.parametrize("out", [".GIT/config", ".Gitml/x", "a/.git./hooks/pre-commit"])
def test_case_variants_of_git_folders_are_refused(tmp_path: Path, out: str) -> None:
    """issue 10 item 1: `.GIT` is `.git` on macOS and Windows file systems."""
    attacker, store = _attacker(tmp_path)
    payload = b"x\n"
    oid = _plant(store, payload)
    write(attacker / "evil.gitml", _pointer(out, oid, len(payload)))
    clone, code, _err = _victim_pulls(tmp_path, attacker)
    assert code == 2
    assert not (clone / out.split("/")[0]).exists()


def test_run_record_with_out_into_gitml_is_refused(repo: Path) -> None:
    """issue 10 item 1: run records (pulled from a remote) are lock documents: same rule."""
    from gitml.errors import UnsafePathError
    from gitml.pipeline.runcache import parse_record

    raw = _lock(".gitml/config.local.yaml", "'" + "0" * 32 + "'", 1).encode()
    with pytest.raises(UnsafePathError, match=r"\.git"):
        parse_record(raw, "0" * 32)


# ---- item 2: symlinks inside tracked folders ---------------------------------------------


def test_link_to_gitml_inside_tracked_folder_is_refused_at_add(repo: Path) -> None:
    """issue 10 item 2: `ln -s ../.gitml data/meta; gitml add data` would push secrets."""
    write(repo / ".gitml" / "config.local.yaml", f"core: {{remote: {SECRET}}}\n")
    write(repo / "data" / "a.txt", "a\n")
    os.symlink("../.gitml", repo / "data" / "meta")
    before = snapshot(repo)
    result = run_cli("add", "data")
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and "data/meta" in result.err
    assert SECRET not in result.out + result.err
    assert snapshot(repo) == before


def test_link_to_a_file_in_git_is_refused_at_add(repo: Path) -> None:
    """issue 10 item 2: a link into .git (here its config) is never followed."""
    write(repo / "data" / "a.txt", "a\n")
    os.symlink("../.git/config", repo / "data" / "cfg")
    before = snapshot(repo)
    result = run_cli("add", "data")
    assert result.code == 2 and "data/cfg" in result.err
    assert snapshot(repo) == before


@pytest.mark.parametrize("target", [".", "..", "../data", "loop"])
def test_symlink_loop_is_refused_with_one_line(repo: Path, target: str) -> None:
    """issue 10 item 2: a loop used to walk 40 levels, then fail 'unexpected OSError ELOOP'."""
    write(repo / "data" / "a.txt", "a\n")
    os.symlink(target, repo / "data" / "loop")
    before = snapshot(repo)
    result = run_cli("add", "data")
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and "loop" in result.err, result.err
    assert "unexpected" not in result.err
    assert snapshot(repo) == before


def test_top_level_link_to_gitml_is_refused(repo: Path) -> None:
    """issue 10 item 2: `gitml add lnk` where lnk -> .gitml (or into it)."""
    os.symlink(".gitml", repo / "lnk")
    os.symlink(".gitml/config.yaml", repo / "cfg")
    before = snapshot(repo)
    for name in ("lnk", "cfg"):
        result = run_cli("add", name)
        assert result.code == 2 and ".gitml" in result.err, result
    assert snapshot(repo) == before


def test_add_through_a_symlinked_folder_is_refused(repo: Path) -> None:
    """issue 10 item 1/2: the pointer would be written through the link (here into .git)."""
    write(repo / "real" / "f.txt", "f\n")
    os.symlink("real", repo / "lnk")
    before = snapshot(repo)
    result = run_cli("add", "lnk/f.txt")
    assert result.code == 2 and "symlink" in result.err
    assert snapshot(repo) == before


def test_link_inside_repository_to_a_normal_folder_is_followed(repo: Path) -> None:
    """issue 10 item 2: the rule keeps DVC's behaviour for links that stay in the repository:
    the target's files are stored (as regular files) under the link's name."""
    write(repo / "shared" / "s.txt", "shared\n")
    write(repo / "data" / "a.txt", "a\n")
    os.symlink("../shared", repo / "data" / "common")
    os.symlink("../shared/s.txt", repo / "data" / "s-link.txt")
    result = run_cli("add", "data")
    assert result.code == 0, result
    digest = (repo / "data.gitml").read_text().split("digest: ")[1].split()[0]
    store = ObjectStore(str(repo / ".gitml" / "cache"))
    paths = {e.path for e in store.read_tree(digest, where="test")}
    assert paths == {"a.txt", "common/s.txt", "s-link.txt"}
    assert run_cli("status", "--check").code == 0


# ---- item 3: params, metrics and plots files that are symlinks -----------------------------

_PIPELINE = """\
stages:
  train:
    cmd: echo train
    params: [lr]
    metrics: [{metrics.json: {cache: false}}]
"""


@pytest.fixture
def ml_repo(repo: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A repository with params and metrics committed; (repo, outside secret yaml, json)."""
    write(repo / "gitml.yaml", _PIPELINE)
    write(repo / "params.yaml", "lr: 0.1\n")
    write(repo / "metrics.json", '{"acc": 0.5}\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pipeline")
    outside = tmp_path / "outside"
    secret_yaml = write(outside / "config", f"lr: 0.2\ntoken: {SECRET}\n")
    secret_json = write(outside / "m.json", json.dumps({"acc": 0.9, "token": SECRET}))
    return repo, secret_yaml, secret_json


# (file, command) pairs where the command reads that file: in the workspace, and at HEAD
_WORKSPACE_READS = [
    ("params.yaml", ("report", "--md")),
    ("params.yaml", ("params", "diff")),
    ("params.yaml", ("metrics", "show")),
    ("params.yaml", ("status",)),
    ("metrics.json", ("report", "--md")),
    ("metrics.json", ("metrics", "show")),
    ("metrics.json", ("metrics", "diff")),
]
_REVISION_READS = [
    ("params.yaml", ("report", "--md")),
    ("params.yaml", ("params", "diff")),
    ("metrics.json", ("report", "--md")),
    ("metrics.json", ("metrics", "show", "HEAD")),
    ("metrics.json", ("metrics", "diff")),
]


def _link(path: Path, target: Path | str) -> None:
    path.unlink()
    os.symlink(target, path)


@pytest.mark.parametrize(("which", "args"), _WORKSPACE_READS, ids=str)
def test_workspace_link_leading_outside_is_refused(
    ml_repo: tuple[Path, Path, Path], which: str, args: tuple[str, ...]
) -> None:
    """issue 10 item 3: `params.yaml -> ~/.kube/config` printed the token in `report --md`."""
    repo, secret_yaml, secret_json = ml_repo
    _link(repo / which, secret_yaml if which == "params.yaml" else secret_json)
    result = run_cli(*args)
    assert result.code == 2, result
    assert SECRET not in result.out + result.err
    assert which in result.err and result.err.count("\n") == 1


@pytest.mark.parametrize(("which", "args"), _REVISION_READS, ids=str)
def test_committed_link_is_never_read_as_content(
    ml_repo: tuple[Path, Path, Path], which: str, args: tuple[str, ...]
) -> None:
    """issue 10 item 3: at a revision a symlink (mode 120000) blob is the link's target; it
    is neither parsed as the file nor followed out of the revision's tree."""
    repo, secret_yaml, secret_json = ml_repo
    original = (repo / which).read_bytes()
    _link(repo / which, secret_yaml if which == "params.yaml" else secret_json)
    git(repo, "add", which)
    git(repo, "commit", "-qm", "link")
    (repo / which).unlink()
    (repo / which).write_bytes(original)  # the workspace is clean; HEAD holds the link
    result = run_cli(*args)
    assert result.code == 2, result
    assert SECRET not in result.out + result.err
    assert "symlink" in result.err and result.err.count("\n") == 1


def test_committed_link_inside_the_tree_is_followed_there(ml_repo: tuple[Path, Path, Path]) -> None:
    """issue 10 item 3: a link to another file of the same revision is read from that tree."""
    repo, _, _ = ml_repo
    write(repo / "conf" / "params.yaml", "lr: 0.3\n")
    _link(repo / "params.yaml", "conf/params.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "params in conf/")
    result = run_cli("params", "diff", "HEAD~1", "HEAD", "--json")
    assert result.code == 0, result
    assert "0.3" in result.out and "0.1" in result.out


def test_plots_file_linking_outside_is_refused(ml_repo: tuple[Path, Path, Path]) -> None:
    """issue 10 item 3: plots are read through the same reader."""
    repo, secret_yaml, _ = ml_repo
    rows = write(secret_yaml.parent / "rows.json", json.dumps([{"a": 1, "b": 2, SECRET: 3}]))
    write(repo / "gitml.yaml", _PIPELINE + "    plots: [{plot.json: {x: a, y: b}}]\n")
    os.symlink(rows, repo / "plot.json")
    out = repo.parent / "plots-out"
    result = run_cli("plots", "diff", "-o", str(out))
    assert result.code == 2, result
    assert SECRET not in result.out + result.err
    assert "plot.json" in result.err and result.err.count("\n") == 1
    assert not out.exists() or SECRET not in str(_dir_snapshot(out))
