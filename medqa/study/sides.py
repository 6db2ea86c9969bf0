"""A/B sides balanced per rater and per case: an equitable two-colouring of each arm pair's rater-case graph.

For one pair of arms (x, y), the items form a bipartite graph: raters on one side, cases on the
other, an edge for each (rater, case) comparison. Colour an edge "x shown as A" or "y shown as A".
Balanced means every rater, and every case, has as many edges of one colour as of the other, give
or take one. Such a colouring always exists and is found exactly: join every odd-degree rater to a
dummy case and every odd-degree case to a dummy rater (and the two dummies, if their degrees are
odd), so every degree is even; walk an Euler circuit of each connected part and alternate colours
along it. A bipartite circuit has even length, so each visit to a vertex enters with one colour
and leaves with the other: every vertex is exactly balanced, and dropping the dummy edges moves
each real vertex by at most one. Which colour comes first in each part is a coin flip of the seed.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

_DUMMY_CASE, _DUMMY_RATER = ("case", None), ("rater", None)


def balanced_sides(edges: Sequence[tuple[str, str]], rng: random.Random) -> list[bool]:
    """For each (rater, case) edge of one arm pair: True when the pair's first arm is shown as A. Per rater and per
    case, the Trues and Falses differ by at most one."""
    graph: list[tuple[tuple, tuple]] = [(("rater", r), ("case", c)) for r, c in edges]
    degree: dict[tuple, int] = defaultdict(int)
    for u, v in graph:
        degree[u] += 1
        degree[v] += 1
    for vertex, d in list(degree.items()):
        if d % 2:
            graph.append((vertex, _DUMMY_CASE) if vertex[0] == "rater" else (_DUMMY_RATER, vertex))
    dummy_odd = sum(1 for u, v in graph[len(edges):] if v == _DUMMY_CASE) % 2
    if dummy_odd:
        graph.append((_DUMMY_RATER, _DUMMY_CASE))
    incident: dict[tuple, list[int]] = defaultdict(list)
    for k, (u, v) in enumerate(graph):
        incident[u].append(k)
        incident[v].append(k)
    colour: list[bool | None] = [None] * len(graph)
    for start in sorted(incident, key=str):
        if all(colour[k] is not None for k in incident[start]):
            continue
        first = rng.random() < 0.5
        for step, k in enumerate(_euler_circuit(start, graph, incident, colour)):
            colour[k] = first if step % 2 == 0 else not first
    return [bool(c) for c in colour[:len(edges)]]


def _euler_circuit(start: tuple, graph: list, incident: dict, colour: list) -> list[int]:
    """Edge indices of an Euler circuit from `start` over the edges not yet coloured (Hierholzer, iterative)."""
    used = {k for k, c in enumerate(colour) if c is not None}
    position = defaultdict(int)
    stack: list[tuple[tuple, int | None]] = [(start, None)]
    circuit: list[int] = []
    while stack:
        vertex, via = stack[-1]
        edges = incident[vertex]
        while position[vertex] < len(edges) and edges[position[vertex]] in used:
            position[vertex] += 1
        if position[vertex] == len(edges):
            stack.pop()
            if via is not None:
                circuit.append(via)
            continue
        k = edges[position[vertex]]
        used.add(k)
        u, v = graph[k]
        stack.append((v if u == vertex else u, k))
    circuit.reverse()
    return circuit
