"""Browse a kg graph as one self-contained, interactive HTML page (the only module that imports pyvis).

`render_html` writes a page that opens from disk with no network: vis-network's script and style
are inlined from pyvis's bundled copy (pyvis `cdn_resources="in_line"`), and nothing on the page
names a remote source. On it a reader sees papers, methods, datasets, metrics, tasks and claims in
distinct colours and shapes with a legend, node size by paper count; hovering or clicking a node
shows its name, aliases, type, papers and, for claims, value, unit, metric, dataset, method and
sentence; a search box finds a node by name or alias, type check boxes and a paper-count slider
hide nodes.

Why not pyvis's own template and `from_nx`: the stock template links Bootstrap from a CDN whatever
`cdn_resources` says and writes the heading unescaped, and `Network.add_node`/`from_nx` check ids
against a list (quadratic). So kg fills pyvis's node and edge lists directly and renders them with
its own template through pyvis's template environment, which inlines pyvis's vis-network files.

Safety: every text that comes from a paper (titles, abstracts, names, sentences) reaches the page
only as JSON inside a script, with `<`, `>`, `&` and `'` escaped as \\uXXXX (Jinja's `tojson`), and is
put on screen with DOM `textContent` or drawn on the canvas, never parsed as HTML. The heading is
HTML-escaped.

Scale: the layout is computed in Python (`layout`, a force-directed layout in numpy whose cost
grows linearly with the graph) and drawn with physics off above `PHYSICS_MAX_NODES` nodes, so
thousands of nodes draw in seconds; over `limit` nodes (5,000 by default) `render_html` refuses and
suggests `--top`, `--focus`, `--types` or `--min-papers`.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from kg.errors import FormatError, GraphError, InputError, OptionError
from kg.schema import CLAIM_DATASET, CLAIM_METHOD, CLAIM_METRIC, ENTITY_KINDS, NODE_KINDS, paper_node

DEFAULT_LIMIT = 5000
"""Most nodes `render_html` draws; above it a browser takes too long to be usable."""
PHYSICS_MAX_NODES = 300
"""Graphs up to this size keep vis-network's live physics (started from the Python layout)."""

STYLE: dict[str, dict[str, str]] = {
    "Paper": {"shape": "square", "color": "#8c8c8c", "glyph": "\u25a0"},
    "Method": {"shape": "dot", "color": "#4e79a7", "glyph": "\u25cf"},
    "Dataset": {"shape": "diamond", "color": "#f28e2b", "glyph": "\u25c6"},
    "Metric": {"shape": "triangle", "color": "#59a14f", "glyph": "\u25b2"},
    "Task": {"shape": "star", "color": "#b07aa1", "glyph": "\u2605"},
    "Claim": {"shape": "hexagon", "color": "#e15759", "glyph": "\u2b22"},
}
"""Shape and colour of each node kind, on the canvas and in the legend."""

_EDGE_COLOURS: dict[str, str] = {"proposes": "#2f4b7c", "reports": "#f0a8aa", CLAIM_METRIC: "#f0a8aa",
                                 CLAIM_DATASET: "#f0a8aa", CLAIM_METHOD: "#f0a8aa"}
_EDGE_DEFAULT = "#b8b8b8"
_MAX_PAPERS_LISTED = 50
_ABSTRACT_CHARS = 600
_REMOTE_SOURCE = re.compile(
    r"""<(?:script|link|img|iframe|source|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE)
GRAPH_SUFFIXES = (".json", ".graphml", ".ttl", ".nt", ".jsonld")


@dataclass(frozen=True, slots=True)
class ViewResult:
    """What `render_html` wrote: the page, how many nodes and edges it draws, whether physics is on."""

    path: Path
    nodes: int
    edges: int
    physics: bool


# --- loading -------------------------------------------------------------------------------------


def load_any_graph(path: str | Path) -> nx.MultiDiGraph:
    """The kg graph in a file that `kg build` wrote (node-link JSON, GraphML, Turtle, N-Triples or
    JSON-LD) or in its output folder (graph.json preferred, then graph.graphml, then RDF).

    >>> load_any_graph("no/such/graph.json")
    Traceback (most recent call last):
    ...
    kg.errors.InputError: no/such/graph.json: no such file or folder
    """
    source = Path(path)
    if not source.exists():
        raise InputError("no such file or folder", source=str(path))
    if source.is_dir():
        for name in ("graph" + suffix for suffix in GRAPH_SUFFIXES):
            if (source / name).is_file():
                return load_any_graph(source / name)
        raise InputError(f"holds no graph file; expected one of {', '.join('graph' + s for s in GRAPH_SUFFIXES)} "
                         "(run kg build first)", source=str(path))
    suffix = source.suffix.lower()
    if suffix == ".json":
        from kg.build import read_node_link

        try:
            graph = read_node_link(source)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise GraphError(f"{path}: not a node-link graph that kg build wrote ({type(exc).__name__}: {exc}); "
                             "give the build folder, its graph.json or its graph.ttl") from None
    elif suffix == ".graphml":
        from kg.graphml import read_graphml

        graph = read_graphml(source)
    elif suffix in (".ttl", ".nt", ".jsonld"):
        from kg.rdf.export import load_graph
        from kg.rdf.to_nx import from_rdf

        graph = from_rdf(load_graph(source))
    else:
        raise FormatError(f"{path}: cannot tell the graph format from '{source.suffix}'; "
                          f"use a {', '.join(GRAPH_SUFFIXES)} file or a kg build folder")
    _check_kinds(graph, str(path))
    return graph


def _check_kinds(graph: nx.MultiDiGraph, where: str) -> None:
    for node, attrs in graph.nodes(data=True):
        if attrs.get("kind") not in NODE_KINDS:
            raise GraphError(f"{where}: node '{node}' has kind {attrs.get('kind')!r}, not one of "
                             f"{', '.join(NODE_KINDS)}; is it a graph that kg build wrote?")


# --- choosing what to draw -----------------------------------------------------------------------


def parse_types(types: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Node kinds from "Method,Dataset" (any case, singular or plural); None for no restriction.

    >>> parse_types("method, DATASETS")
    ('Method', 'Dataset')
    >>> parse_types("model")
    Traceback (most recent call last):
    ...
    kg.errors.OptionError: unknown type 'model'; use Paper, Method, Dataset, Metric, Task, Claim
    """
    if types is None:
        return None
    names = types.split(",") if isinstance(types, str) else list(types)
    out: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        key = name.casefold()
        kind = next((k for k in NODE_KINDS if key in (k.casefold(), k.casefold() + "s")), None)
        if kind is None:
            raise OptionError(f"unknown type '{name}'; use {', '.join(NODE_KINDS)}")
        if kind not in out:
            out.append(kind)
    if not out:
        raise OptionError(f"no type given; use a comma-separated list of {', '.join(NODE_KINDS)}")
    return tuple(out)


def paper_counts(graph: nx.MultiDiGraph) -> dict[Any, int]:
    """The number of papers of each node: for an entity the papers that mention it (its
    `paper_count`, or its Paper neighbours when that is missing), 1 for papers and claims.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p", kind="Paper"); g.add_node("m", kind="Method")
    >>> _ = g.add_edge("paper:p", "m", key="uses")
    >>> paper_counts(g)
    {'paper:p': 1, 'm': 1}
    """
    counts: dict[Any, int] = {}
    for node, attrs in graph.nodes(data=True):
        if attrs.get("kind") in ENTITY_KINDS:
            given = attrs.get("paper_count")
            if isinstance(given, int) and given > 0:
                counts[node] = given
            else:
                counts[node] = sum(1 for p in set(graph.predecessors(node)) if graph.nodes[p].get("kind") == "Paper")
        else:
            counts[node] = 1
    return counts


def _names(graph: nx.MultiDiGraph, node: Any) -> list[str]:
    attrs = graph.nodes[node]
    names = [str(attrs.get("label") or "")]
    names.extend(str(a) for a in attrs.get("aliases") or ())
    if attrs.get("kind") == "Paper":
        names.extend([str(attrs.get("title") or ""), str(attrs.get("paper_id") or "")])
    names.append(str(node))
    return [n for n in names if n]


def find_node(graph: nx.MultiDiGraph, name: str) -> Any:
    """The node called `name` (its label, an alias, a paper title or id, or the node id; any case).

    Several matches: an entity before a paper before a claim, then the one with the most papers.
    No match: OptionError naming the closest names.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("dataset/imagenet", kind="Dataset", label="ImageNet", aliases=["ILSVRC"], paper_count=3)
    >>> find_node(g, "ilsvrc")
    'dataset/imagenet'
    >>> find_node(g, "ImagNet")
    Traceback (most recent call last):
    ...
    kg.errors.OptionError: no node named 'ImagNet'; did you mean 'ImageNet'?
    """
    wanted = name.strip().casefold()
    counts = paper_counts(graph)
    rank = {"Method": 0, "Dataset": 0, "Metric": 0, "Task": 0, "Paper": 1, "Claim": 2}
    matches = [n for n in graph.nodes if any(x.casefold() == wanted for x in _names(graph, n))]
    if matches:
        return min(matches, key=lambda n: (rank.get(graph.nodes[n].get("kind"), 3), -counts[n], str(n)))
    from rapidfuzz import fuzz, process

    choices: dict[str, None] = {}
    for node, attrs in graph.nodes(data=True):
        if attrs.get("kind") != "Claim":
            for alias in _names(graph, node)[:-1]:
                choices.setdefault(alias, None)
    close = process.extract(name, list(choices), scorer=fuzz.ratio, processor=str.casefold, limit=3,
                            score_cutoff=60)
    hint = "; did you mean " + ", ".join(f"'{c[0]}'" for c in close) + "?" if close else \
        "; search the names with `kg query --named entity-aliases` or open the full view"
    raise OptionError(f"no node named '{name}'{hint}")


def select(graph: nx.MultiDiGraph, *, focus: str | None = None, hops: int = 1,
           types: str | Iterable[str] | None = None, top: int | None = None,
           min_papers: int = 0, max_nodes: int | None = None) -> nx.MultiDiGraph:
    """The part of the graph to draw (a read-only view; `graph` itself when nothing narrows it),
    narrowed in this order:

    1. `focus`: the node of that name (see `find_node`) and every node within `hops` edges of it,
       edges followed in either direction;
    2. `types`: only nodes of those kinds; papers stay as the links between the kept nodes (a paper
       with nothing left to link is dropped unless "Paper" is one of the types);
    3. `min_papers`: only entities (methods, datasets, metrics, tasks) named in at least that many papers;
    4. `top`: the `top` entities with the most papers, the papers that link two of them (one when
       `top` is 1), and, when `types` asks for claims, the claims of those papers; with `max_nodes`,
       only as many papers (those linking the most of the entities first) and claims as fit in it.
    The focus node itself is always kept.

    >>> g = nx.MultiDiGraph()
    >>> for n, k in [("paper:p", "Paper"), ("m", "Method"), ("d", "Dataset"), ("c", "Claim")]:
    ...     g.add_node(n, kind=k, label=n)
    >>> for u, v, k in [("paper:p", "m", "uses"), ("paper:p", "d", "evaluatesOn"), ("paper:p", "c", "reports")]:
    ...     _ = g.add_edge(u, v, key=k)
    >>> sorted(select(g, types="Method,Dataset").nodes)
    ['d', 'm', 'paper:p']
    >>> sorted(select(g, focus="m", hops=1).nodes)
    ['m', 'paper:p']
    """
    if hops < 0:
        raise OptionError(f"--hops must be 0 or more, not {hops}")
    if top is not None and top < 1:
        raise OptionError(f"--top must be 1 or more, not {top}")
    if min_papers < 0:
        raise OptionError(f"--min-papers must be 0 or more, not {min_papers}")
    kinds = parse_types(types)
    counts = paper_counts(graph)
    kind_of = dict(graph.nodes(data="kind"))  # looked up for every node, often several times
    keep: set[Any] = set(graph.nodes)
    center = None
    if focus is not None:
        center = find_node(graph, focus)
        keep = set(nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), center, cutoff=hops))
    narrowed = kinds is not None or min_papers > 0 or top is not None
    if kinds is not None:
        allowed = {*kinds, "Paper"}
        keep = {n for n in keep if kind_of[n] in allowed or n == center}
    if min_papers > 0:
        keep = {n for n in keep if kind_of[n] not in ENTITY_KINDS or counts[n] >= min_papers or n == center}
    if top is not None:
        chosen = set(_top_entities([n for n in keep if kind_of[n] in ENTITY_KINDS], graph, counts, top))
        need = 2 if top > 1 else 1
        links = {n: len(chosen.intersection(graph.successors(n))) for n in keep if kind_of[n] == "Paper"}
        # the papers that link the most chosen entities first, as many as max_nodes leaves room for
        ranked = sorted((n for n, k in links.items() if k >= need), key=lambda n: (-links[n], str(n)))
        room = None if max_nodes is None else max(0, max_nodes - len(chosen) - (center is not None))
        papers = ranked if room is None else ranked[:room]
        extra: list[Any] = []
        if kinds is not None and "Claim" in kinds:
            extra = [c for p in papers for c in graph.successors(p)
                     if c in keep and graph.nodes[c].get("kind") == "Claim"]
            if room is not None:
                extra = extra[: max(0, room - len(papers))]
        keep = chosen | set(papers) | set(extra) | ({center} if center is not None else set())
    if narrowed and not (kinds is not None and "Paper" in kinds):
        keep = {n for n in keep if kind_of[n] != "Paper" or n == center
                or any(v in keep for v in graph.succ[n]) or any(u in keep for u in graph.pred[n])}
    if len(keep) == graph.number_of_nodes():
        return graph
    return induced(graph, keep)


def _top_entities(entities: list[Any], graph: nx.MultiDiGraph, counts: Mapping[Any, int], top: int) -> list[Any]:
    """The `top` entities with the most papers, then the most edges, then by label.

    Only the entities with at least as many papers as the `top`-th are ranked in full: counting the
    edges of every entity in a large graph took longer than the rest of the selection.
    """
    if len(entities) > top:
        cut = heapq.nlargest(top, (counts[n] for n in entities))[-1]
        entities = [n for n in entities if counts[n] >= cut]
    ranked = sorted(entities, key=lambda n: (-counts[n], -graph.degree(n), str(graph.nodes[n].get("label") or n)))
    return ranked[:top]


def induced(graph: nx.MultiDiGraph, keep: set[Any]) -> nx.MultiDiGraph:
    """The subgraph of `graph` on the nodes `keep`, in the graph's node order (attribute values shared).

    Built from the kept nodes' out-edges; NetworkX's subgraph view filters every neighbour of every
    node on every pass, which made drawing 5,000 nodes of a 10k-paper graph take seconds.

    >>> g = nx.MultiDiGraph([("a", "b"), ("b", "c")])
    >>> sorted(induced(g, {"a", "b"}).edges())
    [('a', 'b')]
    """
    sub = nx.MultiDiGraph(**graph.graph)
    sub.add_nodes_from((node, attrs) for node, attrs in graph.nodes(data=True) if node in keep)
    for u, targets in graph.adjacency():  # plain dicts, in node order; add_edge is the cheap way in
        if u in keep:
            for v, keyed in targets.items():
                if v in keep:
                    for key, attrs in keyed.items():
                        sub.add_edge(u, v, key, **attrs)
    return sub


# --- layout --------------------------------------------------------------------------------------


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


# --- the page ------------------------------------------------------------------------------------


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


def _details(full: nx.MultiDiGraph, node: Any, attrs: Mapping[str, Any], counts: Mapping[Any, int],
             title_index: dict[Any, int], paper_nodes: set[Any]) -> dict[str, Any]:
    """What the tooltip and the details panel show of one node (plain values, escaped on the page)."""
    kind = str(attrs.get("kind"))
    out: dict[str, Any] = {"name": str(attrs.get("label") or node), "kind": kind}

    def papers_of(ids: Iterable[Any]) -> list[int]:
        listed = []
        for p in ids:
            if p not in title_index:
                title_index[p] = len(title_index)
            listed.append(title_index[p])
        return listed

    if kind in ENTITY_KINDS:
        out["aliases"] = [str(a) for a in attrs.get("aliases") or () if str(a) != out["name"]]
        # the first papers in name order (what sorted(...)[:n] gives, without sorting thousands)
        papers = heapq.nsmallest(_MAX_PAPERS_LISTED, paper_nodes.intersection(full.predecessors(node)), key=str)
        out["papers"] = papers_of(papers)
        out["paperCount"] = counts[node]
    elif kind == "Paper":
        out["name"] = str(attrs.get("title") or attrs.get("label") or node)
        out["id"] = str(attrs.get("paper_id") or node)
        if attrs.get("year") is not None:
            out["year"] = str(attrs["year"])
        authors = [str(a) for a in attrs.get("authors") or ()]
        if authors:
            out["authors"] = ", ".join(authors[:8]) + (" et al." if len(authors) > 8 else "")
        if attrs.get("abstract"):
            out["abstract"] = _short(str(attrs["abstract"]), _ABSTRACT_CHARS)
        if attrs.get("url"):
            out["url"] = str(attrs["url"])
    elif kind == "Claim":
        out["name"] = str(attrs.get("text") or attrs.get("label") or node)
        for key, attr in (("value", "value"), ("high", "high"), ("unit", "unit"), ("claimKind", "claim_kind"),
                          ("sentence", "sentence")):
            value = attrs.get(attr)
            if value not in (None, ""):
                out[key] = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        for key, relation in (("metric", CLAIM_METRIC), ("dataset", CLAIM_DATASET), ("method", CLAIM_METHOD)):
            targets = [full.nodes[v].get("label") or v for _, v, k in full.out_edges(node, keys=True) if k == relation]
            if targets:
                out[key] = ", ".join(sorted(str(t) for t in targets))
        papers = [p for p in full.predecessors(node) if full.nodes[p].get("kind") == "Paper"]
        if not papers and attrs.get("paper_id") is not None and paper_node(attrs["paper_id"]) in full:
            papers = [paper_node(attrs["paper_id"])]
        out["papers"] = papers_of(sorted(papers, key=str))
    return out


def _size(kind: str, papers: int) -> float:
    """The drawn radius of a node: entities grow with the square root of their paper count."""
    if kind in ENTITY_KINDS:
        return round(min(10.0 + 5.0 * math.sqrt(papers), 45.0), 1)
    return 9.0 if kind == "Paper" else 6.0


def _options(physics: bool, big: bool) -> dict[str, Any]:
    return {
        "nodes": {"borderWidth": 1, "font": {"size": 12, "face": "sans-serif", "color": "#222222"},
                  "scaling": {"label": {"drawThreshold": 5}}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.35}}, "smooth": False, "width": 0.7,
                  "selectionWidth": 2, "hoverWidth": 1.5},
        "physics": {"enabled": physics, "solver": "barnesHut",
                    "barnesHut": {"gravitationalConstant": -3000, "springLength": 90, "springConstant": 0.03,
                                  "damping": 0.4, "avoidOverlap": 0.1},
                    "stabilization": {"enabled": physics, "iterations": 120, "fit": True},
                    "minVelocity": 1.0},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "interaction": {"hover": True, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big, "keyboard": False,
                        "multiselect": False, "tooltipDelay": 200},
    }


def page_html(graph: nx.MultiDiGraph, *, focus: str | None = None, hops: int = 1,
              types: str | Iterable[str] | None = None, top: int | None = None, min_papers: int = 0,
              limit: int = DEFAULT_LIMIT, title: str = "kg graph", physics: bool | None = None,
              seed: int = 0) -> tuple[str, ViewResult]:
    """The page as a string and what it draws (its `path` is empty); see `render_html`."""
    from pyvis.network import Network

    if limit < 1:
        raise OptionError(f"--limit must be 1 or more, not {limit}")
    part = select(graph, focus=focus, hops=hops, types=types, top=top, min_papers=min_papers, max_nodes=limit)
    if part.number_of_nodes() > limit:
        raise OptionError(
            f"the view would draw {part.number_of_nodes():,} nodes, over the limit of {limit:,} that a browser "
            "draws in seconds; show part of the graph with --top 300, --focus NAME --hops 2, "
            "--types Method,Dataset or --min-papers 2")
    counts = paper_counts(graph)
    paper_nodes = {node for node, kind in graph.nodes(data="kind") if kind == "Paper"}
    nodes = list(part.nodes)
    live = physics if physics is not None else len(nodes) <= PHYSICS_MAX_NODES
    sizes = {node: _size(str(part.nodes[node]["kind"]), counts[node]) for node in nodes}
    positions = layout(part, radius=sizes, seed=seed)
    index = {node: i for i, node in enumerate(nodes)}
    title_index: dict[Any, int] = {}
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line", heading="")
    details: list[dict[str, Any]] = []
    for node in nodes:
        attrs = part.nodes[node]
        kind = str(attrs["kind"])
        style = STYLE[kind]
        info = _details(graph, node, attrs, counts, title_index, paper_nodes)
        details.append(info)
        x, y = positions[node]
        # claims are many and their numbers say little without context: named in the tooltip only
        label = "" if kind == "Claim" else _short(info["name"], 28 if kind != "Paper" else 24)
        net.nodes.append({"id": index[node], "label": label,
                          "shape": style["shape"], "color": style["color"], "size": sizes[node],
                          "x": x, "y": y, "kind": kind, "papers": counts[node]})
    for n, (u, v, key, attrs) in enumerate(part.edges(keys=True, data=True)):
        relation = str(attrs.get("relation") or key)
        net.edges.append({"id": n, "from": index[u], "to": index[v], "relation": relation,
                          "color": {"color": _EDGE_COLOURS.get(relation, _EDGE_DEFAULT), "highlight": "#333333",
                                    "hover": "#555555"}})
    net.options = _options(live, len(nodes) > PHYSICS_MAX_NODES)
    titles = [""] * len(title_index)
    for paper, i in title_index.items():
        attrs = graph.nodes[paper]
        titles[i] = str(attrs.get("title") or attrs.get("label") or attrs.get("paper_id") or paper)
    kind_counts = {k: sum(1 for d in details if d["kind"] == k) for k in NODE_KINDS}
    meta = {"details": details, "titles": titles, "styles": STYLE, "kinds": list(NODE_KINDS),
            "kindCounts": kind_counts, "minPapers": min_papers,
            "maxPapers": max([counts[n] for n in nodes if part.nodes[n]["kind"] in ENTITY_KINDS] or [1]),
            "physics": live, "focus": index.get(find_node(graph, focus)) if focus is not None else None}
    template = net.templateEnv.from_string(_TEMPLATE)
    page = template.render(heading=title, nodes=net.nodes, edges=net.edges, options=net.options, meta=meta)
    if _REMOTE_SOURCE.search(page):  # pragma: no cover - a guard against a changed pyvis template
        raise GraphError("the page would load a remote script or style; refusing to write it")
    return page, ViewResult(Path(), len(net.nodes), len(net.edges), live)


def render_html(graph: nx.MultiDiGraph, path: str | Path, *, focus: str | None = None, hops: int = 1,
                types: str | Iterable[str] | None = None, top: int | None = None, min_papers: int = 0,
                limit: int = DEFAULT_LIMIT, title: str = "kg graph", physics: bool | None = None,
                seed: int = 0) -> ViewResult:
    """Writes the graph (or the part that `select` keeps) as one self-contained HTML page.

    The page opens from disk with no network. Up to `PHYSICS_MAX_NODES` nodes it keeps vis-network's
    live physics (`physics=True`/`False` forces it); the layout is always computed in Python first.
    More than `limit` nodes: OptionError suggesting --top, --focus, --types or --min-papers (with
    `top`, the papers between the top entities are first cut down to fit). The file is written
    atomically.

    >>> import tempfile, pathlib
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p1", kind="Paper", paper_id="p1", title="<b>On BERT</b>")
    >>> g.add_node("method/bert", kind="Method", label="BERT", aliases=[], paper_count=1)
    >>> _ = g.add_edge("paper:p1", "method/bert", key="uses", relation="uses", evidence=[])
    >>> out = render_html(g, pathlib.Path(tempfile.mkdtemp()) / "graph.html")
    >>> out.nodes, out.edges, "<b>On BERT" in out.path.read_text(encoding="utf-8")
    (2, 1, False)
    """
    from kg.atomic import atomic_write

    page, result = page_html(graph, focus=focus, hops=hops, types=types, top=top, min_papers=min_papers,
                             limit=limit, title=title, physics=physics, seed=seed)
    target = Path(path)
    with atomic_write(target) as out:
        out.write(page)
    return ViewResult(target, result.nodes, result.edges, result.physics)


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline';
      style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>{{ heading|e }}</title>
<link rel="icon" href="data:,">
<style>{% include 'lib/vis-9.1.2/vis-network.css' %}</style>
<script>{% include 'lib/vis-9.1.2/vis-network.min.js' %}</script>
<style>
  html, body { margin: 0; height: 100%; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
  body { display: flex; }
  #kg-side { width: 300px; min-width: 300px; height: 100%; overflow-y: auto; box-sizing: border-box; padding: 10px 12px;
             border-right: 1px solid #ddd; background: #fafafa; }
  #kg-side h1 { font-size: 15px; margin: 0 0 4px; word-break: break-word; }
  #kg-counts { color: #666; margin: 0 0 8px; }
  #kg-search { width: 100%; box-sizing: border-box; padding: 5px 6px; font: inherit; }
  #kg-results { list-style: none; margin: 2px 0 8px; padding: 0; }
  #kg-results button { width: 100%; text-align: left; border: 0; background: none; padding: 2px 4px; font: inherit;
                       cursor: pointer; }
  #kg-results button:hover, #kg-results button:focus { background: #e8eef7; }
  #kg-results .kg-kind, .kg-kind { color: #777; font-size: 11px; margin-left: 4px; }
  fieldset { border: 1px solid #ddd; margin: 0 0 8px; padding: 4px 8px 6px; }
  legend { color: #555; padding: 0 4px; }
  .kg-legend-row { display: flex; align-items: center; gap: 6px; }
  .kg-glyph { width: 16px; text-align: center; font-size: 15px; }
  .kg-count { color: #777; margin-left: auto; }
  #kg-min-papers { width: 100%; }
  #kg-details { border-top: 1px solid #ddd; padding-top: 6px; word-break: break-word; }
  #kg-details dl, #kg-tooltip dl { margin: 4px 0; }
  #kg-details dt, #kg-tooltip dt { color: #666; font-size: 11px; }
  #kg-details dd, #kg-tooltip dd { margin: 0 0 4px; }
  #kg-details ul, #kg-tooltip ul { margin: 2px 0 4px; padding-left: 16px; }
  .kg-name { font-weight: 600; }
  #mynetwork { flex: 1; height: 100%; position: relative; background: #fff; }
  #kg-tooltip { position: fixed; z-index: 10; max-width: 360px; pointer-events: none; background: #fffffe;
                border: 1px solid #aaa; border-radius: 4px; box-shadow: 2px 2px 8px rgba(0,0,0,.15); padding: 6px 8px;
                word-break: break-word; }
  #kg-tooltip[hidden] { display: none; }
  .kg-hint { color: #888; font-size: 11px; }
</style>
</head>
<body>
<aside id="kg-side">
  <h1 id="kg-title">{{ heading|e }}</h1>
  <p id="kg-counts"></p>
  <input id="kg-search" type="search" placeholder="Search a name or alias, Enter to jump" autocomplete="off"
         aria-label="Search a node by name or alias">
  <ul id="kg-results"></ul>
  <fieldset id="kg-legend"><legend>Types</legend></fieldset>
  <fieldset><legend>Min. papers <output id="kg-min-papers-value"></output></legend>
    <input id="kg-min-papers" type="range" step="1" aria-label="Hide entities in fewer papers">
    <div class="kg-hint">hides methods, datasets, metrics and tasks named in fewer papers</div>
  </fieldset>
  <section id="kg-details"><p class="kg-hint">Hover over a node for its details; click to keep them here.</p></section>
</aside>
<div id="mynetwork"></div>
<div id="kg-tooltip" hidden></div>
<script>
(function () {
  "use strict";
  var KG = {{ meta|tojson }};
  var nodes = new vis.DataSet({{ nodes|tojson }});
  var edges = new vis.DataSet({{ edges|tojson }});
  var options = {{ options|tojson }};
  var ENTITY = {Method: true, Dataset: true, Metric: true, Task: true};
  var view = window.kgView = {nodes: nodes, edges: edges, drawnAt: null, stabilizedAt: null, ready: false,
                              startedAt: performance.now()};
  var container = document.getElementById("mynetwork");
  var network = view.network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  network.once("afterDrawing", function () {
    view.drawnAt = performance.now();
    view.ready = true;
  });
  if (KG.physics) {
    network.once("stabilizationIterationsDone", function () { view.stabilizedAt = performance.now(); });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  // The details of node i as DOM (textContent only: paper text is never parsed as HTML).
  function describe(i, full) {
    var d = KG.details[i], box = document.createDocumentFragment();
    var head = el("div");
    head.appendChild(el("span", d.name, "kg-name"));
    head.appendChild(el("span", d.kind, "kg-kind"));
    box.appendChild(head);
    var dl = el("dl");
    function row(label, value) {
      if (value === undefined || value === null || value === "") { return; }
      dl.appendChild(el("dt", label));
      dl.appendChild(el("dd", value));
    }
    if (d.aliases && d.aliases.length) { row("Aliases", d.aliases.join(", ")); }
    if (d.paperCount !== undefined) { row("Papers", d.paperCount); }
    row("Value", d.high ? d.value + " to " + d.high : d.value);
    row("Unit", d.unit);
    row("Claim kind", d.claimKind);
    row("Metric", d.metric);
    row("Dataset", d.dataset);
    row("Method", d.method);
    row("Sentence", d.sentence);
    row("Paper id", d.id);
    row("Year", d.year);
    row("Authors", d.authors);
    if (full) { row("URL", d.url); row("Abstract", d.abstract); }
    box.appendChild(dl);
    if (d.papers && d.papers.length) {
      var shown = full ? d.papers : d.papers.slice(0, 5);
      box.appendChild(el("div", d.kind === "Claim" ? "From the paper" : "Papers", "kg-hint"));
      var ul = el("ul");
      shown.forEach(function (t) { ul.appendChild(el("li", KG.titles[t])); });
      var more = (d.paperCount || d.papers.length) - shown.length;
      if (more > 0) { ul.appendChild(el("li", "\u2026 and " + more + " more")); }
      box.appendChild(ul);
    }
    return box;
  }

  var tooltip = document.getElementById("kg-tooltip");
  var details = document.getElementById("kg-details");
  function showTooltip(i, event) {
    tooltip.replaceChildren(describe(i, false));
    tooltip.hidden = false;
    var x = 14, y = 14;
    if (event && event.clientX !== undefined) { x += event.clientX; y += event.clientY; }
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    if (x + w > window.innerWidth) { x = Math.max(0, window.innerWidth - w - 4); }
    if (y + h > window.innerHeight) { y = Math.max(0, window.innerHeight - h - 4); }
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }
  function hideTooltip() { tooltip.hidden = true; }
  function showDetails(i) { details.replaceChildren(describe(i, true)); }
  view.describe = function (i) { var div = el("div"); div.appendChild(describe(i, true)); return div.textContent; };
  network.on("hoverNode", function (p) { showTooltip(p.node, p.event); });
  network.on("blurNode", hideTooltip);
  network.on("dragStart", hideTooltip);
  network.on("zoom", hideTooltip);
  network.on("selectNode", function (p) { if (p.nodes.length) { showDetails(p.nodes[0]); } });

  // Filters: kinds shown and the smallest paper count of entities.
  var shownKinds = {}, minPapers = KG.minPapers;
  KG.kinds.forEach(function (k) { shownKinds[k] = true; });
  var counts = document.getElementById("kg-counts");
  function isHidden(n) { return !shownKinds[n.kind] || (ENTITY[n.kind] === true && n.papers < minPapers); }
  function applyFilters() {
    var changes = [], visible = {}, nVisible = 0, nEdges = 0;
    nodes.forEach(function (n) {
      var hide = isHidden(n);
      if (!hide) { visible[n.id] = true; nVisible += 1; }
      if (Boolean(n.hidden) !== hide) { changes.push({id: n.id, hidden: hide}); }
    });
    if (changes.length) { nodes.update(changes); }
    edges.forEach(function (e) { if (visible[e.from] && visible[e.to]) { nEdges += 1; } });
    view.visibleNodes = nVisible;
    view.visibleEdges = nEdges;
    counts.textContent = nVisible + " of " + nodes.length + " nodes, " +
      nEdges + " of " + edges.length + " edges shown";
  }
  view.applyFilters = applyFilters;

  var legend = document.getElementById("kg-legend");
  KG.kinds.forEach(function (k) {
    var label = el("label", null, "kg-legend-row");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.id = "kg-type-" + k;
    box.value = k;
    box.addEventListener("change", function () { shownKinds[k] = box.checked; applyFilters(); });
    var glyph = el("span", KG.styles[k].glyph, "kg-glyph");
    glyph.style.color = KG.styles[k].color;
    label.appendChild(box);
    label.appendChild(glyph);
    label.appendChild(el("span", k));
    label.appendChild(el("span", KG.kindCounts[k], "kg-count"));
    legend.appendChild(label);
  });

  var slider = document.getElementById("kg-min-papers");
  var sliderValue = document.getElementById("kg-min-papers-value");
  slider.min = String(KG.minPapers);
  slider.max = String(Math.max(KG.maxPapers, KG.minPapers));
  slider.value = String(KG.minPapers);
  sliderValue.textContent = String(KG.minPapers);
  slider.addEventListener("input", function () {
    minPapers = Number(slider.value);
    sliderValue.textContent = slider.value;
    applyFilters();
  });

  // Search by name or alias; Enter or a click jumps to the node and selects it.
  var search = document.getElementById("kg-search");
  var results = document.getElementById("kg-results");
  var names = KG.details.map(function (d) {
    return [d.name].concat(d.aliases || []).map(function (s) { return String(s).toLowerCase(); });
  });
  function find(query) {
    var q = query.trim().toLowerCase(), found = [];
    if (!q) { return found; }
    names.forEach(function (list, i) {
      var best = 9;
      list.forEach(function (s) {
        if (s === q) { best = Math.min(best, 0); }
        else if (s.indexOf(q) === 0) { best = Math.min(best, 1); }
        else if (s.indexOf(q) > 0) { best = Math.min(best, 2); }
      });
      if (best < 9) { found.push([best, KG.details[i].kind === "Claim" ? 1 : 0, -(KG.details[i].paperCount || 0), i]); }
    });
    found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]; });
    return found.slice(0, 12).map(function (f) { return f[3]; });
  }
  function jump(i) {
    var n = nodes.get(i);
    if (isHidden(n)) {
      shownKinds[n.kind] = true;
      document.getElementById("kg-type-" + n.kind).checked = true;
      if (ENTITY[n.kind] && n.papers < minPapers) {
        minPapers = Math.max(KG.minPapers, n.papers);
        slider.value = String(minPapers);
        sliderValue.textContent = slider.value;
      }
      applyFilters();
    }
    network.selectNodes([i]);
    network.focus(i, {scale: Math.max(network.getScale(), 1.0), animation: false});
    showDetails(i);
    view.selected = i;
  }
  view.find = find;
  view.jump = jump;
  function listResults() {
    results.replaceChildren();
    find(search.value).forEach(function (i) {
      var li = el("li"), button = el("button");
      button.type = "button";
      button.appendChild(el("span", KG.details[i].name));
      button.appendChild(el("span", KG.details[i].kind, "kg-kind"));
      button.addEventListener("click", function () { jump(i); });
      li.appendChild(button);
      results.appendChild(li);
    });
  }
  search.addEventListener("input", listResults);
  search.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      var hits = find(search.value);
      if (hits.length) { jump(hits[0]); }
    }
  });

  applyFilters();
  if (KG.focus !== null && KG.focus !== undefined) {
    network.selectNodes([KG.focus]);
    showDetails(KG.focus);
  }
})();
</script>
</body>
</html>
"""
