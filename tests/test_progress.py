"""Progress bars on a real terminal (a pseudo-terminal): totals, percentages, units."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import git, in_terminal, make_dir, run_cli


def test_bars_show_totals_and_units_on_a_terminal(repo: Path, tmp_path: Path) -> None:
    """issue 11 item 4: a total, a percentage and a time left where the total is known; units
    spelled out ('files', not '10496file'); nothing when not a terminal."""
    make_dir(repo / "data", 300)
    code, out = in_terminal(repo, "add", "data")
    assert code == 0, out
    assert re.search(r"Adding: +0%\|.*\| 0/300 \[00:00<", out), out
    assert re.search(r"\d+ files/s", out) and not re.search(r"\dfile", out), out
    assert run_cli("remote", "add", "-d", "store", str(tmp_path / "store")).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "data")
    code, out = in_terminal(repo, "push")
    assert code == 0, out
    assert re.search(r"Pushing: +0%\|.*\| 0/301 \[00:00<", out), out  # 300 files + manifest
    assert "objects/s" in out
    (repo / "data/part0/f0.bin").unlink()
    code, out = in_terminal(repo, "checkout")
    assert code == 0, out
    assert re.search(r"Checkout: +0%\|.*\| 0/1 \[", out), out
    quiet = subprocess.run(
        [sys.executable, "-m", "gitml", "push"], cwd=repo, capture_output=True, text=True
    )
    assert quiet.returncode == 0 and quiet.stderr == ""  # not a terminal: no bar
