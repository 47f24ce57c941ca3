"""The CLI surface: version, help, exit codes, error style, the import budget."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli, write

from gitml import __version__

HEAVY = ("networkx", "git", "fsspec", "s3fs", "tqdm", "jsonschema", "pathspec")


def imported_modules(*args: str, cwd: Path | None = None) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gitml", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["add", "--help"]])
def test_startup_imports_no_heavy_module(args: list[str]) -> None:
    loaded = imported_modules(*args)
    assert ("click" in loaded) == (args != ["--version"])  # --version needs no parser
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_status_of_a_clean_repo_imports_no_heavy_module(repo: Path) -> None:
    write(repo / "f.bin", b"x")
    assert run_cli("add", "f.bin").code == 0
    loaded = imported_modules("status", cwd=repo)
    assert "sqlite3" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_version() -> None:
    result = run_cli("--version")
    assert result.code == 0 and __version__ in result.out


def test_help_lists_commands() -> None:
    out = run_cli("--help").out
    for name in ("init", "add", "status", "checkout", "commit", "diff", "fsck", "unprotect"):
        assert name in out


def test_usage_error_exits_2() -> None:
    result = run_cli("add")
    assert result.code == 2
    assert "Missing argument" in result.err
    assert run_cli("no-such-command").code == 2
    assert run_cli("status", "--bogus").code == 2


def test_error_is_one_line_and_traceback_only_with_verbose(repo: Path) -> None:
    quiet = run_cli("add", "missing.bin")
    assert quiet.code == 2
    assert quiet.err.strip().count("\n") == 0
    assert quiet.err.startswith("error: missing.bin: no such file or directory")
    loud = run_cli("add", "-v", "missing.bin")
    assert "Traceback" in loud.err


def test_quiet_prints_nothing(repo: Path) -> None:
    write(repo / "f.bin", b"x")
    result = run_cli("add", "-q", "f.bin")
    assert result.code == 0 and result.out == ""
    assert run_cli("status", "-q").out == ""


def test_console_script_runs_as_subprocess(repo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "gitml", "status", "--json"], cwd=repo, capture_output=True
    )
    assert proc.returncode == 0
    assert proc.stdout.strip() == b"{}"
    assert proc.stderr == b""
