"""Parameter files (YAML, JSON, TOML) and dotted-key look-ups."""

from __future__ import annotations

import json
import os

from gitml import limits, yamlio
from gitml.errors import BadInputError
from gitml.paths import check_real_inside

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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
    return yamlio.loads(raw, where=where, yaml12=True)  # DVC (ruamel) reads YAML 1.2


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


def same_value(recorded: Any, current: Any) -> bool:
    """Whether a value in gitml.lock and a param's current value are the same.

    Locks written before params files were read by YAML 1.2 hold the old (YAML 1.1) reading
    of a literal: the string "1e-3" where 1.2 reads 0.001, True where 1.2 keeps "yes", 90
    where it keeps "1:30". Such a pair is one literal read two ways, so it is no change.
    (`010`, 8 then and 10 now, cannot be told from an edit of 8 to 10: it runs once.)
    """
    if type(recorded) is type(current):
        if isinstance(current, dict):
            return recorded.keys() == current.keys() and all(
                same_value(recorded[k], current[k]) for k in current
            )
        if isinstance(current, list):
            return len(recorded) == len(current) and all(
                same_value(a, b) for a, b in zip(recorded, current, strict=True)
            )
        return bool(recorded == current) or (recorded != recorded and current != current)
    if isinstance(recorded, str) and not isinstance(current, list | dict):
        return _one_literal(recorded, recorded, current)
    if isinstance(current, str) and not isinstance(recorded, list | dict):
        return _one_literal(current, recorded, current)
    return False


def _one_literal(text: str, old: Any, new: Any) -> bool:
    """Whether the plain scalar `text` reads as `old` by YAML 1.1 and as `new` by 1.2."""
    return _identical(yamlio.scalar(text, yaml12=False), old) and _identical(
        yamlio.scalar(text, yaml12=True), new
    )


def _identical(a: Any, b: Any) -> bool:
    return type(a) is type(b) and (a == b or (a != a and b != b))  # nan is nan
