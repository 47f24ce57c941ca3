"""Stages of `gitml.yaml` as typed values: load, expand templates, validate, resolve paths."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from gitml import schema
from gitml.constants import PIPELINE_FILE
from gitml.errors import BadInputError
from gitml.paths import check_relpath
from gitml.pipeline.params import DEFAULT_PARAMS
from gitml.record import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Literal

    OutKind = Literal["out", "metric", "plot"]
else:
    OutKind = str

ANNOTATIONS = ("desc", "type", "labels", "meta")  # DVC's on outs, metrics and plots

# DVC takes any non-empty string as a stage name in dvc.yaml (`1-prepare`, `prepare.v2`), but
# '@' joins a foreach/matrix name to its key (DVC then finds no stage 'a@b'); control
# characters are refused because names are printed.
STAGE_NAME = re.compile(r"[^@\x00-\x1f\x7f-\x9f]+")
NAME_RULE = "a stage name is a non-empty string without '@' or control characters"
# `stage add -n`, like `dvc stage add -n`: no ASCII punctuation but '_' and '-'
_PUNCTUATION = set(r"""!"#$%&'()*+,./:;<=>?@[\]^`{|}~""")  # string.punctuation but _ -


def valid_new_name(name: str) -> bool:
    """A name `stage add` may write (DVC's `is_valid_name`, within STAGE_NAME)."""
    return bool(STAGE_NAME.fullmatch(name)) and not _PUNCTUATION & set(name)


@dataclass(frozen=True)
class Out:
    path: str  # repo-relative POSIX
    kind: OutKind = "out"
    cache: bool = True
    persist: bool = False
    props: tuple[tuple[str, Any], ...] = ()  # plot options and the like, as given
    # DVC's annotations (desc, type, labels, meta): described, never compared (no invalidation)
    annotations: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class ParamRef:
    file: str  # repo-relative
    key: str | None  # None: every parameter in the file


def address(file: str, name: str) -> str:
    """How a stage is named across the project, as DVC does: `train` in the root gitml.yaml,
    `sub/gitml.yaml:train` in another one."""
    return name if file == PIPELINE_FILE else f"{file}:{name}"


@dataclass(frozen=True)
class Stage:
    name: str  # its address (see `address`): unique in the project
    cmd: str
    wdir: str = ""  # repo-relative; "" is the root
    deps: tuple[str, ...] = ()
    params: tuple[ParamRef, ...] = ()
    outs: tuple[Out, ...] = ()
    frozen: bool = False
    always_changed: bool = False
    desc: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    file: str = PIPELINE_FILE  # the pipeline file that defines it, repo-relative

    @property
    def local_name(self) -> str:
        """Its name inside its own pipeline file (and lock)."""
        return self.name if self.file == PIPELINE_FILE else self.name[len(self.file) + 1 :]


def build_stage(
    name: str, data: dict[str, Any], *, where: str, file: str = PIPELINE_FILE
) -> Stage:
    """A Stage from one expanded, schema-checked stage definition of pipeline `file`: its
    paths (wdir, deps, params, outs) are relative to the file's folder, made repo-relative."""
    label = f"{where}: stage '{name}'"
    base = posixpath.dirname(file)
    wdir = _rel(data.get("wdir", "."), base, label, allow_root=True)
    cmd = data["cmd"]
    if isinstance(cmd, list):
        cmd = " && ".join(str(c) for c in cmd)
    outs: list[Out] = []
    for kind, key in (("out", "outs"), ("metric", "metrics"), ("plot", "plots")):
        for item in data.get(key) or []:
            outs.append(_out(item, kind, wdir, label))  # type: ignore[arg-type]
    return Stage(
        name=address(file, name),
        cmd=str(cmd),
        wdir=wdir,
        deps=tuple(_rel(d, wdir, label) for d in data.get("deps") or []),
        params=tuple(_params(data.get("params") or [], wdir, label)),
        outs=tuple(outs),
        frozen=bool(data.get("frozen", False)),
        always_changed=bool(data.get("always_changed", False)),
        desc=data.get("desc"),
        file=file,
    )


def _rel(path: str, wdir: str, label: str, *, allow_root: bool = False) -> str:
    if not isinstance(path, str):
        raise BadInputError(f"{label}: path {path!r} is not a string")
    joined = posixpath.normpath(posixpath.join(wdir or ".", path))
    if allow_root and joined == ".":
        return ""
    if joined.startswith("../") or joined == ".." or path.startswith("/"):
        raise BadInputError(f"{label}: path {path!r} is outside the repository")
    return check_relpath(joined, where=label)


def _out(item: Any, kind: OutKind, wdir: str, label: str) -> Out:
    """`path` or `{path: {cache: .., persist: .., <plot options>}}`; cached by default (DVC)."""
    if isinstance(item, str):
        return Out(_rel(item, wdir, label), kind)
    ((path, props),) = item.items()
    props = dict(props or {})
    cache = bool(props.pop("cache", True))
    persist = bool(props.pop("persist", False))
    notes = {k: props.pop(k) for k in ANNOTATIONS if k in props}
    rel = _rel(path, wdir, label)
    return Out(rel, kind, cache, persist, tuple(sorted(props.items())), notes)


def _params(items: list[Any], wdir: str, label: str) -> list[ParamRef]:
    default = _rel(DEFAULT_PARAMS, wdir, label)
    refs: list[ParamRef] = []
    for item in items:
        if isinstance(item, str):
            refs.append(ParamRef(default, item))
            continue
        for file, keys in item.items():
            rel = _rel(file, wdir, label)
            if not keys:
                refs.append(ParamRef(rel, None))
            else:
                refs.extend(ParamRef(rel, str(k)) for k in keys)
    return refs


def load_stages(
    doc: dict[str, Any],
    *,
    where: str,
    expand: Callable[[dict[str, Any]], dict[str, dict[str, Any]]],
    memo: schema.ValidationMemo | None = None,
    file: str = PIPELINE_FILE,
) -> list[Stage]:
    """Expand templates, check each stage against the stage schema, build Stages."""
    names = doc.get("stages")
    for name in names if isinstance(names, dict) else ():
        if not isinstance(name, str) or not STAGE_NAME.fullmatch(name):
            raise BadInputError(f"{where}: stage {name!r}: invalid stage name: {NAME_RULE}")
    stages = []
    for name, data in expand(doc).items():
        problem = schema.check(data, "stage", memo)
        if problem is not None:
            raise BadInputError(f"{where}: stage '{name}': {problem[1]}")
        stages.append(build_stage(name, data, where=where, file=file))
    return stages
