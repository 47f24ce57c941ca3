"""The directory walk (gitml/walk.py): the forked walk gives exactly the one-process result."""

from __future__ import annotations

import array
import contextlib
import errno
import fcntl
import os
import random
import re
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli, write

from gitml import atomic, walk
from gitml.ignore import IgnoreRules
from gitml.paths import check_real_inside
from gitml.walkshare import Walk


def _tree(root: Path) -> Path:
    top = root / "data"
    for a in range(6):
        for b in range(5):
            for c in range(3):
                write(top / f"a{a}" / f"b{b}" / f"f{c}.txt", f"{a}{b}{c}\n")
        write(top / f"a{a}" / "top.bin", b"x" * a)
    (top / "a1" / "b1" / "deep" / "deeper").mkdir(parents=True)
    write(top / "a1" / "b1" / "deep" / "deeper" / "z.txt", "z\n")
    os.mkfifo(top / "a2" / "pipe")  # skipped: not a regular file
    os.symlink("../a0/top.bin", top / "a3" / "link.bin")  # followed: inside the repository
    write(top / "a4" / "skip.tmp", "ignored\n")
    return top


@pytest.mark.parametrize("ignored", [False, True])
def test_parallel_walk_is_the_sequential_walk(
    gitrepo: Path, monkeypatch: pytest.MonkeyPatch, ignored: bool
) -> None:
    """issue 19: status's walk reads half the subtrees in a forked child; same files, stats,
    order, skips."""
    top = _tree(gitrepo)
    if ignored:
        write(gitrepo / ".gitmlignore", "*.tmp\n")
    rules = IgnoreRules(str(gitrepo))

    def link(path: str, shown: str) -> str:
        return check_real_inside(str(gitrepo), path, what=shown)

    def run() -> tuple[list[walk.FileStat], list[str]]:
        skipped: list[str] = []
        found = walk.Walker("data", rules, link).walk(str(top), skipped)
        return found, skipped

    monkeypatch.setattr(walk, "_SPLIT_AT", 10**9)  # never parallel: the reference
    one = run()
    monkeypatch.setattr(walk, "_SPLIT_AT", 2)  # forks almost at once
    assert run() == one
    names = [f.rel for f in one[0]]
    assert len(names) == len(set(names)) == 6 * 16 + 2 + (0 if ignored else 1)
    assert "a3/link.bin" in names and "a1/b1/deep/deeper/z.txt" in names
    assert "a2/pipe" in one[1] and (("a4/skip.tmp" in one[1]) == ignored)


def test_an_error_in_either_process_reaches_the_command(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 19: a link leaving the repository, met by the parent or by the forked child
    (each top folder in turn, so both shares are hit): one line, exit 2, as without fork."""
    monkeypatch.setattr(walk, "_SPLIT_AT", 16)  # this small tree forks too
    top = _tree(repo)
    assert run_cli("add", "data").code == 0
    for a in range(6):
        link = top / f"a{a}" / "b4" / "escape"
        os.symlink("/etc", link)
        result = run_cli("status")
        assert result.code == 2, result
        assert "escape" in result.err and len(result.err.strip().splitlines()) == 1
        link.unlink()
    assert run_cli("status").code == 0


def _walker(root: Path) -> walk.Walker:
    def link(path: str, shown: str) -> str:
        return check_real_inside(str(root), path, what=shown)

    return walk.Walker("data", IgnoreRules(str(root)), link)


def _fresh(scenario: str, root: Path) -> None:
    """Run `scenario(root)` of this module in a new interpreter. The walk forks only in a
    process without threads (a fork would copy no other thread and no lock they hold), and
    the test session has some (the S3 server's): here it would not fork at all."""
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
        f"from pathlib import Path; import test_walk; test_walk.{scenario}(Path({str(root)!r}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _reference(root: Path) -> list[walk.FileStat]:
    split, walk._SPLIT_AT = walk._SPLIT_AT, 10**9  # never parallel: the reference
    try:
        return _walker(root).walk(str(root / "data"))
    finally:
        walk._SPLIT_AT = split


def test_fingerprint_does_not_depend_on_who_read_what(gitrepo: Path) -> None:
    """issue 19: the child sends digests of its folders, not their files; the fingerprint
    built from them is the one-process walk's, and changes with any file's stat."""
    _tree(gitrepo)
    _fresh("fingerprint_scenario", gitrepo)


def fingerprint_scenario(root: Path) -> None:
    top, walker = root / "data", _walker(root)
    later = time.time_ns() + 10**9  # every file is older than the racy window

    def fingerprint() -> tuple[str | None, int]:
        with walker.start(str(top)) as done:
            return done.fingerprint(later), done.count()

    walk._SPLIT_AT = 10**9
    one = fingerprint()
    assert one[0] is not None and one[1] == 6 * 16 + 3
    with _child_took_every_share(root) as (forked, _):  # the child read all but the top
        assert (forked.fingerprint(later), forked.count()) == one
    os.utime(top / "a5" / "b2" / "f1.txt", ns=(1, 1))
    assert fingerprint()[0] != one[0]
    with walker.start(str(top)) as again:
        assert again.fingerprint(0) is None  # files changed "just now": no fingerprint


def test_parallel_walk_in_a_process_without_threads(gitrepo: Path) -> None:
    """issue 19: the forked walk, where it does fork, gives the one-process walk's files,
    stats, order and skips (the in-session test above may not fork: threads)."""
    _tree(gitrepo)
    write(gitrepo / ".gitmlignore", "*.tmp\n")
    _fresh("parallel_scenario", gitrepo)


def parallel_scenario(root: Path) -> None:
    with _child_took_every_share(root) as (forked, reference):
        assert forked.files() == reference
        skipped = forked.skipped()
    assert "a2/pipe" in skipped and "a4/skip.tmp" in skipped


def test_begun_walk_reads_while_the_caller_works(gitrepo: Path) -> None:
    """issue 19: `begin` forks the child at once (it takes shares from the queue while the
    caller does other work); `finish` reads what is left; the files are the same."""
    _tree(gitrepo)
    _fresh("begun_scenario", gitrepo)


def begun_scenario(root: Path) -> None:
    with _child_took_every_share(root) as (begun, reference):
        assert not begun.mine
        assert begun.files() == reference


@contextlib.contextmanager
def _child_took_every_share(root: Path) -> Iterator[tuple[Walk, list[walk.FileStat]]]:
    """A walk begun (the fork at once), finished once the child alone took every share from
    the queue; with the one-process walk's files."""
    reference = _reference(root)
    walk._SPLIT_AT = 2
    with _walker(root).begin(str(root / "data")) as begun:
        assert begun.child is not None
        waiting = array.array("i", [1])
        deadline = time.monotonic() + 120  # a loaded machine: the child may start late
        while waiting[0] and time.monotonic() < deadline:
            fcntl.ioctl(begun.queue, termios.FIONREAD, waiting)  # bytes left in the pipe
            time.sleep(0.01)
        assert waiting[0] == 0
        begun.finish()
        assert begun.briefs and begun.child is not None
        yield begun, reference


def test_child_gone_before_its_listings_are_read_here(gitrepo: Path) -> None:
    """issue 19: a child killed after sending its digests (before its listings) has its
    shares read again by the parent: same files, same order."""
    _tree(gitrepo)
    _fresh("child_gone_scenario", gitrepo)


def child_gone_scenario(root: Path) -> None:
    with _child_took_every_share(root) as (begun, reference):
        assert begun.child is not None
        os.kill(begun.child.pid, signal.SIGKILL)
        os.waitpid(begun.child.pid, 0)
        assert begun.files() == reference


def test_an_error_in_the_child_reaches_the_command(repo: Path) -> None:
    """issue 19: as above, in a process where the walk does fork: a link leaving the
    repository met by the child or the parent (each top folder in turn), or in one of
    the first folders (read before the fork): one line, exit 2."""
    _tree(repo)
    assert run_cli("add", "data").code == 0
    _fresh("error_scenario", repo)


def error_scenario(root: Path) -> None:
    os.chdir(root)
    walk._SPLIT_AT = 16  # this small tree forks too
    forks = []
    real_fork = os.fork

    def counted() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    os.fork = counted
    for folder in [*(f"a{a}/b4" for a in range(6)), "a3"]:
        link = root / "data" / folder / "escape"
        os.symlink("/etc", link)
        result = run_cli("status")
        assert result.code == 2, result
        assert "escape" in result.err and len(result.err.strip().splitlines()) == 1, result
        link.unlink()
    assert run_cli("status").code == 0
    assert len(forks) >= 6  # every walk of the tree forked


def test_no_process_to_spare_reads_everything_here(gitrepo: Path) -> None:
    """issue 19: when fork fails (a process limit: EAGAIN), the walk reads every share in
    this process, with the same result, and leaves no descriptor open."""
    _tree(gitrepo)
    _fresh("fork_fails_scenario", gitrepo)


def fork_fails_scenario(root: Path) -> None:
    reference = _reference(root)
    walk._SPLIT_AT = 2

    def no_fork() -> int:
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    os.fork = no_fork
    before = sorted(os.listdir("/proc/self/fd"))
    with _walker(root).start(str(root / "data")) as alone:
        assert alone.child is None and len(alone.mine) == len(alone.shares) > 1
        assert alone.files() == reference
    assert sorted(os.listdir("/proc/self/fd")) == before


def test_temp_name_parser_is_the_pattern() -> None:
    """issue 19: `atomic.is_tmp` parses temp names without `re` (start-up of the hooks);
    it accepts exactly what the documented pattern accepts (random edits of real names)."""
    pattern = re.compile(
        r"\.gitml-tmp-([0-9a-f]{8})-([1-9a-f][0-9a-f]{0,7})-[0-9a-f]{8}-[0-9a-f]{1,16}"
    )
    names = [os.path.basename(atomic.tmp_name(f"/x/{i}")) for i in range(50)]
    rng = random.Random(19)
    alphabet = "0123456789abcdefABx-.\n"
    for _ in range(20_000):
        chars = list(rng.choice(names))
        for _ in range(rng.randint(0, 3)):
            at = rng.randrange(len(chars))
            roll = rng.random()
            if roll < 0.4:
                chars[at] = rng.choice(alphabet)
            elif roll < 0.7:
                chars.insert(at, rng.choice(alphabet))
            else:
                del chars[at]
        name = "".join(chars)
        match = pattern.fullmatch(name)
        assert atomic.is_tmp(name) == (match is not None), name
        if match is not None:
            assert atomic.owner_dead(name) == _gone(int(match.group(2), 16)), name


def _gone(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
