"""`gitml hook pre-push`: push the data of the commits being pushed (Git's ref lines on
stdin, or the pre-commit framework's PRE_COMMIT_* refs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from gitml import githistory, scm
from gitml.constants import LOCK_FILE_NAME, POINTER_SUFFIX
from gitml.record import dataclass

if TYPE_CHECKING:
    from gitml.hashing import HashInfo
    from gitml.repo import Repo
    from gitml.transfer import TransferResult

Output = tuple[str, "HashInfo"]


@dataclass(frozen=True)
class PushRange:
    """Commits to push: reachable from `local`, not from `remote` (or any remote-tracking ref
    when `remote` is empty)."""

    local: str
    remote: str = ""


def ranges_from_git(root: str, stdin: str) -> list[PushRange]:
    """Git's `<local ref> <local sha> <remote ref> <remote sha>` lines; deletions skipped."""
    ranges = []
    for line in stdin.splitlines():
        parts = line.split()
        if len(parts) != 4 or parts[1] == scm.ZERO_SHA:
            continue
        remote = parts[3]
        known = remote != scm.ZERO_SHA and scm.is_commit(root, remote)
        ranges.append(PushRange(parts[1], remote if known else ""))
    return ranges


def ranges_from_env(env: Mapping[str, str]) -> list[PushRange]:
    """The pre-commit framework's refs; without them (a first push, a manual run): everything
    not on any remote, from the pushed branch or HEAD."""
    local, remote = env.get("PRE_COMMIT_TO_REF", ""), env.get("PRE_COMMIT_FROM_REF", "")
    if local and remote:
        return [PushRange(local, remote)]
    return [PushRange(local or env.get("PRE_COMMIT_LOCAL_BRANCH", "") or "HEAD")]


@dataclass(frozen=True)
class PushOutcome:
    commits: int
    remote: str | None = None  # None: nothing to push, or no remote configured
    transfer: TransferResult | None = None
    lost: tuple[tuple[str, str], ...] = ()  # (path, oid) of pushed commits, nowhere to be found
    unavailable: tuple[tuple[str, str], ...] = ()  # same, inherited from pushed history
    no_remote: bool = False

    @property
    def ok(self) -> bool:
        return not self.lost and (self.transfer is None or self.transfer.ok)


def pre_push(root: str, ranges: Sequence[PushRange], *, jobs: int | None = None) -> PushOutcome:
    """Upload the objects that the pushed commits' pointers and gitml.lock reference."""
    commits: dict[str, None] = {}
    boundary: dict[str, None] = {}
    for r in ranges:
        found, edge = githistory.commits_between(
            root, (r.local,), (r.remote,) if r.remote else (), not_on_remotes=not r.remote
        )
        commits.update(dict.fromkeys(found))
        boundary.update(dict.fromkeys(edge))
    if not commits:
        return PushOutcome(0)
    from gitml.repo import find_repo

    repo = find_repo(root)
    if not repo.config.remotes:
        return PushOutcome(len(commits), no_remote=True)
    edge = [b for b in boundary if b not in commits]
    new, inherited = outputs_at_commits(repo, list(commits), edge)
    return _push_outputs(repo, new, inherited, len(commits), jobs)


def outputs_at_commits(
    repo: Repo, commits: list[str], boundary: Sequence[str] = ()
) -> tuple[list[Output], list[Output]]:
    """Cached outputs of every pointer and gitml.lock in the trees of `commits`: (those the
    commits add or change, those unchanged since a `boundary` commit, their excluded parents).

    Reads each distinct blob once: cost grows with the changes, not with the commits.
    """
    patterns = [f"*{POINTER_SUFFIX}", LOCK_FILE_NAME, f"*/{LOCK_FILE_NAME}"]
    changed = githistory.blobs_changed_in(repo.root, commits, patterns)
    inherited: set[tuple[str, str]] = set()
    for rev in boundary:
        inherited |= githistory.blobs_in_tree(repo.root, rev, POINTER_SUFFIX, (LOCK_FILE_NAME,))
    inherited -= changed
    blobs = githistory.read_blobs(repo.root, sorted({sha for _, sha in changed | inherited}))
    new = _outputs_of(repo, changed, blobs)
    seen = set(new)
    return new, [o for o in _outputs_of(repo, inherited, blobs) if o not in seen]


def _outputs_of(
    repo: Repo, files: set[tuple[str, str]], blobs: Mapping[str, bytes]
) -> list[Output]:
    from gitml import tracked, yamlio
    from gitml.pipeline import lock as lockfile

    found: dict[Output, None] = {}
    for rel, sha in sorted(files):
        where = f"{rel} (blob {sha[:12]})"
        if rel.rpartition("/")[2] == LOCK_FILE_NAME:
            locks = lockfile.loads(blobs[sha], where, repo.state, rel.rpartition("/")[0])
            outs = [(e.path, e.hash_info) for lock in locks.values() for e in lock.outs if e.cache]
        else:
            data = yamlio.loads(blobs[sha], where=where, schema_name="pointer", memo=repo.state)
            pointer = tracked.parse_pointer(rel, data)
            outs = [(pointer.out_rel(o), o.hash_info) for o in pointer.outs]
        found.update(dict.fromkeys(outs))
    return list(found)


def _push_outputs(
    repo: Repo, new: list[Output], inherited: list[Output], commits: int, jobs: int | None
) -> PushOutcome:
    """`gitml push` of these outputs; what neither the remote nor the cache has is split
    into objects the pushed commits introduce (lost) and older ones (unavailable)."""
    from gitml import used
    from gitml.commands.push import push_outputs

    result = push_outputs(repo, new + inherited, jobs=jobs)
    required = used.expand(repo, new).oids
    return PushOutcome(
        commits,
        result.remote,
        result.transfer,
        lost=tuple(g for g in result.not_local if g[1] in required),
        unavailable=tuple(g for g in result.not_local if g[1] not in required),
    )
