"""issue 18: experiments on many machines. A bare Git repository is the coordinator (queue,
claims, results), a local folder the gitml remote; workers are real `gitml exp worker`
processes in separate clones. "Exactly once" is counted in a log file every stage appends
its experiment's name to when it completes (EXP_LOG, outside every worktree)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import chdir, git, run_cli, snapshot, wait_until, write

from gitml.experiments import claims
from gitml.experiments import worker as worker_mod
from gitml.experiments.claims import Update

PIPELINE = """\
stages:
  train:
    cmd: python train.py
    deps: [train.py, raw.txt]
    params: [lr, sleep, fail]
    outs: [model.txt]
    metrics: [{metrics.json: {cache: false}}]
"""
TRAIN = """\
import os, sys, time
p = dict(ln.split(": ", 1) for ln in open("params.yaml").read().splitlines() if ": " in ln)
name, log = os.environ.get("GITML_EXP_NAME", ""), os.environ.get("EXP_LOG", "")
if log:
    with open(log + ".start", "a") as f:
        f.write(name + "\\n")
time.sleep(float(p["sleep"]))
if p["fail"].strip() == "1":
    sys.exit("asked to fail")
with open("model.txt", "w") as f:
    f.write("model lr=%s\\n" % p["lr"])
with open("metrics.json", "w") as f:
    f.write('{"score": %s}' % p["lr"])
if log:
    with open(log, "a") as f:
        f.write(name + "\\n")
"""


@dataclass
class Site:
    tmp: Path
    origin: Path
    a: Path  # where experiments are queued
    store: Path
    log: Path
    base: str

    def clone(self, name: str) -> Path:
        path = self.tmp / name
        git(self.tmp, "clone", "-q", str(self.origin), str(path))
        return path


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    with chdir(root):
        res = run_cli(*args)
    return res.code, res.out, res.err


def ok(root: Path, *args: str) -> str:
    code, out, err = cli(root, *args)
    assert code == 0, (args, out, err)
    return out


def remote_refs(origin: Path, prefix: str = "refs/exps/") -> dict[str, str]:
    out = git(origin, "for-each-ref", "--format=%(refname) %(objectname)", prefix)
    return dict(line.split() for line in out.splitlines())


def kinds(origin: Path) -> dict[str, int]:
    """How many queue, claim, failed and experiment refs the Git remote holds."""
    found = {"queue": 0, "claims": 0, "failed": 0, "exps": 0}
    for ref in remote_refs(origin):
        kind = ref.split("/")[2]
        found[kind if kind in found else "exps"] += 1
    return found


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def worker(root: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gitml", "exp", "worker", "origin", *args], cwd=root,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )


def finish(proc: subprocess.Popen[bytes], limit: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=limit)
    return proc.returncode, out.decode(), err.decode()


def git_state(root: Path) -> tuple[str, str, bytes]:
    return (git(root, "rev-parse", "HEAD"), git(root, "symbolic-ref", "HEAD"),
            (root / ".git" / "index").read_bytes())


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Site:
    return make_site(tmp_path, monkeypatch, str(tmp_path / "store"))


def make_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str, endpoint: str = ""
) -> Site:
    """A bare Git remote, clone `a` with the pipeline committed, pushed and its data on the
    gitml remote `store_url` (an S3 one at `endpoint`, when given: in the committed config,
    so every clone uses it)."""
    origin, a, store = tmp_path / "origin.git", tmp_path / "a", tmp_path / "store"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    git(tmp_path, "clone", "-q", str(origin), str(a))
    ok(a, "init")
    ok(a, "remote", "add", "-d", "store", store_url)
    if endpoint:
        ok(a, "remote", "modify", "store", "endpointurl", endpoint)
    write(a / "gitml.yaml", PIPELINE)
    write(a / "train.py", TRAIN)
    write(a / "params.yaml", "lr: 0.5\nsleep: 0\nfail: 0\n")
    write(a / "raw.txt", "raw data\n")
    ok(a, "repro")
    git(a, "add", "-A")
    git(a, "commit", "-qm", "base")
    git(a, "push", "-q", "origin", "HEAD:main")
    ok(a, "push")
    log = tmp_path / "runs.log"
    monkeypatch.setenv("EXP_LOG", str(log))
    return Site(tmp_path, origin, a, store, log, git(a, "rev-parse", "HEAD").strip())


def queue_remote(site: Site, *sets: str) -> str:
    return ok(site.a, "exp", "run", "--queue", "--remote", "origin", *[
        arg for s in sets for arg in ("-S", s)])


def race(racers: list[Path], target: str, shas: list[str], expect: str) -> list[int]:
    """Every racer pushes its claim `shas[i]` over `expect` at the same moment (a barrier);
    the indexes of those whose push the remote took. A lost race must read as False."""
    won: list[int] = []
    errors: list[Exception] = []
    go = threading.Barrier(len(racers))

    def push(i: int) -> None:
        go.wait()
        try:
            if claims.swap(str(racers[i]), "origin", [Update(target, shas[i], expect)]):
                won.append(i)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=push, args=(i,)) for i in range(len(racers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    return won


def test_claim_is_one_atomic_create_only_push(site: Site) -> None:
    """issue 18 item 2: a claim is `git push --force-with-lease=REF: SHA:REF` against the
    bare repository: of 6 pushers racing for one claim ref, exactly one wins, every round;
    a takeover (lease = the old claim's sha) also has exactly one winner."""
    queue_remote(site, "lr=0.1")
    ((ref, qsha),) = remote_refs(site.origin, "refs/exps/queue/").items()
    racers = [site.clone(f"r{i}") for i in range(6)]
    for r in racers:
        git(r, "fetch", "-q", "origin", f"{ref}:{ref}")
    for round_ in range(8):
        target = f"refs/exps/claims/race{round_}"
        shas = [claims.make(str(r), qsha, worker=f"w{i}", started=time.time(), lease=5)
                for i, r in enumerate(racers)]
        won = race(racers, target, shas, "")
        assert len(won) == 1, (round_, won)
        assert remote_refs(site.origin)[target] == shas[won[0]]
        # takeover: everyone leases on the winner's claim; one wins again
        news = [claims.make(str(r), qsha, worker=f"t{i}", started=time.time(), lease=5)
                for i, r in enumerate(racers)]
        taken = race(racers, target, news, shas[won[0]])
        assert len(taken) == 1, (round_, taken)
        assert remote_refs(site.origin)[target] == news[taken[0]]


def test_queue_on_the_remote(site: Site) -> None:
    """issue 18 item 1: `exp run --queue --remote origin` publishes the queued commits as
    refs/exps/queue/<id> on the Git remote (not left in the local queue); the workspace,
    HEAD, index and branch do not change; `exp show --remote` lists them as queued."""
    before, state = snapshot(site.a), git_state(site.a)
    out = queue_remote(site, "lr=0.1,0.2", "sleep=0")
    assert out.count("on Git remote 'origin'") == 2
    assert snapshot(site.a) == before and git_state(site.a) == state
    assert kinds(site.origin) == {"queue": 2, "claims": 0, "failed": 0, "exps": 0}
    assert git(site.a, "for-each-ref", "refs/exps/queue/") == ""
    rows = json.loads(ok(site.a, "exp", "show", "--remote", "origin", "--json"))
    assert sorted(r["state"] for r in rows) == ["queued", "queued"]
    assert {r["baseline"] for r in rows} == {site.base}
    text = ok(site.a, "exp", "show", "--remote", "origin")
    assert text.count("queued") == 2


def test_queue_on_the_remote_bad_input(site: Site) -> None:
    """issue 18 item 1: an unknown Git remote, --remote without --queue, or a name already
    queued on the remote: one line, exit 2, nothing written here or there."""
    queue_remote(site, "lr=0.3")
    name = json.loads(ok(site.a, "exp", "show", "--remote", "origin", "--json"))[0]["name"]
    there = remote_refs(site.origin)
    before, state = snapshot(site.a), git_state(site.a)
    refs_here = git(site.a, "for-each-ref", "refs/exps/queue/", "refs/exps/*/*/*")
    for args, match in (
        (("--queue", "--remote", "nowhere"), "unknown Git remote 'nowhere'"),
        (("--remote", "origin"), "--remote goes with --queue"),
        (("--queue", "--remote", "origin", "-n", name), f"experiment '{name}' already exists"),
    ):
        code, out, err = cli(site.a, "exp", "run", "-S", "lr=0.9", *args)
        assert code == 2, (args, out, err)
        assert match in err, err
        assert snapshot(site.a) == before and git_state(site.a) == state
        assert remote_refs(site.origin) == there
        assert git(site.a, "for-each-ref", "refs/exps/queue/", "refs/exps/*/*/*") == refs_here
    code, _, err = cli(site.a, "exp", "worker", "nowhere", "--once")
    assert code == 2 and "unknown Git remote 'nowhere'" in err
    code, _, err = cli(site.a, "exp", "show", "--remote", "origin", "--md")
    assert code == 2 and "--remote prints text or --json" in err
    assert remote_refs(site.origin) == there


def test_three_workers_drain_twelve_exactly_once(site: Site) -> None:
    """issue 18 Done-when: three workers in three clones (one with -j 2) drain a queue of 12
    experiments; each runs exactly once (the log), the remote ends with 12 results and no queue or
    claim; results pulled into a fourth clone show in `exp show` with their metrics."""
    values = [f"{i / 100:g}" for i in range(1, 13)]
    queue_remote(site, "lr=" + ",".join(values), "sleep=0.3")
    assert kinds(site.origin)["queue"] == 12
    clones = [site.clone(f"w{i}") for i in range(3)]
    procs = [worker(c, "--once", "--lease", "30", *(["-j", "2"] if i == 0 else []))
             for i, c in enumerate(clones)]
    results = [finish(p) for p in procs]
    for code, out, err in results:
        assert code == 0, (out, err)
    done = lines(site.log)
    assert len(done) == 12 and len(set(done)) == 12, done
    assert sorted(lines(Path(f"{site.log}.start"))) == sorted(done)
    ran_by = [out.count("Ran experiment") for _, out, _ in results]
    assert sum(ran_by) == 12
    assert kinds(site.origin) == {"queue": 0, "claims": 0, "failed": 0, "exps": 12}
    rows = json.loads(ok(site.a, "exp", "show", "--remote", "origin", "--json"))
    assert sorted(r["name"] for r in rows if r["state"] == "done") == sorted(done)
    # a fourth clone brings them home: refs, data, metrics
    d = site.clone("d")
    state = git_state(d)
    out = ok(d, "exp", "pull", "origin")
    assert out.count("Pulled experiment") == 12, out
    assert git_state(d) == state
    shown = json.loads(ok(d, "exp", "show", "--json"))
    exps = {e["name"]: e for row in shown for e in (row.get("experiments") or [])}
    assert set(exps) == set(done), shown
    for e in exps.values():
        data = e["revs"][0]["data"]
        assert e["state"] == "done"
        score = data["metrics"]["metrics.json"]["data"]["score"]
        assert score == float(data["params"]["params.yaml"]["data"]["lr"])
    ok(d, "exp", "apply", done[0])
    assert (d / "model.txt").read_text().startswith("model lr=")


def _pgid_of_run(clone: Path) -> int | None:
    for state in (clone / ".gitml" / "tmp" / "exps").glob("*/state.json"):
        pgid = json.loads(state.read_text()).get("pgid")
        if isinstance(pgid, int):
            return pgid
    return None


def group_alive(pgid: int) -> bool:
    """Whether a process of group `pgid` still runs (zombies left to a PID 1 that does not
    reap them count as gone)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def test_kill9_worker_is_taken_over_after_the_lease(site: Site) -> None:
    """issue 18 item 2: a worker killed with kill -9 mid-run (its machine gone: its stage
    too) leaves its claim; `exp show --remote` says who holds it; once the lease ran out
    another worker takes it over and completes it, exactly once."""
    queue_remote(site, "lr=0.7", "sleep=3")
    w1, w2 = site.clone("w1"), site.clone("w2")
    started = Path(f"{site.log}.start")
    proc = worker(w1, "--lease", "3", "--poll", "0.5")
    try:
        wait_until(lambda: bool(lines(started)) and _pgid_of_run(w1) is not None, proc, 60)
        assert lines(started), finish(proc)
        pgid = _pgid_of_run(w1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker ...
        proc.wait(10)
    assert pgid is not None
    os.killpg(pgid, signal.SIGKILL)  # ... and what it ran: the machine is gone
    # within the lease (renewed at most 1 s ago) nobody may take it
    assert worker_mod.claim_next(str(w2), "origin", "w2:1:x", 3) is None
    ((row,),) = [json.loads(ok(site.a, "exp", "show", "--remote", "origin", "--json"))]
    assert row["state"] == "claimed" and row["worker"].split(":")[1] == str(proc.pid)
    time.sleep(3.2)
    rows = json.loads(ok(site.a, "exp", "show", "--remote", "origin", "--json"))
    assert rows[0]["expired"] is True
    code, out, err = finish(worker(w2, "--once", "--lease", "3"))
    assert code == 0, (out, err)
    assert "Took over experiment" in out and "Ran experiment" in out, out
    assert lines(site.log) == [row["name"]]
    assert len(lines(started)) == 2  # started twice, completed once
    assert kinds(site.origin) == {"queue": 0, "claims": 0, "failed": 0, "exps": 1}


def test_two_workers_racing_for_one_claim_never_both_run_it(site: Site) -> None:
    """issue 18 Done-when: two workers started at once on a queue of one: one claims and
    runs it, the other loses the race and finds nothing (run three times)."""
    w1, w2 = site.clone("w1"), site.clone("w2")
    for i in range(3):
        queue_remote(site, f"lr={i + 1}", "sleep=0.2")
        procs = [worker(w, "--once") for w in (w1, w2)]
        outs = [finish(p) for p in procs]
        assert all(code == 0 for code, _, _ in outs), outs
        assert sum(out.count("Ran experiment") for _, out, _ in outs) == 1, outs
        assert len(lines(site.log)) == i + 1 and len(set(lines(site.log))) == i + 1
    assert kinds(site.origin) == {"queue": 0, "claims": 0, "failed": 0, "exps": 3}


def test_a_worker_that_loses_its_claim_publishes_nothing(site: Site) -> None:
    """issue 18 item 2: when another worker takes a claim over (here: a claim pushed over
    it, as a takeover does, by a "thief" that then never renews), the first worker's
    renewal fails: it kills its run and publishes nothing for it. Once the thief's claim
    expired, a worker (the first one's next turn, or a second one) takes it over: the
    experiment completes exactly once."""
    queue_remote(site, "lr=0.4", "sleep=4")
    w1, w2 = site.clone("w1"), site.clone("w2")
    started = Path(f"{site.log}.start")
    proc = worker(w1, "--once", "--lease", "3")
    wait_until(lambda: bool(lines(started)), proc, 60)
    ((ref, old),) = remote_refs(site.origin, "refs/exps/claims/").items()
    ((_, qsha),) = remote_refs(site.origin, "refs/exps/queue/").items()
    git(w2, "fetch", "-q", "origin", f"{ref}:{ref}")
    thief = claims.make(str(w2), qsha, worker="thief:1:x", started=0, lease=1)
    assert claims.swap(str(w2), "origin", [Update(ref, thief, old)])
    code, out, err = finish(proc, 60)
    assert code == 0, (out, err)
    assert "lost: another worker took the claim over" in err, (out, err)
    if "Ran experiment" not in out:  # the thief's claim was still fresh on its next turn
        time.sleep(1.2)
        code, out, err = finish(worker(w2, "--once", "--lease", "3"))
        assert code == 0, (out, err)
    assert "Took over experiment" in out and "from thief:1:x" in out, out
    assert out.count("Ran experiment") == 1
    assert len(lines(started)) == 2 and len(lines(site.log)) == 1
    assert kinds(site.origin) == {"queue": 0, "claims": 0, "failed": 0, "exps": 1}


def test_failed_run_is_recorded_on_the_remote(site: Site) -> None:
    """issue 18 item 3: a failed experiment leaves no result ref; refs/exps/failed/<id>
    records it (worker, error), `exp show --remote` says failed; the worker exits 3 and
    goes on with the rest of the queue."""
    queue_remote(site, "lr=0.1", "fail=1")
    queue_remote(site, "lr=0.2")
    w1 = site.clone("w1")
    code, out, err = finish(worker(w1, "--once"))
    assert code == 3, (out, err)
    assert "failed" in err and out.count("Ran experiment") == 1
    assert kinds(site.origin) == {"queue": 0, "claims": 0, "failed": 1, "exps": 1}
    rows = json.loads(ok(site.a, "exp", "show", "--remote", "origin", "--json"))
    (bad,) = [r for r in rows if r["state"] == "failed"]
    assert bad["worker"].startswith(os.uname().nodename + ":") and "failed" in bad["error"]
    assert "failed" in ok(site.a, "exp", "show", "--remote", "origin")
    record = git(site.origin, "log", "-1", "--format=%B", bad["rev"])
    assert "Gitml-Exp-State: failed" in record and "    asked to fail" in record, record


def test_ci_example_matrix_drains_one_queue(site: Site, gitml_on_path: None) -> None:
    """issue 18 item 4: examples/ci/gitml-exp-workers.yml is a matrix of jobs each running
    `gitml exp worker origin --once`; its "Drain the queue" step, run by bash in three
    clones at once (three jobs), drains a queue of 6, each experiment once."""
    import yaml

    example = Path(__file__).resolve().parent.parent / "examples" / "ci"
    flow = yaml.safe_load((example / "gitml-exp-workers.yml").read_text())
    job = flow["jobs"]["work"]
    assert len(job["strategy"]["matrix"]["worker"]) >= 2
    assert flow["permissions"]["contents"] == "write"
    (step,) = [s for s in job["steps"] if s.get("name") == "Drain the queue"]
    assert "gitml exp worker origin --once" in step["run"]
    queue_remote(site, "lr=" + ",".join(f"0.{i}" for i in range(1, 7)), "sleep=0.2")
    env = dict(os.environ, GITML_LEASE="30")
    jobs = [subprocess.Popen(["bash", "-c", step["run"]], cwd=site.clone(f"job{i}"), env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for i in range(3)]
    for code, out, err in (finish(j) for j in jobs):
        assert code == 0, (out, err)
    done = lines(site.log)
    assert len(done) == 6 and len(set(done)) == 6
    assert kinds(site.origin) == {"queue": 0, "claims": 0, "failed": 0, "exps": 6}


def test_a_stopped_worker_kills_its_run_and_gives_the_claim_back(site: Site) -> None:
    """issue 18 item 2: a worker told to stop (SIGTERM, as a cancelled CI job is; Ctrl-C
    alike) kills its run's processes, gives its claim back and publishes nothing, so the
    next worker starts the experiment at once instead of after the lease."""
    queue_remote(site, "lr=0.8", "sleep=3")
    w1, w2 = site.clone("w1"), site.clone("w2")
    started = Path(f"{site.log}.start")
    proc = worker(w1, "--lease", "60")
    wait_until(lambda: bool(lines(started)) and _pgid_of_run(w1) is not None, proc, 60)
    pgid = _pgid_of_run(w1)
    assert pgid is not None, finish(proc)
    proc.send_signal(signal.SIGTERM)
    code, out, err = finish(proc, 30)
    assert code == 130 and "interrupted" in err, (out, err)
    deadline = time.monotonic() + 10
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_alive(pgid)  # the stage is gone
    assert kinds(site.origin) == {"queue": 1, "claims": 0, "failed": 0, "exps": 0}
    assert lines(site.log) == []
    code, out, err = finish(worker(w2, "--once", "--lease", "60"), 120)
    assert code == 0 and "Claimed experiment" in out and "Took over" not in out, (out, err)
    assert len(lines(site.log)) == 1


def test_worker_on_an_unreachable_remote_is_one_error_line(site: Site) -> None:
    """issue 18 item 2: a Git remote that cannot be reached: one error line, exit 3."""
    code, out, err = cli(site.a, "exp", "worker", str(site.tmp / "gone.git"), "--once")
    assert code == 3, (out, err)
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err


def test_data_that_cannot_be_pushed_gives_the_claim_back_once(site: Site) -> None:
    """issue 18 item 2: when the experiment's data cannot reach the gitml remote (the
    push side effect reports failure), the worker publishes nothing, gives the claim back
    (the experiment stays queued for another worker), does not claim it again itself, and
    `--once` ends."""
    from gitml.commands.exp_run import reproduce_in_worktree

    queue_remote(site, "lr=0.6")
    w1 = site.clone("w1")
    found: list[worker_mod.WorkResult] = []

    def drain() -> None:
        found.extend(worker_mod.work(
            str(w1), "origin", reproduce_in_worktree, fetch_data=lambda sha: None,
            push_data=lambda sha: False, options=worker_mod.Options(once=True, lease=30)))

    with chdir(w1):
        thread = threading.Thread(target=drain, daemon=True)
        thread.start()
        thread.join(120)
    assert not thread.is_alive()  # no claiming it again and again
    assert [r.outcome for r in found] == ["error"]
    assert "could not be pushed" in found[0].error
    assert kinds(site.origin) == {"queue": 1, "claims": 0, "failed": 0, "exps": 0}
    assert len(lines(site.log)) == 1  # it ran once, here


def test_a_refused_result_push_is_tried_again(site: Site) -> None:
    """issue 18 item 2: the server refusing the final push for its own reasons (here: a
    stale lock file on the result ref, as a crashed git process leaves) while the claim is
    still ours and the name free: the worker tries again (the lock is gone by then) and
    publishes the result, not a failure."""
    ok(site.a, "exp", "run", "--queue", "--remote", "origin", "-S", "lr=0.3", "-n", "held-up")
    ref = f"refs/exps/{site.base[:2]}/{site.base[2:]}/held-up"
    lock = site.origin / f"{ref}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.touch()
    seen = site.origin / "refused-once"
    hook = site.origin / "hooks" / "pre-receive"
    hook.write_text(  # the first push naming the result ref meets the lock; later ones not
        "#!/bin/sh\n"
        f"grep -q ' {ref}$' || exit 0\n"
        f"if [ -e '{seen}' ]; then rm -f '{lock}'; else touch '{seen}'; fi\n")
    hook.chmod(0o755)
    code, out, err = finish(worker(site.clone("w1"), "--once"))
    assert code == 0 and "Ran experiment 'held-up'" in out, (out, err)
    assert seen.exists() and not lock.exists()
    assert kinds(site.origin) == {"queue": 0, "claims": 0, "failed": 0, "exps": 1}


def test_a_name_taken_on_the_remote_meanwhile_fails_the_run(site: Site) -> None:
    """issue 18 item 2: the result ref is created only if absent: when an experiment of the
    same name reached the remote after it was queued, the worker leaves that one alone,
    records the run as failed (refs/exps/failed/<id>, saying why) and exits 3."""
    ok(site.a, "exp", "run", "--queue", "--remote", "origin", "-S", "lr=0.3", "-n", "twin")
    ref = f"refs/exps/{site.base[:2]}/{site.base[2:]}/twin"
    git(site.a, "push", "-q", "origin", f"HEAD:{ref}")
    code, out, err = finish(worker(site.clone("w1"), "--once"))
    assert code == 3 and "exists on the Git remote" in err, (out, err)
    assert remote_refs(site.origin)[ref] == site.base  # untouched
    assert kinds(site.origin) == {"queue": 0, "claims": 0, "failed": 1, "exps": 1}
