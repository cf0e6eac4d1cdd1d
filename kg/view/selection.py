"""Choosing what the view draws: the node a name names, node kinds from an option, paper counts,
and the part of the graph `select` keeps (focus and hops, types, min papers, top entities).

Reads the graph through the contract of `kg.schema` (a graph from a file is checked on load by
`kg.graph_io.load_any_graph`), so attributes are indexed, not guessed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from kg.errors import OptionError
from kg.schema import ENTITY_KINDS, NODE_KINDS, NodeAttrs, NodeKind


def parse_types(types: str | Iterable[str] | None) -> tuple[NodeKind, ...] | None:
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
    out: list[NodeKind] = []
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
    `paper_count`, or its Paper neighbours when that is not positive), 1 for papers and claims.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("paper:p", kind="Paper"); g.add_node("m", kind="Method", paper_count=0)
    >>> _ = g.add_edge("paper:p", "m", key="uses")
    >>> paper_counts(g)
    {'paper:p': 1, 'm': 1}
    """
    counts: dict[Any, int] = {}
    for node, attrs in graph.nodes(data=True):
        if attrs["kind"] in ENTITY_KINDS:
            given = attrs["paper_count"]
            if given > 0:
                counts[node] = given
            else:
                counts[node] = sum(1 for p in set(graph.predecessors(node)) if graph.nodes[p]["kind"] == "Paper")
        else:
            counts[node] = 1
    return counts


def _names(graph: nx.MultiDiGraph, node: Any) -> list[str]:
    attrs: NodeAttrs = graph.nodes[node]
    names = [attrs["label"]]
    if attrs["kind"] == "Paper":
        names.extend([attrs["title"], attrs["paper_id"]])
    elif attrs["kind"] != "Claim":
        names.extend(attrs["aliases"])
    names.append(str(node))
    return [n for n in names if n]


def find_node(graph: nx.MultiDiGraph, name: str) -> Any:
    """The node called `name` (its label, an alias, a paper title or id, or the node id; any case).

    Several matches: an entity before a paper before a claim, then the one with the most papers.
    No match: OptionError naming the closest names.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("dataset/imagenet", kind="Dataset", label="ImageNet", aliases=["ILSVRC"], paper_count=3,
    ...            kb_id=None)
    >>> find_node(g, "ilsvrc")
    'dataset/imagenet'
    >>> find_node(g, "ImagNet")
    Traceback (most recent call last):
    ...
    kg.errors.OptionError: no node named 'ImagNet'; did you mean 'ImageNet'?
    """
    wanted = name.strip().casefold()
    counts = paper_counts(graph)
    rank: dict[str, int] = {"Method": 0, "Dataset": 0, "Metric": 0, "Task": 0, "Paper": 1, "Claim": 2}
    matches = [n for n in graph.nodes if any(x.casefold() == wanted for x in _names(graph, n))]
    if matches:
        return min(matches, key=lambda n: (rank[graph.nodes[n]["kind"]], -counts[n], str(n)))
    from rapidfuzz import fuzz, process

    choices: dict[str, None] = {}
    for node, attrs in graph.nodes(data=True):
        if attrs["kind"] != "Claim":
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
    ...     g.add_node(n, kind=k, label=n, title=n, paper_id=n, aliases=[], paper_count=1)
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
                     if c in keep and kind_of[c] == "Claim"]
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
    ranked = sorted(entities, key=lambda n: (-counts[n], -graph.degree(n), str(graph.nodes[n]["label"] or n)))
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
