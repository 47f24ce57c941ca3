"""The only jsonschema user: validate loaded data against schemas/NAME.json."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

Problem = tuple[tuple[str | int, ...], str]


@cache
def schema_text(name: str) -> str:
    return resources.files("gitml").joinpath("schemas", f"{name}.json").read_text("utf-8")


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
