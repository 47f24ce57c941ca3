"""Git through its binary: find the work tree, list files, read blobs at revisions, ignores,
the index and refs the hooks need (history across many commits: githistory.py).

Every call runs the `git` binary (a few ms). GitPython is imported only by gitobjects.py, to
build experiment commits; importing it costs ~40-80 ms, most of a `metrics diff`, for what
`rev-parse`, `ls-tree` and `cat-file` give directly.
"""

from __future__ import annotations

import os

from gitml import atomic
from gitml.errors import BadInputError, GitmlError, UnsafePathError


def find_git_root(start: str) -> str | None:
    """The nearest folder at or above `start` holding `.git` (a dir or a worktree file)."""
    path = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(path, ".git")):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def _git(
    root: str, *args: str, data: bytes | None = None, env: dict[str, str] | None = None
) -> bytes:
    """`git ARGS` (with `data` on stdin, and `env` added to the environment, if given); its
    stdout, or one clear error."""
    from gitml import spawn

    full_env = None if env is None else {**os.environ, **env}
    try:  # `-C root`: as if started there (posix_spawn has no cwd before Python 3.13)
        code, out, err = spawn.run(["git", "-C", root, *args], data=data, env=full_env)
    except FileNotFoundError as e:
        raise GitmlError("git is not installed or not on PATH") from e
    if code != 0:
        msg = err.decode(errors="replace").strip().splitlines()
        raise GitmlError(f"git {args[0]} failed: {msg[-1] if msg else code}")
    return out


run = _git  # for the other plain-`git` modules (gitrefs.py)


def ls_files(root: str, *patterns: str, untracked: bool = True) -> list[str]:
    """Repo-relative POSIX paths of tracked (and untracked, not ignored) files matching."""
    args = ["ls-files", "-z", "--cached"]
    if untracked:
        args += ["--others", "--exclude-standard"]
    out = _git(root, *args, "--", *patterns)
    return sorted({p for p in out.decode("utf-8").split("\0") if p})


def ls_files_tracked(root: str, *patterns: str) -> list[tuple[str, bool]]:
    """(path, tracked?) of tracked and untracked (not ignored) files matching `patterns`: one
    `git ls-files -t` (an untracked file's tag is '?')."""
    args = ["ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard"]
    out = _git(root, *args, "--", *patterns)
    items = {p[2:]: p[0] != "?" for p in out.decode("utf-8").split("\0") if len(p) > 2}
    return sorted(items.items())


def is_tracked(root: str, rel: str) -> bool:
    return bool(_git(root, "ls-files", "-z", "--cached", "--", rel))


def unstaged(root: str, rels: list[str]) -> list[str]:
    """Of `rels`, those whose work-tree file is untracked or differs from the index: the
    ones a `git add` would change."""
    if not rels:
        return []
    args = ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames"]
    out = _git(root, *args, "--", *rels).decode("utf-8").split("\0")
    listed = {entry[3:] for entry in out if len(entry) > 3 and entry[1] != " "}
    return [rel for rel in rels if rel in listed]


def resolve(root: str, rev: str) -> str:
    """Full commit sha of `rev`, or a BadInputError naming it."""
    try:
        out = _git(
            root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
        )
    except GitmlError as e:
        raise BadInputError(f"unknown revision {rev!r}") from e
    return out.decode().strip()


def _is_sha(rev: str) -> bool:
    return len(rev) == 40 and all(c in "0123456789abcdef" for c in rev)


def read_at(root: str, rev: str, rel: str) -> bytes | None:
    """The bytes of `rel` at `rev`, or None if it does not exist there (or is a folder).

    A symlink is refused: its blob holds the link's target, not a file's content."""
    entry = read_entry_at(root, rev, rel)
    if entry is None:
        return None
    is_link, data = entry
    if is_link:
        raise UnsafePathError(f"{rel} is a symlink at revision {rev[:12]}; gitml does not read it")
    return data


def read_entry_at(root: str, rev: str, rel: str) -> tuple[bool, bytes] | None:
    """(is a symlink, blob bytes) of `rel` at `rev`; None if no blob is there.

    One `git cat-file --batch` reads the parent folder's tree (for the entry's mode: `cat-file`
    does not print it in Git before 2.45) and the blob."""
    sha = rev if _is_sha(rev) else resolve(root, rev)  # callers pass resolved shas back in
    parent, _, name = rel.rpartition("/")
    tree_spec = f"{sha}:{parent}" if parent else f"{sha}^{{tree}}"
    out = _git(root, "cat-file", "--batch", data=f"{tree_spec}\n{sha}:{rel}\n".encode())
    tree, pos = _batch_object(out, 0)
    blob, _ = _batch_object(out, pos)
    if tree is None or blob is None or tree[0] != b"tree" or blob[0] != b"blob":
        return None
    mode = _tree_mode(tree[1], name.encode("utf-8"), tree[2])
    return mode == b"120000", blob[1]


def _batch_object(out: bytes, pos: int) -> tuple[tuple[bytes, bytes, int] | None, int]:
    """One object of `cat-file --batch` output at `pos`: ((type, bytes, raw id length), next)."""
    end = out.find(b"\n", pos)
    if end < 0:
        return None, len(out)
    fields = out[pos:end].split()
    if len(fields) < 3:  # "<spec> missing" or "ambiguous"
        return None, end + 1
    size = int(fields[2])
    start = end + 1
    return (fields[1], out[start : start + size], len(fields[0]) // 2), start + size + 1


def _tree_mode(tree: bytes, name: bytes, id_len: int) -> bytes | None:
    """The mode of entry `name` in a raw tree object (`<mode> <name>\\0<raw id>` each)."""
    pos = 0
    while pos < len(tree):
        space = tree.index(b" ", pos)
        nul = tree.index(b"\0", space)
        if tree[space + 1 : nul] == name:
            return tree[pos:space]
        pos = nul + 1 + id_len
    return None


batch_object = _batch_object  # for revfiles' bulk reads
tree_mode = _tree_mode


def add_to_gitignore(root: str, rel: str) -> bool:
    """Ignore `rel` in the .gitignore of its folder (`/name`); False if already there."""
    folder, name = os.path.split(rel)
    path = os.path.join(root, folder, ".gitignore")
    entry = "/" + name
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    if entry in text.splitlines():
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    atomic.write_text(path, text + entry + "\n")
    return True


def check_not_tracked(root: str, rel: str) -> None:
    if is_tracked(root, rel):
        raise BadInputError(
            f"{rel} is already tracked by Git",
            hint=f"run 'git rm -r --cached {rel}' first",
        )


def revisions(root: str, *, branches: bool, tags: bool, commits: bool) -> list[str]:
    """Commit shas of all local branches, all tags, or every commit reachable from any ref."""
    if commits:
        out = _git(root, "rev-list", "--all")
        return sorted(set(out.decode().split()))
    patterns = (["refs/heads"] if branches else []) + (["refs/tags"] if tags else [])
    if not patterns:
        return []
    out = _git(
        root, "for-each-ref", "--format=%(objectname) %(objecttype) %(*objectname)", *patterns
    )
    shas = set()
    for line in out.decode().splitlines():
        sha, kind, peeled = [*line.split(), "", ""][:3]
        shas.add(peeled if kind == "tag" and peeled else sha)
    return sorted(shas)


def default_branch(root: str) -> str | None:
    """origin's HEAD branch, else a local main or master."""
    try:
        ref = _git(root, "symbolic-ref", "-q", "refs/remotes/origin/HEAD").decode().strip()
        return ref.removeprefix("refs/remotes/")
    except GitmlError:
        pass
    for name in ("main", "master"):
        try:
            _git(root, "rev-parse", "--verify", "-q", f"refs/heads/{name}")
            return name
        except GitmlError:
            continue
    return None


def merge_base(root: str, a: str, b: str) -> str:
    return _git(root, "merge-base", a, b).decode().strip()


# --- hooks: the index, git paths, pushed commits, blobs (plain `git`, no GitPython) ---

ZERO_SHA = "0" * 40


def git_path(root: str, name: str) -> str:
    """Absolute `git rev-parse --git-path NAME` (`hooks` honours core.hooksPath)."""
    out = _git(root, "rev-parse", "--git-path", name).decode().strip()
    return os.path.normpath(os.path.join(root, out))


def staged_files(root: str) -> list[str]:
    """Repo-relative paths added, copied, modified or retyped in the index (not deleted)."""
    out = _git(root, "diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=ACMT")
    return [p for p in out.decode("utf-8").split("\0") if p]


def read_staged(root: str, rel: str) -> bytes | None:
    """The staged (index) bytes of `rel`, or None if it is not in the index."""
    try:
        return _git(root, "cat-file", "blob", f":{rel}")
    except GitmlError:
        return None


def reflog_subject(root: str, ref: str) -> str | None:
    """The subject of `ref`'s newest reflog entry ("checkout: moving from a to b"), if any."""
    out = _git(root, "reflog", "-n", "1", "--format=%gs", ref, "--").decode("utf-8", "replace")
    return out.strip() or None


def head_is_unborn(root: str) -> bool:
    """True when HEAD names a branch that has no commit yet (a new repository)."""
    try:
        _git(root, "symbolic-ref", "-q", "HEAD")
    except GitmlError:
        return False  # a detached HEAD always names a commit
    return not is_commit(root, "HEAD")


def is_commit(root: str, rev: str) -> bool:
    try:
        _git(root, "cat-file", "-e", f"{rev}^{{commit}}")
    except GitmlError:
        return False
    return True
