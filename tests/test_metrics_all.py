"""issue 17 item 3: `metrics show -A/-T/-a`: a metric across all commits, tags or branches."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import git, run_cli, write
from dvc_oracle import find_dvc


def _history(root: Path) -> list[str]:
    """Three commits of m.json (acc 0.1, 0.2, 0.3), branch `old` at the first, lightweight
    tag v1 at the second, annotated tag v2 and branch `same` at the third; the workspace has
    acc 0.9. Returns the shas, oldest first."""
    write(root / "gitml.yaml", "metrics:\n  - m.json\n")
    shas = []
    for i in (1, 2, 3):
        write(root / "m.json", json.dumps({"acc": i / 10}))
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"c{i}")
        shas.append(git(root, "rev-parse", "HEAD").strip())
    git(root, "branch", "old", shas[0])
    git(root, "branch", "same", shas[2])
    git(root, "tag", "v1", shas[1])
    git(root, "tag", "-a", "v2", "-m", "v2", shas[2])
    write(root / "m.json", json.dumps({"acc": 0.9}))
    return shas


def _values(out: str) -> dict[str, float]:
    return {rev: files["m.json"]["acc"] for rev, files in json.loads(out).items()}


def test_all_branches(repo: Path) -> None:
    """issue 17 item 3: -a: the workspace, then each branch by name; names of one commit
    joined by ',' (DVC's brancher)."""
    _history(repo)
    result = run_cli("metrics", "show", "-a", "--json")
    assert result.code == 0, result.err
    assert _values(result.out) == {"workspace": 0.9, "main,same": 0.3, "old": 0.1}
    assert list(json.loads(result.out)) == ["workspace", "main,same", "old"]
    table = run_cli("metrics", "show", "--all-branches").out.splitlines()
    assert table[0].split() == ["Revision", "Path", "Metric", "Value"]
    assert [line.split()[0] for line in table[1:]] == ["workspace", "main,same", "old"]


def test_all_tags_annotated_too(repo: Path) -> None:
    """issue 17 item 3: -T: each tag by name, an annotated tag at the commit it tags."""
    _history(repo)
    result = run_cli("metrics", "show", "-T", "--json")
    assert _values(result.out) == {"workspace": 0.9, "v1": 0.2, "v2": 0.3}


def test_all_commits_by_sha(repo: Path) -> None:
    """issue 17 item 3: -A: every commit by sha, newest first; a commit without the file
    (the `gitml init` one) has no row."""
    shas = _history(repo)
    result = run_cli("metrics", "show", "-A", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert list(data) == [
        "workspace",
        shas[2],
        shas[1],
        shas[0],
        git(repo, "rev-parse", "HEAD~3").strip(),
    ]
    assert _values(json.dumps({k: v for k, v in data.items() if v})) == {
        "workspace": 0.9, shas[2]: 0.3, shas[1]: 0.2, shas[0]: 0.1,
    }  # fmt: skip
    rows = run_cli("metrics", "show", "--all-commits").out.splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["workspace", *reversed(shas)]


def test_revs_and_flags_together(repo: Path) -> None:
    """issue 17 item 3: REVS with -T come after the workspace, before the tags; a rev naming
    a tagged commit shares its row."""
    shas = _history(repo)
    result = run_cli("metrics", "show", "HEAD~2", "HEAD", "-T", "--json")
    assert list(json.loads(result.out)) == ["workspace", "HEAD~2", "HEAD,v2", "v1"]
    assert _values(result.out)["HEAD~2"] == 0.1
    assert shas


def test_a_cached_metric_at_every_commit(repo: Path) -> None:
    """issue 17 item 3: a metric that is a cached stage out (not in Git) is read at each
    commit from the cache through that commit's gitml.lock."""
    assert (
        run_cli(
            "stage", "add", "-n", "m", "-d", "src.json", "-m", "m.json", "cp src.json m.json"
        ).code
        == 0
    )
    for v in (1, 2):
        write(repo / "src.json", json.dumps({"acc": v}))
        assert run_cli("repro").code == 0
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"v{v}")
    assert "m.json" in (repo / ".gitignore").read_text()
    git(repo, "tag", "first", "HEAD~1")
    result = run_cli("metrics", "show", "-T", "-a", "--json")
    assert result.code == 0, result.err
    assert _values(result.out) == {"workspace": 2, "main": 2, "first": 1}


def test_bad_rev_with_flags(repo: Path) -> None:
    """issue 17 item 3: an unknown revision with -a: exit 2, one line."""
    _history(repo)
    result = run_cli("metrics", "show", "nope", "-a")
    assert result.code == 2
    assert result.err == "error: unknown revision 'nope'\n"


def test_same_revisions_and_values_as_dvc(repo: Path) -> None:
    """issue 17 item 3: `dvc metrics show -a -T --json` on the same history (a repository
    that is both a DVC and a gitml project) names the same revisions, with the same values."""
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    dvc = find_dvc()
    subprocess.run([dvc, "init", "-q"], cwd=repo, check=True, env=env)
    write(repo / "dvc.yaml", "metrics:\n  - m.json\n")
    _history(repo)
    ours = _values(run_cli("metrics", "show", "-a", "-T", "--json").out)
    proc = subprocess.run(
        [dvc, "metrics", "show", "-a", "-T", "--json"], cwd=repo, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = {
        rev: ((got.get("data") or {}).get("m.json") or {}).get("data", {}).get("acc")
        for rev, got in json.loads(proc.stdout).items()
    }
    assert {k: v for k, v in found.items() if v is not None} == ours
