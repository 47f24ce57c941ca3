"""One commit's lineage facts: every gitml.lock's stages and every pointer's outputs, read
from Git objects (one `git ls-tree`, one `git cat-file --batch`), never checked out."""

from __future__ import annotations

import posixpath
import re

from gitml import githistory, scm, tracked, yamlio
from gitml.constants import LOCK_FILE_NAME, PIPELINE_FILE, POINTER_SUFFIX
from gitml.errors import BadInputError
from gitml.hashing import HashInfo
from gitml.pipeline import lock as lockfile
from gitml.record import dataclass, field
from gitml.repo import Repo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class Tracked:
    """An output of a pointer file (raw data, or a model added by hand)."""

    path: str  # repo-relative
    pointer: str  # the pointer file
    hash_info: HashInfo
    annotations: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    email: str
    date: str  # ISO 8601, the author date
    subject: str


_IDENT = re.compile(r"([^<>\n]*?) <([^<>\n]*)> ([0-9]+) ([-+])([0-9]{2})([0-9]{2})")


@dataclass
class Facts:
    stages: dict[str, lockfile.StageLock] = field(default_factory=dict)  # by address
    pointers: dict[str, Tracked] = field(default_factory=dict)  # by output path


def address_of(lock_rel: str, name: str) -> str:
    folder = posixpath.dirname(lock_rel)
    return name if not folder else f"{folder}/{PIPELINE_FILE}:{name}"


def gitml_blobs(root: str, sha: str) -> dict[str, str]:
    """path -> blob sha of every pointer and gitml.lock in the tree of `sha`."""
    listed = githistory.blobs_in_tree(root, sha, POINTER_SUFFIX, (LOCK_FILE_NAME,))
    return dict(sorted(listed))


def parse(repo: Repo, sha: str, blobs: dict[str, bytes]) -> Facts:
    """The facts of the files in `blobs` (path -> bytes) at commit `sha`."""
    facts = Facts()
    for rel, raw in sorted(blobs.items()):
        where = f"{sha[:8]}:{rel}"
        if lockfile.is_lock_rel(rel):
            base = posixpath.dirname(rel)
            for name, stage in lockfile.loads(raw, where, repo.state, base).items():
                facts.stages[address_of(rel, name)] = stage
        elif rel.endswith(POINTER_SUFFIX):
            try:
                data = yamlio.loads(raw, where=where, schema_name="pointer", memo=repo.state)
                pointer = tracked.parse_pointer(rel, data)
            except BadInputError:
                continue  # a stray `notes.gitml` that is no pointer
            for out in pointer.outs:
                path = pointer.out_rel(out)
                notes = dict(out.annotations)
                if pointer.meta and "meta" not in notes:
                    notes["meta"] = pointer.meta
                if pointer.desc and "desc" not in notes:
                    notes["desc"] = pointer.desc
                facts.pointers[path] = Tracked(path, rel, out.hash_info, notes)
    return facts


def facts_at(repo: Repo, sha: str) -> Facts:
    listed = gitml_blobs(repo.root, sha)
    raws = githistory.read_blobs(repo.root, sorted(set(listed.values())))
    return parse(repo, sha, {rel: raws[b] for rel, b in listed.items() if b in raws})


def commit_at(root: str, rev: str) -> Commit:
    """The commit `rev` names (BadInputError if none), read with one `git cat-file --batch`
    (its header and message parsed here, as `git show` formats them; else `commit_of`)."""
    if not rev or "\n" in rev:
        raise BadInputError(f"unknown revision {rev!r}")
    out = scm.run(root, "cat-file", "--batch", data=f"{rev}^{{commit}}\n".encode())
    header, _, rest = out.partition(b"\n")
    words = header.decode("utf-8", "replace").split(" ")
    if len(words) != 3 or words[1] != "commit" or not words[2].isdigit():
        raise BadInputError(f"unknown revision {rev!r}")
    sha = words[0]
    return _parsed(sha, rest[: int(words[2])]) or commit_of(root, sha)


def _parsed(sha: str, raw: bytes) -> Commit | None:
    """A commit object's author, date and subject; None if it is not in the plain form
    (another encoding, an unusual ident, a message with a carriage return)."""
    import datetime

    text = raw.decode("utf-8", "replace")
    head, _, message = text.partition("\n\n")
    if "\r" in text or "\nencoding " in "\n" + head:
        return None
    author = next((h[7:] for h in head.split("\n") if h.startswith("author ")), None)
    ident = _IDENT.fullmatch(author or "")
    if ident is None:
        return None
    name, email, stamp, sign, hours, minutes = ident.groups()
    offset = datetime.timedelta(hours=int(hours), minutes=int(minutes))
    if sign == "-" and not offset:
        return None  # `-0000`: leave its spelling to git
    zone = datetime.timezone(-offset if sign == "-" else offset)
    date = datetime.datetime.fromtimestamp(int(stamp), zone).isoformat()
    lines = message.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    subject = []
    for line in lines:
        if not line.strip():
            break
        subject.append(line.strip())
    return Commit(sha, name, email, date, " ".join(subject))


def commit_of(root: str, sha: str) -> Commit:
    out = scm.run(root, "show", "-s", "--format=%H%x00%an%x00%ae%x00%aI%x00%s", sha, "--")
    full, author, email, date, subject = [*out.decode("utf-8", "replace").split("\0"), "", ""][:5]
    return Commit(full.strip(), author, email, date, subject.strip())


def resolve(root: str, rev: str) -> str:
    return scm.resolve(root, rev)
