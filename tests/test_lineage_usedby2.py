"""Lineage (issue 16, session 5): `--used-by` lists a registry version only when its
artifact is the data or downstream of a stage that used it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import git, run_cli, write

PIPELINE = """\
stages:
  prepare:
    cmd: python3 prepare.py
    deps: [prepare.py, data/raw.csv]
    outs: [data/clean]
  train:
    cmd: python3 train.py
    deps: [train.py, data/clean/clean.csv]
    outs: [model.pkl]
  report:
    cmd: python3 report.py
    deps: [report.py]
    outs: [report.pkl]
artifacts:
  churn:
    path: model.pkl
    type: model
  summary:
    path: report.pkl
    type: model
  features:
    path: data/clean
  raw:
    path: data/raw.csv
"""

PREPARE = (
    "import os; os.makedirs('data/clean', exist_ok=True)\n"
    "open('data/clean/clean.csv', 'w').write(open('data/raw.csv').read() + 'clean\\n')\n"
)
TRAIN = "open('model.pkl', 'w').write('model of ' + open('data/clean/clean.csv').read())\n"
REPORT = "open('report.pkl', 'w').write('a report of nothing in particular\\n')\n"


def _ok(*args: str) -> str:
    result = run_cli(*args)
    assert result.code == 0, result.err
    return result.out


def _pipeline(repo: Path) -> str:
    write(repo / "gitml.yaml", PIPELINE)
    write(repo / "prepare.py", PREPARE)
    write(repo / "train.py", TRAIN)
    write(repo / "report.py", REPORT)
    write(repo / "data" / "raw.csv", "a,b\n1,2\n")
    _ok("add", "data/raw.csv")
    _ok("repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    for name in ("churn", "summary", "features", "raw"):
        _ok("registry", "register", name, "--version", "v1.0.0")
    return git(repo, "rev-parse", "HEAD").strip()


def _used_by(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_ok("lineage", "--used-by", *args, "--json"))
    return data


def test_used_by_lists_only_artifacts_downstream_of_the_data(repo: Path) -> None:
    """issue 16 gap (session 5): two model artifacts in one commit, only one downstream of
    the data (raw -> prepare -> train -> model.pkl; report.pkl from code alone): --used-by
    lists the downstream one (through two stages, by a file inside a folder out), the folder
    out, and the data itself; not the other."""
    v1 = _pipeline(repo)
    found = _used_by("data/raw.csv")
    assert [c["commit"] for c in found["commits"]] == [v1]
    assert found["artifacts"] == [
        {"artifact": "churn", "version": "v1.0.0", "commit": v1},
        {"artifact": "features", "version": "v1.0.0", "commit": v1},
        {"artifact": "raw", "version": "v1.0.0", "commit": v1},
    ]
    text = _ok("lineage", "--used-by", "data/raw.csv")
    assert "artifact churn v1.0.0" in text and "summary" not in text
    # from the prepared data on: only what train made is downstream
    clean = _used_by("data/clean/clean.csv")  # a file inside the folder artifact
    assert [a["artifact"] for a in clean["artifacts"]] == ["churn", "features"]


def test_used_by_artifact_downstream_at_its_own_commit(repo: Path) -> None:
    """issue 16 gap (session 5): what is downstream is read at each version's commit: when a
    later commit makes report.pkl from the data, summary's version there is listed, its
    v1.0.0 (made without the data) still not."""
    v1 = _pipeline(repo)
    pipeline = PIPELINE.replace("deps: [report.py]", "deps: [report.py, model.pkl]")
    write(repo / "gitml.yaml", pipeline)
    write(repo / "report.py", "open('report.pkl', 'w').write(open('model.pkl').read())\n")
    _ok("repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "report from the model")
    v2 = git(repo, "rev-parse", "HEAD").strip()
    _ok("registry", "register", "summary", "--version", "v1.1.0")
    found = _used_by("data/raw.csv")
    assert {c["commit"] for c in found["commits"]} == {v1, v2}
    assert [(a["artifact"], a["version"]) for a in found["artifacts"]] == [
        ("churn", "v1.0.0"), ("features", "v1.0.0"), ("raw", "v1.0.0"), ("summary", "v1.1.0"),
    ]
