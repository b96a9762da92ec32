"""The layout of a commutative diagram: layers left to right, ordered to avoid crossings.

Objects are placed in layers by the longest path from a source (strongly connected parts —
cycles, endomorphisms — share a layer), so every arrow that is not in a cycle points right;
within a layer they are ordered by the barycentre of their neighbours (four sweeps, ties by
the order they were given), and each layer is centred vertically. Everything is deterministic:
the same diagram gives the same coordinates, which the golden-file tests rely on.

>>> pos = layered_layout(["P", "A", "B", "C"], [("P", "A"), ("P", "B"), ("A", "C"), ("B", "C")], {})
>>> [(n, pos[n][0]) for n in "PABC"]
[('P', 0), ('A', 1), ('B', 1), ('C', 2)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def _layers(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Layer of each node: longest path from a source in the condensation (cycles collapsed)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from((a, b) for a, b in edges if a != b)
    cond = nx.condensation(g)
    member = cond.graph["mapping"]
    depth: dict[int, int] = {}
    for c in nx.topological_sort(cond):
        preds = list(cond.predecessors(c))
        depth[c] = 1 + max(depth[p] for p in preds) if preds else 0
    return {n: depth[member[n]] for n in nodes}


def layered_layout(
    nodes: Sequence[str], edges: Sequence[tuple[str, str]], fixed: Mapping[str, int]
) -> dict[str, tuple[int, int]]:
    """``(layer, position in layer)`` of each node; ``fixed`` forces some nodes' layers (the
    apex of a cone at layer 0, say)."""
    layer = _layers(nodes, edges)
    layer.update(fixed)
    index = {n: i for i, n in enumerate(nodes)}
    by_layer: dict[int, list[str]] = {}
    for n in nodes:
        by_layer.setdefault(layer[n], []).append(n)
    neighbours: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        if a != b:
            neighbours[a].append(b)
            neighbours[b].append(a)
    order = {k: list(v) for k, v in sorted(by_layer.items())}
    for sweep in range(4):
        keys = sorted(order) if sweep % 2 == 0 else sorted(order, reverse=True)
        for k in keys:
            pos = {n: i for lay in order.values() for i, n in enumerate(lay)}

            def centre(n: str, pos: dict[str, int] = pos, k: int = k) -> float:
                near = [pos[m] for m in neighbours[n] if layer[m] != k]
                return sum(near) / len(near) if near else pos[n]

            order[k] = sorted(order[k], key=lambda n: (centre(n), index[n]))
    return {n: (k, i) for k, lay in order.items() for i, n in enumerate(lay)}
