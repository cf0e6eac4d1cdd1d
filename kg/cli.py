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
    """Turns KgErrors into one line and exit code 1, Ctrl-C into exit code 130 and SIGTERM into 143
    (both after the same cleanup: `kg.lifetime.Terminated` is a KeyboardInterrupt)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from kg.lifetime import SIGTERM_EXIT, Terminated, sigterm_as_interrupt

        try:
            with sigterm_as_interrupt():
                return func(*args, **kwargs)
        except KgError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            # The reader of our output went away (`kg query ... | head`): not an error of ours.
            sys.stderr.close()
            sys.exit(0)
        except Terminated:  # SIGTERM: the same cleanup as Ctrl-C
            click.echo("kg: terminated; outputs were left as they were", err=True)
            sys.exit(SIGTERM_EXIT)
        except KeyboardInterrupt:
            click.echo("kg: interrupted; outputs were left as they were", err=True)
            sys.exit(130)
        except click.ClickException:
            raise
        except Exception as exc:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {exc} (rerun with kg --debug for details)") from None

    return wrapper  # type: ignore[return-value]


class ProblemLog:
    """Prints each skipped record (and each warning about a kept one) as one line on stderr and counts them."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.count = 0
        self.warnings = 0
        self.quiet = quiet

    def __call__(self, problem: Problem) -> None:
        if not problem.skipped:
            self.warnings += 1
            if not self.quiet:
                click.echo(f"kg: warning: {problem}", err=True)
            return
        self.count += 1
        if not self.quiet:
            click.echo(f"kg: skipped {problem}", err=True)

    def summary(self) -> None:
        if self.count:
            click.echo(f"kg: {self.count} bad record(s) skipped (use --strict to stop at the first)", err=True)


def _shown(output: Path) -> str:
    """How an output is named in messages (`-o -` is standard output)."""
    return "standard output" if str(output) == "-" else str(output)


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
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Papers JSONL to write (- for standard output).")
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
    from kg.atomic import atomic_write
    from kg.ingest import read_papers
    from kg.targets import refuse_overwriting_inputs

    refuse_overwriting_inputs(output, inputs)
    log = ProblemLog()
    n = 0
    papers = read_papers(inputs, format=fmt, on_problem=log, strict=strict, skip=[output])
    with atomic_write(output) as out:
        for paper in _progress(papers, "papers"):
            out.write(json.dumps(paper.to_json(), ensure_ascii=False) + "\n")
            n += 1
    log.summary()
    click.echo(f"kg: {n} papers written to {_shown(output)}", err=True)


@main.command()
@input_paths
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Extraction records (JSONL) to write (- for standard output).")
@format_option
@strict_option
@click.option("--batch-size", default=64, show_default=True, help="Papers per spaCy batch.")
@click.option("--fast", is_flag=True, help="Rules and knowledge base only: skip the trained tagger (much faster).")
@_friendly
def extract(inputs: tuple[Path, ...], output: Path, fmt: str | None, strict: bool, batch_size: int,
            fast: bool) -> None:
    """Extract methods, datasets, metrics, tasks and claimed numbers from papers.

    Writes one extraction record per paper (the format of ../shared/README.md), in input order.

    \b
    Example:
      kg extract examples/abstracts.jsonl -o records.jsonl
    """
    from kg.atomic import atomic_write
    from kg.extract import build_nlp, extract_papers
    from kg.extract.limits import warn_long
    from kg.ingest import read_papers
    from kg.targets import output_target, refuse_overwriting_inputs

    refuse_overwriting_inputs(output, inputs)
    output_target(output)  # a folder or a disk is refused before the pipeline is built
    log = ProblemLog()
    nlp = build_nlp(fast=fast)
    n = 0
    papers = warn_long(read_papers(inputs, format=fmt, on_problem=log, strict=strict, skip=[output]), log)
    with atomic_write(output) as out:
        for record in _progress(extract_papers(papers, nlp, batch_size=batch_size), "papers"):
            out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            n += 1
    log.summary()
    click.echo(f"kg: {n} extraction records written to {_shown(output)}", err=True)


@main.command("eval")
@click.argument("gold", type=click.Path(path_type=Path))
@click.option("--pred", type=click.Path(path_type=Path), default=None,
              help="Extraction records to score (default: extract from the gold texts now).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--fast", is_flag=True, help="Rules and knowledge base only: skip the trained tagger (much faster).")
@_friendly
def evaluate(gold: Path, pred: Path | None, as_json: bool, fast: bool) -> None:
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

        nlp = build_nlp(fast=fast)
        if not fast:
            from kg.extract.tagger import training_overlap

            seen = training_overlap(str(r["id"]) for r in records)
            if seen:
                click.echo(f"kg: warning: the shipped tagger was trained on {seen} of these {len(records)} records, "
                           "so these are training-set scores; `kg cv` gives honest ones, --fast the rules alone",
                           err=True)
        from kg.linking import link, load_kb

        linked = link(extract_papers(kg_eval.gold_papers(records), nlp), load_kb())
        predictions = {e.paper_id: e.to_json() for e in linked.extractions}
    else:
        predictions = kg_eval.read_predictions(pred)
    report = kg_eval.evaluate(records, predictions)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(report.table())


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
@click.option("--fast", is_flag=True, help="Rules and knowledge base only: skip the trained tagger (much faster).")
@click.option("--html/--no-html", default=True, show_default=True, help="Also write graph.html (see kg view).")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS",
              help="Extract on a Dask cluster: a scheduler address (tcp://host:8786) or local:N for N local "
                   "worker processes (needs kg[dask]).")
@_friendly
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
    options = BuildOptions(fmt=fmt, strict=strict, rdf_format=rdf_format, graph_format=graph_format, records=records,
                           pipeline="fast" if fast else "default", batch_size=batch_size, workers=workers,
                           dask=dask_address, html=html, update=update_dir is not None)
    log = ProblemLog()
    result = run_build(inputs, outdir or update_dir, options, on_problem=log, progress=_progress)  # type: ignore[arg-type]
    log.summary()
    if result.up_to_date:
        click.echo(f"kg: {result.papers} papers, nothing changed since the last build; outputs are up to date")
    click.echo(format_stats(result.stats))
    for name, path in result.files.items():
        click.echo(f"{name:<8} {path}")


gold_option = click.option("--gold", "gold_paths", multiple=True, type=click.Path(path_type=Path, exists=True),
                           help="Gold JSONL file to train on (repeatable; default: ../shared/gold/*.jsonl).")
corpus_option = click.option("--corpus", "corpus_paths", multiple=True, type=click.Path(path_type=Path, exists=True),
                             help="Unlabelled papers to label with the rules as silver data (repeatable; "
                                  "default: ../shared/corpus).")


def _train_inputs(gold_paths: tuple[Path, ...], corpus_paths: tuple[Path, ...],
                  no_silver: bool) -> tuple[list[Path], list[Path]]:
    from kg.errors import InputError
    from kg.train.trainer import DEFAULT_CORPUS, DEFAULT_GOLD

    golds = list(gold_paths) or [p for p in DEFAULT_GOLD if p.exists()]
    if not golds:
        raise InputError("no gold files: pass --gold FILE (the default ../shared/gold is absent)")
    corpora = [] if no_silver else (list(corpus_paths) or [p for p in DEFAULT_CORPUS if p.exists()])
    return golds, corpora


kind_option = click.option("--kind", type=click.Choice(["crf", "ner"]), default="crf", show_default=True,
                           help="crf: kg's CRF (kg/train/crf.cfg), the shipped kind; ner: spaCy's NER "
                                "(kg/train/ner.cfg), kept for comparison.")


@main.command()
@gold_option
@corpus_option
@kind_option
@click.option("--no-silver", is_flag=True, help="Train on the gold files only (ner; the CRF never uses silver).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Model directory to write (default: the tagger shipped in the package, kg/models/tagger).")
@click.option("--seed", default=0, show_default=True, help="Random seed of training and silver sampling (ner).")
@click.option("--max-steps", type=int, default=None, help="Training steps (ner; default: the config's).")
@click.option("--silver-fraction", type=float, default=None,
              help="Share of the silver papers drawn each epoch (ner; default: the config's).")
@_friendly
def train(gold_paths: tuple[Path, ...], corpus_paths: tuple[Path, ...], kind: str, no_silver: bool,
          output: Path | None, seed: int, max_steps: int | None, silver_fraction: float | None) -> None:
    """Train kg's tagger on gold files: the CRF of kg/train/crf.cfg (deterministic),
    or with --kind ner spaCy's NER plus silver papers labelled by the rules.

    \b
    Example:
      kg train                                  # all of ../shared/gold -> kg/models/tagger
      kg train --gold mine.jsonl -o /tmp/tagger
      kg train --kind ner --no-silver -o /tmp/ner --max-steps 200
    """
    from kg.extract.tagger import shipped_model
    from kg.targets import check_model_folder

    if output is not None:
        check_model_folder(output)  # before training, not after
    golds, corpora = _train_inputs(gold_paths, corpus_paths, no_silver or kind == "crf")
    def log(line: str) -> None:
        click.echo(line, err=True)

    if kind == "crf":
        from kg.train.crf import train_crf

        result = train_crf(golds, output or shipped_model(), log=log)
        click.echo(f"kg: CRF tagger trained on {result.gold_docs} gold sequences, written to {result.model}", err=True)
        return
    from kg.train.trainer import train_model

    result = train_model(golds, output or shipped_model(), corpus_paths=corpora, seed=seed, max_steps=max_steps,
                         silver_fraction=silver_fraction, log=log)
    click.echo(f"kg: tagger trained on {result.gold_docs} gold and {result.silver_docs} silver docs, "
               f"written to {result.model}", err=True)


@main.command()
@gold_option
@corpus_option
@click.option("--no-silver", is_flag=True, help="Train on the gold files only.")
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), default=Path("out/cv"),
              show_default=True, help="Folder for the fold models, cv.json and cv.md.")
@click.option("-k", "--folds", "k", default=5, show_default=True, help="Number of folds.")
@click.option("--seed", default=0, show_default=True, help="Seed of the fold split and of training.")
@click.option("--only-fold", "only_folds", type=int, multiple=True, help="Run only this fold (repeatable).")
@click.option("--max-steps", type=int, default=None, help="Training steps per fold (ner; default: the config's).")
@kind_option
@_friendly
def cv(gold_paths: tuple[Path, ...], corpus_paths: tuple[Path, ...], no_silver: bool, outdir: Path, k: int,
       seed: int, only_folds: tuple[int, ...], max_steps: int | None, kind: str) -> None:
    """Cross-validate the tagger: k folds by record id, one model per fold trained
    without it, every pipeline variant scored on it with kg eval; prints mean ± sd.

    \b
    Example:
      kg cv -o out/cv                # 5 folds on ../shared/gold, the honest scores
    """
    from kg.train.cv import cross_validate

    golds, corpora = _train_inputs(gold_paths, corpus_paths, no_silver or kind == "crf")
    result = cross_validate(golds, outdir, k=k, seed=seed, only_folds=list(only_folds) or None, kind=kind,
                            corpus_paths=corpora, max_steps=max_steps, log=lambda line: click.echo(line, err=True))
    click.echo(result.markdown())


# Commands kept in their own modules register themselves on `main` when imported.
from kg import cli_rdf  # noqa: E402, F401


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
@_friendly
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
    from kg.targets import output_target, refuse_overwriting_inputs
    from kg.view import GRAPH_SUFFIXES, load_any_graph, render_html

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
               f"(physics {'on' if result.physics else 'off'}) to {_shown(output)}", err=True)
