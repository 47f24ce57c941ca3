"""Pipeline files in subfolders (issue 12 item 10): `sub/gitml.yaml` is part of the project as
`sub/dvc.yaml` is in DVC 3.67.1. Each test's docstring records what DVC does (checked with the
real DVC in a temp repository)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from tests.conftest import chdir, git, run_cli, snapshot, write

ROOT = """\
stages:
  top:
    cmd: cat sub/out.txt > top.txt
    deps: [sub/out.txt]
    outs: [top.txt]
"""

SUB = """\
stages:
  train:
    cmd: cp in.txt out.txt && pwd > where.txt && echo '{"acc":0.5}' > m.json
    deps: [in.txt]
    params: [lr]
    outs: [out.txt]
    metrics: [{m.json: {cache: false}}]
  lonely:
    cmd: echo l > lonely.txt
    outs: [lonely.txt]
"""


def _project(repo: Path, root: str = ROOT, sub: str = SUB) -> None:
    if root:
        write(repo / "gitml.yaml", root)
    write(repo / "sub" / "gitml.yaml", sub)
    write(repo / "sub" / "in.txt", "x\n")
    write(repo / "sub" / "params.yaml", "lr: 1\n")


def _ran(result_out: str) -> list[str]:
    """The stages a `repro --json` ran (or restored from the run cache)."""
    return [x["stage"] for x in json.loads(result_out) if x["action"] in ("ran", "restored")]


def test_sub_pipeline_runs_in_its_folder_with_its_own_lock(repo: Path) -> None:
    """issue 12 item 10: a sub pipeline's stages run in its folder, its paths (deps, outs,
    params, metrics) are relative to it, and its lock is `sub/gitml.lock` beside it.

    DVC: `dvc repro` runs 'sub/dvc.yaml:train' in sub/ (pwd), writes `sub/dvc.lock` with
    `path: in.txt`, `params: {params.yaml: {lr: 1}}` and `sub/.gitignore` with `/out.txt`."""
    _project(repo)
    result = run_cli("repro", "--json")
    assert result.code == 0, result.err
    assert _ran(result.out) == ["sub/gitml.yaml:train", "top"]
    assert (repo / "sub" / "where.txt").read_text().strip() == str(repo / "sub")
    lock = yaml.safe_load((repo / "sub" / "gitml.lock").read_text())
    train = lock["stages"]["train"]
    assert [d["path"] for d in train["deps"]] == ["in.txt"]
    assert train["params"] == {"params.yaml": {"lr": 1}}
    assert [o["path"] for o in train["outs"]] == ["m.json", "out.txt"]
    root_lock = yaml.safe_load((repo / "gitml.lock").read_text())
    assert list(root_lock["stages"]) == ["top"]
    assert root_lock["stages"]["top"]["deps"][0]["path"] == "sub/out.txt"
    assert "/out.txt" in (repo / "sub" / ".gitignore").read_text().splitlines()
    assert (repo / "top.txt").read_text() == "x\n"
    status = run_cli("status", "--json")
    assert status.code == 0 and json.loads(status.out) == {
        "sub/gitml.yaml:lonely": [{"reason": "never ran (not in sub/gitml.lock)"}]
    }


def test_one_dag_across_pipeline_files(repo: Path) -> None:
    """issue 12 item 10: one graph over all pipeline files: a root out feeds a sub stage and
    a sub out feeds a root stage; `gitml dag` names sub stages by address.

    DVC: `dvc dag` draws 'sub/dvc.yaml:train' above 'top' (its dep sub/out.txt)."""
    root = ROOT + "  prep:\n    cmd: echo p > prep.txt\n    outs: [prep.txt]\n"
    sub = SUB.replace("deps: [in.txt]", "deps: [in.txt, ../prep.txt]")
    _project(repo, root, sub)
    dag = run_cli("dag")
    assert dag.code == 0, dag.err
    assert "top  <- sub/gitml.yaml:train" in dag.out
    assert "sub/gitml.yaml:train  <- prep" in dag.out
    result = run_cli("repro", "--json")
    assert _ran(result.out) == ["prep", "sub/gitml.yaml:train", "top"]
    lock = yaml.safe_load((repo / "sub" / "gitml.lock").read_text())
    assert [d["path"] for d in lock["stages"]["train"]["deps"]] == ["../prep.txt", "in.txt"]


def test_checks_hold_across_files_and_name_the_file(repo: Path) -> None:
    """issue 12 item 10: two stages with one out, a cycle, or a path outside the repository
    are refused across pipeline files, naming the file and line; nothing is written.

    DVC: "output 'top.txt' is specified in stages: - sub/dvc.yaml:dup - top"; a cycle across
    files is "Pipeline has a cycle"; `../../x` in sub/dvc.yaml is outside the repository."""
    _project(repo, sub=SUB + "  dup:\n    cmd: echo d > ../top.txt\n    outs: [../top.txt]\n")
    before = snapshot(repo)
    result = run_cli("repro")
    assert result.code == 2
    assert "sub/gitml.yaml:11: stages 'top' and 'sub/gitml.yaml:dup' both have out top.txt" in (
        result.err
    )
    assert snapshot(repo) == before
    _project(repo, sub=SUB.replace("deps: [in.txt]", "deps: [in.txt, ../top.txt]"))
    result = run_cli("status")
    assert result.code == 2 and "pipeline has a cycle" in result.err
    _project(repo, sub=SUB.replace("outs: [out.txt]", "outs: [../../out.txt]"))
    before = snapshot(repo)
    result = run_cli("repro", "-P")
    assert result.code == 2
    assert "sub/gitml.yaml:2: stage 'train': path '../../out.txt' is outside" in result.err
    assert snapshot(repo) == before


def test_stage_addresses_as_dvc_reads_them(repo: Path) -> None:
    """issue 12 item 10: targets `sub/gitml.yaml:train`, `sub/gitml.yaml` (its stages), a
    bare name in the current folder's pipeline, `../gitml.yaml:top` from sub/.

    DVC: `dvc status sub/dvc.yaml:train`, `sub/dvc.yaml` and (in sub/) `train` and
    `../dvc.yaml:top` work; `sub:train` fails ("bad DVC file name 'sub'"); `train` at the
    root fails ("Did you mean: `sub/dvc.yaml:train`?"); `sub/dvc.lock:train` fails ("Did you
    mean: `sub/dvc.yaml:train`?"). Its --json keys are addresses: 'sub/dvc.yaml:train'."""
    _project(repo)
    keys = lambda r: sorted(json.loads(r.out))  # noqa: E731
    assert keys(run_cli("status", "--json", "sub/gitml.yaml:train")) == ["sub/gitml.yaml:train"]
    both = ["sub/gitml.yaml:lonely", "sub/gitml.yaml:train"]
    assert keys(run_cli("status", "--json", "sub/gitml.yaml")) == both
    with chdir(repo / "sub"):
        assert keys(run_cli("status", "--json", "train")) == ["sub/gitml.yaml:train"]
        assert keys(run_cli("status", "--json", "../gitml.yaml:top")) == ["top"]
        # the addresses gitml prints work from any folder
        assert keys(run_cli("status", "--json", "sub/gitml.yaml:lonely")) == both[:1]
    bad = run_cli("status", "sub:train")
    assert bad.code == 2 and "'sub' is a folder, not a pipeline file" in bad.err
    assert "sub/gitml.yaml:train" in bad.err
    lock = run_cli("repro", "sub/gitml.lock:train")
    assert lock.code == 2 and "did you mean 'sub/gitml.yaml:train'?" in lock.err
    root = run_cli("repro", "train")
    assert root.code == 2 and "unknown stage 'train'" in root.err
    assert "did you mean 'sub/gitml.yaml:train'?" in root.err
    unknown = run_cli("repro", "sub/gitml.yaml:nope")
    assert unknown.code == 2 and "unknown stage 'nope' in sub/gitml.yaml" in unknown.err


def test_repro_without_targets_takes_the_current_folders_pipeline(repo: Path) -> None:
    """issue 12 item 10: `gitml repro` with no target reproduces the current folder's
    gitml.yaml (and upstream), `-P` every pipeline file.

    DVC: `dvc repro` at the root runs `dvc.yaml`'s stages and their upstream
    ('sub/dvc.yaml:train', 'top'), not the unrelated 'sub/dvc.yaml:lonely'; in sub/ it runs
    'train' and 'lonely' only; `dvc repro -P` runs all; a folder with no dvc.yaml fails
    ("'.../dvc.yaml' does not exist")."""
    _project(repo)
    with chdir(repo / "sub"):
        result = run_cli("repro", "--json")
    assert result.code == 0, result.err
    assert _ran(result.out) == ["sub/gitml.yaml:train", "sub/gitml.yaml:lonely"]
    assert not (repo / "top.txt").exists()
    assert _ran(run_cli("repro", "--json").out) == ["top"]
    write(repo / "sub" / "in.txt", "y\n")
    (repo / "sub" / "lonely.txt").unlink()
    assert _ran(run_cli("repro", "--json", "-P").out) == [
        "sub/gitml.yaml:train",
        "top",
        "sub/gitml.yaml:lonely",
    ]
    (repo / "gitml.yaml").unlink()
    result = run_cli("repro")
    assert result.code == 2 and "no gitml.yaml in this folder or above it" in result.err


def test_commit_checkout_and_gc_see_sub_locks(repo: Path) -> None:
    """issue 12 item 10: `commit sub/gitml.yaml:train` writes sub/gitml.lock; `checkout`
    restores a sub stage's out; `gc` keeps the objects of sub locks in the workspace and at
    old revisions.

    DVC: `dvc commit sub/dvc.yaml:train` updates sub/dvc.lock; `dvc checkout` restores
    sub/out.txt; `dvc gc -w` keeps what every dvc.lock of the workspace uses."""
    _project(repo, root="")
    assert run_cli("repro", "-P").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    old = (repo / "sub" / "out.txt").read_bytes()
    (repo / "sub" / "out.txt").write_text("hand made\n")
    assert run_cli("commit", "sub/gitml.yaml:train").code == 0
    lock = yaml.safe_load((repo / "sub" / "gitml.lock").read_text())
    assert lock["stages"]["train"]["outs"][1]["path"] == "out.txt"
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v2")
    (repo / "sub" / "out.txt").unlink()
    assert run_cli("checkout").code == 0
    assert (repo / "sub" / "out.txt").read_text() == "hand made\n"
    gc = run_cli("gc", "-f", "-w", "-A")
    assert gc.code == 0, gc.err
    git(repo, "checkout", "-q", "HEAD~1")
    assert run_cli("checkout").code == 0
    assert (repo / "sub" / "out.txt").read_bytes() == old  # v1's object survived gc
    git(repo, "checkout", "-q", "-")
    assert run_cli("checkout").code == 0
    gc = run_cli("gc", "-f", "-w")
    assert gc.code == 0 and "removed 1 object " in gc.out, gc.out  # v1's out.txt only
    (repo / "sub" / "out.txt").unlink()
    assert run_cli("checkout").code == 0
    assert (repo / "sub" / "out.txt").read_text() == "hand made\n"


def test_push_and_pull_a_sub_stage_target(repo: Path, tmp_path: Path) -> None:
    """issue 12 item 10: `push`/`pull` of a sub stage address move its cached outs.

    DVC: `dvc push sub/dvc.yaml:train` pushes sub/out.txt; `dvc pull sub/dvc.yaml:train`
    brings it back."""
    _project(repo, root="")
    assert run_cli("remote", "add", "-d", "store", str(tmp_path / "store")).code == 0
    assert run_cli("repro", "-P").code == 0
    pushed = run_cli("push", "sub/gitml.yaml:train")
    assert pushed.code == 0, pushed.err
    (repo / "sub" / "out.txt").unlink()
    (repo / "sub" / "lonely.txt").unlink()
    cache = repo / ".gitml" / "cache"
    for path in list(cache.rglob("*")):
        if path.is_file() and "runs" not in path.parts:
            path.unlink()
    with chdir(repo / "sub"):
        pulled = run_cli("pull", "train")
    assert pulled.code == 0, pulled.err
    assert (repo / "sub" / "out.txt").read_text() == "x\n"
    assert not (repo / "sub" / "lonely.txt").exists()


def test_metrics_params_and_plots_of_sub_pipelines(repo: Path) -> None:
    """issue 12 item 10: metrics, params and plots declared in a sub pipeline (by stages or
    at its top level, relative to its folder) are shown, at revisions too.

    DVC: `dvc metrics show` lists sub/m.json, `dvc params diff` sub/params.yaml, top-level
    `metrics: [extra.json]` of sub/dvc.yaml means sub/extra.json."""
    sub = SUB + "metrics:\n  - extra.json\nplots:\n  - curve.csv\n"
    _project(repo, root="", sub=sub)
    write(repo / "sub" / "extra.json", '{"loss": 2}\n')
    write(repo / "sub" / "curve.csv", "step,loss\n0,1\n1,0.5\n")
    assert run_cli("repro", "-P").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    write(repo / "sub" / "params.yaml", "lr: 2\n")
    shown = run_cli("metrics", "show", "--json")
    assert shown.code == 0, shown.err
    text = json.dumps(json.loads(shown.out))
    assert "sub/m.json" in text and "sub/extra.json" in text
    diff = run_cli("params", "diff", "--json")
    assert diff.code == 0, diff.err
    assert "sub/params.yaml" in diff.out and '"lr"' in diff.out
    out = repo / "plots"
    plots = run_cli("plots", "show", "-o", str(out))
    assert plots.code == 0, plots.err
    assert "sub/curve.csv" in (out / "index.html").read_text()


def test_hooks_check_sub_locks_and_stages(repo: Path) -> None:
    """issue 12 item 10: the pre-commit check reads a staged sub/gitml.lock; the
    repro-check hook reports stale sub stages.

    DVC: its pre-commit hook runs `dvc status`, which lists 'sub/dvc.yaml:train'."""
    _project(repo, root="")
    assert run_cli("repro", "-P").code == 0
    for path in list((repo / ".gitml" / "cache").rglob("*")):
        if path.is_file() and "runs" not in path.parts:
            path.unlink()
    git(repo, "add", "sub/gitml.lock")
    result = run_cli("hook", "pre-commit")
    assert result.code != 0
    assert "sub/gitml.lock: stage 'train': sub/out.txt:" in result.err
    assert "gitml commit sub/gitml.yaml:train" in result.err
    write(repo / "sub" / "in.txt", "changed\n")
    check = run_cli("hook", "repro-check")
    assert check.code != 0 and "sub/gitml.yaml:train: dep sub/in.txt changed" in check.err


def test_run_cache_restores_a_sub_stage(repo: Path) -> None:
    """issue 12 item 10: the run cache works for sub stages.

    DVC: "Stage 'sub/dvc.yaml:train' is cached - skipping run, checking out outputs"."""
    _project(repo, root="")
    assert run_cli("repro", "-P").code == 0
    write(repo / "sub" / "in.txt", "y\n")
    assert run_cli("repro", "-P").code == 0
    write(repo / "sub" / "in.txt", "x\n")
    result = run_cli("repro", "--json", "sub/gitml.yaml:train")
    actions = {x["stage"]: x["action"] for x in json.loads(result.out)}
    assert actions == {"sub/gitml.yaml:train": "restored"}
    assert (repo / "sub" / "out.txt").read_text() == "x\n"


def test_stage_add_writes_the_current_folders_pipeline(repo: Path) -> None:
    """issue 12 item 10: `stage add` in sub/ writes sub/gitml.yaml (paths as given, relative
    to it); the root gitml.yaml is untouched.

    DVC: `dvc stage add -n added -d in.txt -o added.txt ...` in sub/ prints "Added stage
    'added' in 'dvc.yaml'" and writes sub/dvc.yaml."""
    _project(repo)
    root_before = (repo / "gitml.yaml").read_bytes()
    with chdir(repo / "sub"):
        added = run_cli("stage", "add", "-n", "added", "-d", "in.txt", "-o", "added.txt",
                        "cp in.txt added.txt")  # fmt: skip
        assert added.code == 0, added.err
        again = run_cli("stage", "add", "-n", "added", "cp in.txt added.txt")
        assert again.code == 2 and "already exists in sub/gitml.yaml" in again.err
        assert run_cli("repro", "added").code == 0
    assert (repo / "gitml.yaml").read_bytes() == root_before
    doc = yaml.safe_load((repo / "sub" / "gitml.yaml").read_text())
    assert doc["stages"]["added"]["deps"] == ["in.txt"]
    assert (repo / "sub" / "added.txt").read_text() == "x\n"


def test_bad_sub_pipeline_names_its_file_and_validate_checks_it(repo: Path) -> None:
    """issue 12 item 10: an error in a sub pipeline names `sub/gitml.yaml:LINE`; `gitml
    validate` checks every pipeline file and lock.

    DVC: "'./sub/dvc.yaml' is invalid." with the line."""
    bad = SUB.replace("    outs: [lonely.txt]", "    outs: [lonely.txt]\n    bogus: 1")
    _project(repo, sub=bad)
    before = snapshot(repo)
    result = run_cli("status")
    assert result.code == 2
    assert "sub/gitml.yaml:11: stage 'lonely': unknown key 'bogus'" in result.err
    assert snapshot(repo) == before
    validate = run_cli("validate")
    assert validate.code != 0 and "sub/gitml.yaml:11" in validate.err
    _project(repo)
    write(repo / "sub" / "gitml.lock", "schema: '1.0'\nstages: {train: {cmd: 1}}\n")
    validate = run_cli("validate")
    assert validate.code != 0 and "sub/gitml.lock" in validate.err


def test_ignored_folders_hold_no_pipeline(repo: Path) -> None:
    """issue 12 item 10: a gitml.yaml in a Git-ignored or `.gitmlignore`d folder is not part
    of the project (pipeline files are found as pointers are).

    DVC: a dvc.yaml under a .dvcignore'd folder is not collected."""
    _project(repo, root="")
    write(repo / "junk" / "gitml.yaml", "stages: {x: {cmd: 'echo x > x.txt', outs: [x.txt]}}\n")
    write(repo / "vendor" / "gitml.yaml", "stages: {y: {cmd: 'echo y > y.txt', outs: [y.txt]}}\n")
    write(repo / ".gitignore", "/junk/\n")
    write(repo / ".gitmlignore", "vendor/\n")
    status = run_cli("status", "--json")
    assert status.code == 0, status.err
    assert sorted(json.loads(status.out)) == ["sub/gitml.yaml:lonely", "sub/gitml.yaml:train"]


def test_wdir_and_vars_of_a_sub_pipeline_are_relative_to_its_folder(repo: Path) -> None:
    """issue 12 item 10: `wdir`, `vars` files and ${...} from the folder's params.yaml are
    relative to the sub pipeline's folder.

    DVC: `wdir: src` in sub/dvc.yaml runs in sub/src; `vars: [conf.yaml]` reads
    sub/conf.yaml; params.yaml beside sub/dvc.yaml feeds ${lr}."""
    sub = """\
vars: [conf.yaml]
stages:
  go:
    wdir: src
    cmd: echo ${name}-${lr} > ../made.txt && pwd > ../where.txt
    outs: [../made.txt]
"""
    _project(repo, root="", sub=sub)
    write(repo / "sub" / "conf.yaml", "name: n\n")
    (repo / "sub" / "src").mkdir()
    with chdir(repo / "sub"):
        result = run_cli("repro")
    assert result.code == 0, result.err
    assert (repo / "sub" / "made.txt").read_text().strip() == "n-1"
    assert (repo / "sub" / "where.txt").read_text().strip() == str(repo / "sub" / "src")
    assert os.path.exists(repo / "sub" / "gitml.lock")


def test_pre_push_reads_sub_locks_of_pushed_commits(repo: Path) -> None:
    """issue 12 item 10: the pre-push hook pushes the outs recorded in sub/gitml.lock of the
    commits being pushed, paths made repo-relative.

    DVC: its pre-push hook runs `dvc push`, which pushes every dvc.lock's outs."""
    from gitml.commands.hook_push import outputs_at_commits
    from gitml.repo import find_repo

    _project(repo, root="")
    assert run_cli("repro", "-P").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    head = git(repo, "rev-parse", "HEAD").strip()
    new, _ = outputs_at_commits(find_repo(str(repo)), [head])
    assert {"sub/out.txt", "sub/lonely.txt"} <= {path for path, _ in new}
