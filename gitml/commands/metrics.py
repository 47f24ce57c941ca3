"""`gitml metrics show/diff` and `gitml params diff`: values at revisions, never checked out."""

from __future__ import annotations

from collections.abc import Sequence

from gitml import metrics
from gitml.declared import declared
from gitml.errors import BadInputError
from gitml.metrics import Row, Values
from gitml.pipeline.params import MISSING, lookup, parse_params
from gitml.record import dataclass
from gitml.repo import Repo
from gitml.revfiles import WORKSPACE, RevisionReader, preload
from gitml.tracked import rel_of


@dataclass(frozen=True)
class DiffResult:
    a: str
    b: str
    rows: tuple[Row, ...]


def metric_files(repo: Repo, paths: Sequence[str] = ()) -> list[str]:
    """Repo-relative metric files: `paths` (given relative to the current folder, like every
    other command's paths), else those gitml.yaml declares."""
    if paths:
        return [rel_of(repo, p) for p in paths]
    return list(declared(repo).metrics)


def _require_found(paths: Sequence[str], files: Sequence[str], found: dict[str, bool]) -> None:
    """Files the user named must exist at one of the revisions at least."""
    for path, rel in zip(paths, files, strict=True):
        if not found.get(rel):
            raise BadInputError(f"{path}: no such metrics file at any of the revisions")


def read_metrics(reader: RevisionReader, path: str) -> Values | None:
    """Flattened values of one metrics file (JSON or YAML); None when absent there."""
    raw = reader.read(path)
    if raw is None:
        return None
    data = metrics.parse_text(raw, f"{reader.rev}:{path}", path)
    return metrics.flatten(data) if data is not None else {}


def show(
    repo: Repo, revs: Sequence[str] = (), paths: Sequence[str] = ()
) -> dict[str, dict[str, Values]]:
    """{rev: {path: {metric: value}}}; a file absent at a revision is left out."""
    return show_named(repo, [(rev, rev) for rev in revs or [WORKSPACE]], paths)


def show_named(
    repo: Repo,
    revs: Sequence[tuple[str, str]],
    paths: Sequence[str] = (),
    *,
    resolved: bool = False,
) -> dict[str, dict[str, Values]]:
    """`show` of (label, revision) pairs: the values at each revision under its label
    (`resolved`: the revisions are commit shas, or `workspace`)."""
    files = metric_files(repo, paths)
    out: dict[str, dict[str, Values]] = {}
    seen: dict[str, bool] = {}
    readers = [
        (label, RevisionReader(repo, rev, sha=rev if resolved and rev != WORKSPACE else None))
        for label, rev in revs
    ]
    if len(readers) > 2:
        preload([r for _, r in readers], files)
    for label, reader in readers:
        found = {path: read_metrics(reader, path) for path in files}
        out[label] = {p: v for p, v in found.items() if v is not None}
        seen.update((p, True) for p in out[label])
    if paths:
        _require_found(paths, files, seen)
    return out


def metrics_diff(
    repo: Repo,
    a: str | None = None,
    b: str | None = None,
    *,
    paths: Sequence[str] = (),
    all_rows: bool = False,
) -> DiffResult:
    a, b = a or "HEAD", b or WORKSPACE
    files = metric_files(repo, paths)
    ra, rb = RevisionReader(repo, a), RevisionReader(repo, b)
    old = {p: read_metrics(ra, p) for p in files}
    new = {p: read_metrics(rb, p) for p in files}
    if paths:
        _require_found(paths, files, {p: old[p] is not None or new[p] is not None for p in files})
    return DiffResult(a, b, tuple(metrics.diff(old, new, all_rows=all_rows)))


def read_params(reader: RevisionReader, repo: Repo) -> dict[str, Values | None]:
    """Flattened values of every declared param, per params file."""
    out: dict[str, Values | None] = {}
    files: dict[str, object] = {}
    for ref in declared(repo).params:
        if ref.file not in files:
            raw = reader.read(ref.file)
            files[ref.file] = None if raw is None else parse_params(raw, f"{reader.rev}:{ref.file}")
        data = files[ref.file]
        if data is None:
            out.setdefault(ref.file, None)
            continue
        values = out.get(ref.file) or {}
        if ref.key is None:
            values.update(metrics.flatten(data))
        else:
            value = lookup(data, ref.key)
            if value is not MISSING:
                values.update(metrics.flatten(value, f"{ref.key}."))
        out[ref.file] = values
    return out


def params_diff(
    repo: Repo, a: str | None = None, b: str | None = None, *, all_rows: bool = False
) -> DiffResult:
    a, b = a or "HEAD", b or WORKSPACE
    old = read_params(RevisionReader(repo, a), repo)
    new = read_params(RevisionReader(repo, b), repo)
    return DiffResult(a, b, tuple(metrics.diff(old, new, all_rows=all_rows)))
