"""`kg cv`: k-fold cross-validation of the tagger on the gold files, scored with `kg.eval`.

Each gold file is split into k folds by record id (a TDMSci record is one sentence, a SciREX record
one paper), with a seeded hash, so the folds are fixed by the seed. Fold f of every file is held out
together: one model is trained on the other folds of all files (plus silver papers, none of which
shares a title with a gold record) and scored on fold f of each file. The knowledge base and the rules
never saw the gold files, so the rules-only pipeline (`rules`) is scored on the same folds as a
baseline, next to every combination mode of `kg.extract.tagger` (`benchmarks.experiments.ner_cv` runs
the same for the spaCy NER and the modes kg does not ship).

The result is a table per gold file: per label and micro, the F1 of the exact, overlap and names
views, mean ± standard deviation over the folds.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.train.corpus import assign_folds

VIEWS = ("exact", "overlap", "names")
TrainFn = Callable[..., Any]


@dataclass
class CVResult:
    """Scores of every fold, per gold file and pipeline variant, and their summary."""

    k: int
    seed: int
    folds: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)  # file -> variant -> reports

    def summary(self) -> dict[str, dict[str, dict[str, dict[str, dict[str, float]]]]]:
        """file -> variant -> view -> label -> {mean, sd, p, r} of F1 (and P, R) over folds."""
        out: dict[str, dict[str, dict[str, dict[str, dict[str, float]]]]] = {}
        for name, variants in self.folds.items():
            out[name] = {}
            for variant, reports in variants.items():
                views: dict[str, dict[str, dict[str, float]]] = {}
                for view in VIEWS:
                    labels = [*reports[0]["labels"], "micro"]
                    views[view] = {}
                    for label in labels:
                        f1s = [r["entities"][view][label]["f1"] for r in reports]
                        views[view][label] = {
                            "mean": round(statistics.fmean(f1s), 4),
                            "sd": round(statistics.stdev(f1s), 4) if len(f1s) > 1 else 0.0,
                            "p": round(statistics.fmean(r["entities"][view][label]["precision"] for r in reports), 4),
                            "r": round(statistics.fmean(r["entities"][view][label]["recall"] for r in reports), 4),
                        }
                out[name][variant] = views
        return out

    def to_json(self) -> dict[str, Any]:
        return {"k": self.k, "seed": self.seed, "summary": self.summary(), "folds": self.folds}

    def markdown(self, *, variants: Sequence[str] | None = None) -> str:
        """Tables per gold file and variant: label rows, view columns, F1 mean ± sd over the folds."""
        lines: list[str] = []
        for name, per_variant in self.summary().items():
            for variant, views in per_variant.items():
                if variants is not None and variant not in variants:
                    continue
                lines += [f"**{name}**, `{variant}` ({self.k}-fold, seed {self.seed}; F1 mean ± sd over folds)", "",
                          "| label | exact | overlap | names | exact P / R |", "|---|---|---|---|---|"]
                for label in views["exact"]:
                    cells = [f"{views[v][label]['mean']:.3f} ± {views[v][label]['sd']:.3f}" for v in VIEWS]
                    pr = f"{views['exact'][label]['p']:.3f} / {views['exact'][label]['r']:.3f}"
                    lines.append(f"| {label} | {' | '.join(cells)} | {pr} |")
                lines.append("")
        return "\n".join(lines)


def cross_validate(gold_paths: Sequence[str | Path], outdir: str | Path, *, k: int = 5, seed: int = 0,
                   modes: Sequence[str] | None = None, only_folds: Sequence[int] | None = None,
                   reuse: bool = True, train_fn: TrainFn | None = None,
                   log: Callable[[str], None] = print, **train_kwargs: Any) -> CVResult:
    """Trains one model per fold (into `outdir/fold-N/model`) and scores every variant on the held-out fold.

    `modes` are the combination modes to score (every mode of `kg.extract.tagger.MODES` by default);
    the rules-only pipeline is always scored as `rules`. With `reuse`, a fold whose model already
    exists is not trained again. `train_fn` (default: `kg.train.crf.train_crf`) gets the gold paths,
    the model directory, `exclude_ids`, `seed`, `log` and `train_kwargs`.
    Writes `cv.json` and `cv.md` into `outdir`.
    """
    from kg.eval import evaluate, gold_papers, read_gold
    from kg.extract.pipeline import build_nlp, extract_papers
    from kg.extract.tagger import MODES

    if train_fn is None:
        from kg.train.crf import train_crf

        train_fn = train_crf
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    golds = {Path(p).name: read_gold(p) for p in gold_paths}
    fold_of = {name: assign_folds([str(r["id"]) for r in records], k, seed) for name, records in golds.items()}
    variants = ["rules", *(modes if modes is not None else MODES)]
    result = CVResult(k=k, seed=seed, folds={name: {v: [] for v in variants} for name in golds})
    for f in (only_folds if only_folds is not None else range(k)):
        held = {name: [r for r in records if fold_of[name][str(r["id"])] == f] for name, records in golds.items()}
        exclude = {str(r["id"]) for records in held.values() for r in records}
        model = out / f"fold-{f}" / "model"
        if not (reuse and (model / "meta.json").is_file()):
            log(f"kg cv: fold {f}: training without {len(exclude)} held-out records")
            train_fn(list(gold_paths), model, exclude_ids=exclude, seed=seed, log=log, **train_kwargs)
        for variant in variants:
            nlp = build_nlp("fast") if variant == "rules" else build_nlp(model=model, mode=variant)
            for name, records in held.items():
                preds = {e.paper_id: e.to_json() for e in extract_papers(gold_papers(records), nlp)}
                report = evaluate(records, preds).to_json()
                report["fold"] = f
                result.folds[name][variant].append(report)
                micro = report["entities"]
                log(f"kg cv: fold {f} {name} {variant}: exact {micro['exact']['micro']['f1']:.3f} "
                    f"overlap {micro['overlap']['micro']['f1']:.3f} names {micro['names']['micro']['f1']:.3f}")
    (out / "cv.json").write_text(json.dumps(result.to_json(), indent=1), encoding="utf-8")
    (out / "cv.md").write_text(result.markdown(), encoding="utf-8")
    return result
