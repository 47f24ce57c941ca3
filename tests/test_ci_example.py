"""examples/ci: run the workflow's shell steps against a repo with two branches."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import git, run_cli, write

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ci"
PIPELINE = """\
stages:
  train:
    cmd: python3 train.py
    deps: [train.py]
    params: [drop]
    metrics: [{metrics.json: {cache: false}}]
"""
TRAIN = """\
import json, yaml
drop = yaml.safe_load(open("params.yaml"))["drop"]
json.dump({"accuracy": round(0.9 - drop, 3)}, open("metrics.json", "w"))
"""


class FakeGitHub:
    """Just enough of the issues-comments API, on 127.0.0.1."""

    def __init__(self) -> None:
        self.comments: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def reply(self, data: Any) -> None:
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                assert self.headers["Authorization"] == "Bearer secret-token"
                page = int(self.path.split("page=")[-1])
                self.reply(fake.comments if page == 1 else [])

            def do_POST(self) -> None:
                data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.comments.append({"id": len(fake.comments) + 1, "body": data["body"]})
                self.reply(fake.comments[-1])

            def do_PATCH(self) -> None:
                data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                number = int(self.path.rsplit("/", 1)[1])
                fake.comments[number - 1]["body"] = data["body"]
                self.reply(fake.comments[number - 1])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def pr_repo(repo: Path) -> Path:
    """main with a pipeline run; branch 'feature' changes a param (not yet reproduced)."""
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(EXAMPLE / "gitml-pr.yml", repo / ".github" / "workflows")
    (repo / ".github" / "gitml").mkdir()
    for name in ("gitml-report.sh", "pr_comment.py"):
        shutil.copy(EXAMPLE / name, repo / ".github" / "gitml")
    write(repo / "gitml.yaml", PIPELINE)
    write(repo / "train.py", TRAIN)
    write(repo / "params.yaml", "drop: 0.0\n")
    assert run_cli("repro").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "main")
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo / "params.yaml", "drop: 0.1\n")
    git(repo, "commit", "-qam", "lower accuracy")
    return repo


def run_workflow(repo: Path, github: FakeGitHub, **extra: str) -> subprocess.CompletedProcess[str]:
    """Every `run:` step of the job but the install step, with the job's and step's env."""
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "gitml-pr.yml").read_text())
    assert "pull_request" in workflow[True] and "pull_request_target" not in workflow[True]
    job = workflow["jobs"]["report"]
    summary = repo.parent / "summary.md"
    env = {
        **os.environ,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_API_URL": github.url,
        "GITHUB_REPOSITORY": "me/project",
        "GITHUB_BASE_REF": "main",
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
    }
    values = {
        "secrets.GITHUB_TOKEN": "secret-token",
        "github.event.pull_request.number": "7",
        "github.base_ref": "main",
    }
    result = None
    for step in job["steps"]:
        if "run" not in step or step.get("id") == "install":
            continue
        step_env = {**job.get("env", {}), **step.get("env", {}), **extra}
        for key, value in step_env.items():
            text = str(value)
            for expr, replacement in values.items():
                text = text.replace("${{ " + expr + " }}", replacement)
            env[key] = "" if "${{" in text else text
        result = subprocess.run(
            ["bash", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True
        )
    assert result is not None
    return result


def test_workflow_reports_to_summary_and_one_comment(pr_repo: Path, github: FakeGitHub) -> None:
    status_before = git(pr_repo, "status", "--porcelain")
    result = run_workflow(pr_repo, github, GITML_BASE="main")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = (pr_repo.parent / "summary.md").read_text()
    assert "<!-- gitml-report -->" in summary
    assert "| metrics.json | accuracy | 0.9 | 0.8 | -0.1 |" in summary
    assert "| params.yaml | drop | 0.0 | 0.1 | +0.1 |" in summary
    assert len(github.comments) == 1 and "accuracy" in github.comments[0]["body"]
    assert "comment created" in result.stdout
    again = run_workflow(pr_repo, github, GITML_BASE="main")
    assert again.returncode == 0
    assert len(github.comments) == 1  # updated, not duplicated
    assert "comment updated" in again.stdout
    assert status_before == "" and "metrics.json" in git(pr_repo, "status", "--porcelain")


def test_workflow_gate_fails_the_check(pr_repo: Path, github: FakeGitHub) -> None:
    result = run_workflow(pr_repo, github, GITML_BASE="main", GITML_FAIL_ON="accuracy decreased")
    assert result.returncode == 1
    assert "gate failed: accuracy decreased" in result.stderr
    assert len(github.comments) == 1  # the report is still posted
    assert "Gates failed" in github.comments[0]["body"]


def test_check_mode_fails_on_stale_stages(pr_repo: Path, github: FakeGitHub) -> None:
    result = run_workflow(pr_repo, github, GITML_BASE="main", GITML_CI_MODE="check")
    assert result.returncode == 1
    assert "stages are stale" in result.stdout
    assert "- **train**: params drop changed 0.0 -> 0.1" in github.comments[0]["body"]


def test_without_token_only_the_summary(pr_repo: Path, github: FakeGitHub) -> None:
    workflow = pr_repo / ".github" / "workflows" / "gitml-pr.yml"
    workflow.write_text(workflow.read_text().replace("${{ secrets.GITHUB_TOKEN }}", '""'))
    result = run_workflow(pr_repo, github, GITML_BASE="main")
    assert result.returncode == 0
    assert github.comments == []
    assert "accuracy" in (pr_repo.parent / "summary.md").read_text()


def install_step() -> str:
    workflow = yaml.safe_load((EXAMPLE / "gitml-pr.yml").read_text())
    (step,) = [s for s in workflow["jobs"]["report"]["steps"] if s.get("id") == "install"]
    assert "GITML_PIP_SPEC" in workflow["jobs"]["report"]["env"]
    return str(step["run"])


def test_install_step_installs_gitml_from_a_pinned_git_url(tmp_path: Path) -> None:
    """issue 11 item 2: the install step pip-installs GITML_PIP_SPEC, a Git URL pinned to a
    commit (here this repository's own, over file://), into the job's Python; empty, it
    stops with one error line saying what to set."""
    project = EXAMPLE.parent.parent
    sha = git(project, "rev-parse", "HEAD").strip()
    venv = tmp_path / "job-python"  # the runner's Python: dependencies already there
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    empty = subprocess.run(
        ["bash", "-c", install_step()], env={**env, "GITML_PIP_SPEC": ""},
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert empty.returncode == 1
    assert empty.stderr.startswith("::error::set GITML_PIP_SPEC")
    spec = f"git+file://{project}@{sha}"
    done = subprocess.run(
        ["bash", "-c", install_step()], env={**env, "GITML_PIP_SPEC": spec},
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import gitml; print(gitml.__file__)"],
        env=env, capture_output=True, text=True, cwd=tmp_path, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(str(venv)), where  # installed into the job's Python, not linked
    version = subprocess.run(
        [str(venv / "bin" / "gitml"), "--version"], env=env, capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.startswith("gitml")
