"""`gitml drift PATH [A [B]]`: data drift between two versions of a tracked table (the work is
in gitml/monitor/, which needs the `drift` extra: pyarrow, scipy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitml.errors import BadInputError, GitmlError
from gitml.repo import Repo

if TYPE_CHECKING:
    from gitml.monitor.run import DriftResult, Options

EXTRA_HINT = "install the drift extra: pip install 'gitml[drift]'"


def missing_extra() -> str | None:
    """The name of a missing drift dependency, or None when the extra is installed."""
    import importlib.util

    for name in ("pyarrow", "scipy", "numpy"):
        if importlib.util.find_spec(name) is None:
            return name
    return None


def drift(
    repo: Repo, path: str, a: str | None, b: str | None, other: str | None, opts: Options
) -> DriftResult:
    from gitml import tracked
    from gitml.monitor import run

    lacking = missing_extra()
    if lacking is not None:
        raise BadInputError(f"gitml drift needs {lacking}", hint=EXTRA_HINT)
    rel = tracked.rel_of(repo, path)
    return run.drift(repo, rel, a, b, other, opts)


def write_html(result: DriftResult, repo: Repo, out: str) -> None:
    from gitml.monitor.page import write

    write(result, repo, out)


@dataclass(frozen=True)
class DriftSection:
    """`gitml report`'s drift section: one comparison per changed tracked table."""

    note: str | None  # why there is no comparison at all (the extra is not installed)
    results: tuple[DriftResult, ...]
    problems: tuple[tuple[str, str], ...]  # (path, why it was not compared)

    def to_json(self) -> dict[str, Any]:
        from gitml.monitor.report import finite

        return {
            "note": self.note,
            "tables": [finite(r.to_json()) for r in self.results],
            "not_compared": [{"path": p, "why": why} for p, why in self.problems],
        }

    def to_markdown(self) -> str:
        if self.note:
            return f"_{self.note}_"
        if not self.results and not self.problems:
            return "_No tracked table changed._"
        from gitml.monitor import report

        parts = [
            report.markdown(f"`{r.path}`", r.columns, r.verdict, level="####") for r in self.results
        ]
        parts += [f"- `{path}`: not compared: {why}" for path, why in self.problems]
        return "\n\n".join(parts)


def changed_tables(repo: Repo, base: str, paths: list[str]) -> DriftSection:
    """Drift of each tracked table (by suffix) in `paths` between `base` and the workspace."""
    from gitml.monitor.read import TABLE_SUFFIXES

    tables = [p for p in paths if p.lower().endswith(TABLE_SUFFIXES)]
    if not tables:
        return DriftSection(None, (), ())
    lacking = missing_extra()
    if lacking is not None:
        return DriftSection(
            f"Data drift not computed: {lacking} is missing ({EXTRA_HINT}).", (), ()
        )
    from gitml.monitor import run
    from gitml.revfiles import WORKSPACE

    results, problems = [], []
    for rel in tables:
        try:
            results.append(run.drift(repo, rel, base, WORKSPACE, None, run.Options()))
        except GitmlError as e:
            problems.append((rel, str(e)))
    return DriftSection(None, tuple(results), tuple(problems))
