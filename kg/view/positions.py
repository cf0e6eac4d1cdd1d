"""Where the view draws each node: a force-directed layout in numpy, then overlapping nodes pushed apart.

Computed in Python so that big graphs are drawn with vis-network's physics off and still read well;
its cost grows linearly with the graph (about a second at 5,000 nodes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np


def layout(graph: nx.Graph, *, radius: Mapping[Any, float] | None = None, seed: int = 0,
           iterations: int | None = None, scale: float = 60.0) -> dict[Any, tuple[float, float]]:
    """Positions for every node, in vis-network pixels (median edge length `scale`), with no two
    nodes overlapping (`radius`: each node's drawn radius, 10 by default).

    A Fruchterman-Reingold force layout written for numpy, so that it needs nothing more and stays
    linear in the size of the graph: spring forces along every edge; repulsion from every node up to
    600 nodes, above that from a random sample of 24 nodes (the far field) plus the nodes of the same
    grid cell (the near field). Then nodes that overlap are pushed apart (pairs found on a grid).
    NetworkX's `spring_layout` needs scipy from 500 nodes on and takes minutes at 10,000 nodes; this
    takes about a second at 5,000. Deterministic for a given `seed`.

    >>> pos = layout(nx.path_graph(3))
    >>> sorted(pos) == [0, 1, 2] and all(len(p) == 2 for p in pos.values())
    True
    """
    nodes = list(graph.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    index = {node: i for i, node in enumerate(nodes)}
    pairs = {(index[u], index[v]) for u, v in graph.edges() if u != v}
    pairs = {(min(a, b), max(a, b)) for a, b in pairs}
    src = np.fromiter((a for a, _ in pairs), dtype=np.int64, count=len(pairs))
    dst = np.fromiter((b for _, b in pairs), dtype=np.int64, count=len(pairs))
    rng = np.random.default_rng(seed)
    side = math.sqrt(n)
    x, y = rng.uniform(-side / 2, side / 2, size=(2, n))
    steps = iterations if iterations is not None else (150 if n <= 600 else 120)
    exact = n <= 600
    samples = min(24, n - 1)
    window = 6
    temperature = side / 5
    cooling = (0.02 / max(temperature, 1e-9)) ** (1 / max(steps, 1))

    def spread(index: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=values, minlength=n)

    for _ in range(steps):
        if exact:
            dx = x[:, None] - x[None, :]
            dy = y[:, None] - y[None, :]
            inv = 1.0 / np.maximum(dx * dx + dy * dy, 1e-4)
            np.fill_diagonal(inv, 0.0)
            fx, fy = (dx * inv).sum(1), (dy * inv).sum(1)
        else:
            # far field: a random sample stands for all nodes; near field: nodes of the same grid cell
            others = rng.integers(0, n, size=(n, samples))
            dx = x[:, None] - x[others]
            dy = y[:, None] - y[others]
            inv = 1.0 / np.maximum(dx * dx + dy * dy, 1e-4)
            weight = (n - 1) / samples
            fx, fy = (dx * inv).sum(1) * weight, (dy * inv).sum(1) * weight
            cx, cy = np.floor(x / 2.0).astype(np.int64), np.floor(y / 2.0).astype(np.int64)
            order = np.lexsort((cy, cx))
            for off in range(1, window + 1):
                a, b = order[:-off], order[off:]
                same = (cx[a] == cx[b]) & (cy[a] == cy[b])
                a, b = a[same], b[same]
                ddx, ddy = x[a] - x[b], y[a] - y[b]
                pinv = 1.0 / np.maximum(ddx * ddx + ddy * ddy, 1e-4)
                fx += spread(a, ddx * pinv) - spread(b, ddx * pinv)
                fy += spread(a, ddy * pinv) - spread(b, ddy * pinv)
        if len(src):
            ddx, ddy = x[src] - x[dst], y[src] - y[dst]
            dist = np.sqrt(ddx * ddx + ddy * ddy)
            fx += spread(dst, ddx * dist) - spread(src, ddx * dist)
            fy += spread(dst, ddy * dist) - spread(src, ddy * dist)
        fx -= x * 0.05  # gravity keeps separate components together
        fy -= y * 0.05
        length = np.maximum(np.sqrt(fx * fx + fy * fy), 1e-9)
        step = np.minimum(length, temperature) / length
        x += fx * step
        y += fy * step
        temperature *= cooling
    pos = np.column_stack([x, y])
    pos -= pos.mean(0)
    unit = float(np.median(np.sqrt(((pos[src] - pos[dst]) ** 2).sum(1)))) if len(src) else 1.0
    sizes = np.array([float((radius or {}).get(node, 10.0)) for node in nodes])
    # at least the median edge length asked for, and room for every node in the central 90 %
    low, high = np.percentile(pos, 5, axis=0), np.percentile(pos, 95, axis=0)
    area = float(np.prod(np.maximum(high - low, 1e-6)))
    room = float(np.mean((2 * sizes + 16.0) ** 2)) * n * 0.9
    pos *= max(scale / max(unit, 1e-6), math.sqrt(room / area))
    x, y = _remove_overlaps(pos[:, 0].copy(), pos[:, 1].copy(), sizes, iterations=40 if n <= 1000 else 12,
                            limit=30 * n)
    return {node: (round(float(a), 1), round(float(b), 1)) for node, a, b in zip(nodes, x, y, strict=True)}


def _close_pairs(x: np.ndarray, y: np.ndarray, cell: float, *, limit: int | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) of points in the same or neighbouring grid cells: every pair closer than `cell`.

    With `limit`, a random share of the pairs when there are more (dense clumps early in a layout).
    """
    n = len(x)
    cx = np.floor(x / cell).astype(np.int64)
    cy = np.floor(y / cell).astype(np.int64)
    cx -= cx.min() - 1
    cy -= cy.min() - 1
    rows = int(cy.max()) + 3
    key = cx * rows + cy
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    firsts, seconds = [], []
    for ox, oy in ((0, 0), (1, -1), (1, 0), (1, 1), (0, 1)):
        target = key + ox * rows + oy
        lo = np.searchsorted(sorted_keys, target, "left")
        hi = np.searchsorted(sorted_keys, target, "right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            continue
        first = np.repeat(np.arange(n), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        second = order[np.repeat(lo, counts) + offsets]
        if ox == 0 and oy == 0:
            keep = first < second
            first, second = first[keep], second[keep]
        firsts.append(first)
        seconds.append(second)
    if not firsts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    if limit is not None and len(first) > limit:
        keep = np.random.default_rng(len(first)).choice(len(first), size=limit, replace=False)
        first, second = first[keep], second[keep]
    return first, second


def _remove_overlaps(x: np.ndarray, y: np.ndarray, radius: np.ndarray, *, gap: float = 12.0,
                     iterations: int = 40, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pushes apart two nodes closer than their radii and `gap`, a few rounds (at most `limit`
    pairs a round, so that a dense core costs no more than a sparse one; the largest nodes, whose
    radius is capped at 20 here, may keep touching)."""
    n = len(x)
    radius = np.minimum(radius, 20.0)
    cell = 2 * float(radius.max()) + gap
    for _ in range(iterations):
        first, second = _close_pairs(x, y, cell, limit=limit)
        dx, dy = x[first] - x[second], y[first] - y[second]
        dist = np.sqrt(dx * dx + dy * dy)
        need = radius[first] + radius[second] + gap
        bad = dist < need
        if not bad.any():
            break
        first, second, dx, dy, dist, need = first[bad], second[bad], dx[bad], dy[bad], dist[bad], need[bad]
        same = dist < 1e-6  # two nodes on one spot: part them along x
        dx[same], dy[same], dist[same] = 1.0, 0.0, 1.0
        push = 0.9 * (need - dist) / (2 * dist)
        x = x + np.bincount(first, dx * push, n) - np.bincount(second, dx * push, n)
        y = y + np.bincount(first, dy * push, n) - np.bincount(second, dy * push, n)
    return x, y
