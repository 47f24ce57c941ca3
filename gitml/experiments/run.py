"""`exp run` in the workspace, and queueing experiments (`--queue`, grids).

Everything that can be refused (a malformed or unknown -S, a taken or invalid name, no
commit to start from) is checked before anything is written.
"""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gitml.errors import BadInputError
from gitml.experiments import changes, overrides, paramsedit, queue
from gitml.experiments.overrides import Override
from gitml.experiments.queue import QueueEntry
from gitml.experiments.refs import all_experiments, check_name, new_name


@dataclass(frozen=True)
class Plan:
    baseline: str
    runs: list[tuple[str, list[Override]]]  # (name, single-valued overrides) per experiment
    new_texts: list[dict[str, bytes]]  # params file -> its new bytes, per experiment

    @property
    def is_grid(self) -> bool:
        return len(self.runs) > 1


def baseline_of(root: str) -> str:
    proc = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=root,
        capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise BadInputError("there is no commit to run experiments on", hint="commit first")
    return proc.stdout.strip()


def taken_names(root: str, baseline: str) -> set[str]:
    names = {e.name for e in all_experiments(root, baseline)}
    return names | {
        e.name for e in queue.entries(root)
        if e.baseline == baseline and e.state in ("queued", "running")
    }


def plan(
    root: str, set_params: Sequence[str], name: str | None,
    also_taken: Callable[[str], set[str]] | None = None,
) -> Plan:
    """Parse and apply the overrides to the workspace's params texts, and name each run
    (names taken here, or in `also_taken(baseline)`, are refused); writes nothing."""
    parsed = overrides.parse(list(set_params))
    baseline = baseline_of(root)
    combos = overrides.grid(parsed)
    taken = taken_names(root, baseline) | (also_taken(baseline) if also_taken else set())
    names: list[str] = []
    for i in range(len(combos)):
        if name is None:
            names.append(new_name(taken | set(names)))
            continue
        one = name if len(combos) == 1 else f"{name}-{i + 1}"
        check_name(one)
        if one in taken:
            raise BadInputError(f"experiment '{one}' already exists", hint="pick another -n NAME")
        names.append(one)
    read = functools.partial(_read, root)
    texts = [paramsedit.apply_all(combo, read) for combo in combos]
    return Plan(baseline, list(zip(names, combos, strict=True)), texts)


def _read(root: str, rel: str) -> bytes | None:
    from gitml.paths import check_real_inside

    path = os.path.join(root, *rel.split("/"))
    check_real_inside(root, path, what=f"params file {rel}")
    try:
        with open(path, "rb") as f:
            return f.read()
    except (FileNotFoundError, IsADirectoryError):
        return None


def queue_all(
    root: str, the_plan: Plan, targets: Sequence[str], message: str
) -> list[QueueEntry]:
    """One queued commit per run: the baseline's tree, the workspace's uncommitted changes,
    and that run's params; the workspace itself is not changed."""
    base = changes.workspace(root)
    made = []
    tmp = os.path.join(root, ".gitml", "tmp")
    os.makedirs(tmp, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp, prefix="exp-queue-") as folder:
        for i, ((name, _), texts) in enumerate(zip(the_plan.runs, the_plan.new_texts,
                                                    strict=True)):
            found = dict(base)
            for j, (rel, data) in enumerate(texts.items()):
                path = os.path.join(folder, f"{i}-{j}")
                with open(path, "wb") as f:
                    f.write(data)
                os.chmod(path, _mode_of(os.path.join(root, *rel.split("/"))))
                found[rel] = path
            made.append(queue.enqueue(
                root, the_plan.baseline, name, found, message=message, targets=tuple(targets)
            ))
    return made


def _mode_of(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return 0o644
