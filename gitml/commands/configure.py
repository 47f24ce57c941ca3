"""`gitml config`: get, set, unset and list options of `.gitml/config.yaml` (and, with
`--local`, `config.local.yaml`) by dotted names, as `dvc config` does: `section.option`
(`core.remote`, `cache.type`) or `remote.NAME.option` (`remote.storage.url`).

The names and value types are those of the config schema (schemas/config.json); a value is
validated before the file is written (atomic, comments and key order kept).
"""

from __future__ import annotations

import json
import os
from typing import Any

from gitml import config, remoteurl, schema
from gitml.commands import remote as remote_cmd
from gitml.constants import GITML_DIR
from gitml.errors import BadInputError
from gitml.record import dataclass
from gitml.remote import SECRET_OPTIONS
from gitml.repo import Repo

LINK_TYPES = ("reflink", "hardlink", "symlink", "copy")
REMOTE = "remote"  # DVC's name for the `remotes` section in dotted names


@dataclass(frozen=True)
class Name:
    """A parsed dotted name: `remote` is the remote's name for `remote.NAME.option`."""

    section: str
    option: str
    remote: str | None = None

    @property
    def path(self) -> tuple[str, ...]:
        """The keys in the config file."""
        if self.remote is not None:
            return ("remotes", self.remote, self.option)
        return (self.section, self.option)

    def __str__(self) -> str:
        return ".".join((REMOTE, self.remote, self.option) if self.remote else self.path)


@dataclass(frozen=True)
class Setting:
    name: str  # dotted, as `config -l` prints it
    value: str  # as printed: lists comma-joined, booleans true/false
    origin: str  # the file, repo-relative


def schema_options() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """(section -> option -> schema, remote option -> schema) from the config schema."""
    props = json.loads(schema.schema_text("config"))["properties"]
    sections = {k: v["properties"] for k, v in props.items() if k != "remotes"}
    return sections, props["remotes"]["additionalProperties"]["properties"]


def parse_name(text: str) -> Name:
    """`section.option` or `remote.NAME.option`; an unknown one is bad input."""
    sections, remote_options = schema_options()
    parts = text.split(".")
    if len(parts) >= 3 and parts[0] in (REMOTE, "remotes"):
        name, option = ".".join(parts[1:-1]), parts[-1]
        if option not in remote_options:
            known = ", ".join(remote_options)
            raise BadInputError(f"unknown remote option '{option}' in '{text}'; known: {known}")
        return Name(REMOTE, option, name)
    if len(parts) != 2:
        raise BadInputError(
            f"invalid config name '{text}'", hint="use section.option or remote.NAME.option"
        )
    section, option = parts
    if section not in sections:
        known = ", ".join([*sections, REMOTE])
        raise BadInputError(f"unknown config section '{section}'; known: {known}")
    if option not in sections[section]:
        known = ", ".join(sections[section])
        raise BadInputError(f"unknown option '{option}' in section '{section}'; known: {known}")
    return Name(section, option)


def get(repo: Repo, text: str, *, local: bool | None = None) -> Setting | None:
    """The value `text` names: from the local config, else the shared one (or only the
    file `local` says); None when it is not set."""
    name = parse_name(text)
    order = (True, False) if local is None else (local,)
    for where in order:
        data = config.load_raw(config.config_paths(repo.root)[where], repo.state)
        value = _get_in(data, name.path)
        if value is not None:
            return Setting(str(name), shown(value), _origin(where))
    return None


def set_value(repo: Repo, text: str, value: str, *, local: bool) -> None:
    """Set `text` to `value` (typed by the schema) in one config file."""
    name = parse_name(text)
    typed = _typed(name, value)
    _check_set(repo, name, typed, local=local)

    def change(data: dict[str, Any]) -> None:
        node = data
        for key in name.path[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[name.path[-1]] = typed

    with repo.lock():
        config.edit(repo.root, change, local=local, memo=repo.state)


def unset(repo: Repo, text: str, *, local: bool) -> None:
    """Remove `text` from one config file; an option not set there is bad input (DVC)."""
    name = parse_name(text)
    path = config.config_paths(repo.root)[local]
    if _get_in(config.load_raw(path, repo.state), name.path) is None:
        raise BadInputError(f"'{name}' is not set in {_origin(local)}")

    def change(data: dict[str, Any]) -> None:
        parents = [data]
        for key in name.path[:-1]:
            parents.append(parents[-1][key])
        parents[-1].pop(name.path[-1])
        for depth in range(len(parents) - 1, 0, -1):  # drop sections left empty
            if not parents[depth]:
                parents[depth - 1].pop(name.path[depth - 1])

    with repo.lock():
        config.edit(repo.root, change, local=local, memo=repo.state)


def listing(repo: Repo, *, local: bool | None = None) -> list[Setting]:
    """Every option set, the shared file's first (DVC's level order); secrets and URL
    passwords shown as ***."""
    out = []
    for where in (False, True) if local is None else (local,):
        data = config.load_raw(config.config_paths(repo.root)[where], repo.state)
        for section, options in data.items():
            if section == "remotes":
                for remote, values in options.items():
                    for option, value in values.items():
                        text = _redacted(option, value)
                        out.append(Setting(f"{REMOTE}.{remote}.{option}", text, _origin(where)))
                continue
            for option, value in (options or {}).items():
                out.append(Setting(f"{section}.{option}", shown(value), _origin(where)))
    return out


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _redacted(option: str, value: Any) -> str:
    if option in SECRET_OPTIONS:
        return "***"
    return remoteurl.redact(str(value)) if option == "url" else shown(value)


def _origin(local: bool) -> str:
    return os.path.join(GITML_DIR, os.path.basename(config.config_paths("")[local]))


def _get_in(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


def _typed(name: Name, value: str) -> Any:
    """`value` as the schema's type for `name`: a boolean, an integer, a comma-separated
    list, or the string."""
    sections, remote_options = schema_options()
    spec = remote_options[name.option] if name.remote else sections[name.section][name.option]
    kind = spec.get("type")
    if kind == "boolean":
        if value.lower() in _TRUE + _FALSE:
            return value.lower() in _TRUE
        raise BadInputError(f"'{name}' takes true or false, not '{value}'")
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise BadInputError(f"'{name}' takes a whole number, not '{value}'") from None
    if kind == "array":
        return [v.strip() for v in value.split(",") if v.strip()]
    if name.path == ("cache", "type"):
        kinds = [v.strip() for v in value.split(",")]
        if not all(k in LINK_TYPES for k in kinds):
            raise BadInputError(
                f"'cache.type' takes link types out of {', '.join(LINK_TYPES)}, comma-separated;"
                f" not '{value}'"
            )
        return ",".join(kinds)
    return value


def _check_set(repo: Repo, name: Name, typed: Any, *, local: bool) -> None:
    """What `gitml remote` refuses too: a credential in the tracked file, a URL with a
    password or to a folder inside the repository, a default that names no remote."""
    if name.remote is not None:
        if name.option in SECRET_OPTIONS and not local:
            raise BadInputError(
                f"'{name.option}' is a credential and would be committed to Git with config.yaml",
                hint=f"use 'gitml config --local {name} ...'",
            )
        if name.option == "url":
            remote_cmd.check_url(repo, name.remote, typed)
        elif name.remote not in repo.config.remotes:
            raise BadInputError(
                f"unknown remote '{name.remote}'", hint=f"set 'remote.{name.remote}.url' first"
            )
    if name.path == ("core", "remote") and typed not in repo.config.remotes:
        raise BadInputError(f"unknown remote '{typed}'", hint="see 'gitml remote list'")
