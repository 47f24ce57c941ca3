"""Annotations and the governance check (issue 16 items 3, 4)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import git, run_cli, write


def _commit(repo: Path, message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-qm", message], cwd=repo, capture_output=True, text=True, check=False
    )


def test_annotations_kept_across_add_and_commit(repo: Path) -> None:
    """issue 16 item 3: desc/type/labels/meta written in a pointer survive a re-`add` and a
    `commit` of changed data; lineage shows them."""
    write(repo / "people.csv", "name\nann\n")
    assert run_cli("add", "people.csv").code == 0
    ptr = repo / "people.csv.gitml"
    data = yaml.safe_load(ptr.read_text())
    notes = {
        "desc": "customers", "type": "dataset", "labels": ["crm"],
        "meta": {"owner": "ann@example.com", "pii": True, "license": "CC-BY-4.0"},
    }
    data["outs"][0].update(notes)
    data["meta"] = {"retention": "2030-01-01"}
    ptr.write_text(yaml.safe_dump(data))
    write(repo / "people.csv", "name\nann\nbob\n")
    assert run_cli("add", "people.csv").code == 0
    after = yaml.safe_load(ptr.read_text())
    assert {k: after["outs"][0][k] for k in notes} == notes
    assert after["meta"] == {"retention": "2030-01-01"}
    write(repo / "people.csv", "name\nann\nbob\ncy\n")
    assert run_cli("commit", "-f", "people.csv").code == 0
    again = yaml.safe_load(ptr.read_text())
    assert again["outs"][0]["digest"] != after["outs"][0]["digest"]
    assert {k: again["outs"][0][k] for k in notes} == notes
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "people")
    lin = run_cli("lineage", "people.csv", "--json")
    assert lin.code == 0, lin.err
    import json

    shown = json.loads(lin.out)["data"][0]
    assert shown["meta"]["owner"] == "ann@example.com" and shown["labels"] == ["crm"]


@pytest.mark.usefixtures("gitml_on_path")
def test_governance_hook_refuses_then_accepts_a_real_commit(repo: Path) -> None:
    """issue 16 item 4: the pre-commit hook `gitml install` writes refuses a commit with a
    `type: model` artifact lacking owner and licence and PII data without owner (one line per
    problem, naming file and key), then accepts it once they are filled in."""
    assert run_cli("install").code == 0
    write(repo / "gitml.yaml", "artifacts:\n  churn:\n    path: model.pkl\n    type: model\n")
    write(repo / "model.pkl", "m")
    write(repo / "people.csv", "name\nann\n")
    assert run_cli("add", "people.csv", "model.pkl").code == 0
    ptr = repo / "people.csv.gitml"
    data = yaml.safe_load(ptr.read_text())
    data["outs"][0]["meta"] = {"pii": True, "license": "not-a-licence"}
    ptr.write_text(yaml.safe_dump(data))
    git(repo, "add", "-A")
    refused = _commit(repo, "try")
    assert refused.returncode != 0
    lines = [x for x in refused.stderr.splitlines() if x.startswith("gitml: ") and "meta." in x]
    assert sorted(lines) == sorted([
        "gitml: gitml.yaml: artifact churn: meta.owner: a 'type: model' artifact needs one",
        "gitml: gitml.yaml: artifact churn: meta.license: a 'type: model' artifact needs one",
        "gitml: people.csv.gitml: people.csv: meta.license: 'not-a-licence' is not an SPDX"
        " license id (such as MIT, Apache-2.0, CC-BY-4.0; or LicenseRef-<name>)",
        "gitml: people.csv.gitml: people.csv: meta.owner: data with 'pii: true' needs an owner",
    ]), refused.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    write(
        repo / "gitml.yaml",
        "artifacts:\n  churn:\n    path: model.pkl\n    type: model\n"
        "    meta: {owner: Ann Lee, license: Apache-2.0}\n",
    )
    data["outs"][0]["meta"] = {"pii": True, "owner": "ann@example.com", "license": "CC0-1.0"}
    ptr.write_text(yaml.safe_dump(data))
    git(repo, "add", "-A")
    accepted = _commit(repo, "governed")
    assert accepted.returncode == 0, accepted.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"
    direct = run_cli("hook", "governance")
    assert direct.code == 0


def test_meta_values_are_checked() -> None:
    """issue 16 item 3: the known meta keys are validated (owner, license, pii, retention,
    intended_use, limitations)."""
    from gitml.lineage.governance import meta_problems

    assert meta_problems({
        "owner": "Ann <ann@example.com>", "license": "MIT", "pii": False,
        "retention": "2031-12-31", "intended_use": "x", "limitations": "y", "other": 1,
    }) == []
    bad = meta_problems({
        "owner": "ann@", "license": "GPL", "pii": "yes", "retention": "2031-13-01",
        "intended_use": 3,
    })
    assert [p.split(":")[0] for p in bad] == [
        "meta.owner", "meta.license", "meta.pii", "meta.intended_use", "meta.retention",
    ]
