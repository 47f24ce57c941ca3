"""`gitml status --cloud`: which tracked outputs have objects the remote lacks."""

from __future__ import annotations

from gitml import used
from gitml.commands.sync import local_records, record_objects
from gitml.pipeline.runcache import RunCache
from gitml.record import dataclass
from gitml.remote import missing_on, open_remote
from gitml.repo import Repo


@dataclass(frozen=True)
class CloudStatus:
    remote: str
    missing: tuple[tuple[str, int], ...]  # (output path, objects the remote lacks)
    runs_missing: int = 0  # objects only run records name, in the cache, not on the remote

    @property
    def clean(self) -> bool:
        return not self.missing

def cloud_status(repo: Repo, scope: used.Scope, *, remote: str | None = None) -> CloudStatus:
    """Tracked outputs with objects the remote does not have."""
    store = open_remote(repo.root, repo.config, remote)
    outs = used.outputs(repo, scope)
    needed = used.expand(repo, outs)
    extra = record_objects(repo, local_records(RunCache(repo.cache.root)))
    runs_only = {o for o in extra.oids if repo.cache.exists(o)} - needed.oids
    lacking = missing_on(store, needed.oids | runs_only)
    runs_missing = len(lacking & runs_only)
    lacking -= runs_only
    per_output: dict[str, int] = {}
    for oid in lacking:
        owner = needed.owner.get(oid, oid)
        out = next((rel for rel, _ in outs if owner == rel or owner.startswith(rel + "/")), owner)
        per_output[out] = per_output.get(out, 0) + 1
    return CloudStatus(store.name, tuple(sorted(per_output.items())), runs_missing)
