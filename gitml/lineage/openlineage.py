"""A lineage as OpenLineage 2 RunEvents: one COMPLETE event per stage, as its lock recorded
that run. The run id is a UUIDv5 of the commit and the stage, so the same commit always
gives the same ids; datasets are named by their repo path, versioned by their digest."""

from __future__ import annotations

import uuid

from gitml import __version__
from gitml.lineage.walk import Lineage, Node

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Json = dict[str, Any]

SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
VERSION_FACET = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json"
PRODUCER = f"https://gitml.dev/gitml/{__version__}"
STAGE_FACET = "https://gitml.dev/schemas/openlineage/GitmlStageRunFacet.json"
RUN_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "https://gitml.dev/lineage/run")



def run_id(commit: str, stage: str) -> str:
    return str(uuid.uuid5(RUN_IDS, f"{commit}:{stage}"))


def run_events(lin: Lineage, ns: str = "gitml") -> list[Json]:
    return [_event(lin, n, ns) for n in lin.stages]


def _dataset(ns: str, path: str, digest: str) -> Json:
    facet = {
        "_producer": PRODUCER,
        "_schemaURL": f"{VERSION_FACET}#/$defs/DatasetVersionDatasetFacet",
        "datasetVersion": digest,
    }
    return {"namespace": ns, "name": path, "facets": {"version": facet}}


def _event(lin: Lineage, n: Node, ns: str) -> Json:
    c = lin.commit
    stage_facet = {
        "_producer": PRODUCER,
        "_schemaURL": STAGE_FACET,
        "commit": c.sha,
        "author": c.author,
        "cmd": n.cmd,
        "params": n.params,
    }
    return {
        "eventType": "COMPLETE",
        "eventTime": c.date,
        "producer": PRODUCER,
        "schemaURL": f"{SPEC}#/$defs/RunEvent",
        "run": {"runId": run_id(c.sha, n.name), "facets": {"gitml_stage": stage_facet}},
        "job": {"namespace": ns, "name": n.name},
        "inputs": [_dataset(ns, d.path, d.digest) for d in n.deps],
        "outputs": [_dataset(ns, p, d) for p, d in n.outs],
    }
