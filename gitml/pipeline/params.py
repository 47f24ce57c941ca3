"""Parameter files (YAML, JSON, TOML) and dotted-key look-ups."""

from __future__ import annotations

import json
import os
from typing import Any

from gitml import limits, yamlio
from gitml.errors import BadInputError
from gitml.paths import check_real_inside

DEFAULT_PARAMS = "params.yaml"
MISSING: Any = object()


def parse_params(raw: bytes, where: str) -> dict[str, Any]:
    """The content of a params file, chosen by its extension (YAML by default)."""
    try:
        data = _parse(raw, where)
    except RecursionError as e:  # the JSON and TOML parsers recurse per level
        raise limits.depth_error(where, limit=limits.MAX_PARAMS_DEPTH) from e
    limits.check_depth(data, where, limits.MAX_PARAMS_DEPTH)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadInputError(f"{where}: a params file must hold a mapping at the top")
    return data


def _parse(raw: bytes, where: str) -> Any:
    if where.endswith(".json"):
        try:
            return json.loads(raw)
        except ValueError as e:
            raise BadInputError(f"{where}: invalid JSON ({e})") from e
    if where.endswith(".toml"):
        import tomllib

        try:
            return tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise BadInputError(f"{where}: invalid TOML ({e})") from e
    return yamlio.loads(raw, where=where)


def read_params(root: str, rel: str) -> dict[str, Any]:
    path = os.path.join(root, *rel.split("/"))
    check_real_inside(root, path, what=f"params file {rel}")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError as e:
        raise BadInputError(f"params file {rel} does not exist") from e
    return parse_params(raw, rel)


def lookup(data: Any, key: str) -> Any:
    """`a.b.c` in nested mappings (and list indices); MISSING when absent."""
    node = data
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node
