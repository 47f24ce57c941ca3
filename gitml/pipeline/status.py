"""Compare a stage with its gitml.lock entry: the reasons it must run again."""

from __future__ import annotations

from collections.abc import Callable

from gitml.errors import UnsafePathError
from gitml.hashing import HashInfo
from gitml.pipeline import reasons as r
from gitml.pipeline.lock import StageLock, lock_rel
from gitml.pipeline.params import DEFAULT_PARAMS, MISSING, lookup, read_params, same_value
from gitml.pipeline.stage import Stage

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HashOf = Callable[[str], HashInfo | None]  # repo-relative path -> current hash (None: missing)
ParamValues = dict[str, dict[str, "Any"]]  # file -> key -> value


def param_values(root: str, stage: Stage, *, strict: bool) -> tuple[ParamValues, list[r.Reason]]:
    """Current values of the stage's params; missing ones raise (strict) or become reasons."""
    values: ParamValues = {}
    missing: list[r.Reason] = []
    files: dict[str, dict[str, Any]] = {}
    for ref in stage.params:
        if ref.file not in files:
            try:
                files[ref.file] = read_params(root, ref.file)
            except UnsafePathError:
                raise  # never read, never shown: a link that leads outside the repository
            except Exception:
                if strict:
                    raise
                files[ref.file] = {}
        data = files[ref.file]
        if ref.key is None:
            values.setdefault(ref.file, {}).update(data)
            continue
        value = lookup(data, ref.key)
        if value is MISSING:
            if strict:
                from gitml.errors import BadInputError

                raise BadInputError(
                    f"stage '{stage.name}': param {_label(ref.file, ref.key)} is not defined"
                )
            missing.append(r.ParamMissing(_label(ref.file, ref.key)))
            continue
        values.setdefault(ref.file, {})[ref.key] = value
    return values, missing


def _label(file: str, key: str) -> str:
    return key if file == DEFAULT_PARAMS else f"{file}:{key}"


def reasons(
    stage: Stage, lock: StageLock | None, hash_of: HashOf, params: ParamValues
) -> list[r.Reason]:
    """Every reason `stage` is invalidated (empty: up to date)."""
    found: list[r.Reason] = []
    if stage.always_changed:
        found.append(r.AlwaysChanged())
    if lock is None:
        return [*found, r.NotInLock(lock_rel(stage.file))]
    if lock.cmd != stage.cmd:
        found.append(r.CmdChanged(lock.cmd, stage.cmd))
    for dep in stage.deps:
        current, recorded = hash_of(dep), lock.dep(dep)
        if current is None:
            found.append(r.DepMissing(dep))
        elif recorded is None:
            found.append(r.DepAdded(dep))
        elif recorded.hash_info.digest != current.digest:
            found.append(r.DepChanged(dep))
    found.extend(_param_reasons(lock.params, params))
    for out in stage.outs:
        current, recorded = hash_of(out.path), lock.out(out.path)
        if current is None:
            found.append(r.OutMissing(out.path))
        elif recorded is None or recorded.hash_info.digest != current.digest:
            found.append(r.OutChanged(out.path))
    return found


def stale_reasons(
    root: str,
    stage: Stage,
    lock: StageLock | None,
    hash_of: HashOf,
    *,
    in_cache: Callable[[str], bool] | None = None,
) -> list[r.Reason]:
    """Why `stage` must run, its missing params included (status, repro): a removed param
    is said once, as missing, not also as a change to null; with `in_cache`, an out whose
    recorded bytes are not in the cache says so (fetch it) rather than 'changed'."""
    params, missing = param_values(root, stage, strict=False)
    gone = [m.key for m in missing if isinstance(m, r.ParamMissing)]
    found = missing + [
        why
        for why in reasons(stage, lock, hash_of, params)
        if not (
            isinstance(why, r.ParamChanged)
            and why.new is None
            and any(why.key == k or why.key.startswith(k + ".") for k in gone)
        )
    ]
    if in_cache is None or lock is None:
        return found
    return [_unfetched(why, lock, in_cache) for why in found]


def _unfetched(why: r.Reason, lock: StageLock, in_cache: Callable[[str], bool]) -> r.Reason:
    if not isinstance(why, r.OutMissing | r.OutChanged):
        return why
    recorded = lock.out(why.path)
    if recorded is None or not recorded.cache or in_cache(recorded.hash_info.digest):
        return why
    return r.OutNotInCache(why.path)


def _param_reasons(old: ParamValues, new: ParamValues) -> list[r.Reason]:
    found: list[r.Reason] = []
    for file in sorted(old.keys() | new.keys()):
        before, after = _flat(old.get(file, {})), _flat(new.get(file, {}))
        for key in sorted(before.keys() | after.keys()):
            a, b = before.get(key, MISSING), after.get(key, MISSING)
            if not same_value(a, b):
                found.append(r.ParamChanged(_label(file, key), _plain(a), _plain(b)))
    return found


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections as dotted leaf keys, so a reason names the value that changed."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _plain(value: Any) -> Any:
    return None if value is MISSING else value
