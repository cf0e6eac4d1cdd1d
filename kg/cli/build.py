"""`kg build`: read, extract, link and write a build folder, over `kg.build.build`."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.app import ProblemLog, fast_option, format_option, friendly, main, progress, strict_option


@main.command()
@click.argument("inputs", nargs=-1, required=False, type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), default=None,
              help="Folder to write the graph, records, stats and the build cache into.")
@click.option("--update", "update_dir", type=click.Path(path_type=Path), default=None,
              help="Add INPUTS to the graph already built in this folder (only new papers are extracted).")
@format_option
@strict_option
@click.option("--rdf-format", default="ttl", show_default=True, help="RDF serialisation: ttl, nt or jsonld.")
@click.option("--graph-format", default="json", show_default=True, help="NetworkX graph file: json or graphml.")
@click.option("--records", type=click.Path(path_type=Path), default=None,
              help="Reuse extraction records written by `kg extract` instead of extracting again.")
@click.option("--batch-size", default=64, show_default=True, help="Papers per spaCy batch.")
@click.option("--workers", default=1, show_default=True, help="Processes that extract in parallel.")
@fast_option
@click.option("--html/--no-html", default=True, show_default=True, help="Also write graph.html (see kg view).")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS",
              help="Extract on a Dask cluster: a scheduler address (tcp://host:8786) or local:N for N local "
                   "worker processes (needs kg[dask]).")
@friendly
def build(inputs: tuple[Path, ...], outdir: Path | None, update_dir: Path | None, fmt: str | None, strict: bool,
          rdf_format: str, graph_format: str, records: Path | None, batch_size: int, workers: int, fast: bool,
          html: bool, dask_address: str | None) -> None:
    """Build the knowledge graph: read, extract, link, then write RDF, the
    NetworkX graph, the extraction records, stats and an HTML view into OUTDIR.

    Extraction records are cached in OUTDIR/cache.sqlite: rebuilding extracts only papers that
    are new or changed, and an interrupted build resumes where it stopped.

    \b
    Example:
      kg build examples/abstracts.jsonl -o out/demo
      kg build ../shared/corpus -o out/corpus --rdf-format nt --workers 2
      kg build --update out/corpus new-papers.jsonl
      kg build ../shared/corpus -o out/corpus --dask tcp://scheduler:8786
    """
    from kg.build import BuildOptions
    from kg.build import build as run_build
    from kg.errors import OptionError
    from kg.graph import format_stats

    if (outdir is None) == (update_dir is None):
        raise OptionError("give the output folder with -o OUTDIR, or --update OUTDIR to add papers to a build")
    if not inputs:
        raise OptionError("give at least one input file or folder")
    log = ProblemLog()
    options = BuildOptions(fmt=fmt, strict=strict, rdf_format=rdf_format, graph_format=graph_format, records=records,
                           pipeline="fast" if fast else "default", batch_size=batch_size, workers=workers,
                           dask=dask_address, html=html, update=update_dir is not None)
    result = run_build(inputs, outdir or update_dir, options, on_problem=log, progress=progress)  # type: ignore[arg-type]
    log.summary()
    if result.up_to_date:
        click.echo(f"kg: {result.papers} papers, nothing changed since the last build; outputs are up to date")
    click.echo(format_stats(result.stats))
    for name, path in result.files.items():
        click.echo(f"{name:<8} {path}")
