"""The only jsonschema user: validate loaded data against schemas/NAME.json."""

from __future__ import annotations

import json
import os
from functools import cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    class ValidationMemo(Protocol):
        """Remembers content keys already validated, so valid data skips the schema check."""

        def is_valid(self, key: str) -> bool: ...

        def mark_valid(self, key: str) -> None: ...

        def parsed(self, key: str) -> str | None:
            """The data (JSON) of a text remembered valid under `key`, if remembered."""

        def remember_parsed(self, key: str, data: str) -> None: ...

else:
    ValidationMemo = object

Problem = tuple[tuple[str | int, ...], str]


def check(data: Any, name: str, memo: ValidationMemo | None = None) -> Problem | None:
    """Like first_problem, but data already seen valid (same canonical JSON) is not checked
    again: jsonschema costs ~60 ms to import, which most runs then skip."""
    from gitml.hashing import hash_bytes

    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    key = hash_bytes(f"{schema_text(name)}\0{text}".encode())
    if memo is not None and memo.is_valid(key):
        return None
    problem = first_problem(data, name)
    if problem is None and memo is not None:
        memo.mark_valid(key)
    return problem


# the keywords that can only refuse an object (or say nothing): a schema made of these
# and whose `type` allows null accepts YAML's null without jsonschema
_OBJECT_ONLY = {"$schema", "$id", "title", "description", "$defs", "definitions", "type",
                "properties", "additionalProperties", "patternProperties", "required",
                "propertyNames", "minProperties", "maxProperties"}  # fmt: skip


@cache
def accepts_null(name: str | None) -> bool:
    """Whether schema `name` (None: no schema) accepts null, read off its top level."""
    if name is None:
        return True
    top = json.loads(schema_text(name))
    kinds = top.get("type")
    null_ok = kinds == "null" or (isinstance(kinds, list) and "null" in kinds)
    return null_ok and set(top) <= _OBJECT_ONLY


@cache
def schema_text(name: str) -> str:
    path = os.path.join(os.path.dirname(__file__), "schemas", f"{name}.json")
    with open(path, encoding="utf-8") as f:  # (importlib.resources costs ~4 ms to import)
        return f.read()


@cache
def _validator(name: str) -> Any:
    import jsonschema  # ~60 ms: only when a file is not known to be valid

    schema = json.loads(schema_text(name))
    return jsonschema.Draft202012Validator(schema)


def first_problem(data: Any, name: str) -> Problem | None:
    """The most relevant schema violation in `data`, as (json path, message), or None."""
    import jsonschema

    errors = list(_validator(name).iter_errors(data))
    if not errors:
        return None
    # an unknown key explains a "required" miss better than the miss itself (typos)
    unknown = [e for e in errors if e.validator == "additionalProperties"]
    error = jsonschema.exceptions.best_match(unknown or errors)
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        extra = sorted(str(k) for k in error.instance if k not in known)
        if extra:
            return (*path, extra[0]), f"unknown key {_dotted((*path, extra[0]))!r}"
    where = _dotted(path)
    return path, (f"{where!r}: {error.message}" if where else str(error.message))


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path)
