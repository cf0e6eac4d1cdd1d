"""`kg train` and `kg cv`: training kg's tagger (the CRF) and cross-validating it, over `kg.train`."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.app import friendly, main

gold_option = click.option("--gold", "gold_paths", multiple=True, type=click.Path(path_type=Path, exists=True),
                           help="Gold JSONL file to train on (repeatable; default: ../shared/gold/*.jsonl).")


@main.command()
@gold_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Model directory to write (required; the shipped tagger is kg/models/tagger).")
@friendly
def train(gold_paths: tuple[Path, ...], output: Path | None) -> None:
    """Train kg's tagger, the CRF of kg/train/crf.cfg, on gold files (deterministic).

    \b
    Example:
      kg train -o /tmp/tagger                   # all of ../shared/gold
      kg train --gold mine.jsonl -o /tmp/tagger
    """
    from kg.errors import OptionError
    from kg.targets import check_model_folder
    from kg.train.crf import train_crf
    from kg.train.inputs import training_files

    if output is None:
        raise OptionError("kg train needs -o DIR, the model directory to write "
                          "(to retrain the shipped tagger: -o kg/models/tagger)")
    check_model_folder(output)  # before training, not after
    result = train_crf(training_files(gold_paths), output, log=lambda line: click.echo(line, err=True))
    click.echo(f"kg: CRF tagger trained on {result.gold_docs} gold sequences, written to {result.model}", err=True)


@main.command()
@gold_option
@click.option("-o", "--output", "outdir", type=click.Path(path_type=Path), default=Path("out/cv"),
              show_default=True, help="Folder for the fold models, cv.json and cv.md.")
@click.option("-k", "--folds", "k", default=5, show_default=True, help="Number of folds.")
@click.option("--seed", default=0, show_default=True, help="Seed of the fold split.")
@click.option("--only-fold", "only_folds", type=int, multiple=True, help="Run only this fold (repeatable).")
@friendly
def cv(gold_paths: tuple[Path, ...], outdir: Path, k: int, seed: int, only_folds: tuple[int, ...]) -> None:
    """Cross-validate the tagger: k folds by record id, one model per fold trained
    without it, the tagger and the rules alone scored on it with kg eval; prints mean ± sd.

    \b
    Example:
      kg cv -o out/cv                # 5 folds on ../shared/gold, the honest scores
    """
    from kg.train.cv import cross_validate
    from kg.train.inputs import training_files

    result = cross_validate(training_files(gold_paths), outdir, k=k, seed=seed, only_folds=list(only_folds) or None,
                            log=lambda line: click.echo(line, err=True))
    click.echo(result.markdown())
