"""Annotations (DVC's `desc`, `type`, `labels`, `meta`) and the governance check.

Known `meta` keys are validated: `owner` (an e-mail or a name), `license` (an SPDX id from
the short list below, or `LicenseRef-...`), `pii` (a bool), `intended_use` and `limitations`
(text), `retention` (a date, YYYY-MM-DD). The check fails an artifact of `type: model` without
`owner` or `license`, and data with `pii: true` without `owner`.

SPDX ids: a small vendored list of common ones (https://spdx.org/licenses/), not the whole
list; anything else can be written as `LicenseRef-<name>`, as SPDX allows.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

SPDX_IDS = frozenset(
    [
        "0BSD",
        "AFL-3.0",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "Apache-1.1",
        "Apache-2.0",
        "Artistic-2.0",
        "BSD-1-Clause",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "BSD-3-Clause-Clear",
        "BSL-1.0",
        "CC-BY-2.0",
        "CC-BY-3.0",
        "CC-BY-4.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-ND-4.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-ND-4.0",
        "CC-BY-SA-3.0",
        "CC-BY-SA-4.0",
        "CC0-1.0",
        "CDLA-Permissive-1.0",
        "CDLA-Permissive-2.0",
        "CDLA-Sharing-1.0",
        "ECL-2.0",
        "EPL-1.0",
        "EPL-2.0",
        "EUPL-1.2",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "ISC",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "MIT",
        "MIT-0",
        "MPL-2.0",
        "ODbL-1.0",
        "ODC-By-1.0",
        "OFL-1.1",
        "OpenRAIL",
        "OpenRAIL-M",
        "PDDL-1.0",
        "PSF-2.0",
        "Python-2.0",
        "Unlicense",
        "UPL-1.0",
        "WTFPL",
        "Zlib",
    ]
)
_SPDX_LOWER = {s.lower(): s for s in SPDX_IDS}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def meta_problems(meta: Any) -> list[str]:
    """`key: what is wrong` for each known `meta` key with a bad value."""
    if meta is None:
        return []
    if not isinstance(meta, Mapping):
        return ["meta: must be a mapping"]
    found = []
    owner = meta.get("owner")
    if "owner" in meta and (
        not isinstance(owner, str)
        or not owner.strip()
        or ("@" in owner and not _EMAIL.match(owner.strip().strip("<>").split("<")[-1]))
    ):
        found.append(f"meta.owner: {owner!r} is neither an e-mail address nor a name")
    lic = meta.get("license")
    if "license" in meta and not _spdx(lic):
        found.append(
            f"meta.license: {lic!r} is not an SPDX license id (such as MIT, Apache-2.0,"
            " CC-BY-4.0; or LicenseRef-<name>)"
        )
    if "pii" in meta and not isinstance(meta["pii"], bool):
        found.append(f"meta.pii: {meta['pii']!r} is not true or false")
    for key in ("intended_use", "limitations"):
        if key in meta and not isinstance(meta[key], str):
            found.append(f"meta.{key}: must be text")
    if "retention" in meta and not _date(meta["retention"]):
        found.append(f"meta.retention: {meta['retention']!r} is not a date (YYYY-MM-DD)")
    return found


def _spdx(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    return value in SPDX_IDS or (value.startswith("LicenseRef-") and len(value) > 11)


def _date(value: Any) -> bool:
    if isinstance(value, datetime.date):
        return True
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def annotation_problems(notes: Mapping[str, Any]) -> list[str]:
    """The governance rules and meta checks for one annotated output or artifact."""
    meta = notes.get("meta")
    found = meta_problems(meta)
    if not isinstance(meta, Mapping):
        meta = {}
    if notes.get("type") == "model":
        found += [
            f"meta.{k}: a 'type: model' artifact needs one"
            for k in ("owner", "license")
            if k not in meta
        ]
    if meta.get("pii") is True and "owner" not in meta:
        found.append("meta.owner: data with 'pii: true' needs an owner")
    return found


def pointer_problems(data: Any) -> list[tuple[str, str]]:
    """(out path, problem) of a pointer's data (its outs' annotations; the pointer's own
    `meta` counts for each out that has none)."""
    if not isinstance(data, Mapping):
        return []
    found = []
    for out in data.get("outs") or []:
        if not isinstance(out, Mapping):
            continue
        notes = dict(out)
        if "meta" not in notes and data.get("meta") is not None:
            notes["meta"] = data["meta"]
        found += [(str(out.get("path")), p) for p in annotation_problems(notes)]
    return found


def pipeline_problems(data: Any) -> list[tuple[str, str]]:
    """(artifact or out, problem) of gitml.yaml's `artifacts:` and annotated stage outs."""
    if not isinstance(data, Mapping):
        return []
    found = []
    for name, item in (data.get("artifacts") or {}).items():
        if isinstance(item, Mapping):
            found += [(f"artifact {name}", p) for p in annotation_problems(item)]
    for stage, body in (data.get("stages") or {}).items():
        outs = body.get("outs") if isinstance(body, Mapping) else None
        for out in outs if isinstance(outs, list) else []:
            if isinstance(out, Mapping):
                for path, notes in out.items():
                    if isinstance(notes, Mapping):
                        where = f"stage {stage}: {path}"
                        found += [(where, p) for p in annotation_problems(notes)]
    return found
