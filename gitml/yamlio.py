"""The only PyYAML user: safe loading with file:line errors, deterministic dumping."""

from __future__ import annotations

from typing import Any

import yaml

from gitml import atomic, limits, schema
from gitml.errors import BadInputError
from gitml.hashing import hash_bytes

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


ValidationMemo = schema.ValidationMemo


def load_file(
    path: str,
    *,
    schema_name: str | None = None,
    memo: ValidationMemo | None = None,
    where: str | None = None,
) -> Any:
    """Safe-load the YAML at `path`; validate against `schema_name`; errors as where:line
    (`where` defaults to `path`; callers pass the repo-relative name)."""
    where = where or path
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise BadInputError(f"{where}: cannot read ({e.strerror})") from e
    return loads(raw, where=where, schema_name=schema_name, memo=memo)


def loads(
    raw: bytes, *, where: str, schema_name: str | None = None, memo: ValidationMemo | None = None
) -> Any:
    """Like load_file, for bytes already read (e.g. a blob at a Git revision)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInputError(f"{where}:1: not UTF-8 text") from e
    data = _load_checked(text, where)
    if schema_name is None:
        return data
    key = hash_bytes(schema.schema_text(schema_name).encode() + b"\0" + raw)
    if memo is not None and memo.is_valid(key):
        return data
    problem = schema.first_problem(data, schema_name)
    if problem is not None:
        json_path, message = problem
        raise BadInputError(f"{where}:{_line_of(text, json_path)}: {message}")
    if memo is not None:
        memo.mark_valid(key)
    return data


def check_text(text: str, where: str) -> None:
    """Refuse YAML text whose aliases expand too much or that nests too deep (for callers
    that parse it with another library, like yamledit)."""
    _load_checked(text, where, construct=False)


def _load_checked(text: str, where: str, *, construct: bool = True) -> Any:
    """Compose the node graph, check its size (limits.py), then build the data from it:
    the text is parsed once, and a bomb is refused before anything expands it."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        limits.check_yaml_graph(node, where, aliases="&" in text)
        return loader.construct_document(node) if construct else None
    except yaml.YAMLError as e:
        raise BadInputError(f"{where}:{_error_line(e)}: {_yaml_problem(e)}") from e
    except RecursionError as e:  # the pure-Python composer, past Python's recursion limit
        raise limits.depth_error(where) from e
    finally:
        loader.dispose()


def dumps(data: Any) -> str:
    """Deterministic block-style YAML (callers give keys in a stable order)."""
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True
    )
    return text


def write_file(
    path: str, data: Any, *, schema_name: str | None = None, memo: ValidationMemo | None = None
) -> None:
    """Dump `data` to `path` atomically, LF endings; validated first when a schema is named.

    The written bytes are remembered as valid, so the next read skips the schema check.
    """
    text = dumps(data)
    if schema_name is not None:
        loads(text.encode("utf-8"), where=path, schema_name=schema_name, memo=memo)
    atomic.write_text(path, text)


def _error_line(e: yaml.YAMLError) -> int:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    return mark.line + 1 if mark is not None else 1


def _yaml_problem(e: yaml.YAMLError) -> str:
    problem = getattr(e, "problem", None)
    context = getattr(e, "context", None)
    if problem and context:
        return f"invalid YAML: {context}, {problem}"
    return f"invalid YAML: {problem or e}"


def line_of(raw: bytes, json_path: tuple[str | int, ...]) -> int:
    """Line (1-based) of the node at `json_path` in YAML `raw`, or of its deepest parent."""
    try:
        return _line_of(raw.decode("utf-8"), json_path)
    except (UnicodeDecodeError, yaml.YAMLError):
        return 1


def _line_of(text: str, json_path: tuple[str | int, ...]) -> int:
    """Line (1-based) of the node at `json_path`, or of its deepest existing parent."""
    node = yaml.compose(text, Loader=_Loader)
    line = node.start_mark.line + 1 if node is not None else 1
    for key in json_path:
        found = _child(node, key)
        if found is None:
            break
        node, line = found
    return line


def _child(node: Any, key: str | int) -> tuple[Any, int] | None:
    """The child node at `key` and the line that names it (a mapping key's own line)."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == str(key):
                return v, k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        item = node.value[key]
        return item, item.start_mark.line + 1
    return None
