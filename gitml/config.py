"""`.gitml/config.yaml` merged with `.gitml/config.local.yaml` -> Config."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from gitml import yamlio
from gitml.constants import CONFIG_FILE, CONFIG_LOCAL_FILE, DEFAULT_CACHE_TYPE, GITML_DIR
from gitml.link import LinkType, parse_cache_type
from gitml.record import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class Config:
    cache_types: tuple[LinkType, ...] = DEFAULT_CACHE_TYPE  # type: ignore[assignment]
    remote: str | None = None
    remotes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # `cache.dir`: where the cache is, relative to `.gitml/` (as DVC's is to `.dvc/`);
    # None: `.gitml/cache`. Experiment worktrees point theirs at the main repository's.
    cache_dir: str | None = None
    registry_stages: tuple[str, ...] | None = None  # registry.stages: the allowed stages


def config_paths(root: str) -> tuple[str, str]:
    folder = os.path.join(root, GITML_DIR)
    return os.path.join(folder, CONFIG_FILE), os.path.join(folder, CONFIG_LOCAL_FILE)


def load_raw(path: str, memo: yamlio.ValidationMemo | None = None) -> dict[str, Any]:
    """One config file as validated data ({} when it does not exist)."""
    if not os.path.exists(path):
        return {}
    where = os.path.join(GITML_DIR, os.path.basename(path))
    data = yamlio.load_file(path, schema_name="config", memo=memo, where=where)
    return data or {}


def load(root: str, memo: yamlio.ValidationMemo | None = None) -> Config:
    shared, local = (load_raw(p, memo) for p in config_paths(root))
    merged = _merge(shared, local)
    cache_type = merged.get("cache", {}).get("type")
    return Config(
        cache_types=parse_cache_type(cache_type) if cache_type else DEFAULT_CACHE_TYPE,  # type: ignore[arg-type]
        remote=merged.get("core", {}).get("remote"),
        remotes=merged.get("remotes", {}),
        cache_dir=merged.get("cache", {}).get("dir"),
        registry_stages=_stages(merged.get("registry", {}).get("stages")),
    )


def _stages(value: list[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def edit(
    root: str,
    change: Callable[[dict[str, Any]], None],
    *,
    local: bool = False,
    memo: yamlio.ValidationMemo | None = None,
) -> None:
    """Apply `change` to one config file's data and write it back (validated, atomic),
    keeping the file's comments and key order."""
    from gitml import atomic, yamledit

    path = config_paths(root)[1 if local else 0]
    where = os.path.join(GITML_DIR, os.path.basename(path))
    load_raw(path, memo)  # the file as it is must be valid
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    new = yamledit.edit_mapping(text, change, where=where, yaml11=True)
    yamlio.loads(new.encode("utf-8"), where=where, schema_name="config", memo=memo)
    try:  # keep the file's permissions (a local config with credentials may be 0600)
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o600 if local else 0o644
    atomic.write_text(path, new, mode=mode)
