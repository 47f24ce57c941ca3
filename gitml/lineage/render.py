"""A lineage as JSON data, plain text, Markdown or a Mermaid flowchart."""

from __future__ import annotations

import json

from gitml.lineage.walk import Lineage, Node

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Json = dict[str, Any]



def as_json(lin: Lineage) -> Json:
    c = lin.commit
    return {
        "target": lin.target,
        "kind": lin.kind,
        "paths": list(lin.paths),
        "artifact": lin.artifact,
        "version": lin.version,
        "commit": {"sha": c.sha, "author": c.author, "email": c.email, "date": c.date,
                   "subject": c.subject},
        "stages": [_stage_json(n) for n in lin.stages],
        "data": [
            {"path": t.path, "pointer": t.pointer, "digest": t.hash_info.digest,
             "size": t.hash_info.size, **t.annotations}
            for t in lin.data
        ],
    }


def _stage_json(n: Node) -> Json:
    return {
        "name": n.name,
        "cmd": n.cmd,
        "deps": [
            {"path": d.path, "digest": d.digest, "kind": d.kind, "producer": d.producer}
            for d in n.deps
        ],
        "params": n.params,
        "outs": [{"path": p, "digest": d} for p, d in n.outs],
    }


def _value(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


def _params(n: Node) -> list[str]:
    return [f"{f}:{k}={_value(v)}" for f, kv in n.params.items() for k, v in kv.items()]


def as_text(lin: Lineage) -> str:
    c = lin.commit
    what = f" ({', '.join(lin.paths)})" if lin.paths and lin.paths[0] != lin.target else ""
    lines = [f"{lin.target}{what} at {c.sha[:12]} by {c.author} <{c.email}> on {c.date}"]
    if c.subject:
        lines.append(f"  {c.subject}")
    for n in reversed(lin.stages):  # the target's maker first, then upstream
        lines.append(f"stage {n.name}")
        lines.append(f"  cmd: {n.cmd}")
        for d in n.deps:
            by = f" (from {d.producer})" if d.producer else ""
            lines.append(f"  {d.kind} dep: {d.path} {d.digest}{by}")
        for p in _params(n):
            lines.append(f"  param: {p}")
        for path, digest in n.outs:
            lines.append(f"  out: {path} {digest}")
    for t in lin.data:
        notes = "".join(f" {k}={_value(v)}" for k, v in t.annotations.items())
        lines.append(f"data {t.path} {t.hash_info.digest} ({t.pointer}){notes}")
    return "\n".join(lines)


def as_markdown(lin: Lineage) -> str:
    c = lin.commit
    out = [f"# Lineage of `{lin.target}`", "",
           f"Commit `{c.sha}` by {c.author} <{c.email}> on {c.date}: {c.subject}", ""]
    for n in reversed(lin.stages):
        out += [f"## Stage `{n.name}`", "", f"```\n{n.cmd}\n```", "",
                "| kind | path | digest |", "| --- | --- | --- |"]
        out += [f"| {d.kind} dep | `{d.path}` | `{d.digest}` |" for d in n.deps]
        out += [f"| out | `{p}` | `{d}` |" for p, d in n.outs]
        out += [f"| param | `{p}` | |" for p in _params(n)]
        out.append("")
    if lin.data:
        out += ["## Tracked data", "", "| path | digest | pointer |", "| --- | --- | --- |"]
        out += [f"| `{t.path}` | `{t.hash_info.digest}` | `{t.pointer}` |" for t in lin.data]
        out.append("")
    return "\n".join(out)


def as_mermaid(lin: Lineage) -> str:
    ids: dict[str, str] = {}

    def node(key: str, label: str, shape: str) -> str:
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            body = label.replace('"', "#quot;")
            lines.append(f'  {ids[key]}{shape[0]}"{body}"{shape[1]}')
        return ids[key]

    lines = ["flowchart LR"]
    edges: list[str] = []
    for n in lin.stages:
        s = node("stage:" + n.name, n.name, "[]")
        for d in n.deps:
            shape = "()" if d.kind == "code" else "[()]"
            edges.append(f"  {node('file:' + d.path, d.path, shape)} --> {s}")
        for p, _ in n.outs:
            edges.append(f"  {s} --> {node('file:' + p, p, '[()]')}")
    for t in lin.data:
        node("file:" + t.path, t.path, "[()]")
    return "\n".join(lines + list(dict.fromkeys(edges)))
