"""The run cache: (cmd, dep digests, param values) -> the outs a successful run produced.

A record is a one-stage gitml.lock document stored under `<cache>/runs/ab/cdef...` where
the name is the hash of its inputs, so any copy (from a remote too) can be checked by
recomputing the name from the content.
"""

from __future__ import annotations

import json
import os

from gitml import atomic, yamlio
from gitml.errors import GitmlError
from gitml.hashing import hash_bytes
from gitml.pipeline import lock as lockfile
from gitml.pipeline.lock import StageLock

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RUNS_DIR = "runs"


def run_key(cmd: str, deps: dict[str, str], params: dict[str, dict[str, Any]]) -> str:
    """The hash of a run's inputs: cmd, each dep path's digest, each param value."""
    text = json.dumps(
        {"cmd": cmd, "deps": deps, "params": params}, sort_keys=True, separators=(",", ":")
    )
    return hash_bytes(text.encode("utf-8"))


def key_of(record: StageLock) -> str:
    deps = {d.path: d.hash_info.digest for d in record.deps}
    return run_key(record.cmd, deps, record.params)


class RunCache:
    def __init__(self, cache_root: str) -> None:
        self.base = os.path.join(cache_root, RUNS_DIR)

    def path(self, key: str) -> str:
        return os.path.join(self.base, key[:2], key[2:])

    def get(self, key: str) -> StageLock | None:
        """The record for `key`, if present and sound (its content hashes to its name)."""
        try:
            with open(self.path(key), "rb") as f:
                return parse_record(f.read(), key)
        except (FileNotFoundError, GitmlError):
            return None

    def put(self, key: str, name: str, record: StageLock) -> None:
        os.makedirs(os.path.dirname(self.path(key)), exist_ok=True)
        text = yamlio.dumps(lockfile.to_dict({name: record}, [name]))
        # no fsync: a record lost to a power cut only costs a rerun of its stage
        atomic.write_bytes(self.path(key), text.encode("utf-8"), fsync=False)

    def list_keys(self) -> set[str]:
        if not os.path.isdir(self.base):
            return set()
        return {
            prefix + name
            for prefix in os.listdir(self.base)
            if len(prefix) == 2
            for name in os.listdir(os.path.join(self.base, prefix))
            if not name.startswith(".")
        }

    def read_raw(self, key: str) -> bytes:
        with open(self.path(key), "rb") as f:
            return f.read()

    def write_raw(self, key: str, raw: bytes) -> None:
        """Store a record fetched from elsewhere, after checking it is sound."""
        parse_record(raw, key)
        os.makedirs(os.path.dirname(self.path(key)), exist_ok=True)
        atomic.write_bytes(self.path(key), raw)


def parse_record(raw: bytes, key: str) -> StageLock:
    """A run record's single stage entry; refuses one whose inputs do not hash to `key`."""
    locks = lockfile.loads(raw, where=f"run record {key}")
    if len(locks) != 1:
        raise GitmlError(f"run record {key} must hold exactly one stage")
    record = next(iter(locks.values()))
    if key_of(record) != key:
        raise GitmlError(f"run record {key} is corrupt: its inputs do not match its name")
    return record
