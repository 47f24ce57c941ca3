"""`gitml lineage --used-by PATH[@REV]`: every commit, stage, artifact version and experiment
whose stage deps include PATH's data version at REV (by digest). A registry version is
listed when its artifact, at its commit, is that data or downstream of a stage that used it."""

from __future__ import annotations

from gitml.errors import BadInputError
from gitml.lineage import facts as commit_facts
from gitml.lineage import lockcache, usedby
from gitml.lineage import target as targets
from gitml.lineage.walk import related
from gitml.repo import Repo


def used_by(
    repo: Repo, spec: str, *, branches: bool = False, tags: bool = False, commits: bool = False
) -> usedby.UsedBy:
    """Search HEAD's history and the experiments (and every branch, tag, or ref)."""
    text, sha = _split(repo, spec)
    rel = targets.path_rel(repo, text)
    digest = _digest_at(repo, sha, rel)
    refs = ["HEAD", "--glob=refs/exps/*"]
    refs += ["--branches"] if branches else []
    refs += ["--tags"] if tags else []
    refs += ["--all"] if commits else []
    s = lockcache.scan(repo.root, repo.tmp_dir, refs)
    hits = usedby.consumers(s, digest)
    found = {c for c, _ in hits}
    return usedby.UsedBy(
        rel, digest, sha, len(s.commits), s.read, hits, _artifacts(repo, s, digest, found),
        _experiments(repo, found),
    )


def _split(repo: Repo, spec: str) -> tuple[str, str]:
    """PATH@REV -> (PATH, REV's commit) when REV names a commit; else (spec, HEAD's)."""
    path, at, rev = spec.rpartition("@")
    if at and path and rev:
        try:
            return path, commit_facts.resolve(repo.root, rev)
        except BadInputError:
            pass  # a path with an `@` in its name
    return spec, commit_facts.resolve(repo.root, "HEAD")


def _digest_at(repo: Repo, sha: str, rel: str) -> str:
    facts = commit_facts.facts_at(repo, sha)
    if rel in facts.pointers:
        return facts.pointers[rel].hash_info.digest
    for stage in facts.stages.values():
        for entry in (*stage.outs, *stage.deps):
            if entry.path == rel:
                return entry.hash_info.digest
    raise BadInputError(
        f"{rel}: neither tracked data nor a stage's dep or out at commit {sha[:8]}"
    )


def _artifacts(
    repo: Repo, s: lockcache.Scan, digest: str, found: set[str]
) -> list[tuple[str, str, str]]:
    """The registered versions, on commits in `found`, whose artifact path is the data or
    downstream of it there (usedby.reached)."""
    from gitml.registry import index, tags

    st = index.build(tags.read_tags(repo.root))
    listed = []
    declared: dict[str | None, dict[str, str]] = {}
    for a in st.artifacts.values():
        for v in a.versions:
            if v.commit_hexsha not in found or not v.is_registered:
                continue
            path = _artifact_path(repo, declared, v.commit_hexsha, a.name)
            reached = usedby.reached(s, v.commit_hexsha, digest)
            if path is not None and any(related(path, p) for p in reached):
                listed.append((a.name, v.version, v.commit_hexsha))
    return sorted(listed)


def _artifact_path(
    repo: Repo, declared: dict[str | None, dict[str, str]], sha: str, name: str
) -> str | None:
    """The artifact's path as gitml.yaml declares it at `sha` (else in the workspace)."""
    from gitml.registry import artifacts

    for at in (sha, None):
        if at not in declared:
            try:
                declared[at] = {n: d.path for n, d in artifacts.declared_at(repo, at).items()}
            except BadInputError:
                declared[at] = {}
        if name in declared[at]:
            return declared[at][name]
    return None


def _experiments(repo: Repo, found: set[str]) -> list[tuple[str, str]]:
    from gitml.experiments import refs

    return sorted((e.name, e.sha) for e in refs.all_experiments(repo.root) if e.sha in found)
