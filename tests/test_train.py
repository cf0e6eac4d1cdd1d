"""Training the spaCy NER experiment (benchmarks/experiments/): gold and silver conversion, the corpus reader,
a training smoke test and CV on a toy corpus; and the folds of kg cv."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.language import Language

from benchmarks.experiments import ner_tagger
from benchmarks.experiments.ner_corpus import gold_docs, silver_docs, to_docbin
from benchmarks.experiments.ner_train import MixedCorpus, train_model
from kg.extract.pipeline import build_nlp, extract_papers
from kg.train.corpus import assign_folds
from kg.train.cv import cross_validate
from kg.types import Paper

ner_tagger.register()  # the ner kind and the modes kg does not ship

SENTENCES = [
    ("We evaluate machine translation with BLEU on WMT14 using BERT .", [("machine translation", "TASK"),
                                                                         ("BLEU", "METRIC"), ("WMT14", "DATASET")]),
    ("Named entity recognition on CoNLL-2003 is measured by F1 score .", [("Named entity recognition", "TASK"),
                                                                          ("CoNLL-2003", "DATASET"),
                                                                          ("F1 score", "METRIC")]),
    ("Our parser improves dependency parsing accuracy on the Penn Treebank .", [("dependency parsing", "TASK"),
                                                                               ("accuracy", "METRIC"),
                                                                               ("Penn Treebank", "DATASET")]),
    ("Question answering results on SQuAD use exact match .", [("Question answering", "TASK"), ("SQuAD", "DATASET"),
                                                               ("exact match", "METRIC")]),
    ("Sentiment analysis on SST-2 reaches high accuracy .", [("Sentiment analysis", "TASK"), ("SST-2", "DATASET"),
                                                             ("accuracy", "METRIC")]),
    ("Text summarization on CNN/DailyMail is scored with ROUGE .", [("Text summarization", "TASK"),
                                                                   ("CNN/DailyMail", "DATASET"), ("ROUGE", "METRIC")]),
]


def _record(i: int, text: str, spans: list[tuple[str, str]]) -> dict[str, Any]:
    entities = []
    for name, label in spans:
        start = text.index(name)
        entities.append({"field": "abstract", "start": start, "end": start + len(name), "text": name, "label": label})
    return {"id": f"toy-{i:02d}", "title": "", "abstract": text, "entities": entities}


@pytest.fixture(scope="module")
def toy_gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gold") / "toy.jsonl"
    records = [_record(i, text, spans) for i, (text, spans) in enumerate(SENTENCES)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rules() -> Language:
    return build_nlp("fast")


@pytest.fixture(scope="module")
def tiny_model(toy_gold: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained for a few steps on the toy set: the smoke test of `kg train`'s code path."""
    out = tmp_path_factory.mktemp("model") / "ner"
    train_model([toy_gold], out, corpus_paths=(), max_steps=4, log=lambda _: None,
                overrides={"training.eval_frequency": 2})
    return out


@pytest.mark.slow
def test_gold_docs_use_kg_tokens_and_mark_rule_methods_missing(rules: Language) -> None:
    text = "We evaluate machine translation with BLEU on WMT14 using BERT ."
    docs = gold_docs([_record(0, text, SENTENCES[0][1])], rules, rules=rules)
    doc = docs[0]
    assert [(e.text, e.label_) for e in doc.ents] == SENTENCES[0][1]
    bert = next(t for t in doc if t.text == "BERT")
    assert bert.ent_iob_ == ""  # missing: the set annotates no METHOD, the rules see one here
    assert next(t for t in doc if t.text == "using").ent_iob_ == "O"


def test_gold_spans_off_token_boundaries_are_trimmed(rules: Language) -> None:
    rec = {"id": "x", "title": "", "abstract": "BERT-base on GLUE",
           "entities": [{"field": "abstract", "start": 0, "end": 4, "label": "METHOD"}]}
    doc = gold_docs([rec], rules)[0]
    assert [(e.text, e.label_) for e in doc.ents] == [("BERT", "METHOD")]


def test_silver_keeps_known_names_and_leaves_pattern_guesses_missing(rules: Language) -> None:
    paper = Paper(id="s1", title="", abstract="We propose FooNet and evaluate it on ImageNet with accuracy.")
    doc = silver_docs([paper], rules)[0]
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("ImageNet") == "DATASET"
    assert "FooNet" not in labels
    assert next(t for t in doc if t.text == "FooNet").ent_iob_ == ""
    assert next(t for t in doc if t.text == "evaluate").ent_iob_ == "O"


def test_docbin_round_trip_keeps_missing_tokens(rules: Language) -> None:
    paper = Paper(id="s1", title="", abstract="We propose FooNet on ImageNet.")
    docs = silver_docs([paper], rules)
    back = list(to_docbin(docs).get_docs(spacy.blank("en").vocab))
    assert [t.ent_iob_ for t in back[0]] == [t.ent_iob_ for t in docs[0]]


def test_mixed_corpus_samples_silver_by_seed(rules: Language, tmp_path: Path) -> None:
    gold = gold_docs([_record(i, t, s) for i, (t, s) in enumerate(SENTENCES)], rules)
    silver = silver_docs([Paper(id=f"p{i}", title="", abstract=f"Model {i} on ImageNet.") for i in range(10)], rules)
    to_docbin(gold).to_disk(tmp_path / "gold.spacy")
    to_docbin(silver).to_disk(tmp_path / "silver.spacy")
    nlp = spacy.blank("en")

    def epochs(seed: int) -> list[list[str]]:
        corpus = MixedCorpus(str(tmp_path / "gold.spacy"), str(tmp_path / "silver.spacy"), 0.3, True, seed)
        return [[ex.reference.text for ex in corpus(nlp)] for _ in range(2)]

    first = epochs(0)
    assert first == epochs(0)
    assert all(len(e) == len(gold) + 3 for e in first)
    assert first[0] != first[1]


def test_folds_are_balanced_and_fixed_by_the_seed() -> None:
    ids = [f"id{i}" for i in range(23)]
    folds = assign_folds(ids, 5, 0)
    assert folds == assign_folds(list(reversed(ids)), 5, 0)
    sizes = sorted(list(folds.values()).count(f) for f in range(5))
    assert sizes == [4, 4, 5, 5, 5]
    assert folds != assign_folds(ids, 5, 1)


@pytest.mark.slow
def test_training_smoke_writes_a_loadable_pipeline(tiny_model: Path) -> None:
    meta = json.loads((tiny_model / "meta.json").read_text(encoding="utf-8"))
    assert meta["kg"]["trained_on"] == {"toy.jsonl": [f"toy-{i:02d}" for i in range(len(SENTENCES))]}
    nlp = build_nlp(model=tiny_model)
    assert "kg_tagger" in nlp.pipe_names
    paper = Paper(id="p", title="", abstract="We use BERT on SQuAD and report F1.")
    labels = {m.text: m.label for m in next(extract_papers([paper], nlp)).mentions}
    assert labels["SQuAD"] == "DATASET"  # known names survive whatever the tiny model predicts


@pytest.mark.slow
def test_cross_validation_on_a_toy_corpus(toy_gold: Path, tiny_model: Path, tmp_path: Path) -> None:
    calls: list[set[str]] = []

    def fake_train(gold_paths: list[Path], output: Path, *, exclude_ids: set[str], **_: Any) -> None:
        calls.append(set(exclude_ids))
        shutil.copytree(tiny_model, output)

    result = cross_validate([toy_gold], tmp_path, k=2, seed=0, modes=["fill"], train_fn=fake_train,
                            log=lambda _: None)
    assert len(calls) == 2
    assert set().union(*calls) == {f"toy-{i:02d}" for i in range(len(SENTENCES))}
    assert sum(len(c) for c in calls) == len(SENTENCES)  # every record is held out exactly once
    reports = result.folds["toy.jsonl"]["rules"]
    assert [r["papers"] for r in reports] == [len(c) for c in calls]
    summary = result.summary()["toy.jsonl"]
    assert set(summary) == {"rules", "fill"}
    cell = summary["rules"]["exact"]["micro"]
    assert 0.0 <= cell["mean"] <= 1.0 and cell["sd"] >= 0.0
    assert "| micro |" in (tmp_path / "cv.md").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "cv.json").read_text(encoding="utf-8"))["k"] == 2
    # a second run reuses the fold models instead of training again
    cross_validate([toy_gold], tmp_path, k=2, seed=0, modes=["fill"], train_fn=fake_train, log=lambda _: None)
    assert len(calls) == 2
