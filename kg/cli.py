"""The `kg` command: thin click commands over kg's Python API.

Every user error is a KgError, shown as one line on stderr with a non-zero exit; `--debug` shows the
traceback of unexpected errors instead of the one-line summary.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from kg import __version__
from kg.errors import KgError, Problem

F = TypeVar("F", bound=Callable[..., Any])


def _friendly(func: F) -> F:
    """Turns KgErrors into one line and exit code 1, Ctrl-C into exit code 130."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KgError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("kg: interrupted; outputs were left as they were", err=True)
            sys.exit(130)
        except click.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
            if click.get_current_context().find_root().params.get("debug"):
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (rerun with kg --debug for details)") from None

    return wrapper  # type: ignore[return-value]


class ProblemLog:
    """Prints each skipped record as one line on stderr and counts them."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.count = 0
        self.quiet = quiet

    def __call__(self, problem: Problem) -> None:
        self.count += 1
        if not self.quiet:
            click.echo(f"kg: skipped {problem}", err=True)

    def summary(self) -> None:
        if self.count:
            click.echo(f"kg: {self.count} bad record(s) skipped (use --strict to stop at the first)", err=True)


def _progress(items: Iterable[Any], what: str) -> Iterator[Any]:
    """Yields items, showing a running count on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield from items
        return
    n = 0
    for item in items:
        n += 1
        if n % 25 == 0:
            click.echo(f"\r{what}: {n}", err=True, nl=False)
        yield item
    click.echo(f"\r{what}: {n}", err=True)


input_paths = click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True))
format_option = click.option("--format", "fmt", default=None, metavar="FORMAT",
                             help="Input format (default: detect per file): listing, jsonl, json, csv, tsv, "
                                  "atom, bibtex, text.")
strict_option = click.option("--strict", is_flag=True, help="Stop at the first bad record instead of skipping it.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def main(debug: bool) -> None:
    """kg builds knowledge graphs of methods, datasets, metrics, tasks and claimed results
    from machine-learning paper abstracts.

    \b
    Example:
      kg extract examples/abstracts.jsonl -o records.jsonl
    """


@main.command()
@input_paths
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Papers JSONL to write.")
@format_option
@strict_option
@_friendly
def read(inputs: tuple[Path, ...], output: Path, fmt: str | None, strict: bool) -> None:
    """Read papers from any supported format and write them as JSON Lines.

    Shows what kg recovers from an input (ids, titles, abstracts, metadata) before extracting.

    \b
    Example:
      kg read ../shared/corpus -o papers.jsonl
    """
    from kg.ingest import read_papers
    from kg.io import atomic_write

    log = ProblemLog()
    n = 0
    with atomic_write(output) as out:
        for paper in _progress(read_papers(inputs, format=fmt, on_problem=log, strict=strict), "papers"):
            out.write(json.dumps(paper.to_json(), ensure_ascii=False) + "\n")
            n += 1
    log.summary()
    click.echo(f"kg: {n} papers written to {output}", err=True)


@main.command()
@input_paths
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Extraction records (JSONL) to write.")
@format_option
@strict_option
@click.option("--batch-size", default=64, show_default=True, help="Papers per spaCy batch.")
@_friendly
def extract(inputs: tuple[Path, ...], output: Path, fmt: str | None, strict: bool, batch_size: int) -> None:
    """Extract methods, datasets, metrics, tasks and claimed numbers from papers.

    Writes one extraction record per paper (the format of ../shared/README.md), in input order.

    \b
    Example:
      kg extract examples/abstracts.jsonl -o records.jsonl
    """
    from kg.extract import build_nlp, extract_papers
    from kg.ingest import read_papers
    from kg.io import atomic_write

    log = ProblemLog()
    nlp = build_nlp()
    n = 0
    papers = read_papers(inputs, format=fmt, on_problem=log, strict=strict)
    with atomic_write(output) as out:
        for record in _progress(extract_papers(papers, nlp, batch_size=batch_size), "papers"):
            out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            n += 1
    log.summary()
    click.echo(f"kg: {n} extraction records written to {output}", err=True)


@main.command("eval")
@click.argument("gold", type=click.Path(path_type=Path))
@click.option("--pred", type=click.Path(path_type=Path), default=None,
              help="Extraction records to score (default: extract from the gold texts now).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@_friendly
def evaluate(gold: Path, pred: Path | None, as_json: bool) -> None:
    """Score extraction against a gold file: P/R/F1 per label for exact spans,
    overlapping spans and distinct names; claim detection and attribution.

    \b
    Example:
      kg eval ../shared/gold/scirex-dev.jsonl
      kg eval gold/claims.jsonl --pred records.jsonl --json
    """
    from kg import eval as kg_eval

    records = kg_eval.read_gold(gold)
    if pred is None:
        from kg.extract import build_nlp, extract_papers

        nlp = build_nlp()
        predictions = {e.paper_id: e.to_json() for e in extract_papers(kg_eval.gold_papers(records), nlp)}
    else:
        predictions = kg_eval.read_predictions(pred)
    report = kg_eval.evaluate(records, predictions)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(report.table())


@main.command()
@input_paths
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), required=True,
              help="Folder to write the graph, records and stats into.")
@format_option
@strict_option
@click.option("--rdf-format", default="ttl", show_default=True, help="RDF serialisation: ttl, nt or jsonld.")
@click.option("--graph-format", default="json", show_default=True, help="NetworkX graph file: json or graphml.")
@click.option("--records", type=click.Path(path_type=Path), default=None,
              help="Reuse extraction records written by `kg extract` instead of extracting again.")
@click.option("--batch-size", default=64, show_default=True, help="Papers per spaCy batch.")
@_friendly
def build(inputs: tuple[Path, ...], outdir: Path, fmt: str | None, strict: bool, rdf_format: str,
          graph_format: str, records: Path | None, batch_size: int) -> None:
    """Build the knowledge graph: read, extract, link, then write RDF, the
    NetworkX graph, the extraction records and stats into OUTDIR.

    \b
    Example:
      kg build examples/abstracts.jsonl -o out/demo
      kg build ../shared/corpus -o out/corpus --rdf-format nt
    """
    from kg.graph import format_stats
    from kg.pipeline import build as run_build

    log = ProblemLog()
    result = run_build(inputs, outdir, fmt=fmt, strict=strict, rdf_format=rdf_format, graph_format=graph_format,
                       records=records, batch_size=batch_size, on_problem=log, progress=_progress)
    log.summary()
    click.echo(format_stats(result.stats))
    for name, path in result.files.items():
        click.echo(f"{name:<8} {path}")
