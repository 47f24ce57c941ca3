"""History in bulk, through the `git` binary: the commits a push sends, the blobs those
commits (or one tree) hold, and many blobs read at once (the pre-push hook, lineage).
One `git` call per question, whatever the number of commits or blobs."""

from __future__ import annotations

from gitml import scm


def commits_between(
    root: str,
    include: tuple[str, ...],
    exclude: tuple[str, ...] = (),
    *,
    not_on_remotes: bool = False,
) -> tuple[list[str], list[str]]:
    """(commits reachable from `include` but not from `exclude` [or any remote-tracking ref],
    the boundary: excluded parents of those commits)."""
    args = ["rev-list", "--boundary", *include, "--not", *exclude]
    if not_on_remotes:
        args.append("--remotes")
    commits: list[str] = []
    boundary: list[str] = []
    for line in scm.run(root, *args).decode().split():
        (boundary if line.startswith("-") else commits).append(line.lstrip("-"))
    return commits, boundary


def blobs_changed_in(root: str, commits: list[str], patterns: list[str]) -> set[tuple[str, str]]:
    """(path, blob sha) of files matching `patterns` that `commits` add or change, compared
    with each parent (a root commit: with the empty tree)."""
    if not commits:
        return set()
    args = ["diff-tree", "--stdin", "-m", "-r", "-z", "--no-renames", "--root", "--", *patterns]
    tokens = scm.run(root, *args, data="\n".join(commits).encode() + b"\n").split(b"\0")
    found = set()
    for i, token in enumerate(tokens):
        if token.startswith(b":") and i + 1 < len(tokens):
            _old_mode, new_mode, _old, new, status = token[1:].decode().split()
            if status != "D" and new_mode.startswith("100"):
                found.add((tokens[i + 1].decode("utf-8"), new))
    return found


def blobs_in_tree(root: str, rev: str, suffix: str, names: tuple[str, ...]) -> set[tuple[str, str]]:
    """(path, blob sha) of files ending in `suffix`, or named as one of `names` (in any
    folder: `gitml.lock`, `sub/gitml.lock`), at `rev`."""
    out = scm.run(root, "ls-tree", "-r", "-z", "--full-tree", rev)
    found = set()
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        path = raw_path.decode("utf-8")
        mode, kind, sha = meta.decode().split()
        named = path.rpartition("/")[2] in names
        if kind == "blob" and mode.startswith("100") and (path.endswith(suffix) or named):
            found.add((path, sha))
    return found


def read_blobs(root: str, shas: list[str]) -> dict[str, bytes]:
    """The content of each blob in `shas` (one `git cat-file --batch`)."""
    if not shas:
        return {}
    out = scm.run(root, "cat-file", "--batch", data="\n".join(shas).encode() + b"\n")
    blobs, pos = {}, 0
    for sha in shas:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode().split()
        pos = end + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        blobs[sha] = out[pos : pos + size]
        pos += size + 1
    return blobs

