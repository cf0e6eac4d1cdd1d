"""`kg train`: trains kg's CRF tagger (the shipped kind) on the gold files with CRFsuite.

Each gold record's title and abstract become one token sequence, made exactly as extraction makes it
(kg's tokenizer over the folded text, the rules-only pipeline for the rule features), with BIO tags
from the gold spans: a span that does not fall on token boundaries is trimmed to the tokens inside it,
and a span overlapping an earlier one is dropped. CRFsuite learns from fully labelled sequences only,
so a gold set that annotates no METHOD (TDMSci) gets the METHOD spans of kg's rules as METHOD tags
(`[data] methods_from_rules` in `crf.cfg`); otherwise every method in it would be taught as "O".

The model directory holds `crf.model` and a `meta.json` whose "kg" part records the kind, the feature
groups, the combination mode chosen by cross-validation and the gold ids trained on (for `kg eval`'s
warning about scoring training data). Training is deterministic: the same files give the same model.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.targets import check_model_folder

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DEFAULT_GOLD = (SHARED / "gold" / "tdmsci-train.jsonl", SHARED / "gold" / "scirex-dev.jsonl")
"""The gold files `kg train` and `kg cv` read when given none (the shipped model's)."""
CRF_CONFIG = Path(__file__).with_name("crf.cfg")
MODEL_FILE = "crf.model"
MODE = "ner_results"
"""How the CRF's spans combine with the rules' (see `kg.extract.tagger`), chosen by cross-validation
and kg's claims set: the CRF reads the rules' spans as features, so letting the rules overrule it only
loses, except for metric and dataset names next to a number, which claims need."""

Sequence_ = tuple[list[list[str]], list[str]]


@dataclass
class TrainResult:
    """Where the trained model went and what it was trained on."""

    model: Path
    gold_docs: int
    silver_docs: int
    trained_ids: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0


def load_settings(config: str | Path = CRF_CONFIG) -> dict[str, Any]:
    """The CRF config as a plain dict ({"training": ..., "features": ..., "data": ...}).

    >>> load_settings()["training"]["max_iterations"]
    1000
    """
    from thinc.api import Config

    from kg.errors import InputError

    try:
        cfg = Config().from_disk(config)
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the CRF config: {err}", source=str(config)) from err
    settings = {section: dict(cfg.get(section, {})) for section in ("training", "features", "data")}
    for key in ("c1", "c2", "max_iterations"):
        if key not in settings["training"]:
            raise InputError(f"the CRF config has no [training] {key}", source=str(config))
    return settings


def bio_tags(length: int, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """BIO tags over `length` tokens for labelled token spans; a span overlapping a tagged one is skipped.

    >>> bio_tags(5, [(0, 2, "TASK"), (1, 3, "METRIC"), (4, 5, "DATASET")])
    ['B-TASK', 'I-TASK', 'O', 'O', 'B-DATASET']
    """
    tags = ["O"] * length
    for start, end, label in spans:
        if start >= end or any(t != "O" for t in tags[start:end]):
            continue
        tags[start] = "B-" + label
        for i in range(start + 1, end):
            tags[i] = "I-" + label
    return tags


def crf_sequences(records: Sequence[Mapping[str, Any]], *, methods_from_rules: bool,
                  feature_groups: Sequence[str]) -> Iterator[Sequence_]:
    """(features, BIO tags) of every non-empty title and abstract of the gold records.

    When the records annotate no METHOD and `methods_from_rules` is set, METHOD spans of the rules
    that touch no gold span become METHOD tags.
    """
    from kg.extract.crf import FeatureExtractor, rule_tags
    from kg.extract.pipeline import build_nlp
    from kg.extract.spans import entities, make_doc
    from kg.knowledge_base import read_kb
    from kg.train.corpus import FIELDS, gold_labels

    rules = build_nlp("fast")
    features = FeatureExtractor(read_kb(), feature_groups)
    add_methods = methods_from_rules and "METHOD" not in gold_labels(records)
    for record in records:
        for fld in FIELDS:
            text = str(record.get(fld) or "")
            if not text.strip():
                continue
            doc = rules(make_doc(rules, text, fld))
            spans: list[tuple[int, int, str]] = []
            for ent in record["entities"]:
                if ent.get("field", "abstract") != fld:
                    continue
                span = doc.char_span(int(ent["start"]), int(ent["end"]), alignment_mode="contract")
                if span is not None and len(span) > 0:
                    spans.append((span.start, span.end, str(ent["label"])))
            found = entities(doc)
            if add_methods:
                spans += [(e.start, e.end, "METHOD") for e in found if e.label_ == "METHOD"]
            tags = rule_tags(len(doc), ((e.start, e.end, e.id_ or "kb", e.label_) for e in found))
            yield features([t.text for t in doc], tags), bio_tags(len(doc), spans)


def train_crf(gold_paths: Sequence[str | Path], output: str | Path, *, config: str | Path = CRF_CONFIG,
              exclude_ids: Iterable[str] = (), log: Callable[[str], None] = print, **_ignored: Any) -> TrainResult:
    """Trains the CRF on the gold files (minus `exclude_ids`) and writes the model directory `output`.

    Keyword arguments of the spaCy trainer that do not apply to a CRF (seed, silver papers, steps)
    are accepted and ignored, so `kg cv` can drive either kind.
    """
    import pycrfsuite

    from kg.eval import read_gold
    from kg.types import LABELS

    start = time.perf_counter()
    settings = load_settings(config)
    groups = list(settings["features"].get("groups", []))
    excluded = set(exclude_ids)
    trainer = pycrfsuite.Trainer(verbose=False)
    trained: dict[str, list[str]] = {}
    sequences = 0
    for path in gold_paths:
        records = [r for r in read_gold(path) if str(r["id"]) not in excluded]
        trained[Path(path).name] = sorted(str(r["id"]) for r in records)
        count = 0
        for xseq, yseq in crf_sequences(records, methods_from_rules=bool(settings["data"].get("methods_from_rules")),
                                        feature_groups=groups):
            trainer.append(xseq, yseq)
            count += 1
        sequences += count
        log(f"kg train: {Path(path).name}: {len(records)} records, {count} sequences")
    training = settings["training"]
    trainer.set_params({"c1": float(training["c1"]), "c2": float(training["c2"]),
                        "max_iterations": int(training["max_iterations"]),
                        "feature.possible_transitions": bool(training.get("possible_transitions", True))})
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    work.chmod(0o755)
    try:
        trainer.train(str(work / MODEL_FILE))
        meta = {"name": "kg_crf", "description": "kg's CRF tagger for METHOD, DATASET, METRIC and TASK "
                                                 "(trained by `kg train`)",
                "kg": {"kind": "crf", "model_file": MODEL_FILE, "mode": MODE, "feature_groups": groups,
                       "labels": list(LABELS), "config": "kg/train/crf.cfg", "settings": settings,
                       "trained_on": trained}}
        (work / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        check_model_folder(out)
        if out.exists():
            shutil.rmtree(out)
        work.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - start
    log(f"kg train: CRF trained on {sequences} sequences in {seconds:.0f}s, written to {out}")
    return TrainResult(model=out, gold_docs=sequences, silver_docs=0, trained_ids=trained, seconds=seconds)
