"""The import pointer format (`deps: [{path, repo}]`, `frozen`): read, kept, refused when bad."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli, snapshot, write

SOURCE = """frozen: true
deps:
- path: data/a
  repo:
    url: ../registry
    rev: v1
    rev_lock: 0123456789abcdef0123456789abcdef01234567
"""


def test_import_source_is_kept_across_commit(repo: Path) -> None:
    """issue 17 item 2: an import pointer keeps `deps`/`frozen` when gitml rewrites it."""
    write(repo / "a", b"one\n")
    assert run_cli("add", "a").code == 0
    pointer = repo / "a.gitml"
    pointer.write_text(SOURCE + pointer.read_text())
    write(repo / "a", b"two\n")
    assert run_cli("commit", "-f", "a.gitml").code == 0
    text = pointer.read_text()
    assert text.startswith(SOURCE)
    assert "digest: " in text and run_cli("validate").code == 0


def test_bad_import_source_is_refused(repo: Path) -> None:
    """issue 17 item 2: a rev_lock that is not a commit id, a source path with `..`: exit 2."""
    write(repo / "a", b"one\n")
    assert run_cli("add", "a").code == 0
    pointer = repo / "a.gitml"
    body = pointer.read_text()
    for bad in (SOURCE.replace("0123456789abcdef0123", "xyz"), SOURCE.replace("data/a", "../a")):
        pointer.write_text(bad + body)
        before = snapshot(repo)
        result = run_cli("status")
        assert result.code == 2, result
        assert len(result.err.strip().splitlines()) == 1 and "a.gitml" in result.err
        assert snapshot(repo) == before
