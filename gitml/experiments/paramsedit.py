"""Apply `-S` overrides to the text of params files, keeping YAML comments and key order.

Everything is checked before anything is written: an unknown key (without `+`), a key that
exists given with `+`, a params file that does not exist or cannot be edited is one
BadInputError. The callers write the new texts (workspace files, or a queued commit).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from gitml.errors import BadInputError
from gitml.experiments.overrides import Override
from gitml.pipeline.params import parse_params


def apply_all(
    overrides: list[Override], read: Callable[[str], bytes | None]
) -> dict[str, bytes]:
    """file -> its new bytes, for each params file the (single-valued) `overrides` name;
    `read(file)` gives a file's current bytes (None when it does not exist)."""
    by_file: dict[str, list[Override]] = {}
    for o in overrides:
        by_file.setdefault(o.file, []).append(o)
    out: dict[str, bytes] = {}
    for file, items in by_file.items():
        raw = read(file)
        if raw is None:
            raise BadInputError(f"params file {file} does not exist", hint="check -S FILE:KEY")
        out[file] = apply_file(file, raw, items)
    return out


def apply_file(file: str, raw: bytes, overrides: list[Override]) -> bytes:
    parse_params(raw, file)  # must be a valid params file (mapping) first
    if file.endswith(".toml"):
        raise BadInputError(f"cannot edit {file}: -S supports YAML and JSON params files")

    from gitml import yamledit

    yaml = not file.endswith(".json")

    def change(doc: dict[str, Any]) -> None:
        for o in overrides:
            _apply(doc, o, yamledit.quoted_for_yaml11 if yaml else lambda v: v)

    if not yaml:
        data = json.loads(raw) or {}
        change(data)
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    text = raw.decode("utf-8")
    return yamledit.edit_mapping(text, change, where=file, drop_empty=False).encode("utf-8")


def _apply(doc: dict[str, Any], o: Override, wrap: Callable[[Any], Any]) -> None:
    parts = o.key.split(".")
    node: Any = doc
    for i, part in enumerate(parts[:-1]):
        child = _get(node, part)
        if child is _MISSING:
            if o.op not in ("add", "force"):
                raise _unknown(o, ".".join(parts[: i + 1]))
            _set(node, part, {})
            child = _get(node, part)
        if not isinstance(child, dict | list):
            raise BadInputError(f"-S {o.text}: '{'.'.join(parts[: i + 1])}' is not a mapping")
        node = child
    last = parts[-1]
    present = _get(node, last) is not _MISSING
    if o.op == "delete":
        if not present:
            raise _unknown(o, o.key)
        del node[int(last) if isinstance(node, list) else last]
        return
    if o.op == "set" and not present:
        raise _unknown(o, o.key)
    if o.op == "add" and present:
        raise BadInputError(
            f"-S {o.text}: '{o.key}' already exists", hint=f"use {o.key}=... to change it"
        )
    _set(node, last, wrap(o.values[0] if o.values else None))


_MISSING: Any = object()


def _get(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part, _MISSING)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return _MISSING


def _set(node: Any, part: str, value: Any) -> None:
    if isinstance(node, list):
        if not part.isdigit() or int(part) >= len(node):
            raise BadInputError(f"list index {part} is out of range")
        node[int(part)] = value
    else:
        node[part] = value


def _unknown(o: Override, key: str) -> BadInputError:
    return BadInputError(
        f"unknown param '{key}' in {o.file}", hint=f"to add it, use -S {o.file}:+{o.key}=..."
    )
