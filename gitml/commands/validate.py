"""`gitml validate`: check gitml's files against their schemas and the pipeline's rules,
one `path:line: problem` line per bad file (also the `gitml-validate` hook)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from gitml.constants import GITML_DIR, LOCK_FILE_NAME, PIPELINE_FILE, POINTER_SUFFIX
from gitml.repo import Repo


def validate(root: str, files: Sequence[str] = ()) -> list[str]:
    """Schema-check gitml's files (`files`, or all of them): config, every gitml.yaml (the
    whole pipeline, sub pipelines too) and gitml.lock, pointers. Every bad file is one
    `path:line: problem` line."""
    from gitml import config, tracked
    from gitml.errors import GitmlError
    from gitml.pipeline import lock as lockfile
    from gitml.pipeline.project import load_dag

    repo = Repo(root)
    rels = [os.path.relpath(os.path.abspath(f), root).replace(os.sep, "/") for f in files]
    rels = rels or _all_gitml_files(repo)
    problems = []
    for rel in rels:
        if not os.path.isfile(repo.abspath(rel)):
            continue
        try:
            if rel in (f"{GITML_DIR}/config.yaml", f"{GITML_DIR}/config.local.yaml"):
                config.load_raw(repo.abspath(rel), repo.state)
            elif rel.rpartition("/")[2] == PIPELINE_FILE:
                load_dag(repo, _read(repo, rel), file=rel)
            elif rel.rpartition("/")[2] == LOCK_FILE_NAME:
                lockfile.load(repo.root, repo.state, rel)
            elif rel.endswith(POINTER_SUFFIX):
                tracked.load_pointer(repo, rel)
            else:
                continue
        except GitmlError as e:  # 'path:line: what' (maybe of a file gitml.yaml needs)
            named = str(e).split(":", 1)[0]
            text = str(e) if named == rel or os.path.isfile(repo.abspath(named)) else f"{rel}: {e}"
            problems.append(text)
    return list(dict.fromkeys(problems))


def _read(repo: Repo, rel: str) -> bytes:
    with open(repo.abspath(rel), "rb") as f:
        return f.read()


def _all_gitml_files(repo: Repo) -> list[str]:
    from gitml import tracked
    from gitml.pipeline.lock import lock_rel

    fixed = [f"{GITML_DIR}/config.yaml", f"{GITML_DIR}/config.local.yaml"]
    found = tracked.listing(repo)
    pointers = [rel for rel, _ in found.pointers]
    subs = [p for p in found.pipelines if p != PIPELINE_FILE]
    pipelines = [x for p in subs for x in (lock_rel(p), p)]
    return [*fixed, *pointers, LOCK_FILE_NAME, PIPELINE_FILE, *pipelines]
