"""`kg read`, `kg extract` and `kg eval`: paper and extraction-record files, over `kg.jobs`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.cli.app import (
    ProblemLog,
    fast_option,
    format_option,
    friendly,
    input_paths,
    main,
    pipeline_name,
    progress,
    shown,
    strict_option,
)


@main.command()
@input_paths
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Papers JSONL to write (- for standard output).")
@format_option
@strict_option
@friendly
def read(inputs: tuple[Path, ...], output: Path, fmt: str | None, strict: bool) -> None:
    """Read papers from any supported format and write them as JSON Lines.

    Shows what kg recovers from an input (ids, titles, abstracts, metadata) before extracting.

    \b
    Example:
      kg read ../shared/corpus -o papers.jsonl
    """
    from kg.jobs import read_to_file

    log = ProblemLog()
    n = read_to_file(inputs, output, format=fmt, strict=strict, on_problem=log, progress=progress)
    log.summary()
    click.echo(f"kg: {n} papers written to {shown(output)}", err=True)


@main.command()
@input_paths
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Extraction records (JSONL) to write (- for standard output).")
@format_option
@strict_option
@click.option("--batch-size", default=64, show_default=True, help="Papers per spaCy batch.")
@fast_option
@friendly
def extract(inputs: tuple[Path, ...], output: Path, fmt: str | None, strict: bool, batch_size: int,
            fast: bool) -> None:
    """Extract methods, datasets, metrics, tasks and claimed numbers from papers.

    Writes one extraction record per paper (the format of ../shared/README.md), in input order.

    \b
    Example:
      kg extract examples/abstracts.jsonl -o records.jsonl
    """
    from kg.jobs import extract_to_file

    log = ProblemLog()
    n = extract_to_file(inputs, output, format=fmt, strict=strict, batch_size=batch_size,
                      pipeline=pipeline_name(fast), on_problem=log, progress=progress)
    log.summary()
    click.echo(f"kg: {n} extraction records written to {shown(output)}", err=True)


@main.command("eval")
@click.argument("gold", type=click.Path(path_type=Path))
@click.option("--pred", type=click.Path(path_type=Path), default=None,
              help="Extraction records to score (default: extract from the gold texts now).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@fast_option
@friendly
def evaluate(gold: Path, pred: Path | None, as_json: bool, fast: bool) -> None:
    """Score extraction against a gold file: P/R/F1 per label for exact spans,
    overlapping spans and distinct names; claim detection and attribution.

    \b
    Example:
      kg eval ../shared/gold/scirex-dev.jsonl
      kg eval gold/claims.jsonl --pred records.jsonl --json
    """
    from kg.jobs import score_gold

    report = score_gold(gold, pred=pred, pipeline=pipeline_name(fast),
                        warn=lambda line: click.echo(f"kg: warning: {line}", err=True))
    click.echo(json.dumps(report.to_json(), indent=2) if as_json else report.table())
