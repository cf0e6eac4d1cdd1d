"""The RDF commands of `kg`: SPARQL queries and SHACL validation over a graph that `kg build` wrote."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli import _friendly, main
from kg.errors import InputError, OptionError

RDF_SUFFIXES = (".ttl", ".nt", ".jsonld")


def resolve_rdf(path: Path) -> Path:
    """The RDF file itself, or the graph.ttl/.nt/.jsonld inside a build folder."""
    if path.is_dir():
        for suffix in RDF_SUFFIXES:
            candidate = path / f"graph{suffix}"
            if candidate.exists():
                return candidate
        raise InputError("no graph.ttl, graph.nt or graph.jsonld in this folder; run `kg build` first",
                         source=str(path))
    if not path.exists():
        raise InputError("no such graph file; give a file or folder that `kg build` wrote", source=str(path))
    return path


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"--param takes key=value, got {pair!r}")
        out[key.strip()] = value
    return out


@main.command()
@click.argument("graph", required=False, type=click.Path(path_type=Path))
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.Path(path_type=Path), help="Read the query from a .rq file.")
@click.option("--named", "named", metavar="NAME", help="Run a named query shipped with kg (see --list).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the named query, passed as a SPARQL binding (repeatable).")
@click.option("--list", "list_queries", is_flag=True, help="List the named queries and their parameters.")
@click.option("--format", "out_format", type=click.Choice(["table", "csv", "tsv", "json"]), default=None,
              help="Output format (default: table on a terminal, TSV otherwise).")
@click.option("--engine", type=click.Choice(["auto", "oxigraph", "rdflib"]), default="auto", show_default=True,
              help="SPARQL engine: pyoxigraph (fast) or plain rdflib; both give the same rows.")
@_friendly
def query(graph: Path | None, sparql: str | None, query_file: Path | None, named: str | None,
          params: tuple[str, ...], list_queries: bool, out_format: str | None, engine: str) -> None:
    """Answer a read-only SPARQL query over a graph that `kg build` wrote.

    Updates (INSERT, DELETE, LOAD, CLEAR, ...) and SERVICE are refused. Parameters of named
    queries are bound as SPARQL values, never pasted into the query text.

    \b
    Example:
      kg query --list
      kg query out/demo --named leaderboard --param metric=accuracy --param dataset=CIFAR-10
      kg query out/demo/graph.ttl 'SELECT ?t WHERE { ?p dcterms:title ?t } LIMIT 5'
      kg query out/demo -f my-query.rq --format csv
    """
    import sys

    from kg.rdf.output import format_result
    from kg.rdf.query import list_named, run_named, run_query

    if list_queries:
        for q in list_named():
            args = " ".join(f"--param {p}=..." for p in q.params)
            click.echo(f"{q.name}: {q.description}" + (f"\n    {args}" if args else ""))
        return
    if graph is None:
        raise OptionError("give the graph to query (a file or folder `kg build` wrote), or --list")
    given = sum(x is not None for x in (sparql, query_file, named))
    if given != 1:
        raise OptionError("give exactly one of: a SPARQL string, -f FILE or --named NAME")
    if params and named is None:
        raise OptionError("--param goes with --named; in your own queries write the values in the query")
    source = resolve_rdf(graph)
    if named is not None:
        result = run_named(source, named, _params(params), engine=engine)  # type: ignore[arg-type]
    else:
        if query_file is not None:
            try:
                sparql = query_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise InputError(f"cannot read query: {exc.strerror}", source=str(query_file)) from None
        assert sparql is not None
        result = run_query(source, sparql, engine=engine)  # type: ignore[arg-type]
    fmt = out_format or ("table" if sys.stdout.isatty() else "tsv")
    click.echo(format_result(result, fmt), nl=fmt not in ("csv", "tsv"))


@main.command()
@click.argument("graph", type=click.Path(path_type=Path))
@_friendly
def validate(graph: Path) -> None:
    """Check a graph against kg's SHACL shapes (ontology/shapes.ttl) and list every violation.

    Exits with status 1 when there are violations.

    \b
    Example:
      kg validate out/demo/graph.ttl
    """
    from kg.rdf.shacl import validate as shacl_validate

    problems = shacl_validate(resolve_rdf(graph))
    for line in problems:
        click.echo(line)
    if problems:
        raise click.ClickException(f"{len(problems)} violation(s) of kg's shapes")
    click.echo("valid: the graph conforms to kg's shapes")
