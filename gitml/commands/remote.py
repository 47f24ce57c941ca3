"""`gitml remote add/modify/remove/list/default`: remotes in the config files."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from gitml import config, remoteurl
from gitml.errors import BadInputError
from gitml.remote import SECRET_OPTIONS
from gitml.repo import Repo

OPTIONS = ("url", "endpointurl", "region", "profile", "access_key_id", "secret_access_key", "jobs")


def add(repo: Repo, name: str, url: str, *, default: bool, local: bool, force: bool) -> None:
    _check_url(repo, name, url)
    if name in repo.config.remotes and not force:
        raise BadInputError(f"remote '{name}' already exists", hint="use --force to replace it")

    def change(data: dict[str, Any]) -> None:
        data.setdefault("remotes", {})[name] = {"url": url}
        if default:
            data.setdefault("core", {})["remote"] = name

    with repo.lock():
        config.edit(repo.root, change, local=local, memo=repo.state)


def modify(
    repo: Repo, name: str, option: str, value: str | None, *, local: bool, unset: bool
) -> None:
    """Set (or unset) one option of a remote; secrets only in the local config."""
    if option not in OPTIONS:
        raise BadInputError(f"unknown remote option '{option}'; known: {', '.join(OPTIONS)}")
    if option in SECRET_OPTIONS and not local and not unset:
        raise BadInputError(
            f"'{option}' is a credential and would be committed to Git with config.yaml",
            hint=f"use 'gitml remote modify --local {name} {option} ...'",
        )
    if name not in repo.config.remotes:
        raise BadInputError(f"unknown remote '{name}'", hint="see 'gitml remote list'")
    if not unset and value is None:
        raise BadInputError(f"give a value for '{option}', or use --unset")
    if option == "url" and value is not None:
        _check_url(repo, name, value)
    typed: Any = int(value) if option == "jobs" and value and value.isdigit() else value

    def change(data: dict[str, Any]) -> None:
        entry = data.setdefault("remotes", {}).setdefault(name, {})
        if unset:
            entry.pop(option, None)
        else:
            entry[option] = typed
        if not entry:
            data["remotes"].pop(name)

    with repo.lock():
        config.edit(repo.root, change, local=local, memo=repo.state)


def remove(repo: Repo, name: str, *, local: bool) -> None:
    if name not in repo.config.remotes:
        raise BadInputError(f"unknown remote '{name}'", hint="see 'gitml remote list'")

    def change(data: dict[str, Any]) -> None:
        data.get("remotes", {}).pop(name, None)
        if data.get("core", {}).get("remote") == name:
            data["core"].pop("remote")

    with repo.lock():
        for where in (False, True) if not local else (True,):
            config.edit(repo.root, change, local=where, memo=repo.state)


def set_default(repo: Repo, name: str | None, *, local: bool) -> None:
    if name is not None and name not in repo.config.remotes:
        raise BadInputError(f"unknown remote '{name}'", hint="see 'gitml remote list'")

    def change(data: dict[str, Any]) -> None:
        core = data.setdefault("core", {})
        if name is None:
            core.pop("remote", None)
        else:
            core["remote"] = name

    with repo.lock():
        config.edit(repo.root, change, local=local, memo=repo.state)


def listing(repo: Repo) -> list[tuple[str, str, bool]]:
    """(name, url, is default) of every remote; a password in a URL shows as ***."""
    cfg = repo.config
    return [
        (n, remoteurl.redact(str(o.get("url", ""))), n == cfg.remote)
        for n, o in sorted(cfg.remotes.items())
    ]


def _check_url(repo: Repo, name: str, url: str) -> None:
    if not url.strip():
        raise BadInputError("remote URL is empty")
    if "://" in url and urlsplit(url).password:
        raise BadInputError(
            "the remote URL contains a password, which would be committed to Git",
            hint="configure credentials with 'gitml remote modify --local'",
        )
    if remoteurl.protocol_of(url) in remoteurl.LOCAL_PROTOCOLS:
        remoteurl.check_local(repo.root, name, url)


check_url = _check_url  # `gitml config remote.NAME.url` checks a URL as `remote add` does
