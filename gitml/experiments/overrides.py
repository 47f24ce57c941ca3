"""`-S/--set-param [FILE:]KEY=VALUE`: parsing, values and grids, as DVC (Hydra's override
grammar) reads them, for the common cases.

`KEY=VALUE` sets an existing key, `+KEY=VALUE` adds a new one, `++KEY=VALUE` sets or adds,
`~KEY` removes. A VALUE is an int (`3`, `-1_000`), a float (`0.1`, `1e-3`, `inf`, `nan`), a
bool (`true`/`False`), `null`, a quoted string (`'a,b'`), a list `[1, x]`, a mapping
`{a: 1}`, or else the text itself (`hello world`, `010`, `2024-01-01` stay strings). A
comma list at the top (`1,2,3`), `range(START, STOP[, STEP])` or `choice(a, b)` is a sweep:
one experiment per combination of all sweeps (a grid).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, replace
from typing import Any, Literal

from gitml.errors import BadInputError
from gitml.pipeline.params import DEFAULT_PARAMS

Op = Literal["set", "add", "force", "delete"]

_INT = re.compile(r"[+-]?(0|[1-9](_?\d)*)")
_FLOAT = re.compile(
    r"[+-]?((\d(_?\d)*)?\.\d(_?\d)*([eE][+-]?\d(_?\d)*)?|\d(_?\d)*\.([eE][+-]?\d(_?\d)*)?"
    r"|\d(_?\d)*[eE][+-]?\d(_?\d)*|[iI][nN][fF]|[nN][aA][nN])"
)
_KEY = re.compile(r"[A-Za-z0-9_$\-/@]+(\.[A-Za-z0-9_$\-/@]+)*")


@dataclass(frozen=True)
class Override:
    file: str  # repo-relative params file
    op: Op
    key: str  # dotted key
    values: tuple[Any, ...]  # one value, several for a sweep, none for a delete
    text: str  # as given (for messages)

    @property
    def sweep(self) -> bool:
        return len(self.values) > 1


def parse(texts: tuple[str, ...] | list[str]) -> list[Override]:
    """Every `-S` given, parsed; a malformed one is one clear BadInputError."""
    return [_parse_one(text) for text in texts]


def grid(overrides: list[Override]) -> list[list[Override]]:
    """One list of single-valued overrides per combination of the sweeps (DVC's order)."""
    choices = [[replace(o, values=(v,)) for v in o.values] or [o] for o in overrides]
    return [list(combo) for combo in itertools.product(*choices)]


def _parse_one(text: str) -> Override:
    head = text.partition("=")[0]
    file, key_part = DEFAULT_PARAMS, text
    if ":" in head:
        file, _, key_part = text.partition(":")
        if not file:
            raise _bad(text, "empty file name before ':'")
    if key_part.startswith("~"):
        key, _, rest = key_part[1:].partition("=")
        _check_key(key, text)
        if rest:
            raise _bad(text, "'~KEY' removes a key and takes no value")
        return Override(file, "delete", key, (), text)
    op: Op = "set"
    if key_part.startswith("++"):
        op, key_part = "force", key_part[2:]
    elif key_part.startswith("+"):
        op, key_part = "add", key_part[1:]
    key, eq, value_text = key_part.partition("=")
    if not eq:
        raise _bad(text, "expected KEY=VALUE")
    _check_key(key, text)
    try:
        values = _Reader(value_text).top()
    except ValueError as e:
        raise _bad(text, str(e)) from e
    return Override(file, op, key, tuple(values), text)


def _check_key(key: str, text: str) -> None:
    if not _KEY.fullmatch(key):
        raise _bad(text, f"invalid key '{key}'")


def _bad(text: str, why: str) -> BadInputError:
    return BadInputError(
        f"invalid --set-param '{text}': {why}", hint="use [FILE:]KEY=VALUE, e.g. -S lr=0.1"
    )


class _Reader:
    """A small recursive-descent reader of one override value."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def top(self) -> list[Any]:
        text = self.text.strip()
        m = re.fullmatch(r"(range|choice)\((.*)\)", text, re.S)
        if m:
            self.text, self.pos = m[2], 0
            args = self._items(end="") if m[2].strip() else []
            return _range(args) if m[1] == "range" else args
        values = self._items(end="")
        if not values:
            return [""]
        return values

    def _items(self, end: str) -> list[Any]:
        """Comma-separated elements up to `end` (or the end of the text)."""
        items: list[Any] = []
        while True:
            self._space()
            if end and self._peek() == end and not items:
                return items
            items.append(self._element(stop=",]}" if end else ","))
            self._space()
            c = self._peek()
            if c == ",":
                self.pos += 1
                continue
            if (end and c == end) or (not end and c == ""):
                return items
            raise ValueError(f"unexpected '{c or 'end'}' at {self.pos + 1}")

    def _element(self, stop: str) -> Any:
        c = self._peek()
        if c == "[":
            self.pos += 1
            items = self._items(end="]")
            self.pos += 1
            return items
        if c == "{":
            return self._mapping()
        if c and c in "'\"":
            return self._quoted(c)
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stop + "[]{}'\"":
            if self.text[self.pos] == "\\" and self.pos + 1 < len(self.text):
                self.pos += 1
            self.pos += 1
        raw = self.text[start : self.pos].strip()
        if not raw and self._peek() not in ("", ","):
            raise ValueError(f"unexpected '{self._peek()}' at {self.pos + 1}")
        return _scalar(raw.replace("\\", ""))

    def _mapping(self) -> dict[str, Any]:
        self.pos += 1
        out: dict[str, Any] = {}
        while True:
            self._space()
            if self._peek() == "}":
                self.pos += 1
                return out
            m = re.compile(r"[^:,{}\[\]\s]+").match(self.text, self.pos)
            if not m:
                raise ValueError(f"expected a key at {self.pos + 1}")
            self.pos = m.end()
            self._space()
            if self._peek() != ":":
                raise ValueError(f"expected ':' at {self.pos + 1}")
            self.pos += 1
            self._space()
            out[m[0]] = self._element(stop=",}")
            self._space()
            if self._peek() == ",":
                self.pos += 1
            elif self._peek() != "}":
                raise ValueError(f"expected ',' or '}}' at {self.pos + 1}")

    def _quoted(self, quote: str) -> str:
        self.pos += 1
        chars = []
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == "\\" and self.pos + 1 < len(self.text):
                chars.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            self.pos += 1
            if c == quote:
                return "".join(chars)
            chars.append(c)
        raise ValueError("unterminated quoted string")

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _space(self) -> None:
        while self._peek().isspace():
            self.pos += 1


def _scalar(raw: str) -> Any:
    if _INT.fullmatch(raw):
        return int(raw.replace("_", ""))
    if _FLOAT.fullmatch(raw):
        return float(raw.replace("_", ""))
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "null":
        return None
    return raw


def _range(args: list[Any]) -> list[Any]:
    if not 1 <= len(args) <= 3 or not all(isinstance(a, int | float) for a in args):
        raise ValueError("range() takes 1 to 3 numbers")
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args[:2], args[2:] or [1])
    step = step[0] if isinstance(step, list) else step
    if step == 0:
        raise ValueError("range() step must not be 0")
    count = max(0, math.ceil((stop - start) / step))
    return [start + i * step for i in range(count)]
