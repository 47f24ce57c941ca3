"""issue 17 item 3: `gitml config` over .gitml/config.yaml and config.local.yaml."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import run_cli, snapshot, write

CONFIG = Path(".gitml") / "config.yaml"
LOCAL = Path(".gitml") / "config.local.yaml"


def _ok(*args: str) -> str:
    result = run_cli("config", *args)
    assert result.code == 0, result.err
    return result.out


def test_set_get_keeps_comments_and_order(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 3: `config remote.NAME.url`, `config core.remote` write the files
    `gitml remote` reads, keeping comments and key order; NAME alone prints the value."""
    write(repo / CONFIG, "# my comment\ncache:\n  type: copy  # keep copies\n")
    store = tmp_path / "store"
    _ok("remote.store.url", str(store))
    _ok("core.remote", "store")
    text = (repo / CONFIG).read_text()
    assert text.startswith("# my comment\ncache:\n  type: copy  # keep copies\n")
    assert text.index("remotes:") < text.index("core:")
    assert _ok("core.remote") == "store\n"
    assert _ok("remote.store.url") == f"{store}\n"
    assert _ok("cache.type") == "copy\n"
    assert run_cli("remote", "list").out == f"store\t{store}\t(default)\n"


def test_local_shadows_and_show_origin(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 3: --local writes config.local.yaml (0600 when new); a get answers from
    the local file first; --show-origin names the file."""
    _ok("remote.a.url", str(tmp_path / "a"))
    _ok("remote.b.url", str(tmp_path / "b"))
    _ok("core.remote", "a")
    _ok("--local", "core.remote", "b")
    assert stat.S_IMODE(os.stat(repo / LOCAL).st_mode) == 0o600
    assert _ok("core.remote") == "b\n"
    assert _ok("--show-origin", "core.remote") == ".gitml/config.local.yaml\tb\n"
    assert _ok("--project", "core.remote") == "a\n"
    assert run_cli("remote", "default").out == "b\n"


def test_list(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 3: -l lists `name=value` of the shared file, then the local one (DVC's
    level order); credentials and URL passwords show as ***."""
    _ok("remote.s3.url", "s3://bucket/x")
    _ok("remote.s3.jobs", "4")
    _ok("--local", "remote.s3.secret_access_key", "hush")
    _ok("--local", "remote.s3.endpointurl", "http://user:pw@127.0.0.1:9")
    _ok("registry.stages", "dev, prod")
    _ok("core.quiet", "yes")
    assert _ok("-l").splitlines() == [
        "remote.s3.url=s3://bucket/x",
        "remote.s3.jobs=4",
        "registry.stages=dev,prod",
        "core.quiet=true",
        "remote.s3.secret_access_key=***",
        "remote.s3.endpointurl=http://user:pw@127.0.0.1:9",
    ]
    origin = _ok("-l", "--show-origin").splitlines()
    assert origin[0] == ".gitml/config.yaml\tremote.s3.url=s3://bucket/x"
    assert origin[-1].startswith(".gitml/config.local.yaml\t")
    assert _ok("-l", "--local").splitlines()[0] == "remote.s3.secret_access_key=***"
    assert _ok("--local", "remote.s3.secret_access_key") == "hush\n"  # asked for by name


def test_typed_values(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 3: values take the schema's types: an integer, a boolean, a list."""
    _ok("remote.r.url", str(tmp_path / "r"))
    _ok("remote.r.jobs", "8")
    _ok("core.quiet", "false")
    _ok("registry.stages", "dev,staging,prod")
    _ok("cache.type", "reflink,copy")
    text = (repo / CONFIG).read_text()
    assert "jobs: 8\n" in text and "quiet: false\n" in text and "type: reflink,copy" in text
    assert "    - staging\n" in text


def test_unset(repo: Path, tmp_path: Path) -> None:
    """issue 17 item 3: -u removes the option; a section left empty goes too; unsetting
    what is not set in that file is bad input (exit 2), as in DVC."""
    _ok("core.quiet", "true")
    _ok("remote.r.url", str(tmp_path / "r"))
    _ok("remote.r.region", "eu")
    _ok("-u", "core.quiet")
    assert "core" not in (repo / CONFIG).read_text()
    _ok("-u", "remote.r.region")
    assert "region" not in (repo / CONFIG).read_text()
    assert run_cli("config", "core.quiet").code == 1  # not set: nothing printed, exit 1
    before = snapshot(repo)
    result = run_cli("config", "-u", "core.quiet")
    assert result.code == 2
    assert result.err == "error: 'core.quiet' is not set in .gitml/config.yaml\n"
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.x", "1"], "unknown config section 'nope'"),
        (["core.nope", "1"], "unknown option 'nope' in section 'core'"),
        (["core"], "invalid config name 'core'"),
        (["remote.r.colour", "red"], "unknown remote option 'colour'"),
        (["remote.r.region", "eu"], "unknown remote 'r'"),
        (["core.remote", "ghost"], "unknown remote 'ghost'"),
        (["remote.r.secret_access_key", "x"], "is a credential"),
        (["remote.r.url", "s3://u:p@bucket/x"], "contains a password"),
        (["remote.r.url", ".gitml/store"], "inside the repository's .gitml folder"),
        (["remote.r.jobs", "many"], "takes a whole number"),
        (["remote.ok.jobs", "0"], "minimum of 1"),
        (["core.quiet", "maybe"], "takes true or false"),
        (["cache.type", "teleport"], "'cache.type' takes link types"),
        (["-l", "core.remote"], "-l/--list can't be used together"),
        (["--show-origin", "core.remote", "x"], "--show-origin can't be used together"),
        (["-u", "core.remote", "x"], "takes a NAME only"),
        ([], "give a config NAME"),
    ],
)
def test_bad_input_writes_nothing(
    repo: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    """issue 17 item 3: an unknown section, option or remote, a credential for the tracked
    file, a bad value: one line, exit 2, nothing written."""
    _ok("remote.ok.url", str(tmp_path / "ok"))
    before = snapshot(repo)
    result = run_cli("config", *args)
    assert result.code == 2, result
    assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
    assert message in result.err
    assert snapshot(repo) == before


def test_a_bad_config_file_is_not_rewritten(repo: Path) -> None:
    """issue 17 item 3: a config file that is already invalid is reported, not rewritten."""
    write(repo / CONFIG, "core:\n  colour: red\n")
    before = snapshot(repo)
    result = run_cli("config", "core.quiet", "true")
    assert result.code == 2 and "colour" in result.err
    assert snapshot(repo) == before
