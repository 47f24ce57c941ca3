"""`gitml dag`: the pipeline graph as text, Graphviz dot or mermaid."""

from __future__ import annotations

from gitml.pipeline.dag import Dag
from gitml.pipeline.project import load_dag
from gitml.pipeline.targets import stages_of, unknown
from gitml.repo import Repo


def render_dag(repo: Repo, target: str | None, fmt: str) -> str:
    dag = load_dag(repo)
    names = list(dag.stages)
    if target is not None:
        hits = stages_of(repo, dag, target)
        if not hits:
            raise unknown(dag, target)
        chosen = set(hits)
        for hit in hits:
            chosen |= dag.ancestors(hit)
        names = dag.order(chosen)
    edges = sorted((u, n) for n in names for u in dag.upstream[n] if u in names)
    if fmt == "dot":
        return _dot(names, edges)
    if fmt in ("mermaid", "md"):
        text = _mermaid(names, edges)
        return f"```mermaid\n{text}\n```" if fmt == "md" else text
    return _text(dag, names)


def _dot(names: list[str], edges: list[tuple[str, str]]) -> str:
    lines = ["strict digraph {"]
    lines += [f'  "{n}";' for n in names]
    lines += [f'  "{a}" -> "{b}";' for a, b in edges]
    return "\n".join([*lines, "}"])


def _mermaid(names: list[str], edges: list[tuple[str, str]]) -> str:
    ids = {n: f"s{i}" for i, n in enumerate(names)}
    lines = ["flowchart TD"]
    lines += [f'  {ids[n]}["{n}"]' for n in names]
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in edges]
    return "\n".join(lines)


def _text(dag: Dag, names: list[str]) -> str:
    """One line per stage in layers (networkx's topological generations)."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from((u, n) for n in names for u in dag.upstream[n] if u in names)
    lines = []
    for depth, layer in enumerate(nx.topological_generations(graph)):
        for name in sorted(layer, key=names.index):
            ups = sorted(u for u in dag.upstream[name] if u in names)
            arrow = f"  <- {', '.join(ups)}" if ups else ""
            lines.append(f"{'  ' * depth}{name}{arrow}")
    return "\n".join(lines)
