"""Browse a kg graph as one self-contained, interactive HTML page (the only package that uses pyvis).

`render_html` writes a page that opens from disk with no network. On it a reader sees papers,
methods, datasets, metrics, tasks and claims in distinct colours and shapes with a legend, node size
by paper count; hovering or clicking a node shows its name, aliases, type, papers and, for claims,
value, unit, metric, dataset, method and sentence; a search box finds a node by name or alias, type
check boxes and a paper-count slider hide nodes.

- `kg.view.selection`: what to draw (`select`: focus and hops, types, min papers, top entities);
- `kg.view.positions`: where (`layout`, a force-directed layout in numpy, then overlap removal);
- `kg.view.page`: the page (`page_html`, `render_html`), a Jinja2 template with the scripts and
  styles inlined (see there for why it is safe with hostile paper text).

Scale: the layout is computed in Python, its cost growing linearly with the graph, and drawn with
physics off above `PHYSICS_MAX_NODES` nodes, so thousands of nodes draw in seconds; over `limit`
nodes (5,000 by default) `render_html` refuses and suggests `--top`, `--focus`, `--types` or
`--min-papers`.

The view takes a NetworkX graph that follows `kg.schema`; `kg.graph_io.load_any_graph` reads one
from a build folder or a graph file and checks it.
"""

from kg.view.page import DEFAULT_LIMIT, PHYSICS_MAX_NODES, STYLE, ViewResult, page_html, render_html
from kg.view.positions import layout
from kg.view.selection import find_node, induced, paper_counts, parse_types, select

__all__ = [
    "DEFAULT_LIMIT",
    "PHYSICS_MAX_NODES",
    "STYLE",
    "ViewResult",
    "find_node",
    "induced",
    "layout",
    "page_html",
    "paper_counts",
    "parse_types",
    "render_html",
    "select",
]
