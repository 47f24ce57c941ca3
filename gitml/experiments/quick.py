"""A click-free `gitml exp show` (issue 13's speed goal): the plain option lists people and
scripts use most are read here exactly as click reads them, and answered with the same
functions and rendering as gitml/cli/exp_show.py. Anything else (`--help`, an unknown or
malformed option, an error, a skipped pointer to warn about) goes to the full CLI, which
says it as usual: `exp show` changes nothing but its own row cache."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Literal

_FLAGS = {
    "--json": "json", "--csv": "csv", "--md": "md", "--only-changed": "only_changed",
    "--hide-workspace": "hide_workspace", "-a": "all_branches", "--all-branches": "all_branches",
    "-A": "all_commits", "--all-commits": "all_commits",
}
_VALUED = ("--sort-by", "--sort-order", "--precision", "-n", "--num")


def main(argv: Sequence[str]) -> int | None:
    """The exit code, or None: use the full CLI."""
    if list(argv[:2]) != ["exp", "show"]:
        return None
    opts = _parse(list(argv[2:]))
    if opts is None:
        return None
    try:
        text = _answer(opts)
    except Exception:
        return None
    if text is None:
        return None
    sys.stdout.write(text + "\n")
    return 0


def _parse(rest: list[str]) -> dict[str, object] | None:
    opts: dict[str, object] = {"sort_order": "asc", "num": 1, "precision": None}
    i = 0
    while i < len(rest):
        word = rest[i]
        name, eq, value = word.partition("=")
        if word in _FLAGS:
            opts[_FLAGS[word]] = True
        elif (name in _VALUED and word.startswith("--")) or word in _VALUED:
            if not eq:
                i += 1
                if i == len(rest):
                    return None
                value = rest[i]
            key = {"-n": "num", "--num": "num"}.get(name, name[2:].replace("-", "_"))
            opts[key] = value
        else:
            return None
        i += 1
    if sum(bool(opts.get(f)) for f in ("json", "csv", "md")) > 1:
        return None
    if opts["sort_order"] not in ("asc", "desc") or str(opts.get("sort_by", "x")).startswith("-"):
        return None
    try:
        opts["num"] = int(str(opts["num"]))
        if opts["precision"] is not None:
            opts["precision"] = int(str(opts["precision"]))
    except ValueError:
        return None
    precision = opts["precision"]
    if opts["num"] < 1 or (isinstance(precision, int) and not 0 <= precision <= 16):  # type: ignore[operator]
        return None
    return opts


def _answer(opts: dict[str, object]) -> str | None:
    from gitml.commands.exp_show import exp_show
    from gitml.experiments import show_render
    from gitml.repo import find_repo

    repo = find_repo()
    result = exp_show(
        repo, all_branches=bool(opts.get("all_branches")),
        all_commits=bool(opts.get("all_commits")), num=int(str(opts["num"])),
        hide_workspace=bool(opts.get("hide_workspace")),
        sort_by=str(opts["sort_by"]) if "sort_by" in opts else None,
        sort_order="desc" if opts["sort_order"] == "desc" else "asc",
    )
    if repo.skipped:
        return None  # the full CLI warns about them
    if opts.get("json"):
        return json.dumps(show_render.to_json(result))
    fmt: Literal["text", "md", "csv"] = (
        "csv" if opts.get("csv") else "md" if opts.get("md") else "text"
    )
    precision = opts["precision"]
    if precision is None and fmt != "csv":
        precision = 5
    return show_render.table(
        result, fmt=fmt, precision=precision if isinstance(precision, int) else None,
        only_changed=bool(opts.get("only_changed")),
    )
