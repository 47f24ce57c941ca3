"""issue 10: hostile pointers, manifests, locks and run records, fuzzed (seeded, deterministic).

Each case builds an upstream repository holding hostile input and a local remote holding its
objects, clones it and runs `gitml pull` / `checkout` / `repro --pull` in the clone. The whole
temp area (the clone's .git and .gitml/config*, the remote, a sibling `outside` folder and the
folders above) is snapshotted before and after: nothing may change outside the outputs the
input declares that are safe ones, and the command either succeeds or refuses with exit 2/3
and one error line, never "unexpected". GITML_FUZZ_SEED=N runs only case N and keeps its
folders, to look at a failure.
"""

from __future__ import annotations

import json
import os
import posixpath
import random
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitml.errors import UnsafePathError
from gitml.hashing import hash_bytes
from gitml.odb import ObjectStore
from gitml.pipeline.runcache import run_key
from tests.conftest import chdir, git, run_cli, snapshot, write

CASES = 160  # total, over the four kinds of delivery; fixed seeds keep CI deterministic
KINDS = ("pointer", "manifest", "lock", "record")
STAGE_CMD = "mkdir -p out && echo ran > out/f"
NAMES = ("data", "x.bin", "sub/y", "é/ü.bin", "a", "a/b", "a-b", "out", "out/f")
HOSTILE_PATHS = (
    "..", "../x", "../../x", "../../../../x", "sub/../../x", "a/../../outside/x",
    "OUTSIDE_ABS/x", ".git/hooks/post-checkout", ".git/config", ".GIT/x", ".Git/hooks/x",
    "sub/.git/x", ".gitml/config.local.yaml", ".gitml/config.yaml", ".gitml/cache/xxh3/x",
    "sub/.gitml/x", "a\\..\\..\\x", "..\\x", "a\x00b", "", ".", "./", "x" * 300,
    ("y" * 255 + "/") * 20 + "z", "a/", "a/./b", "./a", "a//b", "lnk", "lnk/hooks/post-checkout",
    "lnk/x", "ext", "ext/x", "ext/sentinel", "C:/x", "/etc/passwd", "x.gitml", "gitml.lock",
)  # fmt: skip
BAD_DIGESTS = (
    "X" * 32, "0" * 31, "0" * 33, "0" * 32 + "\n", "0" * 32 + ".dir\n", "../../x", "ab/../../x",
    "../" * 10 + "x", "A" * 32, "0" * 32 + ".DIR", "", "0" * 32 + "/../x", "\n" + "0" * 32,
)  # fmt: skip
WEIRD_VALUES: tuple[Any, ...] = (None, 5, -1, 1.5, True, [], {}, "12", 2**70)


def _path(rnd: random.Random, outside: Path, benign: float = 0.35) -> Any:
    roll = rnd.random()
    if roll < benign:
        return rnd.choice(NAMES)
    if roll < benign + (1 - benign) * 0.9:
        return rnd.choice(HOSTILE_PATHS).replace("OUTSIDE_ABS", str(outside))
    return rnd.choice(WEIRD_VALUES)


def _digest(rnd: random.Random, good: list[str]) -> Any:
    roll = rnd.random()
    if roll < 0.55:
        return rnd.choice(good)
    if roll < 0.65:
        return f"{rnd.getrandbits(128):032x}" + rnd.choice(("", ".dir"))  # not on the remote
    if roll < 0.93:
        return rnd.choice(BAD_DIGESTS)
    return rnd.choice(WEIRD_VALUES)


def _size(rnd: random.Random) -> Any:
    return rnd.choice((0, 3, 10, 1 << 40, -1, 2**70, "3", None, True, 1.5))


def _entry(rnd: random.Random, good: list[str], outside: Path, *, path: Any = None) -> Any:
    """A pointer/lock out, well-formed but for (mostly) one hostile part."""
    axis = rnd.choice(("path", "path", "path", "path", "digest", "size", "shape", "none"))
    if axis == "shape" and rnd.random() < 0.3:
        return rnd.choice(WEIRD_VALUES)
    if path is None:
        path = _path(rnd, outside) if axis == "path" else rnd.choice(NAMES)
    digest = _digest(rnd, good) if axis == "digest" else rnd.choice(good)
    item: dict[str, Any] = {"path": path, "hash": "xxh3-128", "digest": digest, "size": 3}
    if axis == "size":
        item["size"] = _size(rnd)
    if isinstance(digest, str) and digest.endswith(".dir"):
        item["nfiles"] = 2
    if axis == "shape":
        item.pop(rnd.choice(("path", "digest", "size", "nfiles", "hash")), None)
        item[rnd.choice(("hash", "nfiles", "extra"))] = rnd.choice(WEIRD_VALUES)
    return item


def _manifest(rnd: random.Random, files: list[str], outside: Path) -> bytes:
    """A crafted directory manifest (valid JSON, sorted or not)."""
    if rnd.random() < 0.05:
        return rnd.choice((b"{}", b"not json", b"[1, 2]", b'[{"path": "a"}]'))
    entries: list[Any] = []
    for _ in range(rnd.randint(1, 5)):
        path = _path(rnd, outside)
        digest = rnd.choice(files) if rnd.random() < 0.6 else _digest(rnd, files)
        size = _size(rnd) if rnd.random() < 0.15 else 3
        entries.append({"path": path, "digest": digest, "size": size})
        if rnd.random() < 0.15 and entries:  # a duplicate, or a file/folder clash
            twin = dict(entries[-1])
            if isinstance(path, str) and rnd.random() < 0.5:
                twin["path"] = path.rstrip("/") + "/inner"
            entries.append(twin)
    if rnd.random() < 0.7:
        entries.sort(key=lambda e: str(e.get("path")))
    return json.dumps(entries, ensure_ascii=rnd.random() < 0.5).encode()


# --- the area, its snapshot and the rule -------------------------------------------------


def _snapshot(top: Path) -> dict[str, tuple[Any, ...]]:
    """Everything below `top`, symlinks not followed: kind, mode and content."""
    found: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, names in os.walk(top):
        for name in dirnames + names:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, top)
            if stat.S_ISLNK(st.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                found[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                with open(path, "rb") as f:
                    found[rel] = ("file", stat.S_IMODE(st.st_mode), hash_bytes(f.read()))
    return found


def _safe_out(clone: Path, rel: Any) -> str | None:
    """`rel` normalised if the full rule allows writing it: relative, no '..', no .git/.gitml
    component (any case), no symlinked parent folder; else None."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\x00" in rel:
        return None
    if rel.startswith("/") or (len(rel) > 1 and rel[1] == ":"):
        return None
    if ".." in rel.split("/"):
        return None
    norm = posixpath.normpath(rel)
    parts = norm.split("/")
    if norm == "." or any(p.lower() in (".git", ".gitml") for p in parts):
        return None
    for i in range(1, len(parts)):
        if os.path.islink(clone.joinpath(*parts[:i])):
            return None
    return norm


def _allowed(top: Path, clone: Path, outs: list[str], extra: tuple[str, ...]) -> list[str]:
    """Snapshot keys (relative to `top`) the command may change: the outs and below, the
    clone's cache and tmp, and `extra` files."""
    base = os.path.relpath(clone, top)
    keep = [".gitml/cache", ".gitml/tmp", *outs, *extra]
    return [os.path.join(base, *k.split("/")) for k in keep]


def _changed(before: dict[str, Any], after: dict[str, Any], allowed: list[str]) -> list[str]:
    """Keys that changed and are not allowed to: an allowed path or below it, or a new
    folder above one (made to hold an out)."""
    parents = {p for a in allowed for p in _parents(a)}

    def free(key: str) -> bool:
        if key in parents and key not in before and after[key][0] == "dir":
            return True
        return any(key == a or key.startswith(a + os.sep) for a in allowed)

    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k) and not free(k))


def _parents(path: str) -> list[str]:
    found = []
    while os.sep in path:
        path = path.rsplit(os.sep, 1)[0]
        found.append(path)
    return found


# --- building one case -------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An upstream repository with gitml, a remote `../remote`, a pipeline stage and two
    symlinked folders (`lnk -> .git`, `ext -> ../outside`)."""
    root = tmp_path_factory.mktemp("template") / "upstream"
    root.mkdir()
    home = root.parent / "home"
    write(home / ".gitconfig", "[user]\n\tname = T\n\temail = t@example.com\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        git(root, "init", "-q", "-b", "main")
        with chdir(root):
            assert run_cli("init", "-q").code == 0
            assert run_cli("remote", "add", "-d", "origin", "../remote").code == 0
        write(root / "in.txt", "input\n")
        stages = {"stages": {"make": {"cmd": STAGE_CMD, "deps": ["in.txt"], "outs": ["out"]}}}
        write(root / "gitml.yaml", yaml.safe_dump(stages))
        os.symlink(".git", root / "lnk")
        os.symlink("../outside", root / "ext")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "template")
    yield root


def _build(rnd: random.Random, kind: str, area: Path, template: Path) -> tuple[list[Any], str]:
    """Write the hostile input into `area/upstream`, its objects on `area/remote`; returns the
    declared outputs (repo-relative, as the input says) and the command to run."""
    up, remote, outside = area / "upstream", ObjectStore(str(area / "remote")), area / "outside"
    shutil.copytree(template, up, symlinks=True)
    write(outside / "sentinel", "outside\n")
    blobs = [f"blob {rnd.random()}\n".encode() for _ in range(3)]
    files = [hash_bytes(b) for b in blobs]
    for oid, blob in zip(files, blobs, strict=True):
        remote.add_bytes(oid, blob)
    manifest = _manifest(rnd, files, outside)
    mdigest = hash_bytes(manifest) + ".dir"
    remote.add_bytes(mdigest, manifest)
    good = [*files, mdigest]
    declared: list[Any] = []
    command = "pull"
    if kind in ("pointer", "manifest"):
        folder = rnd.choice(("", "", "", "sub/", "sub/", ".gitml/"))
        if kind == "manifest":
            outs = [{"path": "data", "hash": "xxh3-128", "digest": mdigest, "size": 9}]
            outs[0]["nfiles"] = 2
        else:
            outs = [_entry(rnd, good, outside) for _ in range(rnd.randint(1, 3))]
        data: Any = {"outs": outs} if rnd.random() < 0.97 else rnd.choice(WEIRD_VALUES)
        pointer = up / (folder + rnd.choice(("data", "p", "notes")) + ".gitml")
        write(pointer, yaml.safe_dump(data, allow_unicode=True))
        for out in outs:
            if isinstance(out, dict) and isinstance(out.get("path"), str):
                declared.append(posixpath.join(folder, out["path"]) if folder else out["path"])
    elif kind == "lock":
        stages: dict[str, Any] = {}
        for i in range(rnd.randint(1, 2)):
            outs = [_entry(rnd, good, outside) for _ in range(rnd.randint(1, 3))]
            stages[rnd.choice(("s", f"t{i}", "make"))] = {"cmd": "true", "outs": outs}
            declared += [o["path"] for o in outs if isinstance(o, dict) and "path" in o]
        write(up / "gitml.lock", yaml.safe_dump({"schema": "1.0", "stages": stages}))
        command = rnd.choice(("pull", "checkout"))
    else:  # a run record matching the stage, with hostile outs (its manifest is pre-fetched)
        dep = {"path": "in.txt", "hash": "xxh3-128", "digest": hash_bytes(b"input\n"), "size": 6}
        out = _entry(rnd, good, outside, path="out" if rnd.random() < 0.7 else None)
        record = {"schema": "1.0", "stages": {"make": {"cmd": STAGE_CMD, "deps": [dep]}}}
        record["stages"]["make"]["outs"] = [out]
        key = run_key(STAGE_CMD, {"in.txt": dep["digest"]}, {})
        if rnd.random() < 0.1:
            key = rnd.choice(("zz" + "0" * 30, "00" + "0" * 30, "ab" + "x" * 30))
        write(area / "remote" / "runs" / key[:2] / key[2:], yaml.safe_dump(record))
        declared += ["out", ".gitignore", "gitml.lock"]  # repro writes these
        command = "repro"
    git(up, "add", "-A")
    git(up, "commit", "-qm", f"hostile {kind}", "--allow-empty")
    return declared, command


def _run_case(seed: int, kind: str, template: Path, top: Path) -> None:
    rnd = random.Random(seed)
    area = top / "w" / f"c{seed}" / "area"
    area.mkdir(parents=True)
    declared, command = _build(rnd, kind, area, template)
    clone = area / "clone"
    git(area, "clone", "-q", "upstream", "clone")
    if command == "repro":
        cache = ObjectStore(str(clone / ".gitml" / "cache"))
        for oid in ObjectStore(str(area / "remote")).iter_oids():  # as if fetched earlier
            cache.add_bytes(oid, (area / "remote" / "xxh3" / oid[:2] / oid[2:]).read_bytes())
    if command == "checkout":
        with chdir(clone):
            run_cli("fetch", "-q")
    outs = [o for o in (_safe_out(clone, d) for d in declared) if o is not None]
    allowed = _allowed(top, clone, outs, ())
    before = _snapshot(top)
    args = {"pull": ["pull"], "checkout": ["checkout"], "repro": ["repro", "--pull"]}[command]
    with chdir(clone):
        result = run_cli(*args)
    after = _snapshot(top)
    what = f"seed {seed} ({kind}, {command}): exit {result.code}, stderr {result.err!r}"
    what += f" stdout {result.out[-200:]!r}"
    assert not _changed(before, after, allowed), f"{what}: wrote {_changed(before, after, allowed)}"
    errors = [ln for ln in result.err.splitlines() if ln.startswith("error:")]
    assert result.code in (0, 2, 3), what
    assert "unexpected" not in result.err and "Traceback" not in result.err, what
    assert len(errors) == (result.code != 0), what
    shutil.rmtree(top / "w")


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_inputs_write_nothing_outside_their_outs(
    kind: str, template: Path, tmp_path: Path
) -> None:
    """issue 10 (Done when): random hostile pointers, manifests, locks and run records go
    through `pull`/`checkout`/`repro --pull`; nothing outside the safe outs ever changes."""
    failures = []
    for i in range(CASES // len(KINDS)):
        seed = KINDS.index(kind) * 10_000 + i
        if os.environ.get("GITML_FUZZ_SEED", str(seed)) != str(seed):
            continue
        try:
            _run_case(seed, kind, template, tmp_path)
        except AssertionError as e:
            failures.append(str(e).splitlines()[0])
            if not os.environ.get("GITML_FUZZ_SEED"):
                shutil.rmtree(tmp_path / "w", ignore_errors=True)
    assert not failures, f"{len(failures)} case(s) failed:\n" + "\n".join(failures)


# --- the items of issue 10 the fuzzing found or needs ------------------------------------


def _store(repo: Path, data: bytes, suffix: str = "") -> str:
    oid = hash_bytes(data) + suffix
    ObjectStore(str(repo / ".gitml" / "cache")).add_bytes(oid, data)
    return oid


def _lock_out(repo: Path, path: str, digest: str) -> None:
    """A gitml.lock whose one stage has the out `path`."""
    out = {"path": path, "hash": "xxh3-128", "digest": digest, "size": 3}
    stages = {"s": {"cmd": "true", "outs": [out]}}
    write(repo / "gitml.lock", yaml.safe_dump({"schema": "1.0", "stages": stages}))


def _pointer(repo: Path, rel: str, path: str, digest: str, **extra: Any) -> None:
    out = {"path": path, "hash": "xxh3-128", "digest": digest, "size": 3, **extra}
    write(repo / rel, yaml.safe_dump({"outs": [out]}))
    git(repo, "add", rel)  # tracked: an untracked file that is not a valid pointer is skipped


@pytest.mark.parametrize(
    ("paths", "named"),
    [(["a", "a/b"], "a"), (["a", "a-b", "a/b/c"], "a"), (["x/a", "x/a.txt", "x/a/c"], "x/a"),
     (["a/b", "a/./b"], "a/b"), (["b", "b"], "b")],
)  # fmt: skip
def test_manifest_with_duplicate_or_clashing_paths_is_refused(
    repo: Path, paths: list[str], named: str
) -> None:
    """issue 10 item 16a: a manifest listing a path twice, or a file and files inside it, is
    refused when parsed (one line naming the manifest and the path), before any write."""
    blob = _store(repo, b"hi\n")
    items = [{"digest": blob, "path": p, "size": 3} for p in paths]
    tree = _store(repo, json.dumps(items).encode(), ".dir")
    _pointer(repo, "data.gitml", "data", tree, nfiles=len(items))
    before = snapshot(repo)
    result = run_cli("checkout")
    assert result.code == 3, result
    assert result.err.count("\n") == 1 and "unexpected" not in result.err
    assert "manifest of data" in result.err and repr(named) in result.err
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("second", "lock"),
    [("data/a", False), ("data", False), ("data/a", True), ("data", True)],
)
def test_overlapping_outputs_are_refused(repo: Path, second: str, lock: bool) -> None:
    """issue 10 item 16a: pointers or gitml.lock stage outs that are the same path, or one
    inside another, are refused (exit 2) before checkout writes anything."""
    blob = _store(repo, b"hi\n")
    tree = _store(repo, json.dumps([{"digest": blob, "path": "a", "size": 3}]).encode(), ".dir")
    _pointer(repo, "data.gitml", "data", tree, nfiles=1)
    if lock:
        _lock_out(repo, second, blob)
    else:
        _pointer(repo, "other.gitml", second, blob)
    before = snapshot(repo)
    result = run_cli("checkout")
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and "data.gitml" in result.err
    assert snapshot(repo) == before


@pytest.mark.parametrize("where", ["pointer", "lock"])
@pytest.mark.parametrize("tail", ["\n", ".dir\n"])
def test_digest_with_trailing_newline_is_refused(repo: Path, where: str, tail: str) -> None:
    """issue 10 item 16b: a digest is exactly 32 hex digits (+ '.dir'): a trailing newline,
    which Python's `$` lets through a schema pattern, is refused with exit 2."""
    digest = _store(repo, b"hi\n") + tail
    if where == "pointer":
        _pointer(repo, "f.gitml", "f", digest)
    else:
        out = {"path": "f", "hash": "xxh3-128", "digest": digest, "size": 3}
        stages = {"s": {"cmd": "true", "outs": [out]}}
        write(repo / "gitml.lock", yaml.safe_dump({"schema": "1.0", "stages": stages}))
    before = snapshot(repo)
    result = run_cli("checkout")
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and "digest" in result.err
    assert snapshot(repo) == before


@pytest.mark.parametrize("oid", ["../../x", "ab/../../x", "0" * 32 + "\n", "0" * 31, "A" * 32])
def test_object_store_refuses_a_name_that_is_not_a_digest(tmp_path: Path, oid: str) -> None:
    """issue 10 item 16b: the object store turns only digests into paths (defence in depth
    under every caller), and lists only digest-named files."""
    store = ObjectStore(str(tmp_path / "cache"))
    with pytest.raises(UnsafePathError):
        store.path(oid)
    write(tmp_path / "cache" / "xxh3" / "ab" / "notes.txt", "stray")
    assert list(store.iter_oids()) == []


def test_untracked_file_named_gitml_does_not_stop_commands(repo: Path) -> None:
    """issue 10 item 16c: an untracked `*.gitml` file that is no pointer (text, binary data,
    not named for an existing file) is skipped with one warning line naming it; a tracked one,
    or an untracked bad pointer, is still an error (exit 2)."""
    write(repo / "data.csv", "1,2\n")
    assert run_cli("add", "data.csv").code == 0
    write(repo / "notes.gitml", "my own notes\n")
    for args in (["status"], ["checkout"], ["add", "data.csv"]):
        result = run_cli(*args)
        assert result.code == 0, (args, result)
        assert result.err == "warning: skipped untracked notes.gitml, not a valid pointer" + (
            " (notes.gitml:1: 'my own notes' is not of type 'object')\n"
        )
    write(repo / "sub" / "blob.gitml", b"\xff\xfe binary data")
    assert run_cli("status").code == 0
    write(repo / "bad.gitml", "outs: 5\n")
    result = run_cli("status")
    assert result.code == 2 and result.err.startswith("error: bad.gitml:1:"), result
    (repo / "bad.gitml").unlink()
    git(repo, "add", "notes.gitml")
    result = run_cli("status")
    assert result.code == 2 and result.err.startswith("error: notes.gitml:1:"), result


@pytest.mark.parametrize("lock", [False, True])
@pytest.mark.parametrize("target", ["data.gitml", "sub/.gitignore"])
def test_an_output_may_not_overwrite_a_pointer_or_gitignore(
    repo: Path, target: str, lock: bool
) -> None:
    """issue 10 item 1: a pointer out or a lock out named like a pointer file or a
    .gitignore (files gitml and Git read) is refused before checkout writes anything."""
    blob = _store(repo, b"hi\n")
    _pointer(repo, "data.gitml", "data", blob)
    if lock:
        _lock_out(repo, target, blob)
    else:
        _pointer(repo, "evil.gitml", target, blob)
    before = snapshot(repo)
    result = run_cli("checkout")
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and "may not be a pointer or a .gitignore" in result.err
    assert snapshot(repo) == before
