"""Run one stage: run-cache restore or the cmd, then hash and cache its outs.

Side effects are injected: `runner` runs a command (default: the shell, like a Makefile).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from gitml import scm
from gitml.errors import GitmlError
from gitml.hashing import HashInfo
from gitml.link import Linker
from gitml.pipeline.lock import Entry, StageLock
from gitml.pipeline.runcache import RunCache
from gitml.pipeline.stage import Stage
from gitml.repo import Repo
from gitml.workspace import Hasher

Runner = Callable[[str, str, bool], tuple[int, str]]  # (cmd, cwd, capture) -> (code, output)


def run_subprocess(
    cmd: str, cwd: str, capture: bool, *, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run `cmd` with the shell in `cwd`; with `capture`, return its combined output.
    `env`: variables added to the environment (an experiment's GITML_EXP_NAME)."""
    import subprocess  # here: a no-op `repro` or `status` runs nothing (~6 ms to import)

    full = dict(os.environ, **env) if env else None
    if not capture:
        return subprocess.run(cmd, shell=True, cwd=cwd, check=False, env=full).returncode, ""
    proc = subprocess.run(
        cmd, shell=True, cwd=cwd, check=False, env=full,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    return proc.returncode, proc.stdout.decode("utf-8", errors="replace")


class StageFailed(GitmlError):
    exit_code = 3


def restore(repo: Repo, stage: Stage, record: StageLock, linker: Linker) -> bool:
    """Put a recorded run's outs in place from the cache; False if any object is missing."""
    from gitml.materialize import apply, plan_output

    outs = {o.path: o for o in record.outs}
    if set(outs) != {o.path for o in stage.outs}:
        return False
    hasher = Hasher(repo.root, repo.state, repo.ignore)
    plans = []
    for path, entry in outs.items():
        current = hasher.scan(repo.abspath(path), path)
        plan = plan_output(repo, path, entry.hash_info, current)
        if plan.missing:
            return False
        plans.append(plan)
    apply(repo, plans, linker)
    return True


def run_cmd(repo: Repo, stage: Stage, runner: Runner, capture: bool) -> str:
    """Remove the outs (unless persist), run the cmd, check every out exists."""
    for out in stage.outs:
        if not out.persist:
            _remove(repo.abspath(out.path))
    cwd = repo.abspath(stage.wdir) if stage.wdir else repo.root
    code, output = runner(stage.cmd, cwd, capture)
    if code != 0:
        raise StageFailed(f"stage '{stage.name}' failed: cmd exited with code {code}")
    missing = [o.path for o in stage.outs if not os.path.lexists(repo.abspath(o.path))]
    if missing:
        raise StageFailed(f"stage '{stage.name}' did not create its out(s): {', '.join(missing)}")
    return output


def record_outs(repo: Repo, stage: Stage) -> tuple[Entry, ...]:
    """Hash every out and store it in the cache (uncached outs too: the run cache needs them)."""
    hasher = Hasher(repo.root, repo.state, repo.ignore, store=repo.cache)
    entries = []
    for out in stage.outs:
        scanned = hasher.scan(repo.abspath(out.path), out.path)
        if scanned is None:
            raise StageFailed(f"stage '{stage.name}': out {out.path} disappeared")
        entries.append(Entry(out.path, scanned.hash_info, out.cache))
        if out.cache:  # cached outs live in gitml's cache, not in Git (as `gitml add` does)
            scm.add_to_gitignore(repo.root, out.path)
    repo.cache.sync()
    return tuple(entries)


def hash_deps(repo: Repo, stage: Stage) -> tuple[Entry, ...]:
    hasher = Hasher(repo.root, repo.state, repo.ignore)
    entries = []
    for dep in stage.deps:
        scanned = hasher.scan(repo.abspath(dep), dep, need_tree=False)
        if scanned is None:
            raise StageFailed(f"stage '{stage.name}': dep {dep} does not exist")
        entries.append(Entry(dep, scanned.hash_info))
    return tuple(entries)


def hash_of(repo: Repo) -> Callable[[str], HashInfo | None]:
    hasher = Hasher(repo.root, repo.state, repo.ignore)

    def current(path: str) -> HashInfo | None:
        scanned = hasher.scan(repo.abspath(path), path, need_tree=False)
        return None if scanned is None else scanned.hash_info

    return current


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        import shutil  # ~3.5 ms (bz2, lzma): not on the no-op paths

        shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def run_cache_of(repo: Repo) -> RunCache:
    return RunCache(repo.cache.root)
