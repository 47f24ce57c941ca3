"""Templating of `gitml.yaml`, as in dvc.yaml: `vars`, `${...}`, `foreach`/`do` and `matrix`.

Pure: files are read only through the injected `load_vars`. The variables are built in
pipeline/context.py, references resolved in pipeline/interpolate.py.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from gitml.errors import BadInputError
from gitml.pipeline.context import Context, VarsLoader
from gitml.pipeline.interpolate import ResolveError as _Error
from gitml.pipeline.interpolate import is_scalar, kind, resolve, scalar_text
from gitml.pipeline.stage import NAME_RULE, STAGE_NAME
from gitml.record import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

StageDef = dict[str, "Any"]
TOP_LEVEL = ("metrics", "params", "plots")
DEFAULT_VARS_FILE = "params.yaml"  # what `default_vars` were read from

_SUFFIX = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class _Env:
    where: str
    load_vars: VarsLoader


def _global_context(
    doc: dict[str, Any], env: _Env, default_vars: dict[str, Any] | None
) -> Context:
    context = Context()
    try:
        if default_vars is not None:
            context.load_file(DEFAULT_VARS_FILE, lambda _: default_vars)
        context.load(doc.get("vars"), env.load_vars)
    except _Error as e:
        raise BadInputError(f"{env.where}: vars: {e}") from e
    return context


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
    context = _global_context(doc, env, default_vars)
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


def resolve_top_level(
    doc: dict[str, Any],
    *,
    where: str,
    load_vars: Callable[[str], dict[str, Any]],
    default_vars: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The top-level `metrics`, `params` and `plots` (those given), interpolated with the
    global variables, as DVC does."""
    given = {k: doc[k] for k in TOP_LEVEL if isinstance(doc, dict) and doc.get(k)}
    if not given:
        return {}
    context = _global_context(doc, _Env(where, load_vars), default_vars)
    out: dict[str, Any] = {}
    for section, items in given.items():
        try:
            out[section] = resolve(items, context.data)
        except _Error as e:
            raise BadInputError(f"{where}: {section}: {e}") from e
    return out


def _expand_entry(
    name: Any, definition: Any, context: Context, env: _Env
) -> list[tuple[str, StageDef]]:
    if not isinstance(name, str) or not STAGE_NAME.fullmatch(name):
        raise _Error(f"invalid stage name: {NAME_RULE}")
    if not isinstance(definition, dict):
        raise _Error(f"a stage must be a mapping, got {kind(definition)}")
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
        raise _Error(f"'do' must be a mapping, got {kind(template)}")
    data = resolve(definition["foreach"], context.data)
    if not isinstance(data, (list, dict)):
        raise _Error(f"'foreach' must be a list or a mapping, got {kind(data)}")
    stages = []
    for suffix, loop_vars in _foreach_items(data).items():
        full = _generated_name(name, suffix)
        stages.append((full, _resolve_stage(full, template, context, env, loop_vars)))
    return stages


def _foreach_items(data: list[Any] | dict[Any, Any]) -> dict[str, dict[str, Any]]:
    """Name suffix -> `item` (and `key`). Scalars that read the same make one stage, at the
    first one's place with the last one's value (DVC)."""
    if isinstance(data, dict):
        return {scalar_text(k): {"item": v, "key": scalar_text(k)} for k, v in data.items()}
    if all(is_scalar(v) for v in data):
        return {scalar_text(v): {"item": v} for v in data}
    return {str(i): {"item": v} for i, v in enumerate(data)}


def _expand_matrix(
    name: str, definition: StageDef, context: Context, env: _Env
) -> list[tuple[str, StageDef]]:
    template = {k: v for k, v in definition.items() if k != "matrix"}
    stages = []
    for suffix, item in _matrix_items(_resolve_matrix(definition["matrix"], context)).items():
        full = _generated_name(name, suffix)
        loop_vars = {"item": item, "key": suffix}
        stages.append((full, _resolve_stage(full, template, context, env, loop_vars)))
    return stages


def _matrix_items(axes: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Name suffix -> `item`, the product in axis order; a list or mapping value is named by
    its axis and index (`win-list0`); an empty axis gives no stage; combinations that read
    the same make one stage, as in DVC."""
    items: dict[str, dict[str, Any]] = {}
    numbered = {axis: list(enumerate(values)) for axis, values in axes.items()}
    for combo in itertools.product(*numbered.values()):
        suffix = "-".join(
            scalar_text(v) if is_scalar(v) else f"{axis}{i}"
            for axis, (i, v) in zip(numbered, combo, strict=True)
        )
        items[suffix] = {axis: v for axis, (_, v) in zip(numbered, combo, strict=True)}
    return items


def _resolve_matrix(raw: Any, context: Context) -> dict[str, list[Any]]:
    """Axis name -> values; an axis given a mapping iterates its keys (DVC)."""
    matrix = resolve(raw, context.data)
    if not isinstance(matrix, dict):
        raise _Error(f"'matrix' must be a mapping of names to lists, got {kind(matrix)}")
    if not matrix:
        raise _Error("'matrix' is empty")
    axes: dict[str, list[Any]] = {}
    for axis, values in matrix.items():
        if not isinstance(values, (list, dict)):
            raise _Error(f"matrix '{axis}' must be a list, got {kind(values)} {values!r}")
        axes[str(axis)] = list(values)
    return axes


def _generated_name(name: str, suffix: str) -> str:
    full = f"{name}@{suffix}"
    if not _SUFFIX.fullmatch(suffix):
        raise _Error(
            f"generated stage name '{full}' is not valid: after '@' use letters, digits, "
            "'_', '.' and '-' (iterate over a mapping to choose the names)"
        )
    return full


def _resolve_stage(
    name: str,
    template: StageDef,
    context: Context,
    env: _Env,
    loop_vars: dict[str, Any] | None = None,
) -> StageDef:
    """One concrete stage: its own `vars` loaded, then every string interpolated."""
    loop_vars = loop_vars or {}
    try:
        if "vars" in template:
            base = _vars_base(template.get("wdir"), context.with_items(loop_vars))
            context = context.clone()
            try:
                context.load(template["vars"], env.load_vars, base, name, tuple(loop_vars))
            except _Error as e:
                raise _Error(f"vars: {e}") from e
        variables = context.with_items(loop_vars)
        stage = {k: v for k, v in template.items() if k != "vars"}
        return {k: resolve(v, variables, str(k)) for k, v in stage.items()}
    except _Error as e:
        raise BadInputError(f"{env.where}: stage '{name}': {e}") from e


def _vars_base(wdir: Any, variables: dict[str, Any]) -> str:
    """Stage vars files are relative to the stage's wdir, as in DVC."""
    if wdir is None:
        return ""
    resolved = resolve(wdir, variables)
    if not isinstance(resolved, str):
        raise _Error(f"'wdir' must be a path, got {kind(resolved)}")
    return resolved
