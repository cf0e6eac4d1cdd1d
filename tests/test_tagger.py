"""The trained tagger in kg's pipeline: combination rules on hand-built Docs, and the shipped model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import spacy
from click.testing import CliRunner
from spacy.language import Language
from spacy.tokens import Doc

from benchmarks.experiments import ner_tagger
from benchmarks.experiments.ner_tagger import is_sure
from kg.cli import main
from kg.errors import KgError
from kg.extract.pipeline import build_nlp, extract_papers
from kg.extract.spans import entities, make_span
from kg.extract.tagger import MODES, combine, shipped_model, trained_on, training_overlap
from kg.extract.tokenizer import customize_tokenizer
from kg.types import Paper

ner_tagger.register()  # the combination modes kg tried and does not ship, tested here with the shipped one


@pytest.fixture(scope="module")
def blank() -> Language:
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    return nlp


def _doc(blank: Language) -> Doc:
    # tokens: 0 We 1 train 2 deep 3 residual 4 networks 5 with 6 accuracy 7 on 8 FooBench 9 .
    doc = blank("We train deep residual networks with accuracy on FooBench .")
    doc.set_ents([make_span(doc, 3, 5, "METHOD", "kb", "method/x"),      # sure: several tokens
                  make_span(doc, 6, 7, "METRIC", "kb", "metric/acc"),     # unsure: one lower-case word
                  make_span(doc, 8, 9, "METHOD", "pattern")])             # a pattern's guess
    return doc


def _ner(doc: Doc) -> list[spacy.tokens.Span]:
    return [make_span(doc, 2, 5, "METHOD", "ner"), make_span(doc, 5, 7, "TASK", "ner"),
            make_span(doc, 8, 9, "DATASET", "ner")]


def _ents(doc: Doc) -> list[tuple[str, str, str]]:
    return [(e.text, e.label_, e.id_) for e in entities(doc)]


def test_fill_keeps_every_rule_span(blank: Language) -> None:
    doc = _doc(blank)
    combine(doc, _ner(doc), "fill")
    assert _ents(doc) == [("residual networks", "METHOD", "kb"), ("accuracy", "METRIC", "kb"),
                          ("FooBench", "METHOD", "pattern")]


def test_override_keeps_sure_names_and_replaces_guesses(blank: Language) -> None:
    doc = _doc(blank)
    combine(doc, _ner(doc), "override")
    assert _ents(doc) == [("residual networks", "METHOD", "kb"), ("with accuracy", "TASK", "ner"),
                          ("FooBench", "DATASET", "ner")]
    assert entities(doc)[0].kb_id_ == "method/x"


def test_sure_first_keeps_sure_names_then_the_tagger_then_the_rest(blank: Language) -> None:
    doc = _doc(blank)
    combine(doc, _ner(doc), "sure_first")
    assert _ents(doc) == [("residual networks", "METHOD", "kb"), ("with accuracy", "TASK", "ner"),
                          ("FooBench", "DATASET", "ner")]


def test_ner_only_keeps_the_tagger_alone(blank: Language) -> None:
    doc = _doc(blank)
    combine(doc, _ner(doc)[:1], "ner_only")
    assert _ents(doc) == [("deep residual networks", "METHOD", "ner")]


def test_ner_only_keeps_the_rule_span_where_both_found_the_same_entity(blank: Language) -> None:
    doc = _doc(blank)
    found = [make_span(doc, 3, 5, "METHOD", "ner"), make_span(doc, 8, 9, "DATASET", "ner")]
    combine(doc, found, "ner_only")
    assert _ents(doc) == [("residual networks", "METHOD", "kb"), ("FooBench", "DATASET", "ner")]
    assert entities(doc)[0].kb_id_ == "method/x"  # same span and label: the knowledge-base id is kept


def test_ner_first_lets_longer_and_identical_rule_spans_win(blank: Language) -> None:
    doc = _doc(blank)
    combine(doc, _ner(doc), "ner_first")
    assert _ents(doc) == [("deep residual networks", "METHOD", "ner"), ("with accuracy", "TASK", "ner"),
                          ("FooBench", "METHOD", "pattern")]  # same span: the rule keeps its label and id


def test_ner_results_adds_metric_and_dataset_names_next_to_numbers(blank: Language) -> None:
    doc = blank("Our model reaches 92.3 accuracy on FooBench ; in many other settings the usual accuracy is hard .")
    rules = [make_span(doc, 4, 5, "METRIC", "kb"), make_span(doc, 6, 7, "DATASET", "kb"),
             make_span(doc, 14, 15, "METRIC", "kb")]
    doc.set_ents(rules)
    combine(doc, [make_span(doc, 1, 2, "METHOD", "ner")], "ner_results")
    assert [(e.text, e.label_, e.start) for e in entities(doc)] == [("model", "METHOD", 1), ("accuracy", "METRIC", 4),
                                                              ("FooBench", "DATASET", 6)]  # not the far one


def test_sure_names(blank: Language) -> None:
    doc = blank("BERT on glue data")
    assert is_sure(make_span(doc, 0, 1, "METHOD", "kb"))
    assert not is_sure(make_span(doc, 2, 3, "DATASET", "kb"))
    assert is_sure(make_span(doc, 2, 3, "DATASET", "abbrev"))
    assert not is_sure(make_span(doc, 0, 1, "METHOD", "pattern"))


def test_unknown_mode_lists_the_valid_ones(blank: Language) -> None:
    doc = _doc(blank)
    with pytest.raises(KgError, match="unknown tagger mode 'nope'; use ner_results, fill, override, sure_first"):
        combine(doc, [], "nope")
    assert "fill" in MODES and "ner_first" in MODES


@pytest.mark.slow
def test_missing_model_is_an_actionable_error(tmp_path: Path) -> None:
    with pytest.raises(KgError, match="kg train"):
        build_nlp(model=str(tmp_path))


# The shipped model ------------------------------------------------------------------------------------

def _mentions(nlp: Language, abstract: str, title: str = "") -> dict[str, str]:
    paper = Paper(id="t", title=title, abstract=abstract)
    return {m.text: m.label for m in next(extract_papers([paper], nlp)).mentions}


def test_the_shipped_model_is_in_the_package_and_small() -> None:
    path = shipped_model()
    assert (path / "meta.json").is_file()
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    assert size < 25 * 1024 * 1024
    assert {"tdmsci-train.jsonl", "scirex-dev.jsonl"} <= set(trained_on())
    assert training_overlap(["tdmsci-train-0001", "not-a-gold-id"]) == 1


def test_the_default_pipeline_runs_the_tagger(nlp_default: Language) -> None:
    assert nlp_default.pipe_names == ["kg_known_entities", "kg_abbreviations", "kg_name_patterns", "kg_tagger",
                                      "kg_claims"]


@pytest.mark.slow
def test_kg_eval_warns_when_the_gold_records_were_training_data(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    record = {"id": "tdmsci-train-0001", "title": "", "abstract": "We report BLEU on WMT14.", "entities": []}
    gold.write_text(json.dumps(record) + "\n", encoding="utf-8")
    runner = CliRunner()
    default = runner.invoke(main, ["eval", str(gold)])
    assert default.exit_code == 0, default.output
    assert "trained on 1 of these 1 records" in default.output
    fast = runner.invoke(main, ["eval", str(gold), "--fast"])
    assert fast.exit_code == 0 and "warning" not in fast.output


@pytest.mark.parametrize(("abstract", "expected"), [
    ("We fine-tune BERT on SQuAD and reach 91.2 F1 .",
     {"BERT": "METHOD", "SQuAD": "DATASET", "F1": "METRIC"}),
    ("We evaluate our parser on the Penn Treebank and report labeled attachment score .",
     {"Penn Treebank": "DATASET", "labeled attachment score": "METRIC"}),
    ("Our system improves BLEU by 2.1 points on the WMT14 English-German translation task .",
     {"BLEU": "METRIC"}),
])
def test_the_shipped_model_tags_known_sentences(nlp_default: Language, abstract: str,
                                                expected: dict[str, str]) -> None:
    found = _mentions(nlp_default, abstract)
    for name, label in expected.items():
        assert found.get(name) == label, found


def test_the_tagger_finds_a_name_no_list_holds(nlp_default: Language) -> None:
    paper = Paper(id="t", title="", abstract="Experiments on the Foobarian Reviews dataset show gains in "
                                             "aspect-based sentiment analysis .")
    mentions = next(extract_papers([paper], nlp_default)).mentions
    unknown = [m for m in mentions if "Foobarian" in m.text]
    assert unknown and unknown[0].label == "DATASET" and unknown[0].source == "ner"
    assert any(m.text == "aspect-based sentiment analysis" and m.label == "TASK" for m in mentions)


def test_known_names_keep_their_knowledge_base_id(nlp_default: Language) -> None:
    paper = Paper(id="t", title="", abstract="We fine-tune BERT on SQuAD .")
    mentions = {m.text: m for m in next(extract_papers([paper], nlp_default)).mentions}
    assert mentions["SQuAD"].kb_id and mentions["BERT"].kb_id


def test_the_runtime_knows_only_the_shipped_kind_and_mode() -> None:
    import subprocess

    code = "from kg.extract import tagger; print(sorted(tagger.KINDS), sorted(tagger.MODES))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['crf'] ['ner_results']"
