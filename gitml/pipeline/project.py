"""Load the project's pipelines: every gitml.yaml -> expanded, validated stages -> one Dag.

The root `gitml.yaml` and any `sub/gitml.yaml` (found as pointers are: tracked or untracked
but not ignored, nor `.gitmlignore`d) make one graph, as dvc.yaml files do in DVC. A sub
pipeline's paths are relative to its folder and made repo-relative here; its stages are
addressed `sub/gitml.yaml:NAME` (pipeline/stage.py `address`).
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable

from gitml import tracked, yamlio
from gitml.constants import PIPELINE_FILE
from gitml.errors import BadInputError
from gitml.pipeline import shape, template
from gitml.pipeline.dag import Dag, build
from gitml.pipeline.lock import join
from gitml.pipeline.params import DEFAULT_PARAMS, read_params
from gitml.pipeline.stage import Stage, load_stages
from gitml.repo import Repo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_NAMED = re.compile(r"stages? '([^'@]+)[^']*'(?: and '([^'@]+)[^']*')?|a cycle: ([^ @]+)")
_KEY = re.compile(r"unknown key '([^']+)'")


def _located(e: BadInputError, file: str, raw: bytes, local: Callable[[str], str]) -> BadInputError:
    """A problem of a stage of pipeline `file` as `FILE:LINE: ...`, at the stage (or the key)
    it names (`local`: that stage's name inside the file)."""
    named = _NAMED.search(e.message)
    if named is None:
        return e
    stage = local(named.group(2) or named.group(1) or named.group(3))
    key = _KEY.search(e.message)
    where = ("stages", stage, key.group(1)) if key else ("stages", stage)
    line = yamlio.line_of(raw, where)
    return type(e)(f"{file}:{line}: {e.message.removeprefix(f'{file}: ')}", hint=e.hint)


def _across(
    e: BadInputError, raw_of: Callable[[str], bytes], stages: dict[str, Stage]
) -> BadInputError:
    """A problem between stages (shared outs, a cycle), located in the file of the (last)
    stage it names."""
    named = _NAMED.search(e.message)
    if named is None or not e.message.startswith(("stages '", "pipeline has a cycle")):
        return e
    owner = stages.get(named.group(2) or named.group(1) or named.group(3))
    if owner is None:
        return e
    return _located(e, owner.file, raw_of(owner.file), lambda _: owner.local_name)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def pipeline_path(repo: Repo, file: str = PIPELINE_FILE) -> str:
    return repo.abspath(file)


def load_dag(
    repo: Repo,
    raw: bytes | None = None,
    *,
    file: str = PIPELINE_FILE,
    found: tracked.Listing | None = None,
) -> Dag:
    """The project's pipeline (an empty Dag when there is no gitml.yaml); bad ones raise,
    exit 2. `raw` checks a new text of pipeline `file` before it is written; `found`
    reuses a listing of the work tree."""
    found = found or tracked.listing(repo)
    files = list(found.pipelines)
    if raw is not None and file not in files:
        files.append(file)
    if not files:
        return Dag({}, {})
    texts: dict[str, bytes] = {}

    def raw_of(rel: str) -> bytes:
        if rel not in texts:
            texts[rel] = raw if raw is not None and rel == file else _read(repo.abspath(rel))
        return texts[rel]

    stages: list[Stage] = []
    top_levels: dict[str, dict[str, Any]] = {}
    for rel in files:
        doc = _load_doc(repo, rel, raw if rel == file else None)
        loaded, top = _load_file(repo, rel, doc, raw_of)
        stages += loaded
        if top:
            top_levels[rel] = top
    try:
        outputs = [p.out_rel(o) for p in tracked.load_all(repo, found) for o in p.outs]
        dag = build(stages, outputs)
    except BadInputError as e:
        raise _across(e, raw_of, {s.name: s for s in stages}) from e
    return Dag(dag.stages, dag.upstream, top_levels, tuple(files))


def _load_doc(repo: Repo, rel: str, raw: bytes | None) -> dict[str, Any]:
    if raw is not None:
        doc = yamlio.loads(
            raw, where=rel, schema_name="pipeline", yaml12=True, precheck=shape.problem
        )
    else:
        doc = yamlio.load_file(
            repo.abspath(rel),
            schema_name="pipeline",
            memo=repo.state,
            where=rel,
            yaml12=True,
            precheck=shape.problem,
        )
    return doc or {}


def _load_file(
    repo: Repo, rel: str, doc: dict[str, Any], raw_of: Callable[[str], bytes]
) -> tuple[list[Stage], dict[str, Any]]:
    """The stages and top-level section of one pipeline file; its vars files and its default
    params.yaml are in its folder."""
    base = posixpath.dirname(rel)
    defaults = None
    default_params = posixpath.join(base, DEFAULT_PARAMS)
    if os.path.exists(repo.abspath(default_params)):
        defaults = read_params(repo.root, default_params)

    def load_vars(path: str) -> dict[str, Any]:
        return read_params(repo.root, join(base, path, f"{rel}: vars"))

    def expand(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return template.expand_stages(d, where=rel, load_vars=load_vars, default_vars=defaults)

    if doc.get("artifacts"):  # names and paths now; that each is an out, at register time
        from gitml.registry import artifacts

        artifacts.parse(doc["artifacts"], where=rel)
    try:
        stages = load_stages(doc, where=rel, expand=expand, memo=repo.state, file=rel)
    except BadInputError as e:
        if not e.message.startswith(f"{rel}: "):
            raise
        raise _located(e, rel, raw_of(rel), lambda name: name) from e
    top = template.resolve_top_level(doc, where=rel, load_vars=load_vars, default_vars=defaults)
    return stages, top
