"""SPEC section 7: each refusal exits 2 (or the documented code), says one line, changes nothing."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import Result, git, make_dir, run_cli, snapshot, write

from gitml.hashing import hash_bytes, hash_file
from gitml.odb import ObjectStore

DIGEST_A = "0123456789abcdef0123456789abcdef"


# --------------------------------------------------------------------------- helpers


def cache(repo: Path) -> ObjectStore:
    return ObjectStore(str(repo / ".gitml" / "cache"))


def store(repo: Path, data: bytes) -> str:
    """Put `data` in the repo's cache as a file object; returns its digest."""
    oid = hash_bytes(data)
    cache(repo).add_bytes(oid, data)
    return oid


def store_manifest(repo: Path, entries: list[dict[str, object]]) -> str:
    """Store a directory manifest object built by hand; returns its `.dir` digest."""
    items = sorted(entries, key=lambda e: str(e["path"]))
    raw = json.dumps(
        [{"digest": e["digest"], "path": e["path"], "size": e["size"]} for e in items],
        separators=(",", ":"),
    ).encode()
    oid = hash_bytes(raw) + ".dir"
    cache(repo).add_bytes(oid, raw)
    return oid


def pointer_yaml(path: str, digest: str, size: int, nfiles: int | None = None) -> str:
    text = (
        f"outs:\n- path: {json.dumps(path)}\n  hash: xxh3-128\n  digest: {digest}\n  size: {size}\n"
    )
    if nfiles is not None:
        text += f"  nfiles: {nfiles}\n"
    return text


def refused(result: Result, *words: str, code: int = 2) -> None:
    """Exit `code`, one error line on stderr (no traceback) mentioning every word."""
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in result.err, (word, result.err)


def no_temp_files(root: Path) -> list[str]:
    """Names of leftover temp files anywhere under `root` outside .git and the cache."""
    found = []
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "cache", "tmp")]
        found += [os.path.join(dirpath, n) for n in names if ".tmp" in n or "gitml-tmp" in n]
    return found


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the repository that gitml must never write to."""
    folder = tmp_path / "outside"
    folder.mkdir()
    write(folder / "secret.bin", b"outside secret")
    return folder


# --------------------------------------------------------------------------- unsafe pointers


@pytest.mark.parametrize(
    "args",
    [["status"], ["checkout"], ["checkout", "--force"]],
    ids=["status", "checkout", "checkout-force"],
)
def test_pointer_with_absolute_path_is_refused(repo: Path, outside: Path, args: list[str]) -> None:
    target = outside / "evil.bin"
    data = b"payload that must not land outside"
    write(repo / "evil.gitml", pointer_yaml(str(target), store(repo, data), len(data)))
    before, before_out = snapshot(repo), snapshot(outside)

    result = run_cli(*args)

    refused(result, "evil.gitml", str(target), "absolute")
    assert not target.exists()
    assert snapshot(repo) == before
    assert snapshot(outside) == before_out


@pytest.mark.parametrize(
    "args",
    [["status"], ["checkout"], ["checkout", "--force"]],
    ids=["status", "checkout", "checkout-force"],
)
@pytest.mark.parametrize("path", ["../outside/evil.bin", "sub/../../outside/evil.bin", ".."])
def test_pointer_with_dotdot_path_is_refused(
    repo: Path, outside: Path, args: list[str], path: str
) -> None:
    data = b"payload that must not land outside"
    write(repo / "evil.gitml", pointer_yaml(path, store(repo, data), len(data)))
    before, before_out = snapshot(repo), snapshot(outside)

    result = run_cli(*args)

    refused(result, "evil.gitml", path, "..")
    assert not (outside / "evil.bin").exists()
    assert snapshot(repo) == before
    assert snapshot(outside) == before_out


@pytest.mark.parametrize(
    "args",
    [["status"], ["checkout"], ["checkout", "--force"]],
    ids=["status", "checkout", "checkout-force"],
)
@pytest.mark.parametrize("exists_outside", [False, True], ids=["absent", "present"])
def test_pointer_through_symlinked_folder_is_refused(
    repo: Path, outside: Path, args: list[str], exists_outside: bool
) -> None:
    """`ext` is a symlink to a folder outside; a pointer naming `ext/evil.bin` is refused."""
    (repo / "ext").symlink_to(outside, target_is_directory=True)
    data = b"payload that must not land outside"
    if exists_outside:
        write(outside / "evil.bin", b"the user's own file outside the repo")
    write(repo / "escape.gitml", pointer_yaml("ext/evil.bin", store(repo, data), len(data)))
    before, before_out = snapshot(repo), snapshot(outside)

    result = run_cli(*args)

    refused(result, "evil.bin", "outside")
    assert snapshot(outside) == before_out
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    "args", [["checkout"], ["checkout", "--force"]], ids=["checkout", "checkout-force"]
)
def test_pointer_output_symlink_to_outside_file_is_not_written_through(
    repo: Path, outside: Path, args: list[str]
) -> None:
    """The output path itself is a symlink leading outside: never written through."""
    (repo / "model.bin").symlink_to(outside / "secret.bin")
    data = b"new model bytes"
    write(repo / "model.bin.gitml", pointer_yaml("model.bin", store(repo, data), len(data)))
    before_out = snapshot(outside)

    result = run_cli(*args)

    refused(result, "model.bin", "outside")
    assert snapshot(outside) == before_out
    assert (repo / "model.bin").is_symlink()


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        pytest.param(
            pointer_yaml("a.bin", DIGEST_A, 3) + "  colour: red\n",
            6,
            ["colour"],
            id="unknown-key-in-out",
        ),
        pytest.param(
            "# data pointer\n" + pointer_yaml("a.bin", DIGEST_A, 3) + "extra: 1\n",
            7,
            ["extra"],
            id="unknown-top-level-key",
        ),
        pytest.param(pointer_yaml("a.bin", "not-a-digest", 3), 4, ["digest"], id="bad-digest"),
        pytest.param(
            pointer_yaml("a.bin", DIGEST_A.upper(), 3), 4, ["digest"], id="uppercase-digest"
        ),
        pytest.param("desc: my data\n", 1, ["outs"], id="missing-outs"),
        pytest.param(
            "outs:\n- path: a.bin\n\thash: xxh3-128\n", 3, ["YAML"], id="invalid-yaml-tab"
        ),
        pytest.param(
            "outs:\n- path: a.bin\n  size: 3\n bad: 1\n", 4, ["YAML"], id="invalid-yaml-indent"
        ),
    ],
)
@pytest.mark.parametrize(
    "args", [["status"], ["checkout"], ["add", "b.bin"]], ids=["status", "checkout", "add-b.bin"]
)
def test_bad_pointer_file_reports_path_and_line(
    repo: Path, text: str, line: int, words: list[str], args: list[str]
) -> None:
    write(repo / "a.bin", b"abc")
    write(repo / "b.bin", b"another file to add")
    write(repo / "a.bin.gitml", text)
    before = snapshot(repo)

    result = run_cli(*args)

    refused(result, f"a.bin.gitml:{line}:", *words)
    assert snapshot(repo) == before


# --------------------------------------------------------------------------- unsafe manifests


@pytest.mark.parametrize("bad_path", ["../../outside/evil.bin", "/ABS/evil.bin", "ok/../../x"])
@pytest.mark.parametrize("force", [False, True])
def test_manifest_with_unsafe_entry_is_refused(
    repo: Path, outside: Path, bad_path: str, force: bool
) -> None:
    bad_path = bad_path.replace("/ABS", str(outside))
    evil, good = b"evil bytes", b"good bytes"
    entries: list[dict[str, object]] = [
        {"path": bad_path, "digest": store(repo, evil), "size": len(evil)},
        {"path": "good.bin", "digest": store(repo, good), "size": len(good)},
    ]
    oid = store_manifest(repo, entries)
    write(repo / "data.gitml", pointer_yaml("data", oid, len(evil) + len(good), nfiles=2))
    before, before_out = snapshot(repo), snapshot(outside)

    result = run_cli("checkout", *(["--force"] if force else []))

    refused(result, bad_path)
    assert "manifest" in result.err
    assert not (repo / "data").exists()
    assert snapshot(repo) == before
    assert snapshot(outside) == before_out


# --------------------------------------------------------------------------- gitml add


def test_add_path_outside_repo(repo: Path, outside: Path) -> None:
    before, before_out = snapshot(repo), snapshot(outside)
    result = run_cli("add", "../outside/secret.bin")
    refused(result, "secret.bin", "outside")
    assert snapshot(repo) == before
    assert snapshot(outside) == before_out


def test_add_absolute_path_outside_repo(repo: Path, outside: Path) -> None:
    before = snapshot(repo)
    result = run_cli("add", str(outside / "secret.bin"))
    refused(result, "secret.bin", "outside")
    assert snapshot(repo) == before


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_add_symlink_resolving_outside(repo: Path, outside: Path, kind: str) -> None:
    target = outside / "secret.bin" if kind == "file" else outside
    (repo / "link").symlink_to(target)
    before, before_out = snapshot(repo), snapshot(outside)
    result = run_cli("add", "link")
    refused(result, "link", "outside")
    assert snapshot(repo) == before
    assert snapshot(outside) == before_out
    assert not (repo / "link.gitml").exists()


@pytest.mark.parametrize("kind", ["file", "folder", "nested-file"])
def test_add_directory_containing_escaping_symlink(repo: Path, outside: Path, kind: str) -> None:
    make_dir(repo / "data", 20)
    if kind == "file":
        (repo / "data" / "leak.bin").symlink_to(outside / "secret.bin")
    elif kind == "folder":
        (repo / "data" / "leak").symlink_to(outside)
    else:
        (repo / "data" / "part1" / "deep" / "leak.bin").parent.mkdir()
        (repo / "data" / "part1" / "deep" / "leak.bin").symlink_to(outside / "secret.bin")
    before, before_out = snapshot(repo), snapshot(outside)
    result = run_cli("add", "data")
    refused(result, "leak", "outside")
    assert snapshot(repo) == before  # not even the safe files' objects were cached
    assert snapshot(outside) == before_out


@pytest.mark.parametrize(
    "path", [".git/config", ".git", ".git/objects", ".gitml/config.yaml", ".gitml", ".gitml/cache"]
)
def test_add_inside_git_or_gitml_dir(repo: Path, path: str) -> None:
    before = snapshot(repo)
    result = run_cli("add", path)
    refused(result, path.split("/")[0])
    assert snapshot(repo) == before


def test_add_inside_git_dir_from_subfolder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "sub" / "x.txt", "x")
    monkeypatch.chdir(repo / "sub")
    before = snapshot(repo)
    result = run_cli("add", "../.git/HEAD")
    refused(result, ".git")
    assert snapshot(repo) == before


def test_add_pointer_file(repo: Path) -> None:
    write(repo / "a.bin", b"data")
    assert run_cli("add", "a.bin").code == 0
    before = snapshot(repo)
    result = run_cli("add", "a.bin.gitml")
    refused(result, "a.bin.gitml", "pointer")
    assert snapshot(repo) == before
    assert not (repo / "a.bin.gitml.gitml").exists()


def test_add_missing_path(repo: Path) -> None:
    before = snapshot(repo)
    result = run_cli("add", "nope.bin")
    refused(result, "nope.bin")
    assert snapshot(repo) == before


def test_add_checks_every_path_before_writing_anything(repo: Path) -> None:
    write(repo / "good.bin", b"good data" * 100)
    before = snapshot(repo)
    result = run_cli("add", "good.bin", "nope.bin")
    refused(result, "nope.bin")
    assert snapshot(repo) == before
    assert not (repo / "good.bin.gitml").exists()


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_add_path_tracked_by_git(repo: Path, kind: str) -> None:
    if kind == "file":
        write(repo / "code.py", "print('hi')\n")
        path = "code.py"
    else:
        write(repo / "src" / "main.py", "print('hi')\n")
        path = "src"
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "code")
    before = snapshot(repo)
    result = run_cli("add", path)
    refused(result, path, "Git")
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("tracked", "path"),
    [
        ("data", "data/part1/f1.bin"),
        ("data", "data/part1"),
        ("data/part1", "data"),
        ("data/part1/f1.bin", "data"),
    ],
)
def test_add_overlapping_tracked_output(repo: Path, tracked: str, path: str) -> None:
    make_dir(repo / "data", 9)
    assert run_cli("add", tracked).code == 0
    before = snapshot(repo)
    result = run_cli("add", path)
    refused(result, path, tracked)
    assert snapshot(repo) == before


# --------------------------------------------------------------------------- corrupt objects


def corrupt(repo: Path, oid: str) -> Path:
    obj = Path(cache(repo).path(oid))
    obj.chmod(obj.stat().st_mode | stat.S_IWUSR)
    raw = bytearray(obj.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # same size, one byte flipped
    obj.write_bytes(bytes(raw))
    obj.chmod(0o444)
    return obj


@pytest.mark.parametrize("kind", ["file", "dir"])
@pytest.mark.parametrize("cache_type", [None, "hardlink", "symlink"])
def test_corrupt_object_is_never_checked_out_and_fsck_quarantines_it(
    repo: Path, kind: str, cache_type: str | None
) -> None:
    if cache_type:
        write(repo / ".gitml" / "config.yaml", f"cache:\n  type: {cache_type}\n")
    payload = os.urandom(200_000)
    if kind == "file":
        write(repo / "model.bin", payload)
        assert run_cli("add", "model.bin").code == 0
        victim = repo / "model.bin"
    else:
        make_dir(repo / "data", 12)
        write(repo / "data" / "model.bin", payload)
        assert run_cli("add", "data").code == 0
        victim = repo / "data" / "model.bin"
    oid = hash_bytes(payload)
    obj = corrupt(repo, oid)
    victim.unlink()

    result = run_cli("checkout")

    assert result.code != 0, result
    assert oid in result.err
    assert "Traceback" not in result.err
    assert not victim.exists() and not victim.is_symlink(), "corrupt bytes were placed"
    assert no_temp_files(repo) == []

    fsck = run_cli("fsck")
    assert fsck.code == 1, fsck
    assert oid in fsck.err
    assert not obj.exists()
    assert any(oid in p.name for p in (repo / ".gitml" / "cache").rglob("*") if p.is_file())

    again = run_cli("fsck")
    assert again.code == 0, again
    assert oid not in again.err


def test_fsck_reports_corrupt_manifest(repo: Path) -> None:
    make_dir(repo / "data", 6)
    assert run_cli("add", "data").code == 0
    manifests = [p for p in (repo / ".gitml" / "cache" / "xxh3").rglob("*.dir")]
    assert len(manifests) == 1
    obj = manifests[0]
    oid = obj.parent.name + obj.name
    corrupt(repo, oid)
    fsck = run_cli("fsck")
    assert fsck.code == 1, fsck
    assert oid in fsck.err
    assert not obj.exists()


def test_fsck_clean_cache_exits_zero(repo: Path) -> None:
    make_dir(repo / "data", 6)
    assert run_cli("add", "data").code == 0
    before = snapshot(repo)
    result = run_cli("fsck")
    assert result.code == 0, result
    assert snapshot(repo) == before
    for obj in (repo / ".gitml" / "cache" / "xxh3").rglob("*"):
        if obj.is_file():
            assert hash_file(obj)[0] == (obj.parent.name + obj.name).removesuffix(".dir")


# --------------------------------------------------------------------------- local changes


@pytest.fixture
def committed(repo: Path) -> Path:
    """a.bin and data/ added and committed."""
    write(repo / "a.bin", b"version one of a")
    make_dir(repo / "data", 12)
    assert run_cli("add", "a.bin", "data").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    return repo


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ("modify", "a.bin"),
        ("modify", "data/part1/f1.bin"),
        ("create", "data/notes.txt"),
        ("create", "data/part2/new/deep.txt"),
    ],
)
def test_checkout_keeps_local_change_not_in_cache(committed: Path, change: str, path: str) -> None:
    repo = committed
    target = repo / path
    mine = b"my precious unsaved edit, longer than the original"
    if target.exists():
        target.chmod(0o644)
    write(target, mine)
    before = snapshot(repo)

    result = run_cli("checkout")

    refused(result, path, "--force")
    assert target.read_bytes() == mine
    assert snapshot(repo) == before

    forced = run_cli("checkout", "--force")
    assert forced.code == 0, forced
    if change == "create":
        assert not target.exists()
    else:
        assert target.read_bytes() != mine
    status = run_cli("status", "--check")
    assert status.code == 0, status


def test_checkout_replaces_a_file_whose_bytes_are_in_the_cache(committed: Path) -> None:
    """The counterpart: a change that is restorable from the cache is not a conflict."""
    repo = committed
    (repo / "a.bin").chmod(0o644)
    write(repo / "a.bin", b"version two of a, also added")
    assert run_cli("add", "a.bin").code == 0
    git(repo, "checkout", "-q", "--", "a.bin.gitml")  # the pointer says version one again
    result = run_cli("checkout")
    assert result.code == 0, result
    assert (repo / "a.bin").read_bytes() == b"version one of a"


def test_checkout_target_with_local_change_elsewhere(committed: Path) -> None:
    """A targeted checkout does not refuse because of changes outside its targets."""
    repo = committed
    (repo / "a.bin").chmod(0o644)
    write(repo / "a.bin", b"unsaved edit")
    (repo / "data" / "part0" / "f0.bin").unlink()
    result = run_cli("checkout", "data")
    assert result.code == 0, result
    assert (repo / "data" / "part0" / "f0.bin").exists()
    assert (repo / "a.bin").read_bytes() == b"unsaved edit"


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("name", "text", "line", "words"),
    [
        pytest.param(
            "config.yaml",
            "# cfg\ncore:\n  remote: origin\ncolour: red\n",
            4,
            ["colour"],
            id="unknown-top-key",
        ),
        pytest.param(
            "config.yaml",
            "core:\n  remote: origin\n  colour: red\n",
            3,
            ["colour"],
            id="unknown-nested-key",
        ),
        pytest.param(
            "config.yaml",
            "core:\n  remote: origin\ncache:\n  type: quantum\n",
            4,
            ["type"],
            id="bad-cache-type",
        ),
        pytest.param(
            "config.yaml",
            "cache:\n  type: reflink,teleport\n",
            2,
            ["type"],
            id="bad-cache-type-list",
        ),
        pytest.param(
            "config.local.yaml",
            "cache:\n  type: copy\n  speed: 9\n",
            3,
            ["speed"],
            id="local-unknown-key",
        ),
        pytest.param(
            "config.yaml",
            "core:\n  remote: [a\n",
            3,
            ["YAML"],
            id="invalid-yaml",
        ),
    ],
)
@pytest.mark.parametrize(
    "args",
    [["add", "new.bin"], ["checkout"], ["status"]],
    ids=["add-new.bin", "checkout", "status"],
)
def test_bad_config_reports_path_and_line(
    repo: Path, name: str, text: str, line: int, words: list[str], args: list[str]
) -> None:
    write(repo / "a.bin", b"tracked")
    assert run_cli("add", "a.bin").code == 0
    (repo / "a.bin").unlink()  # checkout has work to do
    write(repo / "new.bin", b"new data")
    write(repo / ".gitml" / name, text)
    before = snapshot(repo)

    result = run_cli(*args)

    refused(result, f"{name}:{line}:", *words)
    assert snapshot(repo) == before
