"""The only PyYAML user (yamlio/__init__.py imports it when a text is not remembered):
safe loading with file:line errors, deterministic dumping."""

from __future__ import annotations

import re

import yaml

from gitml import limits
from gitml.errors import BadInputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# YAML 1.2 core schema as ruamel.yaml (what DVC reads dvc.yaml, params and vars files with)
# resolves plain scalars: `1e-3` is a float, `yes`/`on` and `1:30` stay strings, `010` is ten.
# Only these three resolvers differ from PyYAML's 1.1 ones (null, timestamps, `<<` agree).
_CORE12 = (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    (
        "float",
        r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
        r"|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        "-+0123456789.",
    ),
    ("int", r"[-+]?0b[01_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+", "-+0123456789"),
)
_BASES = {"0b": 2, "0o": 8, "0x": 16}


def _construct_int12(loader: Any, node: Any) -> int:
    """1.2 integers: `0o17`, `0x1F`, `0b101`, `_` ignored; a leading 0 is decimal (no octal)."""
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text[:1] == "-" else 1
    digits = text.lstrip("+-")
    base = _BASES.get(digits[:2], 10)
    try:
        return sign * int(digits[2:] if base != 10 else digits, base)
    except ValueError as e:  # a sign and underscores only ("-_")
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid integer {text!r}", node.start_mark
        ) from e


class _Loader12(_Loader):  # type: ignore[misc]
    """The C safe loader with YAML 1.2 core-schema resolvers (resolving stays in Python)."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, Any]]]] = {}


for _name, _regexp, _first in _CORE12:
    _Loader12.add_implicit_resolver(
        f"tag:yaml.org,2002:{_name}", re.compile(f"^(?:{_regexp})$"), list(_first)
    )
for _first_char, _resolvers in _Loader.yaml_implicit_resolvers.items():
    for _tag, _compiled in _resolvers:
        if _tag.rsplit(":", 1)[1] not in ("bool", "int", "float"):
            _Loader12.yaml_implicit_resolvers.setdefault(_first_char, []).append(
                (_tag, _compiled)
            )
_Loader12.add_constructor("tag:yaml.org,2002:int", _construct_int12)


def parse(text: str, where: str, *, yaml12: bool = False) -> Any:
    """The data of YAML `text` (PyYAML's C safe loader where built, else the Python one);
    YAML 1.2 core-schema scalars with `yaml12`."""
    return _load_checked(text, where, loader=_Loader12 if yaml12 else _Loader)


def line_in(text: str, json_path: tuple[str | int, ...]) -> int:
    """Line (1-based) of the node at `json_path` in `text`, or of its deepest parent."""
    return _line_of(text, json_path)


def check_text(text: str, where: str) -> None:
    """Refuse YAML text whose aliases expand too much or that nests too deep (for callers
    that parse it with another library, like yamledit)."""
    _load_checked(text, where, construct=False)


def scalar(text: str, *, yaml12: bool) -> Any:
    """What `text` means as a plain (unquoted) scalar under YAML 1.2 or PyYAML's 1.1 rules."""
    loader = (_Loader12 if yaml12 else _Loader)("")
    try:
        tag = loader.resolve(yaml.ScalarNode, text, (True, False))
        return loader.construct_object(yaml.ScalarNode(tag, text))
    except yaml.YAMLError:
        return text
    finally:
        loader.dispose()


def _load_checked(text: str, where: str, *, construct: bool = True, loader: Any = None) -> Any:
    """Compose the node graph, check its size (limits.py), then build the data from it:
    the text is parsed once, and a bomb is refused before anything expands it."""
    loader = (loader or _Loader)(text)
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


def reads_back_as_text(text: str) -> bool:
    """True if `text`, written as a plain YAML scalar, reads back as this string under the
    YAML 1.1 rules PyYAML uses (`on`, `yes`, `010`, `1e3`, `null` do not)."""
    resolver: Any = yaml.resolver.Resolver()
    tag = resolver.resolve(yaml.ScalarNode, text, (True, False))
    return bool(tag == "tag:yaml.org,2002:str")
