"""Issue 10 (trust boundary and data safety): checkout never deletes what it cannot restore,
gitml's temp files are unmistakable, long names round-trip, leftovers of killed writes go."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, gitml_subprocess, make_dir, run_cli, wait_until, write

from gitml.atomic import tmp_name

BIN = os.path.dirname(sys.executable)


# --------------------------------------------------------------------------- helpers


def state(root: Path) -> dict[str, object]:
    """Every entry under `root` but .git and .gitml/tmp: a file's bytes, a FIFO's kind."""
    out: dict[str, object] = {}
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "tmp")]
        for name in names:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            mode = path.lstat().st_mode
            out[rel] = path.read_bytes() if stat.S_ISREG(mode) else stat.S_IFMT(mode)
    return out


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


def untracked(root: Path) -> list[str]:
    return [
        line[3:] for line in git(root, "status", "--porcelain").splitlines() if line[:2] == "??"
    ]


# ------------------------------------------------------- item 8: unhashed entries in the way


@pytest.fixture
def folder_then_file(repo: Path) -> Path:
    """`thing` was a folder (commit 1), then a file (commit 2); the workspace has the folder
    back with its pointer at commit 2: the pointer records a file where a folder stands."""
    write(repo / ".gitmlignore", "*.log\n")
    make_dir(repo / "thing", 3)
    assert run_cli("add", "thing").code == 0
    commit_all(repo, "folder")
    shutil.move(repo / "thing", repo / "thing.keep")
    write(repo / "thing", b"now a file")
    assert run_cli("add", "thing").code == 0
    commit_all(repo, "file")
    os.unlink(repo / "thing")
    shutil.move(repo / "thing.keep", repo / "thing")
    return repo


@pytest.mark.parametrize("kind", ["ignored", "fifo", "dangling-symlink"])
def test_folder_becoming_file_refuses_to_delete_unhashed_entries(
    folder_then_file: Path, kind: str
) -> None:
    """issue 10 item 8: folder -> file: an ignored log, a FIFO, a dangling symlink inside
    are not hashed and cannot be restored: exit 2 naming it, nothing changed; --force goes."""
    root = folder_then_file
    victim = {"ignored": "thing/logs/run.log", "fifo": "thing/pipe", "dangling-symlink": "thing/l"}
    path = root / victim[kind]
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "ignored":
        path.write_bytes(b"the training log nobody committed")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("nowhere")
    before = state(root)

    result = run_cli("checkout")

    assert result.code == 2, result
    line = one_line(result.err)
    assert victim[kind] in line and "cannot restore" in line and "--force" in line
    assert state(root) == before

    forced = run_cli("checkout", "--force")
    assert forced.code == 0, forced.err
    assert (root / "thing").read_bytes() == b"now a file"


def test_folder_where_a_target_file_goes_keeps_an_ignored_file(repo: Path) -> None:
    """issue 10 item 8: inside a tracked folder, a sub-folder stands where the target has a
    file; an ignored file in it is not deleted without --force."""
    write(repo / ".gitmlignore", "*.log\n")
    write(repo / "data" / "a", b"a file")
    write(repo / "data" / "b", b"b")
    assert run_cli("add", "data").code == 0
    commit_all(repo, "a is a file")
    os.unlink(repo / "data" / "a")
    write(repo / "data" / "a" / "x", b"x")
    assert run_cli("add", "data").code == 0
    write(repo / "data" / "a" / "run.log", b"an ignored log")
    git(repo, "checkout", "-q", "HEAD", "--", "data.gitml")  # the pointer: a is a file
    before = state(repo)

    result = run_cli("checkout")

    assert result.code == 2, result
    assert "data/a/run.log" in one_line(result.err)
    assert state(repo) == before
    assert run_cli("checkout", "--force").code == 0
    assert (repo / "data" / "a").read_bytes() == b"a file"


def test_target_file_inside_an_ignored_folder_is_not_overwritten(repo: Path) -> None:
    """issue 10 item 8: a target file the walk never saw (its folder became ignored) and
    whose workspace bytes are not cached is not overwritten; the same bytes pass."""
    write(repo / "data" / "cache" / "x", b"recorded")
    write(repo / "data" / "y", b"y")
    assert run_cli("add", "data").code == 0
    commit_all(repo, "data")
    write(repo / ".gitmlignore", "data/cache/\n")
    write(repo / "data" / "cache" / "x", b"edited, ignored, never cached")
    before = state(repo)

    result = run_cli("checkout")

    assert result.code == 2, result
    assert "data/cache/x" in one_line(result.err)
    assert state(repo) == before
    write(repo / "data" / "cache" / "x", b"recorded")
    assert run_cli("checkout").code == 0
    assert (repo / "data" / "cache" / "x").read_bytes() == b"recorded"


# ------------------------------------------------ item 9: a user file named like a temp file


def test_user_file_named_like_an_old_temp_file_is_data(repo: Path) -> None:
    """issue 10 item 9: `d/.results.0123456789ab.tmp` is added, kept by checkout, and kept by
    the post-checkout hook's checkout after a real `git checkout`."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    assert run_cli("install").code == 0
    user = repo / "d" / ".results.0123456789ab.tmp"
    write(user, b"the user's results")
    write(repo / "d" / "a.txt", b"a")
    assert run_cli("add", "d").code == 0
    commit_all(repo, "d")
    shutil.rmtree(repo / "d")
    assert run_cli("checkout").code == 0
    assert user.read_bytes() == b"the user's results"  # it was in the manifest

    assert run_cli("checkout").code == 0
    git(repo, "checkout", "-q", "-b", "side")
    write(repo / "notes.txt", "a commit that moves HEAD")
    commit_all(repo, "notes")
    for args in (["main"], ["side"]):
        os.unlink(repo / "d" / "a.txt")  # the hook's checkout puts it back: proof it ran
        done = subprocess.run(
            ["git", "checkout", "-q", *args], cwd=repo, capture_output=True, text=True, env=env
        )
        assert done.returncode == 0 and "error" not in done.stderr, done.stderr
        assert (repo / "d" / "a.txt").read_bytes() == b"a"
        assert user.read_bytes() == b"the user's results"
    assert run_cli("status", "--check").code == 0


def test_temp_file_of_a_live_process_is_kept_and_of_a_dead_one_removed(repo: Path) -> None:
    """issue 10 items 9 and 15: a gitml temp name is never removed for its name alone: only
    when the process that made it is gone; neither is hashed."""
    make_dir(repo / "d", 2)
    assert run_cli("add", "d").code == 0
    sleeper = subprocess.Popen(["sleep", "30"])
    gone = subprocess.Popen(["true"])
    gone.wait()
    try:
        live = Path(tmp_name(str(repo / "d" / "f"))).name.split("-")
        live[3] = f"{sleeper.pid:x}"
        dead = list(live)
        dead[3] = f"{gone.pid:x}"
        write(repo / "d" / "-".join(live), b"being written")
        write(repo / "d" / "-".join(dead), b"left over")
        assert run_cli("status", "--check").code == 0  # neither is hashed
        assert (repo / "d" / "-".join(live)).exists()
        assert not (repo / "d" / "-".join(dead)).exists()
    finally:
        sleeper.kill()
        sleeper.wait()


# ------------------------------------------------------------ item 14: names near the limit

CJK80 = "数" * 80  # 240 bytes in UTF-8


def test_long_names_round_trip_through_checkout_push_and_pull(repo: Path, tmp_path: Path) -> None:
    """issue 10 item 14: 80 CJK characters (240 bytes) as a top-level file and 255-byte names
    inside a tracked folder: add, rm, checkout, push, pull into a clone."""
    names = [CJK80, "a" * 255, "数" * 85]  # in the folder: 240, 255, 255 bytes
    for name in names:
        write(repo / "d" / name, name.encode())
    write(repo / CJK80, b"top level")
    assert run_cli("remote", "add", "-d", "store", str(tmp_path / "store")).code == 0
    result = run_cli("add", "d", CJK80)
    assert result.code == 0, result.err
    commit_all(repo, "long names")

    shutil.rmtree(repo / "d")
    os.unlink(repo / CJK80)
    result = run_cli("checkout")
    assert result.code == 0, result.err
    assert all((repo / "d" / n).read_bytes() == n.encode() for n in names)
    assert (repo / CJK80).read_bytes() == b"top level"

    assert run_cli("push").code == 0
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    os.chdir(clone)
    result = run_cli("pull")
    assert result.code == 0, result.err
    assert all((clone / "d" / n).read_bytes() == n.encode() for n in names)
    assert (clone / CJK80).read_bytes() == b"top level"
    assert run_cli("status", "--check").code == 0


@pytest.mark.parametrize("name", ["b" * 250, "数" * 84])
def test_name_whose_pointer_would_be_too_long_is_refused(repo: Path, name: str) -> None:
    """issue 10 item 14: `NAME.gitml` over 255 bytes: one line, exit 2, nothing written."""
    write(repo / name, b"data")
    before = state(repo)

    result = run_cli("add", name)

    assert result.code == 2, result
    line = one_line(result.err)
    assert "too long" in line and "255" in line
    assert state(repo) == before


# ----------------------------------------------------- item 15a: leftovers of a killed write


def temps(folder: Path) -> list[str]:
    """gitml's temp files in `folder` (today's names, and the older `.NAME.HEX.tmp`)."""
    return [n for n in os.listdir(folder) if n.startswith(".") and "tmp" in n]


@pytest.mark.parametrize("next_command", ["checkout", "status"])
def test_leftover_of_a_killed_single_file_checkout_is_removed(
    repo: Path, next_command: str
) -> None:
    """issue 10 item 15a: kill -9 a checkout while it writes a 200 MB single-file output;
    the next checkout (or status) removes its temp file and git sees nothing untracked."""
    big = repo / "models" / "model.bin"
    big.parent.mkdir()
    block = os.urandom(1 << 20)
    with open(big, "wb") as f:
        for _ in range(200):
            f.write(block)
    assert run_cli("add", "models/model.bin").code == 0
    commit_all(repo, "model")
    os.unlink(big)

    killed = False
    for _ in range(5):  # the write takes a fraction of a second: catch it mid-way
        proc = gitml_subprocess(repo, "checkout")
        wait_until(lambda: bool(temps(big.parent)), proc, limit=20.0)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        if proc.returncode == -signal.SIGKILL and temps(big.parent):
            killed = True
            break
        if big.exists():
            os.unlink(big)
    assert killed, "checkout finished every time before it could be killed"
    assert untracked(repo)  # the leftover shows in git status

    result = run_cli(next_command)
    assert result.code in (0, 1), result.err
    assert temps(big.parent) == []
    assert untracked(repo) == []
    assert run_cli("checkout").code == 0
    assert run_cli("status", "--check").code == 0
    assert temps(big.parent) == [] and untracked(repo) == []


def test_only_the_leftovers_of_managed_outputs_are_removed_beside_them(repo: Path) -> None:
    """issue 10 item 15a: beside a single-file output, a dead process's temp file named for
    that output (or its pointer) goes; one named for another file stays."""
    write(repo / "m" / "model.bin", b"model")
    assert run_cli("add", "m/model.bin").code == 0
    gone = subprocess.Popen(["true"])
    gone.wait()

    def dead_temp(final: str) -> Path:
        parts = Path(tmp_name(str(repo / "m" / final))).name.split("-")
        parts[3] = f"{gone.pid:x}"
        return write(repo / "m" / "-".join(parts), b"partial")

    ours, pointer, other = dead_temp("model.bin"), dead_temp("model.bin.gitml"), dead_temp("x")
    assert run_cli("status", "--check").code == 0
    assert not ours.exists() and not pointer.exists()
    assert other.exists()
