"""Reading and writing gitml's YAML files: safe loading with file:line errors, schema checks,
deterministic dumping.

A file already read, valid, under the same schema and rules is answered from the state
database (`ParseMemo`: its content hash -> its data as JSON) without importing PyYAML
(~13 ms) or jsonschema: what `status` and a no-op `repro` read is mostly that. Only data
JSON gives back exactly (same types, same key order) is remembered. PyYAML itself is used
in yamlio/pyyaml.py, imported when a text is not remembered.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from gitml import atomic, schema
from gitml.errors import BadInputError
from gitml.hashing import hash_bytes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ValidationMemo = schema.ValidationMemo
Precheck = Callable[["Any"], schema.Problem | None]  # data -> (json path, message) or None


def load_file(
    path: str,
    *,
    schema_name: str | None = None,
    memo: ValidationMemo | None = None,
    where: str | None = None,
    yaml12: bool = False,
    precheck: Precheck | None = None,
) -> Any:
    """Safe-load the YAML at `path`; validate against `schema_name`; errors as where:line
    (`where` defaults to `path`; callers pass the repo-relative name). `yaml12`: resolve
    plain scalars by YAML 1.2 (DVC's rules for dvc.yaml, params and vars files). `precheck`
    runs before the schema, so that its clearer message wins for what both would refuse."""
    where = where or path
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise BadInputError(f"{where}: cannot read ({e.strerror})") from e
    return loads(
        raw, where=where, schema_name=schema_name, memo=memo, yaml12=yaml12, precheck=precheck
    )


def loads(
    raw: bytes,
    *,
    where: str,
    schema_name: str | None = None,
    memo: ValidationMemo | None = None,
    yaml12: bool = False,
    precheck: Precheck | None = None,
) -> Any:
    """Like load_file, for bytes already read (e.g. a blob at a Git revision)."""
    if precheck is None and _comments_only(raw) and schema.accepts_null(schema_name):
        return None  # a new config file: no state database, no PyYAML, no schema check
    key = None
    rules = b"1.2\0" if yaml12 else b""  # the same bytes may be valid under one rule only
    if schema_name is not None:
        key = hash_bytes(schema.schema_text(schema_name).encode() + b"\0" + rules + raw)
    elif memo is not None:  # no schema (a params or metrics file): remember the data only
        key = hash_bytes(b"\0no schema\0" + rules + raw)
    if key is not None and memo is not None:
        known = memo.parsed(key)
        if known is not None:
            return json.loads(known)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadInputError(f"{where}:1: not UTF-8 text") from e
    data = _parsed(text, where, yaml12)
    if schema_name is None or key is None:
        exact = _exact_json(data) if key is not None and memo is not None else None
        if key is not None and memo is not None and exact is not None:
            memo.remember_parsed(key, exact)
        return data
    known_valid = memo is not None and memo.is_valid(key)
    if not known_valid:
        problem = precheck(data) if precheck is not None else None
        problem = problem or schema.first_problem(data, schema_name)
        if problem is not None:
            json_path, message = problem
            from gitml.yamlio import pyyaml

            raise BadInputError(f"{where}:{pyyaml.line_in(text, json_path)}: {message}")
    if memo is not None:
        if not known_valid:
            memo.mark_valid(key)
        exact = _exact_json(data)
        if exact is not None:
            memo.remember_parsed(key, exact)
    return data


def _parsed(text: str, where: str, yaml12: bool) -> Any:
    if _only_comments(text):
        return None  # what YAML makes of it, without loading PyYAML (a new config file)
    from gitml.yamlio import pyyaml

    return pyyaml.parse(text, where, yaml12=yaml12)


def _comments_only(raw: bytes) -> bool:
    return raw.isascii() and _only_comments(raw.decode("ascii"))


def _only_comments(text: str) -> bool:
    """Lines of spaces and `#` comments only, as PyYAML reads them (no directive, no document
    marker; anything but printable ASCII sends the text to PyYAML)."""
    for line in text.replace("\r\n", "\n").split("\n"):
        if not (line.isascii() and line.isprintable()):  # printable ASCII: no tab, no CR
            return False
        if line.strip(" ") and not line.lstrip(" ").startswith("#"):
            return False
    return True


def _exact_json(data: Any) -> str | None:
    """`data` as JSON text if JSON gives it back equal (no dates, no int keys, no NaN)."""
    try:
        text = json.dumps(data, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return text if json.loads(text) == data else None


def check_text(text: str, where: str) -> None:
    """Refuse YAML text whose aliases expand too much or that nests too deep (for callers
    that parse it with another library, like yamledit)."""
    from gitml.yamlio import pyyaml

    pyyaml.check_text(text, where)


def scalar(text: str, *, yaml12: bool) -> Any:
    """What `text` means as a plain (unquoted) scalar under YAML 1.2 or PyYAML's 1.1 rules."""
    from gitml.yamlio import pyyaml

    return pyyaml.scalar(text, yaml12=yaml12)


def dumps(data: Any) -> str:
    """Deterministic block-style YAML (callers give keys in a stable order)."""
    from gitml.yamlio import pyyaml

    return pyyaml.dumps(data)


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


def line_of(raw: bytes, json_path: tuple[str | int, ...]) -> int:
    """Line (1-based) of the node at `json_path` in YAML `raw`, or of its deepest parent."""
    from gitml.yamlio import pyyaml

    return pyyaml.line_of(raw, json_path)


def reads_back_as_text(text: str) -> bool:
    """True if `text`, written as a plain YAML scalar, reads back as this string under the
    YAML 1.1 rules PyYAML uses (`on`, `yes`, `010`, `1e3`, `null` do not)."""
    from gitml.yamlio import pyyaml

    return pyyaml.reads_back_as_text(text)
