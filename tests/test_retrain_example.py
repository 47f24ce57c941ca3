"""examples/retrain and examples/ci/gitml-retrain.yml: the retraining loop, end to end, on a
copy of a project made by setup.sh (a first batch tracked, trained, registered in prod)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import git, snapshot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "retrain"
WORKFLOW = ROOT / "examples" / "ci" / "gitml-retrain.yml"
BIN = os.path.dirname(sys.executable)
SCRIPT_COMMANDS = (
    "gitml drift",
    "gitml repro",
    "gitml metrics diff",
    "gitml registry register",
    "gitml registry assign",
    "gitml report",
)


def env_for(home: Path, **extra: str) -> dict[str, str]:
    """This interpreter's `gitml` and `python3` first; HOME and git's config isolated."""
    gitconfig = home / ".gitconfig"
    if not gitconfig.exists():
        home.mkdir(parents=True, exist_ok=True)
        gitconfig.write_text(
            "[user]\n\tname = Test\n\temail = test@example.com\n"
            "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))}
    env.update(
        HOME=str(home),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        PATH=BIN + os.pathsep + os.environ["PATH"],
    )
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project made by setup.sh (the tests copy it): churn-model v0.0.1 in prod."""
    base = tmp_path_factory.mktemp("retrain")
    project = base / "project"
    done = subprocess.run(
        ["bash", str(EXAMPLE / "setup.sh"), str(project), "--seed", "0"],
        env=env_for(base / "home"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return project


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(template, copy, symlinks=True)
    return copy


def retrain(project: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "retrain.sh", *args],
        cwd=project,
        env=env_for(project.parent / "home", **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


def registry(project: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "gitml", "registry", "show", "--json"],
        cwd=project,
        env=env_for(project.parent / "home"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, Any] = json.loads(out)
    return found


def work_files(project: Path) -> dict[str, bytes]:
    """Everything but .git, .gitml/tmp, the cache (a failed retraining leaves its objects
    there, for `gitml gc`) and the loop's scratch folder (incoming/)."""
    skip = ("incoming/", ".gitml/cache/")
    return {k: v for k, v in snapshot(project).items() if not k.startswith(skip)}


def outputs(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines)


def test_setup_registers_the_first_model_in_prod(template: Path) -> None:
    """issue 15 item 4: setup.sh makes a project whose first model is registered in prod."""
    assert registry(template)["churn-model"]["stage"] == {"prod": "v0.0.1"}
    assert git(template, "status", "--porcelain") == ""
    assert json.loads((template / "metrics.json").read_text())["accuracy"] > 0.9


def test_drifting_batch_is_retrained_gated_and_registered(project: Path) -> None:
    """issue 15 item 4 (and 3): with --shift the batch drifts; the loop retrains on it, passes
    the gate against prod, commits, registers v0.0.2 and assigns it to staging, and writes the
    report with its drift section."""
    head = git(project, "rev-parse", "HEAD").strip()
    out_file = project.parent / "github-output"
    done = retrain(project, "--seed", "2", "--shift", "1", GITHUB_OUTPUT=str(out_file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Dataset: DRIFT" in done.stdout and "Running stage 'train'" in done.stdout
    assert re.search(r"pass: accuracy 0\.94 -> 0\.\d+ \(allowed drop 0\.02\)", done.stdout)
    tags = set(git(project, "tag").split())
    assert tags == {
        "churn-model@v0.0.1",
        "churn-model#prod#1",
        "churn-model@v0.0.2",
        "churn-model#staging#2",
    }
    show = registry(project)["churn-model"]
    assert show["version"] == "v0.0.2"
    assert show["stage"] == {"prod": "v0.0.1", "staging": "v0.0.2"}
    # one new commit: the batch is the tracked data, the lock and metrics follow it
    assert git(project, "rev-parse", "HEAD~1").strip() == head
    changed = set(git(project, "diff", "--name-only", head, "HEAD").split())
    assert changed == {"data/train.csv.gitml", "gitml.lock", "metrics.json"}
    batch = (project / "incoming" / "batch-2.csv").read_bytes()
    assert (project / "data" / "train.csv").read_bytes() == batch
    assert git(project, "status", "--porcelain") == ""
    report = (project / "incoming" / "report.md").read_text()
    assert report.startswith("## Retrained churn-model v0.0.2 (staging)")
    assert "### Data drift" in report and "| tenure_months | num | wasserstein |" in report
    assert "| metrics.json | accuracy | 0.94 |" in report
    assert outputs(out_file) == {"outcome": "registered", "version": "v0.0.2"}


def test_batch_without_drift_changes_nothing(project: Path) -> None:
    """issue 15 item 4 (and 3): a batch without drift stops after `drift --check`: no repro,
    no commit, no tag, not one file changed."""
    before, head = work_files(project), git(project, "rev-parse", "HEAD")
    out_file = project.parent / "github-output"
    done = retrain(project, "--seed", "1", GITHUB_OUTPUT=str(out_file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No data drift" in done.stdout and "Running stage" not in done.stdout
    assert work_files(project) == before
    assert git(project, "rev-parse", "HEAD") == head
    assert set(git(project, "tag").split()) == {"churn-model@v0.0.1", "churn-model#prod#1"}
    assert outputs(out_file) == {"outcome": "no-drift"}
    assert "does not drift" in (project / "incoming" / "report.md").read_text()


def test_gate_failure_stops_before_registering(project: Path) -> None:
    """issue 15 item 4 (and 3): a drifting batch with a third of its labels flipped trains a
    worse model: the gate fails (exit 1), nothing is committed or registered, and the
    workspace (data, model, pointers, lock, metrics) is back as it was."""
    before, head = work_files(project), git(project, "rev-parse", "HEAD")
    out_file = project.parent / "github-output"
    done = retrain(
        project, "--seed", "3", "--shift", "1", "--noise", "0.3", GITHUB_OUTPUT=str(out_file)
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Running stage 'train'" in done.stdout
    assert re.search(r"fail: accuracy 0\.94 -> 0\.[0-8]\d*", done.stdout)
    assert "Gate failed" in done.stderr
    assert work_files(project) == before
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""
    assert set(git(project, "tag").split()) == {"churn-model@v0.0.1", "churn-model#prod#1"}
    assert outputs(out_file) == {"outcome": "gate-failed"}
    assert "Retraining rejected by the gate" in (project / "incoming" / "report.md").read_text()


def test_batch_from_s3_is_landed_and_registered(
    project: Path, s3_endpoint: str, aws_env: None
) -> None:
    """issue 15 item 4: --batch s3://bucket/key (AWS_ENDPOINT_URL names the S3 server): the
    batch is landed from the bucket, drifts, and ends as a registered model."""
    from s3server import new_bucket, s3_client

    bucket = new_bucket(s3_endpoint)
    batch = project.parent / "b.csv"
    subprocess.run(
        [sys.executable, str(EXAMPLE / "src" / "batch.py"), str(batch), "--seed", "2",
         "--shift", "1"],
        check=True,
    )  # fmt: skip
    client: Any = s3_client(s3_endpoint)
    client.put_object(Bucket=bucket, Key="batches/week-23.csv", Body=batch.read_bytes())
    done = retrain(
        project, "--batch", f"s3://{bucket}/batches/week-23.csv", AWS_ENDPOINT_URL=s3_endpoint
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "incoming" / "week-23.csv").read_bytes() == batch.read_bytes()
    assert (project / "data" / "train.csv").read_bytes() == batch.read_bytes()
    assert registry(project)["churn-model"]["stage"] == {"prod": "v0.0.1", "staging": "v0.0.2"}


def test_bad_usage_exits_2_and_changes_nothing(project: Path) -> None:
    """issue 15 item 4: an unknown option, a missing batch file or a dirty workspace: one
    line on stderr, exit 2, nothing changed."""
    before = snapshot(project)
    for args in (["--bogus", "1"], ["--batch", "nowhere.csv"]):
        done = retrain(project, *args)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    (project / "params.yaml").write_text("train:\n  C: 0.5\n  test_every: 4\n")
    before = snapshot(project)
    done = retrain(project, "--seed", "2", "--shift", "1")
    assert done.returncode == 2 and "commit or stash" in done.stderr
    assert snapshot(project) == before


def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return data


def test_workflow_is_scheduled_and_names_the_loop() -> None:
    """issue 15 item 4 (workflow): the YAML parses; it runs on a schedule and by hand, runs
    retrain.sh, whose commands are the loop's, and opens the PR with the report as body."""
    wf = workflow()
    triggers = wf[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"].count(" ") == 4
    assert "workflow_dispatch" in triggers
    assert wf["permissions"] == {"contents": "write", "pull-requests": "write"}
    steps = {s.get("id"): s for s in wf["jobs"]["retrain"]["steps"]}
    run = steps["retrain"]["run"]
    assert "bash retrain.sh" in run and "--report gitml-retrain.md" in run
    pr = next(s for s in wf["jobs"]["retrain"]["steps"] if "gh pr create" in s.get("run", ""))
    assert pr["if"] == "steps.retrain.outputs.outcome == 'registered'"
    assert "--body-file gitml-retrain.md" in pr["run"]
    script = (EXAMPLE / "retrain.sh").read_text()
    for command in SCRIPT_COMMANDS:
        assert command in script, command
    assert "gitml drift" in script and "--check" in script


def run_workflow(project: Path, **inputs: str) -> tuple[int, str]:
    """The job's `run:` steps but the install step, as Actions would run them (step env,
    `${{ }}` values, `if:` on a step output), with `gh` a stand-in that records its call."""
    wf = workflow()
    job = wf["jobs"]["retrain"]
    fake_bin = project.parent / "fake-bin"
    fake_bin.mkdir()
    gh = fake_bin / "gh"
    gh.write_text(
        "#!/usr/bin/env bash\n"
        'printf "%s\\n" "$@" > "$GH_LOG"\n'
        'while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" "$GH_LOG.body"; shift; done\n'
    )
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    out_file = project.parent / "github-output"
    env = env_for(
        project.parent / "home",
        GITHUB_OUTPUT=str(out_file),
        GITHUB_STEP_SUMMARY=str(project.parent / "summary.md"),
        GH_LOG=str(project.parent / "gh.log"),
    )
    env["PATH"] = f"{fake_bin}{os.pathsep}{env['PATH']}"
    log = ""
    for step in job["steps"]:
        if "run" not in step or step.get("id") == "install":
            continue
        values = {
            "secrets.GITHUB_TOKEN": "token",
            "github.ref_name": "main",
            **{f"inputs.{k}": v for k, v in inputs.items()},
            **{f"steps.retrain.outputs.{k}": v for k, v in outputs(out_file).items()},
        }
        condition = step.get("if")
        if condition:
            m = re.fullmatch(r"(\S+) == '([^']*)'", condition)
            assert m, condition
            if values.get(m[1], "") != m[2]:
                continue
        step_env = dict(env)
        for key, value in {**job["env"], **step.get("env", {})}.items():
            text = str(value)
            for expr, replacement in values.items():
                text = text.replace("${{ " + expr + " }}", replacement)
            step_env[key] = "" if "${{" in text else text
        done = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=project,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        log += done.stdout + done.stderr
        if done.returncode != 0:
            return done.returncode, log
    return 0, log


def test_workflow_steps_push_the_branch_and_tags_and_open_the_pr(project: Path) -> None:
    """issue 15 item 4 (workflow): its shell steps, run here on a drifting batch given as the
    dispatch input: the branch and both registry tags reach origin, and `gh pr create` gets
    the report as the PR body (a stand-in `gh`; no network)."""
    origin = project.parent / "origin.git"
    git(project.parent, "clone", "-q", "--bare", str(project), str(origin))
    git(project, "remote", "add", "origin", str(origin))
    shutil.copy(WORKFLOW, project / "gitml-retrain.yml")
    git(project, "add", "gitml-retrain.yml")
    git(project, "commit", "-qm", "the workflow")
    batch = project.parent / "batch.csv"
    subprocess.run(
        [sys.executable, str(EXAMPLE / "src" / "batch.py"), str(batch), "--seed", "2",
         "--shift", "1"],
        check=True,
    )  # fmt: skip
    code, log = run_workflow(project, batch=str(batch))
    assert code == 0, log
    branch = outputs(project.parent / "github-output")["branch"]
    assert branch.startswith("retrain/")
    assert git(origin, "rev-parse", branch) == git(project, "rev-parse", "HEAD")
    assert {"churn-model@v0.0.2", "churn-model#staging#2"} <= set(git(origin, "tag").split())
    gh_args = (project.parent / "gh.log").read_text().splitlines()
    assert gh_args[:2] == ["pr", "create"] and gh_args[gh_args.index("--head") + 1] == branch
    body = (project.parent / "gh.log.body").read_text()
    assert body.startswith("## Retrained churn-model v0.0.2 (staging)")
    assert "### Data drift" in body
    assert body in (project.parent / "summary.md").read_text()


def test_workflow_without_drift_opens_nothing(project: Path) -> None:
    """issue 15 item 4 (workflow): no drift, no branch pushed, no PR."""
    batch = project.parent / "batch.csv"
    subprocess.run(
        [sys.executable, str(EXAMPLE / "src" / "batch.py"), str(batch), "--seed", "1"],
        check=True,
    )
    code, log = run_workflow(project, batch=str(batch))
    assert code == 0, log
    assert not (project.parent / "gh.log").exists()
    assert "No data drift" in log


def test_workflow_install_step_needs_a_pinned_spec(tmp_path: Path) -> None:
    """issue 15 item 4 (workflow): left empty, GITML_PIP_SPEC stops the install step with one
    error line saying what to set (nothing installed)."""
    (step,) = [s for s in workflow()["jobs"]["retrain"]["steps"] if s.get("id") == "install"]
    assert "GITML_PIP_SPEC" in workflow()["jobs"]["retrain"]["env"]
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        env={**os.environ, "GITML_PIP_SPEC": ""},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "::error::set GITML_PIP_SPEC (the job's env) to gitml's Git URL pinned to a commit:"
        " git+https://HOST/OWNER/gitml@COMMIT_SHA"
    ]
