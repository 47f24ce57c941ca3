"""Why a stage is invalidated: small values that explain themselves."""

from __future__ import annotations

import json

from gitml.record import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


@dataclass(frozen=True)
class Reason:
    # True: what the stage is built from (cmd, deps, params) differs from its last run, so
    # its recorded outs did not come from it; `gitml commit` refuses these without --force
    inputs: ClassVar[bool] = False

    def __str__(self) -> str:
        return self.text()

    def text(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class NotInLock(Reason):
    lock: str = "gitml.lock"  # the lock file beside the stage's pipeline file

    def text(self) -> str:
        return f"never ran (not in {self.lock})"


@dataclass(frozen=True)
class CmdChanged(Reason):
    inputs = True

    old: str
    new: str

    def text(self) -> str:
        return "cmd changed"


@dataclass(frozen=True)
class DepChanged(Reason):
    inputs = True

    path: str

    def text(self) -> str:
        return f"dep {self.path} changed"


@dataclass(frozen=True)
class DepAdded(Reason):
    inputs = True

    path: str

    def text(self) -> str:
        return f"dep {self.path} added"


@dataclass(frozen=True)
class DepMissing(Reason):
    inputs = True

    path: str

    def text(self) -> str:
        return f"dep {self.path} missing"


@dataclass(frozen=True)
class ParamChanged(Reason):
    inputs = True

    key: str
    old: Any
    new: Any

    def text(self) -> str:
        return f"params {self.key} changed {_show(self.old)} -> {_show(self.new)}"


@dataclass(frozen=True)
class ParamMissing(Reason):
    inputs = True

    key: str

    def text(self) -> str:
        return f"params {self.key} missing"


@dataclass(frozen=True)
class OutMissing(Reason):
    path: str

    def text(self) -> str:
        return f"out {self.path} missing"


@dataclass(frozen=True)
class OutChanged(Reason):
    path: str

    def text(self) -> str:
        return f"out {self.path} changed"


@dataclass(frozen=True)
class OutNotInCache(Reason):
    """The recorded out is not in the workspace and its bytes are not in the cache: the
    data was not fetched (typically after checking out another commit)."""

    path: str

    def text(self) -> str:
        return f"out {self.path}: its recorded version is not in the cache (run 'gitml pull')"


@dataclass(frozen=True)
class AlwaysChanged(Reason):
    def text(self) -> str:
        return "always_changed"


@dataclass(frozen=True)
class UpstreamChanged(Reason):
    stage: str

    def text(self) -> str:
        return f"upstream stage {self.stage} will run"


@dataclass(frozen=True)
class Forced(Reason):
    def text(self) -> str:
        return "forced"
