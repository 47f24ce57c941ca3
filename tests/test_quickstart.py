"""The README's quick start, as a new user on Debian or Ubuntu runs it: the system Python
refuses `pip install` (PEP 668), so each command makes and uses a virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = "/usr/bin/python3"
MANAGED = Path(f"/usr/lib/python3.{sys.version_info.minor}/EXTERNALLY-MANAGED")


def readme_commands() -> list[str]:
    """The two command lines of the README's quick start."""
    text = (PROJECT / "README.md").read_text()
    block = text.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def fresh_checkout(tmp_path: Path) -> Path:
    """This project's files as a fresh clone has them (no .venv, no build leftovers)."""
    dest = tmp_path / "gitml"
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, files):
        if (PROJECT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / rel, dest / rel)
    return dest


def test_readme_has_two_commands_and_ci_runs_the_test_one() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    assert commands[0].startswith("bash scripts/venv.sh example ")
    assert commands[1] == "bash scripts/venv.sh test python -m pytest -q"
    assert commands[1] in (PROJECT / ".ci" / "run").read_text()


@pytest.mark.skipif(not MANAGED.exists(), reason="no externally managed system Python here")
def test_quick_start_works_where_the_system_python_refuses_pip(tmp_path: Path) -> None:
    """issue 11 item 1: on Debian's own python3 (which carries the EXTERNALLY-MANAGED marker),
    the README's first command installs into a virtual environment and runs the example."""
    refused = subprocess.run(
        [SYSTEM_PYTHON, "-m", "pip", "install", "--dry-run", "six"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr
    checkout = fresh_checkout(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"  # python3 is the system's
    done = subprocess.run(
        readme_commands()[0], shell=True, cwd=checkout, env=env,
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Done: gitml versioned data" in done.stdout
    cfg = (checkout / ".venv" / "pyvenv.cfg").read_text()
    assert "home = /usr/bin" in cfg  # made from the system Python, not this test's


def test_a_missing_venv_module_is_named_with_its_package(tmp_path: Path) -> None:
    """issue 11 item 1: where `python3 -m venv` fails (Debian without python3-venv), the
    command says so in one line and names the package to install."""
    fake = tmp_path / "python3"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then\n'
        "  echo 'The virtual environment was not created successfully because ensurepip is"
        " not available.' >&2; exit 1\nfi\n"
        f'exec {sys.executable} "$@"\n'
    )
    fake.chmod(0o755)
    checkout = fresh_checkout(tmp_path)
    env = {**os.environ, "GITML_PYTHON": str(fake)}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run(
        ["bash", "scripts/venv.sh", "test", "true"], cwd=checkout, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"error: '{fake} -m venv' failed: The virtual environment")
    assert lines[1] == (
        "hint: on Debian or Ubuntu install it with: apt install python3-venv"
        " (or python3.11-venv)"
    )
    assert not (checkout / ".venv").exists()
