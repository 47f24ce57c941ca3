"""`gitml drift PATH [A [B]]`: data drift between two versions of a tracked table (the work is
in gitml/monitor/, which needs the `drift` extra: pyarrow, scipy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.errors import BadInputError
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
