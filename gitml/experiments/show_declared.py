"""Which files `exp show` and `exp diff` read at each commit: the metrics, params and plots
files the work tree's pipelines declare (every gitml.yaml, sub pipelines' too, as `metrics
diff` reads them), and the gitml.lock beside each pipeline.

Loading the pipelines imports and validates a lot (~40-60 ms). Without templating (no `vars`,
no `${...}` in any gitml.yaml) the answer depends only on the pipeline files' texts and on
whether params.yaml exists, so it is kept in the row cache under that key: a warm `exp show`
never loads the pipeline code.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

from gitml import scm
from gitml.constants import LOCK_FILE_NAME, PIPELINE_FILE
from gitml.experiments.show_rows import RowCache
from gitml.paths import is_private
from gitml.pipeline.params import DEFAULT_PARAMS
from gitml.record import dataclass
from gitml.repo import Repo

_LISTS = ("metrics", "params", "plots")


@dataclass(frozen=True)
class Declarations:
    metrics: tuple[str, ...]
    params: tuple[str, ...]  # params files
    plots: tuple[str, ...]
    locks: tuple[str, ...]  # the gitml.lock of each pipeline's folder

    @property
    def files(self) -> tuple[str, ...]:
        """Metrics and params files, each once."""
        return tuple(dict.fromkeys(self.metrics + self.params))


def declarations(repo: Repo, cache: RowCache) -> Declarations:
    texts = {rel: _text(repo, rel) for rel in _pipeline_files(repo)}
    locks = tuple(posixpath.join(posixpath.dirname(rel), LOCK_FILE_NAME) for rel in texts)
    key: list[Any] = [texts, os.path.exists(repo.abspath(DEFAULT_PARAMS))]
    simple = all("vars" not in t and "${" not in t for t in texts.values())
    known = cache.declared
    lists = [known.get(name) for name in _LISTS]
    if simple and known.get("key") == key and all(_strings(v) for v in lists):
        metrics, params, plots = (tuple(v or ()) for v in lists)
        return Declarations(metrics, params, plots, locks)
    from gitml.declared import declared

    decl = declared(repo)
    found = Declarations(
        decl.metrics,
        tuple(dict.fromkeys(ref.file for ref in decl.params)),
        tuple(p.path for p in decl.plots),
        locks,
    )
    if simple:
        cache.declared = {"key": key, **{name: getattr(found, name) for name in _LISTS}}
        cache.dirty = True
    return found


def _pipeline_files(repo: Repo) -> list[str]:
    """gitml.yaml at the root and in sub folders, tracked or not (not ignored by Git): a
    superset of the pipelines gitml loads, which is all a cache key needs."""
    out = scm.run(
        repo.root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
        PIPELINE_FILE, f"*/{PIPELINE_FILE}",
    )
    found = {p for p in out.decode("utf-8", "surrogateescape").split("\0") if p}
    return sorted(
        p for p in found
        if not is_private(p) and os.path.isfile(repo.abspath(p))
    )


def _text(repo: Repo, rel: str) -> str:
    try:
        with open(repo.abspath(rel), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
