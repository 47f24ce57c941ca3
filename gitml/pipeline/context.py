"""The variables `${...}` reads: params.yaml, then `vars` entries, as dvc/parsing/context.py.

Entries merge deeply but never redefine a value ("cannot redefine 'models.bar' ..."); a vars
file is loaded whole or by keys, not both.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from gitml.pipeline.interpolate import ResolveError, first_reference, kind

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

VarsLoader = Callable[[str], dict[str, "Any"]]


class Context:
    """Variables with where each came from (for the messages) and which files were loaded."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self._origin: dict[tuple[str, ...], str] = {}  # path of a merged-in node -> its source
        self._imports: dict[str, list[str] | None] = {}  # file -> keys taken (None: all)

    def clone(self) -> Context:
        new = Context()
        new.data = _deepcopy(self.data)
        new._origin = dict(self._origin)
        new._imports = {k: (list(v) if v is not None else None) for k, v in self._imports.items()}
        return new

    def with_items(self, items: dict[str, Any]) -> dict[str, Any]:
        """The variables plus foreach/matrix `item`/`key` (which shadow global ones)."""
        return {**self.data, **items}

    def load(
        self,
        entries: Any,
        load_vars: VarsLoader,
        base: str = "",
        stage: str = "",
        reserved: tuple[str, ...] = (),
    ) -> None:
        """Merge each `vars` entry in order (`stage`: the stage they belong to, for messages)."""
        if entries is None:
            return
        if not isinstance(entries, list):
            raise ResolveError(
                f"'vars' must be a list of mappings and file paths, got {kind(entries)}"
            )
        text = first_reference(entries)
        if text is not None:
            raise ResolveError(f"interpolating is not allowed ('{text}')")
        prefix = f"{stage}." if stage else ""
        for index, entry in enumerate(entries):
            if isinstance(entry, dict):
                self._merge(entry, f"{prefix}vars[{index}]", reserved)
            elif isinstance(entry, str):
                self.load_file(entry, load_vars, base, reserved)
            else:
                raise ResolveError(
                    f"a 'vars' entry must be a mapping or a file path, got {kind(entry)}"
                )

    def load_file(
        self, entry: str, load_vars: VarsLoader, base: str = "", reserved: tuple[str, ...] = ()
    ) -> None:
        """`path` or `path:key1,key2`, relative to `base`."""
        path, _, keys_text = entry.partition(":")
        keys = [k.strip() for k in keys_text.split(",") if k.strip()]
        if not path.strip():
            raise ResolveError(f"'vars' entry '{entry}' has no file path")
        if base:
            path = posixpath.normpath(posixpath.join(base, path))
        if path in self._imports:
            if not keys and self._imports[path] is None:
                return  # the whole file again: nothing new
            self._check_loaded(path, entry, keys)
        data = _load(path, load_vars)
        missing = [k for k in keys if k not in data]
        if missing:
            raise ResolveError(f"'{entry}': '{path}' has no top-level key '{missing[0]}'")
        self._merge({k: data[k] for k in keys} if keys else data, path, reserved)
        previous = self._imports.get(path)
        self._imports[path] = None if not keys else [*(previous or []), *keys]

    def _check_loaded(self, path: str, entry: str, keys: list[str]) -> None:
        imported = self._imports[path]
        if not keys and imported is not None:
            raise ResolveError(f"cannot load '{entry}' as it's partially loaded already")
        if keys and imported is None:
            raise ResolveError(f"cannot partially load '{entry}' as it's already loaded")
        if imported is not None and set(keys) & set(imported):
            raise ResolveError(f"cannot load '{entry}' as it's partially loaded already")

    def _merge(self, values: dict[str, Any], source: str, reserved: tuple[str, ...]) -> None:
        clash = [k for k in reserved if k in values]
        if clash:
            raise ResolveError(f"cannot redefine '{clash[0]}' (set by foreach/matrix)")
        self._merge_into(self.data, values, (), source)

    def _merge_into(
        self, into: dict[str, Any], values: dict[Any, Any], at: tuple[str, ...], source: str
    ) -> None:
        for key, value in values.items():
            if not isinstance(key, str):
                continue  # as DVC: only string keys can be looked up
            path = (*at, key)
            old = into.get(key)
            if isinstance(old, dict) and isinstance(value, dict):
                self._merge_into(old, value, path, source)
                continue
            if key in into:
                raise ResolveError(
                    f"cannot redefine '{'.'.join(path)}' from '{source}' "
                    f"as it already exists in '{self._source_of(path)}'"
                )
            into[key] = _deepcopy(value)
            self._origin[path] = source

    def _source_of(self, path: tuple[str, ...]) -> str:
        for end in range(len(path), 0, -1):
            if path[:end] in self._origin:
                return self._origin[path[:end]]
        return "?"


def _load(path: str, load_vars: VarsLoader) -> dict[str, Any]:
    try:
        data = load_vars(path)
    except (KeyError, TypeError) as e:
        raise ResolveError(f"cannot load vars file '{path}': {e}") from e
    if not isinstance(data, dict):
        raise ResolveError(f"vars file '{path}' must hold a mapping, got {kind(data)}")
    return data


def _deepcopy(value: Any) -> Any:
    import copy  # ~1.4 ms: only where templates are merged

    return copy.deepcopy(value)
