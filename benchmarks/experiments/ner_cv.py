"""Cross-validation of the spaCy NER tagger (or the CRF) under every combination mode kg tried.

    python -m benchmarks.experiments.ner_cv -o out/cv-ner [--kind ner|crf] [--gold F]... [--max-steps N]

The same folds and scoring as `kg cv` (`kg.train.cv.cross_validate`), with the experimental kind and
modes of `benchmarks.experiments.ner_tagger` registered; the NER is trained by
`benchmarks.experiments.ner_train` on the gold folds plus silver papers labelled by the rules
(`--no-silver` for gold only). Writes cv.json and cv.md into the output folder and prints the tables.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", dest="gold_paths", action="append", type=Path, default=[],
                        help="Gold JSONL file (repeatable; default: ../shared/gold's two sets).")
    parser.add_argument("--corpus", dest="corpus_paths", action="append", type=Path, default=[],
                        help="Unlabelled papers labelled by the rules as silver data (ner; default: ../shared/corpus).")
    parser.add_argument("--no-silver", action="store_true", help="Train the NER on the gold folds only.")
    parser.add_argument("--kind", choices=("ner", "crf"), default="ner")
    parser.add_argument("--mode", dest="modes", action="append", default=None,
                        help="Combination mode to score (repeatable; default: all six).")
    parser.add_argument("-o", "--output", type=Path, default=Path("out/cv-ner"))
    parser.add_argument("-k", "--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only-fold", dest="only_folds", type=int, action="append", default=None)
    parser.add_argument("--max-steps", type=int, default=None, help="NER training steps per fold.")
    args = parser.parse_args(argv)

    from benchmarks.experiments import ner_tagger
    from kg.train.crf import DEFAULT_GOLD
    from kg.train.cv import cross_validate

    ner_tagger.register()
    golds = args.gold_paths or [p for p in DEFAULT_GOLD if p.exists()]
    if not golds:
        print("ner_cv: no gold files: pass --gold FILE", file=sys.stderr)
        return 2
    train_kwargs: dict[str, Any] = {}
    train_fn = None
    if args.kind == "ner":
        from benchmarks.experiments.ner_train import DEFAULT_CORPUS, train_model

        corpora = [] if args.no_silver else (args.corpus_paths or [p for p in DEFAULT_CORPUS if p.exists()])
        train_fn = train_model
        train_kwargs = {"corpus_paths": corpora, "max_steps": args.max_steps}
    modes = args.modes or ner_tagger.ALL_MODES
    result = cross_validate(golds, args.output, k=args.folds, seed=args.seed, modes=modes, only_folds=args.only_folds,
                            train_fn=train_fn, log=lambda line: print(line, file=sys.stderr), **train_kwargs)
    print(result.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
