"""metrics show/diff, params diff and report on a repo with three commits and two branches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import chdir, git, run_cli, write

PIPELINE = """\
stages:
  train:
    cmd: python3 train.py
    deps: [train.py]
    params: [train, {cfg.json: [model.depth]}]
    outs: [model.bin]
    metrics: [{metrics.json: {cache: false}}, eval/scores.yaml]
"""

TRAIN = """\
import json, yaml
p = yaml.safe_load(open("params.yaml"))["train"]
depth = json.load(open("cfg.json"))["model"]["depth"]
acc = round(0.5 + p["lr"] * depth / 10, 4)
json.dump({"accuracy": acc, "nested": {"loss": round(1 - acc, 4)}, "model": p["name"]},
          open("metrics.json", "w"), sort_keys=True)
import os; os.makedirs("eval", exist_ok=True)
open("eval/scores.yaml", "w").write(f"auc: {acc}\\n")
open("model.bin", "w").write(f"{p} {depth}")
"""


def commit(repo: Path, msg: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", msg)
    return git(repo, "rev-parse", "HEAD").strip()


def set_params(repo: Path, lr: float, name: str = "lin", depth: int = 2) -> None:
    write(repo / "params.yaml", f"train:\n  lr: {lr}\n  name: {name}\nunused: 1\n")
    write(repo / "cfg.json", json.dumps({"model": {"depth": depth}}))


@pytest.fixture
def history(repo: Path) -> dict[str, str]:
    """main: c1, c2 (lr up); branch exp from c2: c3 (depth and name change). Workspace = c3."""
    write(repo / "gitml.yaml", PIPELINE)
    write(repo / "train.py", TRAIN)
    set_params(repo, 0.1)
    assert run_cli("repro").code == 0
    revs = {"c1": commit(repo, "c1")}
    set_params(repo, 0.2)
    assert run_cli("repro").code == 0
    revs["c2"] = commit(repo, "c2")
    git(repo, "checkout", "-q", "-b", "exp")
    set_params(repo, 0.2, name="tree", depth=4)
    assert run_cli("repro").code == 0
    revs["c3"] = commit(repo, "c3")
    return revs


def state(repo: Path) -> tuple[str, str]:
    return git(repo, "status", "--porcelain", "--ignored"), git(repo, "ls-files", "-s")


def test_metrics_show_workspace_and_revisions(history: dict[str, str], repo: Path) -> None:
    before = state(repo)
    data = json.loads(run_cli("metrics", "show", "--json").out)
    assert data["workspace"]["metrics.json"] == {
        "accuracy": 0.58,
        "model": "tree",
        "nested.loss": 0.42,
    }
    assert data["workspace"]["eval/scores.yaml"] == {"auc": 0.58}
    data = json.loads(run_cli("metrics", "show", history["c1"], "main", "--json").out)
    assert data[history["c1"]]["metrics.json"]["accuracy"] == 0.52
    assert data["main"]["metrics.json"]["accuracy"] == 0.54
    md = run_cli("metrics", "show", "--md").out
    assert md.splitlines()[0] == "| Revision | Path | Metric | Value |"
    assert "| workspace | metrics.json | nested.loss | 0.42 |" in md
    assert state(repo) == before


def test_metrics_diff_formats(history: dict[str, str], repo: Path) -> None:
    before = state(repo)
    md = run_cli("metrics", "diff", "main", "--md").out.splitlines()
    assert md[0] == "| Path | Metric | main | workspace | Change |"
    assert "| metrics.json | accuracy | 0.54 | 0.58 | +0.04 |" in md
    assert "| metrics.json | model | lin | tree | changed |" in md  # non-numeric
    data = json.loads(run_cli("metrics", "diff", history["c1"], history["c3"], "--json").out)
    # JSON carries exact numbers: the float difference, not a rounded one
    assert data["metrics.json"]["accuracy"] == {"old": 0.52, "new": 0.58, "diff": 0.58 - 0.52}
    assert data["metrics.json"]["nested.loss"]["diff"] == 0.42 - 0.48
    text = run_cli("metrics", "diff", "main").out
    assert "accuracy" in text and "0.54" in text
    # unchanged rows only with --all
    same = run_cli("metrics", "diff", "HEAD", "--json").out
    assert json.loads(same) == {}
    everything = json.loads(run_cli("metrics", "diff", "HEAD", "--all", "--json").out)
    assert everything["metrics.json"]["accuracy"]["diff"] == 0
    prec = json.loads(run_cli("metrics", "diff", "main", "--json", "--precision", "1").out)
    assert prec["metrics.json"]["accuracy"]["diff"] == 0.58 - 0.54  # --precision is for people
    assert "+0.0" in run_cli("metrics", "diff", "main", "--precision", "1").out
    assert state(repo) == before


def test_metric_file_missing_at_one_revision(history: dict[str, str], repo: Path) -> None:
    write(repo / "gitml.yaml", PIPELINE + "metrics: [extra.yaml]\n")
    write(repo / "extra.yaml", "score:\n  f1: 0.7\n")
    c4 = commit(repo, "extra metric")
    git(repo, "rm", "-q", "extra.yaml")
    c5 = commit(repo, "drop it")
    data = json.loads(run_cli("metrics", "diff", c4, c5, "--json").out)
    assert data["extra.yaml"]["score.f1"] == {"old": 0.7, "new": None, "diff": None}
    md = run_cli("metrics", "diff", c4, c5, "--md").out
    assert "| extra.yaml | score.f1 | 0.7 | - | - |" in md
    shown = json.loads(run_cli("metrics", "show", c5, "--json").out)
    assert "extra.yaml" not in shown[c5]


def test_cached_metric_file_read_from_the_cache(repo: Path) -> None:
    write(repo / "gitml.yaml", PIPELINE.replace("eval/scores.yaml", "{eval/scores.yaml: {}}"))
    write(repo / "train.py", TRAIN)
    set_params(repo, 0.1)
    assert run_cli("repro").code == 0
    c1 = commit(repo, "c1")
    assert "eval/scores.yaml" not in git(repo, "ls-files")  # cached: not in Git
    set_params(repo, 0.3)
    assert run_cli("repro").code == 0
    data = json.loads(run_cli("metrics", "diff", c1, "--json").out)
    assert data["eval/scores.yaml"]["auc"] == {"old": 0.52, "new": 0.56, "diff": 0.56 - 0.52}


def test_params_diff(history: dict[str, str], repo: Path) -> None:
    before = state(repo)
    data = json.loads(run_cli("params", "diff", history["c1"], history["c3"], "--json").out)
    assert data["params.yaml"]["train.lr"] == {"old": 0.1, "new": 0.2, "diff": 0.1}
    assert data["params.yaml"]["train.name"]["new"] == "tree"
    assert data["cfg.json"]["model.depth"] == {"old": 2, "new": 4, "diff": 2}
    assert "unused" not in json.dumps(data)  # not a param any stage uses
    md = run_cli("params", "diff", "main", "--md").out
    assert md.splitlines()[0] == "| Path | Param | main | workspace | Change |"
    assert json.loads(run_cli("params", "diff", "--json").out) == {}
    assert "train.lr" in run_cli("params", "diff", "--all").out
    assert state(repo) == before


def test_report_sections_and_gates(history: dict[str, str], repo: Path) -> None:
    before = state(repo)
    result = run_cli("report", "main")
    assert result.code == 0, result.err
    md = result.out
    for heading in ("### Metrics", "### Params", "### Data", "### Stale stages", "### Pipeline"):
        assert heading in md
    assert md.startswith("<!-- gitml-report -->")
    assert "| metrics.json | accuracy |" in md and "| cfg.json | model.depth | 2 | 4 | +2 |" in md
    assert "| modified | model.bin |" in md
    assert "```mermaid" in md and "flowchart TD" in md
    assert "_Every stage is up to date._" in md
    # default BASE: the merge base with main (= c2)
    default = run_cli("report", "--json")
    assert json.loads(default.out)["base"] == history["c2"]
    # gates
    assert run_cli("report", "main", "--fail-on", "accuracy<0.5").code == 0
    failed = run_cli("report", "main", "--fail-on", "accuracy<0.6")
    assert failed.code == 1 and "gate failed: accuracy<0.6" in failed.err
    assert run_cli("report", "main", "--fail-on", "nested.loss decreased").code == 1
    assert run_cli("report", "main", "--fail-on", "metrics.json:accuracy decreased").code == 0
    assert run_cli("report", "main", "--fail-on", "nope>1").code == 2
    assert run_cli("report", "main", "--fail-on", "accuracy ~ 1").code == 2
    assert state(repo) == before


def test_report_lists_stale_stages(history: dict[str, str], repo: Path) -> None:
    set_params(repo, 0.3, name="tree", depth=4)
    md = run_cli("report", "main").out
    assert "- **train**: params train.lr changed 0.2 -> 0.3" in md


def test_report_stays_under_the_comment_limit(repo: Path) -> None:
    write(repo / "gitml.yaml", "metrics: [big.json]\n")
    write(repo / "big.json", json.dumps({f"m{i:05d}": i for i in range(4000)}))
    commit(repo, "big")
    write(repo / "big.json", json.dumps({f"m{i:05d}": i + 1 for i in range(4000)}))
    md = run_cli("report", "HEAD").out
    assert len(md) <= 65_536 + 1
    assert "truncated" in md


def test_unknown_full_sha_is_refused(history: dict[str, str], repo: Path) -> None:
    result = run_cli("metrics", "diff", "0" * 40)
    assert result.code == 2 and "unknown revision" in result.err


def test_json_numbers_are_exact(repo: Path) -> None:
    """issue 11 item 5: --json carries exact numbers; --precision rounds only the tables."""
    write(repo / "gitml.yaml", "metrics: [m.json]\n")
    write(repo / "m.json", '{"loss": 0.5, "auc": 0.9}')
    commit(repo, "m1")
    write(repo / "m.json", '{"loss": 0.426666, "auc": 0.9}')
    data = json.loads(run_cli("metrics", "diff", "--json").out)
    assert data == {"m.json": {"loss": {"old": 0.5, "new": 0.426666, "diff": 0.426666 - 0.5}}}
    assert data["m.json"]["loss"]["diff"] != round(0.426666 - 0.5, 5)
    assert "-0.07333" in run_cli("metrics", "diff").out
    report = json.loads(run_cli("report", "HEAD", "--json").out)
    assert report["metrics"]["m.json"]["loss"]["diff"] == 0.426666 - 0.5


def test_metrics_targets_are_relative_to_the_current_folder(
    history: dict[str, str], repo: Path
) -> None:
    """issue 11 item 9: -t PATH is resolved from the current folder (like `status PATH`); a
    named file found at none of the revisions is an error, not an empty table."""
    with chdir(repo / "eval"):
        data = json.loads(run_cli("metrics", "show", "-t", "scores.yaml", "--json").out)
        assert data == {"workspace": {"eval/scores.yaml": {"auc": 0.58}}}
        diff = json.loads(run_cli("metrics", "diff", "main", "-t", "scores.yaml", "--json").out)
        assert diff["eval/scores.yaml"]["auc"]["new"] == 0.58
        for args in (("show",), ("diff", "main")):
            result = run_cli("metrics", *args, "-t", "nope.json")
            assert result.code == 2 and result.out == ""
            assert result.err == "error: nope.json: no such metrics file at any of the revisions\n"


def test_params_diff_before_the_first_commit(gitrepo: Path) -> None:
    """issue 11 item 15: with no commit yet, HEAD holds nothing: compare with nothing."""
    assert run_cli("init").code == 0
    write(gitrepo / "params.yaml", "train:\n  lr: 0.1\n")
    write(gitrepo / "gitml.yaml", "stages:\n  t:\n    cmd: echo\n    params: [train]\n")
    result = run_cli("params", "diff", "--all", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "params.yaml": {"train.lr": {"old": None, "new": 0.1, "diff": None}}
    }
    assert run_cli("metrics", "diff").code == 0
    assert run_cli("params", "diff", "nope").err == "error: unknown revision 'nope'\n"
