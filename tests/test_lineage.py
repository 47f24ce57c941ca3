"""Lineage (issue 16): the upstream walk, OpenLineage events, --used-by, annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import git, run_cli, snapshot, write

PIPELINE = """\
stages:
  prepare:
    cmd: python3 prepare.py
    deps: [prepare.py, data/raw.csv]
    params: [prepare.split]
    outs: [data/clean.csv]
  featurize:
    cmd: python3 featurize.py
    deps: [featurize.py, data/clean.csv]
    outs: [data/features]
  train:
    cmd: python3 train.py
    deps: [train.py, data/features]
    params: [train.lr]
    outs: [model.pkl]
artifacts:
  churn:
    path: model.pkl
    type: model
"""

PREPARE = "open('data/clean.csv', 'w').write(open('data/raw.csv').read() + 'clean\\n')\n"
FEATURIZE = (
    "import os; os.makedirs('data/features', exist_ok=True)\n"
    "open('data/features/f.txt', 'w').write(open('data/clean.csv').read().upper())\n"
)
TRAIN = "open('model.pkl', 'w').write('model of ' + open('data/features/f.txt').read())\n"


def _ok(*args: str) -> str:
    result = run_cli(*args)
    assert result.code == 0, result.err
    return result.out


def _chain(repo: Path) -> None:
    write(repo / "gitml.yaml", PIPELINE)
    write(repo / "params.yaml", "prepare: {split: 0.2}\ntrain: {lr: 0.1}\n")
    write(repo / "prepare.py", PREPARE)
    write(repo / "featurize.py", FEATURIZE)
    write(repo / "train.py", TRAIN)
    write(repo / "data" / "raw.csv", "a,b\n1,2\n")
    _ok("add", "data/raw.csv")
    _ok("repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")


def _lineage(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_ok("lineage", *args, "--json"))
    return data


def _stage(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in data["stages"] if s["name"] == name)
    return found


def _dep(stage: dict[str, Any], path: str) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in stage["deps"] if d["path"] == path)
    return found


def _lock(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((repo / "gitml.lock").read_text())
    return data


def _lock_dep(lock: dict[str, Any], stage: str, path: str) -> str:
    return str(next(d for d in lock["stages"][stage]["deps"] if d["path"] == path)["digest"])


def test_path_target_walks_three_stages_down_to_raw_data(repo: Path) -> None:
    """issue 16 item 1: `lineage model.pkl` names each stage (upstream first) with cmd, code
    and data deps with digests, params and outs, the tracked raw data and the commit."""
    _chain(repo)
    data = _lineage("model.pkl")
    assert [s["name"] for s in data["stages"]] == ["prepare", "featurize", "train"]
    lock = _lock(repo)
    train = _stage(data, "train")
    assert train["cmd"] == "python3 train.py"
    assert _dep(train, "train.py") == {
        "path": "train.py", "kind": "code", "producer": None,
        "digest": _lock_dep(lock, "train", "train.py"),
    }
    assert _dep(train, "data/features")["kind"] == "data"
    assert _dep(train, "data/features")["producer"] == "featurize"
    assert train["params"] == {"params.yaml": {"train.lr": 0.1}}
    assert train["outs"][0]["path"] == "model.pkl"
    assert _dep(_stage(data, "prepare"), "data/raw.csv")["kind"] == "data"
    raw = yaml.safe_load((repo / "data" / "raw.csv.gitml").read_text())["outs"][0]["digest"]
    assert [(d["path"], d["digest"]) for d in data["data"]] == [("data/raw.csv", raw)]
    assert data["commit"]["sha"] == git(repo, "rev-parse", "HEAD").strip()
    assert data["commit"]["author"] and data["commit"]["date"]
    text = _ok("lineage", "model.pkl")
    assert "stage featurize" in text and "data dep: data/raw.csv " + raw in text


def test_stage_artifact_and_tracked_targets(repo: Path) -> None:
    """issue 16 item 1: a stage, an artifact name and tracked data are TARGETs too."""
    _chain(repo)
    assert [s["name"] for s in _lineage("featurize")["stages"]] == ["prepare", "featurize"]
    art = _lineage("churn")
    assert art["kind"] == "artifact" and art["paths"] == ["model.pkl"]
    assert [s["name"] for s in art["stages"]] == ["prepare", "featurize", "train"]
    raw = _lineage("data/raw.csv.gitml")
    assert raw["stages"] == [] and raw["data"][0]["path"] == "data/raw.csv"
    inner = _lineage("data/features/f.txt")  # a file inside a folder out
    assert inner["stages"][-1]["name"] == "featurize"


def test_code_and_data_change_between_revisions(repo: Path) -> None:
    """issue 16 item 1: with a code change, then a data change, each revision's walk names
    that revision's digests (read from Git objects, nothing checked out)."""
    _chain(repo)
    v1 = _lock(repo)
    write(repo / "train.py", TRAIN + "# tuned\n")
    _ok("repro")
    git(repo, "commit", "-qam", "code change")
    v2 = _lock(repo)
    write(repo / "data" / "raw.csv", "a,b\n3,4\n")
    _ok("add", "data/raw.csv")
    _ok("repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data change")
    v3 = _lock(repo)
    before = snapshot(repo)
    for rev, lock in (("HEAD~2", v1), ("HEAD~1", v2), ("HEAD", v3)):
        data = _lineage("model.pkl", "--rev", rev)
        assert data["commit"]["sha"] == git(repo, "rev-parse", rev).strip()
        assert _dep(_stage(data, "train"), "train.py")["digest"] == _lock_dep(
            lock, "train", "train.py"
        )
        assert _dep(_stage(data, "prepare"), "data/raw.csv")["digest"] == _lock_dep(
            lock, "prepare", "data/raw.csv"
        )
        assert data["data"][0]["digest"] == _lock_dep(lock, "prepare", "data/raw.csv")
    assert _lock_dep(v1, "train", "train.py") != _lock_dep(v2, "train", "train.py")
    assert _lock_dep(v2, "prepare", "data/raw.csv") != _lock_dep(v3, "prepare", "data/raw.csv")
    assert snapshot(repo) == before


def test_registry_references(repo: Path) -> None:
    """issue 16 item 1: `NAME@vX.Y.Z` and `NAME#STAGE` walk the registered commit."""
    _chain(repo)
    first = git(repo, "rev-parse", "HEAD").strip()
    _ok("registry", "register", "churn", "--version", "v1.0.0")
    _ok("registry", "assign", "churn", "prod", "--version", "v1.0.0")
    write(repo / "train.py", TRAIN + "# v2\n")
    _ok("repro")
    git(repo, "commit", "-qam", "v2")
    for ref in ("churn@v1.0.0", "churn#prod"):
        data = _lineage(ref)
        assert data["kind"] == "registry" and data["commit"]["sha"] == first
        assert data["artifact"] == "churn"
    assert _lineage("churn")["commit"]["sha"] != first


def test_bad_targets_exit_2(repo: Path) -> None:
    """issue 16 item 1: an unknown target, an unknown version: one error line, exit 2."""
    _chain(repo)
    before = snapshot(repo)
    for args in (["nope.txt"], ["churn@v9.9.9"], ["model.pkl", "--rev", "nosuchrev"]):
        result = run_cli("lineage", *args)
        assert result.code == 2, (args, result.err)
        assert result.err.startswith("error:") and result.err.count("\n") <= 2
    assert snapshot(repo) == before


def test_md_and_mermaid(repo: Path) -> None:
    """issue 16 item 1: --md and --mermaid print the same walk."""
    _chain(repo)
    md = _ok("lineage", "model.pkl", "--md")
    assert "## Stage `train`" in md and "`data/raw.csv`" in md
    mermaid = _ok("lineage", "model.pkl", "--mermaid")
    assert mermaid.startswith("flowchart LR") and '"featurize"' in mermaid


# The published OpenLineage JSON Schemas, vendored unmodified under tests/openlineage/ (see its
# README): spec/OpenLineage.json (2-0-2) and spec/facets/DatasetVersionDatasetFacet.json
# (1-0-1) of OpenLineage/OpenLineage at commit 8f02abfb7a252783b95df79f443edb13959bf52c.
OL_FILES = ("OpenLineage.json", "DatasetVersionDatasetFacet.json")


def _openlineage_schemas() -> list[dict[str, Any]]:
    here = Path(__file__).parent / "openlineage"
    return [json.loads((here / name).read_text()) for name in OL_FILES]


def test_openlineage_events_validate_against_the_published_schema(repo: Path) -> None:
    """issue 16 item 1: --openlineage prints one COMPLETE RunEvent per stage, valid against
    OpenLineage's published JSON Schema (2-0-2) and its DatasetVersion facet; run ids are
    UUIDv5 of commit and stage, the same on every call."""
    import uuid

    import jsonschema
    from referencing import Registry, Resource

    _chain(repo)
    core, version_facet = _openlineage_schemas()
    registry: Registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in (core, version_facet)
    )
    checker = jsonschema.Draft202012Validator(
        core, registry=registry, format_checker=jsonschema.FormatChecker()
    )
    facet_checker = jsonschema.Draft202012Validator(
        version_facet, registry=registry, format_checker=jsonschema.FormatChecker()
    )
    events = json.loads(_ok("lineage", "model.pkl", "--openlineage"))
    assert [e["job"]["name"] for e in events] == ["prepare", "featurize", "train"]
    sha = git(repo, "rev-parse", "HEAD").strip()
    for event in events:
        checker.validate(event)
        assert event["eventType"] == "COMPLETE"
        assert uuid.UUID(event["run"]["runId"]).version == 5
        for ds in event["inputs"] + event["outputs"]:
            facet_checker.validate(ds["facets"])
    ids = {e["run"]["runId"] for e in events}
    assert len(ids) == 3 and ids == {
        e["run"]["runId"] for e in json.loads(_ok("lineage", "train", "--openlineage"))
    }
    train = events[-1]
    assert train["run"]["facets"]["gitml_stage"]["commit"] == sha
    model = train["outputs"][0]
    assert model["name"] == "model.pkl"
    assert model["facets"]["version"]["datasetVersion"] == _lock(repo)["stages"]["train"][
        "outs"
    ][0]["digest"]
    bad = dict(events[0], eventType="DONE")
    assert not checker.is_valid(bad)


def _used_by(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_ok("lineage", "--used-by", *args, "--json"))
    return data


def test_used_by_across_branches_tags_and_experiments(repo: Path) -> None:
    """issue 16 item 2: --used-by names every commit and stage whose deps include that data
    version (by digest): on HEAD's history by default, other branches with --all-branches,
    tags with --all-tags, experiments always, registry versions of those commits; a second
    question reads only new commits (the cache in .gitml/tmp)."""
    _chain(repo)
    v1 = git(repo, "rev-parse", "HEAD").strip()
    raw_v1 = _lock_dep(_lock(repo), "prepare", "data/raw.csv")
    _ok("registry", "register", "churn", "--version", "v1.0.0")
    # a branch that changes the code only: still uses raw v1
    git(repo, "checkout", "-qb", "tune")
    write(repo / "train.py", TRAIN + "# tuned\n")
    _ok("repro")
    git(repo, "commit", "-qam", "tune")
    tuned = git(repo, "rev-parse", "HEAD").strip()
    # an experiment on top of v1's history: a commit whose parent is the baseline
    exp = git(repo, "commit-tree", "-p", v1, "-m", "exp", tuned + "^{tree}").strip()
    git(repo, "update-ref", f"refs/exps/{v1[:2]}/{v1[2:]}/bold-exp", exp)
    # a tag on an orphan-ish commit reachable from no branch
    git(repo, "tag", "old-run", git(repo, "commit-tree", "-m", "t", "HEAD^{tree}").strip())
    git(repo, "checkout", "-q", "main" if "main" in git(repo, "branch") else "master")
    write(repo / "data" / "raw.csv", "a,b\n5,6\n")
    _ok("add", "data/raw.csv")
    _ok("repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "new data")
    v2 = git(repo, "rev-parse", "HEAD").strip()

    now = _used_by("data/raw.csv")
    assert now["digest"] != raw_v1
    assert [c["commit"] for c in now["commits"]] == [v2]
    assert now["commits"][0]["stages"] == [{"stage": "prepare", "dep": "data/raw.csv"}]

    old = _used_by(f"data/raw.csv@{v1}")
    assert old["digest"] == raw_v1
    assert {c["commit"] for c in old["commits"]} == {v1, exp}
    assert old["artifacts"] == [{"artifact": "churn", "version": "v1.0.0", "commit": v1}]
    assert old["experiments"] == [{"name": "bold-exp", "commit": exp}]
    branches = _used_by(f"data/raw.csv@{v1}", "--all-branches")
    assert {c["commit"] for c in branches["commits"]} == {v1, exp, tuned}
    tagged = _used_by(f"data/raw.csv@{v1}", "--all-tags")
    assert len(tagged["commits"]) == 3  # v1, exp, and the tagged commit (tuned's tree)
    assert len(_used_by(f"data/raw.csv@{v1}", "-A")["commits"]) == 4
    # the features (a stage out) are data too: train used them
    feats = _used_by("data/features")
    assert feats["commits"][0]["stages"] == [{"stage": "train", "dep": "data/features"}]


def test_used_by_cache_reads_only_new_commits(repo: Path) -> None:
    """issue 16 item 2: the second question reads no commit from Git; after one new commit,
    only that one; a damaged cache file is rebuilt, not trusted."""
    from gitml.commands.lineage_used_by import used_by
    from gitml.repo import find_repo

    _chain(repo)
    first = used_by(find_repo(str(repo)), "data/raw.csv")
    assert first.read >= 2 and len(first.commits) == 1
    assert used_by(find_repo(str(repo)), "data/raw.csv").read == 0
    write(repo / "notes.txt", "x")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "notes")
    again = used_by(find_repo(str(repo)), "data/raw.csv")
    assert again.read == 1 and len(again.commits) == 2
    cache = repo / ".gitml" / "tmp" / "lineage-cache.json"
    cache.write_text("{not json")
    rebuilt = used_by(find_repo(str(repo)), "data/raw.csv")
    assert rebuilt.read == again.searched and rebuilt.commits == again.commits


def test_used_by_bad_input_exit_2(repo: Path) -> None:
    """issue 16 item 2: an unknown path, or TARGET with --used-by: exit 2, nothing written."""
    _chain(repo)
    before = snapshot(repo)
    for args in (["--used-by", "nope.csv"], ["model.pkl", "--used-by", "data/raw.csv"]):
        result = run_cli("lineage", *args)
        assert result.code == 2, result.err
        assert result.err.startswith("error:")
    assert snapshot(repo) == before
