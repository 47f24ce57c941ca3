"""Load the repository's pipeline: gitml.yaml -> expanded, validated stages -> Dag."""

from __future__ import annotations

import os
from typing import Any

from gitml import tracked, yamlio
from gitml.constants import PIPELINE_FILE
from gitml.paths import check_relpath
from gitml.pipeline import template
from gitml.pipeline.dag import Dag, build
from gitml.pipeline.params import DEFAULT_PARAMS, read_params
from gitml.pipeline.stage import load_stages
from gitml.repo import Repo


def pipeline_path(repo: Repo) -> str:
    return os.path.join(repo.root, PIPELINE_FILE)


def load_dag(repo: Repo, raw: bytes | None = None) -> Dag:
    """The pipeline (an empty Dag when there is no gitml.yaml); bad ones raise, exit 2.

    `raw` checks a new text of gitml.yaml before it is written.
    """
    path = pipeline_path(repo)
    if raw is not None:
        doc = yamlio.loads(raw, where=PIPELINE_FILE, schema_name="pipeline") or {}
    elif not os.path.exists(path):
        return Dag({}, {})
    else:
        doc = yamlio.load_file(path, schema_name="pipeline", memo=repo.state, where=PIPELINE_FILE)
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

    stages = load_stages(doc, where=PIPELINE_FILE, expand=expand, memo=repo.state)
    outputs = [p.out_rel(o) for p in tracked.load_all(repo) for o in p.outs]
    dag = build(stages, outputs)
    dag.top_level.update({k: doc[k] for k in ("metrics", "plots", "params") if doc.get(k)})
    return dag
