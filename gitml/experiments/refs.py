"""Where experiments live: DVC's ref layout, names, and finding them.

An experiment is a commit whose single parent is its baseline, on
`refs/exps/<baseline sha[:2]>/<baseline sha[2:]>/<name>`. Other folders under `refs/exps/`
whose name is not two hex digits (`queue/`, `claims/`) belong to the queue.
"""

from __future__ import annotations

import random
import re

from gitml import gitrefs
from gitml.errors import BadInputError
from gitml.record import dataclass

EXPS = "refs/exps/"
_EXP_REF = re.compile(r"^refs/exps/([0-9a-f]{2})/([0-9a-f]{38})/([^/]+)$")


@dataclass(frozen=True)
class ExpRef:
    baseline: str  # full sha of the baseline commit
    name: str
    sha: str = ""  # the experiment commit (empty when only the name is known)

    @property
    def ref(self) -> str:
        return ref_for(self.baseline, self.name)


def ref_for(baseline: str, name: str) -> str:
    return f"{EXPS}{baseline[:2]}/{baseline[2:]}/{name}"


def parse(ref: str, sha: str = "") -> ExpRef | None:
    m = _EXP_REF.match(ref)
    return ExpRef(m[1] + m[2], m[3], sha) if m else None


def all_experiments(root: str, baseline: str | None = None) -> list[ExpRef]:
    """Every experiment (of `baseline`, when given), ordered by baseline then name."""
    prefix = f"{EXPS}{baseline[:2]}/{baseline[2:]}/" if baseline else EXPS
    found = (parse(ref, sha) for ref, sha in gitrefs.listing(root, prefix).items())
    return sorted((e for e in found if e), key=lambda e: (e.baseline, e.name))


def check_name(name: str) -> None:
    """A name must be one valid ref-name component (DVC's rule): else one clear error."""
    if not gitrefs.valid_component(name):
        raise BadInputError(
            f"invalid experiment name '{name}'",
            hint="a name is a valid Git ref name without '/', not starting with '-'",
        )


def find(root: str, name: str, baseline: str | None = None) -> ExpRef:
    """The experiment called `name` (or whose commit sha starts with it), preferring those
    of `baseline`; an unknown or ambiguous name is one clear error."""
    exps = all_experiments(root)
    hits = [e for e in exps if e.name == name]
    if not hits and re.fullmatch(r"[0-9a-f]{4,40}", name):
        hits = [e for e in exps if e.sha.startswith(name)]
    if len(hits) > 1 and baseline:
        hits = [e for e in hits if e.baseline == baseline] or hits
    if not hits:
        raise BadInputError(f"unknown experiment '{name}'", hint="see 'gitml exp show'")
    if len(hits) > 1:
        revs = ", ".join(e.baseline[:7] for e in hits)
        raise BadInputError(f"experiment name '{name}' is ambiguous (baselines {revs})")
    return hits[0]


_ADJECTIVES = (
    "agile", "amber", "azure", "bold", "brisk", "calm", "civic", "coral", "crisp", "dusky",
    "eager", "early", "faint", "fancy", "fleet", "fresh", "gaudy", "glad", "grand", "hardy",
    "hazel", "ionic", "jolly", "keen", "lanky", "lemon", "lucid", "lunar", "mauve", "merry",
    "misty", "noble", "oaken", "olive", "pale", "plush", "proud", "quick", "quiet", "rapid",
    "regal", "rosy", "rural", "sandy", "sharp", "shiny", "sleek", "snowy", "solar", "spry",
    "stark", "stoic", "sunny", "swift", "tawny", "tidal", "umber", "vivid", "windy", "zesty",
)
_NOUNS = (
    "acorn", "alder", "anvil", "aspen", "badge", "basin", "birch", "bison", "cairn", "cedar",
    "cliff", "comet", "crane", "delta", "dune", "egret", "ember", "fable", "fern", "finch",
    "fjord", "flint", "gecko", "glade", "grove", "heron", "inlet", "ivory", "kayak", "koala",
    "larch", "lotus", "lynx", "maple", "marsh", "mesa", "moose", "oasis", "otter", "panda",
    "pearl", "pike", "prism", "quail", "raven", "reef", "ridge", "robin", "sable", "shoal",
    "slope", "spire", "stork", "tapir", "thorn", "trout", "tulip", "vale", "wharf", "yucca",
)


def new_name(taken: set[str], rng: random.Random | None = None) -> str:
    """Two words (`adjective-noun`), not in `taken`; a number is appended if all are."""
    rng = rng or random.SystemRandom()
    for _ in range(100):
        name = f"{rng.choice(_ADJECTIVES)}-{rng.choice(_NOUNS)}"
        if name not in taken:
            return name
    n = 2
    while f"{name}-{n}" in taken:
        n += 1
    return f"{name}-{n}"
