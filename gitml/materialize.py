"""Make workspace outputs match their recorded digests: plan first, then apply.

A workspace file is only replaced or deleted when its bytes can be restored (they are the
target's, or an object in the cache); anything else is a conflict unless forced. That holds
for what a walk did not hash too (ignored files, FIFOs, ...: see `obstacles`) when it stands
in a folder that goes or where a target file goes.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from gitml import cpus
from gitml.bigio import DIRECT_MIN
from gitml.errors import EXIT_ERROR, GitmlError
from gitml.hashing import HashInfo
from gitml.link import Linker, LinkType
from gitml.obstacles import in_the_way, unsafe
from gitml.paths import ParentGuard, check_not_private
from gitml.record import dataclass, field
from gitml.repo import Repo
from gitml.statcache import StatKey, now_ns, stat_key
from gitml.workspace import Progress, Scanned

_CHUNK = 128


@dataclass
class Plan:
    """What to do to one output. Paths are repo-relative POSIX."""

    out_rel: str
    write: list[tuple[str, str]] = field(default_factory=list)  # (rel, oid)
    large: set[str] = field(default_factory=set)  # of `write`, files of DIRECT_MIN or more
    delete: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (rel, oid)
    added: int = 0  # of `write`, how many did not exist
    remove_root: bool = False  # the workspace path is of the wrong kind (file vs dir)
    clear: list[str] = field(default_factory=list)  # unhashed paths in the way (see obstacles)
    unrestorable: list[str] = field(default_factory=list)  # data that `clear`/root removal loses

    @property
    def is_noop(self) -> bool:
        return not (self.write or self.delete or self.missing or self.remove_root or self.clear)


def target_files(repo: Repo, out_rel: str, info: HashInfo) -> dict[str, tuple[str, int]] | None:
    """rel -> (oid, size) of every file of the output; None if its manifest is not in the
    cache."""
    if not info.is_dir:
        return {out_rel: (info.digest, info.size)}
    if not repo.cache.exists(info.digest):
        return None
    tree = repo.cache.read_tree(info.digest, where=f"manifest of {out_rel}")
    return {f"{out_rel}/{e.path}": (e.digest, e.size) for e in tree}


def plan_output(repo: Repo, out_rel: str, info: HashInfo, current: Scanned | None) -> Plan:
    plan = Plan(out_rel)
    want = target_files(repo, out_rel, info)
    if want is None:
        plan.missing.append((out_rel, info.digest))
        return plan
    have = _current_files(out_rel, current)
    if current is not None and current.hash_info.is_dir != info.is_dir:
        plan.remove_root = True
    for rel, (oid, size) in want.items():
        old = have.get(rel)
        if old == oid and not plan.remove_root:
            continue
        if not repo.cache.exists(oid):
            plan.missing.append((rel, oid))
            continue
        plan.write.append((rel, oid))
        if size >= DIRECT_MIN:
            plan.large.add(rel)
        if old is None:
            plan.added += 1
    plan.delete = sorted(rel for rel in have if rel not in want)
    plan.conflicts = sorted(
        rel
        for rel, old in have.items()
        if old != want.get(rel, ("",))[0] and not repo.cache.exists(old) and _touched(plan, rel)
    )
    if current is not None and current.skipped:
        writes = dict(plan.write)
        blocking = in_the_way(
            repo.root, out_rel, current.skipped, writes, remove_root=plan.remove_root
        )
        plan.clear = list(blocking)
        plan.unrestorable = unsafe(repo.root, blocking, repo.cache)
    return plan


def _touched(plan: Plan, rel: str) -> bool:
    return plan.remove_root or rel in plan.delete or any(r == rel for r, _ in plan.write)


def _current_files(out_rel: str, current: Scanned | None) -> dict[str, str]:
    if current is None:
        return {}
    if current.tree is None or not current.hash_info.is_dir:
        return {out_rel: current.hash_info.digest}
    return {f"{out_rel}/{e.path}": e.digest for e in current.tree}


def apply(
    repo: Repo, plans: Sequence[Plan], linker: Linker, *, progress: Progress | None = None
) -> None:
    """Carry out `plans` (their conflicts already accepted); records new files' stats.

    Deletions come first, then every output's files are written by one thread pool: large
    files first, one task each, so they overlap with the small ones, which go in chunks of
    neighbours (one folder's files, mostly, so threads seldom share a folder's lock).
    """
    _check_destinations(repo, plans)
    fresh: set[str] = set()  # folders made here: nothing stands in them yet
    for plan in plans:
        _clear(repo, plan)
        # Files standing where folders go were deleted above, so this only creates folders:
        # once each, here, rather than one failing mkdir per file in the threads.
        for folder in sorted({os.path.dirname(repo.abspath(rel)) for rel, _ in plan.write}):
            if not os.path.isdir(folder):
                with _writing(folder):
                    os.makedirs(folder)
                fresh.add(folder)
    large = [([item], True) for plan in plans for item in plan.write if item[0] in plan.large]
    small = [item for plan in plans for item in plan.write if item[0] not in plan.large]
    tasks = large + [(small[i : i + _CHUNK], False) for i in range(0, len(small), _CHUNK)]

    def place(task: tuple[list[tuple[str, str]], bool]) -> list[tuple[StatKey, str, str]]:
        chunk, is_large = task
        done = []
        for rel, oid in chunk:
            dest = repo.abspath(rel)
            fresh_folder = os.path.dirname(dest) in fresh
            with _writing(dest):
                if not fresh_folder and os.path.isdir(dest) and not os.path.islink(dest):
                    _remove_path(dest)  # a folder where the target has a file: its files were
                    # deleted or cleared above (each one safe or forced); empty folders remain
                st = linker.place(repo.cache.path(oid), oid, dest, large=is_large)
            done.append((stat_key(st), oid, dest))
        if progress:
            progress(len(chunk))
        return done

    from concurrent.futures import ThreadPoolExecutor  # ~6 ms: not when nothing is placed

    with ThreadPoolExecutor(cpus.file_threads()) as pool:
        placed = [item for part in pool.map(place, tasks) for item in part]
    repo.state.put_many(_final_keys(placed), hashed_at_ns=now_ns())


def _final_keys(placed: list[tuple[StatKey, str, str]]) -> list[tuple[StatKey, str]]:
    """The placed files' stat keys as they are now: each further hardlink to an inode
    changed its ctime, so an inode placed more than once is stat'ed again (once)."""
    seen = Counter(key[0] for key, _, _ in placed)
    again = {key[0]: dest for key, _, dest in placed if seen[key[0]] > 1}
    now = {inode: stat_key(os.stat(dest)) for inode, dest in again.items()}
    return [(now.get(key[0], key), oid) for key, oid, _ in placed]


def _check_destinations(repo: Repo, plans: Sequence[Plan]) -> None:
    """Refuse, before anything is written, any path whose folder resolves through a
    symlink (see `ParentGuard`) or whose name leads into .git or .gitml."""
    guard = ParentGuard(repo.root)
    for plan in plans:
        for rel in (plan.out_rel, *plan.delete, *(r for r, _ in plan.write)):
            check_not_private(rel, where=plan.out_rel)
            guard.check(repo.abspath(rel))


class WriteError(GitmlError):
    exit_code = EXIT_ERROR


@contextlib.contextmanager
def _writing(path: str) -> Iterator[None]:
    """An OS error writing `path` (a name too long, no space, no permission) as one line."""
    try:
        yield
    except OSError as e:
        raise WriteError(f"cannot write {path}: {e.strerror or e}") from e


def _clear(repo: Repo, plan: Plan) -> None:
    """What must go before `plan`'s files are written: a path of the wrong kind, files the
    target does not have, unhashed paths in the way (with the folders they leave empty)."""
    if plan.remove_root:
        _remove_path(repo.abspath(plan.out_rel))
    for rel in plan.delete:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(repo.abspath(rel))
    for rel in plan.clear:
        _remove_path(repo.abspath(rel))
    _prune_empty_dirs(repo, plan.out_rel, [*plan.delete, *plan.clear])


def _remove_path(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        import shutil

        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _prune_empty_dirs(repo: Repo, out_rel: str, deleted: Iterable[str]) -> None:
    top = repo.abspath(out_rel)
    folders = {os.path.dirname(repo.abspath(rel)) for rel in deleted}
    for folder in sorted(folders, key=len, reverse=True):
        while folder != top and folder.startswith(top + os.sep):
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)


def first_link_type(repo: Repo, linker: Linker) -> LinkType:
    """The first configured link type that works between the cache and the workspace."""
    for kind in linker.types:
        if kind == "copy" or _probe(repo, kind):
            return kind
    return "copy"


def _probe(repo: Repo, kind: LinkType) -> bool:
    os.makedirs(repo.tmp_dir, exist_ok=True)
    src = os.path.join(repo.cache.root, ".probe")
    dst = os.path.join(repo.tmp_dir, f".probe-{os.getpid()}")
    try:
        os.makedirs(repo.cache.root, exist_ok=True)
        with open(src, "wb") as f:
            f.write(b"probe")
        if kind == "hardlink":
            os.link(src, dst)
        elif kind == "symlink":
            os.symlink(src, dst)
        else:
            import fcntl

            from gitml.link import FICLONE

            with open(src, "rb") as s, open(dst, "wb") as d:
                fcntl.ioctl(d.fileno(), FICLONE, s.fileno())
        return True
    except OSError:
        return False
    finally:
        for p in (dst, src):
            with contextlib.suppress(OSError):
                os.unlink(p)


def relink_output(repo: Repo, rel: str, scan: Scanned | None) -> LinkType | None:
    """After `add`: with hardlink/symlink caches, point workspace files at the cache; the
    link type used, if any."""
    linker = Linker(repo.config.cache_types)
    kind = first_link_type(repo, linker)
    if scan is None or kind not in ("hardlink", "symlink"):
        return None  # reflink/copy: the workspace file already has the right bytes
    files = _current_files(rel, scan)
    plan = Plan(rel, write=sorted(files.items()))
    apply(repo, [plan], Linker((kind,)))
    return kind
