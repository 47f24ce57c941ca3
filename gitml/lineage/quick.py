"""A click-free `gitml lineage` (issue 16's speed goals): the plain command lines people
and scripts use (TARGET or --used-by, the format flags, --rev, the search scope) are read
here as click reads them and answered through lineage/show.py, as the full CLI answers
them. Anything else (`--help`, -q/-v, an option this does not know, a value that looks like
an option, `--`), an error, or a skipped pointer to warn about goes to the full CLI, which
says it as usual: `lineage` changes nothing but its own cache under .gitml/tmp."""

from __future__ import annotations

import sys
from collections.abc import Sequence

_FLAGS = {
    "--json": "as_json", "--md": "md", "--mermaid": "mermaid", "--openlineage": "openlineage",
    "--all-branches": "all_branches", "--all-tags": "all_tags", "-A": "all_commits",
    "--all-commits": "all_commits",
}
_VALUED = {"--rev": "rev", "--used-by": "used_by"}


def main(argv: Sequence[str]) -> int | None:
    """The exit code, or None: use the full CLI."""
    if list(argv[:1]) != ["lineage"]:
        return None
    parsed = _parse(list(argv[1:]))
    if parsed is None:
        return None
    target, opts = parsed
    try:
        text = _answer(target, opts)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")  # as the full CLI says it
        return 130
    except Exception:
        return None
    if text is None:
        return None
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except OSError:
        return None  # a closed pipe: the full CLI says it as usual
    return 0


def _parse(rest: list[str]) -> tuple[str | None, dict[str, str | bool]] | None:
    """(TARGET, options by parameter name), or None if this is not a plain command line."""
    target: str | None = None
    opts: dict[str, str | bool] = {}
    i = 0
    while i < len(rest):
        word = rest[i]
        name, eq, value = word.partition("=")
        if word in _FLAGS:
            opts[_FLAGS[word]] = True
        elif name in _VALUED and _VALUED[name] not in opts:
            if not eq:
                i += 1
                if i == len(rest):
                    return None
                value = rest[i]
            if not value or value.startswith("-"):
                return None
            opts[_VALUED[name]] = value
        elif word.startswith("-") or target is not None:
            return None  # an option this does not know, `--`, or a second argument
        else:
            target = word
        i += 1
    return target, opts


def _answer(target: str | None, opts: dict[str, str | bool]) -> str | None:
    from gitml.lineage.show import answer
    from gitml.repo import Repo, find_repo

    opened: list[Repo] = []

    def open_repo() -> Repo:
        opened.append(find_repo())
        return opened[-1]

    rev, used_by = opts.pop("rev", None), opts.pop("used_by", None)
    text = answer(
        open_repo, target, rev=rev if isinstance(rev, str) else None,
        used_by=used_by if isinstance(used_by, str) else None,
        **{k: bool(v) for k, v in opts.items()},
    )
    if any(repo.skipped for repo in opened):
        return None  # the full CLI warns about them
    return text
