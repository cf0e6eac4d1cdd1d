"""The view's page: what is drawn of each node (shape, colour, size, position, details) rendered
into one self-contained HTML page from the Jinja2 template `templates/page.html.j2`.

The page opens from disk with no network: vis-network's script and style are inlined from the copy
that pyvis ships (pyvis's own template and `Network` are not used: the stock template links
Bootstrap from a CDN and writes the heading unescaped, and `Network.add_node` checks ids against a
list, which is quadratic), and so are the view's own script and style (`static/view.js`,
`static/view.css`, package data). Nothing on the page names a remote source.

Safety: the template is rendered with autoescape on, so the heading is HTML-escaped; every text that
comes from a paper (titles, abstracts, names, sentences) reaches the page only as JSON inside a
script, with `<`, `>`, `&` and `'` escaped as \\uXXXX (Jinja's `tojson`), and is put on screen with
DOM `textContent` or drawn on the canvas, never parsed as HTML.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.errors import GraphError, OptionError
from kg.schema import (
    CLAIM_DATASET,
    CLAIM_METHOD,
    CLAIM_METRIC,
    ENTITY_KINDS,
    NODE_KINDS,
    PROPOSES,
    REPORTS,
    NodeAttrs,
    paper_node,
)
from kg.view.positions import layout
from kg.view.selection import find_node, paper_counts, select

if TYPE_CHECKING:
    import jinja2

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

_EDGE_COLOURS: dict[str, str] = {PROPOSES: "#2f4b7c", REPORTS: "#f0a8aa", CLAIM_METRIC: "#f0a8aa",
                                 CLAIM_DATASET: "#f0a8aa", CLAIM_METHOD: "#f0a8aa"}
_EDGE_DEFAULT = "#b8b8b8"
_MAX_PAPERS_LISTED = 50
_ABSTRACT_CHARS = 600
_REMOTE_SOURCE = re.compile(
    r"""<(?:script|link|img|iframe|source|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE)
_VIS = "templates/lib/vis-9.1.2"
"""Where pyvis keeps its copy of vis-network, inside the pyvis package."""


@dataclass(frozen=True, slots=True)
class ViewResult:
    """What `render_html` wrote: the page, how many nodes and edges it draws, whether physics is on."""

    path: Path
    nodes: int
    edges: int
    physics: bool


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


def _shown(value: object) -> str:
    """A claim's value as the details show it: 92.0 as "92"."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _details(full: nx.MultiDiGraph, node: Any, attrs: NodeAttrs, counts: Mapping[Any, int],
             title_index: dict[Any, int], paper_nodes: set[Any]) -> dict[str, Any]:
    """What the tooltip and the details panel show of one node (plain values, escaped on the page)."""
    out: dict[str, Any] = {"name": str(attrs["label"] or node), "kind": attrs["kind"]}

    def papers_of(ids: Iterable[Any]) -> list[int]:
        listed = []
        for p in ids:
            if p not in title_index:
                title_index[p] = len(title_index)
            listed.append(title_index[p])
        return listed

    if attrs["kind"] == "Paper":
        out["name"] = str(attrs["title"] or attrs["label"] or node)
        out["id"] = str(attrs["paper_id"] or node)
        if attrs["year"] is not None:
            out["year"] = str(attrs["year"])
        authors = [str(a) for a in attrs["authors"]]
        if authors:
            out["authors"] = ", ".join(authors[:8]) + (" et al." if len(authors) > 8 else "")
        if attrs["abstract"]:
            out["abstract"] = _short(attrs["abstract"], _ABSTRACT_CHARS)
        if attrs["url"]:
            out["url"] = attrs["url"]
    elif attrs["kind"] == "Claim":
        out["name"] = str(attrs["text"] or attrs["label"] or node)
        for key, value in (("value", attrs["value"]), ("high", attrs["high"]), ("unit", attrs["unit"]),
                           ("claimKind", attrs["claim_kind"]), ("sentence", attrs["sentence"])):
            if value not in (None, ""):
                out[key] = _shown(value)
        for key, relation in (("metric", CLAIM_METRIC), ("dataset", CLAIM_DATASET), ("method", CLAIM_METHOD)):
            targets = [full.nodes[v]["label"] or v for _, v, k in full.out_edges(node, keys=True) if k == relation]
            if targets:
                out[key] = ", ".join(sorted(str(t) for t in targets))
        papers = [p for p in full.predecessors(node) if full.nodes[p]["kind"] == "Paper"]
        if not papers and attrs["paper_id"] is not None and paper_node(attrs["paper_id"]) in full:
            papers = [paper_node(attrs["paper_id"])]
        out["papers"] = papers_of(sorted(papers, key=str))
    else:
        out["aliases"] = [str(a) for a in attrs["aliases"] if str(a) != out["name"]]
        # the first papers in name order (what sorted(...)[:n] gives, without sorting thousands)
        papers = heapq.nsmallest(_MAX_PAPERS_LISTED, paper_nodes.intersection(full.predecessors(node)), key=str)
        out["papers"] = papers_of(papers)
        out["paperCount"] = counts[node]
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


@cache
def _template() -> jinja2.Template:
    """The page template, with autoescape on (loaded once per process)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("kg.view", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template("page.html.j2")


@cache
def _inlined() -> dict[str, Any]:
    """The scripts and styles the page inlines: vis-network's from pyvis, the view's own from static/
    (trusted files, so marked safe: autoescape leaves them as they are)."""
    from markupsafe import Markup

    vis, static = files("pyvis").joinpath(_VIS), files("kg.view").joinpath("static")
    return {"vis_css": Markup(vis.joinpath("vis-network.css").read_text(encoding="utf-8")),
            "vis_js": Markup(vis.joinpath("vis-network.min.js").read_text(encoding="utf-8")),
            "view_css": Markup(static.joinpath("view.css").read_text(encoding="utf-8")),
            "view_js": Markup(static.joinpath("view.js").read_text(encoding="utf-8"))}


def page_html(graph: nx.MultiDiGraph, *, focus: str | None = None, hops: int = 1,
              types: str | Iterable[str] | None = None, top: int | None = None, min_papers: int = 0,
              limit: int = DEFAULT_LIMIT, title: str = "kg graph", physics: bool | None = None,
              seed: int = 0) -> tuple[str, ViewResult]:
    """The page as a string and what it draws (its `path` is empty); see `render_html`."""
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
    sizes = {node: _size(part.nodes[node]["kind"], counts[node]) for node in nodes}
    positions = layout(part, radius=sizes, seed=seed)
    index = {node: i for i, node in enumerate(nodes)}
    title_index: dict[Any, int] = {}
    drawn_nodes: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    for node in nodes:
        attrs: NodeAttrs = part.nodes[node]
        kind = attrs["kind"]
        style = STYLE[kind]
        info = _details(graph, node, attrs, counts, title_index, paper_nodes)
        details.append(info)
        x, y = positions[node]
        # claims are many and their numbers say little without context: named in the tooltip only
        label = "" if kind == "Claim" else _short(info["name"], 28 if kind != "Paper" else 24)
        drawn_nodes.append({"id": index[node], "label": label, "shape": style["shape"], "color": style["color"],
                            "size": sizes[node], "x": x, "y": y, "kind": kind, "papers": counts[node]})
    drawn_edges = [{"id": n, "from": index[u], "to": index[v], "relation": relation,
                    "color": {"color": _EDGE_COLOURS.get(relation, _EDGE_DEFAULT), "highlight": "#333333",
                              "hover": "#555555"}}
                   for n, (u, v, relation) in enumerate(part.edges(data="relation"))]
    titles = [""] * len(title_index)
    for paper, i in title_index.items():
        paper_attrs = graph.nodes[paper]
        titles[i] = str(paper_attrs["title"] or paper_attrs["label"] or paper_attrs["paper_id"] or paper)
    kind_counts = {k: sum(1 for d in details if d["kind"] == k) for k in NODE_KINDS}
    meta = {"details": details, "titles": titles, "styles": STYLE, "kinds": list(NODE_KINDS),
            "kindCounts": kind_counts, "minPapers": min_papers,
            "maxPapers": max([counts[n] for n in nodes if part.nodes[n]["kind"] in ENTITY_KINDS] or [1]),
            "physics": live, "focus": index.get(find_node(graph, focus)) if focus is not None else None}
    page = _template().render(heading=title, nodes=drawn_nodes, edges=drawn_edges,
                              options=_options(live, len(nodes) > PHYSICS_MAX_NODES), meta=meta, **_inlined())
    if _REMOTE_SOURCE.search(page):  # pragma: no cover - a guard against a changed vis-network or template
        raise GraphError("the page would load a remote script or style; refusing to write it")
    return page, ViewResult(Path(), len(drawn_nodes), len(drawn_edges), live)


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
    >>> g.add_node("paper:p1", kind="Paper", label="<b>On BERT</b>", paper_id="p1", title="<b>On BERT</b>",
    ...            abstract="", date=None, year=None, authors=[], source="", url=None)
    >>> g.add_node("method/bert", kind="Method", label="BERT", aliases=[], paper_count=1, kb_id=None)
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
