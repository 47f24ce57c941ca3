"""Every tag of the repository with one `git for-each-ref`: name, tagger, time, message,
target, and the target commit's author, committer and message (GTO's "enrichment" event)."""

from __future__ import annotations

from typing import NamedTuple

from gitml import scm

_FIELDS = (
    "%(refname)",
    "%(objecttype)",
    "%(object)",
    "%(taggername)",
    "%(taggeremail)",
    "%(taggerdate:raw)",
    "%(contents)",
    "%(contents:signature)",
    "%(*committerdate:raw)",
    "%(*authorname)",
    "%(*authoremail)",
    "%(*committername)",
    "%(*committeremail)",
    "%(*contents)",
)
_FORMAT = "".join(f + "%00" for f in _FIELDS)
# Every registry tag has '@' or '#' in it; other tags are left out by Git itself (reading
# their peeled commits was most of the time with 2,000 release tags). `*` stops at '/'.
_PATTERNS = ("refs/tags/**/*@*", "refs/tags/**/*#*")


# Plain classes, not dataclasses: `registry show` in CI starts in a fresh process each time,
# and building dataclasses costs more there than the rest of the answer.


class Person(NamedTuple):
    name: str
    email: str


class Stamp(NamedTuple):
    """A Git time: seconds since the epoch and the writer's UTC offset in seconds."""

    time: int
    offset: int


class CommitInfo(NamedTuple):
    author: Person
    committer: Person
    date: Stamp  # the committer's
    message: str


class RawTag(NamedTuple):
    name: str  # without refs/tags/
    annotated: bool
    target: str  # the object the tag points to (a commit, for registry tags)
    tagger: Person
    date: Stamp
    message: str  # without a signature
    commit: CommitInfo | None


def read_tags(root: str, artifact: str | None = None) -> list[RawTag]:
    """Every tag that may be a registry tag (its name has '@' or '#'), sorted by name;
    lightweight ones included, as GTO counts them when it numbers a new tag. With
    `artifact`, only that artifact's tags."""
    patterns = _PATTERNS
    if artifact is not None:  # only its tags (names have no glob characters)
        base = "refs/tags/" + artifact.replace(":", "=")
        patterns = (base + "@*", base + "#*")
    out = scm.run(root, "for-each-ref", f"--format={_FORMAT}", *patterns)
    fields = out.decode("utf-8", errors="replace").split("\0")
    n = len(_FIELDS)
    tags = [_tag(fields[i : i + n]) for i in range(0, len(fields) - n + 1, n)]
    return sorted(tags, key=lambda t: t.name)


def _tag(f: list[str]) -> RawTag:
    name = f[0].lstrip("\n").removeprefix("refs/tags/")
    annotated = f[1] == "tag"
    message = f[6]
    if f[7] and message.endswith(f[7]):
        message = message[: -len(f[7])]
    commit = None
    if annotated and f[8]:
        commit = CommitInfo(
            author=Person(f[9], _email(f[10])),
            committer=Person(f[11], _email(f[12])),
            date=_stamp(f[8]),
            message=f[13],
        )
    date = _stamp(f[5]) if annotated else Stamp(0, 0)
    return RawTag(name, annotated, f[2], Person(f[3], _email(f[4])), date, message, commit)


def _email(text: str) -> str:
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text


def _stamp(raw: str) -> Stamp:
    """`1700000000 +0130` -> Stamp(1700000000, 5400)."""
    parts = raw.split()
    if len(parts) != 2 or len(parts[1]) != 5:
        return Stamp(int(parts[0]) if parts and parts[0].isdigit() else 0, 0)
    zone = parts[1]
    sign = -1 if zone[0] == "-" else 1
    return Stamp(int(parts[0]), sign * (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60))
