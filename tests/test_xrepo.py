"""issue 17 item 2: data shared between repositories (`gitml get`, `import`, `update`, `ls`).

A source gitml repository with a local remote (a file, a folder, a stage out) and a
consumer repository; the real CLI, real Git, real remotes (a folder, and moto's S3 server).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENTRY, Result, chdir, git, run_cli, snapshot, write
from s3server import new_bucket

STAGE = (
    "stages:\n  make:\n    cmd: python -c \"open('model.bin','w').write('model-1')\"\n"
    "    outs: [model.bin]\n"
)


def make_source(root: Path, *, remote: str | None = "../store") -> Path:
    """A committed gitml repository: a.txt and folder d tracked by pointers, model.bin a stage
    out, README.md in Git; its data pushed to its default remote (`remote`, relative)."""
    root.mkdir()
    git(root, "init", "-q")
    with chdir(root):
        assert run_cli("init").code == 0
        if remote is not None:
            assert run_cli("remote", "add", "-d", "store", remote).code == 0
        write(root / "a.txt", "hello\n")
        write(root / "d" / "x.csv", "1,2\n")
        write(root / "d" / "sub" / "y.csv", "3,4\n")
        write(root / "gitml.yaml", STAGE)
        write(root / "README.md", "the source\n")
        assert run_cli("add", "a.txt", "d").code == 0
        assert run_cli("repro").code == 0
        if remote is not None:
            assert run_cli("push").code == 0, "push"
    git(root, "add", "-A")
    git(root, "commit", "-qm", "source data")
    return root


def commit_new_a(src: Path, text: str) -> str:
    with chdir(src):
        write(src / "a.txt", text)
        assert run_cli("add", "a.txt").code == 0
        assert run_cli("push").code == 0
    git(src, "commit", "-qam", "new a")
    return git(src, "rev-parse", "HEAD").strip()


@pytest.fixture
def src(tmp_path: Path) -> Path:
    return make_source(tmp_path / "src")


def pointer(path: Path) -> dict[str, object]:
    import yaml

    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def bad(repo: Path, *args: str, code: int = 2) -> Result:
    """The command fails with one line on stderr and the exit code; nothing is written."""
    before = snapshot(repo)
    result = run_cli(*args)
    assert result.code == code, result
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert snapshot(repo) == before
    return result


def both_paths(*args: str) -> Result:
    """`args` through the full click CLI and through the quick entry: the same output."""
    results = []
    for path in ("cli", "entry"):
        ENTRY[0] = path
        try:
            results.append(run_cli(*args))
        finally:
            ENTRY[0] = "cli"
    assert results[0] == results[1]
    return results[0]


def test_import_a_file_a_folder_and_a_stage_out(repo: Path, src: Path) -> None:
    """issue 17 item 2: import writes the data and a frozen pointer with deps/repo."""
    sha = git(src, "rev-parse", "HEAD").strip()
    for path, extra in (("a.txt", []), ("d", ["-o", "data/"]), ("model.bin", [])):
        (repo / "data").mkdir(exist_ok=True)
        result = run_cli("import", str(src), path, *extra)
        assert result.code == 0, result
    assert (repo / "a.txt").read_text() == "hello\n"
    assert (repo / "data" / "d" / "sub" / "y.csv").read_text() == "3,4\n"
    assert (repo / "model.bin").read_text() == "model-1"
    data = pointer(repo / "a.txt.gitml")
    assert data["frozen"] is True
    assert data["deps"] == [{"path": "a.txt", "repo": {"url": str(src), "rev_lock": sha}}]
    assert pointer(repo / "data" / "d.gitml")["deps"][0]["path"] == "d"  # type: ignore[index]
    assert "/a.txt" in (repo / ".gitignore").read_text().splitlines()
    assert "/d" in (repo / "data" / ".gitignore").read_text().splitlines()
    assert both_paths("status").out == "Data and pipelines are up to date.\n"
    git(repo, "add", "-A")
    assert "a.txt" not in git(repo, "ls-files").split()
    # the mirror lives under .gitml/tmp/repos
    assert any((repo / ".gitml" / "tmp" / "repos").iterdir())


def test_import_a_file_in_git_and_with_rev(repo: Path, src: Path) -> None:
    """issue 17 item 2: a file Git holds can be imported; --rev is recorded."""
    git(src, "tag", "v1")
    commit_new_a(src, "two\n")
    assert run_cli("import", str(src), "README.md", "-o", "readme.txt").code == 0
    assert (repo / "readme.txt").read_text() == "the source\n"
    result = run_cli("import", str(src), "a.txt", "--rev", "v1")
    assert result.code == 0, result
    assert (repo / "a.txt").read_text() == "hello\n"
    assert pointer(repo / "a.txt.gitml")["deps"][0]["repo"]["rev"] == "v1"  # type: ignore[index]


def test_get_downloads_without_a_pointer(repo: Path, src: Path, tmp_path: Path) -> None:
    """issue 17 item 2: get writes the data only, inside a gitml repository or outside."""
    assert run_cli("get", str(src), "d").code == 0
    assert (repo / "d" / "x.csv").read_text() == "1,2\n"
    assert not (repo / "d.gitml").exists()
    assert "d" not in (repo / ".gitignore").read_text() if (repo / ".gitignore").exists() else True
    plain = tmp_path / "plain"
    plain.mkdir()
    with chdir(plain):
        assert run_cli("get", str(src), "a.txt", "-o", "copy.txt").code == 0
        assert run_cli("get", str(src), "README.md").code == 0
        assert run_cli("get", str(src), "model.bin").code == 0
        assert run_cli("get", str(src), "d").code == 0
    assert sorted(os.listdir(plain)) == ["README.md", "copy.txt", "d", "model.bin"]
    assert (plain / "d" / "sub" / "y.csv").read_text() == "3,4\n"
    assert (plain / "copy.txt").read_text() == "hello\n"
    # OUT exists: refused without --force, replaced with it
    bad(plain, "get", str(src), "a.txt", "-o", str(plain / "copy.txt"))
    write(plain / "copy.txt", "old")
    with chdir(plain):
        assert run_cli("get", str(src), "README.md", "-o", "copy.txt", "--force").code == 0
    assert (plain / "copy.txt").read_text() == "the source\n"


def test_ls_marks_git_files_and_outputs(repo: Path, src: Path) -> None:
    """issue 17 item 2: ls lists Git files and gitml outputs, marked as such."""
    result = run_cli("ls", str(src), "--json")
    assert result.code == 0, result
    entries = {e["path"]: e for e in json.loads(result.out)}
    assert entries["a.txt"]["isout"] and not entries["a.txt"]["isdir"]
    assert entries["d"]["isout"] and entries["d"]["isdir"]
    assert entries["model.bin"]["isout"]
    assert not entries["README.md"]["isout"] and not entries["a.txt.gitml"]["isout"]
    assert entries["README.md"]["size"] == len("the source\n") and entries["a.txt"]["size"] == 6
    assert ".gitml" not in entries
    text = run_cli("ls", str(src)).out.splitlines()
    assert "a.txt  [gitml]" in text and "README.md" in text and "d/  [gitml]" in text
    inside = json.loads(run_cli("ls", str(src), "d", "--json").out)
    assert [(e["path"], e["isdir"]) for e in inside] == [("sub", True), ("x.csv", False)]
    deep = json.loads(run_cli("ls", str(src), "d", "-R", "--json").out)
    assert [e["path"] for e in deep] == ["sub/y.csv", "x.csv"]
    below = json.loads(run_cli("ls", str(src), "d/sub", "--json").out)
    assert [(e["path"], e["isout"]) for e in below] == [("y.csv", True)]
    every = [e["path"] for e in json.loads(run_cli("ls", str(src), "-R", "--json").out)]
    assert {"d/sub/y.csv", "d/x.csv", "a.txt", "README.md", "model.bin"} <= set(every)
    assert not any(p.startswith(".gitml/") for p in every)


def test_a_path_inside_a_tracked_folder(repo: Path, src: Path, tmp_path: Path) -> None:
    """issue 17 item 2: a file or folder inside a tracked folder, as DVC allows."""
    result = run_cli("import", str(src), "d/sub")
    assert result.code == 0, result
    assert (repo / "sub" / "y.csv").read_text() == "3,4\n"
    assert pointer(repo / "sub.gitml")["deps"][0]["path"] == "d/sub"  # type: ignore[index]
    assert run_cli("import", str(src), "d/x.csv").code == 0
    assert (repo / "x.csv").read_text() == "1,2\n"
    assert both_paths("status").out == "Data and pipelines are up to date.\n"
    plain = tmp_path / "plain"
    plain.mkdir()
    with chdir(plain):
        assert run_cli("get", str(src), "d/sub/y.csv").code == 0
    assert (plain / "y.csv").read_text() == "3,4\n"


def test_a_pointer_from_a_clone_cannot_run_a_transport(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 2: a pointer's URL is untrusted: `ext::` never reaches Git."""
    marker = tmp_path / "ran"
    write(
        repo / "x.gitml",
        f"frozen: true\ndeps:\n- path: x\n  repo:\n    url: 'ext::sh -c touch% {marker}'\n"
        f"    rev_lock: {'a' * 40}\nouts:\n- path: x\n  hash: xxh3-128\n"
        f"  digest: '{'0' * 32}'\n  size: 1\n",
    )
    result = both_paths("status")
    assert result.code == 0 and "not allowed" in result.err
    assert "not allowed" in run_cli("update").err
    assert not marker.exists()


def test_status_says_when_the_source_moved_then_update(repo: Path, src: Path) -> None:
    """issue 17 item 2: status (both paths) tells an available update; update takes it;
    a second update and repro change nothing."""
    old = git(src, "rev-parse", "HEAD").strip()
    assert run_cli("import", str(src), "a.txt").code == 0
    assert run_cli("import", str(src), "d").code == 0
    new = commit_new_a(src, "hello again\n")
    result = both_paths("status")
    assert result.code == 0
    assert f"a.txt.gitml: update available (rev HEAD: {old[:7]} -> {new[:7]})" in result.out
    assert f"d.gitml: update available (rev HEAD: {old[:7]} -> {new[:7]})" in result.out
    assert both_paths("status", "--check").code == 1
    from gitml import quick

    with contextlib.redirect_stdout(io.StringIO()) as shown:
        assert quick.main(["status"]) == 0  # answered on the quick path, not handed over
    assert shown.getvalue() == result.out
    assert both_paths("status", "--json").out == run_cli("status", "--json").out
    before = snapshot(repo)
    assert run_cli("repro").code == 0  # frozen: repro never updates an import
    assert snapshot(repo) == before
    result = run_cli("update", "a.txt")
    assert result.code == 0, result
    assert (repo / "a.txt").read_text() == "hello again\n"
    assert pointer(repo / "a.txt.gitml")["deps"][0]["repo"]["rev_lock"] == new  # type: ignore[index]
    assert "d.gitml: update available" in run_cli("status").out
    assert run_cli("update").code == 0
    assert both_paths("status").out == "Data and pipelines are up to date.\n"
    before = snapshot(repo)
    result = run_cli("update")
    assert result.code == 0 and "up to date" in result.out
    assert snapshot(repo) == before


def test_update_with_rev_and_status_of_unreachable_source(repo: Path, src: Path) -> None:
    """issue 17 item 2: update --rev records the rev; an unreachable source is one warning
    line, never a failed status."""
    first = git(src, "rev-parse", "HEAD").strip()
    git(src, "tag", "v1")
    commit_new_a(src, "v2\n")
    assert run_cli("import", str(src), "a.txt").code == 0
    assert run_cli("update", "a.txt", "--rev", "v1").code == 0
    assert (repo / "a.txt").read_text() == "hello\n"
    repo_dep = pointer(repo / "a.txt.gitml")["deps"][0]["repo"]  # type: ignore[index]
    assert repo_dep == {"url": str(src), "rev": "v1", "rev_lock": first}
    assert both_paths("status").out == "Data and pipelines are up to date.\n"
    shutil.move(src, src.parent / "gone")
    result = both_paths("status")
    assert result.code == 0
    assert result.out == "Data and pipelines are up to date.\n"
    assert result.err.count("\n") == 1 and "cannot check its source" in result.err


def test_tampered_object_on_the_source_remote_is_refused(repo: Path, src: Path) -> None:
    """issue 17 item 2: an object whose bytes do not match its name never lands."""
    store = src.parent / "store"
    objects = [p for p in (store / "xxh3").glob("*/*")]
    for obj in objects:
        os.chmod(obj, 0o644)
        data = obj.read_bytes()
        if data == b"hello\n":
            obj.write_bytes(b"HELLO\n")
    result = bad(repo, "import", str(src), "a.txt", code=3)
    assert "corrupt" in result.err
    bad(repo, "get", str(src), "a.txt", code=3)
    plain = src.parent / "plain"  # outside a gitml repository: straight from the remote
    plain.mkdir()
    with chdir(plain):
        assert "corrupt" in bad(plain, "get", str(src), "a.txt", code=3).err
    # in a folder: the other files may land (verified); the bad one, the manifest, the
    # pointer and the data do not
    for obj in objects:
        if obj.read_bytes() == b"1,2\n":
            obj.write_bytes(b"9,9\n")
            bad_oid = obj.parent.name + obj.name
    result = run_cli("import", str(src), "d")
    assert result.code == 3 and "corrupt" in result.err
    assert not (repo / "d").exists() and not (repo / "d.gitml").exists()
    cached = {p.parent.name + p.name for p in (repo / ".gitml" / "cache" / "xxh3").glob("*/*")}
    assert bad_oid not in cached and not any(o.endswith(".dir") for o in cached)


def test_consumer_clone_pulls_imported_data_from_its_own_remote(
    repo: Path, src: Path, tmp_path: Path
) -> None:
    """issue 17 item 2: push/pull/checkout treat an import's out like any tracked out."""
    assert run_cli("remote", "add", "-d", "ours", str(tmp_path / "ours")).code == 0
    assert run_cli("import", str(src), "d").code == 0
    assert run_cli("import", str(src), "a.txt").code == 0
    assert run_cli("push").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "imports")
    shutil.rmtree(src.parent / "store")  # the source's remote is gone: ours must serve it
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    with chdir(clone):
        result = run_cli("pull")
        assert result.code == 0, result
        assert (clone / "d" / "sub" / "y.csv").read_text() == "3,4\n"
        assert (clone / "a.txt").read_text() == "hello\n"
        os.remove(clone / "a.txt")
        assert run_cli("checkout").code == 0
        assert (clone / "a.txt").read_text() == "hello\n"


def test_bad_sources_and_paths_are_refused(repo: Path, src: Path, tmp_path: Path) -> None:
    """issue 17 item 2: bad input is one line, exit 2, nothing written."""
    plain = tmp_path / "plain"
    plain.mkdir()
    err = bad(repo, "import", str(plain), "a.txt").err
    assert "not a Git repository" in err
    gitonly = tmp_path / "gitonly"
    gitonly.mkdir()
    git(gitonly, "init", "-q")
    write(gitonly / "f", "x")
    git(gitonly, "add", "-A")
    git(gitonly, "commit", "-qm", "f")
    assert "not a gitml repository" in bad(repo, "import", str(gitonly), "f").err
    assert "not tracked by gitml" in bad(repo, "import", str(src), "nope.csv").err
    assert "unknown revision" in bad(repo, "import", str(src), "a.txt", "--rev", "nope").err
    assert "unknown revision" in bad(repo, "ls", str(src), "--rev", "nope").err
    assert "no such file" in bad(repo, "ls", str(src), "nope").err
    assert "has no 'nope'" in bad(repo, "import", str(src), "d/nope").err
    assert "not allowed" in bad(repo, "import", "ext::sh -c touch% /tmp/x", "a.txt").err
    assert "unsupported URL scheme" in bad(repo, "ls", "foo://host/repo").err
    write(repo / "a.txt", "mine")
    assert "exists" in bad(repo, "import", str(src), "a.txt").err
    result = run_cli("import", str(src), "a.txt", "--force")
    assert result.code == 0 and (repo / "a.txt").read_text() == "hello\n"


def test_source_without_remote_or_object_is_refused(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 2: a source with no default remote, or whose remote lacks the object."""
    lone = make_source(tmp_path / "lone", remote=None)
    assert "no default remote" in bad(repo, "import", str(lone), "a.txt").err
    src = make_source(tmp_path / "src")
    for obj in (tmp_path / "store" / "xxh3").glob("*/*"):
        if obj.read_bytes() == b"hello\n":
            obj.unlink()
    assert "missing on remote 'store'" in bad(repo, "import", str(src), "a.txt").err
    assert "missing on remote" in bad(repo, "get", str(src), "a.txt").err


def test_hostile_source_pointer_is_refused(repo: Path, src: Path) -> None:
    """issue 17 item 2: the source's pointers go through the same path checks."""
    write(
        src / "evil.gitml",
        f"outs:\n- path: ../../escape\n  hash: xxh3-128\n  digest: '{'0' * 32}'\n  size: 1\n",
    )
    git(src, "add", "-A")
    git(src, "commit", "-qm", "evil")
    assert "escape" in bad(repo, "import", str(src), "a.txt").err


def test_source_remote_on_s3(repo: Path, tmp_path: Path, s3_endpoint: str, aws_env: None) -> None:
    """issue 17 item 2: the source's default remote is an S3 bucket (moto)."""
    bucket = new_bucket(s3_endpoint)
    root = tmp_path / "s3src"
    root.mkdir()
    git(root, "init", "-q")
    with chdir(root):
        assert run_cli("init").code == 0
        assert run_cli("remote", "add", "-d", "s3", f"s3://{bucket}/data").code == 0
        assert run_cli("remote", "modify", "s3", "endpointurl", s3_endpoint).code == 0
        write(root / "d" / "x.csv", "s3 data\n")
        assert run_cli("add", "d").code == 0
        assert run_cli("push").code == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "s3 data")
    url = f"file://{root}"
    before = snapshot(repo)
    refused = run_cli("import", url, "d")  # an endpoint we never chose: not asked
    assert refused.code == 2 and "an endpoint this repository does not use" in refused.err
    assert len(refused.err.strip().splitlines()) == 1 and snapshot(repo) == before
    assert run_cli("remote", "add", "mine", f"s3://{new_bucket(s3_endpoint)}/x").code == 0
    assert run_cli("remote", "modify", "--local", "mine", "endpointurl", s3_endpoint).code == 0
    result = run_cli("import", url, "d")  # now one of our own remotes uses it
    assert result.code == 0, result
    assert (repo / "d" / "x.csv").read_text() == "s3 data\n"
    assert json.loads(run_cli("ls", url, "d", "--json").out)[0]["path"] == "x.csv"


def test_source_remote_settings_never_pick_our_credentials(
    repo: Path, tmp_path: Path, s3_endpoint: str, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 17 item 2 / trust boundary: a source's tracked config cannot choose our AWS
    profile or credentials file; only its URL, region and an endpoint we trust are used."""
    bucket = new_bucket(s3_endpoint)
    root = tmp_path / "hostile"
    root.mkdir()
    git(root, "init", "-q")
    with chdir(root):
        assert run_cli("init").code == 0
        assert run_cli("remote", "add", "-d", "s3", f"s3://{bucket}/data").code == 0
        assert run_cli("remote", "modify", "s3", "endpointurl", s3_endpoint).code == 0
        write(root / "d" / "x.csv", "s3 data\n")
        assert run_cli("add", "d").code == 0
        assert run_cli("push").code == 0
        assert run_cli("remote", "modify", "s3", "profile", "no-such-profile").code == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "s3 data")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)  # the user trusts this endpoint
    result = run_cli("get", f"file://{root}", "d")  # a profile that would fail is not used
    assert result.code == 0, result
    assert (repo / "d" / "x.csv").read_text() == "s3 data\n"


def test_cli_runs_as_a_subprocess(repo: Path, src: Path) -> None:
    """issue 17 item 2: the console entry reaches the new commands."""
    proc = subprocess.run(
        [sys.executable, "-m", "gitml", "ls", str(src)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "a.txt  [gitml]" in proc.stdout.splitlines()


def test_concurrent_gets_share_the_mirror(repo: Path, src: Path) -> None:
    """issue 17 item 2: two gets at once in one repository: one fetches the mirror at a
    time, both succeed (bounded in time)."""
    from conftest import gitml_subprocess

    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    procs = [gitml_subprocess(repo, "get", str(src), "d", "-o", f"out{i}", env=env) for i in (1, 2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert (repo / "out1" / "x.csv").read_text() == (repo / "out2" / "x.csv").read_text()


def test_unreachable_source_at_update_is_one_line_and_changes_nothing(
    repo: Path, src: Path
) -> None:
    """issue 17 item 2: a source that was reached before and is gone now: update fails with
    one line (exit 3), the import as it was; a pinned commit needs no fetch."""
    sha = git(src, "rev-parse", "HEAD").strip()
    assert run_cli("import", str(src), "a.txt").code == 0
    assert run_cli("import", str(src), "d", "--rev", sha).code == 0
    shutil.move(src, src.parent / "gone")
    result = bad(repo, "update", "a.txt", code=3)
    assert "cannot fetch" in result.err
    result = run_cli("update", "d")
    assert result.code == 0 and "up to date" in result.out, result
