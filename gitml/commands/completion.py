"""What shell completion offers beyond commands and options: the names of this
repository's remotes, stages and config options (`gitml completion`, gitml/cli/completion.py).

Each answers from the current folder's repository, fast, and an empty list on any problem:
a completion must never print an error into the user's command line."""

from __future__ import annotations

from gitml import tracked
from gitml.repo import Repo


def remote_names(repo: Repo) -> list[str]:
    return sorted(repo.config.remotes)


def stage_names(repo: Repo) -> list[str]:
    """Stage addresses (`train`, `sub/gitml.yaml:train`, `train@a`) and the foreach/matrix
    group names (`train`) that select all of their stages, in file order."""
    from gitml.pipeline.project import load_dag

    with tracked.listed_once(repo):
        dag = load_dag(repo)
    names: list[str] = []
    for name in dag.stages:
        group = name.split("@", 1)[0]
        for candidate in (group, name):
            if candidate not in names:
                names.append(candidate)
    return names


def config_names(repo: Repo) -> list[str]:
    """`section.option` of the config schema, and `remote.NAME.option` of each remote."""
    from gitml.commands.configure import REMOTE, schema_options

    sections, remote_options = schema_options()
    names = [f"{s}.{o}" for s, options in sections.items() for o in options]
    for remote in remote_names(repo):
        names += [f"{REMOTE}.{remote}.{o}" for o in remote_options]
    return names
