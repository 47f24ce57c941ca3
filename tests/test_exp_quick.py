"""issue 13 speed goal: `exp show` answered without click says exactly what the full CLI says,
and hands every command line it does not read exactly as click would over to it."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest

from gitml.cli import main as cli_main
from gitml.entry import main as entry_main
from gitml.experiments import quick
from tests.test_exp_show import exps  # noqa: F401  (the fixture: a baseline, three experiments)


def _both(args: list[str]) -> tuple[tuple[int | None, str], tuple[int, str]]:
    results = []
    for run in (quick.main, cli_main):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = run(list(args))
        results.append((code, out.getvalue()))
    return results[0], results[1]  # type: ignore[return-value]


@pytest.mark.parametrize(
    "rest",
    [
        [],
        ["--json"],
        ["--csv"],
        ["--md", "--only-changed"],
        ["--sort-by", "train.lr", "--sort-order", "desc", "--md"],
        ["--sort-by=metrics.json:accuracy", "--sort-order=asc", "--csv"],
        ["--precision", "2"],
        ["-n", "2", "--hide-workspace", "--json"],
        ["-a", "--md"],
        ["-A", "--csv"],
    ],
)
def test_quick_exp_show_says_what_the_full_cli_says(
    exps: dict[str, str], rest: list[str]  # noqa: F811
) -> None:
    """issue 13: the quick path answers these itself, with the full CLI's exact output."""
    (qcode, qout), (ccode, cout) = _both(["exp", "show", *rest])
    assert qcode == 0 and ccode == 0
    assert qout == cout and qout.strip()


@pytest.mark.parametrize(
    "rest",
    [
        ["--help"],
        ["--json", "--md"],
        ["--sort-by"],
        ["--sort-order", "up"],
        ["--precision", "17"],
        ["-n", "0"],
        ["-n5"],
        ["--sort-by", "nope"],
        ["--bogus"],
        ["extra"],
    ],
)
def test_lines_it_does_not_read_go_to_the_full_cli(
    exps: dict[str, str], rest: list[str]  # noqa: F811
) -> None:
    """issue 13: usage errors, unknown options and errors are the full CLI's to report."""
    assert quick.main(["exp", "show", *rest]) is None


def test_console_entry_uses_it_without_click(exps: dict[str, str]) -> None:  # noqa: F811
    """issue 13: through the console entry, `exp show --json` never imports click."""
    code = (
        "import sys; from gitml.entry import main; rc = main(['exp', 'show', '--json']);"
        "sys.stderr.write(str(rc) + ' ' + str('click' in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.strip().endswith("0 False"), proc.stderr
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert entry_main(["exp", "show", "--json"]) == 0
    assert out.getvalue() == proc.stdout
