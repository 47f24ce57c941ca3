"""What `gitml lineage` prints, click-free: the full CLI (gitml/cli/lineage.py) and the quick
path (lineage/quick.py) both answer through `answer`, so they print the same text."""

from __future__ import annotations

import json
from collections.abc import Callable

from gitml.errors import BadInputError
from gitml.repo import Repo


def answer(
    open_repo: Callable[[], Repo],
    target: str | None,
    *,
    rev: str | None = None,
    as_json: bool = False,
    md: bool = False,
    mermaid: bool = False,
    openlineage: bool = False,
    used_by: str | None = None,
    all_branches: bool = False,
    all_tags: bool = False,
    all_commits: bool = False,
) -> str:
    """The text to print (without its last line break); BadInputError for bad options."""
    if sum((as_json, md, mermaid, openlineage)) > 1:
        raise BadInputError("give one of --json, --md, --mermaid, --openlineage")
    if used_by is not None:
        if target is not None:
            raise BadInputError("give TARGET or --used-by PATH, not both")
        return _used_by(open_repo(), used_by, as_json, all_branches, all_tags, all_commits)
    if target is None:
        raise BadInputError("give a TARGET (a path, stage or artifact) or --used-by PATH")
    if all_branches or all_tags or all_commits:
        raise BadInputError("--all-branches, --all-tags and -A go with --used-by")
    from gitml.commands.lineage import lineage as run
    from gitml.lineage import render

    lin = run(open_repo(), target, rev=rev)
    if as_json:
        return json.dumps(render.as_json(lin), indent=2)
    if md:
        return render.as_markdown(lin)
    if mermaid:
        return render.as_mermaid(lin)
    if openlineage:
        from gitml.lineage.openlineage import run_events

        return json.dumps(run_events(lin), indent=2)
    return render.as_text(lin)


def _used_by(
    repo: Repo, spec: str, as_json: bool, branches: bool, tags: bool, commits: bool
) -> str:
    from gitml.commands.lineage_used_by import used_by as run
    from gitml.lineage.usedby import as_text

    found = run(repo, spec, branches=branches, tags=tags, commits=commits)
    return json.dumps(found.as_json(), indent=2) if as_json else as_text(found)
