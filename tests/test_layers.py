"""Dependencies point one way: the model imports no click, git, fsspec, and never prints."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "gitml"
MODEL = ("hashing", "tree", "pointer", "paths", "errors", "constants", "render")
LIBRARY_HOME = {
    "click": "cli",
    "git": "gitobjects",
    "gitdb": "gitobjects",
    "yaml": "yamlio",
    "jsonschema": "schema",
    "ruamel": "yamledit",
    "networkx": "commands",
    "fsspec": "remote",
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules() -> dict[str, Path]:
    return {str(p.relative_to(PKG).with_suffix("")).replace("/", "."): p for p in PKG.rglob("*.py")}


def test_each_library_has_one_home() -> None:
    for name, path in modules().items():
        for lib, home in LIBRARY_HOME.items():
            if lib in imports_of(path):
                assert name.split(".")[0] == home, f"{name} imports {lib}; only {home} may"


def test_model_is_free_of_adapters() -> None:
    for name in MODEL:
        imported = imports_of(PKG / f"{name}.py")
        assert not imported & {"click", "git", "fsspec", "s3fs", "yaml", "sqlite3"}, name


def test_core_never_prints() -> None:
    for name, path in modules().items():
        if name.split(".")[0] == "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", f"{name} calls print()"
