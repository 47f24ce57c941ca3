"""Issue 10: untrusted input files, remote URLs, and clear errors from the file system."""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Result, git, gitml_subprocess, run_cli, snapshot, write

# --------------------------------------------------------------------------- helpers


def bomb(head: str, keys: list[str], indent: str) -> str:
    """A 'billion laughs' YAML: each key's list holds the previous list 9 times (9^9 leaves
    under the last key), written under `head` with `indent`."""
    lines = [head.rstrip("\n")] if head else []
    lines.append(f"{indent}{keys[0]}: &a0 [{','.join(['lol'] * 9)}]")
    for i, key in enumerate(keys[1:], start=1):
        lines.append(f"{indent}{key}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


NINE = ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"]


def run_bounded(cwd: Path, *args: str, seconds: float = 10.0) -> tuple[Result, float]:
    """Run the CLI in a subprocess that is killed after `seconds` (a bomb must not hang)."""
    start = time.monotonic()
    proc = gitml_subprocess(cwd, *args)
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return Result(-9, out.decode(), "still running after the timeout"), seconds
    return Result(proc.returncode, out.decode(), err.decode()), time.monotonic() - start


def refused_fast(result: Result, took: float, pattern: str) -> None:
    assert result.code == 2, (result.code, result.err[:500])
    assert took < 5, took
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err[:500]
    assert re.fullmatch(f"error: {pattern}", lines[0]), lines[0]


ALIASES = r"{}:\d+: YAML aliases expand to more than 100000 nodes"


# --------------------------------------------------------------------------- item 4


def test_config_alias_bomb_is_refused_quickly(repo: Path) -> None:
    """issue 10 item 4: a 450-byte config.yaml of nested aliases no longer hangs `status`."""
    text = bomb("remotes:\n  r:\n", [*NINE, "url"], "    ")
    assert len(text) < 500
    write(repo / ".gitml" / "config.yaml", text)
    before = snapshot(repo)
    result, took = run_bounded(repo, "status")
    refused_fast(result, took, ALIASES.format(re.escape(".gitml/config.yaml")))
    assert snapshot(repo) == before


def test_pipeline_alias_bomb_is_refused_quickly(repo: Path) -> None:
    """issue 10 item 4: the same bomb in gitml.yaml (a stage's field) is refused."""
    write(repo / "gitml.yaml", bomb("stages:\n  s:\n    cmd: echo\n", [*NINE, "deps"], "    "))
    result, took = run_bounded(repo, "status")
    refused_fast(result, took, ALIASES.format("gitml.yaml"))


def test_lock_and_pointer_alias_bombs_are_refused_quickly(repo: Path) -> None:
    """issue 10 item 4: gitml.lock and a pointer file with a bomb are refused."""
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: echo\n")
    write(repo / "gitml.lock", bomb("schema: '1.0'\nstages:\n  s:\n", [*NINE, "cmd"], "    "))
    result, took = run_bounded(repo, "status")
    refused_fast(result, took, ALIASES.format("gitml.lock"))
    (repo / "gitml.lock").unlink()
    write(repo / "data.csv.gitml", bomb("outs:\n- path: data.csv\n", [*NINE, "size"], "  "))
    result, took = run_bounded(repo, "status")
    refused_fast(result, took, ALIASES.format(re.escape("data.csv.gitml")))


def test_params_alias_bomb_is_refused_quickly(repo: Path) -> None:
    """issue 10 item 4: a params.yaml bomb is refused (params diff flattens every value)."""
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: echo\n    params: [k8]\n")
    write(repo / "params.yaml", bomb("", NINE, ""))
    result, took = run_bounded(repo, "params", "diff")
    refused_fast(result, took, ALIASES.format(r"params\.yaml"))


@pytest.mark.parametrize(
    "name",
    ["gitml.yaml", "params.yaml", "params.json", "params.toml", ".gitml/config.yaml"],
)
def test_deep_nesting_is_refused(repo: Path, name: str) -> None:
    """issue 10 item 4: 500-deep nesting exits 2 naming the file ("nesting deeper than"),
    not "unexpected RecursionError"."""
    deep = "[" * 500 + "1" + "]" * 500
    if name == "gitml.yaml":
        write(repo / name, f"vars:\n  - deep: {deep}\nstages:\n  s:\n    cmd: echo\n")
    elif name == ".gitml/config.yaml":
        write(repo / name, f"remotes:\n  r:\n    url: {deep}\n")
    else:
        write(repo / "gitml.yaml", f"stages:\n  s:\n    cmd: echo\n    params: [{name}: [a]]\n")
        text = {"params.json": f'{{"a": {deep}}}', "params.toml": f"a = {deep}\n"}
        write(repo / name, text.get(name, f"a: {deep}\n"))
    before = snapshot(repo)
    args = ("params", "diff") if name.startswith("params") else ("status",)
    result, took = run_bounded(repo, *args)
    refused_fast(
        result, took, rf"(workspace:)?{re.escape(name)}(:\d+)?: nesting deeper than \d+ levels"
    )
    assert snapshot(repo) == before


def test_moderate_nesting_and_anchors_still_work(repo: Path) -> None:
    """issue 10 item 4: ordinary anchors, merge keys and 50-deep params are still read."""
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: echo hi\n    params: [a]\n")
    deep = "[" * 50 + "1" + "]" * 50
    write(repo / "params.yaml", f"x: &x {{m: [1, 2]}}\na: {{<<: *x, b: *x, c: {deep}}}\n")
    result = run_cli("repro")
    assert result.code == 0, result.err
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "run")
    assert run_cli("status").code == 0


# --------------------------------------------------------------------------- item 5


def one_line(result: Result, code: int, *words: str) -> None:
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    for word in words:
        assert word in lines[0], lines[0]


def hand_edit_remote(repo: Path, url: str) -> None:
    text = f"core:\n  remote: b\nremotes:\n  b:\n    url: '{url}'\n"
    write(repo / ".gitml" / "config.yaml", text)


def test_remote_inside_gitml_is_refused(repo: Path) -> None:
    """issue 10 item 5: the repository's own cache (or .git) is not accepted as a remote."""
    write(repo / "data.csv", "a,b\n1,2\n")
    assert run_cli("add", "data.csv").code == 0
    before = snapshot(repo)
    for url in (".gitml/cache", f"file://{repo}/.gitml", ".git/backup"):
        result = run_cli("remote", "add", "-d", "backup", url)
        one_line(result, 2, "refusing to use", "inside the repository's")
    assert snapshot(repo) == before


def test_hand_edited_remote_inside_gitml_is_refused_when_used(repo: Path) -> None:
    """issue 10 item 5: a config edited by hand to point into .gitml/ is refused by push,
    status --cloud and gc -c (before, push said every object was already "backed up")."""
    write(repo / "data.csv", "a,b\n1,2\n")
    assert run_cli("add", "data.csv").code == 0
    hand_edit_remote(repo, ".gitml/cache")
    before = snapshot(repo)
    for args in (("push",), ("status", "--cloud"), ("gc", "-w", "-c", "-f"), ("fetch",)):
        one_line(run_cli(*args), 2, "remote 'b'", "inside the repository's .gitml folder")
    assert snapshot(repo) == before


def test_non_empty_folder_is_refused_as_remote(repo: Path, tmp_path: Path) -> None:
    """issue 10 item 5: a folder of other files (a stand-in for /etc) is refused at
    `remote add` and at push, and nothing is written into it."""
    etc = tmp_path / "etc"
    write(etc / "passwd", "root:x:0:0::/root:/bin/sh\n")
    write(etc / "hosts", "127.0.0.1 localhost\n")
    write(repo / "data.csv", "a,b\n1,2\n")
    assert run_cli("add", "data.csv").code == 0
    before, etc_before = snapshot(repo), snapshot(etc)
    one_line(run_cli("remote", "add", "b", f"file://{etc}"), 2, "non-empty folder")
    hand_edit_remote(repo, f"file://{etc}")
    one_line(run_cli("push"), 2, "refusing to use", "not a gitml object store")
    assert snapshot(etc) == etc_before
    assert sorted(p.name for p in etc.iterdir()) == ["hosts", "passwd"]
    write(repo / ".gitml" / "config.yaml", (before[".gitml/config.yaml"]).decode())
    # an empty or new folder is fine, and stays usable once it holds objects
    for store in (tmp_path / "empty", tmp_path / "new" / "store"):
        if store.name == "empty":
            store.mkdir()
        assert run_cli("remote", "add", "-f", "-d", "b", str(store)).code == 0
        assert run_cli("push").code == 0
        assert run_cli("push").code == 0
        assert sorted(p.name for p in store.iterdir()) == ["xxh3"]


def test_url_password_is_never_printed(repo: Path) -> None:
    """issue 10 item 5: a password in a hand-edited remote URL shows as *** in `remote list`,
    in errors, and in push --json."""
    write(repo / "data.csv", "a,b\n1,2\n")
    assert run_cli("add", "data.csv").code == 0
    secret = "hunter2pass"
    for url in (f"https://u:{secret}@127.0.0.1:9/x", f"nosuchproto://u:{secret}@host/x"):
        hand_edit_remote(repo, url)
        listing = run_cli("remote", "list")
        assert listing.code == 0 and "u:***@" in listing.out, listing
        for args in (("push",), ("push", "--json")):
            result = run_cli(*args)
            assert result.code in (2, 3), result
            assert secret not in result.out + result.err, result
            assert "***" in result.out + result.err, result
        assert secret not in str(run_cli("status", "--cloud"))


# --------------------------------------------------------------------------- item 16


@pytest.fixture
def full_disk_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A gitml repository on a 3 MiB tmpfs (needs root: skipped where mount is refused)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {proc.stderr.decode().strip()}")
    try:
        root = mnt / "repo"
        root.mkdir()
        git(root, "init", "-q")
        monkeypatch.chdir(root)
        assert run_cli("init").code == 0
        yield root
    finally:
        monkeypatch.chdir(tmp_path)
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(path: Path) -> None:
    """Write zeros to `path` until the file system is full."""
    with open(path, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as e:
            assert e.errno == errno.ENOSPC


def test_full_disk_status_works_and_add_names_the_file(full_disk_repo: Path) -> None:
    """issue 10 item 16a: on a full disk `status` still works (the state database is only an
    optimisation) and `add` exits 3 with one line naming the file, not "unexpected"."""
    root = full_disk_repo
    write(root / "data.csv", "a,b\n1,2\n")
    assert run_cli("add", "data.csv").code == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "data")
    shutil.rmtree(root / ".gitml" / "tmp")  # the state database must be created anew
    write(root / "data.csv", "a,b\n1,3\n")
    write(root / "new.bin", os.urandom(200_000))
    fill(root.parent / "filler")
    result = run_cli("status")
    assert result.code == 0, result
    assert "modified: data.csv" in result.out
    result = run_cli("add", "new.bin")
    one_line(result, 3, "no space left on device: ", str(root / ".gitml" / "cache"))
    assert "unexpected" not in result.err


def test_unusable_state_database_degrades_to_no_cache(repo: Path) -> None:
    """issue 10 item 16a: a state database that cannot be opened (here a folder in its
    place) means "nothing cached": status, add and checkout still work."""
    write(repo / "data.csv", "a,b\n1,2\n")
    state = repo / ".gitml" / "tmp" / "state.db"
    if state.exists():
        state.unlink()
    state.mkdir(parents=True)
    assert run_cli("add", "data.csv").code == 0
    assert run_cli("status").code == 0
    write(repo / "data.csv", "changed\n")
    assert "modified: data.csv" in run_cli("status").out


def no_flock() -> None:
    """In the child: a seccomp filter makes the kernel fail flock(2) with ENOLCK, as on a
    network mount without locking (nothing in gitml is replaced)."""
    libc = ctypes.CDLL(None, use_errno=True)

    class Filter(ctypes.Structure):
        _fields_ = [
            ("code", ctypes.c_ushort),
            ("jt", ctypes.c_ubyte),
            ("jf", ctypes.c_ubyte),
            ("k", ctypes.c_uint),
        ]

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]

    nr_flock, arch = 73, 0xC000003E  # x86_64
    code = [
        (0x20, 0, 0, 4),  # load seccomp_data.arch
        (0x15, 0, 3, arch),  # another architecture: allow
        (0x20, 0, 0, 0),  # load seccomp_data.nr
        (0x15, 0, 1, nr_flock),
        (0x06, 0, 0, 0x00050000 | errno.ENOLCK),  # return -ENOLCK
        (0x06, 0, 0, 0x7FFF0000),  # allow
    ]
    filters = (Filter * len(code))(*[Filter(*c) for c in code])
    program = Program(len(code), filters)
    assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
    assert libc.prctl(22, 2, ctypes.byref(program), 0, 0) == 0  # PR_SET_SECCOMP, FILTER


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the seccomp filter is for x86_64")
def test_file_system_without_locks_is_named(repo: Path) -> None:
    """issue 10 item 16b: flock failing with ENOLCK (a real kernel error, from a seccomp
    filter) exits 3 with one line naming the lock file, not "unexpected"."""
    write(repo / "data.csv", "a,b\n1,2\n")
    before = snapshot(repo)
    proc = gitml_subprocess(repo, "add", "data.csv", preexec_fn=no_flock)
    out, err = proc.communicate(timeout=60)
    result = Result(proc.returncode, out.decode(), err.decode())
    lock = str(repo / ".gitml" / "tmp" / "lock")
    one_line(result, 3, "the file system does not support file locks: " + lock)
    assert snapshot(repo) == before


def test_non_utf8_file_names_are_refused(repo: Path) -> None:
    """issue 10 item 16c: a file name that is not UTF-8 is refused with exit 2, naming it
    with a \\xNN escape, at top level and inside a tracked folder; nothing is written."""
    bad = os.fsdecode(b"caf\xe9.csv")
    write(repo / "data" / "ok.csv", "1\n")
    write(repo / "data" / bad, "2\n")
    write(repo / bad, "3\n")
    before = snapshot(repo)
    one_line(run_cli("add", bad), 2, "caf\\xe9.csv: the file name is not UTF-8")
    one_line(run_cli("add", "data"), 2, "data/caf\\xe9.csv: the file name is not UTF-8")
    assert snapshot(repo) == before
    # a folder tracked before the name appeared: status says so too (a real terminal's
    # stderr, so the name must be printable)
    (repo / "data" / bad).unlink()
    assert run_cli("add", "data").code == 0
    write(repo / "data" / bad, "2\n")
    proc = gitml_subprocess(repo, "status")
    out, err = proc.communicate(timeout=60)
    one_line(Result(proc.returncode, out.decode(), err.decode()), 2, "data/caf\\xe9.csv")
