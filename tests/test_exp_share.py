"""issue 13 item 4: `exp apply`, `exp branch`, `exp remove`, `exp push`, `exp pull`.

Two clones of one bare Git repository share one local gitml remote folder; experiments are
made in clone A by a real `gitml repro` recorded with gitml.experiments.record.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import chdir, git, run_cli, snapshot, write

from gitml.experiments import record
from gitml.pipeline import lock as lockfile

PIPELINE = """\
stages:
  train:
    cmd: cat params.yaml raw.txt > model.bin && mkdir -p feats && cp raw.txt feats/a.txt
      && cat params.yaml > feats/b.txt && wc -c < model.bin | tr -d ' ' > metrics.json
    deps: [raw.txt]
    params: [lr]
    outs: [model.bin, feats]
    metrics: [{metrics.json: {cache: false}}]
"""


@dataclass
class Pair:
    origin: Path
    a: Path
    b: Path
    store: Path
    base: str


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    with chdir(root):
        res = run_cli(*args)
    return res.code, res.out, res.err


def ok(root: Path, *args: str) -> str:
    code, out, err = cli(root, *args)
    assert code == 0, (args, out, err)
    return out


def rev(root: Path, what: str = "HEAD") -> str:
    return git(root, "rev-parse", what).strip()


def state(root: Path) -> tuple[str, str, bytes]:
    """HEAD, the branch and the index bytes: no exp command may change them."""
    branch = git(root, "symbolic-ref", "-q", "HEAD").strip()
    return rev(root), branch, (root / ".git" / "index").read_bytes()


def make_exp(root: Path, name: str, lr: str, extra: dict[str, str | None] | None = None) -> str:
    """Run the pipeline with `lr` (and file changes `extra`), record what `git add -A` would
    stage as experiment `name` on HEAD, then put the workspace back. Returns its sha."""
    base = rev(root)
    write(root / "params.yaml", f"lr: {lr}\n")
    for rel, text in (extra or {}).items():
        if text is None:
            (root / rel).unlink()
        else:
            write(root / rel, text)
    ok(root, "repro")
    listed = git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--no-renames")
    changes: dict[str, str | None] = {}
    for item in filter(None, listed.split("\0")):
        rel = item[3:]
        changes[rel] = None if not (root / rel).exists() else str(root / rel)
    exp = record.record(str(root), base, name, changes, f"try lr={lr}")
    git(root, "checkout", "-q", "--", ".")
    git(root, "clean", "-qfd")
    ok(root, "checkout")
    return exp.sha


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    origin, a, b, store = (tmp_path / n for n in ("origin.git", "a", "b", "store"))
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    git(tmp_path, "clone", "-q", str(origin), str(a))
    ok(a, "init")
    ok(a, "remote", "add", "-d", "store", str(store))
    write(a / "gitml.yaml", PIPELINE)
    write(a / "params.yaml", "lr: 0.1\n")
    write(a / "raw.txt", "raw data\n")
    write(a / "notes.txt", "notes\n")
    ok(a, "repro")
    git(a, "add", "-A")
    git(a, "commit", "-qm", "base")
    git(a, "push", "-q", "origin", "HEAD:main")
    ok(a, "push")
    git(tmp_path, "clone", "-q", str(origin), str(b))
    return Pair(origin, a, b, store, rev(a))


def exp_outs(root: Path, sha: str) -> dict[str, str]:
    raw = git(root, "show", f"{sha}:gitml.lock").encode()
    locks = lockfile.loads(raw, "x").values()
    return {e.path: e.hash_info.digest for s in locks for e in s.outs if e.cache}


def in_cache(root: Path, oid: str) -> bool:
    return (root / ".gitml" / "cache" / "xxh3" / oid[:2] / oid[2:]).is_file()


def workspace_files(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(root).items() if not k.startswith(".gitml/")}


def test_push_pull_apply_between_two_clones(pair: Pair) -> None:
    """issue 13 item 4: an experiment made in A, pushed (ref to Git, data and run record to
    the gitml remote), pulled in B, applied there: B's files equal A's experiment byte for
    byte; HEAD, the branch and the index never change."""
    a, b = pair.a, pair.b
    sha = make_exp(a, "fast-lr", "0.25")
    ref = f"refs/exps/{pair.base[:2]}/{pair.base[2:]}/fast-lr"
    before = state(a)
    out = ok(a, "exp", "push", "origin", "fast-lr")
    assert "Pushed experiment 'fast-lr'" in out
    assert state(a) == before
    assert git(pair.origin, "rev-parse", ref).strip() == sha
    outs = exp_outs(a, sha)
    for oid in outs.values():
        assert (pair.store / "xxh3" / oid[:2] / oid[2:]).is_file()
    assert len(list((pair.store / "runs").rglob("*"))) >= 2  # the base's and the exp's record
    # A's experiment workspace, for comparison: apply it in A too
    ok(a, "exp", "apply", "fast-lr")
    expected = workspace_files(a)
    assert b"lr: 0.25" in expected["params.yaml"]
    before_b = state(b)
    out = ok(b, "exp", "pull", "origin", "fast-lr")
    assert "Pulled experiment 'fast-lr'" in out, out
    assert state(b) == before_b
    assert rev(b, ref) == sha
    for oid in outs.values():
        assert in_cache(b, oid), (out, sorted(p.name for p in (b / ".gitml").rglob("*")))
    run_keys = {p.name for p in (b / ".gitml" / "cache" / "runs").rglob("*") if p.is_file()}
    assert len(run_keys) == 1  # only the experiment's stage record came along
    out = ok(b, "exp", "apply", "fast-lr")
    assert state(b) == before_b
    assert workspace_files(b) == expected
    assert git(b, "status", "--porcelain", "--untracked-files=no").split() == [
        "M", "gitml.lock", "M", "metrics.json", "M", "params.yaml"
    ]
    # a second pull is a no-op that says so
    out = ok(b, "exp", "pull", "origin", "fast-lr")
    assert "up to date" in out


def refuse(root: Path, *args: str, match: str, code: int = 2) -> None:
    """The command fails with one error line, exit `code`, and changes nothing at all."""
    files, before = snapshot(root), state(root)
    refs = git(root, "for-each-ref")
    got, out, err = cli(root, *args)
    assert got == code, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and match in lines[0], err
    assert snapshot(root) == files
    assert state(root) == before
    assert git(root, "for-each-ref") == refs


def test_apply_refuses_uncommitted_work_changing_nothing(pair: Pair) -> None:
    """issue 13 item 4 / bad input: applying onto an uncommitted change of a file the
    experiment changes is refused (exit 2, the file named); untouched files may differ."""
    a = pair.a
    make_exp(a, "fast-lr", "0.25")
    write(a / "params.yaml", "lr: 9\n")  # uncommitted work on a file the experiment changes
    write(a / "notes.txt", "my notes\n")  # ... and on one it does not change: no conflict
    refuse(a, "exp", "apply", "fast-lr", match="uncommitted changes to params.yaml")
    git(a, "checkout", "-q", "--", "params.yaml")
    write(a / "model.bin", "hand-edited, not in the cache\n")  # a data out with local work
    refuse(a, "exp", "apply", "fast-lr", match="model.bin")
    ok(a, "checkout", "--force")
    ok(a, "exp", "apply", "fast-lr")
    assert (a / "notes.txt").read_text() == "my notes\n"  # unrelated work is kept
    assert (a / "params.yaml").read_text() == "lr: 0.25\n"
    ok(a, "exp", "apply", "fast-lr")  # again: the workspace already holds it, a no-op


def test_apply_untracked_file_in_the_way_is_refused(pair: Pair) -> None:
    """issue 13 item 4: a file the experiment adds that exists untracked with other content is
    uncommitted work: refused; a file standing where the experiment needs a folder too."""
    a = pair.a
    make_exp(a, "adds", "0.3", {"src/new.py": "print(1)\n"})
    write(a / "src" / "new.py", "mine\n")
    refuse(a, "exp", "apply", "adds", match="src/new.py")
    (a / "src" / "new.py").unlink()
    (a / "src").rmdir()
    write(a / "src", "a file where the experiment has a folder\n")
    refuse(a, "exp", "apply", "adds", match="src")
    (a / "src").unlink()
    write(a / "src" / "new.py", "print(1)\n")  # already as the experiment has it: fine
    ok(a, "exp", "apply", "adds")


def test_apply_writes_deletes_and_keeps_modes(pair: Pair) -> None:
    """issue 13 item 4: files the experiment deleted are deleted (empty folders too), new ones
    written with their mode (executable, symlink)."""
    a = pair.a
    write(a / "old" / "gone.txt", "bye\n")
    git(a, "add", "-A")
    git(a, "commit", "-qm", "more")
    (a / "run.sh").unlink(missing_ok=True)
    write(a / "run.sh", "#!/bin/sh\necho hi\n")
    (a / "run.sh").chmod(0o755)
    (a / "link").symlink_to("raw.txt")
    make_exp(a, "reshape", "0.3", {"notes.txt": None, "old/gone.txt": None})
    assert not (a / "run.sh").exists() and (a / "notes.txt").exists()
    before = state(a)
    ok(a, "exp", "apply", "reshape")
    assert state(a) == before
    assert not (a / "notes.txt").exists() and not (a / "old").exists()
    assert (a / "run.sh").stat().st_mode & 0o111
    assert os.readlink(a / "link") == "raw.txt"
    status = set(git(a, "status", "--porcelain").splitlines()) - {" M metrics.json"}
    assert status == {
        " M gitml.lock", " M params.yaml", " D notes.txt", " D old/gone.txt", "?? link",
        "?? run.sh",
    }


def test_apply_missing_data_says_pull_and_writes_nothing(pair: Pair) -> None:
    """issue 13 item 4: an experiment pulled without its data (--no-cache) cannot be applied:
    one line naming 'gitml exp pull', nothing written."""
    make_exp(pair.a, "fast-lr", "0.25")
    ok(pair.a, "exp", "push", "origin", "fast-lr")
    ok(pair.b, "exp", "pull", "--no-cache", "origin", "fast-lr")
    refuse(pair.b, "exp", "apply", "fast-lr", match="gitml exp pull", code=3)
    ok(pair.b, "exp", "pull", "origin", "fast-lr")  # the data now
    ok(pair.b, "exp", "apply", "fast-lr")


def test_unknown_experiment_is_exit_2_everywhere(pair: Pair) -> None:
    """issue 13 bad input: an unknown experiment: one line, exit 2, nothing written."""
    a = pair.a
    make_exp(a, "fast-lr", "0.25")
    for args in (("apply", "nope"), ("branch", "nope", "x"), ("remove", "nope"),
                 ("remove", "fast-lr", "nope"), ("push", "origin", "nope"),
                 ("pull", "origin", "nope")):
        refuse(a, "exp", *args, match="unknown experiment 'nope'")
    refuse(a, "exp", "remove", match="give experiment names")
    refuse(a, "exp", "remove", "fast-lr", "-A", match="give experiment names")
    refuse(a, "exp", "push", "no-such-remote", "fast-lr", match="unknown Git remote")
    gone = str(pair.origin.parent / "gone.git")  # a URL nothing answers at: exit 3, one line
    refuse(a, "exp", "push", "--no-cache", gone, "fast-lr", match="git ls-remote failed", code=3)
    refuse(a, "exp", "pull", gone, "fast-lr", match="git ls-remote failed", code=3)


def test_branch(pair: Pair) -> None:
    """issue 13 item 4: `exp branch NAME [BRANCH]` makes a branch at the experiment (default
    NAME-branch, as DVC); an existing or invalid branch name is exit 2; HEAD stays."""
    a = pair.a
    sha = make_exp(a, "fast-lr", "0.25")
    before = state(a)
    ok(a, "exp", "branch", "fast-lr", "best")
    assert rev(a, "refs/heads/best") == sha
    ok(a, "exp", "branch", "fast-lr")
    assert rev(a, "refs/heads/fast-lr-branch") == sha
    assert state(a) == before
    refuse(a, "exp", "branch", "fast-lr", "best", match="already exists")
    refuse(a, "exp", "branch", "fast-lr", "bad..name", match="invalid branch name")


def exps_of(root: Path) -> list[str]:
    return sorted(line.rsplit("/", 1)[1] for line in git(root, "for-each-ref",
                  "--format=%(refname)", "refs/exps/").split())


def test_remove_each_option(pair: Pair) -> None:
    """issue 13 item 4: `exp remove` NAME..., --rev/-n, -A, --keep, --queue, -g GIT_REMOTE;
    HEAD, branch and index unchanged; refs deleted together."""
    a = pair.a
    make_exp(a, "e1", "0.2")
    make_exp(a, "e2", "0.3")
    write(a / "raw.txt", "new raw\n")
    git(a, "commit", "-qam", "second")
    ok(a, "repro")
    git(a, "commit", "-qam", "second run")
    make_exp(a, "e3", "0.4")
    make_exp(a, "e4", "0.5")
    git(a, "update-ref", "refs/exps/queue/q1", rev(a))
    before = state(a)
    ok(a, "exp", "push", "origin", "-A")
    assert exps_of(pair.origin) == ["e1", "e2", "e3", "e4"]
    ok(a, "exp", "remove", "e1")
    assert exps_of(a) == ["e2", "e3", "e4", "q1"]
    ok(a, "exp", "remove", "--rev", "HEAD")  # the experiments of HEAD
    assert exps_of(a) == ["e2", "q1"]
    ok(a, "exp", "remove", "--queue")
    assert exps_of(a) == ["e2"]
    ok(a, "exp", "pull", "origin", "-A")
    assert exps_of(a) == ["e1", "e2", "e3", "e4"]
    ok(a, "exp", "remove", "--rev", "HEAD", "-n", "3", "--keep")  # keeps all: removes none
    assert exps_of(a) == ["e1", "e2", "e3", "e4"]
    ok(a, "exp", "remove", "--rev", "HEAD", "-n", "2", "--keep")  # HEAD~2's go: e1, e2
    assert exps_of(a) == ["e3", "e4"]
    ok(a, "exp", "remove", "--rev", "HEAD~2", "-n", "-1")  # negative: every ancestor too
    assert exps_of(a) == ["e3", "e4"]
    ok(a, "exp", "pull", "origin", "-A")
    ok(a, "exp", "remove", "e3", "--keep")
    assert exps_of(a) == ["e3"]
    out = ok(a, "exp", "remove", "-A")
    assert exps_of(a) == [] and "'e3'" in out
    assert "No experiments to remove" in ok(a, "exp", "remove", "-A")
    assert state(a) == before
    assert exps_of(pair.origin) == ["e1", "e2", "e3", "e4"]
    ok(a, "exp", "remove", "-g", "origin", "e1", "e2")
    assert exps_of(pair.origin) == ["e3", "e4"]
    ok(a, "exp", "remove", "-g", "origin", "--rev", "HEAD")
    assert exps_of(pair.origin) == []


def test_push_and_pull_refuse_a_different_experiment_of_the_same_name(pair: Pair) -> None:
    """issue 13 item 4: a ref that would replace another experiment of that name is refused
    (exit 2, nothing moved, no data sent) unless -f/--force."""
    a, b = pair.a, pair.b
    sha_a = make_exp(a, "same", "0.25")
    ok(a, "exp", "push", "origin", "same")
    ok(b, "pull")
    sha_b = make_exp(b, "same", "0.75")
    assert sha_b != sha_a
    objects_before = sorted(p.name for p in pair.store.rglob("*"))
    refuse(b, "exp", "push", "origin", "same", match="different experiment of the same name")
    assert sorted(p.name for p in pair.store.rglob("*")) == objects_before
    refuse(b, "exp", "pull", "origin", "same", match="different experiment of the same name")
    ok(b, "exp", "pull", "-f", "origin", "same")
    assert rev(b, f"refs/exps/{pair.base[:2]}/{pair.base[2:]}/same") == sha_a
    make_exp(b, "other", "0.75")
    ok(b, "exp", "remove", "same")
    make_exp(b, "same", "0.8")
    ok(b, "exp", "push", "-f", "origin", "same")
    assert git(pair.origin, "rev-parse", f"refs/exps/{pair.base[:2]}/{pair.base[2:]}/same") \
        == rev(b, f"refs/exps/{pair.base[:2]}/{pair.base[2:]}/same") + "\n"


def test_pull_name_prefers_heads_baseline_and_default_is_heads(pair: Pair) -> None:
    """issue 13 item 4: a name the remote has for two baselines resolves to HEAD's; with no
    name, push and pull take the experiments of HEAD (DVC's default)."""
    a, b = pair.a, pair.b
    old = make_exp(a, "dup", "0.2")
    write(a / "raw.txt", "new raw\n")
    ok(a, "repro")
    git(a, "commit", "-qam", "second")
    git(a, "push", "-q", "origin", "HEAD:main")
    new = make_exp(a, "dup", "0.3")
    make_exp(a, "solo", "0.4")
    out = ok(a, "exp", "push", "origin")  # HEAD's: dup (new) and solo
    assert "'dup'" in out and "'solo'" in out
    assert exps_of(pair.origin) == ["dup", "solo"]
    ok(a, "exp", "push", "origin", "--rev", "HEAD~1")
    assert exps_of(pair.origin) == ["dup", "dup", "solo"]
    git(b, "pull", "-q", "origin", "main")
    ok(b, "exp", "pull", "origin", "dup")
    assert git(b, "for-each-ref", "--format=%(objectname)", "refs/exps/").split() == [new]
    ok(b, "exp", "pull", "origin", "-A", "--no-cache")
    assert sorted(git(b, "for-each-ref", "--format=%(objectname)", "refs/exps/").split()) \
        == sorted([old, new, rev(a, "refs/exps/" + rev(a)[:2] + "/" + rev(a)[2:] + "/solo")])


def test_pulled_objects_are_verified(pair: Pair) -> None:
    """issue 13 item 4: objects fetched by `exp pull` are verified like every fetch: a
    corrupt object on the gitml remote never enters the cache."""
    sha = make_exp(pair.a, "fast-lr", "0.25")
    ok(pair.a, "exp", "push", "origin", "fast-lr")
    oid = exp_outs(pair.a, sha)["model.bin"]
    bad = pair.store / "xxh3" / oid[:2] / oid[2:]
    bad.chmod(0o644)
    bad.write_bytes(b"tampered")
    code, _, err = cli(pair.b, "exp", "pull", "origin", "fast-lr")
    assert code == 3 and oid in err
    assert not in_cache(pair.b, oid)


def test_push_sends_only_the_experiments_objects_and_records(pair: Pair) -> None:
    """issue 13 item 4: `exp push` sends exactly what the experiment commit references (its
    outs' objects and its stages' run records), not other local data or records."""
    a = pair.a
    sha = make_exp(a, "fast-lr", "0.25")
    write(a / "params.yaml", "lr: 0.9\n")
    ok(a, "repro")  # a run that is no experiment: its record and objects stay local
    stray = sorted(p.name for p in (a / ".gitml" / "cache" / "runs").rglob("*") if p.is_file())
    git(a, "checkout", "-q", "--", ".")
    ok(a, "checkout")
    before = {p.name for p in pair.store.rglob("*") if p.is_file()}
    ok(a, "exp", "push", "--rev", "HEAD", "origin")
    sent = {p.name for p in pair.store.rglob("*") if p.is_file()} - before
    from gitml import used
    from gitml.pipeline.runcache import key_of
    from gitml.repo import find_repo

    repo = find_repo(str(a))
    objects = {oid[2:] for oid in used.expand(repo, used.outputs_at(repo, sha)).oids}
    raw = git(a, "show", f"{sha}:gitml.lock").encode()
    keys = {key_of(s)[2:] for s in lockfile.loads(raw, "x").values()}
    # ... and the objects of its run record's outs (cache: false ones too: a restore needs them)
    locks = lockfile.loads(raw, "x").values()
    digests = {e.hash_info.digest for st in locks for e in st.outs}
    objects |= {oid[2:] for oid in digests if repo.cache.exists(oid)}
    assert sent == (objects | keys) - before
    assert len(keys) == 1 and keys <= sent
    assert len(stray) == 3 and len(set(stray) & sent) == 1  # base (there), exp, stray: 1 sent


def test_remove_is_atomic_and_compare_and_swap(pair: Pair) -> None:
    """issue 13 item 4: refs are deleted together, each only if it still holds the sha that
    was listed: a ref updated meanwhile makes the whole removal fail, nothing deleted."""
    from gitml.experiments import select
    from gitml.gitrefs import RefExistsError

    a = pair.a
    s1, s2 = make_exp(a, "e1", "0.2"), make_exp(a, "e2", "0.3")
    base = f"refs/exps/{pair.base[:2]}/{pair.base[2:]}"
    with pytest.raises(RefExistsError):
        select.delete_refs(str(a), {f"{base}/e1": s1, f"{base}/e2": s1})  # e2 "moved"
    assert exps_of(a) == ["e1", "e2"]
    select.delete_refs(str(a), {f"{base}/e1": s1, f"{base}/e2": s2})
    assert exps_of(a) == []


def test_remove_a_queued_entry_by_id(pair: Pair) -> None:
    """issue 13 item 4: a queued experiment (a ref under refs/exps/queue/) is removed by its
    id; --queue and names do not mix (exit 2)."""
    a = pair.a
    git(a, "update-ref", "refs/exps/queue/q1", rev(a))
    git(a, "update-ref", "refs/exps/queue/q2", rev(a))
    refuse(a, "exp", "remove", "--queue", "q1", match="give experiment names")
    ok(a, "exp", "remove", "q1")
    assert exps_of(a) == ["q2"]
