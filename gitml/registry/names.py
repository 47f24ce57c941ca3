"""GTO's tag grammar (`NAME@vX.Y.Z`, `NAME#STAGE#N`, ...) and SemVer 2.0 versions."""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from gitml.errors import BadInputError

Action = Literal["register", "deregister", "assign", "unassign", "deprecate"]

NAME = r"[a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])?"
_SEMVER = (
    r"(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<prerelease>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+(?P<buildmetadata>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
_FULLNAME_IN_TAG = f"(?P<dirname>[a-zA-Z0-9-_./]+=)?(?P<name>{NAME})"
TAG_RE = re.compile(
    f"^(?P<artifact>{_FULLNAME_IN_TAG})"
    f"(((#(?P<stage>{NAME})|@(?P<version>v{_SEMVER}))(?P<cancel>!?))"
    r"|@((?P<deprecated>deprecated)|(?P<created>created)))(#(?P<counter>[0-9]+))?$"
)
_NAME_RE = re.compile(f"^{NAME}$")
_ARTIFACT_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_/-]*[a-zA-Z0-9]$")
_VERSION_RE = re.compile(f"^v{_SEMVER}$")


class TagName(NamedTuple):
    """A registry tag's name, parsed as GTO's `parse_name` does."""

    artifact: str
    action: Action | None  # None: `NAME@created`, which GTO parses but never indexes
    version: str | None = None
    stage: str | None = None
    counter: int | None = None


def parse_tag(name: str) -> TagName | None:
    """The parts of a registry tag's name; None for any other tag."""
    m = TAG_RE.search(name)
    if m is None:
        return None
    artifact = m["artifact"].replace("=", ":")
    counter = int(m["counter"]) if m["counter"] else None
    cancel = m["cancel"] == "!"
    if m["version"]:
        act: Action = "deregister" if cancel else "register"
        return TagName(artifact, act, version=m["version"], counter=counter)
    if m["stage"]:
        act = "unassign" if cancel else "assign"
        return TagName(artifact, act, stage=m["stage"], counter=counter)
    return TagName(artifact, "deprecate" if m["deprecated"] else None, counter=counter)


def tag_name(
    action: Action, artifact: str, *, version: str = "", stage: str = "", counter: int = 0
) -> str:
    """GTO's tag for an event; `counter` > 0 appends `#N` (assign and unassign)."""
    base = artifact.replace(":", "=")
    tag = {
        "register": f"{base}@{version}",
        "deregister": f"{base}@{version}!",
        "assign": f"{base}#{stage}",
        "unassign": f"{base}#{stage}!",
        "deprecate": f"{base}@deprecated",
    }[action]
    return f"{tag}#{counter}" if counter else tag


def is_artifact_name(name: str) -> bool:
    return bool(_ARTIFACT_RE.match(name)) and "//" not in name


def check_artifact_name(name: str) -> None:
    """2+ characters: letters, digits, '-', '_', '/' inside (what GTO and DVC accept)."""
    if not is_artifact_name(name):
        raise BadInputError(
            f"invalid artifact name '{name}': use 2 or more letters, digits, '-', '_' or '/',"
            " starting and ending with a letter or digit"
        )


def check_stage_name(stage: str) -> None:
    if not _NAME_RE.match(stage):
        raise BadInputError(
            f"invalid stage name '{stage}': use letters, digits, '-', '_' or '/',"
            " starting and ending with a letter or digit"
        )


def is_version(text: str) -> bool:
    return bool(_VERSION_RE.match(text))


def check_version(text: str) -> None:
    if not is_version(text):
        raise BadInputError(
            f"invalid version '{text}': use 'v' and a semantic version, such as v1.2.3"
        )


_Key = tuple[int, int, int, tuple[tuple[int, int | str], ...]]


def version_key(text: str) -> _Key:
    """A sort key ordering versions as SemVer 2.0 does (build metadata ignored; a
    pre-release before its release)."""
    m = _VERSION_RE.match(text)
    assert m is not None, text
    pre = m["prerelease"]
    if pre is None:
        ids: tuple[tuple[int, int | str], ...] = ((2, 0),)  # above any pre-release
    else:
        ids = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))
    return int(m["major"]), int(m["minor"]), int(m["patch"]), ids


def bump(text: str, part: Literal["major", "minor", "patch"]) -> str:
    major, minor, patch, _ = version_key(text)
    if part == "major":
        return f"v{major + 1}.0.0"
    if part == "minor":
        return f"v{major}.{minor + 1}.0"
    return f"v{major}.{minor}.{patch + 1}"
