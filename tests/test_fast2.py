"""issue 19: the hot commands' fixed costs, second pass (no `typing`, `dataclasses`,
`subprocess` or `sqlite3` where they are not needed; records, spawning, null configs)."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, run_cli, write
from test_fast import imported

from gitml import record, schema, spawn, yamlio
from gitml.errors import BadInputError

# modules a hot command pays for and does not need (~8 ms dataclasses + inspect, ~4 ms
# typing, ~6 ms subprocess + selectors + threading on a quiet machine)
SLOW_STDLIB = {"typing", "dataclasses", "inspect", "subprocess", "selectors", "threading"}
PIPELINE = """\
stages:
  copy:
    cmd: cp raw.txt copy.txt
    deps: [raw.txt]
    outs: [copy.txt]
"""


@pytest.fixture
def project(repo: Path) -> Path:
    write(repo / "data" / "a.bin", b"a")
    write(repo / "raw.txt", "raw\n")
    write(repo / "gitml.yaml", PIPELINE)
    assert run_cli("add", "data").code == 0
    assert run_cli("repro").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "project")
    return repo


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["-q", "status", "--json"],
        ["repro"],
        ["hook", "pre-commit"],
        ["hook", "post-checkout", "HEAD", "HEAD", "1"],
    ],
)
def test_hot_commands_import_no_slow_stdlib_module(project: Path, args: list[str]) -> None:
    """issue 19 (fixed costs): with data, a pipeline and nothing to do, the hot commands
    import neither typing, dataclasses (inspect), nor subprocess (selectors, threading)."""
    head = git(project, "rev-parse", "HEAD").strip()
    args = [head if a == "HEAD" else a for a in args]
    run_cli(*args)  # the state database knows every file now
    loaded, proc = imported(project, *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not loaded & SLOW_STDLIB, loaded & SLOW_STDLIB


@pytest.mark.parametrize("args", [["status"], ["hook", "pre-commit"], ["--version"]])
def test_empty_repository_needs_no_database(repo: Path, args: list[str]) -> None:
    """issue 19 (fixed costs): in a new repository (a comments-only config) status and the
    pre-commit hook open no state database: sqlite3 is not even imported."""
    loaded, proc = imported(repo, *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not loaded & (SLOW_STDLIB | {"sqlite3", "yaml"}), loaded


def test_comments_only_texts_skip_the_database_only_where_null_is_valid() -> None:
    """issue 19 (fixed costs): a comments-only config reads as null without a lookup; a
    comments-only pointer is refused as before (its schema does not accept null)."""
    assert schema.accepts_null("config") and not schema.accepts_null("pointer")
    assert yamlio.loads(b"# only a comment\n\n", where="c", schema_name="config") is None
    with pytest.raises(BadInputError):
        yamlio.loads(b"# only a comment\n", where="p.gitml", schema_name="pointer")


def _kinds(mod: object) -> tuple[type, type, type, type]:
    dc, fld = mod.dataclass, mod.field  # type: ignore[attr-defined]

    @dc(frozen=True, slots=True)
    class Info:
        digest: str
        size: int | None = None

    @dc(frozen=True)
    class Problem:
        where: str
        items: list[int] = fld(default_factory=list)
        meta: dict[str, int] = fld(default_factory=dict, compare=False, hash=False)

        def __str__(self) -> str:
            return f"{self.where}!"

    @dc
    class Mutable:
        name: str
        seen: set[str] = fld(default_factory=set)

        def __post_init__(self) -> None:
            self.extra = len(self.name)

    @dc(frozen=True)
    class Child(Problem):
        level: int = 1

    return Info, Problem, Mutable, Child


def test_records_behave_as_dataclasses() -> None:
    """issue 19 (fixed costs): gitml.record builds what dataclasses builds for the forms
    gitml uses (init, defaults, factories, repr, eq, hash, frozen, slots, inheritance)."""
    results = []
    for mod in (dataclasses, record):
        info, problem, mutable, child = _kinds(mod)
        a, b = problem("x", [1], {"k": 1}), problem("x", [1])
        m = mutable("abc")
        m.name = "abcd"
        c = child("w", level=2)
        frozen_refused = []
        for obj, name in ((info("d"), "digest"), (a, "where"), (c, "level")):
            with pytest.raises(AttributeError):
                setattr(obj, name, "other")
            frozen_refused.append(True)
        results.append(
            (
                repr(info("d", 3)).split(".")[-1],
                info("d") == info("d"),
                hash(info("d", 1)) == hash(info("d", 1)),
                info("d", 1) == info("d", 2),
                info.__slots__,
                hasattr(info("d"), "__dict__"),
                a == b,
                str(a),
                repr(b).split(".")[-1],
                (m.extra, m.seen, mutable.__hash__ is None),
                repr(c).split(".")[-1],
                c.__match_args__,
                problem.__match_args__,
                frozen_refused,
                info("d", 5).__getstate__() if hasattr(info, "__getstate__") else None,
            )
        )
    assert results[0] == results[1]
    with pytest.raises(TypeError):
        hash(_kinds(record)[1]("x"))  # a list field: unhashable, as with dataclasses


def test_frozen_slotted_records_pickle() -> None:
    """issue 19 (fixed costs): HashInfo (a frozen, slotted record) survives pickling, as a
    dataclass does (a process pool may carry it)."""
    from gitml.hashing import HashInfo

    info = HashInfo("ab" * 16, 3, None)
    assert pickle.loads(pickle.dumps(info)) == info


def test_spawn_feeds_and_reads_large_streams_at_once(tmp_path: Path) -> None:
    """issue 19 (fixed costs): gitml.spawn (what scm.py runs git with) writes stdin while
    reading stdout and stderr, each larger than a pipe's buffer, without deadlock."""
    data = os.urandom(1 << 20)
    code_ = "import sys; d = sys.stdin.buffer.read(); sys.stderr.buffer.write(d); print(len(d))"
    code, out, err = spawn.run([sys.executable, "-c", code_], data=data)
    assert (code, out.strip(), err) == (0, str(len(data)).encode(), data)
    code, out, err = spawn.run([sys.executable, "-c", "import sys; sys.exit(7)"])
    assert (code, out, err) == (7, b"", b"")
    with pytest.raises(FileNotFoundError):
        spawn.run([str(tmp_path / "no-such-program")])


def test_spawned_child_has_the_signals_subprocess_gives() -> None:
    """issue 19 (fixed costs): as with subprocess, the child does not inherit Python's
    ignored SIGPIPE (git writing to a closed pipe stops, as at a terminal)."""
    import subprocess

    probe = ["sh", "-c", "grep SigIgn /proc/self/status"]
    code, out, _ = spawn.run(probe, env={**os.environ})
    theirs = subprocess.run(probe, capture_output=True, check=True).stdout
    standard = (1 << 31) - 1  # signals 1-31 (glibc's own 32, 33 are its business)
    assert code == 0
    assert int(out.split()[1], 16) & standard == int(theirs.split()[1], 16) & standard
    assert not int(out.split()[1], 16) & (1 << 12)  # SIGPIPE (13) is not ignored


def test_git_errors_still_read_as_one_line(repo: Path) -> None:
    """issue 19 (fixed costs): git run through spawn fails as before: one clear line."""
    from gitml import scm
    from gitml.errors import GitmlError

    with pytest.raises(GitmlError, match=r"^git rev-parse failed: "):
        scm.run(str(repo), "rev-parse", "--verify", "no-such-rev^{commit}")
    assert scm.staged_files(str(repo)) == []


class _BatchStore:
    """A remote with batch calls whose batch of small objects waits (at most 10 s) for the
    large object's upload to have started."""

    name, batches, jobs = "fake", True, 4

    def __init__(self) -> None:
        import threading

        self.large_started = threading.Event()
        self.waited: list[bool] = []

    def finish(self) -> None:
        return None


def test_large_objects_move_while_small_ones_are_batched() -> None:
    """issue 19 item 4 (S3): push and fetch start the large objects at once, beside the
    batches of small ones, instead of after every small one (a 64 MiB file after 2,000
    small ones was a serial tail of ~1 s on moto)."""
    from gitml.commands.sync import run_split

    store = _BatchStore()

    def batch(oids: list[str]) -> list[tuple[str, BaseException | None]]:
        store.waited.append(store.large_started.wait(timeout=10))
        return [(oid, None) for oid in oids]

    def one(oid: str) -> None:
        store.large_started.set()

    result = run_split(store, {"s1", "s2"}, batch, {"big"}, one, 2, None)  # type: ignore[arg-type]
    assert store.waited == [True]
    assert sorted(result.transferred) == ["big", "s1", "s2"] and result.ok


def _loaded(cwd: Path, code: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules `code` imports, run without `site` (an editable install's finder would
    import `re` and `collections` at start-up) and gitml found through PYTHONPATH."""
    home = str(Path(record.__file__).resolve().parent.parent)
    proc = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": home},
    )
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return names, proc


def test_pre_commit_hook_imports_no_re_nor_collections(project: Path) -> None:
    """issue 19 (fixed costs): the hook every commit runs, through the console script's
    entry, imports neither `re` (~4 ms) nor `collections` (~2.5 ms) beyond what the
    interpreter itself loaded at start-up."""
    run_cli("hook", "pre-commit")
    bare, _ = _loaded(project, "pass")
    hook, proc = _loaded(
        project, "import sys; from gitml.entry import main; sys.exit(main(['hook', 'pre-commit']))"
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not (hook - bare) & {"re", "collections", "contextlib", "zlib"}, hook - bare
