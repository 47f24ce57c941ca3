"""issue 12 items 16 and 17: the published pipeline schema flags unknown stage keys; a plot
whose y names several files is one chart with a series per file and column."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli, snapshot, write
from tests.dvc_oracle import PUBLISHED, schema_errors

ROOT = Path(__file__).resolve().parents[1]

# --- item 17: schemas/pipeline.json refuses an unknown stage key --------------------------


@pytest.mark.parametrize(
    ("pipeline", "path"),
    [
        ("stages:\n  a:\n    cmd: echo\n    dep: [x]\n", "stages.a"),
        (
            "stages:\n  a:\n    foreach: [1]\n    do:\n      cmd: echo\n      dep: [x]\n",
            "stages.a.do",
        ),
        ("stages:\n  a:\n    foreach: [1]\n    cmd: echo\n    do:\n      cmd: echo\n", "stages.a"),
        (
            "stages:\n  a:\n    cmd: echo\n    outs:\n      - o:\n          cahce: false\n",
            "stages.a.outs.0",
        ),
        ("stages:\n  a:\n    deps: [x]\n", "stages.a"),
    ],
)
def test_published_schema_refuses_unknown_stage_keys(
    tmp_path: Path, pipeline: str, path: str
) -> None:
    """issue 12 item 17: an editor using schemas/pipeline.json flags `dep:` (a typo of
    `deps:`), an unknown key beside foreach or in `do`, an unknown out flag, a missing cmd."""
    write(tmp_path / "gitml.yaml", pipeline)
    errors = schema_errors(tmp_path / "gitml.yaml")
    assert errors and all(e.startswith(f"{path}:") for e in errors), errors


def test_published_schema_accepts_templated_values(tmp_path: Path) -> None:
    """issue 12 item 17: ${...} where DVC takes a string (cmd, wdir, deps, params, desc, an
    out's path, foreach, a matrix axis) and every stage key DVC knows."""
    pipeline = """\
vars: [{d: data, k: lr, l: [1, 2]}]
stages:
  a:
    cmd:
      - echo ${d}
      - echo 2
    wdir: ${d}
    deps:
      - ${d}/x
    params:
      - ${k}
      - p.yaml: [a]
    outs:
      - ${d}/o
      - m.pkl: {cache: false, persist: true, push: false, remote: r, desc: x}
    metrics: [{m.json: {cache: false, type: t, labels: [a], meta: {k: 1}}}]
    plots: [{p.csv: {x: a, y: [b], template: linear, title: t, x_label: a, y_label: b}}]
    frozen: false
    always_changed: true
    desc: ${d}
    meta: ${d}
    vars: [{z: 1}]
  b:
    foreach: ${l}
    do:
      cmd: echo ${item}
      vars: [{z: 1}]
  c:
    matrix:
      x: ${l}
      y: [1, 2]
    cmd: echo ${item.x}
plots:
  - p.csv
  - loss: {y: {h.json: loss, o.json: [loss, acc]}, x: {h.json: step, o.json: step}}
metrics: [m.json]
params: [p.yaml]
"""
    write(tmp_path / "gitml.yaml", pipeline)
    assert schema_errors(tmp_path / "gitml.yaml") == []


def test_schema_stage_keys_match_stage_schema() -> None:
    """issue 12 item 17: the raw stage keys are stage.json's (after templating) plus vars and
    matrix, so the editor and gitml never disagree on what a key is."""
    raw = json.loads((PUBLISHED / "pipeline.json").read_text())["$defs"]["stage"]
    expanded = json.loads((PUBLISHED / "stage.json").read_text())
    assert set(raw["properties"]) == set(expanded["properties"]) | {"vars", "matrix"}
    assert raw["additionalProperties"] is False


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        (
            "stages:\n  a:\n    cmd: echo hi\n    dep: [x]\n",
            "error: gitml.yaml:4: stage 'a': unknown key 'dep'",
        ),
        (
            "stages:\n  a:\n    foreach: [1]\n    do:\n      cmd: echo\n      dep: [x]\n",
            "error: gitml.yaml:6: stage 'a': unknown key 'do.dep'",
        ),
        (
            "stages:\n  a:\n    foreach: [1]\n    cmd: echo\n    do:\n      cmd: echo\n",
            "error: gitml.yaml:4: stage 'a': a 'foreach' stage has only 'foreach' and 'do';"
            " move 'cmd' into 'do'",
        ),
        (
            "stages:\n  a:\n    cmd: c\n    outs:\n      - o:\n          cahce: false\n",
            "error: gitml.yaml:6: stage 'a': unknown key 'outs.0.o.cahce'",
        ),
        (
            "stages:\n  a:\n    deps: [x]\n",
            "error: gitml.yaml:2: stage 'a': 'cmd' is a required property",
        ),
    ],
)
def test_cli_names_the_stage_in_one_line(repo: Path, pipeline: str, message: str) -> None:
    """issue 12 item 17: with the stricter schema gitml still says it its own way, once:
    its own check of stage keys runs before jsonschema."""
    write(repo / "gitml.yaml", pipeline)
    before = snapshot(repo)
    for args in (["repro"], ["status"]):
        res = run_cli(*args)
        assert res.code == 2
        assert res.err.splitlines() == [message], res.err
    assert snapshot(repo) == before


def test_schemas_folder_is_the_documented_home() -> None:
    """issue 12 item 17: `schemas/` at the top of the repository is the package's schemas
    (a link), and formats.md points editors at it."""
    assert (ROOT / "schemas").resolve() == (ROOT / "gitml" / "schemas").resolve()
    assert sorted(os.listdir(ROOT / "schemas")) == sorted(os.listdir(ROOT / "gitml" / "schemas"))
    docs = (ROOT / "docs" / "formats.md").read_text()
    assert "schemas/pipeline.json" in docs and "not yet by the editor" not in docs
