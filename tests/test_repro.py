"""`gitml repro`: every invalidation rule, the cut-off, the run cache, flags, -j, crashes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from conftest import chdir, git, gitml_subprocess, run_cli, write

from gitml import yamlio

CHAIN = """\
stages:
  prepare:
    cmd: echo prepare >> runs.log && cp raw.txt prepared.txt
    deps: [raw.txt]
    params: [prep.n]
    outs: [prepared.txt]
  train:
    cmd: echo train >> runs.log && cat prepared.txt prepared.txt > model.txt
    deps: [prepared.txt]
    outs: [model.txt]
  evaluate:
    cmd: echo evaluate >> runs.log && wc -c < model.txt | tr -d ' ' > metrics.json
    deps: [model.txt]
    metrics: [{metrics.json: {cache: false}}]
"""


def ran(repo: Path) -> list[str]:
    """The stages whose cmd ran since the last call (they append to runs.log)."""
    log = repo / "runs.log"
    if not log.exists():
        return []
    names = log.read_text().split()
    log.unlink()
    return names


def repro(*args: str) -> None:
    result = run_cli("repro", *args)
    assert result.code == 0, result.err


@pytest.fixture
def chain(repo: Path) -> Path:
    write(repo / "gitml.yaml", CHAIN)
    write(repo / "params.yaml", "prep:\n  n: 1\nother: 5\n")
    write(repo / "raw.txt", "hello\n")
    repro()
    assert ran(repo) == ["prepare", "train", "evaluate"]
    return repo


def stale(repo: Path) -> dict[str, list[str]]:
    data = json.loads(run_cli("status", "--json").out)
    return {k: [r["reason"] for r in v] for k, v in data.items() if not k.endswith(".gitml")}


def test_up_to_date_runs_nothing(chain: Path) -> None:
    assert stale(chain) == {}
    repro()
    assert ran(chain) == []
    assert run_cli("status", "--check").code == 0


def test_lock_records_everything(chain: Path) -> None:
    lock = yamlio.load_file(str(chain / "gitml.lock"))
    prepare = lock["stages"]["prepare"]
    assert prepare["cmd"].startswith("echo prepare")
    assert [d["path"] for d in prepare["deps"]] == ["raw.txt"]
    assert prepare["params"] == {"params.yaml": {"prep.n": 1}}
    assert prepare["outs"][0]["path"] == "prepared.txt"
    assert lock["stages"]["evaluate"]["outs"][0]["cache"] is False


def test_not_in_lock(chain: Path) -> None:
    text = (chain / "gitml.yaml").read_text()
    write(chain / "gitml.yaml", text + "  extra:\n    cmd: echo extra >> runs.log\n")
    assert stale(chain) == {"extra": ["never ran (not in gitml.lock)"]}
    repro()
    assert ran(chain) == ["extra"]


def test_cmd_changed(chain: Path) -> None:
    text = (chain / "gitml.yaml").read_text()
    write(chain / "gitml.yaml", text.replace("> model.txt", ">model.txt"))
    assert stale(chain) == {"train": ["cmd changed"]}
    repro()
    assert ran(chain) == ["train"]  # same bytes out: evaluate is not invalidated


def test_dep_changed_and_upstream_propagation(chain: Path) -> None:
    write(chain / "raw.txt", "hello world\n")
    assert stale(chain) == {"prepare": ["dep raw.txt changed"]}
    dry = run_cli("repro", "--dry")
    assert "Stage 'train' would run: upstream stage prepare will run" in dry.out
    assert ran(chain) == []  # --dry runs nothing
    repro()
    assert ran(chain) == ["prepare", "train", "evaluate"]
    assert (chain / "metrics.json").read_text().strip() == "24"


def test_param_changed_only(chain: Path) -> None:
    write(chain / "params.yaml", "prep:\n  n: 2\nother: 5\n")
    assert stale(chain) == {"prepare": ["params prep.n changed 1 -> 2"]}
    repro()
    # prepare's output is byte-identical: the cut-off stops the chain there
    assert ran(chain) == ["prepare"]


def test_undeclared_param_change_invalidates_nothing(chain: Path) -> None:
    write(chain / "params.yaml", "prep:\n  n: 1\nother: 6\n")
    assert stale(chain) == {}


def test_out_missing(chain: Path) -> None:
    os.unlink(chain / "model.txt")
    assert stale(chain) == {
        "train": ["out model.txt missing"],
        "evaluate": ["dep model.txt missing"],
    }
    repro("--no-run-cache")
    assert ran(chain) == ["train"]  # same bytes again: evaluate stays valid


def test_out_changed(chain: Path) -> None:
    write(chain / "metrics.json", "999\n")
    assert stale(chain) == {"evaluate": ["out metrics.json changed"]}
    repro("--no-run-cache")
    assert ran(chain) == ["evaluate"]
    assert (chain / "metrics.json").read_text().strip() == "12"


def test_always_changed(chain: Path) -> None:
    text = (chain / "gitml.yaml").read_text()
    write(
        chain / "gitml.yaml",
        text + "  clock:\n    cmd: echo clock >> runs.log\n    always_changed: true\n",
    )
    repro()
    assert ran(chain) == ["clock"]
    assert stale(chain) == {"clock": ["always_changed"]}
    repro()
    assert ran(chain) == ["clock"]  # and never from the run cache


def test_upstream_change_that_changes_bytes_runs_downstream(chain: Path) -> None:
    write(chain / "raw.txt", "changed\n")
    repro("train")  # train and its upstream, not evaluate
    assert ran(chain) == ["prepare", "train"]
    assert stale(chain) == {"evaluate": ["dep model.txt changed"]}


def test_run_cache_restores_instead_of_running(chain: Path) -> None:
    first_metrics = (chain / "metrics.json").read_bytes()
    write(chain / "raw.txt", "other\n")
    repro()
    assert ran(chain) == ["prepare", "train", "evaluate"]
    write(chain / "raw.txt", "hello\n")
    result = run_cli("repro")
    assert result.code == 0
    assert "restored from the run cache" in result.out
    assert ran(chain) == []  # no cmd ran
    assert (chain / "metrics.json").read_bytes() == first_metrics
    assert run_cli("status", "--check").code == 0
    write(chain / "raw.txt", "other\n")
    repro("--no-run-cache")
    assert ran(chain) == ["prepare", "train", "evaluate"]


def test_force_single_and_downstream(chain: Path) -> None:
    repro("-f")
    assert ran(chain) == ["prepare", "train", "evaluate"]
    repro("-f", "-s", "train")
    assert ran(chain) == ["train"]
    repro("-f", "--downstream", "train")
    assert ran(chain) == ["train", "evaluate"]
    repro("-f", "train")
    assert ran(chain) == ["prepare", "train"]
    assert run_cli("repro", "nope").code == 2


def test_failing_cmd_keeps_lock_entry_and_stops(chain: Path) -> None:
    lock_before = (chain / "gitml.lock").read_bytes()
    text = (chain / "gitml.yaml").read_text()
    write(chain / "gitml.yaml", text.replace("cat prepared.txt prepared.txt", "false"))
    result = run_cli("repro")
    assert result.code == 3
    assert "stage 'train' failed" in result.err
    assert ran(chain) == ["train"]  # evaluate did not run
    assert (chain / "gitml.lock").read_bytes() == lock_before


DIAMOND = """\
stages:
  root:
    cmd: echo root >> runs.log && echo r > r.txt
    outs: [r.txt]
  left:
    cmd: echo left >> runs.log && sleep 0.5 && echo left-end >> runs.log && cp r.txt l.txt
    deps: [r.txt]
    outs: [l.txt]
  right:
    cmd: echo right >> runs.log && sleep 0.5 && echo right-end >> runs.log && cp r.txt x.txt
      && {fail}
    deps: [r.txt]
    outs: [x.txt]
  join:
    cmd: echo join >> runs.log && cat l.txt x.txt > j.txt
    deps: [l.txt, x.txt]
    outs: [j.txt]
  lone:
    cmd: echo lone >> runs.log && echo z > z.txt
    outs: [z.txt]
  tail:
    cmd: echo tail >> runs.log && cp l.txt t.txt
    deps: [l.txt]
    outs: [t.txt]
"""


def test_jobs_2_runs_independent_stages_in_parallel(repo: Path) -> None:
    write(repo / "gitml.yaml", DIAMOND.format(fail="true"))
    result = run_cli("repro", "-j", "2")
    assert result.code == 0, result.err
    order = ran(repo)
    assert sorted(order) == sorted(
        ["join", "left", "left-end", "lone", "right", "right-end", "root", "tail"]
    )
    assert order.index("root") < order.index("left") < order.index("join")
    assert order.index("right-end") < order.index("join")
    # left and right overlapped: each started before the other ended
    assert order.index("left") < order.index("right-end")
    assert order.index("right") < order.index("left-end")
    assert (repo / "j.txt").read_text() == "r\nr\n"
    # each stage's captured output is printed as one block, prefixed by its name
    sequential = run_cli("repro", "-f", "-j", "1")
    assert sequential.code == 0
    order = ran(repo)
    assert order.index("left-end") < order.index("right")  # -j 1: one at a time


def test_keep_going_skips_descendants_only(repo: Path) -> None:
    write(repo / "gitml.yaml", DIAMOND.format(fail="false"))
    result = run_cli("repro", "--keep-going")
    assert result.code == 3
    order = ran(repo)
    assert "join" not in order  # downstream of the failure
    assert {"root", "left", "left-end", "right", "right-end", "lone", "tail"} == set(order)
    assert "Stage 'join' skipped" in result.out
    lock = yamlio.load_file(str(repo / "gitml.lock"))["stages"]
    assert set(lock) == {"root", "left", "lone", "tail"}
    stop = run_cli("repro", "-f")
    assert stop.code == 3
    # stopped at right, in DVC's order (DVC 3.67.1 runs the same for this dvc.yaml): lone,
    # after right in the file, is not reached
    assert ran(repo) == ["root", "left", "left-end", "right", "right-end"]


KILLABLE = """\
stages:
  first:
    cmd: echo first >> runs.log && echo one > one.txt
    outs: [one.txt]
  second:
    cmd: echo second >> runs.log && echo partial > two.txt && sleep 30 && echo two > two.txt
    deps: [one.txt]
    outs: [two.txt]
"""


def test_kill_9_in_second_stage_then_rerun_resumes(repo: Path) -> None:
    write(repo / "gitml.yaml", KILLABLE)
    proc = gitml_subprocess(repo, "repro", start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (repo / "two.txt").exists():
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # gitml and the stage's shell
    proc.wait()
    lock = yamlio.load_file(str(repo / "gitml.lock"))["stages"]
    assert set(lock) == {"first"}  # the first stage's result was kept
    assert ran(repo) == ["first", "second"]
    write(repo / "gitml.yaml", KILLABLE.replace("sleep 30 && ", ""))
    assert stale(repo) == {"second": ["never ran (not in gitml.lock)"]}
    repro()
    assert ran(repo) == ["second"]
    assert (repo / "two.txt").read_text() == "two\n"


def test_repro_lock_is_the_repository_lock(chain: Path) -> None:
    from gitml.repo import Repo

    write(chain / "raw.txt", "new\n")
    with Repo(str(chain)).lock():
        result = run_cli("repro")
    assert result.code == 3 and "lock" in result.err
    assert ran(chain) == []


def test_checkout_and_commit_of_stage_outs(chain: Path) -> None:
    git(chain, "add", "-A")
    git(chain, "commit", "-qm", "pipeline")
    os.unlink(chain / "model.txt")
    result = run_cli("checkout")
    assert result.code == 0, result.err
    assert (chain / "model.txt").read_text() == "hello\nhello\n"
    write(chain / "model.txt", "hand made\n")
    assert stale(chain) == {
        "train": ["out model.txt changed"],
        "evaluate": ["dep model.txt changed"],
    }
    commit = run_cli("commit", "train")
    assert commit.code == 0 and "train" in commit.out
    assert stale(chain) == {"evaluate": ["dep model.txt changed"]}
    assert run_cli("add", "model.txt").code == 2  # a stage out is not added by hand


@pytest.mark.skipif(shutil.which("python3") is None, reason="needs python3 on PATH")
def test_digits_example_end_to_end(repo: Path) -> None:
    pytest.importorskip("sklearn")
    example = Path(__file__).resolve().parent.parent / "examples" / "digits"
    for item in example.iterdir():
        if item.name not in ("data", "plots", "model.pkl", "metrics.json", "gitml.lock"):
            dest = repo / item.name
            (shutil.copytree if item.is_dir() else shutil.copy)(item, dest)
    result = run_cli("repro")
    assert result.code == 0, result.err
    metrics = json.loads((repo / "metrics.json").read_text())
    assert 0.9 < metrics["accuracy"] <= 1.0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "digits")
    params = (repo / "params.yaml").read_text()
    write(repo / "params.yaml", params.replace("C: 1.0", "C: 0.1"))
    status = stale(repo)
    assert list(status) == ["train"] and "train.C changed 1.0 -> 0.1" in status["train"][0]
    out = run_cli("repro").out
    assert "Running stage 'train'" in out and "Running stage 'evaluate'" in out
    assert "Running stage 'prepare'" not in out and "Running stage 'featurize'" not in out
    assert json.loads((repo / "metrics.json").read_text()) != metrics
    assert sys.executable  # the example's scripts ran with python3 from PATH


def test_repro_pull_restores_a_teammates_run(chain: Path, tmp_path: Path) -> None:
    """issue 11 item 6: `repro --pull` fetches the outs of a teammate's matching run record
    from the remote and restores them instead of running the stage."""
    git(chain, "add", "-A")
    git(chain, "commit", "-qm", "pipeline")
    assert run_cli("remote", "add", "-d", "store", str(tmp_path / "store")).code == 0
    git(chain, "commit", "-qam", "remote")
    assert run_cli("push").code == 0
    write(chain / "raw.txt", "other\n")  # the teammate's run, pushed but never committed
    repro()
    assert ran(chain) == ["prepare", "train", "evaluate"]
    model = (chain / "model.txt").read_bytes()
    assert run_cli("push").code == 0

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(chain), str(clone))
    with chdir(clone):
        write(clone / "raw.txt", "other\n")
        result = run_cli("repro", "--pull")
        assert result.code == 0, result.err
        assert "Stage 'prepare' restored from the run cache" in result.out
        assert "Stage 'train' restored from the run cache" in result.out
        assert ran(clone) in ([], ["evaluate"])  # metrics.json is not cached: may re-run
        assert (clone / "model.txt").read_bytes() == model
        assert run_cli("status", "--check").code == 0


def test_status_says_unfetched_outs_need_a_pull(chain: Path, tmp_path: Path) -> None:
    """issue 11 item 7: an out whose recorded bytes are not in the cache is reported as not
    fetched (with 'gitml pull'), not as 'changed' (which suggests repro)."""
    git(chain, "add", "-A")
    git(chain, "commit", "-qm", "v1")
    old = {p: (chain / p).read_bytes() for p in ("prepared.txt", "model.txt")}
    write(chain / "raw.txt", "v2\n")
    repro()
    git(chain, "commit", "-qam", "v2")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(chain), str(clone))
    with chdir(clone):
        for rel, data in old.items():  # a teammate's workspace, still at v1
            write(clone / rel, data)
        reasons = stale(clone)
        assert reasons["prepare"] == [
            "out prepared.txt: its recorded version is not in the cache (run 'gitml pull')"
        ]
        assert reasons["train"] == [
            "dep prepared.txt changed",
            "out model.txt: its recorded version is not in the cache (run 'gitml pull')",
        ]
        assert "out prepared.txt changed" not in run_cli("status").out


def test_cloud_status_and_push_count_run_records_the_same_way(
    chain: Path, tmp_path: Path
) -> None:
    """issue 11 item 10: objects that only run records name are counted apart, the same way,
    by `status --cloud` and by `push` (the outputs' count matches between the two)."""
    assert run_cli("remote", "add", "-d", "store", str(tmp_path / "store")).code == 0
    write(chain / "raw.txt", "earlier\n")  # a run whose outs only its run record names now
    repro()
    write(chain / "raw.txt", "hello\n")
    repro()  # restored from the run cache
    cloud = json.loads(run_cli("status", "--cloud", "--json").out)
    missing = sum(item["objects"] for item in cloud["missing"])
    runs = cloud["run_cache_objects_missing"]  # the earlier run's outs (metrics.json's too)
    assert missing == 2 and runs >= 2  # the workspace's prepared.txt and model.txt
    text = run_cli("status", "--cloud").out
    assert f"{runs} objects of run records (the run cache)" in text
    pushed = json.loads(run_cli("push", "--json").out)
    assert (pushed["pushed"], pushed["run_cache_objects"]) == (missing, runs)
    assert json.loads(run_cli("status", "--cloud", "--json").out) == {
        "remote": "store",
        "missing": [],
        "run_cache_objects_missing": 0,
    }


ORDER = """\
stages:
  evaluate:
    cmd: echo evaluate >> runs.log && cat model f2 > eval
    deps: [model, f2]
    outs: [eval]
  a:
    cmd: echo a >> runs.log && echo a > a
    outs: [a]
  train:
    cmd: echo train >> runs.log && cat a b > model
    deps: [b, a]
    outs: [model]
  b:
    cmd: echo b >> runs.log && echo b > b
    outs: [b]
  feat2:
    cmd: echo feat2 >> runs.log && cat a > f2
    deps: [a]
    outs: [f2]
  lone:
    cmd: echo lone >> runs.log && echo l > lone
    outs: [lone]
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), ["b", "a", "train", "feat2", "evaluate", "lone"]),
        (("evaluate",), ["b", "a", "train", "feat2", "evaluate"]),
        (("--downstream", "a"), ["a", "train", "feat2", "evaluate"]),
        (("--downstream", "b"), ["b", "train", "evaluate"]),
        (("feat2", "lone"), ["a", "feat2", "lone"]),
    ],
)
def test_stages_run_in_dvcs_order(repo: Path, args: tuple[str, ...], expected: list[str]) -> None:
    """issue 12 item 11: without -j, stages run in DVC's order: a depth-first post-order over
    the stages in file order, each stage's upstream in the order of its deps (each order here
    is what DVC 3.67.1 runs for the same dvc.yaml and arguments)."""
    write(repo / "gitml.yaml", ORDER)
    repro()  # every stage's deps exist, as for DVC's second run
    ran(repo)
    repro("-f", *args)
    assert ran(repo) == expected
