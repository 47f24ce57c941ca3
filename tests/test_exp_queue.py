"""The experiment queue: `exp run --queue`, grids, `--run-all -j N` in temporary worktrees,
failures, kill -9 and rerun, two runners, `exp queue list/remove/logs` (issue 13 item 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import git, gitml_subprocess, run_cli, snapshot, write
from test_exp_run import PARAMS, TRAIN, exps, git_state, make_pipe, ran, show

from gitml.experiments import queue as queue_mod

QUEUE = "refs/exps/queue/"


def queued(repo: Path) -> dict[str, str]:
    """ref -> commit of every queued experiment."""
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", QUEUE)
    return dict(line.split() for line in out.splitlines())


def work(repo: Path) -> dict[str, bytes]:
    """The workspace's files (the cache may grow: runs store their outs there)."""
    return {k: v for k, v in snapshot(repo).items() if not k.startswith(".gitml/cache/")}


def worktrees(repo: Path) -> list[str]:
    return [ln for ln in git(repo, "worktree", "list", "--porcelain").splitlines()
            if ln.startswith("worktree ")]


def listing(repo: Path) -> dict[str, str]:
    result = run_cli("exp", "queue", "list", "--json")
    assert result.code == 0, result.err
    return {e["name"]: e["state"] for e in json.loads(result.out)}


@pytest.fixture
def pipe(repo: Path) -> Path:
    return make_pipe(repo)


@pytest.fixture
def times(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stage cmds write their start/end times here (EXP_TIMES, seen through the env)."""
    folder = tmp_path / "times"
    folder.mkdir()
    monkeypatch.setenv("EXP_TIMES", str(folder))
    return folder


def spans(folder: Path) -> dict[str, list[tuple[float, float]]]:
    found: dict[str, list[tuple[float, float]]] = {}
    for path in folder.iterdir():
        if not path.name.endswith(".started"):
            lines = path.read_text().splitlines()
            found[path.name] = [(float(a), float(b)) for a, b in (ln.split() for ln in lines)]
    return found


def test_queue_makes_a_commit_not_a_workspace_change(pipe: Path) -> None:
    """issue 13 item 2: --queue makes a queued commit (baseline tree + uncommitted work + the
    overrides) on refs/exps/queue/<id>; the workspace, HEAD, index and branch do not change."""
    write(pipe / "train.py", TRAIN + "# uncommitted tweak\n")
    write(pipe / "notes.txt", "unrelated\n")
    before, state = snapshot(pipe), git_state(pipe)
    result = run_cli("exp", "run", "--queue", "-S", "lr=0.7", "-n", "q1", "-m", "queued one")
    assert result.code == 0, result.err
    assert "Queued experiment 'q1'" in result.out
    assert snapshot(pipe) == before and git_state(pipe) == state
    ((ref, sha),) = queued(pipe).items()
    assert git(pipe, "rev-parse", f"{sha}^@").split() == [state[0].strip()]
    assert "lr: 0.7  # learning rate" in show(pipe, sha, "params.yaml")
    assert show(pipe, sha, "train.py").endswith("# uncommitted tweak\n")
    (entry,) = queue_mod.entries(str(pipe))
    assert (entry.name, entry.state, entry.sha) == ("q1", "queued", sha)
    assert entry.message == "queued one"
    assert ref == QUEUE + entry.id
    assert listing(pipe) == {"q1": "queued"}
    assert "q1" in run_cli("exp", "queue").out
    assert exps(pipe) == {} and ran(pipe) == []


def test_grid_queues_every_combination(pipe: Path) -> None:
    """issue 13 item 1: `-S a=1,2 -S b=x,y` queues 4 experiments named NAME-<n> (generated
    names without -n); nothing runs, the workspace does not change."""
    before, state = snapshot(pipe), git_state(pipe)
    result = run_cli("exp", "run", "-S", "lr=1,2", "-S", "nested.depth=3,4", "-n", "g")
    assert result.code == 0, result.err
    assert snapshot(pipe) == before and git_state(pipe) == state
    entries = {e.name: e for e in queue_mod.entries(str(pipe))}
    assert sorted(entries) == ["g-1", "g-2", "g-3", "g-4"]
    combos = set()
    for e in entries.values():
        text = show(pipe, e.sha, "params.yaml")
        lr = next(ln for ln in text.splitlines() if ln.startswith("lr:")).split()[1]
        depth = next(ln for ln in text.splitlines() if "depth:" in ln).split()[1]
        combos.add((lr, depth))
    assert combos == {("1", "3"), ("1", "4"), ("2", "3"), ("2", "4")}
    assert run_cli("exp", "run", "-S", "lr=5,6", "--queue").code == 0
    names = [e.name for e in queue_mod.entries(str(pipe))]
    assert len(set(names)) == 6 and ran(pipe) == []


def test_run_all_two_at_a_time_in_worktrees(pipe: Path, times: Path) -> None:
    """issue 13 item 2: --run-all -j 2 runs queued experiments at once (their time spans
    overlap), each in a temporary worktree sharing the cache and run cache; the workspace,
    unrelated uncommitted work, HEAD, index and branch stay as they were."""
    write(pipe / "params.yaml", PARAMS.replace("sleep: 0", "sleep: 1"))
    write(pipe / "notes.txt", "unrelated work\n")
    assert run_cli("exp", "run", "-S", "lr=0.3,0.4", "--queue", "-n", "par").code == 0
    before, state = work(pipe), git_state(pipe)
    result = run_cli("exp", "run", "--run-all", "-j", "2")
    assert result.code == 0, result.err
    assert work(pipe) == before and git_state(pipe) == state
    (a,), (b,) = spans(times).values()
    assert max(a[0], b[0]) < min(a[1], b[1])  # they ran at the same time
    found = exps(pipe)
    assert sorted(found) == ["par-1", "par-2"]
    assert show(pipe, found["par-1"], "params.yaml").count("sleep: 1") == 1
    assert json.loads(show(pipe, found["par-2"], "metrics.json")) == {"size": len("0.4:par-2")}
    assert show(pipe, found["par-1"], "notes.txt") == "unrelated work\n"
    assert queued(pipe) == {} and len(worktrees(pipe)) == 1
    assert listing(pipe) == {"par-1": "done", "par-2": "done"}
    assert "Running stage 'train'" in run_cli("exp", "queue", "logs", "par-1").out
    # the model was cached in the main repository's cache; its run record too: a workspace
    # run of the same params restores it instead of running
    write(pipe / "params.yaml", PARAMS.replace("sleep: 0", "sleep: 1"))
    assert run_cli("exp", "run", "-S", "lr=0.3", "-n", "again").code == 0
    assert ran(pipe) == []
    assert (pipe / "model.txt").read_text() == "0.3:par-1"


def test_failed_experiment_in_a_queue_of_three(pipe: Path) -> None:
    """issue 13 item 2: of three queued, the failing one keeps its log and state "failed"
    and gets no ref; the other two get theirs; the runner exits 3."""
    assert run_cli("exp", "run", "-S", "lr=1,666,3", "--queue", "-n", "three").code == 0
    state = git_state(pipe)
    result = run_cli("exp", "run", "--run-all", "-j", "2")
    assert result.code == 3
    assert "three-2" in result.err
    assert sorted(exps(pipe)) == ["three-1", "three-3"]
    assert git_state(pipe) == state
    assert queued(pipe) == {} and len(worktrees(pipe)) == 1
    assert listing(pipe)["three-2"] == "failed"
    assert [(e.name, e.state) for e in queue_mod.entries(str(pipe))] == [("three-2", "failed")]
    log = run_cli("exp", "queue", "logs", "three-2")
    assert log.code == 0 and "bad learning rate" in log.out
    # a rerun does not run a failed one again; removing it drops its log
    assert run_cli("exp", "run", "--run-all").code == 0
    assert run_cli("exp", "queue", "remove", "three-2").code == 0
    assert "three-2" not in listing(pipe)


def test_kill_9_of_the_runner_then_rerun(
    pipe: Path, times: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 13 item 2: kill -9 of `--run-all` mid-run leaves nothing half-made; a rerun
    cleans the dead runs' worktrees and processes and makes exactly one ref per entry."""
    hold = tmp_path / "hold"
    hold.write_text("x")
    monkeypatch.setenv("EXP_HOLD", str(hold))
    assert run_cli("exp", "run", "-S", "lr=0.5,0.6", "--queue", "-n", "k").code == 0
    state, refs = git_state(pipe), queued(pipe)
    proc = gitml_subprocess(pipe, "exp", "run", "--run-all", "-j", "2")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(times.glob("*.started"))) == 2:
                break
            time.sleep(0.05)
        assert len(list(times.glob("*.started"))) == 2, proc.communicate(timeout=5)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert exps(pipe) == {} and queued(pipe) == refs
    assert {e.state for e in queue_mod.entries(str(pipe))} == {"queued"}  # the runner is dead
    monkeypatch.delenv("EXP_HOLD")  # the rerun's stages do not wait (the dead ones still do)
    result = run_cli("exp", "run", "--run-all", "-j", "2")
    assert result.code == 0, result.err
    assert sorted(exps(pipe)) == ["k-1", "k-2"]
    assert queued(pipe) == {} and len(worktrees(pipe)) == 1
    assert git_state(pipe) == state
    hold.unlink()  # a stage the rerun did not end would now finish and write its times
    time.sleep(0.3)
    assert {name: len(s) for name, s in spans(times).items()} == {"k-1": 1, "k-2": 1}


def test_recorded_before_the_kill_is_not_run_again(pipe: Path) -> None:
    """issue 13 item 2: a runner killed after recording, before dropping the queue ref: the
    rerun only drops the ref (one experiment, not run again)."""
    from gitml.experiments.record import record

    assert run_cli("exp", "run", "--queue", "-S", "lr=0.2", "-n", "late").code == 0
    (entry,) = queue_mod.entries(str(pipe))
    made = record(str(pipe), entry.baseline, "late", {}, "")
    assert run_cli("exp", "run", "--run-all").code == 0
    assert exps(pipe) == {"late": made.sha} and queued(pipe) == {} and ran(pipe) == []


def test_two_runners_never_take_the_same_entry(pipe: Path, times: Path) -> None:
    """issue 13 item 2: two `--run-all` at once: each entry runs exactly once."""
    assert run_cli("exp", "run", "-S", "lr=1,2,3,4", "--queue", "-n", "two").code == 0
    procs = [gitml_subprocess(pipe, "exp", "run", "--run-all", "-j", "2") for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert sorted(exps(pipe)) == ["two-1", "two-2", "two-3", "two-4"]
    assert {name: len(s) for name, s in spans(times).items()} == {
        "two-1": 1, "two-2": 1, "two-3": 1, "two-4": 1
    }
    assert queued(pipe) == {} and len(worktrees(pipe)) == 1


def test_queue_remove_and_logs(pipe: Path) -> None:
    """issue 13 item 2: `exp queue remove NAME` drops a queued entry; --all drops all;
    unknown names are exit 2 with nothing removed."""
    assert run_cli("exp", "run", "-S", "lr=1,2,3", "--queue", "-n", "r").code == 0
    before = queued(pipe)
    bad = run_cli("exp", "queue", "remove", "r-1", "nope")
    assert bad.code == 2 and "nope" in bad.err and queued(pipe) == before
    assert run_cli("exp", "queue", "logs", "nope").code == 2
    assert run_cli("exp", "queue", "remove").code == 2
    assert run_cli("exp", "queue", "remove", "r-1").code == 0
    assert sorted(listing(pipe)) == ["r-2", "r-3"]
    assert run_cli("exp", "queue", "logs", "r-2").out == ""  # not run yet
    assert run_cli("exp", "queue", "remove", "--all").code == 0
    assert queued(pipe) == {} and listing(pipe) == {}


def test_run_all_with_overrides_queues_then_runs(pipe: Path) -> None:
    """issue 13 item 2: `exp run -S ... --run-all` queues, then runs the queue."""
    state = git_state(pipe)
    assert run_cli("exp", "run", "-S", "lr=0.25", "-n", "now", "--run-all").code == 0
    assert list(exps(pipe)) == ["now"] and queued(pipe) == {}
    assert git_state(pipe) == state


def test_cache_dir_config(repo: Path) -> None:
    """issue 13 item 2: `cache.dir` (relative to .gitml/, as DVC's to .dvc/) moves the cache;
    the queue's worktrees use it to share the main repository's."""
    write(repo / ".gitml" / "config.local.yaml", "cache:\n  dir: ../../shared-cache\n")
    write(repo / "data.txt", "some data\n")
    assert run_cli("add", "data.txt").code == 0
    shared = repo.parent / "shared-cache"
    assert [p for p in shared.rglob("*") if p.is_file()]
    assert not (repo / ".gitml" / "cache").exists() or not [
        p for p in (repo / ".gitml" / "cache").rglob("*") if p.is_file()
    ]
    write(repo / ".gitml" / "config.local.yaml", "cache:\n  dir: ''\n")
    assert run_cli("status").code == 2  # an empty cache.dir is refused


def test_queue_survives_a_separate_process(pipe: Path) -> None:
    """issue 13 item 2: the queue is Git data: another process lists what this one queued."""
    assert run_cli("exp", "run", "--queue", "-S", "lr=0.9", "-n", "seen").code == 0
    proc = subprocess.run(
        [sys.executable, "-m", "gitml", "exp", "queue", "list"], cwd=pipe,
        capture_output=True, text=True, env=dict(os.environ), check=False,
    )
    assert proc.returncode == 0 and "seen" in proc.stdout and "queued" in proc.stdout


def test_run_all_shares_the_run_cache_unless_told(pipe: Path, times: Path) -> None:
    """issue 13 item 2: a queued parameter set seen before is restored from the shared run
    cache (its cmd does not run); --no-run-cache and -f pass through to the queued runs."""
    assert run_cli("exp", "run", "-S", "lr=0.3", "-n", "seen").code == 0  # in the workspace
    git(pipe, "checkout", "--", ".")
    for name in ("cached", "nocache"):
        assert run_cli("exp", "run", "--queue", "-S", "lr=0.3", "-n", name).code == 0
        flags = ["--no-run-cache"] if name == "nocache" else []
        assert run_cli("exp", "run", "--run-all", *flags).code == 0
    assert run_cli("exp", "run", "--queue", "-n", "forced").code == 0
    assert run_cli("exp", "run", "--run-all", "-f").code == 0
    assert sorted(spans(times)) == ["forced", "nocache", "seen"]
    found = exps(pipe)
    assert show(pipe, found["cached"], "gitml.lock") == show(pipe, found["seen"], "gitml.lock")
