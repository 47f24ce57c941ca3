"""Real DVC as the oracle of the parity tests (issue 12: "parity is checked, not remembered").

`make_oracle` (for a session fixture `dvc_oracle`) gives a DVC 3.67.1 executable: `$GITML_DVC`
when set, else a virtual environment of its own in the user's cache folder, made once (`pip install
dvc==3.67.1` from PyPI, about two minutes) and reused by later runs. It is never the test
environment: DVC's pins do not touch gitml's dependencies. When DVC cannot be had, the tests
that use it fail (they do not skip): CI has PyPI.

`Oracle.repro(src)` copies a gitml project (gitml.yaml and its input files) into a fresh DVC
project, renames gitml.yaml to dvc.yaml, runs one `dvc repro` and returns dvc.lock's stages,
reduced to what both tools record the same way (`comparable`).
"""

from __future__ import annotations

import fcntl
import json
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitml import yamlio

DVC_VERSION = "3.67.1"
# Decided at import, before any test isolates HOME.
CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "gitml-tests"
    / f"dvc-{DVC_VERSION}"
)
# Not copied into the DVC project: gitml's own state.
GITML_ONLY = {".git", ".gitml", "gitml.lock", ".gitignore"}
INSTALL_LIMIT = 900  # seconds


@dataclass(frozen=True)
class DvcRun:
    code: int
    out: str
    err: str
    stages: dict[str, Any]  # dvc.lock's stages, `comparable`; {} when it failed


@dataclass(frozen=True)
class Oracle:
    executable: str
    scratch: Path

    def run(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DVC_NO_ANALYTICS": "1", "DVC_IGNORE_ISEXEC_WARNING": "1"}
        return subprocess.run(
            [self.executable, *args], cwd=cwd, capture_output=True, text=True, env=env,
            timeout=300,
        )  # fmt: skip

    def project(self, src: Path) -> Path:
        """A new DVC project (no SCM) holding a copy of the gitml project at `src`, its
        gitml.yaml as dvc.yaml."""
        root = Path(tempfile.mkdtemp(prefix="dvc-", dir=self.scratch))
        for entry in src.iterdir():
            if entry.name in GITML_ONLY or entry.name.endswith(".gitml"):
                continue
            target = root / ("dvc.yaml" if entry.name == "gitml.yaml" else entry.name)
            if entry.is_dir():
                shutil.copytree(entry, target, symlinks=True)
            else:
                shutil.copy2(entry, target)
        (root / ".dvc").mkdir()
        (root / ".dvc" / "config").write_text("[core]\n    no_scm = True\n")
        return root

    def repro(self, src: Path, *args: str, wdirs: dict[str, str] | None = None) -> DvcRun:
        """`dvc repro` on a copy of the gitml project at `src` (a new folder each call).
        `wdirs` (stage -> wdir) rebases what dvc.lock records relative to a stage's wdir."""
        root = self.project(src)
        proc = self.run(root, "repro", *args)
        lock = root / "dvc.lock"
        stages: dict[str, Any] = {}
        if proc.returncode == 0 and lock.exists():
            doc = yamlio.loads(lock.read_bytes(), where="dvc.lock", yaml12=True) or {}
            stages = comparable(doc.get("stages") or {}, wdirs)
        return DvcRun(proc.returncode, proc.stdout, proc.stderr, stages)


def comparable(stages: dict[str, Any], wdirs: dict[str, str] | None = None) -> dict[str, Any]:
    """Lock stages (gitml.lock or dvc.lock) as what both record alike: name -> cmd, the paths
    of deps and outs, and params values. Two differences of format are undone: a list `cmd`
    DVC records as the list, gitml as its commands joined by ' && ' (what runs either way);
    DVC records paths relative to the stage's wdir, gitml relative to the repository."""
    out = {}
    for name, stage in stages.items():
        cmd = stage.get("cmd")
        wdir = (wdirs or {}).get(name, ".")

        def rebase(path: str, wdir: str = wdir) -> str:
            return posixpath.normpath(posixpath.join(wdir, path))

        out[name] = {
            "cmd": " && ".join(cmd) if isinstance(cmd, list) else cmd,
            "deps": sorted(rebase(d["path"]) for d in stage.get("deps") or []),
            "outs": sorted(rebase(o["path"]) for o in stage.get("outs") or []),
            "params": {rebase(f): v for f, v in (stage.get("params") or {}).items()},
        }
    return out


def gitml_lock(root: Path) -> dict[str, Any]:
    doc = yamlio.loads((root / "gitml.lock").read_bytes(), where="gitml.lock", yaml12=True)
    return comparable(doc["stages"])


PUBLISHED = Path(__file__).resolve().parents[1] / "schemas"  # the editors' home of the schemas


def schema_errors(pipeline: Path) -> list[str]:
    """What the published schemas/pipeline.json, run through jsonschema itself, says of a
    gitml.yaml or dvc.yaml (read by YAML 1.2, as both tools read it)."""
    import jsonschema

    schema = json.loads((PUBLISHED / "pipeline.json").read_text(encoding="utf-8"))
    doc = yamlio.loads(pipeline.read_bytes(), where=pipeline.name, yaml12=True)
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)
    ]


def check_schema_agrees(pipeline: Path, dvc: DvcRun) -> None:
    """The published schema accepts what DVC ran, and refuses what DVC's own schema refused."""
    errors = schema_errors(pipeline)
    if dvc.code == 0:
        assert errors == [], f"DVC runs it but schemas/pipeline.json refuses it: {errors}"
    elif "validation failed" in dvc.err:
        assert errors, f"DVC's schema refuses it, schemas/pipeline.json does not: {dvc.err}"


def _works(executable: str) -> bool:
    try:
        proc = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=120,
            env={**os.environ, "DVC_NO_ANALYTICS": "1"},
        )  # fmt: skip
    except OSError:
        return False
    return proc.returncode == 0 and proc.stdout.strip() == DVC_VERSION


def _install(venv: Path) -> str:
    """Make (once, under a lock) a venv holding dvc==DVC_VERSION; its `dvc` executable."""
    executable = str(venv / "bin" / "dvc")
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another pytest run may be installing it
        if _works(executable):
            return executable
        # built in place (a venv's scripts name its path); a half-made one fails _works
        shutil.rmtree(venv, ignore_errors=True)
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
             "--disable-pip-version-check", f"dvc=={DVC_VERSION}"],
        ]  # fmt: skip
        for step in steps:
            proc = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_LIMIT)
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
                pytest.fail(
                    f"cannot install DVC {DVC_VERSION} for the parity tests into {venv}"
                    f" ({' '.join(step[:3])}...): "
                    + " | ".join(tail)
                    + "; set GITML_DVC to a dvc executable",
                    pytrace=False,
                )
    return executable


def find_dvc() -> str:
    given = os.environ.get("GITML_DVC")
    if given:
        if not _works(given):
            pytest.fail(f"GITML_DVC={given} is not a working DVC {DVC_VERSION}", pytrace=False)
        return given
    executable = _install(CACHE)
    if not _works(executable):
        pytest.fail(f"DVC installed in {CACHE} does not run", pytrace=False)
    return executable


def make_oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
    """For a session fixture of the test module (see tests/test_parity_b.py)::

        @pytest.fixture(scope="session")
        def dvc_oracle(tmp_path_factory: pytest.TempPathFactory) -> Oracle:
            return make_oracle(tmp_path_factory)

    A real DVC 3.67.1 (see the module's docstring); fails, never skips, without one."""
    return Oracle(find_dvc(), tmp_path_factory.mktemp("dvc-oracle"))
