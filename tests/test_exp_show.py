"""issue 13 items 3, 4 (exp show, exp diff): rows of baselines and experiments recorded
through gitml.experiments.record, DVC's output shapes, and the per-commit row cache."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from conftest import git, run_cli, snapshot, write

from gitml.commands.exp_show import exp_show
from gitml.experiments import queue, record, show_rows
from gitml.experiments.queue import QueueEntry
from gitml.repo import find_repo

PIPELINE = """\
stages:
  train:
    cmd: python3 train.py
    deps: [train.py, data.txt]
    params: [train]
    outs: [model.bin]
    metrics: [{metrics.json: {cache: false}}, eval/scores.yaml]
"""

TRAIN = """\
import json, os, yaml
p = yaml.safe_load(open("params.yaml"))["train"]
acc = round(0.5 + p["lr"] + len(open("data.txt").read()) / 1000, 6)
json.dump({"accuracy": acc, "nested": {"loss": round(1 - acc, 6)}}, open("metrics.json", "w"))
os.makedirs("eval", exist_ok=True)
open("eval/scores.yaml", "w").write(f"auc: {acc}\\naccuracy: {acc}\\n")
open("model.bin", "w").write(str(p))
"""

# lr per experiment; "e3" also changes the dep data.txt
EXPERIMENTS = {"e1": 0.123456789, "e2": 0.3, "e3": 0.2}


def set_params(root: Path, lr: float) -> None:
    write(root / "params.yaml", f"train:\n  lr: {lr}\n  name: lin\nunused: 1\n")


def run_and_record(root: Path, base: str, name: str, lr: float, msg: str = "") -> str:
    """Set params, reproduce in the workspace, record the run's changes as an experiment
    (the real recording path), then put the workspace back to the baseline."""
    set_params(root, lr)
    changed = ["params.yaml", "gitml.lock", "metrics.json"]
    if name == "e3":
        write(root / "data.txt", "more data\n")
        changed.append("data.txt")
    assert run_cli("repro", "-q").code == 0
    exp = record.record(str(root), base, name, {p: str(root / p) for p in changed}, msg)
    git(root, "checkout", "-q", "--", ".")
    assert run_cli("checkout", "-q").code == 0
    return exp.sha


@pytest.fixture
def exps(repo: Path) -> dict[str, str]:
    """A baseline on main with three experiments; returns name -> sha (and 'base')."""
    write(repo / "gitml.yaml", PIPELINE)
    write(repo / "train.py", TRAIN)
    write(repo / "data.txt", "data\n")
    set_params(repo, 0.1)
    assert run_cli("repro", "-q").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    base = git(repo, "rev-parse", "HEAD").strip()
    shas = {"base": base}
    for name, lr in EXPERIMENTS.items():
        shas[name] = run_and_record(repo, base, name, lr, "try e2" if name == "e2" else "")
    return shas


def untouched(root: Path) -> tuple[str, bytes, str, dict[str, bytes]]:
    """HEAD, the index bytes, the branch and the work tree (but .gitml/tmp): to compare."""
    return (
        git(root, "rev-parse", "HEAD"),
        (root / ".git" / "index").read_bytes(),
        git(root, "symbolic-ref", "HEAD"),
        snapshot(root),
    )


def show_json(*args: str) -> list[dict]:  # type: ignore[type-arg]
    result = run_cli("exp", "show", "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


def test_json_has_dvcs_shape_and_every_value(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: workspace, baseline (its branch) and experiments with metrics (one
    from a cached out, through the lock's digest), params, deps, outs; HEAD/index kept."""
    before = untouched(repo)
    data = show_json()
    assert untouched(repo) == before
    assert [r["rev"] for r in data] == ["workspace", exps["base"]]
    ws, base = data
    assert ws["name"] is None and ws["experiments"] is None and ws["data"]["timestamp"] is None
    assert base["name"] == "main" and base["error"] is None
    assert base["data"]["params"]["params.yaml"]["data"]["train"]["lr"] == 0.1
    by_name = {e["name"]: e for e in base["experiments"]}
    assert set(by_name) == {"e1", "e2", "e3"}
    e1 = by_name["e1"]["revs"][0]
    assert e1["rev"] == exps["e1"] and e1["name"] == "e1" and e1["experiments"] is None
    assert by_name["e1"]["executor"] is None and by_name["e1"]["state"] == "done"
    d = e1["data"]
    assert d["params"]["params.yaml"]["data"] == {"train": {"lr": 0.123456789, "name": "lin"},
                                                 "unused": 1}
    acc = round(0.5 + 0.123456789 + 5 / 1000, 6)
    assert d["metrics"]["metrics.json"]["data"] == {"accuracy": acc,
                                                    "nested": {"loss": round(1 - acc, 6)}}
    assert d["metrics"]["eval/scores.yaml"]["data"] == {"auc": acc, "accuracy": acc}
    assert set(d["deps"]) == {"train.py", "data.txt"}
    assert set(d["deps"]["data.txt"]) == {"hash", "size", "nfiles"}
    assert set(d["outs"]) == {"model.bin"} and d["outs"]["model.bin"]["use_cache"] is True
    assert d["timestamp"].startswith(git(repo, "log", "-1", "--format=%cd",
                                         "--date=format-local:%Y-%m-%d", exps["e1"]).strip())
    assert by_name["e2"]["revs"][0]["data"]["meta"]["message"] == "try e2"
    e3 = by_name["e3"]["revs"][0]["data"]
    assert e3["deps"]["data.txt"]["hash"] != base["data"]["deps"]["data.txt"]["hash"]


def test_text_and_markdown_tables(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: experiments indented under their baseline as DVC prints them, a
    column per metric and param (`file:key` when a key is in two files), changed deps only."""
    before = untouched(repo)
    text = run_cli("exp", "show")
    assert text.code == 0, text.err
    lines = text.out.splitlines()
    header = lines[0].split()
    assert header[:4] == ["Experiment", "Created", "Message", "State"]
    assert "metrics.json:accuracy" in header and "eval/scores.yaml:accuracy" in header
    assert {"nested.loss", "auc", "train.lr", "train.name", "unused", "data.txt"} <= set(header)
    assert "train.py" not in header  # a dep no experiment changed
    assert lines[1].startswith("workspace") and lines[2].startswith("main")
    kids = [line for line in lines[3:]]
    assert [k[:4] for k in kids] == ["├── ", "├── ", "└── "]
    for name in EXPERIMENTS:
        assert any(f"{exps[name][:7]} [{name}]" in k for k in kids)
    e2 = next(k for k in kids if "[e2]" in k)
    assert "try e2" in e2 and "Done" in e2
    e1 = next(k for k in kids if "[e1]" in k)
    assert "0.12346" in e1.split()  # default precision 5 in tables
    md = run_cli("exp", "show", "--md").out.splitlines()
    assert md[0].startswith("| Experiment | Created | Message | State |")
    assert md[1].startswith("|---|")
    assert any(f"| └── {exps['e1'][:7]} [e1] |" in line or "[e1] |" in line for line in md)
    assert untouched(repo) == before


def test_csv_columns_times_and_exact_numbers(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: CSV with DVC's columns (Experiment, rev, typ, Created ISO, parent),
    numbers exact unless --precision."""
    out = run_cli("exp", "show", "--csv")
    assert out.code == 0, out.err
    rows = list(csv.DictReader(io.StringIO(out.out)))
    assert list(rows[0])[:5] == ["Experiment", "rev", "typ", "Created", "parent"]
    assert [r["typ"] for r in rows] == ["baseline", "baseline", "branch_commit",
                                        "branch_commit", "branch_base"]
    assert rows[0]["rev"] == "workspace" and rows[1]["rev"] == "main"
    e1 = next(r for r in rows if r["Experiment"] == "e1")
    assert e1["rev"] == exps["e1"][:7] and e1["train.lr"] == "0.123456789"
    assert "T" in e1["Created"] and e1["State"] == "Done"
    assert len(e1["data.txt"]) == 32  # the full digest in CSV
    rounded = list(csv.DictReader(io.StringIO(run_cli("exp", "show", "--csv",
                                                      "--precision", "2").out)))
    assert next(r for r in rounded if r["Experiment"] == "e1")["train.lr"] == "0.12"


def test_precision_rounds_only_what_people_read(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: --precision N rounds table cells; JSON stays exact."""
    text = run_cli("exp", "show", "--precision", "2").out
    e1 = next(line for line in text.splitlines() if "[e1]" in line)
    assert "0.12" in e1.split() and "0.123456789" not in e1
    full = run_cli("exp", "show", "--precision", "9").out
    assert "0.123456789" in next(line for line in full.splitlines() if "[e1]" in line)
    data = show_json("--precision", "2")
    e1d = next(e for e in data[1]["experiments"] if e["name"] == "e1")["revs"][0]["data"]
    assert e1d["params"]["params.yaml"]["data"]["train"]["lr"] == 0.123456789


@pytest.mark.parametrize(
    ("sort_by", "order", "expected"),
    [
        ("train.lr", "asc", ["e1", "e3", "e2"]),
        ("params.yaml:train.lr", "desc", ["e2", "e3", "e1"]),
        ("auc", "desc", ["e2", "e3", "e1"]),
        ("metrics.json:accuracy", "asc", ["e1", "e3", "e2"]),
    ],
)
def test_sort_by(exps: dict[str, str], repo: Path, sort_by: str, order: str,
                 expected: list[str]) -> None:
    """issue 13 item 3: --sort-by FILE:KEY or an unambiguous KEY, --sort-order."""
    for fmt in ("--json", "--csv"):
        out = run_cli("exp", "show", fmt, "--sort-by", sort_by, "--sort-order", order)
        assert out.code == 0, out.err
        if fmt == "--json":
            names = [e["name"] for e in json.loads(out.out)[1]["experiments"]]
        else:
            names = [r["Experiment"] for r in csv.DictReader(io.StringIO(out.out))][2:]
        assert names == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sort-by", "nope"], "unknown sort column 'nope'"),
        (["--sort-by", "accuracy"], "ambiguous sort column 'accuracy'"),
        (["--sort-by", "params.yaml:nope"], "unknown sort column"),
        (["--json", "--csv"], "cannot be used together"),
        (["--md", "--csv"], "cannot be used together"),
        (["--sort-order", "up"], "Invalid value"),
        (["-n", "0"], "Invalid value"),
        (["--precision", "-1"], "Invalid value"),
    ],
)
def test_bad_input_exits_2_writing_nothing(
    exps: dict[str, str], repo: Path, args: list[str], message: str
) -> None:
    """issue 13 bad input: one clear line, exit 2, nothing written."""
    before = untouched(repo)
    cache = repo / ".gitml" / "tmp" / show_rows.CACHE_FILE
    cache.unlink(missing_ok=True)
    out = run_cli("exp", "show", *args)
    assert out.code == 2 and out.out == ""
    assert message in out.err
    assert untouched(repo) == before


def test_only_changed_keeps_columns_that_differ(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: --only-changed drops metric/param/dep columns equal in every row."""
    header = run_cli("exp", "show", "--csv", "--only-changed").out.splitlines()[0].split(",")
    assert "train.lr" in header and "auc" in header and "data.txt" in header
    assert "unused" not in header and "train.name" not in header
    full = run_cli("exp", "show", "--csv").out.splitlines()[0].split(",")
    assert "unused" in full and "train.name" in full


def test_baselines_all_branches_all_commits_num(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: HEAD by default; -a adds branch tips, -A every commit, -n N the N
    first-parent commits from HEAD, each with its own experiments."""
    git(repo, "checkout", "-q", "-b", "other")
    write(repo / "notes.txt", "x\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "other")
    other = git(repo, "rev-parse", "HEAD").strip()
    set_params(repo, 0.9)
    record.record(str(repo), other, "o1", {"params.yaml": str(repo / "params.yaml")}, "")
    git(repo, "checkout", "-q", "--", ".")
    git(repo, "checkout", "-q", "main")

    def baselines(*args: str) -> dict[str, list[str]]:
        return {r["name"] or r["rev"]: sorted(e["name"] for e in r["experiments"] or [])
                for r in show_json(*args) if r["rev"] != "workspace"}

    assert baselines() == {"main": ["e1", "e2", "e3"]}
    assert baselines("-a") == {"main": ["e1", "e2", "e3"], "other": ["o1"]}
    assert baselines("--all-branches") == baselines("-a")
    every = baselines("-A")
    assert every["main"] == ["e1", "e2", "e3"] and every["other"] == ["o1"]
    first = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    assert every[first] == [] and len(every) == 3
    assert baselines("--all-commits") == every
    git(repo, "checkout", "-q", "other")
    assert baselines("-n", "2") == {"other": ["o1"], "main": ["e1", "e2", "e3"]}
    assert baselines("--num", "1") == {"other": ["o1"]}
    assert list(baselines("--hide-workspace")) == ["other"]
    assert show_json("--hide-workspace")[0]["name"] == "other"


def test_queued_and_failed_rows_show_params_without_metrics(
    exps: dict[str, str], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 13 item 3: queue entries (the queue interface) appear with their state and the
    params of their queued commit, and no metrics."""
    from gitml import gitobjects

    base = exps["base"]
    set_params(repo, 0.7)
    changes = {"params.yaml": str(repo / "params.yaml")}
    queued = gitobjects.commit_files(str(repo), base, changes, "queued")
    git(repo, "checkout", "-q", "--", ".")
    entries = [
        QueueEntry("q1", "waiting", base, "queued", queued, "m", 1_900_000_000.0),
        QueueEntry("q2", "broken", base, "failed", queued, "", 0.0),
        QueueEntry("q3", "e1", base, "done", exps["e1"], "", 0.0),  # its ref is shown
        QueueEntry("q4", "elsewhere", base, "running", "f" * 40, "", 0.0),  # not fetched yet
    ]
    monkeypatch.setattr(queue, "entries", lambda root: entries)
    data = show_json()
    kids = {e["name"]: e for e in data[1]["experiments"]}
    assert list(kids)[4:] == ["waiting", "broken"]  # DVC's order: running, done, queued, failed
    order = list(kids)
    assert order[0] == "elsewhere" and set(order[1:4]) == {"e1", "e2", "e3"}
    assert kids["elsewhere"]["revs"][0]["data"]["params"] == {}
    cached = json.loads((repo / ".gitml" / "tmp" / show_rows.CACHE_FILE).read_text())["rows"]
    assert queued in cached and "f" * 40 not in cached  # a commit Git lacks is not remembered
    assert kids["waiting"]["executor"]["state"] == "queued"
    assert kids["broken"]["executor"]["state"] == "failed"
    w = kids["waiting"]["revs"][0]["data"]
    assert w["metrics"] == {} and w["params"]["params.yaml"]["data"]["train"]["lr"] == 0.7
    text = run_cli("exp", "show").out.splitlines()
    row = next(line for line in text if "[waiting]" in line)
    assert "Queued" in row and "0.7" in row.split() and " - " in row
    assert "Failed" in next(line for line in text if "[broken]" in line)


def test_second_show_reads_no_object_of_seen_commits(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: rows are cached by commit sha; once shown, an experiment's objects
    are never read again: the command works with its blobs deleted from Git, and a new
    experiment is the only commit read."""
    r = find_repo(str(repo))
    (repo / ".gitml" / "tmp" / show_rows.CACHE_FILE).unlink(missing_ok=True)
    first = exp_show(r)
    assert first.stats.read == 4 and first.stats.cached == 0
    expected = show_json()
    # delete every blob and tree only the experiments have (their commits stay: listing
    # the refs peels them)
    objects = git(repo, "rev-list", "--objects", *[exps[n] for n in EXPERIMENTS],
                  "--not", exps["base"]).split()
    shas = [o for o in objects if len(o) == 40 and o not in exps.values()]
    assert len(shas) >= 9
    for sha in shas:
        path = repo / ".git" / "objects" / sha[:2] / sha[2:]
        assert path.exists()
        path.unlink()
    assert all(git_fails(repo, "cat-file", "-e", sha) for sha in shas)
    again = exp_show(r)
    assert again.stats.read == 0 and again.stats.cached == 4 and again.stats.specs == []
    assert show_json() == expected
    new = run_and_record(repo, exps["base"], "e4", 0.5)
    third = exp_show(r)
    assert third.stats.read == 1 and third.stats.cached == 4
    assert all(spec.startswith(new) for spec in third.stats.specs)
    assert {e.name for g in third.groups for e in g.experiments} == {"e1", "e2", "e3", "e4"}


def git_fails(root: Path, *args: str) -> bool:
    import subprocess

    return subprocess.run(["git", *args], cwd=root, capture_output=True).returncode != 0


def test_metric_out_missing_from_cache_is_read_once_pulled(
    exps: dict[str, str], repo: Path
) -> None:
    """issue 13 item 3: a cached metrics out that the local cache lacks shows '-' and is
    not remembered as absent: once its object is back, the value shows."""
    r = find_repo(str(repo))
    (repo / ".gitml" / "tmp" / show_rows.CACHE_FILE).unlink(missing_ok=True)
    lock = git(repo, "show", f"{exps['e2']}:gitml.lock")
    digest = next(line.split()[-1] for line in lock.splitlines()[
        next(i for i, x in enumerate(lock.splitlines()) if "eval/scores.yaml" in x) + 1:
    ] if "digest" in line)
    obj = Path(r.cache.path(digest))
    saved = obj.read_bytes()
    os.chmod(obj, 0o644)
    obj.unlink()
    data = show_json()
    e2 = next(e for e in data[1]["experiments"] if e["name"] == "e2")["revs"][0]["data"]
    assert "eval/scores.yaml" not in e2["metrics"] and "metrics.json" in e2["metrics"]
    write(obj, saved)
    data = show_json()
    e2 = next(e for e in data[1]["experiments"] if e["name"] == "e2")["revs"][0]["data"]
    assert e2["metrics"]["eval/scores.yaml"]["data"]["auc"] == round(0.5 + 0.3 + 0.005, 6)


def test_unreadable_files_show_an_error_cell(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: a metrics file that is not valid JSON, or a symlink leading out of
    the tree, at one experiment shows '!' (JSON: an error) without failing the table."""
    base = exps["base"]
    write(repo / "metrics.json", "{not json")
    record.record(str(repo), base, "bad", {"metrics.json": str(repo / "metrics.json")}, "")
    os.unlink(repo / "metrics.json")
    os.symlink("/etc/hostname", repo / "metrics.json")
    record.record(str(repo), base, "link", {"metrics.json": str(repo / "metrics.json")}, "")
    os.unlink(repo / "metrics.json")
    git(repo, "checkout", "-q", "--", ".")
    data = show_json()
    kids = {e["name"]: e["revs"][0]["data"] for e in data[1]["experiments"]}
    assert "invalid JSON" in kids["bad"]["metrics"]["metrics.json"]["error"]["msg"]
    assert kids["link"]["metrics"]["metrics.json"]["error"]["type"] == "UnsafePathError"
    text = run_cli("exp", "show").out.splitlines()
    assert "!" in next(line for line in text if "[bad]" in line).split()


def test_damaged_row_cache_is_rebuilt(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: the row cache is only an optimisation: a damaged file is ignored
    and rewritten (atomically, whole)."""
    expected = show_json()
    cache = repo / ".gitml" / "tmp" / show_rows.CACHE_FILE
    cache.write_text("{damaged")
    assert show_json() == expected
    doc = json.loads(cache.read_text())
    assert doc["version"] >= 1 and exps["e1"] in doc["rows"]
    doc["rows"] = {sha: ({"files": 1} if sha == exps["e1"] else 5) for sha in doc["rows"]}
    doc["declared"]["metrics"] = 3
    cache.write_text(json.dumps(doc))  # valid JSON, wrong shapes: read again
    assert show_json() == expected


def test_exp_diff(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 4: exp diff A B (DVC's defaults: A = HEAD, B = the workspace), names
    resolved through the experiment refs, --json, --md, --all, --precision."""
    before = untouched(repo)
    out = run_cli("exp", "diff", "main", "e2", "--json")
    assert out.code == 0, out.err
    data = json.loads(out.out)
    assert data["params"]["params.yaml"]["train.lr"] == {"old": 0.1, "new": 0.3,
                                                         "diff": pytest.approx(0.2)}
    assert data["metrics"]["eval/scores.yaml"]["auc"]["new"] == round(0.5 + 0.3 + 0.005, 6)
    assert "unused" not in data["params"]["params.yaml"]
    every = json.loads(run_cli("exp", "diff", "main", "e2", "--json", "--all").out)
    assert every["params"]["params.yaml"]["unused"] == {"old": 1, "new": 1, "diff": 0}
    assert json.loads(run_cli("exp", "diff", "--json").out) == {"metrics": {}, "params": {}}
    by_sha = json.loads(run_cli("exp", "diff", "e1", exps["e2"][:8], "--json").out)
    assert by_sha["params"]["params.yaml"]["train.lr"]["old"] == 0.123456789
    vs_ws = json.loads(run_cli("exp", "diff", "e2", "--json").out)  # e2 against the workspace
    assert vs_ws["params"]["params.yaml"]["train.lr"] == {"old": 0.3, "new": 0.1,
                                                          "diff": pytest.approx(-0.2)}
    text = run_cli("exp", "diff", "main", "e1", "--precision", "3").out
    assert "Metric" in text.splitlines()[0] and "Param" in text
    assert "0.123" in text and "0.123456789" not in text
    md = run_cli("exp", "diff", "main", "e1", "--md").out
    assert md.startswith("| Path | Metric | main | e1 | Change |")
    assert untouched(repo) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "unknown experiment or revision 'nope'"),
        (["main", "nope"], "unknown experiment or revision 'nope'"),
        (["--json", "--md"], "cannot be used together"),
        (["--precision", "x"], "Invalid value"),
    ],
)
def test_exp_diff_bad_input(exps: dict[str, str], repo: Path, args: list[str],
                            message: str) -> None:
    """issue 13 bad input: an unknown experiment is one line, exit 2, nothing written."""
    before = untouched(repo)
    out = run_cli("exp", "diff", *args)
    assert out.code == 2 and message in out.err and out.out == ""
    assert sum(line.lower().startswith("error") for line in out.err.splitlines()) == 1
    assert untouched(repo) == before


def test_no_commits_yet(gitrepo: Path) -> None:
    """issue 13 item 3: before the first commit only the workspace row shows."""
    assert run_cli("init").code == 0
    data = show_json()
    assert [r["rev"] for r in data] == ["workspace"]
    assert run_cli("exp", "show").code == 0


def test_declarations_change_reads_only_the_new_file(exps: dict[str, str], repo: Path) -> None:
    """issue 13 item 3: which files are metrics comes from gitml.yaml; a file declared later
    is read for the cached commits (that file only), one dropped is no longer shown."""
    r = find_repo(str(repo))
    exp_show(r)
    write(repo / "gitml.yaml", PIPELINE.replace(", eval/scores.yaml]", "]"))
    header = run_cli("exp", "show", "--csv").out.splitlines()[0].split(",")
    assert "auc" not in header and "accuracy" in header  # no longer ambiguous
    write(repo / "gitml.yaml", PIPELINE)
    again = exp_show(r)
    assert again.stats.read == 0  # the rows kept eval/scores.yaml: nothing to read
    write(repo / "gitml.yaml", PIPELINE.replace("eval/scores.yaml]", "eval/scores.yaml, x.json]"))
    third = exp_show(r)
    assert third.stats.read == 4 and all(s.endswith(":x.json") for s in third.stats.specs)
    assert exp_show(r).stats.read == 0


def test_detached_head_and_a_linked_worktree(exps: dict[str, str], repo: Path,
                                             tmp_path: Path) -> None:
    """issue 13 item 3: a detached HEAD is named by a branch at it, else by its sha; in a
    linked worktree (.git is a file) the same experiments show."""
    git(repo, "checkout", "-q", "--detach")
    data = show_json()
    assert data[1]["rev"] == exps["base"] and data[1]["name"] == "main"
    write(repo / "n.txt", "n")
    git(repo, "add", "n.txt")
    git(repo, "commit", "-qm", "detached")
    data = show_json()
    assert data[1]["name"] is None and data[1]["experiments"] is None
    assert run_cli("exp", "show").out.splitlines()[2].startswith(data[1]["rev"][:7])
    git(repo, "checkout", "-q", "main")
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(wt), "main", "--force")
    os.chdir(wt)
    data = show_json()
    assert data[1]["name"] == "main"
    assert {e["name"] for e in data[1]["experiments"]} == {"e1", "e2", "e3"}




def _normalized(states: list[dict]) -> list[tuple]:  # type: ignore[type-arg]
    """What both tools must agree on: revs, names, times, params, metrics, dep/out paths."""
    out: list[tuple] = []  # type: ignore[type-arg]
    for s in states:
        d = s["data"]
        out.append((s["rev"], s["name"], d["timestamp"], d["params"], d["metrics"],
                    sorted(d["deps"]), sorted(d["outs"]), s["error"]))
        for e in s["experiments"] or []:
            out += [("exp", e["name"], e["executor"]), *_normalized(e["revs"])]
    return out


def test_same_json_as_dvc_on_the_same_repository(repo: Path) -> None:
    """issue 13 item 3: on one repository that is both a DVC and a gitml project, with
    experiments on the shared ref layout, `exp show --json` of both tools agrees on every
    rev, name, time, param, metric and dep/out path."""
    import subprocess

    from tests.dvc_oracle import find_dvc

    dvc_exe = find_dvc()  # the real DVC 3.67.1 in its own venv ($GITML_DVC, or built once)
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "DVC_SITE_CACHE_DIR": str(repo / ".dvcsite")}

    def dvc(*args: str) -> str:
        proc = subprocess.run([dvc_exe, *args], cwd=repo, env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    dvc("init", "-q")
    pipeline = PIPELINE.replace(", eval/scores.yaml]", "]")  # DVC would need its own cache
    write(repo / "gitml.yaml", pipeline)
    write(repo / "dvc.yaml", pipeline)
    write(repo / "train.py", TRAIN)
    write(repo / "data.txt", "data\n")
    write(repo / ".gitignore", ".dvcsite\n")
    set_params(repo, 0.1)
    dvc("repro", "-q")
    assert run_cli("repro", "-q").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    base = git(repo, "rev-parse", "HEAD").strip()
    for name, lr in (("p1", 0.25), ("p2", 0.5)):
        set_params(repo, lr)
        dvc("repro", "-q")
        assert run_cli("repro", "-q").code == 0
        files = ["params.yaml", "metrics.json", "gitml.lock", "dvc.lock"]
        record.record(str(repo), base, name, {p: str(repo / p) for p in files}, "")
        git(repo, "checkout", "-q", "--", ".")
    ours = _normalized(show_json())
    theirs = _normalized(json.loads(dvc("exp", "show", "--json")))
    assert ours == theirs  # the experiments' order too


SUB_PIPELINE = """\
stages:
  score:
    cmd: python3 score.py
    deps: [in.txt, score.py]
    params: [k]
    metrics: [m.yaml]
"""
SCORE = """\
import yaml
k = yaml.safe_load(open("params.yaml"))["k"]
open("m.yaml", "w").write(f"f1: {k / 10}\\n")
"""


def test_sub_pipeline_metrics_params_and_deps(repo: Path) -> None:
    """issue 13 item 3 with sub pipelines (issue 12 item 10): `sub/gitml.yaml`'s cached
    metrics out is read from the cache through `sub/gitml.lock` (paths relative to sub/),
    its params file and its changed deps show."""
    write(repo / "sub" / "gitml.yaml", SUB_PIPELINE)
    write(repo / "sub" / "score.py", SCORE)
    write(repo / "sub" / "in.txt", "x\n")
    write(repo / "sub" / "params.yaml", "k: 1\n")
    assert run_cli("repro", "-q", "--all-pipelines").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "sub")
    base = git(repo, "rev-parse", "HEAD").strip()
    write(repo / "sub" / "params.yaml", "k: 5\n")
    write(repo / "sub" / "in.txt", "y\n")
    assert run_cli("repro", "-q", "--all-pipelines").code == 0
    changes = {p: str(repo / p) for p in ("sub/params.yaml", "sub/gitml.lock", "sub/in.txt")}
    record.record(str(repo), base, "k5", changes, "")
    git(repo, "checkout", "-q", "--", ".")
    data = show_json()
    k5 = data[1]["experiments"][0]["revs"][0]["data"]
    assert k5["metrics"]["sub/m.yaml"]["data"] == {"f1": 0.5}  # from the cache, via the lock
    assert k5["params"]["sub/params.yaml"]["data"] == {"k": 5}
    assert set(k5["deps"]) == {"sub/in.txt", "sub/score.py"}
    assert data[1]["data"]["metrics"]["sub/m.yaml"]["data"] == {"f1": 0.1}
    header = run_cli("exp", "show", "--csv").out.splitlines()[0].split(",")
    assert {"f1", "k", "sub/in.txt"} <= set(header) and "sub/score.py" not in header


def test_end_to_end_through_exp_run_and_the_queue(repo: Path) -> None:
    """issue 13 items 1-3 end to end: `gitml exp run` makes a done row; `--queue` a queued
    row with its params and no metrics; `--run-all` turns one into a done row and a failing
    one into a failed row (params kept, no ref); HEAD, index and branch never move."""
    write(repo / "gitml.yaml", PIPELINE)
    write(repo / "train.py", TRAIN)
    write(repo / "data.txt", "data\n")
    write(repo / ".gitignore", "/.gitml/tmp\n")
    set_params(repo, 0.1)
    assert run_cli("repro", "-q").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    head, index = git(repo, "rev-parse", "HEAD"), (repo / ".git" / "index").read_bytes()
    ran = run_cli("exp", "run", "-S", "train.lr=0.3", "-n", "r1")
    assert ran.code == 0, ran.err
    assert (repo / ".git" / "index").read_bytes() == index
    git(repo, "checkout", "-q", "--", ".")  # (refreshes the index's stat data)
    index = (repo / ".git" / "index").read_bytes()
    for args in (["-S", "train.lr=0.4", "-n", "q1"], ["-S", "train.lr='bad'", "-n", "qbad"]):
        queued = run_cli("exp", "run", "--queue", *args)
        assert queued.code == 0, queued.err
    data = show_json()
    kids = {e["name"]: e for e in data[1]["experiments"]}
    order = list(kids)
    assert order[0] == "r1" and set(order[1:]) == {"q1", "qbad"}  # done, then queued
    r1 = kids["r1"]["revs"][0]["data"]
    assert r1["metrics"]["eval/scores.yaml"]["data"]["auc"] == round(0.5 + 0.3 + 0.005, 6)
    assert kids["q1"]["state"] == "queued" and kids["q1"]["executor"]["state"] == "queued"
    q1 = kids["q1"]["revs"][0]["data"]
    assert q1["metrics"] == {} and q1["params"]["params.yaml"]["data"]["train"]["lr"] == 0.4
    table = run_cli("exp", "show").out
    assert "Queued" in next(line for line in table.splitlines() if "[q1]" in line)
    assert run_cli("exp", "run", "--run-all", "-j", "2").code == 3  # qbad fails
    data = show_json()
    kids = {e["name"]: e for e in data[1]["experiments"]}
    assert kids["q1"]["state"] == "done" and kids["q1"]["executor"] is None
    assert kids["q1"]["revs"][0]["data"]["metrics"]["metrics.json"]["data"]["accuracy"] == (
        round(0.5 + 0.4 + 0.005, 6))
    assert kids["qbad"]["state"] == "failed"
    assert kids["qbad"]["revs"][0]["data"]["params"]["params.yaml"]["data"]["train"]["lr"] == (
        "bad")
    assert list(kids)[-1] == "qbad"
    diff = json.loads(run_cli("exp", "diff", "r1", "q1", "--json").out)
    assert diff["params"]["params.yaml"]["train.lr"]["new"] == 0.4
    assert git(repo, "rev-parse", "HEAD") == head
    assert (repo / ".git" / "index").read_bytes() == index
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
