"""Templating of `gitml.yaml`, as in dvc.yaml: `vars`, `${...}`, `foreach`/`do` and `matrix`.

Pure: files are read only through the injected `load_vars`.
"""

from __future__ import annotations

import copy
import itertools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitml.errors import BadInputError
from gitml.pipeline.stage import NAME_RULE, STAGE_NAME

Context = dict[str, Any]
StageDef = dict[str, Any]
VarsLoader = Callable[[str], dict[str, Any]]

_SUFFIX = re.compile(r"[A-Za-z0-9_.-]+")
_EXACT = re.compile(r"\$\{([^{}]*)\}")
_REF = re.compile(r"\\(\$\{)|\$\{([^{}]*)\}")  # group 1: an escaped "\${"; group 2: a reference
_PATH = re.compile(r"[^.\[\]\s]+(?:\[\d+\])*(?:\.[^.\[\]\s]+(?:\[\d+\])*)*")
_SEGMENT = re.compile(r"[^.\[\]]+")  # after _PATH has checked the shape
_MISSING = object()


class _Error(Exception):
    """A problem inside one part of the file; wrapped with the file and stage names."""


@dataclass(frozen=True)
class _Env:
    where: str
    load_vars: VarsLoader


def expand_stages(
    doc: dict[str, Any],
    *,
    where: str,
    load_vars: Callable[[str], dict[str, Any]],
    default_vars: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """`doc` is the safe-loaded gitml.yaml. Returns stage name -> stage definition with every
    ${...} resolved and foreach/matrix expanded (ordered as in the file)."""
    if not isinstance(doc, dict):
        raise BadInputError(f"{where}: must be a mapping with 'stages'")
    env = _Env(where, load_vars)
    try:
        context = _with_vars(dict(default_vars or {}), doc.get("vars"), env, base="")
    except _Error as e:
        raise BadInputError(f"{where}: vars: {e}") from e
    stages = doc.get("stages") or {}
    if not isinstance(stages, dict):
        raise BadInputError(f"{where}: 'stages' must be a mapping of stage names to stages")
    result: dict[str, StageDef] = {}
    for name, definition in stages.items():
        try:
            generated = _expand_entry(name, definition, context, env)
        except _Error as e:
            raise BadInputError(f"{where}: stage '{name}': {e}") from e
        for full, stage in generated:
            if full in result:
                raise BadInputError(
                    f"{where}: stage '{name}': generated name '{full}' collides with another stage"
                )
            result[full] = stage
    return result


def _expand_entry(
    name: Any, definition: Any, context: Context, env: _Env
) -> list[tuple[str, StageDef]]:
    if not isinstance(name, str) or not STAGE_NAME.fullmatch(name):
        raise _Error(f"invalid stage name: {NAME_RULE}")
    if not isinstance(definition, dict):
        raise _Error(f"a stage must be a mapping, got {_kind(definition)}")
    if "foreach" in definition and "matrix" in definition:
        raise _Error("a stage cannot have both 'foreach' and 'matrix'")
    if "foreach" in definition:
        return _expand_foreach(name, definition, context, env)
    if "do" in definition:
        raise _Error("'do' is only allowed with 'foreach'")
    if "matrix" in definition:
        return _expand_matrix(name, definition, context, env)
    return [(name, _resolve_stage(name, definition, context, env))]


def _expand_foreach(
    name: str, definition: StageDef, context: Context, env: _Env
) -> list[tuple[str, StageDef]]:
    if "do" not in definition:
        raise _Error("'foreach' needs 'do' with the stage to generate")
    extra = ", ".join(sorted(f"'{k}'" for k in definition if k not in ("foreach", "do")))
    if extra:
        raise _Error(f"a 'foreach' stage has only 'foreach' and 'do'; move {extra} into 'do'")
    template = definition["do"]
    if not isinstance(template, dict):
        raise _Error(f"'do' must be a mapping, got {_kind(template)}")
    data = _resolve(definition["foreach"], context)
    if not isinstance(data, (list, dict)):
        raise _Error(f"'foreach' must be a list or a mapping, got {_kind(data)}")
    if not data:
        raise _Error("'foreach' is empty")
    stages = []
    for suffix, loop_vars in _foreach_items(data):
        full = _generated_name(name, suffix)
        stage = _resolve_stage(full, template, {**context, **loop_vars}, env, tuple(loop_vars))
        stages.append((full, stage))
    return stages


def _foreach_items(data: list[Any] | dict[Any, Any]) -> list[tuple[str, Context]]:
    if isinstance(data, dict):
        return [(_scalar_text(k), {"item": v, "key": k}) for k, v in data.items()]
    if all(_is_scalar(v) for v in data):
        return [(_scalar_text(v), {"item": v}) for v in data]
    return [(str(i), {"item": v}) for i, v in enumerate(data)]


def _expand_matrix(
    name: str, definition: StageDef, context: Context, env: _Env
) -> list[tuple[str, StageDef]]:
    matrix = _resolve(definition["matrix"], context)
    if not isinstance(matrix, dict):
        raise _Error(f"'matrix' must be a mapping of names to lists, got {_kind(matrix)}")
    if not matrix:
        raise _Error("'matrix' is empty")
    for key, values in matrix.items():
        if not isinstance(values, list) or not values:
            raise _Error(f"matrix '{key}' must be a non-empty list, got {_kind(values)} {values!r}")
    template = {k: v for k, v in definition.items() if k != "matrix"}
    stages = []
    for combo in itertools.product(*(list(enumerate(v)) for v in matrix.values())):
        suffix = "-".join(_scalar_text(v) if _is_scalar(v) else str(i) for i, v in combo)
        item = {k: v for k, (_, v) in zip(matrix, combo, strict=True)}
        full = _generated_name(name, suffix)
        local = {**context, "item": item}
        stages.append((full, _resolve_stage(full, template, local, env, ("item",))))
    return stages


def _generated_name(name: str, suffix: str) -> str:
    full = f"{name}@{suffix}"
    if not _SUFFIX.fullmatch(suffix):
        raise _Error(
            f"generated stage name '{full}' is not valid: after '@' use letters, digits, "
            "'_', '.' and '-' (iterate over a mapping to choose the names)"
        )
    return full


def _resolve_stage(
    name: str, template: StageDef, context: Context, env: _Env, loop_keys: tuple[str, ...] = ()
) -> StageDef:
    """One concrete stage: its own `vars` loaded, then every string interpolated."""
    try:
        if "vars" in template:
            base = _vars_base(template.get("wdir"), context)
            context = _with_vars(context, template["vars"], env, base, loop_keys)
        return _resolve_mapping({k: v for k, v in template.items() if k != "vars"}, context)
    except _Error as e:
        raise BadInputError(f"{env.where}: stage '{name}': {e}") from e


def _vars_base(wdir: Any, context: Context) -> str:
    """Stage vars files are relative to the stage's wdir, as in DVC."""
    if wdir is None:
        return ""
    resolved = _resolve(wdir, context)
    if not isinstance(resolved, str):
        raise _Error(f"'wdir' must be a path, got {_kind(resolved)}")
    return resolved


def _with_vars(
    context: Context, entries: Any, env: _Env, base: str, protected: tuple[str, ...] = ()
) -> Context:
    """`context` extended by each `vars` entry in order; later entries win."""
    if entries is None:
        return context
    if not isinstance(entries, list):
        raise _Error(f"'vars' must be a list of mappings and file paths, got {_kind(entries)}")
    for entry in entries:
        values = _vars_entry(entry, env, base)
        clash = [k for k in protected if k in values]
        if clash:
            raise _Error(f"vars cannot redefine '{clash[0]}' (set by foreach/matrix)")
        context = _merged(context, values)
    return context


def _vars_entry(entry: Any, env: _Env, base: str) -> Context:
    if isinstance(entry, dict):
        return entry
    if not isinstance(entry, str):
        raise _Error(f"a 'vars' entry must be a mapping or a file path, got {_kind(entry)}")
    path, _, keys_text = entry.partition(":")
    keys = [k.strip() for k in keys_text.split(",") if k.strip()]
    if not path.strip():
        raise _Error(f"'vars' entry '{entry}' has no file path")
    if base:
        path = posixpath.normpath(posixpath.join(base, path))
    data = _load(path, env)
    missing = [k for k in keys if k not in data]
    if missing:
        raise _Error(f"'{entry}': '{path}' has no top-level key '{missing[0]}'")
    return {k: data[k] for k in keys} if keys else data


def _load(path: str, env: _Env) -> Context:
    try:
        data = env.load_vars(path)
    except (KeyError, TypeError) as e:
        raise _Error(f"cannot load vars file '{path}': {e}") from e
    if not isinstance(data, dict):
        raise _Error(f"vars file '{path}' must hold a mapping, got {_kind(data)}")
    return data


def _merged(base: Context, extra: Context) -> Context:
    """A new mapping: `extra` deep-merged over `base` (neither is changed)."""
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            value = _merged(old, value)
        out[key] = value
    return out


def _resolve(value: Any, context: Context) -> Any:
    if isinstance(value, str):
        exact = _EXACT.fullmatch(value)
        if exact:
            return copy.deepcopy(_lookup(exact.group(1), value, context))
        return _format(value, context)
    if isinstance(value, list):
        return [_resolve(v, context) for v in value]
    if isinstance(value, dict):
        return _resolve_mapping(value, context)
    return value


def _resolve_mapping(value: dict[Any, Any], context: Context) -> dict[Any, Any]:
    """Values and string keys interpolated (`{${out}.json: {cache: false}}`)."""
    out: dict[Any, Any] = {}
    for key, item in value.items():
        new_key = _format(key, context) if isinstance(key, str) else key
        if new_key in out:
            raise _Error(f"key '{new_key}' appears twice after interpolation")
        out[new_key] = _resolve(item, context)
    return out


def _format(text: str, context: Context) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        value = _lookup(match.group(2), text, context)
        if not _is_scalar(value):
            raise _Error(
                f"cannot put a {_kind(value)} inside text in '{text}': "
                "use '${...}' as the whole value or pick one element"
            )
        return _scalar_text(value)

    return _REF.sub(replace, text)


def _lookup(ref: str, text: str, context: Context) -> Any:
    ref = ref.strip()
    if not _PATH.fullmatch(ref):
        raise _Error(f"bad variable reference '${{{ref}}}' in '{text}'")
    value: Any = context
    for match in _SEGMENT.finditer(ref):
        value = _step(value, match.group(0))
        if value is _MISSING:
            raise _Error(f"undefined variable '{ref}' in '{text}'")
    return value


def _step(value: Any, segment: str) -> Any:
    is_index = segment.isascii() and segment.isdigit()
    if isinstance(value, dict):
        if segment in value:
            return value[segment]
        if is_index and int(segment) in value:
            return value[int(segment)]
    elif isinstance(value, list) and is_index and int(segment) < len(value):
        return value[int(segment)]
    return _MISSING


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (list, dict))


def _scalar_text(value: Any) -> str:
    """How a scalar reads inside text and stage names, as in DVC: YAML spelling for bools,
    Python's for the rest (null is `None`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kind(value: Any) -> str:
    names = {dict: "mapping", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)
