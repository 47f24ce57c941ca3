"""GTO, the peer the registry must agree with: `$GITML_GTO` (a `gto` executable) if set, else
a venv of its own in ~/.cache/gitml-tests/gto with a pinned gto from PyPI, made once (apart
from the test venv, so GTO's dependencies never touch gitml's). If it cannot be had, the
tests that need it fail loudly: they never skip."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

GTO_VERSION = "1.10.1"
HOME_CACHE = Path(os.path.expanduser("~")) / ".cache" / "gitml-tests" / "gto"  # real HOME


def _installed(gto: Path) -> bool:
    if not gto.exists():
        return False
    proc = subprocess.run([str(gto), "--version"], capture_output=True, text=True, check=False)
    return proc.returncode == 0 and GTO_VERSION in proc.stdout


def install_gto(folder: Path = HOME_CACHE) -> Path:
    """The `gto` executable of the pinned version, installing it first if needed."""
    gto = folder / "bin" / "gto"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / "gto.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time (parallel test runs)
        if _installed(gto):
            return gto
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
        pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "-q"]
        proc = subprocess.run([*pip, f"gto=={GTO_VERSION}"], capture_output=True, text=True)
        if proc.returncode != 0 or not _installed(gto):
            raise RuntimeError(f"could not install gto=={GTO_VERSION}: {proc.stderr[-2000:]}")
    return gto


@pytest.fixture(scope="session")
def gto_bin() -> str:
    given = os.environ.get("GITML_GTO")
    if given:
        if not os.access(given, os.X_OK):
            pytest.fail(f"GITML_GTO={given} is not an executable")
        return given
    try:
        return str(install_gto())
    except Exception as e:  # fail, never skip: the agreement with GTO is a requirement
        pytest.fail(f"GTO is needed for these tests and could not be installed: {e}")
