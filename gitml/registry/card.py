"""A model card: Hugging Face README front matter and sections, from the artifact's
declaration (desc, labels, meta), its lineage in gitml.lock and its metrics, all at the
version's commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitml import yamlio


@dataclass(frozen=True)
class CardFacts:
    name: str
    version: str
    commit: str
    registered_at: str
    registered_by: str
    path: str
    digest: str
    type: str | None = None
    desc: str | None = None
    labels: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    stages: tuple[str, ...] = ()
    data: tuple[tuple[str, str], ...] = ()  # training data: (path, digest)
    code: tuple[tuple[str, str], ...] = ()  # code the training stages ran: (path, digest)
    metrics: dict[str, Any] = field(default_factory=dict)  # "file: key" -> value


def front_matter(f: CardFacts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    lic = f.meta.get("license")
    if isinstance(lic, str) and lic:
        out["license"] = lic.lower()  # Hugging Face spells SPDX ids in lowercase
    tags = [*f.labels, *([f.type] if f.type else [])]
    if tags:
        out["tags"] = tags
    if f.data:
        out["datasets"] = [path for path, _ in f.data]
    if f.metrics:
        out["metrics"] = sorted({_metric_name(key) for key in f.metrics})
        listed = [
            {"type": _metric_name(k), "name": k, "value": v} for k, v in sorted(f.metrics.items())
        ]
        out["model-index"] = [{"name": f.name, "results": [{"metrics": listed}]}]
    return out


def render(f: CardFacts) -> str:
    head = yamlio.dumps(front_matter(f)) if front_matter(f) else ""
    lines = ["---", head.rstrip("\n"), "---", "", f"# {f.name} {f.version}", ""]
    if f.desc:
        lines += [f.desc, ""]
    lines += ["## Model details", ""]
    details = [
        ("Version", f.version),
        ("Stages", ", ".join(f.stages) or "none"),
        ("Type", f.type or "-"),
        ("Path", f.path),
        ("Digest (XXH3-128)", f.digest),
        ("Commit", f.commit),
        ("Registered", f"{f.registered_at} by {f.registered_by}"),
    ]
    details += [("Code", ", ".join(f"{p} ({d})" for p, d in f.code))] if f.code else []
    details += [(str(k), str(v)) for k, v in f.meta.items() if k not in _SECTIONS]
    lines += [f"- {k}: {v}" for k, v in details] + [""]
    for key, title in _SECTIONS.items():
        if key == "license":
            continue
        text = f.meta.get(key)
        lines += [f"## {title}", "", str(text) if text not in (None, "") else "Not stated.", ""]
    lines += ["## Training data", ""]
    lines += [f"- {p} ({d})" for p, d in f.data] or ["Not recorded in gitml.lock."]
    lines += ["", "## Evaluation metrics", ""]
    if f.metrics:
        lines += ["| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in sorted(f.metrics.items())]
    else:
        lines.append("None recorded at this version.")
    return "\n".join(lines) + "\n"


def _metric_name(key: str) -> str:
    """`metrics.json: eval.auc` -> `auc`."""
    return key.partition(": ")[2].rpartition(".")[2]


CODE_SUFFIXES = (".py", ".ipynb", ".r", ".sh", ".jl", ".scala", ".java", ".js", ".ts", ".sql")

_SECTIONS = {
    "license": "License",
    "intended_use": "Intended use",
    "limitations": "Limitations",
}
