"""issue 17 items 1 and 4: `gitml import-dvc` converts REAL DVC 3.67.1 repositories in place.

Each kind of repository is built once per session by real DVC (tests/dvc_oracle.py) and
copied for every test: a data-only repo (a file with desc/type/labels/meta, a directory,
`.dvcignore`), a pipeline repo (vars, foreach, matrix, params, metrics, plots, artifacts, a
sub-pipeline), a repo with a local DVC remote, and a `dvc import` of a local DVC repo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import xxhash
import yaml

from tests.conftest import git, run_cli, snapshot, write
from tests.dvc_oracle import Oracle, make_oracle

BIG = os.urandom(3 * 1024 * 1024 + 7)  # > 1 MiB: the streaming path
GIT_ENV = {
    "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com",
}  # fmt: skip

PIPELINE = """\
# the team's pipeline: comments stay
vars:
  - base: data
stages:
  prep:
    foreach: [x, y]
    do:
      cmd: cat ${base}/a.csv > out-${item}.txt
      deps: ["${base}/a.csv"]
      outs: ["out-${item}.txt"]
  sweep:
    matrix:
      lr: [1, 2]
    cmd: echo ${item.lr} > sweep-${item.lr}.txt
    outs: ["sweep-${item.lr}.txt"]
  train:
    cmd:
      - cat out-x.txt > model.bin && echo trained >> model.bin
      - echo '{"acc":0.5}' > metrics.json && printf 'x,y\\n1,2\\n' > loss.csv
    deps: [out-x.txt, data/images]
    params: [lr, train.epochs]
    outs:
      - model.bin:
          desc: the model
    metrics:
      - metrics.json:
          cache: false
    plots:
      - loss.csv:
          cache: false
metrics: [metrics.json]
artifacts:
  model:
    path: model.bin
    type: model
"""
SUB = """\
stages:
  local:
    cmd: cat in.txt > sub-out.txt
    deps: [in.txt]
    outs: [sub-out.txt]
"""


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_NOSYSTEM": "1"}
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env
    )
    return proc.stdout


def _dvc(oracle: Oracle, cwd: Path, *args: str) -> None:
    proc = oracle.run(cwd, *args)
    assert proc.returncode == 0, f"dvc {' '.join(args)}: {proc.stderr}{proc.stdout}"


def _new_dvc_repo(oracle: Oracle, root: Path) -> Path:
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    _dvc(oracle, root, "init", "-q")
    return root


def _data(oracle: Oracle, root: Path) -> None:
    write(root / "data" / "a.csv", "x,y\n1,2\n")
    write(root / "data" / "images" / "1.png", b"\x89PNG one")
    write(root / "data" / "images" / "sub" / "2.png", b"\x89PNG two")
    write(root / "data" / "images" / "big.bin", BIG)
    write(root / "data" / "images" / "scratch.tmp", "ignored by .dvcignore")
    write(root / ".dvcignore", "# DVC leaves these out\n*.tmp\n")
    _dvc(oracle, root, "add", "-q", "data/a.csv", "data/images")
    pointer = root / "data" / "a.csv.dvc"
    doc = yaml.safe_load(pointer.read_text())
    doc["outs"][0].update(
        desc="the table", type="dataset", labels=["raw", "v1"], meta={"owner": "ana"}
    )
    pointer.write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.fixture(scope="session")
def dvc_oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    return make_oracle(tmp_path_factory)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory, dvc_oracle: Oracle) -> Path:
    """The DVC repositories, built once by DVC 3.67.1."""
    base = tmp_path_factory.mktemp("dvc-templates")
    data = _new_dvc_repo(dvc_oracle, base / "data")
    _data(dvc_oracle, data)
    _git(data, "add", "-A")
    _git(data, "commit", "-qm", "DVC data")
    _git(data, "tag", "-a", "model@v1.0.0", "-m", "GTO registration")
    _git(data, "update-ref", "refs/exps/ab/cdef/exp-1", "HEAD")

    pipe = _new_dvc_repo(dvc_oracle, base / "pipeline")
    _data(dvc_oracle, pipe)
    write(pipe / "params.yaml", "lr: 0.1\ntrain:\n  epochs: 3\n")
    write(pipe / "dvc.yaml", PIPELINE)
    write(pipe / "sub" / "dvc.yaml", SUB)
    write(pipe / "sub" / "in.txt", "sub input\n")
    _dvc(dvc_oracle, pipe, "repro")
    _dvc(dvc_oracle, pipe / "sub", "repro", "-q")
    _git(pipe, "add", "-A")
    _git(pipe, "commit", "-qm", "DVC pipeline")

    remote = _new_dvc_repo(dvc_oracle, base / "remote")
    _data(dvc_oracle, remote)
    store = base / "dvc-store"
    _dvc(dvc_oracle, remote, "remote", "add", "-d", "store", str(store))
    _dvc(dvc_oracle, remote, "push", "-q")
    with open(remote / ".dvc" / "config", "a") as f:  # an S3 remote with credentials
        f.write(
            "['remote \"s3r\"']\n    url = s3://bucket/prefix\n    region = eu-west-1\n"
            "    secret_access_key = SECRETKEY\n"
        )
    write(remote / ".dvc" / "config.local", "['remote \"s3r\"']\n    access_key_id = AKIDLOCAL\n")
    _git(remote, "add", "-A")
    _git(remote, "commit", "-qm", "DVC with a remote")

    consumer = _new_dvc_repo(dvc_oracle, base / "consumer")
    _dvc(dvc_oracle, consumer, "import", "-q", str(remote), "data/images", "-o", "images")
    _git(consumer, "add", "-A")
    _git(consumer, "commit", "-qm", "import")
    return base


@pytest.fixture
def make(
    templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], Path]:
    """A fresh copy of template `name`, as the current folder."""

    def copy(name: str) -> Path:
        root = tmp_path / name
        shutil.copytree(templates / name, root, symlinks=True)
        monkeypatch.chdir(root)
        return root

    return copy


def xxh(data: bytes) -> str:
    return xxhash.xxh3_128_hexdigest(data)


def refs(root: Path) -> str:
    return git(root, "for-each-ref", "--format=%(refname) %(objectname)")


def record(root: Path, out: str) -> None:
    """Run the `git` lines import-dvc printed, then commit: the tree must end clean."""
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("git "):
            subprocess.run(line, shell=True, cwd=root, check=True, env={**os.environ, **GIT_ENV})
    assert git(root, "status", "--porcelain") == ""


def test_data_repo_converts_in_place(make: Callable[[str], Path]) -> None:
    """issue 17 item 1: .dvc pointers (file, directory, desc/type/labels/meta) become gitml
    pointers with xxh3 digests of the data; DVC's files go; status clean; tags kept."""
    root = make("data")
    before_refs = refs(root)
    result = run_cli("import-dvc")
    assert result.code == 0, result.err
    assert not (root / ".dvc").exists() and not (root / "dvc.yaml").exists()
    assert not (root / "data" / "a.csv.dvc").exists() and not (root / ".dvcignore").exists()
    pointer = yaml.safe_load((root / "data" / "a.csv.gitml").read_text())
    out = pointer["outs"][0]
    assert out["digest"] == xxh(b"x,y\n1,2\n") and out["hash"] == "xxh3-128"
    assert (out["desc"], out["type"], out["labels"], out["meta"]) == (
        "the table", "dataset", ["raw", "v1"], {"owner": "ana"},
    )  # fmt: skip
    images = yaml.safe_load((root / "data" / "images.gitml").read_text())["outs"][0]
    assert images["nfiles"] == 3 and images["digest"].endswith(".dir")
    assert (root / ".gitmlignore").read_text().endswith("*.tmp\n")
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."
    assert refs(root) == before_refs  # GTO tags and refs/exps untouched
    assert "git rm -r -q --cached" in result.out and "git add" in result.out
    record(root, result.out)
    assert "model@v1.0.0" in git(root, "tag")


def test_checkout_gives_the_same_bytes(make: Callable[[str], Path]) -> None:
    """issue 17 item 1: after the conversion `gitml checkout` restores the very bytes."""
    root = make("data")
    assert run_cli("import-dvc").code == 0
    shutil.rmtree(root / "data" / "images")
    (root / "data" / "a.csv").unlink()
    assert run_cli("checkout").code == 0
    assert (root / "data" / "images" / "big.bin").read_bytes() == BIG
    assert (root / "data" / "images" / "sub" / "2.png").read_bytes() == b"\x89PNG two"
    assert (root / "data" / "a.csv").read_bytes() == b"x,y\n1,2\n"
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."


def test_second_run_changes_nothing(make: Callable[[str], Path]) -> None:
    """issue 17 item 1: a second run says "nothing to convert", exit 0, nothing changed."""
    root = make("data")
    first = run_cli("import-dvc")
    assert first.code == 0
    record(root, first.out)
    before = snapshot(root)
    again = run_cli("import-dvc")
    assert again.code == 0 and "nothing to convert" in again.out
    assert snapshot(root) == before


def test_pipeline_repo_repro_has_nothing_to_do(make: Callable[[str], Path]) -> None:
    """issue 17 item 1: dvc.yaml -> gitml.yaml word for word (vars, foreach, matrix,
    artifacts, comments); dvc.lock -> gitml.lock re-hashed, params copied; sub-pipelines."""
    root = make("pipeline")
    result = run_cli("import-dvc")
    assert result.code == 0, result.err
    assert (root / "gitml.yaml").read_text() == PIPELINE
    assert (root / "sub" / "gitml.yaml").read_text() == SUB
    lock = yaml.safe_load((root / "gitml.lock").read_text())["stages"]
    assert set(lock) == {"prep@x", "prep@y", "sweep@1", "sweep@2", "train"}
    assert lock["train"]["params"] == {"params.yaml": {"lr": 0.1, "train.epochs": 3}}
    outs = {o["path"]: o for o in lock["train"]["outs"]}
    assert outs["model.bin"]["digest"] == xxh((root / "model.bin").read_bytes())
    assert outs["metrics.json"]["cache"] is False
    sub = yaml.safe_load((root / "sub" / "gitml.lock").read_text())["stages"]
    assert sub["local"]["outs"][0]["path"] == "sub-out.txt"
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."
    repro = run_cli("repro")
    assert repro.code == 0 and "Running" not in repro.out + repro.err
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."
    record(root, result.out)


def test_push_then_pull_in_a_fresh_clone(
    make: Callable[[str], Path], templates: Path, tmp_path: Path
) -> None:
    """issue 17 item 1: DVC's default remote converts; --push uploads the converted objects;
    `gitml pull` in a fresh clone gives the bytes."""
    root = make("remote")
    store = tmp_path / "store"
    shutil.copytree(templates / "dvc-store", store)  # DVC's objects: gitml's go beside them
    config = root / ".dvc" / "config"
    config.write_text(config.read_text().replace(str(templates / "dvc-store"), str(store)))
    git(root, "commit", "-qam", "this test's copy of the remote")
    result = run_cli("import-dvc", "--push")
    assert result.code == 0, result.err
    assert "pushed" in result.out
    record(root, result.out)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(root), str(clone))
    os.chdir(clone)
    pulled = run_cli("pull")
    assert pulled.code == 0, pulled.err
    assert (clone / "data" / "images" / "big.bin").read_bytes() == BIG
    assert (clone / "data" / "a.csv").read_bytes() == b"x,y\n1,2\n"


def test_secrets_go_to_the_local_config(make: Callable[[str], Path]) -> None:
    """issue 17 item 1: remotes convert; credentials, wherever DVC had them, land only in
    the untracked .gitml/config.local.yaml."""
    root = make("remote")
    result = run_cli("import-dvc")
    assert result.code == 0, result.err
    shared = yaml.safe_load((root / ".gitml" / "config.yaml").read_text())
    local = yaml.safe_load((root / ".gitml" / "config.local.yaml").read_text())
    assert shared["core"]["remote"] == "store"
    assert shared["remotes"]["s3r"] == {"url": "s3://bucket/prefix", "region": "eu-west-1"}
    assert local["remotes"]["s3r"] == {
        "secret_access_key": "SECRETKEY", "access_key_id": "AKIDLOCAL",
    }  # fmt: skip
    assert "SECRET" not in (root / ".gitml" / "config.yaml").read_text()
    assert "config.local.yaml" not in result.out.split("git add", 1)[1]
    assert oct((root / ".gitml" / "config.local.yaml").stat().st_mode & 0o777) == "0o600"


def test_dvc_import_becomes_a_gitml_import(make: Callable[[str], Path], templates: Path) -> None:
    """issue 17 item 1: a `dvc import` .dvc file converts to gitml's import pointer
    (deps: [{path, repo: {url, rev_lock}}], frozen), its out re-hashed."""
    root = make("consumer")
    dvcfile = yaml.safe_load((root / "images.dvc").read_text())
    result = run_cli("import-dvc")
    assert result.code == 0, result.err
    pointer = yaml.safe_load((root / "images.gitml").read_text())
    assert pointer["frozen"] is True
    assert pointer["deps"] == [
        {"path": "data/images", "repo": {"url": str(templates / "remote"),
                                         "rev_lock": dvcfile["deps"][0]["repo"]["rev_lock"]}}
    ]  # fmt: skip
    assert pointer["outs"][0]["nfiles"] == 3
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."


def test_rollback_after_a_corrupt_cache_object(make: Callable[[str], Path]) -> None:
    """issue 17 item 1: a stage out whose DVC cache object is corrupt and whose workspace
    copy is gone stops the conversion after pointers and pipelines were written and DVC's
    other cache objects were moved into gitml's cache: every file is restored, DVC's cache
    objects included, and gitml leaves nothing behind."""
    root = make("pipeline")
    model = (root / "model.bin").read_bytes()
    import hashlib

    md5 = hashlib.md5(model).hexdigest()
    obj = root / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"rotten")
    (root / "model.bin").unlink()  # ignored by Git: the tree stays clean
    before = snapshot(root)
    result = run_cli("import-dvc")
    assert result.code == 2
    assert result.err.count("\n") == 1 and "model.bin" in result.err
    assert "md5 DVC recorded" in result.err
    assert snapshot(root) == before
    assert not (root / ".gitml").exists()
    assert git(root, "status", "--porcelain") == ""


def test_dvc2_md5_dos2unix_is_rehashed_with_a_note(make: Callable[[str], Path]) -> None:
    """issue 17 item 1 (bad input): a DVC 2 .dvc file (no `hash: md5`: md5-dos2unix over a
    CRLF text file) converts by re-hashing the data, checked against DVC 2's digest, and
    says so (not an error)."""
    import hashlib

    root = make("data")
    text = b"a,b\r\n1,2\r\n"
    write(root / "old.csv", text)
    legacy = hashlib.md5(text.replace(b"\r\n", b"\n")).hexdigest()
    write(root / "old.csv.dvc", f"outs:\n- md5: {legacy}\n  size: {len(text)}\n  path: old.csv\n")
    with open(root / ".gitignore", "a") as f:
        f.write("/old.csv\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "a DVC 2 pointer")
    result = run_cli("import-dvc")
    assert result.code == 0, result.err
    assert "md5-dos2unix" in result.err and result.err.startswith("note: ")
    pointer = yaml.safe_load((root / "old.csv.gitml").read_text())
    assert pointer["outs"][0]["digest"] == xxh(text)
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."


def test_not_a_dvc_repo(gitrepo: Path) -> None:
    """issue 17 item 1 (bad input): a Git repository without .dvc/: one line, exit 2."""
    write(gitrepo / "f.txt", "x")
    before = snapshot(gitrepo)
    result = run_cli("import-dvc")
    assert result.code == 2 and "is not a DVC repository" in result.err
    assert result.err.count("\n") == 1 and snapshot(gitrepo) == before


def test_dirty_tree_is_refused(make: Callable[[str], Path]) -> None:
    """issue 17 item 1 (bad input): uncommitted changes: one line, exit 2, nothing changed."""
    root = make("data")
    write(root / "notes.txt", "not committed")
    before = snapshot(root)
    result = run_cli("import-dvc")
    assert result.code == 2 and "uncommitted changes: notes.txt" in result.err
    assert result.err.count("\n") == 1 and snapshot(root) == before


def test_remote_whose_fsspec_package_is_missing(make: Callable[[str], Path]) -> None:
    """issue 17 item 1 (bad input): a `gs://` remote without gcsfs: one line, exit 2."""
    root = make("data")
    with open(root / ".dvc" / "config", "a") as f:
        f.write("['remote \"gcs\"']\n    url = gs://bucket/path\n")
    git(root, "commit", "-qam", "a GCS remote")
    before = snapshot(root)
    result = run_cli("import-dvc")
    assert result.code == 2 and "remote 'gcs'" in result.err and "gcsfs" in result.err
    assert result.err.count("\n") == 1 and snapshot(root) == before


def test_symlinks_into_dvc_cache_become_copies(
    make: Callable[[str], Path], dvc_oracle: Oracle
) -> None:
    """issue 17 item 1: with DVC's `cache.type symlink` the workspace links into .dvc/cache,
    which the conversion removes: the links become copies of the same bytes, status clean."""
    root = make("data")
    _dvc(dvc_oracle, root, "config", "cache.type", "symlink")
    _dvc(dvc_oracle, root, "checkout", "-q", "--relink")
    assert (root / "data" / "images" / "big.bin").is_symlink()
    git(root, "commit", "-qam", "symlinks")
    result = run_cli("import-dvc")
    assert result.code == 0, result.err
    assert "links into DVC's cache replaced by copies" in result.err
    big = root / "data" / "images" / "big.bin"
    assert not big.is_symlink() and big.read_bytes() == BIG
    assert not (root / "data" / "a.csv").is_symlink()
    assert yaml.safe_load((root / ".gitml" / "config.yaml").read_text())["cache"] == {
        "type": "symlink"
    }
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."


def test_state_database_learns_the_workspace_digests(make: Callable[[str], Path]) -> None:
    """issue 17 item 5: files read from the workspace (here: DVC's cache was emptied, as
    after `dvc gc`) are remembered by stat, so the first `gitml status` hashes nothing."""
    from gitml.statcache import StatCache, stat_key

    root = make("data")
    shutil.rmtree(root / ".dvc" / "cache")
    assert run_cli("import-dvc").code == 0
    files = [p for p in (root / "data").rglob("*") if p.is_file() and p.suffix != ".gitml"]
    files = [p for p in files if p.name not in (".gitignore", "scratch.tmp")]
    state = StatCache(str(root / ".gitml" / "tmp" / "state.db"))
    known = state.get_many(stat_key(p.stat()) for p in files)
    assert {known.get(stat_key(p.stat())) for p in files} == {xxh(p.read_bytes()) for p in files}
    state.close()


def test_password_in_a_remote_url_stays_local(make: Callable[[str], Path]) -> None:
    """issue 17 item 1: a remote URL carrying a password goes to the local config only."""
    root = make("data")
    with open(root / ".dvc" / "config", "a") as f:
        f.write("['remote \"web\"']\n    url = s3://user:hunter2@bucket/path\n")
    git(root, "commit", "-qam", "a remote with a password")
    result = run_cli("import-dvc")
    assert result.code == 0, result.err
    assert "hunter2" not in (root / ".gitml" / "config.yaml").read_text()
    assert "hunter2" in (root / ".gitml" / "config.local.yaml").read_text()


def test_dvc_cache_objects_are_moved_not_copied(make: Callable[[str], Path]) -> None:
    """issue 17 item 5: DVC's own cache (inside .dvc/, removed anyway) hands its checked
    objects to gitml's cache by rename: the same inode, no second copy of the data."""
    import hashlib

    root = make("data")
    md5 = hashlib.md5(BIG).hexdigest()
    inode = (root / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]).stat().st_ino
    assert run_cli("import-dvc").code == 0
    oid = xxh(BIG)
    obj = root / ".gitml" / "cache" / "xxh3" / oid[:2] / oid[2:]
    assert obj.stat().st_ino == inode and obj.read_bytes() == BIG
    assert run_cli("checkout").code == 0
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."


def test_dvc2_lock_entries_are_rehashed_with_a_note(make: Callable[[str], Path]) -> None:
    """issue 17 item 1 (bad input): a DVC 2 dvc.lock (entries without `hash: md5`) converts
    by re-hashing the data, with a note; repro then has nothing to do."""
    root = make("pipeline")
    lock = root / "dvc.lock"
    lines = lock.read_text().splitlines(True)
    lock.write_text("".join(ln for ln in lines if "hash: md5" not in ln))
    git(root, "commit", "-qam", "a DVC 2 lock")
    result = run_cli("import-dvc")
    assert result.code == 0, result.err
    assert "note: DVC 2 digests (md5-dos2unix" in result.err
    train = yaml.safe_load((root / "gitml.lock").read_text())["stages"]["train"]
    assert {o["path"]: o["digest"] for o in train["outs"]}["model.bin"] == xxh(
        (root / "model.bin").read_bytes()
    )
    assert "Running" not in run_cli("repro").out
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."
