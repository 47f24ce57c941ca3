"""`.gitmlignore`: gitignore-syntax patterns, relative to the repository root."""

from __future__ import annotations

import os

from gitml.constants import IGNORE_FILE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class IgnoreRules:
    """Matches repo-relative POSIX paths; empty (and free) when there is no .gitmlignore."""

    def __init__(self, root: str) -> None:
        self._spec: Any = None
        path = os.path.join(root, IGNORE_FILE)
        try:
            with open(path, encoding="utf-8") as f:
                lines = [ln for ln in f.read().splitlines() if ln.strip()]
        except FileNotFoundError:
            return
        if any(not ln.lstrip().startswith("#") for ln in lines):
            import pathspec  # ~30 ms, only when there are patterns

            self._spec = pathspec.GitIgnoreSpec.from_lines(lines)

    def __bool__(self) -> bool:
        return self._spec is not None

    def ignored(self, rel: str, *, is_dir: bool) -> bool:
        if self._spec is None:
            return False
        return bool(self._spec.match_file(rel + "/" if is_dir else rel))
