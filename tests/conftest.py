"""Real git repositories in temp folders, with HOME and git config isolated."""

from __future__ import annotations

import contextlib
import fcntl
import inspect
import io
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from s3server import aws_env, s3_endpoint  # noqa: F401  (fixtures for every test file)

from gitml.cli import main
from gitml.entry import main as entry_main


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(var, raising=False)
    return home


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str) -> Result:
    """Run the real CLI entry point in-process, capturing its output."""
    out, err = io.StringIO(), io.StringIO()
    run = entry_main if ENTRY[0] == "entry" else main
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return Result(code, out.getvalue(), err.getvalue())


# issue 19: the tests of these modules that run a hot command (status, repro, hook) run twice:
# through the full click CLI ("cli") and through the console script's entry, which answers
# them on the click-free quick path ("entry"); the expected results are the same
ENTRY = ["cli"]
BOTH_PATHS = {"test_cli", "test_repro", "test_hooks", "test_trust_state"}
HOT_WORDS = ('"status"', '"repro"', '"hook"')


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__ not in BOTH_PATHS:
        return
    source = inspect.getsource(metafunc.function)
    if any(word in source for word in HOT_WORDS):
        metafunc.parametrize("cli_path", ["cli", "entry"], indirect=True)


@pytest.fixture(autouse=True)
def cli_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Which entry `run_cli` calls (see BOTH_PATHS)."""
    ENTRY[0] = getattr(request, "param", "cli")
    try:
        yield ENTRY[0]
    finally:
        ENTRY[0] = "cli"


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return proc.stdout


def gitml_subprocess(cwd: Path, *args: str, **kw: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
        [sys.executable, "-m", "gitml", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


@pytest.fixture
def gitrepo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh git repository (no gitml yet), as the current folder."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def repo(gitrepo: Path) -> Path:
    """A git repository with `gitml init` done and committed."""
    assert run_cli("init").code == 0
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-qm", "init gitml")
    return gitrepo


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def make_dir(root: Path, nfiles: int, *, seed: int = 0) -> dict[str, bytes]:
    """A folder of `nfiles` small files in subfolders; returns rel -> content."""
    files = {}
    for i in range(nfiles):
        rel = f"part{i % 3}/f{i}.bin"
        content = f"{seed}:{i}:".encode() * (i % 7 + 1)
        write(root / rel, content)
        files[rel] = content
    return files


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` except .git, with contents: to assert nothing changed."""
    out = {}
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git" and d != "tmp"]
        for name in names:
            path = Path(dirpath) / name
            out[str(path.relative_to(root))] = path.read_bytes() if not path.is_symlink() else b"->"
    return out


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def in_terminal(cwd: Path, *args: str, answer: bytes = b"") -> tuple[int, str]:
    """Run the real CLI with a pseudo-terminal as its stdin, stdout and stderr; `answer` is
    typed into it (for prompts)."""
    master, slave = pty.openpty()
    # a terminal 120 columns wide (a new pseudo-terminal has none: bars would draw nothing)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitml", *args], cwd=cwd, stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    if answer:
        os.write(master, answer)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=120)
    finally:
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def wait_until(cond: Callable[[], bool], proc: subprocess.Popen[bytes], limit: float) -> None:
    """Poll `cond` until it holds, the process exits, or `limit` seconds pass."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if cond():
            return
        time.sleep(0.002)


BIN = os.path.dirname(sys.executable)  # this interpreter's scripts, `gitml` among them


@pytest.fixture
def gitml_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hooks call `gitml` from PATH: this interpreter's script, first."""
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))
    for var in [v for v in os.environ if v.startswith("PRE_COMMIT")]:
        monkeypatch.delenv(var)
    found = shutil.which("gitml")
    assert found is not None and os.path.dirname(found) == BIN
