"""Choosing experiments as DVC's `exp remove/push/pull` do (names, `--rev`/`-n`, `-A`), and
deleting their refs (one atomic `git update-ref --stdin` transaction, each delete only if
the ref still holds the sha we saw: a concurrent update is never lost)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gitml import gitrefs, scm
from gitml.errors import BadInputError, GitmlError
from gitml.experiments import queue
from gitml.experiments.refs import EXPS, ExpRef, all_experiments, parse

QUEUE = f"{EXPS}queue/"


@dataclass(frozen=True)
class Selection:
    names: Sequence[str] = ()
    revs: Sequence[str] = ()  # baselines: experiments of these commits
    num: int = 1  # ... and of their first-parent ancestors, `num` commits in all (<0: all)
    all_commits: bool = False


def head(root: str) -> str | None:
    """HEAD's full sha, or None before the first commit."""
    return None if scm.head_is_unborn(root) else scm.resolve(root, "HEAD")


def pick(exps: Sequence[ExpRef], name: str, baseline: str | None) -> ExpRef | None:
    """The experiment `name` names among `exps` (a name, a full ref, or a sha prefix of
    4+ digits), preferring one of `baseline`; None if none; an error if ambiguous."""
    if name.startswith(EXPS):
        hits = [e for e in exps if e.ref == name]
    else:
        hits = [e for e in exps if e.name == name]
        if not hits and re.fullmatch(r"[0-9a-f]{4,40}", name):
            hits = [e for e in exps if e.sha.startswith(name)]
    if len(hits) > 1 and baseline:
        hits = [e for e in hits if e.baseline == baseline] or hits
    if len(hits) > 1:
        revs = ", ".join(e.baseline[:7] for e in hits)
        raise BadInputError(
            f"experiment name '{name}' is ambiguous (baselines {revs})",
            hint="give its full ref, refs/exps/...",
        )
    return hits[0] if hits else None


def choose(
    root: str, exps: Sequence[ExpRef], sel: Selection, *, default_head: bool, where: str = ""
) -> list[ExpRef]:
    """The experiments of `exps` that `sel` selects; an unknown name is one clear error.
    With no name, no --rev and no -A, `default_head` selects those of HEAD (DVC's push/pull)."""
    if sel.all_commits:
        return list(exps)
    if sel.names:
        base = head(root)
        chosen: dict[str, ExpRef] = {}
        unknown = []
        for name in sel.names:
            hit = pick(exps, name, base)
            if hit is None:
                unknown.append(name)
            else:
                chosen[hit.ref] = hit
        if unknown:
            raise BadInputError(
                f"unknown experiment '{unknown[0]}'{where}"
                + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""),
                hint="see 'gitml exp show'",
            )
        return list(chosen.values())
    revs = list(sel.revs) or (["HEAD"] if default_head else [])
    if not revs:
        return []
    bases = baselines(root, revs, sel.num)
    return [e for e in exps if e.baseline in bases]


def baselines(root: str, revs: Iterable[str], num: int) -> set[str]:
    """Each rev and its first-parent ancestors, `num` commits in all (num < 0: all)."""
    shas: set[str] = set()
    for rev in revs:
        sha = scm.resolve(root, rev)
        limit = [] if num < 0 else [f"--max-count={max(num, 1)}"]
        out = scm.run(root, "rev-list", "--first-parent", *limit, sha)
        shas.update(out.decode().split())
    return shas


def local(root: str) -> list[ExpRef]:
    return all_experiments(root)


def delete_refs(root: str, refs: dict[str, str]) -> None:
    """Delete each ref -> sha in one transaction, each only if it still holds that sha: all
    go or none (a ref changed meanwhile is named in the error)."""
    if not refs:
        return
    lines = "".join(f"delete {ref} {sha}\n" for ref, sha in sorted(refs.items()))
    try:
        scm.run(root, "update-ref", "--stdin", data=f"start\n{lines}prepare\ncommit\n".encode())
    except GitmlError as e:
        raise gitrefs.RefExistsError(
            f"experiments changed while being removed; nothing removed ({e.message})"
        ) from e


@dataclass(frozen=True)
class Queued:
    id: str
    name: str  # "" when the queue does not say
    sha: str
    running: bool = False


def queued(root: str) -> list[Queued]:
    """Refs under refs/exps/queue/ (the queue's own listing adds names and states)."""
    known = {e.id: e for e in queue.entries(root)}
    found = []
    for ref, sha in sorted(gitrefs.listing(root, QUEUE).items()):
        qid = ref[len(QUEUE) :]
        entry = known.get(qid)
        running = entry is not None and entry.state == "running"
        found.append(Queued(qid, entry.name if entry else "", sha, running))
    return found


def exp_refs(exps: Iterable[ExpRef]) -> dict[str, str]:
    return {e.ref: e.sha for e in exps}


def queue_refs(entries: Iterable[Queued]) -> dict[str, str]:
    return {f"{QUEUE}{q.id}": q.sha for q in entries}


def is_exp_ref(ref: str) -> bool:
    return parse(ref) is not None
