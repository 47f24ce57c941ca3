"""`.dvc/config` and `.dvc/config.local` -> gitml's config data: the remotes, the default
remote, the cache link types. A credential never goes to the tracked config: wherever DVC
had it, it lands in `.gitml/config.local.yaml`."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from gitml import remote, remoteurl
from gitml.errors import BadInputError
from gitml.migrate.dvcrepo import DVC_DIR, DvcRepo
from gitml.record import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# gitml's remote options (config.json); the credentials among them
KEPT = ("url", "endpointurl", "region", "profile", "access_key_id", "secret_access_key", "jobs")
SECRETS = frozenset({"access_key_id", "secret_access_key"})
# DVC's credentials (dvc/config_schema.py) that gitml has no option for: never written
DVC_SECRETS = frozenset(
    {
        "session_token", "password", "ask_password", "key_passphrase", "gss_auth",
        "account_key", "sas_token", "connection_string", "client_secret", "token",
        "credentialpath", "keyfile", "user", "key_secret", "oss_key_secret",
        "encryption_key", "client_id", "tenant_id", "key_id", "oss_key_id",
    }
)  # fmt: skip
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_CACHE_TYPES = frozenset({"reflink", "hardlink", "symlink", "copy"})


@dataclass(frozen=True)
class ConfigPlan:
    shared: dict[str, Any] = field(default_factory=dict)  # for .gitml/config.yaml
    local: dict[str, Any] = field(default_factory=dict)  # for .gitml/config.local.yaml
    notes: tuple[str, ...] = ()

    @property
    def remotes(self) -> list[str]:
        names = set(self.shared.get("remotes", {})) | set(self.local.get("remotes", {}))
        return sorted(names)

    @property
    def default(self) -> str | None:
        core = {**self.shared.get("core", {}), **self.local.get("core", {})}
        value = core.get("remote")
        return str(value) if value is not None else None


def plan(dvc: DvcRepo) -> ConfigPlan:
    """gitml's config from DVC's; refuses (BadInputError) a remote gitml could not open here
    (an fsspec package missing), before anything is written."""
    shared: dict[str, Any] = {}
    local: dict[str, Any] = {}
    notes: list[str] = []
    for sections, is_local in ((dvc.config, False), (dvc.config_local, True)):
        where = f"{DVC_DIR}/config" + (".local" if is_local else "")
        for section, options in sections.items():
            kind, _, name = section.partition(" ")
            if kind == "remote" and name:
                _remote(dvc.root, name, options, shared, local, is_local, notes, where)
            elif kind == "core" and "remote" in options:
                (local if is_local else shared).setdefault("core", {})["remote"] = options[
                    "remote"
                ]
            elif kind == "cache" and "type" in options:
                kinds = [k.strip() for k in options["type"].split(",")]
                if kinds and all(k in _CACHE_TYPES for k in kinds):
                    target = local if is_local else shared
                    target.setdefault("cache", {})["type"] = ",".join(kinds)
    result = ConfigPlan(shared, local, tuple(notes))
    default = result.default
    if default is not None and default not in result.remotes:
        raise BadInputError(
            f"{DVC_DIR}/config: core.remote names '{default}', which is not a remote"
        )
    return result


def _remote(
    root: str,
    name: str,
    options: dict[str, str],
    shared: dict[str, Any],
    local: dict[str, Any],
    is_local: bool,
    notes: list[str],
    where: str,
) -> None:
    if not _NAME.fullmatch(name):
        raise BadInputError(
            f"{where}: remote name {name!r}: gitml takes letters, digits, '_', '.' and '-'",
            hint="rename it with 'dvc remote rename' first",
        )
    for option, value in options.items():
        if option == "url":
            url = _url(root, value)
            remote.check_protocol(name, url)
            remoteurl.hide_password(url)
            secret = "://" in url and bool(urlsplit(url).password)  # never in the tracked file
            target = local if is_local or secret else shared
            target.setdefault("remotes", {}).setdefault(name, {})["url"] = url
        elif option in KEPT:
            target = local if is_local or option in SECRETS else shared
            typed: Any = int(value) if option == "jobs" and value.isdigit() else value
            target.setdefault("remotes", {}).setdefault(name, {})[option] = typed
        elif option in DVC_SECRETS:
            notes.append(
                f"remote '{name}': credential '{option}' not converted (gitml has no such"
                " option); it was not written anywhere"
            )
        else:
            notes.append(f"remote '{name}': option '{option}' not converted (gitml has none)")


def _url(root: str, url: str) -> str:
    """A DVC local remote's relative path is relative to `.dvc/`; gitml's to the root."""
    if "://" in url or os.path.isabs(url) or url.startswith("~"):
        return url
    path = os.path.normpath(os.path.join(DVC_DIR, url))
    return path.replace(os.sep, "/")
