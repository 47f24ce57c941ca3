"""`exp diff`: metric and param differences between two experiments or revisions, from the
same cached rows as `exp show` (DVC's defaults: A = HEAD, B = the workspace)."""

from __future__ import annotations

from gitml import metrics, scm
from gitml.errors import BadInputError
from gitml.experiments import refs, show_rows
from gitml.experiments.show_columns import flat
from gitml.experiments.show_declared import declarations
from gitml.experiments.show_rows import Row
from gitml.metrics import Row as DiffRow
from gitml.metrics import Values
from gitml.record import dataclass
from gitml.repo import Repo

WORKSPACE = "workspace"  # as revfiles.WORKSPACE (not imported: it loads the pipeline code)


@dataclass(frozen=True)
class ExpDiff:
    a: str  # as given (or HEAD / workspace)
    b: str
    metrics: tuple[DiffRow, ...]
    params: tuple[DiffRow, ...]


def resolve(repo: Repo, rev: str) -> str:
    """A Git revision first, else an experiment name (DVC's order); WORKSPACE stays."""
    if rev == WORKSPACE:
        return rev
    try:
        return scm.resolve(repo.root, rev)
    except BadInputError:
        pass
    try:
        head: str | None = scm.resolve(repo.root, "HEAD")
    except BadInputError:
        head = None
    try:
        return refs.find(repo.root, rev, head).sha
    except BadInputError as e:
        if "ambiguous" in e.message:
            raise
        raise BadInputError(
            f"unknown experiment or revision '{rev}'", hint="see 'gitml exp show'"
        ) from e


def diff(
    repo: Repo, a: str | None = None, b: str | None = None, *, all_rows: bool = False
) -> ExpDiff:
    a, b = a or "HEAD", b or WORKSPACE
    revs = [resolve(repo, a), resolve(repo, b)]
    cache = show_rows.RowCache(repo)
    decl = declarations(repo, cache)
    metric_files, param_files = decl.metrics, decl.params
    shas = [r for r in revs if r != WORKSPACE]
    rows, _ = show_rows.collect(repo, shas, decl.files, decl.locks, cache)
    cache.save()
    old, new = (
        show_rows.workspace_row(repo, decl.files, decl.locks) if r == WORKSPACE else rows[r]
        for r in revs
    )
    return ExpDiff(
        a, b,
        tuple(metrics.diff(_values(old, metric_files), _values(new, metric_files),
                           all_rows=all_rows)),
        tuple(metrics.diff(_values(old, param_files), _values(new, param_files),
                           all_rows=all_rows)),
    )


def _values(row: Row, files: tuple[str, ...]) -> dict[str, Values | None]:
    out: dict[str, Values | None] = {}
    for path in files:
        result = row["files"].get(path)
        if result is not None and "error" in result:
            raise BadInputError(result["error"]["msg"])
        out[path] = flat(result, path)
    return out
