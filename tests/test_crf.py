"""kg's CRF tagger: features, BIO decoding, training on a toy gold set, and the model inside the pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kg.errors import InputError, KgError
from kg.extract.crf import FEATURE_GROUPS, FeatureExtractor, bio_spans, rule_tags, word_shape
from kg.extract.pipeline import build_nlp, extract_papers
from kg.extract.tagger import shipped_model
from kg.knowledge_base import KBEntry
from kg.train.crf import bio_tags, crf_sequences, load_settings, train_crf
from kg.train.cv import cross_validate
from kg.types import Paper

KB = [KBEntry("task/dp", "dependency parsing", "TASK"), KBEntry("dataset/ptb", "Penn Treebank", "DATASET",
                                                                ("PTB",))]


def test_features_describe_the_word_its_neighbours_and_the_rules() -> None:
    fx = FeatureExtractor(KB)
    words = ["We", "parse", "the", "Penn", "Treebank", "(", "PTB", ")", "."]
    tags = rule_tags(len(words), [(3, 5, "kb", "DATASET"), (6, 7, "kb", "DATASET")])
    feats = fx(words, tags)
    assert len(feats) == len(words)
    treebank = set(feats[4])
    assert {"w=treebank", "sh=Xxx", "title", "r=I-kb-DATASET", "rl=DATASET", "kt=DATASET", "kh=DATASET",
            "-1w=penn", "1w=(", "-1bi=penn|treebank", "tri=penn|treebank|(", "2r=B-kb-DATASET"} <= treebank
    assert "inparen" in feats[6] and "inparen" not in feats[4]
    assert "-2pad" in feats[0] and "-1pad" in feats[0] and "1pad" in feats[-1] and "2pad" in feats[-1]
    assert all(len(f) == len(set(f)) for f in feats)  # no feature twice


def test_features_do_not_depend_on_what_the_cache_saw_before() -> None:
    words = ["Dependency", "parsing", "on", "PTB", "."]
    tags = ["O"] * len(words)
    warm = FeatureExtractor(KB)
    warm(["parsing", "PTB", "Dependency", "on"], ["O"] * 4)
    assert warm(words, tags) == FeatureExtractor(KB)(words, tags)


def test_optional_groups_switch_features_off_and_unknown_groups_are_refused() -> None:
    words = ["a", "(", "b", ")"]
    plain = FeatureExtractor(KB, groups=())(words, ["O"] * 4)
    assert not any(f.startswith(("tri=", "kt=", "-1s3=")) or f == "inparen" for token in plain for f in token)
    with pytest.raises(ValueError, match="kb_words"):
        FeatureExtractor(KB, groups=["nope"])
    assert set(load_settings()["features"]["groups"]) <= set(FEATURE_GROUPS)


def test_shapes_and_bio_round_trip() -> None:
    assert word_shape("GPT-4") == "XX-d" and word_shape("mAP") == "xXX"
    tags = bio_tags(6, [(0, 2, "TASK"), (3, 4, "METRIC")])
    assert bio_spans(tags) == [(0, 2, "TASK"), (3, 4, "METRIC")]
    assert bio_spans(["I-TASK", "I-TASK", "O"]) == [(0, 2, "TASK")]  # a stray I- opens a span


SENTENCES = [
    ("We evaluate dependency parsing on the Penn Treebank with labeled attachment score .",
     [("dependency parsing", "TASK"), ("Penn Treebank", "DATASET"), ("labeled attachment score", "METRIC")]),
    ("Machine translation on WMT14 is measured with BLEU .",
     [("Machine translation", "TASK"), ("WMT14", "DATASET"), ("BLEU", "METRIC")]),
    ("Sentiment analysis on SST-2 reaches high accuracy .",
     [("Sentiment analysis", "TASK"), ("SST-2", "DATASET"), ("accuracy", "METRIC")]),
    ("Question answering results on SQuAD use exact match .",
     [("Question answering", "TASK"), ("SQuAD", "DATASET"), ("exact match", "METRIC")]),
]


def _record(i: int, text: str, spans: list[tuple[str, str]]) -> dict[str, Any]:
    entities = [{"field": "abstract", "start": text.index(n), "end": text.index(n) + len(n), "text": n, "label": lab}
                for n, lab in spans]
    return {"id": f"toy-{i}", "title": "", "abstract": text, "entities": entities}


@pytest.fixture(scope="module")
def toy_gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gold") / "toy.jsonl"
    path.write_text("".join(json.dumps(_record(i, t, s)) + "\n" for i, (t, s) in enumerate(SENTENCES)),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def toy_model(toy_gold: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "tagger"
    train_crf([toy_gold], out, log=lambda _: None)
    return out


@pytest.mark.slow
def test_training_sequences_tag_gold_spans_and_rule_methods() -> None:
    text = "We evaluate machine translation with BLEU using BERT ."
    record = _record(0, text, [("machine translation", "TASK"), ("BLEU", "METRIC")])
    (feats, tags), = crf_sequences([record], methods_from_rules=True, feature_groups=FEATURE_GROUPS)
    words = text.split()
    assert len(feats) == len(tags) == len(words)
    assert tags == ["O", "O", "B-TASK", "I-TASK", "O", "B-METRIC", "O", "B-METHOD", "O"]
    (_, plain), = crf_sequences([record], methods_from_rules=False, feature_groups=FEATURE_GROUPS)
    assert plain[7] == "O"


@pytest.mark.slow
def test_training_writes_a_model_the_pipeline_loads_and_uses(toy_model: Path) -> None:
    meta = json.loads((toy_model / "meta.json").read_text(encoding="utf-8"))
    assert meta["kg"]["kind"] == "crf" and meta["kg"]["mode"] == "ner_results"
    assert meta["kg"]["trained_on"] == {"toy.jsonl": [f"toy-{i}" for i in range(len(SENTENCES))]}
    assert (toy_model / "crf.model").stat().st_size > 0
    nlp = build_nlp(model=toy_model)
    paper = Paper(id="p", title="", abstract=SENTENCES[1][0])
    found = {(m.text, m.label) for m in next(extract_papers([paper], nlp)).mentions}
    assert set(SENTENCES[1][1]) <= found  # a training sentence is tagged as it was taught


@pytest.mark.slow
def test_training_is_deterministic(toy_gold: Path, toy_model: Path, tmp_path: Path) -> None:
    again = train_crf([toy_gold], tmp_path / "again", log=lambda _: None)
    assert (again.model / "crf.model").read_bytes() == (toy_model / "crf.model").read_bytes()


@pytest.mark.slow
def test_a_model_without_its_crf_file_is_an_actionable_error(toy_model: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "meta.json").write_text((toy_model / "meta.json").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(KgError, match="kg train"):
        build_nlp(model=broken)


def test_a_broken_config_names_the_file(tmp_path: Path) -> None:
    cfg = tmp_path / "crf.cfg"
    cfg.write_text("[training]\nc1 = 0.1\n", encoding="utf-8")
    with pytest.raises(InputError, match="c2"):
        load_settings(cfg)


@pytest.mark.slow
def test_cross_validation_trains_crf_models_on_a_toy_corpus(toy_gold: Path, tmp_path: Path) -> None:
    result = cross_validate([toy_gold], tmp_path, k=2, seed=0, modes=["ner_results"], log=lambda _: None)
    assert set(result.summary()["toy.jsonl"]) == {"rules", "ner_results"}  # the shipped mode, and the rules
    metas = [json.loads((tmp_path / f"fold-{f}" / "model" / "meta.json").read_text(encoding="utf-8"))["kg"]
             for f in (0, 1)]
    assert [m["kind"] for m in metas] == ["crf", "crf"]
    trained = [set(m["trained_on"]["toy.jsonl"]) for m in metas]
    assert trained[0] | trained[1] == {f"toy-{i}" for i in range(len(SENTENCES))}
    assert not trained[0] & trained[1]  # each record is trained on by exactly one of two folds' models


def test_a_retrained_model_changes_the_cache_fingerprint(toy_model: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import kg.extract.tagger as tagger
    from kg.cache import pipeline_fingerprint

    copy = tmp_path / "tagger"
    shutil.copytree(toy_model, copy)
    monkeypatch.setattr(tagger, "shipped_model", lambda: copy)
    before, fast = pipeline_fingerprint("default"), pipeline_fingerprint("fast")
    (copy / "crf.model").write_bytes((copy / "crf.model").read_bytes() + b"\0")
    assert pipeline_fingerprint("default") != before
    assert pipeline_fingerprint("fast") == fast  # the rules-only pipeline does not use the model


def test_a_span_with_an_unpartnered_bracket_is_repaired(tmp_path: Path) -> None:
    import pycrfsuite

    from kg.extract.crf import CrfTagger

    # Taught on purpose to stop inside the brackets, the raw model leaves "(" open; given the words,
    # the tagger returns a balanced span instead.
    trainer = pycrfsuite.Trainer(verbose=False)
    names = ["Alpha", "Beta", "Gamma", "Delta"]
    for name in names:
        words = ["the", name, "Corpus", "(", name[:2].upper(), ")", "is", "big"]
        trainer.append([[f"w={w}", f"i={i}"] for i, w in enumerate(words)],
                       ["O", "B-DATASET", "I-DATASET", "I-DATASET", "I-DATASET", "O", "O", "O"])
    trainer.train(str(tmp_path / "toy.crf"))
    tagger = CrfTagger(tmp_path / "toy.crf")
    words = ["the", "Alpha", "Corpus", "(", "AL", ")", "is", "big"]
    features = [[f"w={w}", f"i={i}"] for i, w in enumerate(words)]
    assert tagger.spans(features) == [(1, 5, "DATASET")]  # "Alpha Corpus ( AL": unbalanced
    (repaired,) = tagger.spans(features, words)
    assert repaired in {(1, 6, "DATASET"), (1, 3, "DATASET")}
    balanced = ["the", "Alpha", "Corpus", "is", "big"]
    assert tagger.spans([[f"w={w}", f"i={i}"] for i, w in enumerate(balanced)], balanced) == \
        tagger.spans([[f"w={w}", f"i={i}"] for i, w in enumerate(balanced)])


def test_kg_train_requires_an_output_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    before = (shipped_model() / "crf.model").read_bytes()
    result = CliRunner().invoke(main, ["train", "--gold", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2  # --gold must exist: click's usage error comes first
    gold = tmp_path / "gold.jsonl"
    gold.write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["train", "--gold", str(gold)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: kg train needs -o DIR, the model directory to write "
                                                  "(to retrain the shipped tagger: -o kg/models/tagger)"]
    assert (shipped_model() / "crf.model").read_bytes() == before


@pytest.mark.slow
def test_kg_train_reproduces_the_shipped_model(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main
    from kg.train.crf import DEFAULT_GOLD

    if not all(p.exists() for p in DEFAULT_GOLD):
        pytest.skip("../shared/gold is absent")
    result = CliRunner().invoke(main, ["train", "-o", str(tmp_path / "tagger")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tagger" / "crf.model").read_bytes() == (shipped_model() / "crf.model").read_bytes()
