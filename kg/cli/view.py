"""`kg view`: the interactive HTML page of a build, over `kg.view`."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.app import friendly, main, shown


@main.command()
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="HTML page to write (default: graph.html in the GRAPH folder, or beside the GRAPH file; "
                   "- for standard output).")
@click.option("--focus", default=None, metavar="NAME",
              help="Show only the neighbourhood of this node: a name, an alias, a paper title or id.")
@click.option("--hops", default=1, show_default=True, help="With --focus: how many edges away from it to show.")
@click.option("--types", default=None, metavar="TYPES",
              help="Only these node types, comma-separated: Paper, Method, Dataset, Metric, Task, Claim "
                   "(papers stay as the links between them).")
@click.option("--top", type=int, default=None, metavar="N",
              help="Only the N entities in the most papers, and the papers between them.")
@click.option("--min-papers", default=0, show_default=True, help="Leave out entities named in fewer papers.")
@click.option("--limit", default=5000, show_default=True, help="Refuse to draw more nodes than this.")
@click.option("--physics/--no-physics", default=None,
              help="Live physics in the browser (default: on up to 300 nodes; the layout is computed first).")
@click.option("--title", default=None, help="Page title (default: the GRAPH path).")
@friendly
def view(graph: Path, output: Path | None, focus: str | None, hops: int, types: str | None, top: int | None,
         min_papers: int, limit: int, physics: bool | None, title: str | None) -> None:
    """Draw a graph that kg build wrote as one interactive HTML page that
    opens from disk with no network: colours and shapes per type with a
    legend, details on hover and click, search by name or alias, type and
    paper-count filters.

    GRAPH is a kg build folder, its graph.json, or its RDF (graph.ttl, .nt,
    .jsonld). Big graphs are drawn without live physics; above --limit nodes
    kg view refuses: narrow the view with --top, --focus, --types or
    --min-papers.

    \b
    Example:
      kg view out/demo -o graph.html
      kg view out/demo/graph.ttl --focus ImageNet --hops 2 -o imagenet.html
      kg view out/corpus --types Method,Dataset --top 200 -o top.html
    """
    from kg.graph_io import GRAPH_SUFFIXES, load_any_graph
    from kg.targets import output_target, refuse_overwriting_inputs
    from kg.view import render_html

    if output is None:
        output = graph / "graph.html" if graph.is_dir() else graph.with_suffix(".html")
    # the graph read, and in a build folder its other graph files, are never overwritten by the page
    refuse_overwriting_inputs(output, [graph, *(graph / f"graph{s}" for s in GRAPH_SUFFIXES)] if graph.is_dir()
                              else [graph])
    output_target(output)
    loaded = load_any_graph(graph)
    result = render_html(loaded, output, focus=focus, hops=hops, types=types, top=top, min_papers=min_papers,
                         limit=limit, physics=physics, title=title or f"kg: {graph}")
    click.echo(f"kg: {result.nodes} nodes and {result.edges} edges drawn "
               f"(physics {'on' if result.physics else 'off'}) to {shown(output)}", err=True)
