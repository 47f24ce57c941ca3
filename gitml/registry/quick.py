"""Click-free answers for the read-only registry commands CI runs most: `registry show`,
`history` and `check-ref` with `--json` (plain argument lists only; anything else, an error
included, goes to the full CLI, which says it as usual: these commands change nothing)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

_FLAGS = {"show": {"--json", "--all"}, "history": {"--json"}, "check-ref": {"--json"}}


def main(argv: Sequence[str]) -> int | None:
    """The exit code, or None: use the full CLI."""
    if len(argv) < 2 or argv[0] != "registry" or argv[1] not in _FLAGS:
        return None
    verb, rest = argv[1], list(argv[2:])
    flags = {a for a in rest if a.startswith("-")}
    words = [a for a in rest if not a.startswith("-")]
    if "--json" not in flags or not flags <= _FLAGS[verb] or len(words) > 1:
        return None
    if verb == "check-ref" and not words:
        return None
    try:
        answer = _answer(verb, words[0] if words else None, "--all" in flags)
    except Exception:
        return None
    if answer is not _NOTHING:
        sys.stdout.write(json.dumps(answer, indent=2) + "\n")
    return 0


_NOTHING = object()


def _answer(verb: str, word: str | None, deprecated: bool) -> Any:
    from gitml import scm
    from gitml.constants import GITML_DIR
    from gitml.registry import index, names, tags, views

    root = scm.find_git_root(os.getcwd())
    if root is None or not os.path.isdir(os.path.join(root, GITML_DIR)):
        raise LookupError("not a gitml repository")  # the full CLI says so
    if verb != "check-ref" and word is not None and not names.is_artifact_name(word):
        raise ValueError(word)
    only = word if verb != "check-ref" else None
    st = index.build(tags.read_tags(root, only), only=only)
    if verb == "history":
        return views.history(st, word)
    if verb == "check-ref":
        events = views.check_ref(st, word or "")
        if len(events) > 1:
            raise ValueError(word)
        return views.check_ref_json(events[0]) if events else _NOTHING
    if word is not None:
        art = st.artifacts.get(word)
        if art is None:
            raise LookupError(word)
        return views.show_artifact(art, deprecated=deprecated)
    return views.show_registry(st, _stages(root), deprecated=deprecated)


def _stages(root: str) -> list[str] | None:
    """registry.stages, reading the config (and importing YAML) only if it mentions it."""
    from gitml.constants import CONFIG_FILE, CONFIG_LOCAL_FILE, GITML_DIR

    for name in (CONFIG_FILE, CONFIG_LOCAL_FILE):
        path = os.path.join(root, GITML_DIR, name)
        try:
            with open(path, "rb") as f:
                if b"registry" in f.read():
                    break
        except FileNotFoundError:
            continue
    else:
        return None
    from gitml.config import load

    allowed = load(root).registry_stages
    return list(allowed) if allowed is not None else None
