"""`artifacts:` in gitml.yaml, DVC's keys (path, type, desc, labels, meta), and where an
artifact's bytes are at a commit."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from gitml import scm, used, yamlio
from gitml.constants import PIPELINE_FILE
from gitml.errors import BadInputError
from gitml.hashing import HashInfo
from gitml.registry import names
from gitml.repo import Repo


@dataclass(frozen=True)
class Declared:
    name: str
    path: str  # repo-relative POSIX
    type: str | None = None
    desc: str | None = None
    labels: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False)


def parse(data: Any, *, where: str = PIPELINE_FILE) -> dict[str, Declared]:
    """The `artifacts:` mapping (already schema-checked) -> Declared, names checked."""
    out: dict[str, Declared] = {}
    for name, item in (data or {}).items():
        try:
            names.check_artifact_name(name)
        except BadInputError as e:
            raise BadInputError(f"{where}: artifacts: {e.message}") from e
        path = str(item["path"]).replace(os.sep, "/").removeprefix("./")
        if not path or path.startswith(("/", "../")) or "/../" in path:
            raise BadInputError(f"{where}: artifacts: {name}: path '{path}' is outside the repo")
        out[name] = Declared(
            name,
            path,
            item.get("type"),
            item.get("desc"),
            tuple(item.get("labels") or ()),
            dict(item.get("meta") or {}),
        )
    return out


def declared_at(repo: Repo, sha: str | None) -> dict[str, Declared]:
    """The artifacts gitml.yaml declares at commit `sha` (None: in the workspace)."""
    if sha is None:
        path = os.path.join(repo.root, PIPELINE_FILE)
        if not os.path.exists(path):
            return {}
        with open(path, "rb") as f:
            raw: bytes | None = f.read()
        where = PIPELINE_FILE
    else:
        raw = scm.read_at(repo.root, sha, PIPELINE_FILE)
        where = f"{sha[:8]}:{PIPELINE_FILE}"
    if raw is None:
        return {}
    doc = yamlio.loads(raw, where=where, schema_name="pipeline", yaml12=True) or {}
    return parse(doc.get("artifacts"), where=where)


def find(repo: Repo, name: str, sha: str) -> Declared:
    """The declaration of `name` at `sha`, else in the workspace; BadInputError if none."""
    found = declared_at(repo, sha).get(name) or declared_at(repo, None).get(name)
    if found is None:
        raise BadInputError(
            f"artifact '{name}' is not declared in {PIPELINE_FILE}",
            hint=f"declare it: artifacts: {{{name}: {{path: model.pkl}}}}",
        )
    return found


def output_at(repo: Repo, art: Declared, sha: str) -> tuple[str, HashInfo]:
    """The tracked output holding the artifact at `sha`: its path and hash (a file, or a
    folder output); BadInputError when no stage out or tracked data is there."""
    outs = dict(used.outputs_at(repo, sha))
    if art.path in outs:
        return art.path, outs[art.path]
    raise BadInputError(
        f"artifact '{art.name}': {art.path} is not a stage out or tracked data at commit {sha[:8]}",
        hint="run the stage that makes it (gitml repro) or track it (gitml add), and commit",
    )
