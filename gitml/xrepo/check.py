"""Has an import's source moved on? One `git ls-remote` per source URL, bounded in time,
asked by `gitml status` only when there are imports; an unreachable source is told, never
an error."""

from __future__ import annotations

import os
from collections.abc import Sequence

from gitml.pointer import ImportSource, Pointer
from gitml.record import dataclass

LS_REMOTE_TIMEOUT_S = 4.0
# the transports a source URL may use: Git's "known-safe" ones and local paths; never a
# `transport::address` helper (`ext::sh -c ...` runs a command), whoever wrote the pointer
SCHEMES = ("file", "http", "https", "ssh", "git", "git+ssh", "ssh+git")


def url_problem(url: str) -> str | None:
    """Why gitml will not hand `url` to Git, or None."""
    if not url or url.startswith("-"):
        return "not a Git repository URL"
    if "://" in url:
        if url.split("://", 1)[0].lower() not in SCHEMES:
            return f"unsupported URL scheme (use one of {', '.join(SCHEMES)}, or a path)"
    elif "::" in url:
        return "Git transport helpers (TRANSPORT::ADDRESS) are not allowed"
    return None


@dataclass(frozen=True)
class Moved:
    """`pointer`'s source rev now names `new`, not the recorded `source.rev_lock`."""

    pointer: str
    source: ImportSource
    new: str

    def __str__(self) -> str:
        rev = self.source.rev or "HEAD"
        return f"update available (rev {rev}: {self.source.rev_lock[:7]} -> {self.new[:7]})"


def updates(
    pointers: Sequence[Pointer],
) -> tuple[tuple[tuple[str, str, str], ...], tuple[str, ...]]:
    """What `gitml status` tells: (pointer, output, "update available (...)") of each import
    whose source moved on, and one line per source it could not ask."""
    moved, problems = check(pointers)
    by_rel = {p.rel: p for p in pointers}
    rows = tuple(
        (m.pointer, by_rel[m.pointer].out_rel(by_rel[m.pointer].outs[0]), str(m)) for m in moved
    )
    return rows, tuple(problems)


def check(pointers: Sequence[Pointer]) -> tuple[list[Moved], list[str]]:
    """(imports whose source moved on, one line per source that could not be asked)."""
    imports = [(p.rel, p.source) for p in pointers if p.source is not None]
    todo = [(rel, s) for rel, s in imports if not _is_sha(s.rev)]
    urls = sorted({s.url for _, s in todo})
    if not urls:
        return [], []
    if len(urls) == 1:
        answers = {urls[0]: _ls_remote(urls[0])}
    else:  # every source at once: the wait is the slowest one's, not their sum
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(8, len(urls))) as pool:
            answers = dict(zip(urls, pool.map(_ls_remote, urls), strict=True))
    moved, problems = [], []
    for rel, source in todo:
        refs = answers[source.url]
        if isinstance(refs, str):
            problems.append(f"{rel}: cannot check its source for updates ({refs})")
            continue
        new = _resolve(refs, source.rev)
        if new is None and _is_hex(source.rev):
            continue  # a commit id (abbreviated): pinned, it cannot move
        if new is None:
            problems.append(f"{rel}: rev {source.rev!r} is no longer in {source.url}")
        elif new != source.rev_lock:
            moved.append(Moved(rel, source, new))
    return moved, problems


def _is_hex(rev: str | None) -> bool:
    return rev is not None and len(rev) >= 4 and all(c in "0123456789abcdef" for c in rev)


def _is_sha(rev: str | None) -> bool:
    return rev is not None and len(rev) == 40 and all(c in "0123456789abcdef" for c in rev)


def _resolve(refs: dict[str, str], rev: str | None) -> str | None:
    if rev is None:
        return refs.get("HEAD")
    for name in (
        f"refs/tags/{rev}^{{}}",
        f"refs/tags/{rev}",
        f"refs/heads/{rev}",
        f"{rev}^{{}}",
        rev,
    ):
        if name in refs:
            return refs[name]
    return None


def _ls_remote(url: str) -> dict[str, str] | str:
    """ref -> sha of every ref at `url`; or why it could not be asked (one line)."""
    import subprocess

    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=4")
    problem = url_problem(url)
    if problem is not None:
        return f"{url}: {problem}"
    try:
        proc = subprocess.run(
            ["git", "ls-remote", "--", url],
            capture_output=True,
            timeout=LS_REMOTE_TIMEOUT_S,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{url} did not answer in {LS_REMOTE_TIMEOUT_S:.0f} s"
    except OSError as e:
        return f"git ls-remote failed: {e.strerror}"
    if proc.returncode != 0:
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        return f"{url} unreachable: {lines[-1] if lines else proc.returncode}"
    refs = {}
    for line in proc.stdout.decode(errors="replace").splitlines():
        sha, _, ref = line.partition("\t")
        refs[ref] = sha
    return refs
