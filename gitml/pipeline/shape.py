"""gitml's own check of the keys of each raw stage in gitml.yaml, before the JSON Schema.

schemas/pipeline.json refuses the same things (an editor flags them), but these messages name
the stage: `stage 'a': unknown key 'dep'`, `a 'foreach' stage has only 'foreach' and 'do'`.
The allowed keys come from schemas/stage.json, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from functools import cache

from gitml import schema

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Problem = schema.Problem
LOOP_KEYS = ("foreach", "do")  # as DVC: either key makes the stage a foreach stage
OUT_SECTIONS = ("outs", "metrics", "plots")


@cache
def _keys() -> tuple[frozenset[str], frozenset[str]]:
    """(keys of a raw stage, keys of one out's properties) as schemas/stage.json lists them."""
    stage = json.loads(schema.schema_text("stage"))
    props = stage["$defs"]["outList"]["items"]["oneOf"][1]["additionalProperties"]
    return frozenset(stage["properties"]) | {"vars", "matrix"}, frozenset(props["properties"])


def problem(doc: Any) -> Problem | None:
    """The first stage whose keys are wrong, as (json path, message), or None."""
    stages = doc.get("stages") if isinstance(doc, dict) else None
    for name, definition in stages.items() if isinstance(stages, dict) else ():
        if isinstance(definition, dict):
            found = _stage(("stages", name), definition)
            if found is not None:
                path, message = found
                return path, f"stage {str(name)!r}: {message}"
    return None


def _stage(path: tuple[str | int, ...], definition: dict[Any, Any]) -> Problem | None:
    if not any(k in definition for k in LOOP_KEYS):
        return _plain(path, definition, "")
    if "matrix" in definition and "foreach" in definition:
        return (*path, "matrix"), "a stage cannot have both 'foreach' and 'matrix'"
    if "foreach" not in definition:
        return (*path, "do"), "'do' is only allowed with 'foreach'"
    if "do" not in definition:
        return path, "'foreach' needs 'do' with the stage to generate"
    extra = sorted(str(k) for k in definition if k not in LOOP_KEYS)
    if extra:
        listed = ", ".join(f"'{k}'" for k in extra)
        return (
            *path,
            extra[0],
        ), f"a 'foreach' stage has only 'foreach' and 'do'; move {listed} into 'do'"
    body = definition["do"]
    return _plain((*path, "do"), body, "do.") if isinstance(body, dict) else None


def _plain(path: tuple[str | int, ...], definition: dict[Any, Any], prefix: str) -> Problem | None:
    stage_keys, out_keys = _keys()
    for key in definition:
        if key not in stage_keys:
            return (*path, key), f"unknown key '{prefix}{key}'"
    if "cmd" not in definition:
        return path, f"'{prefix}cmd' is a required property"
    for section in OUT_SECTIONS:
        items = definition.get(section)
        for i, item in enumerate(items if isinstance(items, list) else ()):
            if not (isinstance(item, dict) and len(item) == 1):
                continue
            ((out, props),) = item.items()
            for key in props if isinstance(props, dict) else ():
                if key not in out_keys:
                    where = f"{prefix}{section}.{i}.{out}.{key}"
                    return (*path, section, i, out, key), f"unknown key '{where}'"
    return None
