"""`gitml hook NAME`: what the installed Git hooks and the pre-commit framework run.

Called either by a shim with Git's arguments (and, for pre-push, the ref lines on stdin), or
by the pre-commit framework with none of them and `PRE_COMMIT_*` variables instead.

Start-up matters here (every commit runs pre-commit): this module imports only `scm`; the
repository, YAML, hashing and remotes are loaded once something gitml-related is staged.
"""

from __future__ import annotations

import os

from gitml import scm
from gitml.constants import GITML_DIR, LOCK_FILE_NAME, PIPELINE_FILE, POINTER_SUFFIX
from gitml.record import dataclass

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from gitml.commands.checkout import CheckoutResult
    from gitml.hashing import HashInfo
    from gitml.repo import Repo
    from gitml.repolock import OnWait
    from gitml.workspace import Hasher


def gitml_root(start: str | None = None) -> str | None:
    """The work tree containing `start` if it is set up for gitml, else None."""
    root = scm.find_git_root(start or os.getcwd())
    if root is None or not os.path.isdir(os.path.join(root, GITML_DIR)):
        return None
    return root


def is_gitml_file(rel: str) -> bool:
    """A pointer, or a gitml.lock (the root's or a sub pipeline's)."""
    return rel.endswith(POINTER_SUFFIX) or rel.rpartition("/")[2] == LOCK_FILE_NAME


# ------------------------------------------------------------------------------ pre-commit


@dataclass(frozen=True)
class Problem:
    where: str  # the staged file (a pointer, gitml.lock), with ':line' for a bad file
    what: str
    fix: str  # what to run

    def __str__(self) -> str:
        return f"{self.where}: {self.what}; {self.fix}"


def pre_commit(root: str, staged_files: list[str] | None = None) -> list[Problem]:
    """Problems with the staged pointers and gitml.lock; [] at once when none is staged.
    `staged_files`: what `scm.staged_files` gave, when the caller asked it already."""
    listed = scm.staged_files(root) if staged_files is None else staged_files
    staged = [rel for rel in listed if is_gitml_file(rel)]
    if not staged:
        return []
    from gitml.errors import GitmlError
    from gitml.repo import find_repo
    from gitml.workspace import Hasher

    repo = find_repo(root)
    hasher = Hasher(repo.root, repo.state, repo.ignore)
    problems: list[Problem] = []
    for rel in staged:
        raw = scm.read_staged(root, rel)
        if raw is None:
            continue
        try:
            if rel.rpartition("/")[2] == LOCK_FILE_NAME:
                problems += _check_lock(repo, rel, raw)
            else:
                problems += _check_pointer(repo, hasher, rel, raw)
        except GitmlError as e:  # 'rel:line: what' (a bad file), or about the file
            text = str(e) if str(e).startswith(rel) else f"{rel}: {e}"
            where, _, what = text.partition(": ")
            problems.append(Problem(where, what, f"fix it and run 'git add {rel}'"))
    return problems


def _check_pointer(repo: Repo, hasher: Hasher, rel: str, raw: bytes) -> list[Problem]:
    from gitml import tracked, yamlio

    data = yamlio.loads(raw, where=rel, schema_name="pointer", memo=repo.state)
    pointer = tracked.parse_pointer(rel, data)
    problems = []
    for out in pointer.outs:
        out_rel = pointer.out_rel(out)
        gone = _not_in_cache(repo, out.hash_info)
        if gone:
            what = f"{out_rel}: {_objects(gone)} not in the cache"
            problems.append(Problem(rel, what, f"run 'gitml add {out_rel}' or 'gitml pull'"))
        current = hasher.scan(repo.abspath(out_rel), out_rel, need_tree=False)
        if current is None:
            fix = f"run 'gitml checkout {out_rel}', or unstage the pointer"
            problems.append(Problem(rel, f"{out_rel} is missing from the workspace", fix))
        elif current.hash_info.digest != out.digest:
            what = f"{out_rel} in the workspace differs from the staged pointer"
            fix = (
                f"run 'gitml add {out_rel}' and 'git add {rel}' to record it,"
                f" or 'gitml checkout {out_rel}' to restore the pointer's version"
            )
            problems.append(Problem(rel, what, fix))
    return problems


def _check_lock(repo: Repo, rel: str, raw: bytes) -> list[Problem]:
    from gitml.pipeline import lock as lockfile
    from gitml.pipeline.stage import address

    problems = []
    base = rel.rpartition("/")[0]
    pipeline = f"{base}/{PIPELINE_FILE}" if base else PIPELINE_FILE
    for name, stage in lockfile.loads(raw, rel, repo.state, base).items():
        for entry in stage.outs:
            gone = _not_in_cache(repo, entry.hash_info) if entry.cache else []
            if gone:
                what = f"stage '{name}': {entry.path}: {_objects(gone)} not in the cache"
                fix = f"run 'gitml commit {address(pipeline, name)}' or 'gitml pull'"
                problems.append(Problem(rel, what, fix))
    return problems


def _not_in_cache(repo: Repo, info: HashInfo) -> list[str]:
    """Objects of an output missing from the cache (a directory's manifest, or its files)."""
    if not repo.cache.exists(info.digest):
        return [info.digest]
    if not info.is_dir:
        return []

    tree = repo.cache.read_tree(info.digest, where=info.digest)
    return [e.digest for e in tree if not repo.cache.exists(e.digest)]


def _objects(oids: Sequence[str]) -> str:
    first = oids[0][:12]
    return f"object {first}" if len(oids) == 1 else f"{len(oids)} objects ({first}, ...)"


# ------------------------------------------------------------------ post-checkout, post-merge


@dataclass(frozen=True)
class CheckoutOutcome:
    result: CheckoutResult | None = None  # None: nothing was done
    skipped: str = ""  # why nothing was done
    warning: str = ""  # a failure, told but never blocking git


def post_checkout(
    root: str,
    args: Sequence[str],
    env: Mapping[str, str] = os.environ,
    *,
    on_wait: OnWait | None = None,
) -> CheckoutOutcome:
    """`gitml checkout` after a branch checkout (Git's 3rd argument, or the framework's
    PRE_COMMIT_CHECKOUT_TYPE, is 1); file checkouts and rebases are left alone."""
    if len(args) >= 3:
        old, new, kind = args[0], args[1], args[2]
    else:
        old, new = env.get("PRE_COMMIT_FROM_REF", ""), env.get("PRE_COMMIT_TO_REF", "")
        kind = env.get("PRE_COMMIT_CHECKOUT_TYPE", "1")
    if kind != "1":
        return CheckoutOutcome(skipped="a file checkout")
    if old and old == new:
        return CheckoutOutcome(skipped="HEAD did not move")
    return _checkout(root, on_wait, previous=old or None)


def post_merge(root: str, *, on_wait: OnWait | None = None) -> CheckoutOutcome:
    return _checkout(root, on_wait, previous="ORIG_HEAD")


def _checkout(root: str, on_wait: OnWait | None, *, previous: str | None) -> CheckoutOutcome:
    """`gitml checkout` of the pointers in the work tree when the lock is got.

    Two quick `git checkout`s run two hooks; the second queues behind the first (up to
    HOOK_LOCK_TIMEOUT_S, not the 3 s of a command) instead of giving up. Neither uses the
    commit it was called for: each restores what the work tree's pointers say once it holds
    the lock, so whichever runs last leaves the data matching the final HEAD.
    """
    for state in ("rebase-merge", "rebase-apply"):
        if os.path.exists(scm.git_path(root, state)):
            return CheckoutOutcome(skipped="a rebase is in progress")
    from gitml.commands.checkout import checkout
    from gitml.constants import HOOK_LOCK_TIMEOUT_S
    from gitml.errors import GitmlError, UncommittedChangeError
    from gitml.repo import find_repo
    from gitml.repolock import Wait

    try:
        repo = find_repo(root)
        repo.lock_wait = Wait(HOOK_LOCK_TIMEOUT_S, on_wait)
        result = checkout(repo, previous=previous)
    except UncommittedChangeError as e:
        return CheckoutOutcome(warning=f"data not updated: {e}")
    except GitmlError as e:
        return CheckoutOutcome(warning=f"'gitml checkout' failed: {e}")
    except Exception as e:  # never block git
        return CheckoutOutcome(warning=f"'gitml checkout' failed: {type(e).__name__}: {e}")
    if result.missing:
        shown = ", ".join(path for path, _ in result.missing[:3])
        more = f" and {len(result.missing) - 3} more" if len(result.missing) > 3 else ""
        warning = f"not in the cache, so not checked out: {shown}{more} (run 'gitml pull')"
        return CheckoutOutcome(result, warning=warning)
    return CheckoutOutcome(result)


# ------------------------------------------------------------------- framework-only checks


def repro_check(root: str) -> list[tuple[str, tuple[str, ...]]]:
    """Stale stages of every pipeline file, with their reasons (frozen stages are not
    checked)."""
    from gitml.commands.status import stale_stages
    from gitml.repo import find_repo

    return list(stale_stages(find_repo(root), ()))


# ------------------------------------------------------------------------------ governance


def governance(root: str, staged_files: list[str] | None = None) -> list[str]:
    """`file: where: key: problem` for each staged pointer or gitml.yaml whose annotations
    break the governance rules (lineage/governance.py); [] at once when none is staged."""
    staged = [
        rel
        for rel in (scm.staged_files(root) if staged_files is None else staged_files)
        if rel.endswith(POINTER_SUFFIX) or rel.rpartition("/")[2] == PIPELINE_FILE
    ]
    if not staged:
        return []
    from gitml import yamlio
    from gitml.errors import BadInputError
    from gitml.lineage import governance as rules

    lines = []
    for rel in staged:
        raw = scm.read_staged(root, rel)
        if raw is None:
            continue
        try:
            data = yamlio.loads(raw, where=rel, yaml12=rel.endswith(PIPELINE_FILE))
        except BadInputError:
            continue  # not YAML: the status and validate checks say so
        if rel.endswith(POINTER_SUFFIX):
            found = rules.pointer_problems(data)
        else:
            found = rules.pipeline_problems(data)
        lines += [f"{rel}: {where}: {problem}" for where, problem in found]
    return lines


def commit_check(root: str, env: Mapping[str, str] = os.environ) -> list[Problem | str]:
    """What the installed pre-commit hook checks: the staged pointers and locks, and the
    governance rules (the pre-commit framework runs those as their own id,
    gitml-governance, and sets PRE_COMMIT=1)."""
    staged = scm.staged_files(root)  # one `git diff --cached` for both checks
    problems: list[Problem | str] = [*pre_commit(root, staged)]
    if env.get("PRE_COMMIT") != "1":
        problems += governance(root, staged)
    return problems
