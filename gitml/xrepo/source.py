"""A source repository: a bare mirror clone, read at a commit with Git plumbing (no checkout).

The mirror of URL lives in `<folder>/<hash of URL>/` (`.gitml/tmp/repos/` in a gitml
repository, a temp folder for `get` outside one); it is fetched when a rev must be resolved.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import shutil
import tempfile
from collections.abc import Iterator

from gitml import githistory, repolock, scm, tracked, yamlio
from gitml.config import Config
from gitml.constants import CONFIG_FILE, GITML_DIR, LOCK_FILE_NAME, POINTER_SUFFIX
from gitml.errors import BadInputError, GitmlError
from gitml.hashing import HashInfo
from gitml.paths import check_not_private, check_relpath
from gitml.pipeline import lock as lockfile
from gitml.record import dataclass

MIRRORS = "repos"  # under .gitml/tmp/
MIRROR_WAIT_S = 120.0
_OFFLINE = "check the network and the URL; the data already imported stays as it is"
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "SSH_ASKPASS": "true"}


@dataclass(frozen=True)
class Found:
    """What a path is in the source at one commit: a gitml output (`info` set; `owner` is
    the pointer file or gitml.lock naming it) or a Git file or folder (`info` None)."""

    path: str
    info: HashInfo | None
    owner: str = ""
    git_dir: bool = False
    inner: str = ""  # a path inside the folder output `path` names (`d/sub/f.csv`: `sub/f.csv`)

    @property
    def full(self) -> str:
        """The path asked for, in the source."""
        return f"{self.path}/{self.inner}" if self.inner else self.path


def normalize_url(url: str) -> str:
    """A local path as an absolute path (the pointer then works from any folder); any other
    Git URL as given."""
    _check_url(url)
    if "://" not in url and os.path.exists(url):
        return os.path.abspath(url)
    return url


def _check_url(url: str) -> None:
    from gitml.xrepo.check import url_problem

    problem = url_problem(url)
    if problem is not None:
        raise BadInputError(f"{url!r}: {problem}")


def is_local(url: str) -> bool:
    return url.startswith("file://") or ("://" not in url and os.path.isabs(url))


def local_path(url: str) -> str:
    return url.removeprefix("file://")


class Source:
    """The Git repository at `url`, through its mirror `git_dir`."""

    def __init__(self, url: str, git_dir: str) -> None:
        self.url, self.git_dir = url, git_dir
        self._outputs: dict[str, dict[str, tuple[HashInfo, str]]] = {}

    def resolve(self, rev: str | None) -> str:
        """The commit `rev` (default: the source's HEAD) names, or BadInputError."""
        try:
            return scm.resolve(self.git_dir, rev or "HEAD")
        except BadInputError:
            raise BadInputError(f"{self.url}: unknown revision {rev or 'HEAD'!r}") from None

    def read(self, sha: str, rel: str) -> bytes | None:
        return scm.read_at(self.git_dir, sha, rel)

    def config(self, sha: str) -> Config:
        """Its tracked `.gitml/config.yaml` at `sha` (validated); BadInputError when there is
        none: then it is no gitml repository."""
        rel = f"{GITML_DIR}/{CONFIG_FILE}"
        raw = self.read(sha, rel)
        if raw is None:
            raise BadInputError(
                f"{self.url}: not a gitml repository (no {rel} at {sha[:7]})",
                hint="gitml get/import read data from repositories where 'gitml init' was run",
            )
        where = f"{self.url}@{sha[:7]}:{rel}"
        data = yamlio.loads(raw, where=where, schema_name="config") or {}
        return Config(remote=data.get("core", {}).get("remote"), remotes=data.get("remotes", {}))

    def outputs(self, sha: str) -> dict[str, tuple[HashInfo, str]]:
        """Every cached output at `sha`, of pointers and of every gitml.lock: path -> (hash,
        the file naming it); each file schema- and path-checked as a clone's would be."""
        if sha in self._outputs:
            return self._outputs[sha]
        listed = sorted(
            githistory.blobs_in_tree(self.git_dir, sha, POINTER_SUFFIX, (LOCK_FILE_NAME,))
        )
        blobs = githistory.read_blobs(self.git_dir, [b for _, b in listed])
        found: dict[str, tuple[HashInfo, str]] = {}
        for rel, blob in listed:
            raw, where = blobs.get(blob, b""), f"{self.url}@{sha[:7]}:{rel}"
            if rel.endswith(POINTER_SUFFIX):
                if rel.startswith(GITML_DIR + "/"):
                    continue
                data = yamlio.loads(raw, where=where, schema_name="pointer")
                pointer = tracked.parse_pointer(rel, data)  # the path checks a clone's get
                for out in pointer.outs:
                    found[pointer.out_rel(out)] = (out.hash_info, rel)
            else:
                base = posixpath.dirname(rel)
                for stage in lockfile.loads(raw, where, None, base).values():
                    for entry in stage.outs:
                        if entry.cache:
                            check_not_private(entry.path, where=where)
                            found[entry.path] = (entry.hash_info, rel)
        self._outputs[sha] = found
        return found

    def locate(self, sha: str, path: str, rev: str | None) -> Found:
        """What `path` is at `sha`: a gitml output, else a file or folder in Git."""
        rel = check_relpath(path.strip("/") or ".", where="PATH").removesuffix(POINTER_SUFFIX)
        check_not_private(rel, where="PATH")
        outs = self.outputs(sha)
        if rel in outs:
            info, owner = outs[rel]
            return Found(rel, info, owner)
        for out, (info, owner) in outs.items():
            if rel.startswith(out + "/") and info.is_dir:
                return Found(out, info, owner, inner=rel[len(out) + 1 :])
        kind = self.kind(sha, rel)
        if kind is None:
            raise BadInputError(
                f"{path}: not tracked by gitml in {self.url} and not in Git at"
                f" {rev or 'HEAD'} ({sha[:7]})"
            )
        return Found(rel, None, "", kind == "tree")

    def kind(self, sha: str, rel: str) -> str | None:
        """'blob' or 'tree' when Git holds `rel` at `sha`, else None."""
        try:
            out = scm.run(self.git_dir, "cat-file", "-t", f"{sha}:{rel}")
        except GitmlError:
            return None
        return out.decode().strip()

    def ls_tree(self, sha: str, rel: str, *, recursive: bool) -> list[TreeItem]:
        """Git's entries under folder `rel` at `sha` (`-r`: files only, at any depth)."""
        spec = f"{sha}:{rel}" if rel else sha
        args = ["ls-tree", "-z", "-l", *(["-r"] if recursive else []), spec]
        items = []
        for entry in scm.run(self.git_dir, *args).split(b"\0"):
            if entry:
                meta, _, raw = entry.partition(b"\t")
                mode, kind, oid, size = meta.decode().split()
                name = raw.decode("utf-8")
                full = posixpath.join(rel, name) if rel else name
                items.append(TreeItem(mode, kind, oid, full, int(size) if size != "-" else None))
        return items


@dataclass(frozen=True)
class TreeItem:
    """One entry of a Git tree: `path` from the repository's root."""

    mode: str
    kind: str  # blob, tree or commit (a submodule)
    oid: str
    path: str
    size: int | None  # blobs only


def mirror_folder(base: str, url: str) -> str:
    return os.path.join(base, hashlib.sha256(url.encode("utf-8")).hexdigest()[:20])


def open_source(url: str, base: str, *, rev: str | None = None) -> Source:
    """The source at `url` with its mirror under `base`: cloned the first time, fetched
    after (not when `rev` is a full commit id the mirror has); BadInputError when `url` is
    not a Git repository that can be reached."""
    _check_url(url)  # also a pointer's, which came with a clone
    folder = mirror_folder(base, url)
    os.makedirs(base, exist_ok=True)
    # one process fetches a mirror at a time (a clone's network wait included)
    with repolock.hold(folder + ".lock", repolock.Wait(MIRROR_WAIT_S), doing="fetching " + url):
        return _clone_or_fetch(url, base, folder, rev)


def _clone_or_fetch(url: str, base: str, folder: str, rev: str | None) -> Source:
    if os.path.isdir(folder):
        if not (rev and len(rev) == 40 and scm.is_commit(folder, rev)):
            try:
                scm.run(folder, "fetch", "--quiet", "--prune", "--force", "origin", env=_GIT_ENV)
            except GitmlError as e:  # it was a repository: a network or server problem
                error = GitmlError(f"{url}: cannot fetch it ({e})", hint=_OFFLINE)
                error.exit_code = 3  # not the input: the source was reached before
                raise error from e
        return Source(url, folder)
    tmp = tempfile.mkdtemp(prefix=".clone-", dir=base)
    try:
        _git_net(tmp, url, "clone", "--quiet", "--mirror", "--", url, os.path.join(tmp, "m"))
        try:
            os.replace(os.path.join(tmp, "m"), folder)
        except OSError:  # another process made it first: use theirs
            if not os.path.isdir(folder):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Source(url, folder)


def _git_net(cwd: str, url: str, *args: str) -> None:
    """A `git` call that talks to the source: never prompts; a failure names the URL."""
    try:
        scm.run(cwd, *args, env=_GIT_ENV)
    except GitmlError as e:
        raise BadInputError(f"{url}: not a Git repository, or it cannot be reached ({e})") from e


@contextlib.contextmanager
def temp_base() -> Iterator[str]:
    """A temp folder for mirrors (`get` outside a gitml repository), removed after."""
    folder = tempfile.mkdtemp(prefix="gitml-get-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
