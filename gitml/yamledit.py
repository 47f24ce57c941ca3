"""The only ruamel.yaml user: edit gitml.yaml and the config keeping the user's comments
and key order.

Reading for use stays with yamlio's safe loader; this module only rewrites text, after
yamlio's size check (aliases, nesting) has passed on it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from gitml import yamlio
from gitml.constants import PIPELINE_FILE


def set_stage(text: str, name: str, stage: dict[str, Any]) -> str:
    """`text` (a gitml.yaml, possibly empty) with stages.NAME set to `stage`."""

    def change(doc: dict[str, Any]) -> None:
        if doc.get("stages") is None:
            doc["stages"] = {}
        doc["stages"][name] = stage

    return edit_mapping(text, change, where=PIPELINE_FILE)


def edit_mapping(
    text: str,
    change: Callable[[dict[str, Any]], None],
    *,
    where: str,
    yaml11: bool = False,
    drop_empty: bool = True,
) -> str:
    """`text` (a YAML mapping, possibly empty) after `change`, which edits it in place as a
    dict; comments, key order and quoting of what it leaves alone are kept. Top-level keys
    left empty are dropped (unless not `drop_empty`: a params file's `a: null` stays).
    `yaml11`: the file is read by YAML 1.1's rules (the config), so strings those rules
    would read otherwise (`on`, `yes`, `010`) are written quoted."""
    yamlio.check_text(text, where)
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = True  # as PyYAML reads it: the last one wins
    yaml.indent(mapping=2, sequence=4, offset=2)
    doc = yaml.load(text) if text.strip() else None
    if doc is None:
        doc = CommentedMap()
    change(doc)
    for key in [k for k, v in doc.items() if drop_empty and v in ({}, None)]:
        del doc[key]
    for key, value in doc.items():
        doc[key] = _commented(value)
    if yaml11:
        _quote_ambiguous(doc)
    out = io.StringIO()
    if doc:
        yaml.dump(doc, out)
    head = _leading_comments(text)  # ruamel keeps them on a first key, if one is left
    result = out.getvalue()
    return result if result.startswith(head) else head + result


def quoted_for_yaml11(value: Any) -> Any:
    """`value` with the strings YAML 1.1 readers (PyYAML: `yes`, `1e3`, `010`) would read as
    something else wrapped to be written double-quoted (`-S` values in params files)."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, str) and not yamlio.reads_back_as_text(value):
        return DoubleQuotedScalarString(value)
    if isinstance(value, list):
        return [quoted_for_yaml11(v) for v in value]
    if isinstance(value, dict):
        return {k: quoted_for_yaml11(v) for k, v in value.items()}
    return value


def _leading_comments(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        lines.append(line if line.endswith("\n") else line + "\n")
    return "".join(lines)


def _commented(value: Any) -> Any:
    """Plain dicts and lists as ruamel's types; ruamel's own (with their comments) kept."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, CommentedMap | CommentedSeq):
        for key, item in (value.items() if isinstance(value, dict) else enumerate(value)):
            value[key] = _commented(item)
        return value
    if isinstance(value, dict):
        return CommentedMap((k, _commented(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_commented(v) for v in value)
    return value


def _quote_ambiguous(node: Any) -> Any:
    """Strings (keys too) that YAML 1.1 would not read back as these strings, quoted."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

    def quoted(value: Any) -> Any:
        plain = isinstance(value, str) and not isinstance(value, ScalarString)
        if plain and not yamlio.reads_back_as_text(value):
            return DoubleQuotedScalarString(value)
        return value

    if isinstance(node, CommentedMap):
        for index, (key, value) in enumerate(list(node.items())):
            new_key, new_value = quoted(key), _quote_ambiguous(value)
            if new_key is not key:
                del node[key]
                node.insert(index, new_key, new_value)
            else:
                node[key] = new_value
        return node
    if isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            node[index] = _quote_ambiguous(item)
        return node
    return quoted(node)
