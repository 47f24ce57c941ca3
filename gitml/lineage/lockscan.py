"""Each stage's deps and outs in a gitml.lock's text, for `--used-by` over many commits.

`from_data` reads them from the data PyYAML builds. `scan` reads them straight from the text
when it is in the block form gitml writes (PyYAML's dumper: two-space indents, sequences
under their key, one-line scalars); any other text, or anything it is unsure of, gives None
and the caller parses the text with PyYAML: when `scan` answers, it answers what
`from_data(PyYAML's data)` would (tests/test_lineage_scan.py compares them).

A lock is parsed stage by stage: each stage's block of text is remembered (`Scanner`), so a
history where each commit changes one stage parses each distinct block once.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Entries = tuple[tuple[tuple[str, str], ...], tuple[str, ...]]  # ((dep path, digest)), (outs)
Stages = dict[str, Entries]  # stage name (as in the lock) -> its deps and outs


def from_data(data: Any) -> Stages:
    """The deps (entries with a `path` and a `digest`) and outs (entries with a `path`) of
    each stage of parsed lock data; paths as written (relative to the lock's folder)."""
    stages = data.get("stages") if isinstance(data, dict) else None
    found: Stages = {}
    for name, item in (stages if isinstance(stages, dict) else {}).items():
        deps = item.get("deps") if isinstance(item, dict) else None
        outs = item.get("outs") if isinstance(item, dict) else None
        found[str(name)] = (
            tuple(
                (str(d["path"]), str(d["digest"]))
                for d in (deps if isinstance(deps, list) else [])
                if isinstance(d, dict) and "path" in d and "digest" in d
            ),
            tuple(
                str(o["path"])
                for o in (outs if isinstance(outs, list) else [])
                if isinstance(o, dict) and "path" in o
            ),
        )
    return found


class _Unsure(Exception):
    """The text is not in the form `scan` reads: PyYAML decides."""


class _Other:
    """A scalar that is not (surely) a string: a number, a bool, null, `[]`, `{}`."""


OTHER = _Other()
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # anything but printable ASCII and \n
_STAGE_START = re.compile(r"\n(?=  [^ ])")  # the line break before each `  NAME:`
_KEY = re.compile(r"[A-Za-z0-9_./+][A-Za-z0-9_./@+ -]*")
_WORD = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./@+-]*")
# plain words PyYAML's YAML 1.1 resolvers may read as something else than a string (or that
# this module does not bother to tell apart): numbers, dates, bools, null, inf, nan
_NOT_TEXT_RE = (
    r"[-+0-9._eE]*|(?i:yes|no|true|false|on|off|null|y|n)|[-+]?\.(?i:inf|nan)"
    r"|[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[bB][01_]+"
)
_NOT_TEXT = re.compile(_NOT_TEXT_RE)
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_OPEN = re.compile(r"'(?:[^']|'')*")  # a single-quoted scalar not closed yet
_DOUBLE = re.compile(r'"([^"\\]*)"')
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


def _scalar(text: str) -> str | _Other:
    """A one-line scalar: its string, or OTHER; _Unsure if it may be more (or not YAML)."""
    if text in ("[]", "{}"):
        return OTHER
    quoted = _SINGLE.fullmatch(text)
    if quoted:
        return quoted.group(1).replace("''", "'")
    quoted = _DOUBLE.fullmatch(text)
    if quoted:
        return quoted.group(1)
    first = text[:1]
    if (
        not text
        or text != text.strip(" ")
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or (first in _INDICATORS and not (first == "-" and text[1:2] not in ("", " ")))
    ):
        raise _Unsure(text)
    return text if _WORD.fullmatch(text) and not _NOT_TEXT.fullmatch(text) else OTHER


def _split(body: str) -> tuple[str, str | None] | None:
    """`KEY: VALUE` -> (KEY, VALUE); `KEY:` -> (KEY, None); None if no key line."""
    if body.endswith(":") and ": " not in body:
        key, rest = body[:-1], None
    elif ": " in body:
        key, _, rest = body.partition(": ")
    else:
        return None
    if not _KEY.fullmatch(key) or key.endswith(" ") or key == "<<":
        raise _Unsure(body)
    return key, rest


class _Block:
    """A recursive reader of the block YAML gitml writes, over (indent, text) lines."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.lines = lines
        self.i = 0

    def _at(self) -> tuple[int, str] | None:
        return self.lines[self.i] if self.i < len(self.lines) else None

    def node(self, indent: int) -> Any:
        line = self.lines[self.i]
        if line[1] == "-" or line[1].startswith("- "):
            return self.sequence(indent)
        return self.mapping(indent)

    def mapping(self, indent: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while (line := self._at()) is not None and line[0] == indent:
            pair = _split(line[1]) if not line[1].startswith("-") else None
            if pair is None or pair[0] in out:
                raise _Unsure(line[1])
            key, rest = pair
            self.i += 1
            out[key] = self._value(rest, indent) if rest is not None else self._child(indent)
        line = self._at()
        if line is not None and line[0] >= indent:
            raise _Unsure(line[1])
        return out

    def _value(self, text: str, indent: int) -> Any:
        """A scalar whose text starts a line of a collection at `indent`: a plain one goes on
        over the lines indented deeper (the dumper folds long ones), then it is OTHER."""
        if text[:1] == "'" and not _SINGLE.fullmatch(text):
            return self._quoted(text, indent)
        value = _scalar(text)
        if text[:1] in ("'", '"') or text in ("[]", "{}"):
            return value
        folded = False
        while (line := self._at()) is not None and line[0] > indent:
            body = line[1]
            if ": " in body or body.endswith(":") or " #" in body or body.startswith("#"):
                raise _Unsure(body)
            self.i += 1
            folded = True
        return OTHER if folded else value

    def _quoted(self, text: str, indent: int) -> Any:
        """A single-quoted scalar over lines indented deeper than `indent` (or blank): the
        dumper writes a long or multi-line string so. OTHER (not read as one word)."""
        parts = [text]
        while _OPEN.fullmatch(" ".join(parts)):
            line = self._at()
            if line is None or not (line[0] > indent or line[0] == -1):
                raise _Unsure(text)
            parts.append(line[1])
            self.i += 1
        if not _SINGLE.fullmatch(" ".join(parts)):
            raise _Unsure(text)
        return OTHER

    def _child(self, indent: int) -> Any:
        line = self._at()
        if line is not None and line[0] > indent:
            return self.node(line[0])
        if line is not None and line[0] == indent and line[1].startswith("- "):
            return self.sequence(indent)
        return OTHER  # null

    def sequence(self, indent: int) -> list[Any]:
        out: list[Any] = []
        while (line := self._at()) is not None and line[0] == indent:
            if not line[1].startswith("- "):
                break  # the next key of the mapping this sequence is indented with
            rest = line[1][2:]
            if rest.startswith("-") or rest != rest.lstrip(" "):
                raise _Unsure(line[1])
            if rest[:1] not in ("'", '"') and _split(rest) is not None:
                # `- KEY: ...`: a mapping at the key's column
                self.lines[self.i] = (indent + 2, rest)
                out.append(self.mapping(indent + 2))
            else:
                self.i += 1
                out.append(self._value(rest, indent))
        line = self._at()
        if line is not None and line[0] > indent:
            raise _Unsure(line[1])
        return out


def _lines(text: str) -> list[tuple[int, str]]:
    lines = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        lines.append((len(line) - len(body) if body else -1, body))  # -1: a blank line
    return lines


# a plain word (_WORD) that is surely a string (not _NOT_TEXT), ended by `:` or a line break
_V = rf"(?!(?:{_NOT_TEXT_RE})[:\n])[A-Za-z0-9_./][A-Za-z0-9_./@+-]*"
_ENTRY = (  # `path` and `digest` captured as groups p and d (in _ENTRIES only)
    rf"    - path: (?P<p>{_V})\n      hash: [a-z0-9-]+\n      digest: (?P<d>{_V})\n"
    r"      size: [0-9]+\n(?:      nfiles: [0-9]+\n)?(?:      cache: false\n)?"
)
_ONE_ENTRY = _ENTRY.replace("(?P<p>", "(?:").replace("(?P<d>", "(?:")
_CANONICAL = re.compile(
    rf"  (?P<name>{_V}):\n    cmd: (?P<cmd>[^\n]*)\n"
    rf"(?:    deps:\n(?P<deps>(?:{_ONE_ENTRY})+))?"
    r"(?:    params:\n(?P<params>(?:      [^\n]*\n)+))?"
    rf"(?:    outs:\n(?P<outs>(?:{_ONE_ENTRY})+))?"
)
_ENTRIES = re.compile(_ENTRY)


def _stage(block: str) -> tuple[str, Entries]:
    """One `  NAME:` block of `stages:` -> (NAME, its entries)."""
    m = _CANONICAL.fullmatch(block + "\n")
    if m is None:
        return _any_stage(block)
    deps: tuple[tuple[str, str], ...] = tuple(_ENTRIES.findall(m["deps"] or ""))
    outs = tuple(p for p, _ in _ENTRIES.findall(m["outs"] or ""))
    _scalar(m["cmd"])
    if m["params"]:
        reader = _Block(_lines(m["params"].removesuffix("\n")))
        reader.mapping(6)
        if reader.i != len(reader.lines):
            raise _Unsure(m["params"])
    return m["name"], (deps, outs)


def _any_stage(block: str) -> tuple[str, Entries]:
    """_stage for a block in any form the block reader knows."""
    reader = _Block(_lines(block))
    data = reader.mapping(2)
    if reader.i != len(reader.lines) or len(data) != 1:
        raise _Unsure(block)
    name, item = next(iter(data.items()))
    if _scalar(name) is OTHER:
        raise _Unsure(name)  # a key PyYAML may not read as a string
    for key in ("deps", "outs"):
        entries = item.get(key) if isinstance(item, dict) else None
        for e in entries if isinstance(entries, list) else []:
            if isinstance(e, dict) and OTHER in (e.get("path"), e.get("digest")):
                raise _Unsure(block)  # str() of a non-string scalar: leave it to PyYAML
    return name, from_data({"stages": {name: item}})[name]


class Scanner:
    """`scan` with each stage block's answer remembered (by its text) across locks."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[str, Entries] | None] = {}

    def scan(self, text: str) -> Stages | None:
        """The stages of a lock in gitml's written form, else None (use PyYAML)."""
        if not text.isascii() or _CONTROL.search(text) or not text.endswith("\n"):
            return None
        head, sep, body = text.partition("stages:\n")
        if not sep or (head and not head.endswith("\n")):
            return None
        try:
            for line in head.splitlines():
                pair = _split(line) if line[:1] != " " else None
                if pair is None or pair[0] != "schema" or pair[1] is None:
                    return None
                _scalar(pair[1])
        except _Unsure:
            return None
        if head.count("\n") > 1 or not body.startswith("  "):
            return None  # more than `schema`, or no stage
        # each block without its last line break (a top-level key after `stages:` is in the
        # last block, which then is no stage)
        blocks = _STAGE_START.split(body.removesuffix("\n"))
        found: Stages = {}
        for block in blocks:
            if block not in self.known:
                try:
                    self.known[block] = _stage(block)
                except (_Unsure, RecursionError):  # (params nested past Python's limit)
                    self.known[block] = None
            answer = self.known[block]
            if answer is None or answer[0] in found:
                return None
            found[answer[0]] = answer[1]
        return found if found else None
