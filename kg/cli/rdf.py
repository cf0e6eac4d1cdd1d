"""`kg query`, `kg validate`, `kg load` and `kg serve`: SPARQL queries and SHACL validation over a
graph that `kg build` wrote, and persistent SPARQL stores (`kg load`) served over HTTP (`kg serve`),
over `kg.rdf`."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.app import friendly, main
from kg.errors import OptionError


@main.command()
@click.argument("graph", required=False)
@click.argument("sparql", required=False)
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=None,
              help="Query a persistent store written by `kg load` instead of a graph file (no GRAPH then).")
@click.option("-f", "--file", "query_file", type=click.Path(path_type=Path), help="Read the query from a .rq file.")
@click.option("--named", "named", metavar="NAME", help="Run a named query shipped with kg (see --list).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the named query, passed as a SPARQL binding (repeatable).")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and their parameters.")
@click.option("--format", "out_format", type=click.Choice(["table", "csv", "tsv", "json"]), default=None,
              help="Output format (default: table on a terminal, TSV otherwise).")
@click.option("--timeout", "timeout", type=float, default=None, metavar="SECONDS",
              help="Stop the query after SECONDS (default: no limit; Ctrl-C stops it at any time).")
@friendly
def query(graph: str | None, sparql: str | None, store_dir: Path | None, query_file: Path | None,
          named: str | None, params: tuple[str, ...], list_queries: bool, out_format: str | None,
          timeout: float | None) -> None:
    """Answer a read-only SPARQL query over a graph that `kg build` wrote, or over a store that
    `kg load` wrote (--store; much faster for large graphs: nothing is parsed per query).

    Updates (INSERT, DELETE, LOAD, CLEAR, ...) and SERVICE are refused. Parameters of named
    queries are bound as SPARQL values, never pasted into the query text. Rows are written as they
    are found; CSV, TSV and JSON byte for byte, a table with control characters escaped.

    \b
    Example:
      kg query --list
      kg query out/demo --named leaderboard --param metric=accuracy --param dataset=CIFAR-10
      kg query out/demo/graph.ttl 'SELECT ?t WHERE { ?p dcterms:title ?t } LIMIT 5'
      kg query out/demo -f my-query.rq --format csv
      kg query --store out/demo-store --named top-datasets
    """
    import math
    import sys

    from kg.rdf.inputs import prepare_query, resolve_rdf
    from kg.rdf.query import list_named

    if list_queries:
        for q in list_named():
            args = " ".join(f"--param {p}=..." for p in q.params)
            click.echo(f"{q.name}: {q.description}" + (f"\n    {args}" if args else ""))
        return
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise OptionError(f"--timeout takes a positive number of seconds, not {timeout}")
    if store_dir is None and graph is not None:
        from kg.rdf.store import is_store

        if is_store(graph):  # `kg query STORE ...` works like `kg query --store STORE ...`
            store_dir, graph = Path(graph), None
    if store_dir is not None:
        if graph is not None and sparql is not None:
            raise OptionError("give either a GRAPH or --store, not both")
        sparql = sparql if sparql is not None else graph  # `kg query --store DIR 'SELECT ...'`
    elif graph is None:
        raise OptionError("give the graph to query (a file or folder `kg build` wrote), --store DIR, or --list")
    prepared = prepare_query(sparql=sparql, file=query_file, named=named, params=params)
    if store_dir is not None:
        from kg.rdf.store import store_info

        store_info(store_dir)  # a missing or foreign directory: one line, before starting the child
        source, is_store_dir = store_dir, True
    else:
        assert graph is not None
        source, is_store_dir = resolve_rdf(Path(graph)), False
    from kg.rdf.runner import run_streamed

    fmt = out_format or ("table" if sys.stdout.isatty() else "tsv")
    run_streamed(source, is_store=is_store_dir, sparql=prepared.text, bindings=prepared.bindings, fmt=fmt,
                 drop=prepared.drop, timeout=timeout, out=sys.stdout.buffer)


@main.command()
@click.argument("graph", type=click.Path(path_type=Path))
@friendly
def validate(graph: Path) -> None:
    """Check a graph against kg's SHACL shapes (ontology/shapes.ttl) and list every violation.

    Exits with status 1 when there are violations.

    \b
    Example:
      kg validate out/demo/graph.ttl
    """
    from kg.rdf.inputs import resolve_rdf
    from kg.rdf.shacl import validate as shacl_validate

    problems = shacl_validate(resolve_rdf(graph))
    for line in problems:
        click.echo(line)
    if problems:
        raise click.ClickException(f"{len(problems)} violation(s) of kg's shapes")
    click.echo("valid: the graph conforms to kg's shapes")


@main.command()
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("--store", "store_dir", type=click.Path(path_type=Path), required=True,
              help="Directory of the store to create (new or empty; see --replace).")
@click.option("--replace", is_flag=True,
              help="Replace the store if DIR already holds one (refused while a kg serve or kg query reads it).")
@friendly
def load(graph: Path, store_dir: Path, replace: bool) -> None:
    """Bulk-load a graph (.nt, .ttl or .jsonld, or the folder `kg build` wrote) into a persistent
    Oxigraph store, for fast `kg query --store` and `kg serve` on large graphs.

    The graph is loaded into a temporary directory next to DIR and moved into place when complete,
    so a failed or interrupted load leaves no half-written store (and an existing one untouched).

    \b
    Example:
      kg build ../shared/corpus -o out/corpus --rdf-format nt
      kg load out/corpus --store out/corpus-store
      kg query --store out/corpus-store --named top-datasets
    """
    from kg.rdf.inputs import resolve_rdf
    from kg.rdf.store import create_store

    info = create_store(resolve_rdf(graph), store_dir, replace=replace)
    click.echo(f"store {store_dir}: {info.describe()}")


def _seconds(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """A finite number of seconds above 0; one line (not click's usage text) for nan, inf or <= 0."""
    import math

    if not (math.isfinite(value) and value > 0):
        name = (param.name or "").replace("_", "-")
        raise click.ClickException(f"--{name} must be a number of seconds above 0, got {value:g}")
    return value


def _at_least_one(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value < 1:
        raise click.ClickException(f"--{(param.name or '').replace('_', '-')} must be at least 1, got {value}")
    return value


@main.command()
@click.option("--store", "store_dir", type=click.Path(path_type=Path), required=True,
              help="The store to serve (written by `kg load`); opened read-only.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 makes the store readable by anyone who can reach this machine.")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--timeout", default=30.0, show_default=True, type=float, callback=_seconds,
              help="Seconds a query may run; past them the client gets 503 and the query is stopped.")
@click.option("--max-running", default=4, show_default=True, type=int, callback=_at_least_one,
              help="Queries evaluated at once, each in its own worker process; others wait for one.")
@click.option("--max-wait", default=60.0, show_default=True, type=float, callback=_seconds,
              help="Seconds a query may wait for a free worker; past them the client gets 503 busy.")
@click.option("--max-connections", default=1000, show_default=True, type=int, callback=_at_least_one,
              help="Connections served at once; beyond them clients get 503.")
@click.option("--quiet", is_flag=True, help="Do not log each request on stderr.")
@friendly
def serve(store_dir: Path, host: str, port: int, timeout: float, max_running: int, max_wait: float,
          max_connections: int, quiet: bool) -> None:
    """Answer SPARQL 1.1 Protocol queries over HTTP at /sparql from a store that `kg load` wrote.

    GET /sparql?query=... or POST (form or application/sparql-query); results as SPARQL JSON
    (default), CSV, TSV or XML by the Accept header. Read-only: updates and SERVICE are refused.
    Each query runs in a worker process that is stopped when it passes --timeout.
    Serves until Ctrl-C or SIGTERM.

    \b
    Example:
      kg load out/demo --store out/demo-store
      kg serve --store out/demo-store --port 7878
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' \\
           http://127.0.0.1:7878/sparql
    """
    from kg.rdf.serving import serve_store

    serve_store(store_dir, host=host, port=port, timeout=timeout, max_running=max_running, max_wait=max_wait,
                max_connections=max_connections, quiet=quiet, say=lambda line: click.echo(f"kg: {line}", err=True))
