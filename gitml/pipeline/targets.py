"""Stage targets, read as DVC reads them (dvc/utils `parse_target`, dvc/repo/stage.py):

- `sub/gitml.yaml:train` (`:train@x` for one generated stage): a stage of that pipeline file,
  a path relative to the current folder (DVC) or, failing that, to the repository root (so
  the addresses gitml prints work from any folder);
- `sub/gitml.yaml`: every stage of that file;
- `train`: a stage of the current folder's gitml.yaml (DVC), or of the nearest one above it;
  a foreach/matrix name (`train`) takes all the stages it generates (`train@a`, ...).

Anything else is not a stage target (a path, for the command to resolve).
"""

from __future__ import annotations

import os
import posixpath

from gitml.constants import LOCK_FILE_NAME, PIPELINE_FILE
from gitml.errors import BadInputError
from gitml.paths import to_posix_rel
from gitml.pipeline.dag import Dag
from gitml.repo import Repo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from gitml.tracked import Listing


def _here(repo: Repo) -> str:
    """The current folder, repo-relative ('' at the root, '..' outside)."""
    rel = to_posix_rel(repo.root, os.path.abspath(os.getcwd()))
    return "" if rel == "." else rel


def home_file(repo: Repo, dag: Dag) -> str | None:
    """The pipeline file that bare stage names and a target-less `repro` mean: the current
    folder's gitml.yaml, else the nearest one above it."""
    folder = _here(repo)
    if folder == ".." or folder.startswith("../"):
        folder = ""
    while True:
        candidate = posixpath.join(folder, PIPELINE_FILE)
        if candidate in dag.files:
            return candidate
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def _file_of(repo: Repo, dag: Dag, path: str) -> str | None:
    """The pipeline file `path` names: relative to the current folder, else to the root."""
    here = posixpath.normpath(posixpath.join(_here(repo), path.replace(os.sep, "/")))
    for rel in (here, posixpath.normpath(path)):
        if rel in dag.files:
            return rel
    return None


def _match(dag: Dag, file: str, name: str) -> list[str]:
    return [
        n
        for n in dag.in_file(file)
        if dag.stages[n].local_name == name or dag.stages[n].local_name.split("@", 1)[0] == name
    ]


def stages_of(repo: Repo, dag: Dag, target: str) -> list[str] | None:
    """The stages (addresses, file order) `target` names, or None if it names none."""
    group, at, key = target.partition("@")
    path, colon, name = group.rpartition(":")
    if colon and name and "/" not in name and "\\" not in name:
        file = _named_file(repo, dag, path, target) if path else home_file(repo, dag)
        if file is None:
            return None
        name += at + key
        hits = _match(dag, file, name)
        if not hits:
            raise BadInputError(f"unknown stage '{name}' in {file}", hint="see 'gitml dag'")
        return hits
    if not at and posixpath.basename(group.replace(os.sep, "/")) == PIPELINE_FILE:
        file = _file_of(repo, dag, group)
        if file is None:
            raise BadInputError(f"{target}: no such pipeline file in this project")
        return dag.in_file(file)
    home = home_file(repo, dag)
    hits = _match(dag, home, target) if home is not None else []
    return hits or None


def _named_file(repo: Repo, dag: Dag, path: str, target: str) -> str | None:
    base = posixpath.basename(path.replace(os.sep, "/"))
    if base == LOCK_FILE_NAME:
        fixed = target.replace(LOCK_FILE_NAME, PIPELINE_FILE, 1)
        raise BadInputError(f"{target}: a lock file names no stage; did you mean '{fixed}'?")
    if base == PIPELINE_FILE:
        file = _file_of(repo, dag, path)
        if file is None:
            raise BadInputError(f"{target}: {path} is no pipeline file of this project")
        return file
    if os.path.isdir(path):
        fixed = f"{posixpath.join(path, PIPELINE_FILE)}:{target.rpartition(':')[2]}"
        raise BadInputError(
            f"{target}: '{path}' is a folder, not a pipeline file", hint=f"name it '{fixed}'"
        )
    return None  # a path with ':' in it


def unknown(dag: Dag, target: str) -> BadInputError:
    """'unknown stage' for a bare name, pointing at same-named stages of other files."""
    elsewhere = [n for n, s in dag.stages.items() if s.local_name.split("@", 1)[0] == target]
    hint = f"did you mean '{elsewhere[0]}'?" if elsewhere else "see 'gitml dag'"
    return BadInputError(f"unknown stage '{target}'", hint=hint)


def split(
    repo: Repo, targets: Sequence[str], found: Listing | None = None
) -> tuple[list[str], list[str]]:
    """The stage addresses `targets` name, and the other targets (paths), in order."""
    from gitml import tracked
    from gitml.pipeline.project import load_dag

    found = found or tracked.listing(repo)
    if not targets or not found.pipelines:
        return [], list(targets)
    dag = load_dag(repo, found=found)
    stages: list[str] = []
    paths = []
    for target in targets:
        hits = stages_of(repo, dag, target)
        if hits:
            stages += hits
        else:
            paths.append(target)
    return stages, paths
