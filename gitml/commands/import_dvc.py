"""`gitml import-dvc`: convert a DVC 3 repository to gitml in place (SPEC section 12).

Everything is checked before anything is written (a DVC repository, a clean work tree,
remotes gitml can open here, no gitml file in the way); then one transaction converts it,
and any error rolls every file back (objects already added to the cache may stay: they are
content addressed). Git is never run to change anything: the user records the change with
the `git` commands the result lists. Tags (GTO's) and `refs/exps` are not touched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from gitml import scm
from gitml.constants import GITML_DIR, LOCK_FILE, TMP_DIR
from gitml.cpus import file_threads
from gitml.errors import EXIT_ERROR, BadInputError, GitmlError, NotARepoError
from gitml.migrate import convert, dvcrepo, remotes
from gitml.migrate.rehash import Rehasher
from gitml.migrate.transaction import Transaction, transaction
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.statcache import now_ns

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitml.commands.sync import SyncResult

BACKUP = "import-dvc-backup"


@dataclass
class ImportDvcResult:
    converted: bool  # False: nothing to convert
    pointers: int = 0
    pipelines: int = 0
    locks: int = 0
    remotes: tuple[str, ...] = ()
    default_remote: str | None = None
    files: int = 0  # files whose bytes were re-hashed
    size: int = 0  # their bytes
    notes: tuple[str, ...] = ()
    git_rm: tuple[str, ...] = ()  # what the user should `git rm --cached`
    git_add: tuple[str, ...] = ()  # what the user should `git add`
    push: SyncResult | None = None


def import_dvc(cwd: str, *, push: bool = False, jobs: int | None = None) -> ImportDvcResult:
    root = scm.find_git_root(cwd)
    if root is None:
        raise NotARepoError(f"{cwd} is not inside a Git repository")
    if not dvcrepo.is_dvc_repo(root):
        if os.path.isdir(os.path.join(root, GITML_DIR)):
            return ImportDvcResult(converted=False)
        raise BadInputError(f"{root} is not a DVC repository (no .dvc folder)")
    _check_clean(root)
    dvc = dvcrepo.open_repo(root)
    config = remotes.plan(dvc)
    if push and config.default is None and len(config.remotes) != 1:
        raise BadInputError(
            "--push: DVC's config has no default remote to push to",
            hint="run 'dvc remote default NAME' first, or push later with 'gitml push -r NAME'",
        )
    fresh = not os.path.isdir(os.path.join(root, GITML_DIR))
    repo = Repo(root)
    convert.check_free(repo, dvc)
    os.makedirs(repo.tmp_dir, exist_ok=True)
    try:
        result = _convert(repo, dvc, config, jobs)
    except BaseException:
        if fresh:  # nothing of gitml's stays behind, not even the cache it began
            shutil.rmtree(repo.gitml_dir, ignore_errors=True)
        raise
    if not push:
        return result
    from gitml.commands.push import push as push_all
    from gitml.used import Scope

    try:
        pushed = push_all(Repo(root), Scope(), jobs=jobs)
    except GitmlError as e:  # the conversion stays: it is done and correct
        raise PushAfterImportError(
            f"converted, but the push failed: {e.message}", hint="run 'gitml push'"
        ) from e
    result.push = pushed
    return result


def _adopter(
    repo: Repo, dvc: dvcrepo.DvcRepo, tx: Transaction
) -> Callable[[str, str], None] | None:
    """Moves DVC's checked cache objects into gitml's cache (rolled back by `tx`) when
    DVC's cache is the one inside `.dvc/`, which goes anyway, on the same filesystem, and the
    workspace does not symlink into it; None (copy) otherwise: a cache elsewhere may be
    shared with other repositories."""
    inside = os.path.realpath(os.path.join(dvc.root, dvcrepo.DVC_DIR)) + os.sep
    cache_type = {**dvc.config.get("cache", {}), **dvc.config_local.get("cache", {})}
    if (
        not os.path.isdir(dvc.cache_dir)
        or not os.path.realpath(dvc.cache_dir).startswith(inside)
        or "symlink" in cache_type.get("type", "")
    ):
        return None
    os.makedirs(repo.cache.base, exist_ok=True)
    if os.stat(repo.cache.base).st_dev != os.stat(dvc.cache_dir).st_dev:
        return None

    def adopt(oid: str, path: str) -> None:
        if repo.cache.adopt(oid, path):
            tx.moved(path, repo.cache.path(oid))

    return adopt


class PushAfterImportError(GitmlError):
    exit_code = EXIT_ERROR


def _check_clean(root: str) -> None:
    out = scm.run(root, "status", "--porcelain", "--untracked-files=normal")
    lines = [ln for ln in out.decode("utf-8", "replace").splitlines() if ln.strip()]
    if lines:
        first = lines[0][3:]
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        raise BadInputError(
            f"the work tree has uncommitted changes: {first}{more}",
            hint="commit or stash them first: the conversion is recorded as one change",
        )


def _convert(
    repo: Repo, dvc: dvcrepo.DvcRepo, config: remotes.ConfigPlan, jobs: int | None
) -> ImportDvcResult:
    backup = os.path.join(repo.tmp_dir, BACKUP)
    started = now_ns()
    outs: list[str] = []
    with repo.lock(), transaction(repo.root, backup) as tx:
        rehasher = Rehasher(
            dvc,
            repo.cache,
            jobs=jobs or file_threads(),
            ignored=_dvcignore(dvc.ignore),
            adopt=_adopter(repo, dvc, tx),
        )
        npointers = convert.pointers(tx, dvc, rehasher, outs)
        convert.pipelines(tx, dvc)
        convert.ignore(tx, repo, dvc)
        convert.gitml_files(tx, repo, config)
        notes = convert.locks(tx, dvc, Repo(repo.root), rehasher, outs)
        copies = convert.own_copies(tx, dvc, outs)
        repo.cache.sync()  # objects are durable before the pointers naming them are kept
        tx.remove(dvcrepo.DVC_DIR)
        written, removed = list(tx.written), list(tx.removed)
    repo.state.put_many(rehasher.seen, hashed_at_ns=started)
    if copies:
        notes.append(
            f"{copies} workspace links into DVC's cache replaced by copies (gitml links"
            " only into its own cache)"
        )
    if rehasher.legacy:
        notes.insert(
            0,
            "DVC 2 digests (md5-dos2unix, no 'hash: md5') found: converted by re-hashing the"
            " data, which was checked against them",
        )
    return ImportDvcResult(
        converted=True,
        pointers=npointers,
        pipelines=len(dvc.pipelines),
        locks=len(dvc.locks),
        remotes=tuple(config.remotes),
        default_remote=config.default,
        files=rehasher.files,
        size=rehasher.bytes,
        notes=tuple([*config.notes, *notes]),
        git_rm=tuple(removed),
        git_add=tuple(r for r in written if not _git_ignored(repo.root, r)),
    )


def _git_ignored(root: str, rel: str) -> bool:
    return rel.endswith(("/config.local.yaml", "/" + LOCK_FILE)) or f"/{TMP_DIR}/" in rel


def _dvcignore(text: str | None) -> Callable[[str], bool] | None:
    """What `.dvcignore` leaves out of DVC's directory listings (gitignore syntax)."""
    lines = (text or "").splitlines()
    if not any(ln.strip() and not ln.lstrip().startswith("#") for ln in lines):
        return None
    import pathspec

    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    return lambda rel: bool(spec.match_file(rel))
