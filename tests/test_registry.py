"""Issue 14: the model registry in Git tags (GTO's format), through the real CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import git, run_cli, snapshot, write

PIPELINE = """\
stages:
  train:
    cmd: python train.py
    deps: [data.csv, train.py]
    outs: [model.pkl]
    metrics:
      - metrics.json:
          cache: false
artifacts:
  churn:
    path: model.pkl
    type: model
    desc: Gradient boosted churn classifier
    labels: [tabular, churn]
    meta:
      license: Apache-2.0
      intended_use: Rank customers by churn risk.
      limitations: Trained on 2023 data only.
      owner: ml-team@example.com
  notes:
    path: notes.txt
"""


def tags(root: Path) -> list[str]:
    return git(root, "tag", "-l").split()


def message(root: Path, tag: str) -> str:
    return git(root, "tag", "-l", "--format=%(contents)", tag).strip()


TRAIN = """\
import json, os, shutil
shutil.copy("data.csv", "model.pkl")
json.dump({"auc": os.path.getsize("data.csv") / 100}, open("metrics.json", "w"))
"""


def train(root: Path, data: str) -> str:
    write(root / "train.py", TRAIN)
    write(root / "data.csv", data)
    assert run_cli("repro").code == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", f"train on {data}")
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def mlrepo(repo: Path) -> Path:
    write(repo / "gitml.yaml", PIPELINE)
    train(repo, "a,b\n1,2\n")
    return repo


def ok(*args: str) -> str:
    r = run_cli(*args)
    assert r.code == 0, r.err
    return r.out


def bad(root: Path, *args: str, says: str) -> None:
    """Bad input: one line, exit 2, no tag written, no file changed."""
    before, files = tags(root), snapshot(root)
    r = run_cli(*args)
    assert r.code == 2, (r.out, r.err)
    assert says in r.err
    assert len(r.err.strip().splitlines()) == 1, r.err
    assert tags(root) == before and snapshot(root) == files


def test_register_first_then_bumps(mlrepo: Path) -> None:
    """issue 14 item 2: register: v0.0.1 first, GTO's tag and message, bumps, --version."""
    out = ok("registry", "register", "churn")
    assert "churn@v0.0.1" in out and "git push origin churn@v0.0.1" in out
    assert message(mlrepo, "churn@v0.0.1") == "Registering artifact churn version v0.0.1"
    assert git(mlrepo, "cat-file", "-t", "churn@v0.0.1").strip() == "tag"  # annotated
    tagger = git(mlrepo, "tag", "-l", "--format=%(taggername) %(taggeremail)", "churn@v0.0.1")
    assert tagger.strip() == "Test <test@example.com>"
    train(mlrepo, "a,b\n3,4\n")
    ok("registry", "register", "churn", "--bump-minor", "-m", "#2: better")
    assert message(mlrepo, "churn@v0.1.0") == "#2: better"  # not taken for a comment
    train(mlrepo, "a,b\n5,6\n")
    ok("registry", "register", "churn")  # patch by default
    train(mlrepo, "a,b\n7,8\n")
    ok("registry", "register", "churn", "HEAD", "--bump-major")
    train(mlrepo, "a,b\n9,9\n")
    ok("registry", "register", "churn", "--version", "v3.0.0-rc.1")
    assert [t for t in tags(mlrepo) if t.startswith("churn@")] == [
        "churn@v0.0.1",
        "churn@v0.1.0",
        "churn@v0.1.1",
        "churn@v1.0.0",
        "churn@v3.0.0-rc.1",
    ]


def test_register_bad_input(mlrepo: Path) -> None:
    """issue 14 bad input: names, versions, existing version, second version on one commit,
    unknown REV, undeclared or untracked path: one line, exit 2, no tag."""
    bad(mlrepo, "registry", "register", "x", says="invalid artifact name")
    bad(mlrepo, "registry", "register", "churn!", says="invalid artifact name")
    bad(mlrepo, "registry", "register", "churn", "--version", "1.0.0", says="invalid version")
    bad(mlrepo, "registry", "register", "churn", "--version", "v1.0", says="invalid version")
    bad(mlrepo, "registry", "register", "churn", "nosuchrev", says="nosuchrev")
    bad(mlrepo, "registry", "register", "ghost", says="not declared")
    bad(mlrepo, "registry", "register", "notes", says="not a stage out or tracked data")
    ok("registry", "register", "churn", "--version", "v1.0.0")
    bad(mlrepo, "registry", "register", "churn", says="already has version v1.0.0 at commit")
    train(mlrepo, "a,b\n0,0\n")
    bad(mlrepo, "registry", "register", "churn", "--version", "v1.0.0", says="already has")
    bad(
        mlrepo,
        "registry",
        "register",
        "churn",
        "--version",
        "v2.0.0",
        "--bump-major",
        says="either a version or a bump",
    )


def test_first_bump_refused(mlrepo: Path) -> None:
    """issue 14 item 2: a bump with no version yet is bad input, as in GTO."""
    bad(mlrepo, "registry", "register", "churn", "--bump-minor", says="cannot bump")


def test_assign_unassign_counter_and_messages(mlrepo: Path) -> None:
    """issue 14 item 2: assign registers HEAD first; N counts per artifact across stages;
    unassign; GTO's messages."""
    out = ok("registry", "assign", "churn", "staging")
    assert "churn@v0.0.1" in out and "churn#staging#1" in out
    assert message(mlrepo, "churn#staging#1") == (
        "Assigning stage staging to artifact churn version v0.0.1"
    )
    ok("registry", "assign", "churn", "prod", "--version", "v0.0.1")
    ok("registry", "unassign", "churn", "staging")
    assert message(mlrepo, "churn#staging!#3") == (
        "Unassigning stage 'staging' to artifact 'churn' version 'v0.0.1'"
    )
    ok("registry", "assign", "churn", "staging", "--version", "v0.0.1", "-m", "again")
    assert message(mlrepo, "churn#staging#4") == "again"
    bad(mlrepo, "registry", "assign", "churn", "prod", "--version", "v0.0.1", says="already")
    bad(mlrepo, "registry", "assign", "churn", "prod", "--version", "v9.9.9", says="no version")
    bad(mlrepo, "registry", "assign", "churn", "bad stage", says="invalid stage")
    bad(mlrepo, "registry", "assign", "churn", "dev", "nosuchrev", says="nosuchrev")
    bad(mlrepo, "registry", "unassign", "churn", "dev", says="no version of 'churn'")
    bad(mlrepo, "registry", "unassign", "churn", "dev", "--version", "v0.0.1", says="not in")


def test_registry_stages_restrict(mlrepo: Path) -> None:
    """issue 14 item 6: registry.stages in the config restricts stage names."""
    cfg = mlrepo / ".gitml" / "config.yaml"
    cfg.write_text(cfg.read_text() + "registry:\n  stages: [dev, prod]\n")
    bad(mlrepo, "registry", "assign", "churn", "staging", says="unknown stage 'staging'")
    ok("registry", "assign", "churn", "dev")
    shown = json.loads(ok("registry", "show", "--json"))
    assert shown["churn"]["stage"] == {"dev": "v0.0.1", "prod": None}


def test_bad_config_stages(mlrepo: Path) -> None:
    """issue 14 item 6: registry.stages is checked by the config schema."""
    cfg = mlrepo / ".gitml" / "config.yaml"
    cfg.write_text(cfg.read_text() + "registry:\n  stages: dev\n")
    r = run_cli("registry", "assign", "churn", "dev")
    assert r.code == 2 and "config" in r.err and tags(mlrepo) == []


def test_deregister_and_deprecate(mlrepo: Path) -> None:
    """issue 14 item 2: deregister a version and deprecate an artifact; history stays."""
    ok("registry", "register", "churn")
    train(mlrepo, "a,b\n3,4\n")
    ok("registry", "register", "churn")
    ok("registry", "deregister", "churn", "v0.0.2")
    assert message(mlrepo, "churn@v0.0.2!") == "Deregistering artifact churn version v0.0.2"
    bad(mlrepo, "registry", "deregister", "churn", "v0.0.2", says="deregistered already")
    bad(mlrepo, "registry", "deregister", "churn", "v7.0.0", says="no version")
    assert json.loads(ok("registry", "show", "--json"))["churn"]["version"] == "v0.0.1"
    ok("registry", "deprecate", "churn")
    assert message(mlrepo, "churn@deprecated") == "Deprecating artifact 'churn'"
    assert json.loads(ok("registry", "show", "--json")) == {}
    assert json.loads(ok("registry", "show", "--json", "--all"))["churn"]["active"] is False
    bad(mlrepo, "registry", "deprecate", "churn", says="deprecated already")
    bad(mlrepo, "registry", "deprecate", "ghost", says="no registry tags")
    events = [e["event"] for e in json.loads(ok("registry", "history", "churn", "--json"))]
    assert events == ["deprecation", "deregistration", "registration", "registration"]


def test_show_history_text_and_md(mlrepo: Path) -> None:
    """issue 14 item 2: show and history as text, Markdown and per artifact."""
    ok("registry", "assign", "churn", "prod")
    text = ok("registry", "show")
    assert "churn" in text and "#prod" in text and "v0.0.1" in text
    md = ok("registry", "show", "--md")
    assert md.startswith("| name | latest | #prod |") and "| churn | v0.0.1 | v0.0.1 |" in md
    one = json.loads(ok("registry", "show", "churn", "--json"))
    assert [v["version"] for v in one] == ["v0.0.1"] and one[0]["stages"][0]["stage"] == "prod"
    assert "prod" in ok("registry", "show", "churn") and "| churn |" in ok(
        "registry", "show", "churn", "--md"
    )
    hist = ok("registry", "history")
    assert "assignment" in hist and "registration" in hist
    assert ok("registry", "history", "churn", "--md").startswith("| timestamp |")
    bad(mlrepo, "registry", "show", "ghost", says="no registry tags")
    bad(mlrepo, "registry", "show", "a", says="invalid artifact name")


def test_empty_registry(repo: Path) -> None:
    """issue 14 item 2: no tags: show and history say so; JSON is empty."""
    assert json.loads(ok("registry", "show", "--json")) == {}
    assert json.loads(ok("registry", "history", "--json")) == []
    assert "No registry tags" in ok("registry", "show")


def test_check_ref(mlrepo: Path) -> None:
    """issue 14 item 2: check-ref tells what a tag means; other tags mean nothing."""
    ok("registry", "assign", "churn", "prod")
    sha = git(mlrepo, "rev-parse", "HEAD").strip()
    got = json.loads(ok("registry", "check-ref", "churn#prod#1", "--json"))
    assert got["event"] == "assignment" and got["stage"] == "prod"
    assert got["version"] == "v0.0.1" and got["commit_hexsha"] == sha
    line = ok("registry", "check-ref", "refs/tags/churn@v0.0.1")
    assert line.strip() == f"event=registration artifact=churn version=v0.0.1 commit={sha}"
    git(mlrepo, "tag", "-a", "-m", "release", "v1")
    assert ok("registry", "check-ref", "v1", "--json") == ""
    assert "not a registry event" in ok("registry", "check-ref", "nosuch")


def test_as_of(mlrepo: Path) -> None:
    """issue 14 item 3: show --as-of DATE tells what was in each stage then."""
    env = {"GIT_COMMITTER_DATE": "2024-01-10T12:00:00+00:00"}
    os.environ.update(env)
    try:
        ok("registry", "assign", "churn", "prod")
        train(mlrepo, "a,b\n3,4\n")
        os.environ["GIT_COMMITTER_DATE"] = "2024-03-01T12:00:00+00:00"
        ok("registry", "assign", "churn", "prod")
    finally:
        os.environ.pop("GIT_COMMITTER_DATE", None)

    def prod(*extra: str) -> object:
        return json.loads(ok("registry", "show", "--json", *extra))["churn"]["stage"]["prod"]

    assert prod() == "v0.0.2"
    assert prod("--as-of", "2024-02-01") == "v0.0.1"
    assert prod("--as-of", "2024-01-10T12:00Z") == "v0.0.1"
    assert prod("--as-of", "2024-03-01") == "v0.0.2"
    assert json.loads(ok("registry", "show", "--json", "--as-of", "2023-12-31")) == {}
    bad(mlrepo, "registry", "show", "--as-of", "last tuesday", says="invalid date")


def test_push(mlrepo: Path, tmp_path: Path) -> None:
    """issue 14 item 2: --push pushes the new tag to origin; without it, the command to run."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(mlrepo, "remote", "add", "origin", str(origin))
    out = ok("registry", "assign", "churn", "prod", "--push")
    assert "Pushed: git push origin 'churn#prod#1'" in out
    assert set(git(origin, "tag", "-l").split()) == {"churn@v0.0.1", "churn#prod#1"}


def test_push_failure_keeps_tag(mlrepo: Path) -> None:
    """issue 14 item 2: a failed push exits 3 and says how to push later."""
    r = run_cli("registry", "register", "churn", "--push")
    assert r.code == 3 and "git push origin churn@v0.0.1" in r.err
    assert tags(mlrepo) == ["churn@v0.0.1"]


def test_pipeline_validates_artifacts(mlrepo: Path) -> None:
    """issue 14 item 1: artifacts: is checked when the pipeline loads (schema and names)."""
    text = (mlrepo / "gitml.yaml").read_text()
    for broken, says in [
        ("  notes:\n    path: notes.txt\n", "  notes:\n    desc: no path\n"),
        ("  notes:\n    path: notes.txt\n", "  notes:\n    path: a\n    color: red\n"),
        ("  notes:\n    path: notes.txt\n", "  n:\n    path: a\n"),
        ("  notes:\n    path: notes.txt\n", "  notes:\n    path: ../x\n"),
    ]:
        (mlrepo / "gitml.yaml").write_text(text.replace(broken, says))
        r = run_cli("status")
        assert r.code == 2 and "gitml.yaml" in r.err, (says, r.err)
    (mlrepo / "gitml.yaml").write_text(text)
    assert run_cli("status").code == 0


def test_get_from_cache_and_remote(mlrepo: Path, tmp_path: Path) -> None:
    """issue 14 item 4: get writes the version's bytes, from the cache or the remote."""
    ok("registry", "register", "churn")
    first = (mlrepo / "model.pkl").read_bytes()
    train(mlrepo, "a,b\n3,4\n")
    ok("registry", "assign", "churn", "prod")
    out = tmp_path / "got" / "m.pkl"
    ok("registry", "get", "churn", "--version", "v0.0.1", "-o", str(out))
    assert out.read_bytes() == first
    bad(mlrepo, "registry", "get", "churn", "--version", "v0.0.1", "-o", str(out), says="exists")
    ok("registry", "get", "churn", "--stage", "prod", "-o", str(out), "--force")
    assert out.read_bytes() == (mlrepo / "model.pkl").read_bytes()
    store = tmp_path / "store"
    assert run_cli("remote", "add", "-d", "store", str(store)).code == 0
    assert run_cli("push").code == 0
    git(mlrepo, "checkout", "-q", "HEAD~1")
    assert run_cli("push").code == 0
    git(mlrepo, "checkout", "-q", "main")
    assert run_cli("gc", "-w", "-f").code == 0  # v0.0.1 is kept by the registry ...
    for oid_file in (mlrepo / ".gitml" / "cache").rglob("*"):
        if oid_file.is_file() and oid_file.parent.name != "runs":
            oid_file.unlink()  # ... so empty the cache by hand to force a fetch
    os.chdir(tmp_path)
    try:
        os.chdir(mlrepo)
        ok("registry", "get", "churn", "-o", str(tmp_path / "latest.pkl"))
    finally:
        os.chdir(mlrepo)
    assert (tmp_path / "latest.pkl").read_bytes() == (mlrepo / "model.pkl").read_bytes()


def test_get_refuses_retired(mlrepo: Path, tmp_path: Path) -> None:
    """issue 14 item 4: get refuses deregistered and deprecated versions unless allowed."""
    ok("registry", "register", "churn")
    ok("registry", "deregister", "churn", "v0.0.1")
    dest = str(tmp_path / "m.pkl")
    bad(mlrepo, "registry", "get", "churn", "--version", "v0.0.1", "-o", dest, says="deregistered")
    ok("registry", "get", "churn", "--version", "v0.0.1", "-o", dest, "--allow-deprecated")
    train(mlrepo, "a,b\n3,4\n")
    ok("registry", "register", "churn")
    ok("registry", "deprecate", "churn")
    bad(mlrepo, "registry", "get", "churn", "-o", dest + "2", says="deprecated")
    ok("registry", "get", "churn", "-o", dest + "2", "--allow-deprecated")
    assert Path(dest + "2").read_bytes() == (mlrepo / "model.pkl").read_bytes()
    bad(mlrepo, "registry", "get", "churn", "--version", "v1", says="invalid version")
    bad(mlrepo, "registry", "get", "churn", "--stage", "prod", "--version", "v0.0.1", says="either")
    bad(mlrepo, "registry", "get", "ghost", says="no registry tags")


def test_get_directory_artifact(repo: Path, tmp_path: Path) -> None:
    """issue 14 item 4: a folder artifact (tracked data) comes out whole."""
    write(repo / "data" / "a.txt", "A")
    write(repo / "data" / "sub" / "b.txt", "B")
    assert run_cli("add", "data").code == 0
    write(repo / "gitml.yaml", "artifacts:\n  ds:\n    path: data\n    type: dataset\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    ok("registry", "register", "ds")
    ok("registry", "get", "ds", "-o", str(tmp_path / "out"))
    assert (tmp_path / "out" / "sub" / "b.txt").read_text() == "B"
    assert (tmp_path / "out" / "a.txt").read_text() == "A"


def test_card(mlrepo: Path, tmp_path: Path) -> None:
    """issue 14 item 4: a model card with Hugging Face front matter and sections."""
    ok("registry", "assign", "churn", "prod")
    card = tmp_path / "README.md"
    ok("registry", "card", "churn", "--stage", "prod", "-o", str(card))
    text = card.read_text()
    front = text.split("---\n")[1]
    assert "license: apache-2.0\n" in front
    assert "tags:\n- tabular\n- churn\n- model\n" in front
    assert "datasets:\n- data.csv\n" in front
    assert "metrics:\n- auc\n" in front
    for section in (
        "## Model details",
        "## Intended use",
        "## Limitations",
        "## Training data",
        "## Evaluation metrics",
    ):
        assert section in text
    assert "Rank customers by churn risk." in text and "Trained on 2023 data only." in text
    assert "| metrics.json: auc | 0.08 |" in text
    assert "- data.csv (" in text and "- Stages: prod" in text
    assert "- Code: train.py (" in text
    assert ok("registry", "card", "churn", "--version", "v0.0.1") == text


def _model_object(root: Path, data: bytes) -> Path:
    from gitml.hashing import hash_bytes
    from gitml.repo import find_repo

    return Path(find_repo(str(root)).cache.path(hash_bytes(data)))


def test_gc_keeps_registered_versions(mlrepo: Path) -> None:
    """issue 14 item 5: gc keeps registered versions; deprecating makes them collectable."""
    ok("registry", "register", "churn")
    path = _model_object(mlrepo, (mlrepo / "model.pkl").read_bytes())
    train(mlrepo, "a,b\n3,4\n")
    assert path.exists()
    assert run_cli("gc", "-w", "-f").code == 0
    assert path.exists()
    ok("registry", "deprecate", "churn")
    assert run_cli("gc", "-w", "-f").code == 0
    assert not path.exists()


def test_gc_drops_deregistered_keeps_assigned(mlrepo: Path) -> None:
    """issue 14 item 5: a deregistered version is collectable; the one in a stage is kept."""
    ok("registry", "assign", "churn", "prod")
    kept = _model_object(mlrepo, (mlrepo / "model.pkl").read_bytes())
    train(mlrepo, "a,b\n3,4\n")
    ok("registry", "register", "churn")
    dropped = _model_object(mlrepo, (mlrepo / "model.pkl").read_bytes())
    train(mlrepo, "a,b\n5,6\n")
    ok("registry", "deregister", "churn", "v0.0.2")
    bad(mlrepo, "registry", "assign", "churn", "dev", "--version", "v0.0.2", says="deregistered")
    assert run_cli("gc", "-w", "-f").code == 0
    assert kept.exists() and not dropped.exists()


def test_unrelated_tags_are_left_out(mlrepo: Path) -> None:
    """issue 14 item 7: tags that are not registry events (with or without '@' or '#') do
    not disturb the answer read with one for-each-ref."""
    for i in range(30):
        git(mlrepo, "tag", f"release-{i}")
    git(mlrepo, "tag", "-a", "-m", "x", "team@work")
    git(mlrepo, "tag", "-a", "-m", "x", "issue#12-")  # `issue#12` would be GTO's: stage 12
    ok("registry", "register", "churn")
    assert json.loads(ok("registry", "show", "--json")) == {
        "churn": {"version": "v0.0.1", "stage": {}, "registered": True, "active": True}
    }
    assert [e["ref"] for e in json.loads(ok("registry", "history", "--json"))] == ["churn@v0.0.1"]


WORKFLOW = Path(__file__).resolve().parent.parent / "examples" / "ci" / "gitml-registry.yml"


def run_registry_workflow(root: Path, ref: str) -> tuple[dict[str, str], str]:
    """Every `run:` step but the install step, as Actions would: the job's and step's env,
    `${{ steps.event.outputs.* }}` from the step's GITHUB_OUTPUT file. Returns the outputs and
    the last step's stdout."""
    import subprocess
    import sys

    import yaml

    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow[True] == {"push": {"tags": ["**"]}}
    job = workflow["jobs"]["act"]
    output_file = root.parent / "github_output"
    output_file.write_text("")
    outputs: dict[str, str] = {}
    base = {
        **os.environ,
        "GITHUB_REF": ref,
        "GITHUB_OUTPUT": str(output_file),
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
    }
    out = ""
    for step in job["steps"]:
        if "run" not in step or step.get("id") == "install":
            continue
        env = dict(base)
        for key, value in {**job["env"], **step.get("env", {})}.items():
            text = str(value)
            for name, got in outputs.items():
                text = text.replace("${{ steps.event.outputs." + name + " }}", got)
            env[key] = "" if "${{" in text else text
        proc = subprocess.run(
            ["bash", "-c", step["run"]], cwd=root, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out = proc.stdout
        outputs = dict(
            line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
        )
    return outputs, out


def test_ci_workflow_deploys_on_prod(mlrepo: Path) -> None:
    """issue 14 item 6: the example workflow reads pushed tags with check-ref --json and
    deploys (gets the verified model) only on an assignment to #prod."""
    ok("registry", "assign", "churn", "staging")
    got, out = run_registry_workflow(mlrepo, "refs/tags/churn#staging#1")
    assert got["event"] == "assignment" and got["stage"] == "staging"
    assert "no deployment" in out and not (mlrepo / "deploy").exists()
    got, out = run_registry_workflow(mlrepo, "refs/tags/churn@v0.0.1")
    assert got["event"] == "registration" and "no deployment" in out
    ok("registry", "assign", "churn", "prod", "--version", "v0.0.1")
    got, out = run_registry_workflow(mlrepo, "refs/tags/churn#prod#2")
    assert got["artifact"] == "churn" and got["version"] == "v0.0.1" and got["stage"] == "prod"
    assert "::notice::deployed churn v0.0.1 to prod" in out
    assert (mlrepo / "deploy" / "churn").read_bytes() == (mlrepo / "model.pkl").read_bytes()
    git(mlrepo, "tag", "-a", "-m", "x", "release-1")
    got, out = run_registry_workflow(mlrepo, "refs/tags/release-1")
    assert got == {"event": "none"} and "no deployment" in out


def test_quick_path_answers_as_the_full_cli(mlrepo: Path) -> None:
    """issue 14 speed: `registry show|history|check-ref --json` in a fresh process skip click
    (gitml/registry/quick.py) and print exactly what the full CLI prints."""
    import subprocess
    import sys

    ok("registry", "assign", "churn", "prod")
    for args in (
        ["show", "--json"],
        ["show", "--json", "--all"],
        ["show", "churn", "--json"],
        ["history", "--json"],
        ["history", "churn", "--json"],
        ["check-ref", "churn#prod#1", "--json"],
        ["check-ref", "nosuch", "--json"],
    ):
        fresh = subprocess.run(
            [sys.executable, "-c", "import sys; from gitml.entry import main; sys.exit(main())",
             "registry", *args],
            cwd=mlrepo, capture_output=True, text=True,
        )  # fmt: skip
        assert fresh.returncode == 0 and fresh.stdout == ok("registry", *args), args
    fresh = subprocess.run(
        [sys.executable, "-m", "gitml", "registry", "show", "ghost", "--json"],
        cwd=mlrepo, capture_output=True, text=True,
    )  # fmt: skip
    assert fresh.returncode == 2 and "no registry tags" in fresh.stderr


def test_digits_example_registry(repo: Path, tmp_path: Path) -> None:
    """issue 14 item 8: the digits example's model registered, staged, promoted, shown, got
    and carded, as examples/quickstart.sh does."""
    import shutil

    example = Path(__file__).resolve().parent.parent / "examples" / "digits"
    shutil.copytree(example / "src", repo / "src")
    for name in ("params.yaml", "gitml.yaml"):
        shutil.copy(example / name, repo / name)
    assert run_cli("repro").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "digits")
    ok("registry", "register", "digits-classifier")
    ok("registry", "assign", "digits-classifier", "staging")
    ok("registry", "assign", "digits-classifier", "prod", "--version", "v0.0.1")
    table = ok("registry", "show")
    assert "digits-classifier  v0.0.1  v0.0.1  v0.0.1" in table
    ok("registry", "get", "digits-classifier", "--stage", "prod", "-o", str(tmp_path / "m.pkl"))
    assert (tmp_path / "m.pkl").read_bytes() == (repo / "model.pkl").read_bytes()
    card = ok("registry", "card", "digits-classifier")
    assert "license: bsd-3-clause" in card and "- data/features/train.npz\n" in card
    assert "- data/prepared\n" in card and "- src/prepare.py" not in card  # code: details
    assert "- type: accuracy\n" in card and "Code: src/common.py (" in card
