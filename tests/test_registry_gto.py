"""Issue 14 item 9: gitml's registry and GTO agree, both ways, on the real GTO."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import git, run_cli, write
from gto_oracle import gto_bin  # noqa: F401  (the fixture)
from test_registry import PIPELINE, train


def gto(binary: str, root: Path, *args: str) -> str:
    proc = subprocess.run([binary, *args], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def mine(*args: str) -> Any:
    r = run_cli("registry", *args)
    assert r.code == 0, r.err
    return json.loads(r.out) if r.out.strip() else None


def agree(binary: str, root: Path) -> int:
    """gitml's show/history/check-ref JSON equals GTO's; returns how many tags were checked."""
    assert mine("show", "--json") == json.loads(gto(binary, root, "show", "--json"))
    assert mine("show", "--json", "--all") == json.loads(gto(binary, root, "show", "--json", "-d"))
    assert mine("history", "--json") == json.loads(gto(binary, root, "history", "--json"))
    names = {e["artifact"] for e in mine("history", "--json")}
    for name in names:
        theirs = json.loads(gto(binary, root, "history", name, "--json"))
        assert mine("history", name, "--json") == theirs
        shown = mine("show", name, "--json", "--all")
        assert shown == json.loads(gto(binary, root, "show", name, "--json", "-d"))
    tags = git(root, "tag", "-l").split()
    for tag in tags:
        theirs_text = gto(binary, root, "check-ref", tag, "--json")
        assert mine("check-ref", tag, "--json") == (
            json.loads(theirs_text) if theirs_text else None
        )
    return len(tags)


@pytest.fixture
def mlrepo(repo: Path) -> Path:
    write(
        repo / "gitml.yaml",
        PIPELINE + "  models/tiny-net:\n    path: model.pkl\n",
    )
    train(repo, "a,b\n1,2\n")
    return repo


def ok(*args: str) -> None:
    r = run_cli("registry", *args)
    assert r.code == 0, r.err


def test_gto_reads_what_gitml_wrote(mlrepo: Path, gto_bin: str) -> None:  # noqa: F811
    """issue 14 item 9: gto show/history/check-ref --json on a repo gitml wrote = gitml's."""
    ok("register", "churn")
    ok("assign", "churn", "dev")
    train(mlrepo, "a,b\n3,4\n")
    ok("register", "churn", "--bump-minor")
    ok("assign", "churn", "staging", "--version", "v0.1.0")
    ok("assign", "churn", "prod", "--version", "v0.1.0", "-m", "ship it")
    ok("unassign", "churn", "dev")
    ok("assign", "models/tiny-net", "prod")
    train(mlrepo, "a,b\n5,6\n")
    ok("register", "churn", "--version", "v1.0.0-rc.1")
    ok("deregister", "churn", "v1.0.0-rc.1")
    ok("deprecate", "models/tiny-net")
    git(mlrepo, "tag", "unrelated")
    git(mlrepo, "tag", "-a", "-m", "release", "v1.0")
    assert agree(gto_bin, mlrepo) == 13


def test_gitml_reads_what_gto_wrote(mlrepo: Path, gto_bin: str) -> None:  # noqa: F811
    """issue 14 item 9: tags made by gto register/assign/deprecate read the same by gitml."""
    g = lambda *a: gto(gto_bin, mlrepo, *a)  # noqa: E731
    g("register", "churn")
    g("assign", "churn", "--version", "v0.0.1", "--stage", "dev")
    train(mlrepo, "a,b\n3,4\n")
    g("register", "churn", "--bump-major")
    g("assign", "churn", "HEAD", "--stage", "prod")
    g("deprecate", "churn", "v0.0.1", "dev")  # unassign
    g("deprecate", "churn", "v0.0.1")  # deregister
    g("register", "other", "HEAD~1")
    g("deprecate", "other")
    g("assign", "loose", "HEAD", "--stage", "dev", "--sr")  # a stage without a version
    assert agree(gto_bin, mlrepo) == 9
    ok("assign", "churn", "staging", "--version", "v1.0.0")  # gitml continues GTO's numbers
    assert "churn#staging#4" in git(mlrepo, "tag", "-l")
    assert agree(gto_bin, mlrepo) == 10


def test_same_tags_as_gto(mlrepo: Path, tmp_path: Path, gto_bin: str) -> None:  # noqa: F811
    """issue 14 item 2: the same steps make the same tag names and messages in gitml and GTO."""
    twin = tmp_path / "twin"
    git(tmp_path, "clone", "-q", str(mlrepo), str(twin))
    steps = [
        (["register", "churn"], ["register", "churn"]),
        (["assign", "churn", "dev"], ["assign", "churn", "HEAD", "--stage", "dev"]),
        (
            ["assign", "churn", "prod", "--version", "v0.0.1"],
            ["assign", "churn", "--version", "v0.0.1", "--stage", "prod"],
        ),
        (["unassign", "churn", "dev"], ["deprecate", "churn", "v0.0.1", "dev"]),
        (["deregister", "churn", "v0.0.1"], ["deprecate", "churn", "v0.0.1"]),
        (
            ["assign", "models/tiny-net", "staging"],
            ["assign", "models/tiny-net", "HEAD", "--stage", "staging"],
        ),
        (["deprecate", "models/tiny-net"], ["deprecate", "models/tiny-net"]),
    ]
    for ours, theirs in steps:
        ok(*ours)
        gto(gto_bin, twin, *theirs)

    def described(root: Path) -> list[str]:
        fmt = "%(refname:short) %(*objectname) %(contents:subject)"
        return git(root, "tag", "-l", f"--format={fmt}").splitlines()

    assert described(mlrepo) == described(twin)
    assert len(described(mlrepo)) == 8
