"""Load the repository's pipeline: gitml.yaml -> expanded, validated stages -> Dag."""

from __future__ import annotations

import os
import re
from typing import Any

from gitml import tracked, yamlio
from gitml.constants import PIPELINE_FILE
from gitml.errors import BadInputError
from gitml.paths import check_relpath
from gitml.pipeline import template
from gitml.pipeline.dag import Dag, build
from gitml.pipeline.params import DEFAULT_PARAMS, read_params
from gitml.pipeline.stage import load_stages
from gitml.registry import artifacts as registry_artifacts
from gitml.repo import Repo

_NAMED = re.compile(r"stages? '([^'@]+)[^']*'(?: and '([^'@]+)[^']*')?|a cycle: ([^ @]+)")
_KEY = re.compile(r"unknown key '([^']+)'")


def _located(e: BadInputError, raw: bytes) -> BadInputError:
    """A problem of a stage as `gitml.yaml:LINE: ...`, at the stage (or the key) it names."""
    prefix = f"{PIPELINE_FILE}: "
    named = _NAMED.search(e.message)
    ours = e.message.startswith((prefix, "stages '", "pipeline has a cycle"))
    if not ours or named is None:
        return e
    stage = named.group(2) or named.group(1) or named.group(3)
    key = _KEY.search(e.message)
    where = ("stages", stage, key.group(1)) if key else ("stages", stage)
    line = yamlio.line_of(raw, where)
    return type(e)(f"{PIPELINE_FILE}:{line}: {e.message.removeprefix(prefix)}", hint=e.hint)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def pipeline_path(repo: Repo) -> str:
    return os.path.join(repo.root, PIPELINE_FILE)


def load_dag(repo: Repo, raw: bytes | None = None) -> Dag:
    """The pipeline (an empty Dag when there is no gitml.yaml); bad ones raise, exit 2.

    `raw` checks a new text of gitml.yaml before it is written.
    """
    path = pipeline_path(repo)
    if raw is not None:
        doc = yamlio.loads(raw, where=PIPELINE_FILE, schema_name="pipeline", yaml12=True) or {}
    elif not os.path.exists(path):
        return Dag({}, {})
    else:
        doc = yamlio.load_file(
            path, schema_name="pipeline", memo=repo.state, where=PIPELINE_FILE, yaml12=True
        )
        doc = doc or {}
    defaults = None
    if os.path.exists(repo.abspath(DEFAULT_PARAMS)):
        defaults = read_params(repo.root, DEFAULT_PARAMS)

    def load_vars(rel: str) -> dict[str, Any]:
        return read_params(repo.root, check_relpath(rel, where=f"{PIPELINE_FILE}: vars"))

    def expand(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return template.expand_stages(
            d, where=PIPELINE_FILE, load_vars=load_vars, default_vars=defaults
        )

    try:
        registry_artifacts.parse(doc.get("artifacts"))  # names and paths; outs at register
        stages = load_stages(doc, where=PIPELINE_FILE, expand=expand, memo=repo.state)
        outputs = [p.out_rel(o) for p in tracked.load_all(repo) for o in p.outs]
        dag = build(stages, outputs)
    except BadInputError as e:
        raise _located(e, raw if raw is not None else _read(path)) from e
    top = template.resolve_top_level(
        doc, where=PIPELINE_FILE, load_vars=load_vars, default_vars=defaults
    )
    dag.top_level.update(top)
    return dag
