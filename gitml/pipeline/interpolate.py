"""`${...}` in gitml.yaml values, as dvc/parsing/interpolate.py: lookup, text formatting, and
which values a reference may bring in (DVC's `validate_value`)."""

from __future__ import annotations

import copy
import re
import shlex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_EXACT = re.compile(r"\$\{([^{}]*)\}")
_REF = re.compile(r"\\(\$\{)|\$\{([^{}]*)\}")  # group 1: an escaped "\${"; group 2: a reference
_ANY_REF = re.compile(r"(?<!\\)\$\{[^{}]*\}")
# dotted and bracketed segments: a.b, a[b], a[b][0], a.b[1].c (any characters but . [ ])
_PATH = re.compile(r"[^.\[\]]+(?:\[[^.\[\]]+\]|\.[^.\[\]]+)*")
_SEGMENT = re.compile(r"[^.\[\]]+")  # after _PATH has checked the shape
_MISSING = object()


class ResolveError(Exception):
    """A problem inside one part of the file; wrapped with the file and stage names."""


def first_reference(value: Any) -> str | None:
    """The first text (key or value) in `value` holding a `${...}` (not escaped), if any."""
    if isinstance(value, str):
        return value if _ANY_REF.search(value) else None
    if isinstance(value, dict):
        texts = [t for pair in value.items() for t in pair]
    elif isinstance(value, list):
        texts = value
    else:
        return None
    return next((t for t in map(first_reference, texts) if t is not None), None)


def resolve(value: Any, context: dict[str, Any], key: str | None = None) -> Any:
    """`value` with every reference replaced. `key` is the stage key being resolved (None for
    foreach/matrix data and top-level sections): under a key, a reference may bring in only a
    scalar, except a mapping inside the text of `cmd` (DVC)."""
    if isinstance(value, str):
        exact = _EXACT.fullmatch(value)
        if exact:
            found = lookup(exact.group(1), value, context)
            _check_value(found, key, value, in_text=False)
            return copy.deepcopy(found)
        return format_text(value, context, key)
    if isinstance(value, list):
        return [resolve(v, context, key) for v in value]
    if isinstance(value, dict):
        return resolve_mapping(value, context, key)
    return value


def resolve_mapping(
    value: dict[Any, Any], context: dict[str, Any], key: str | None = None
) -> dict[Any, Any]:
    """Values and string keys interpolated (`{${out}.json: {cache: false}}`)."""
    out: dict[Any, Any] = {}
    for name, item in value.items():
        new_name = format_text(name, context, key) if isinstance(name, str) else name
        if new_name in out:
            raise ResolveError(f"key '{new_name}' appears twice after interpolation")
        out[new_name] = resolve(item, context, key)
    return out


def format_text(text: str, context: dict[str, Any], key: str | None = None) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(1)
        value = lookup(match.group(2), text, context)
        _check_value(value, key, text, in_text=True)
        if isinstance(value, dict):
            return dict_args(value, text)
        return scalar_text(value)

    return _REF.sub(replace, text)


def _check_value(value: Any, key: str | None, text: str, *, in_text: bool) -> None:
    if is_scalar(value):
        return
    if isinstance(value, dict) and key == "cmd" and in_text:
        return
    if key is None and not in_text:
        return
    where = f"'{key}'" if key is not None else "text"
    raise ResolveError(f"{where}: cannot interpolate a {kind(value)} in '{text}'")


def dict_args(value: dict[Any, Any], text: str) -> str:
    """A mapping in `cmd` text as command-line options, DVC's defaults (`parsing.bool:
    store_true`, `parsing.list: nargs`): `--k v`, `--flag` for true, nothing for false, nested
    keys dotted, strings shell-quoted."""
    parts: list[str] = []
    for name, item in _flatten(value, ""):
        if isinstance(item, bool):
            if item:
                parts.append(f"--{name}")
        elif isinstance(item, str):
            parts.append(f"--{name} {shlex.quote(item)}")
        elif isinstance(item, list):
            for n, element in enumerate(item):
                if isinstance(element, (list, dict)):
                    raise ResolveError(f"cannot interpolate nested list in '{name}' in '{text}'")
                shown = shlex.quote(element) if isinstance(element, str) else str(element)
                parts.append(shown if n else f"--{name} {shown}")
        else:
            parts.append(f"--{name} {item}")
    return " ".join(parts)


def _flatten(value: dict[Any, Any], prefix: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, item in value.items():
        full = f"{prefix}{name}"
        if isinstance(item, dict):
            out.extend(_flatten(item, f"{full}."))  # an empty mapping gives nothing
        else:
            out.append((full, item))
    return out


def lookup(ref: str, text: str, context: dict[str, Any]) -> Any:
    ref = ref.strip()
    if not _PATH.fullmatch(ref):
        raise ResolveError(f"bad variable reference '${{{ref}}}' in '{text}'")
    value: Any = context
    for match in _SEGMENT.finditer(ref):
        value = _step(value, match.group(0).strip())
        if value is _MISSING:
            raise ResolveError(f"undefined variable '{ref}' in '{text}'")
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


def is_scalar(value: Any) -> bool:
    return not isinstance(value, (list, dict))


def scalar_text(value: Any) -> str:
    """How a scalar reads inside text and stage names, as in DVC: YAML spelling for bools,
    Python's for the rest (null is `None`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def kind(value: Any) -> str:
    names = {dict: "mapping", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)
