"""issue 17 item 3: `gitml move SRC DST` and `gitml remove TARGET... [--outs]`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import git, run_cli, snapshot, write

from gitml import yamlio

PIPELINE = """\
# the pipeline
stages:
  # prepares
  prep:
    cmd: cp raw.csv prep.out
    deps: [raw.csv]
    outs: [prep.out]
  train:
    cmd: cp prep.out model.out  # trains
    deps: [prep.out]
    outs: [model.out]
"""


def _ok(*args: str) -> str:
    result = run_cli(*args)
    assert result.code == 0, result.err
    return result.out


def _added(repo: Path) -> None:
    write(repo / "data" / "a.csv", "a,b\n1,2\n")
    write(repo / "images" / "x" / "1.png", "png1")
    write(repo / "images" / "2.png", "png2")
    _ok("add", "data/a.csv", "images")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")


def _clean(repo: Path) -> None:
    assert run_cli("status").out.strip() == "Data and pipelines are up to date."


def test_move_file_with_pointer_and_gitignore(repo: Path) -> None:
    """issue 17 item 3: move renames the data and its pointer (annotations kept), takes the
    entry out of the old folder's .gitignore (which goes when empty) and adds it to the new
    one; status is clean, checkout restores the same bytes at the new path."""
    _added(repo)
    pointer = repo / "data" / "a.csv.gitml"
    pointer.write_text("desc: my table\n" + pointer.read_text().replace(
        "  size: 8\n", "  size: 8\n  type: table\n"))  # fmt: skip
    out = _ok("move", "data/a.csv", "tables/b.csv")
    assert "Moved data/a.csv to tables/b.csv" in out
    assert "git add data/a.csv.gitml tables/b.csv.gitml data/.gitignore tables/.gitignore" in out
    assert not (repo / "data" / "a.csv").exists() and not pointer.exists()
    assert not (repo / "data" / ".gitignore").exists()
    assert (repo / "tables" / ".gitignore").read_text() == "/b.csv\n"
    moved = yamlio.load_file(str(repo / "tables" / "b.csv.gitml"), where="p")
    assert moved["desc"] == "my table"
    assert moved["outs"][0]["path"] == "b.csv" and moved["outs"][0]["type"] == "table"
    _clean(repo)
    os.unlink(repo / "tables" / "b.csv")
    _ok("checkout")
    assert (repo / "tables" / "b.csv").read_text() == "a,b\n1,2\n"
    assert git(repo, "status", "--porcelain", "--", "tables") == "?? tables/\n"


def test_move_into_existing_folder_and_a_tracked_folder(repo: Path) -> None:
    """issue 17 item 3: DST an existing folder means DST/NAME (as mv and DVC); a tracked
    folder moves whole."""
    _added(repo)
    (repo / "archive").mkdir()
    _ok("move", "images", "archive")
    assert (repo / "archive" / "images" / "x" / "1.png").read_text() == "png1"
    assert (repo / "archive" / "images.gitml").exists() and not (repo / "images.gitml").exists()
    assert not (repo / ".gitignore").exists()  # its only line is gone
    assert (repo / "archive" / ".gitignore").read_text() == "/images\n"
    _ok("move", "data/a.csv.gitml", "archive")  # the pointer's path names its data too
    assert (repo / "archive" / "a.csv").exists()
    _clean(repo)


def test_move_data_not_checked_out(repo: Path) -> None:
    """issue 17 item 3: data that is not in the workspace moves as its pointer alone."""
    _added(repo)
    os.unlink(repo / "data" / "a.csv")
    _ok("move", "data/a.csv", "b.csv")
    assert (repo / "b.csv.gitml").exists() and not (repo / "b.csv").exists()
    _ok("checkout")
    assert (repo / "b.csv").read_text() == "a,b\n1,2\n"


@pytest.mark.parametrize(
    ("src", "dst", "message"),
    [
        ("prep.out", "p2.out", "is an output of stage 'prep'; move is only for data added"),
        ("data/a.csv", "images/2.png", "already exists"),
        ("data/a.csv", "images/new.csv", "overlaps images, which is already tracked"),
        ("data/a.csv", "model.out", "overlaps an output of stage 'train'"),
        ("images/2.png", "two.png", "is inside images, which is tracked as a whole"),
        ("raw.csv", "raw2.csv", "raw.csv: not tracked by gitml"),
        ("images", "images/sub", "cannot move images into itself"),
        ("data/a.csv", "data/a.csv", "is where data/a.csv already is"),
        ("data/a.csv", "gitml.yaml/x", "gitml.yaml/x"),
        ("data/a.csv", "../outside", "resolves outside the repository"),
        ("data/a.csv", ".gitml/x", "resolves into .git or .gitml"),
    ],
)
def test_move_bad_input_changes_nothing(repo: Path, src: str, dst: str, message: str) -> None:
    """issue 17 item 3: a stage out (refused as DVC refuses), an existing or overlapping
    DST, an untracked SRC, ...: one line, exit 2, nothing changed."""
    _added(repo)
    write(repo / "raw.csv", "r\n")
    write(repo / "gitml.yaml", PIPELINE)
    _ok("repro")
    os.unlink(repo / "model.out")  # a stage out need not exist to be one
    before = snapshot(repo)
    result = run_cli("move", src, dst)
    assert result.code == 2, result
    assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
    assert message in result.err
    assert snapshot(repo) == before


def test_move_rolls_back_a_failed_step(repo: Path) -> None:
    """issue 17 item 3: when a late step fails (the new folder's .gitignore is a folder, so
    it cannot be written), the data, the pointer and the old .gitignore are put back: exit 3,
    one line, nothing changed."""
    _added(repo)
    (repo / "dest" / ".gitignore").mkdir(parents=True)
    before = snapshot(repo)
    result = run_cli("move", "data/a.csv", "dest/a.csv")
    assert result.code == 3, result
    assert result.err.startswith("error: ") and result.err.count("\n") == 1
    assert snapshot(repo) == before
    _clean(repo)


def test_remove_pointer_keeps_data_unprotected(repo: Path) -> None:
    """issue 17 item 3: remove POINTER takes the pointer and its .gitignore entry away; the
    data stays, as a plain file of its own (a hardlink into the cache becomes a copy); the
    data's path works as a target too."""
    _ok("config", "cache.type", "hardlink")
    _added(repo)
    data = repo / "data" / "a.csv"
    assert os.stat(data).st_nlink == 2
    out = _ok("remove", "data/a.csv.gitml", "images")
    assert "Removed data/a.csv.gitml" in out and "Removed images.gitml" in out
    assert not (repo / "data" / "a.csv.gitml").exists() and not (repo / "images.gitml").exists()
    assert os.stat(data).st_nlink == 1 and data.read_text() == "a,b\n1,2\n"
    assert os.stat(repo / "images" / "x" / "1.png").st_nlink == 1
    assert not (repo / "data" / ".gitignore").exists()
    assert not (repo / ".gitignore").exists()
    data.write_text("edited")  # writable, and the cache is untouched
    assert _ok("fsck").endswith(", 0 corrupt\n")


def test_remove_pointer_outs_deletes_data(repo: Path) -> None:
    """issue 17 item 3: --outs also deletes the data (the cache keeps it)."""
    _added(repo)
    out = _ok("remove", "--outs", "images.gitml")
    assert "Deleted images" in out
    assert not (repo / "images").exists() and not (repo / "images.gitml").exists()
    git(repo, "checkout", "--", "images.gitml")
    _ok("checkout")
    assert (repo / "images" / "x" / "1.png").read_text() == "png1"


def test_remove_stage_keeps_comments_and_lock(repo: Path) -> None:
    """issue 17 item 3: remove STAGE takes its definition out of gitml.yaml (comments of the
    rest kept) and its entry out of gitml.lock and .gitignore; its outs stay unless --outs;
    the last stage leaves no empty files behind."""
    write(repo / "raw.csv", "r\n")
    write(repo / "gitml.yaml", PIPELINE)
    _ok("repro")
    _ok("remove", "train")
    text = (repo / "gitml.yaml").read_text()
    assert text.startswith("# the pipeline\nstages:\n  # prepares\n  prep:\n")
    assert "train" not in text
    lock = yamlio.load_file(str(repo / "gitml.lock"), where="gitml.lock")
    assert list(lock["stages"]) == ["prep"]
    assert (repo / "model.out").exists()
    assert "/model.out" not in (repo / ".gitignore").read_text()
    _clean(repo)
    out = _ok("remove", "--outs", "gitml.yaml:prep")
    assert "Removed stage 'prep'" in out and "Deleted prep.out" in out
    assert not (repo / "prep.out").exists()
    assert not (repo / "gitml.lock").exists() and not (repo / "gitml.yaml").exists()
    assert not (repo / ".gitignore").exists()


def test_remove_sub_pipeline_stage(repo: Path) -> None:
    """issue 17 item 3: `sub/gitml.yaml:NAME` removes a sub pipeline's stage."""
    write(repo / "sub" / "in.txt", "i\n")
    write(repo / "sub" / "gitml.yaml", "stages:\n  a:\n    cmd: cp in.txt a.out\n"
          "    deps: [in.txt]\n    outs: [a.out]\n  b:\n    cmd: 'true'\n")  # fmt: skip
    _ok("repro", "-P")
    _ok("remove", "sub/gitml.yaml:a")
    assert yamlio.load_file(str(repo / "sub" / "gitml.yaml"), where="x") == {
        "stages": {"b": {"cmd": "true"}}
    }
    lock = yamlio.load_file(str(repo / "sub" / "gitml.lock"), where="lock")
    assert list(lock["stages"]) == ["b"]


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (["nothing"], "nothing: neither a pointer file nor a stage"),
        (["data/a.csv.gitml", "ghost"], "ghost: neither a pointer file nor a stage"),
        (["gen@a"], "is generated by foreach/matrix 'gen'"),
        (["nofile/gitml.yaml:x"], "is no pipeline file"),
    ],
)
def test_remove_bad_input_changes_nothing(repo: Path, targets: list[str], message: str) -> None:
    """issue 17 item 3: an unknown target (even after good ones), a generated stage: one
    line, exit 2, nothing changed."""
    _added(repo)
    write(repo / "gitml.yaml", "stages:\n  gen:\n    foreach: [a, b]\n    do:\n"
          "      cmd: echo ${item}\n")  # fmt: skip
    before = snapshot(repo)
    result = run_cli("remove", *targets)
    assert result.code == 2, result
    assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
    assert message in result.err
    assert snapshot(repo) == before


def test_remove_rolls_back_a_failed_step(repo: Path) -> None:
    """issue 17 item 3: a step failing after others (a stage out's .gitignore is a folder)
    puts back the pointer, the data --outs had set aside, gitml.yaml and gitml.lock: exit 3,
    nothing changed."""
    _added(repo)
    write(repo / "raw.csv", "r\n")
    write(repo / "gitml.yaml", "stages:\n  s:\n    cmd: mkdir -p o && cp raw.csv o/x\n"
          "    deps: [raw.csv]\n    outs: [o/x]\n")  # fmt: skip
    _ok("repro")
    (repo / "o" / ".gitignore").unlink()
    (repo / "o" / ".gitignore").mkdir()
    before = snapshot(repo)
    result = run_cli("remove", "--outs", "data/a.csv", "s")
    assert result.code == 3, result
    assert result.err.startswith("error: ") and result.err.count("\n") == 1
    assert snapshot(repo) == before
