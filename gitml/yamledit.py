"""The only ruamel.yaml user: edit gitml.yaml keeping the user's comments and key order.

Reading for use stays with yamlio's safe loader; this module only rewrites text, after
yamlio's size check (aliases, nesting) has passed on it.
"""

from __future__ import annotations

import io
from typing import Any

from gitml import yamlio
from gitml.constants import PIPELINE_FILE


def set_stage(text: str, name: str, stage: dict[str, Any]) -> str:
    """`text` (a gitml.yaml, possibly empty) with stages.NAME set to `stage`."""
    yamlio.check_text(text, PIPELINE_FILE)
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    doc = yaml.load(text) if text.strip() else None
    if doc is None:
        doc = CommentedMap()
    if doc.get("stages") is None:
        doc["stages"] = CommentedMap()
    doc["stages"][name] = _commented(stage)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _commented(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        return CommentedMap((k, _commented(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_commented(v) for v in value)
    return value
