"""`gitml exp run` in the workspace, `-S` overrides, `exp save` (issue 13 items 1 and 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git, run_cli, snapshot, write

from gitml import yamlio
from gitml.experiments import overrides, paramsedit

TRAIN = """\
import json, os, sys, time
import yaml
p = yaml.safe_load(open('params.yaml'))
name = os.environ.get('GITML_EXP_NAME', '-')
times = os.environ.get('EXP_TIMES')
start = time.time()
if times:
    open(os.path.join(times, name + '.started'), 'a').write('x\\n')
hold = os.environ.get('EXP_HOLD')
deadline = time.time() + 60
while hold and os.path.exists(hold) and time.time() < deadline:
    time.sleep(0.05)
time.sleep(p['sleep'])
open('runs.log', 'a').write('train\\n')
if p['lr'] == 666:
    sys.exit('train: bad learning rate')
open('model.txt', 'w').write(f"{p['lr']}:{name}")
if times:
    open(os.path.join(times, name), 'a').write(f'{start} {time.time()}\\n')
"""
PIPELINE = """\
stages:
  train:
    cmd: python train.py
    deps: [train.py]
    params: [lr, sleep]
    outs: [model.txt]
  evaluate:
    cmd: echo evaluate >> runs.log && python evaluate.py
    deps: [model.txt, evaluate.py]
    metrics: [{metrics.json: {cache: false}}]
"""
EVALUATE = (
    "import json\njson.dump({'size': len(open('model.txt').read())}, open('metrics.json', 'w'))\n"
)
PARAMS = "# the params\nlr: 0.1  # learning rate\nsleep: 0\nnested:\n  depth: 2\n"


def ran(repo: Path) -> list[str]:
    """Stage cmds that ran since the last call (they append to runs.log, ignored by Git)."""
    log = repo / "runs.log"
    if not log.exists():
        return []
    names = log.read_text().split()
    log.unlink()
    return names


@pytest.fixture
def pipe(repo: Path) -> Path:
    return make_pipe(repo)


def make_pipe(repo: Path) -> Path:
    """A committed two-stage pipeline that reads params.yaml (lr, sleep)."""
    write(repo / "train.py", TRAIN)
    write(repo / "evaluate.py", EVALUATE)
    write(repo / "gitml.yaml", PIPELINE)
    write(repo / "params.yaml", PARAMS)
    write(repo / ".gitignore", "runs.log\n")
    assert run_cli("repro").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pipeline")
    ran(repo)
    return repo


def git_state(repo: Path) -> tuple[str, bytes, str, str]:
    """HEAD, the index bytes, the branch and its commit: no exp command may change them."""
    return (
        git(repo, "rev-parse", "HEAD"),
        (repo / ".git" / "index").read_bytes(),
        git(repo, "symbolic-ref", "HEAD"),
        git(repo, "rev-parse", "refs/heads/main"),
    )


def exps(repo: Path) -> dict[str, str]:
    """name -> commit of every experiment ref (not the queue)."""
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/exps/")
    found = {}
    for line in out.splitlines():
        ref, sha = line.split()
        if not ref.startswith("refs/exps/queue/"):
            found[ref.rsplit("/", 1)[1]] = sha
    return found


def show(repo: Path, rev: str, path: str) -> str:
    return git(repo, "show", f"{rev}:{path}")


def test_run_sets_param_runs_and_records(pipe: Path) -> None:
    """issue 13 item 1: -S edits params.yaml (comments kept), repro runs with GITML_EXP_NAME,
    the experiment commit's parent is the baseline; HEAD, index and branch unchanged."""
    before = git_state(pipe)
    base = before[0].strip()
    result = run_cli("exp", "run", "-S", "lr=0.5", "-n", "first")
    assert result.code == 0, result.err
    assert "Ran experiment 'first'" in result.out
    assert git_state(pipe) == before
    sha = exps(pipe)["first"]
    assert git(pipe, "rev-parse", f"{sha}^@").split() == [base]
    assert git(pipe, "log", "-1", "--format=%s", sha).strip() == "gitml exp: first"
    params = show(pipe, sha, "params.yaml")
    assert "lr: 0.5  # learning rate" in params and params.startswith("# the params\n")
    lock = yamlio.loads(show(pipe, sha, "gitml.lock").encode(), where="lock")
    assert lock["stages"]["train"]["params"]["params.yaml"]["lr"] == 0.5
    assert json.loads(show(pipe, sha, "metrics.json")) == {"size": len("0.5:first")}
    # the workspace keeps the run's results, as DVC leaves them
    assert (pipe / "model.txt").read_text() == "0.5:first"
    assert "lr: 0.5" in (pipe / "params.yaml").read_text()
    assert ran(pipe) == ["train", "evaluate"]


def test_repeated_params_restore_from_run_cache(pipe: Path) -> None:
    """issue 13 item 1: the run cache makes a repeated parameter set instant (no cmd runs)."""
    assert run_cli("exp", "run", "-S", "lr=0.7", "-n", "a").code == 0
    assert ran(pipe) == ["train", "evaluate"]
    git(pipe, "checkout", "--", ".")
    assert run_cli("checkout").code == 0
    before = git_state(pipe)
    result = run_cli("exp", "run", "-S", "lr=0.7", "-n", "b")
    assert result.code == 0, result.err
    assert ran(pipe) == []
    assert "restored from the run cache" in result.out
    found = exps(pipe)
    assert git(pipe, "rev-parse", f"{found['a']}^{{tree}}") == git(
        pipe, "rev-parse", f"{found['b']}^{{tree}}"
    )
    assert git_state(pipe) == before


def test_message_generated_name_and_uncommitted_code(pipe: Path) -> None:
    """issue 13 item 1: -m sets the message, no -n generates a two-word name, and the
    uncommitted code change the run used is part of the experiment."""
    write(pipe / "train.py", TRAIN + "# tweak\n")
    write(pipe / "notes.txt", "mine\n")
    result = run_cli("exp", "run", "-m", "try the tweak")
    assert result.code == 0, result.err
    (name, sha), = exps(pipe).items()
    assert len(name.split("-")) == 2
    assert git(pipe, "log", "-1", "--format=%B", sha).strip() == "try the tweak"
    assert show(pipe, sha, "train.py").endswith("# tweak\n")
    assert show(pipe, sha, "notes.txt") == "mine\n"  # what `git add -A` would stage
    assert (pipe / "notes.txt").read_text() == "mine\n"


def test_targets_force_and_no_run_cache(pipe: Path) -> None:
    """issue 13 item 1: TARGETS limit the stages; -f runs unchanged ones; --no-run-cache
    runs a parameter set the run cache knows."""
    assert run_cli("exp", "run", "train", "-S", "lr=0.2", "-n", "t1").code == 0
    assert ran(pipe) == ["train"]
    assert run_cli("exp", "run", "-f", "-n", "t2").code == 0
    assert ran(pipe) == ["train", "evaluate"]
    git(pipe, "checkout", "--", ".")
    assert run_cli("checkout").code == 0
    assert run_cli("exp", "run", "train", "-S", "lr=0.2", "--no-run-cache", "-n", "t3").code == 0
    assert ran(pipe) == ["train"]
    assert set(exps(pipe)) == {"t1", "t2", "t3"}


def test_param_file_prefix_add_and_remove_keys(pipe: Path) -> None:
    """issue 13 item 1: FILE:KEY=VALUE edits another params file (JSON too); +KEY adds a key,
    ~KEY removes one; nested keys."""
    write(pipe / "extra.json", '{"batch": 8}\n')
    git(pipe, "add", "extra.json")
    git(pipe, "commit", "-qm", "extra")
    args = ["-S", "extra.json:batch=16", "-S", "+opt.name=adam", "-S", "nested.depth=5",
            "-S", "~sleep", "-S", "++sleep=0"]
    result = run_cli("exp", "run", *args, "-n", "files")
    assert result.code == 0, result.err
    sha = exps(pipe)["files"]
    assert json.loads(show(pipe, sha, "extra.json")) == {"batch": 16}
    params = yamlio.loads(show(pipe, sha, "params.yaml").encode(), where="p", yaml12=True)
    assert params == {"lr": 0.1, "nested": {"depth": 5}, "opt": {"name": "adam"}, "sleep": 0}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a=3", 3), ("a=-1_000", -1000), ("a=1e-3", 0.001), ("a=.5", 0.5), ("a=true", True),
        ("a=False", False), ("a=null", None), ("a=hello world", "hello world"),
        ("a='x,y'", "x,y"), ("a=010", "010"), ("a=2024-01-01", "2024-01-01"), ("a=", ""),
        ("a=[1, x, [2]]", [1, "x", [2]]), ("a={b: 1, c: [z]}", {"b": 1, "c": ["z"]}),
        ("a=abc:def", "abc:def"), ("a=yes", "yes"),
    ],
)
def test_values_as_dvc_reads_them(text: str, value: object) -> None:
    """issue 13 item 1: -S values are read as DVC's (Hydra) override grammar reads them, and
    written so YAML readers read them back the same."""
    (o,) = overrides.parse([text])
    assert o.values == (value,)
    out = paramsedit.apply_file("params.yaml", b"a: 1  # keep\n", [o])
    assert yamlio.loads(out, where="p", yaml12=True) == {"a": value}
    assert yamlio.loads(out, where="p") == {"a": value}  # YAML 1.1 readers too
    assert b"# keep" in out


def test_grid_values() -> None:
    """issue 13 item 1: comma lists, range() and choice() are sweeps; grid() crosses them."""
    found = overrides.grid(overrides.parse(["a=1,2", "b=choice(x, y)", "c=range(0, 3, 2)"]))
    combos = [tuple(o.values[0] for o in combo) for combo in found]
    assert combos == [
        (1, "x", 0), (1, "x", 2), (1, "y", 0), (1, "y", 2),
        (2, "x", 0), (2, "x", 2), (2, "y", 0), (2, "y", 2),
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["-S", "nope=1"],  # unknown key
        ["-S", "nested.nope=1"],
        ["-S", "lr"],  # malformed
        ["-S", "lr=[1"],
        ["-S", "lr='x"],
        ["-S", "a b=1"],
        ["-S", "+lr=1"],  # exists
        ["-S", "missing.yaml:lr=1"],
        ["-S", "lr=0.3", "-n", "bad..name"],
        ["-S", "lr=0.3", "-n", "-dash"],
        ["-S", "lr=0.3", "-n", "taken"],
        ["-S", "lr=0.3", "-S", "nope=2"],  # one good, one bad: nothing written
    ],
)
def test_bad_input_exits_2_writing_nothing(pipe: Path, args: list[str]) -> None:
    """issue 13 bad input: unknown param, malformed -S, invalid or taken name: one line,
    exit 2, nothing written (files, refs, HEAD, index)."""
    assert run_cli("exp", "save", "-n", "taken").code == 0
    before, state, refs = snapshot(pipe), git_state(pipe), exps(pipe)
    for extra in ([], ["--queue"]):
        result = run_cli("exp", "run", *args, *extra)
        assert result.code == 2, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert snapshot(pipe) == before and git_state(pipe) == state and exps(pipe) == refs
        assert git(pipe, "for-each-ref", "refs/exps/queue/") == ""
    assert ran(pipe) == []


def test_failed_stage_makes_no_experiment(pipe: Path) -> None:
    """issue 13 item 1: a failed run exits 3 and makes no ref."""
    before = git_state(pipe)
    result = run_cli("exp", "run", "-S", "lr=666", "-n", "bad")
    assert result.code == 3
    assert "bad learning rate" in result.err or "failed" in result.err
    assert exps(pipe) == {}
    assert git_state(pipe) == before


def test_save_records_workspace_without_running(pipe: Path) -> None:
    """issue 13 item 4 (exp save): as DVC's, records the workspace (lock rewritten from it,
    stale stages too), runs nothing, leaves untracked files out unless -I; -f replaces."""
    write(pipe / "params.yaml", PARAMS.replace("lr: 0.1", "lr: 0.9"))
    write(pipe / "scratch.txt", "not mine to record\n")
    write(pipe / "keep.txt", "include me\n")
    before = git_state(pipe)
    result = run_cli("exp", "save", "-n", "s1", "-m", "saved", "-I", "keep.txt")
    assert result.code == 0, result.err
    assert "scratch.txt" in result.err  # the warning names what was left out
    assert ran(pipe) == []
    assert git_state(pipe) == before
    sha = exps(pipe)["s1"]
    assert git(pipe, "log", "-1", "--format=%B", sha).strip() == "saved"
    assert "lr: 0.9" in show(pipe, sha, "params.yaml")
    lock = yamlio.loads(show(pipe, sha, "gitml.lock").encode(), where="lock")
    assert lock["stages"]["train"]["params"]["params.yaml"]["lr"] == 0.9
    assert show(pipe, sha, "keep.txt") == "include me\n"
    names = git(pipe, "ls-tree", "-r", "--name-only", sha).split()
    assert "scratch.txt" not in names
    snap = snapshot(pipe)
    taken = run_cli("exp", "save", "-n", "s1")
    assert taken.code == 2 and "already exists" in taken.err
    assert snapshot(pipe) == snap and exps(pipe)["s1"] == sha
    write(pipe / "params.yaml", PARAMS.replace("lr: 0.1", "lr: 0.8"))
    assert run_cli("exp", "save", "-n", "s1", "-f").code == 0
    assert "lr: 0.8" in show(pipe, exps(pipe)["s1"], "params.yaml")
    assert git_state(pipe) == before
