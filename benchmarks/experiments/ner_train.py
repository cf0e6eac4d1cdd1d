"""The spaCy NER experiment's training: builds the corpora and trains the NER of `ner.cfg` with spaCy's loop.

The gold files give gold Docs; the shared corpus, labelled by kg's rules-only pipeline, gives silver
Docs, of which the reader `kg.mixed_corpus.v1` draws a seeded sample each epoch (`silver_fraction`),
so silver counts for less than gold. spaCy's own loop (`spacy.cli.train.train`) trains the config with
its seeds; the final weights (`model-last`, parameter averages) are saved with kg's tokenizer and a
record of the gold ids the model saw, so `kg eval` can tell when it is scoring training data.
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.experiments.ner_tagger import NER_MODE
from kg.targets import check_model_folder
from kg.train.crf import SHARED, TrainResult

CONFIG_PATH = Path(__file__).with_name("ner.cfg")
DEFAULT_CORPUS = (SHARED / "corpus",)
READER = "kg.mixed_corpus.v1"


class MixedCorpus:
    """spaCy corpus reader: every gold Doc plus a fresh seeded sample of the silver Docs, each epoch.

    Gold Docs carry kg's tokens already, so the predicted side of each Example is built from the same
    words and spaces (no second tokenization that could disagree).
    """

    def __init__(self, gold_path: str | None, silver_path: str | None, silver_fraction: float, shuffle: bool,
                 seed: int) -> None:
        self.gold_path = gold_path
        self.silver_path = silver_path
        self.silver_fraction = silver_fraction
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def __call__(self, nlp: Any) -> Iterator[Any]:
        from spacy.tokens import Doc
        from spacy.training import Example

        gold = _read_docbin(self.gold_path, nlp.vocab)
        silver = _read_docbin(self.silver_path, nlp.vocab)
        rng = random.Random(self.seed * 1_000_003 + self.epoch)
        self.epoch += 1
        chosen = list(gold)
        if silver and self.silver_fraction > 0:
            chosen += rng.sample(silver, min(len(silver), round(len(silver) * self.silver_fraction)))
        if self.shuffle:
            rng.shuffle(chosen)
        for ref in chosen:
            if len(ref) == 0:
                continue
            words = [t.text for t in ref]
            spaces = [bool(t.whitespace_) for t in ref]
            tags = [t.tag_ or "O" for t in ref]
            yield Example(Doc(nlp.vocab, words=words, spaces=spaces, tags=tags), ref)


def _read_docbin(path: str | None, vocab: Any) -> list[Any]:
    if not path:
        return []
    from spacy.tokens import DocBin

    return list(DocBin().from_disk(path).get_docs(vocab))


def register() -> None:
    """Registers kg's corpus reader with spaCy (needed to train with `ner.cfg`)."""
    from spacy.util import registry

    if READER not in registry.readers:
        def make(gold_path: str | None, silver_path: str | None, silver_fraction: float, shuffle: bool,
                 seed: int) -> Callable[[Any], Iterable[Any]]:
            return MixedCorpus(gold_path, silver_path, silver_fraction, shuffle, seed)

        registry.readers.register(READER, func=make)


def _title_key(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def build_corpora(gold_paths: Sequence[str | Path], workdir: Path, *, corpus_paths: Sequence[str | Path] = (),
                  exclude_ids: Iterable[str] = (), dev_every: int = 10, log: Callable[[str], None] = print,
                  ) -> tuple[dict[str, Path], TrainResult]:
    """Writes train/silver/dev DocBins into `workdir`; gold records in `exclude_ids` are left out.

    Silver papers whose title is also a gold title are dropped, so no gold text enters through them.
    The dev set (every `dev_every`-th gold Doc) is part of the training data: spaCy's loop wants one
    for its log, kg does not select models with it.
    """
    from benchmarks.experiments.ner_corpus import ConversionStats, gold_docs, silver_docs, to_docbin
    from kg.eval import read_gold
    from kg.extract.pipeline import build_nlp
    from kg.ingest import read_papers

    rules = build_nlp("fast")
    excluded = set(exclude_ids)
    docs = []
    gold_titles: set[str] = set()
    trained: dict[str, list[str]] = {}
    for path in gold_paths:
        records = [r for r in read_gold(path) if str(r["id"]) not in excluded]
        for r in read_gold(path):
            gold_titles.add(_title_key(str(r.get("title") or "")))
        stats = ConversionStats()
        docs += gold_docs(records, rules, rules=rules, stats=stats)
        trained[Path(path).name] = sorted(str(r["id"]) for r in records)
        log(f"kg train: {Path(path).name}: {len(records)} records, {stats.docs} docs, {stats.by_label} "
            f"({stats.misaligned} misaligned, {stats.overlapping} overlapping dropped, {stats.missing} missing)")
    gold_titles.discard("")
    silver = []
    if corpus_paths:
        papers = [p for p in read_papers(corpus_paths) if _title_key(p.title) not in gold_titles]
        sstats = ConversionStats()
        silver = silver_docs(papers, rules, stats=sstats)
        log(f"kg train: silver: {len(papers)} papers, {sstats.docs} docs, {sstats.by_label}")
    workdir.mkdir(parents=True, exist_ok=True)
    paths = {"train": workdir / "train.spacy", "silver": workdir / "silver.spacy", "dev": workdir / "dev.spacy"}
    to_docbin(docs).to_disk(paths["train"])
    to_docbin(silver).to_disk(paths["silver"])
    to_docbin(docs[::dev_every] or docs).to_disk(paths["dev"])
    return paths, TrainResult(model=workdir, gold_docs=len(docs), silver_docs=len(silver), trained_ids=trained)


def train_model(gold_paths: Sequence[str | Path], output: str | Path, *,
                corpus_paths: Sequence[str | Path] = DEFAULT_CORPUS, config: str | Path = CONFIG_PATH,
                seed: int = 0, max_steps: int | None = None, silver_fraction: float | None = None,
                exclude_ids: Iterable[str] = (), workdir: str | Path | None = None,
                overrides: dict[str, Any] | None = None, log: Callable[[str], None] = print) -> TrainResult:
    """Trains the tagger on the gold files (minus `exclude_ids`) and silver papers; writes it to `output`.

    `output` becomes a spaCy pipeline directory (tokenizer + ner) that `kg.extract.tagger` loads.
    Returns what it was trained on. `max_steps`, `silver_fraction` and `overrides` change the config.
    """
    import time

    from spacy.cli.train import train as spacy_train

    start = time.perf_counter()
    register()
    own_tmp = workdir is None
    work = Path(tempfile.mkdtemp(prefix="kg-train-")) if workdir is None else Path(workdir)
    try:
        paths, result = build_corpora(gold_paths, work / "corpus", corpus_paths=corpus_paths,
                                      exclude_ids=exclude_ids, log=log)
        settings: dict[str, Any] = {"paths.train": str(paths["train"]), "paths.silver": str(paths["silver"]),
                                    "paths.dev": str(paths["dev"]), "system.seed": seed}
        if max_steps is not None:
            settings["training.max_steps"] = max_steps
        if silver_fraction is not None:
            settings["corpora.train.silver_fraction"] = silver_fraction
        settings.update(overrides or {})
        spacy_train(Path(config), work / "spacy", use_gpu=-1, overrides=settings)
        result.model = save_pipeline(work / "spacy" / "model-last", Path(output), trained_ids=result.trained_ids,
                                     seed=seed)
    finally:
        if own_tmp:
            shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.perf_counter() - start
    log(f"kg train: model written to {result.model} in {result.seconds:.0f}s")
    return result


def save_pipeline(trained: Path, output: Path, *, trained_ids: dict[str, list[str]], seed: int) -> Path:
    """Copies a trained pipeline to `output` with kg's tokenizer and kg's record in its meta."""
    import spacy

    from kg.extract.tokenizer import customize_tokenizer

    nlp = spacy.load(trained)
    customize_tokenizer(nlp)
    attrs = nlp.config["components"]["ner"]["model"]["tok2vec"]["embed"].get("attrs", [])
    nlp.meta["name"] = "kg_ner"
    nlp.meta["description"] = "kg's tagger for METHOD, DATASET, METRIC and TASK (trained by `kg train`)"
    nlp.meta["kg"] = {"kind": "ner", "mode": NER_MODE, "trained_on": trained_ids, "seed": seed,
                      "config": "benchmarks/experiments/ner.cfg", "rule_features": "TAG" in attrs}
    nlp.meta.pop("performance", None)
    check_model_folder(output)
    if output.exists():
        shutil.rmtree(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return output
