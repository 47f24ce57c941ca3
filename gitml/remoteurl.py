"""Remote URLs: which folder a local remote is, whether it may be one, and never a password.

A local remote is a folder the user names; push creates `<folder>/xxh3/...` (and `runs/`)
in it. So a remote may not be inside the repository's `.gitml/` (its own cache would pose as
a backup) or `.git/`, and it must be empty, missing, or already an object store: pushing into
a folder of other files (`file:///etc`) is a mistake, refused before anything is written.
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlsplit, urlunsplit

from gitml.constants import GITML_DIR, HASH_DIR, QUARANTINE_DIR
from gitml.errors import BadInputError
from gitml.paths import is_within

LOCAL_PROTOCOLS = frozenset({"file", "local"})
# what may sit at the top of an object store: gitml's objects, run records and corrupt
# objects fsck moved aside, DVC's objects (`files/` since DVC 3, two-hex-digit folders
# before), hidden files (.DS_Store)
_STORE_ENTRIES = frozenset({HASH_DIR, "runs", QUARANTINE_DIR, "files"})
_TWO_HEX = re.compile(r"[0-9a-f]{2}")
_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@")
_SECRETS: set[str] = set()  # passwords of the remote URLs this process opened


def redact(url: str) -> str:
    """`url` with any password replaced by `***` (`s3://user:***@bucket`)."""
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return redact_text(url)
    host = parts.netloc.rsplit("@", 1)[1]
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def redact_text(text: str) -> str:
    """`text` with every `scheme://user:password@`'s password, and every password of a
    remote this process opened (libraries quote URLs without their scheme), as `***`."""
    text = _CREDENTIALS.sub(r"\g<head>:***@", text)
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def hide_password(url: str) -> None:
    """Remember the password in `url`, if any, so that redact_text hides it everywhere."""
    if "://" not in url:
        return
    try:
        password = urlsplit(url).password
    except ValueError:
        return
    if password:
        _SECRETS.update({password, unquote(password)})


def protocol_of(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else "file"


def local_folder(root: str, url: str) -> str:
    """The absolute folder of a local remote URL (relative to the repository root)."""
    path = url.split("://", 1)[1] if "://" in url else url
    return os.path.normpath(os.path.join(root, os.path.expanduser(path)))


def check_local(root: str, name: str, url: str) -> str:
    """The folder of local remote `name`, refused (BadInputError) when it may not be one."""
    folder = local_folder(root, url)
    real = os.path.realpath(folder)
    shown = redact(url)
    for inner in (GITML_DIR, ".git"):
        if is_within(real, os.path.realpath(os.path.join(root, inner))):
            raise BadInputError(
                f"remote '{name}': refusing to use {shown} as a remote: it is inside the "
                f"repository's {inner} folder",
                hint="a remote is a folder outside the repository, or a bucket",
            )
    if os.path.lexists(real) and not os.path.isdir(real):
        raise BadInputError(f"remote '{name}': {shown} is not a folder")
    if not _store_like(real):
        raise BadInputError(
            f"remote '{name}': refusing to use {shown} as a remote: it is a non-empty "
            "folder that is not a gitml object store",
            hint="give an empty or new folder",
        )
    return folder


def _store_like(folder: str) -> bool:
    """Missing, empty, or holding only what an object store holds at its top."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return True  # unreadable: the transfer itself reports it
    return all(n.startswith(".") or n in _STORE_ENTRIES or _TWO_HEX.fullmatch(n) for n in names)
