"""Experiments through a Git remote (their refs) and the gitml remote (their data).

Refs move with plain `git`: `ls-remote` lists the remote's experiments, `push`/`fetch` move
`ref:ref` (`--atomic`: all or none); a ref that would replace a different experiment of the
same name is refused before anything moves, unless forced. What the data side needs of an
experiment commit is read from its own tree: the outs of its pointers and gitml.lock, and
the run-cache keys of its lock's stages.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitml import scm, used
from gitml.constants import LOCK_FILE_NAME
from gitml.errors import EXIT_ERROR, BadInputError, GitmlError
from gitml.experiments.refs import EXPS, ExpRef, parse
from gitml.pipeline import lock as lockfile
from gitml.pipeline.runcache import key_of
from gitml.repo import Repo


class GitRemoteError(GitmlError):
    """The Git remote could not be reached or refused an update."""

    exit_code = EXIT_ERROR


def check_remote(root: str, remote: str) -> None:
    """A configured remote name, a URL or a path; never something read as an option."""
    if not remote or remote.startswith("-"):
        raise BadInputError(f"invalid Git remote '{remote}'")
    names = scm.run(root, "remote").decode().split()
    if remote not in names and not any(c in remote for c in "/:\\."):
        raise BadInputError(
            f"unknown Git remote '{remote}'", hint="see 'git remote -v', or give a URL"
        )


def remote_experiments(root: str, remote: str) -> list[ExpRef]:
    """Every experiment ref on the Git remote (one `git ls-remote`)."""
    out = _git(root, "ls-remote", "--refs", remote, f"{EXPS}*")
    found = []
    for line in out.decode("utf-8", "replace").splitlines():
        sha, _, ref = line.partition("\t")
        exp = parse(ref, sha)
        if exp is not None:
            found.append(exp)
    return sorted(found, key=lambda e: (e.baseline, e.name))


def diverged(mine: Sequence[ExpRef], theirs: Sequence[ExpRef]) -> list[ExpRef]:
    """Of `mine`, those whose ref exists in `theirs` at another commit."""
    other = {e.ref: e.sha for e in theirs}
    return [e for e in mine if other.get(e.ref, e.sha) != e.sha]


def refuse_diverged(clash: Sequence[ExpRef], where: str) -> None:
    if clash:
        raise BadInputError(
            f"experiment '{clash[0].name}' {where} is a different experiment of the same name",
            hint="use -f/--force to replace it",
        )


def push_refs(root: str, remote: str, exps: Sequence[ExpRef], *, force: bool) -> None:
    """`git push --atomic REMOTE ref:ref...`: every ref or none."""
    if exps:
        specs = [f"{'+' if force else ''}{e.ref}:{e.ref}" for e in exps]
        _git(root, "push", "--atomic", "--quiet", "--no-verify", remote, *specs)


def fetch_refs(root: str, remote: str, exps: Sequence[ExpRef], *, force: bool) -> None:
    """`git fetch --atomic REMOTE ref:ref...`: every ref or none (objects come along)."""
    if exps:
        specs = [f"{'+' if force else ''}{e.ref}:{e.ref}" for e in exps]
        _git(root, "fetch", "--atomic", "--quiet", "--no-tags", "--no-write-fetch-head",
             remote, *specs)


def delete_remote_refs(root: str, remote: str, exps: Sequence[ExpRef]) -> None:
    """Delete the refs on the remote, each only if it still holds the sha we listed."""
    if exps:
        leases = [f"--force-with-lease={e.ref}:{e.sha}" for e in exps]
        _git(root, "push", "--atomic", "--quiet", "--no-verify", *leases, remote,
             *[f":{e.ref}" for e in exps])


def needs(repo: Repo, shas: Sequence[str]) -> tuple[list[used.Output], set[str]]:
    """The cached outs of the pointers and gitml.lock of each commit, and the run-cache keys
    of its lock's stages."""
    outs: dict[used.Output, None] = {}
    keys: set[str] = set()
    for sha in shas:
        outs.update((o, None) for o in used.outputs_at(repo, sha))
        raw = scm.read_at(repo.root, sha, LOCK_FILE_NAME)
        if raw is not None:
            locks = lockfile.loads(raw, f"{sha[:8]}:{LOCK_FILE_NAME}", repo.state)
            keys.update(key_of(stage) for stage in locks.values())
    return list(outs), keys


def _git(root: str, *args: str) -> bytes:
    try:
        return scm.run(root, *args)
    except GitmlError as e:
        raise GitRemoteError(e.message) from e
