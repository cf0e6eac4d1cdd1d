"""`kg train` and `kg cv`: training kg's tagger and cross-validating it, over `kg.train`."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.app import friendly, main

gold_option = click.option("--gold", "gold_paths", multiple=True, type=click.Path(path_type=Path, exists=True),
                           help="Gold JSONL file to train on (repeatable; default: ../shared/gold/*.jsonl).")
corpus_option = click.option("--corpus", "corpus_paths", multiple=True, type=click.Path(path_type=Path, exists=True),
                             help="Unlabelled papers to label with the rules as silver data (repeatable; "
                                  "default: ../shared/corpus).")


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
@friendly
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
    from kg.train.inputs import training_files

    if output is not None:
        check_model_folder(output)  # before training, not after
    golds, corpora = training_files(gold_paths, corpus_paths, silver=not (no_silver or kind == "crf"))

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
@friendly
def cv(gold_paths: tuple[Path, ...], corpus_paths: tuple[Path, ...], no_silver: bool, outdir: Path, k: int,
       seed: int, only_folds: tuple[int, ...], max_steps: int | None, kind: str) -> None:
    """Cross-validate the tagger: k folds by record id, one model per fold trained
    without it, every pipeline variant scored on it with kg eval; prints mean ± sd.

    \b
    Example:
      kg cv -o out/cv                # 5 folds on ../shared/gold, the honest scores
    """
    from kg.train.cv import cross_validate
    from kg.train.inputs import training_files

    golds, corpora = training_files(gold_paths, corpus_paths, silver=not (no_silver or kind == "crf"))
    result = cross_validate(golds, outdir, k=k, seed=seed, only_folds=list(only_folds) or None, kind=kind,
                            corpus_paths=corpora, max_steps=max_steps, log=lambda line: click.echo(line, err=True))
    click.echo(result.markdown())
