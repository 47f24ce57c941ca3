"""Size limits on what a data file may expand to: nesting depth, YAML alias expansion.

A 400-byte YAML file of nested aliases ("billion laughs") expands to billions of nodes, and
any code that walks the loaded data (schema checks, templates, hashing) runs for hours. Deep
nesting makes that same code exceed Python's recursion limit. Every file gitml reads goes
through one of these checks before its data is used.
"""

from __future__ import annotations

from gitml.errors import BadInputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_DEPTH = 100  # nested collections (mappings, lists); real files use fewer than 10
MAX_ALIAS_NODES = 100_000  # nodes that aliases may add beyond the file's own
# a param's value is stored in gitml.lock 5 levels down (stages.NAME.params.FILE.KEY)
MAX_PARAMS_DEPTH = MAX_DEPTH - 10


def depth_error(where: str, line: int | None = None, limit: int = MAX_DEPTH) -> BadInputError:
    at = f"{where}:{line}" if line is not None else where
    return BadInputError(f"{at}: nesting deeper than {limit} levels")


def check_depth(data: Any, where: str, limit: int = MAX_DEPTH) -> None:
    """Refuse data (from JSON, TOML, ...) nested deeper than `limit` collections."""
    level: list[Any] = [data]
    depth = 0
    while level:
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        depth += 1
        if level and depth >= limit:
            raise depth_error(where, limit=limit)


def check_yaml_graph(root: Any, where: str, *, aliases: bool = True) -> None:
    """Refuse a composed PyYAML node graph that expands too much or nests too deep.

    Walked one level at a time, each distinct node once per level with the number of ways
    it is reached (aliases make the graph a DAG): the work is bounded by the file's size plus
    MAX_ALIAS_NODES, never by a bomb's expansion. A recursive alias nests without end.
    `aliases=False` (text with no anchor) checks only the depth of what is then a tree.
    """
    if not aliases:
        _check_tree_depth(root, where)
        return
    level: dict[int, list[Any]] = {id(root): [root, 1]}
    expanded = written = 1  # nodes after alias expansion, and as written in the file
    counted: set[int] = set()
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise depth_error(where, _line(next(iter(level.values()))[0]))
        below: dict[int, list[Any]] = {}
        for node, times in level.values():
            children = _children(node)
            if id(node) not in counted:
                counted.add(id(node))
                written += len(children)
            expanded += times * len(children)
            for child in children:
                if child.id != "scalar":
                    seen = below.get(id(child))
                    if seen is None:
                        below[id(child)] = [child, times]
                    else:
                        seen[1] += times
            if expanded - written > MAX_ALIAS_NODES:
                raise BadInputError(
                    f"{where}:{_line(node)}: YAML aliases expand to more than "
                    f"{MAX_ALIAS_NODES} nodes"
                )
        level = below


def _check_tree_depth(root: Any, where: str) -> None:
    level = [root]
    for _ in range(MAX_DEPTH):
        level = [c for n in level if n.id == "sequence" for c in n.value if c.id != "scalar"] + [
            c
            for n in level
            if n.id == "mapping"
            for pair in n.value
            for c in pair
            if c.id != "scalar"
        ]
        if not level:
            return
    raise depth_error(where, _line(level[0]))


def _children(node: Any) -> list[Any]:
    if node.id == "sequence":
        return node.value  # type: ignore[no-any-return]
    if node.id == "mapping":
        return [n for pair in node.value for n in pair]
    return []


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1
