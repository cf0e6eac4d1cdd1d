"""The extraction components, each on Docs built by hand with a ten-line knowledge base."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import spacy
from hypothesis import given
from hypothesis import strategies as st
from spacy.attrs import FLAG19
from spacy.language import Language

from kg.extract import textfold
from kg.extract.abbreviations import AbbreviationTagger, find_abbreviations, label_by_head, short_form_pattern
from kg.extract.known_entities import KnownEntityMatcher, is_case_sensitive, name_variants
from kg.extract.patterns import NamePatterns, lexeme_flag, title_name
from kg.extract.proposals import _CUE, _CUE_WORDS, _cue_ends
from kg.extract.spans import entities, make_doc, make_span, merge_entities
from kg.extract.textfold import fold
from kg.extract.tokenizer import customize_tokenizer
from kg.knowledge_base import read_kb

KB = Path(__file__).parent / "fixtures" / "kb_extract.jsonl"


@pytest.fixture(scope="module")
def nlp() -> Language:
    nlp = spacy.blank("en")
    customize_tokenizer(nlp)
    return nlp


@pytest.fixture(scope="module")
def matcher(nlp: Language) -> KnownEntityMatcher:
    return KnownEntityMatcher(nlp, read_kb([KB]))


def ents(doc: spacy.tokens.Doc) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in entities(doc)]


def test_known_names_with_variants_and_case(nlp: Language, matcher: KnownEntityMatcher) -> None:
    doc = matcher(make_doc(nlp, "Large Language Models fine-tuned with Adam on CIFAR10 and cifar-10 reach "
                                "high accuracy; adam and glue are words, GLUE is a benchmark.", "abstract"))
    assert ents(doc) == [
        ("Large Language Models", "METHOD"), ("Adam", "METHOD"), ("CIFAR10", "DATASET"), ("cifar-10", "DATASET"),
        ("accuracy", "METRIC"), ("GLUE", "DATASET"),
    ]
    assert [e.kb_id_ for e in entities(doc)][:3] == ["method/large-language-model", "method/adam", "dataset/cifar-10"]
    assert {e.id_ for e in entities(doc)} == {"kb"}


def test_longest_known_name_wins(nlp: Language, matcher: KnownEntityMatcher) -> None:
    doc = matcher(make_doc(nlp, "We report the F1 score of BERT on the Stanford Question Answering Dataset.",
                           "abstract"))
    assert ents(doc) == [("F1 score", "METRIC"), ("BERT", "METHOD"),
                         ("Stanford Question Answering Dataset", "DATASET")]


def test_unicode_dashes_match_like_ascii(nlp: Language, matcher: KnownEntityMatcher) -> None:
    text = "Results on CIFAR\u201110."
    doc = matcher(make_doc(nlp, text, "abstract"))
    (ent,) = entities(doc)
    assert text[ent.start_char:ent.end_char] == "CIFAR\u201110"


def test_case_rules_and_variants() -> None:
    assert is_case_sensitive("BERT") and not is_case_sensitive("CIFAR-10")
    assert {"CIFAR 10", "CIFAR10"} <= name_variants("CIFAR-10")
    assert "named entity recognitions" not in name_variants("named entity recognition")


def test_abbreviation_pairs() -> None:
    text = ("A Multi-Task Deep Neural Network (MT-DNN) is trained for named entity recognition (NER), "
            "e.g. on news (see Fig. 2) with low word error rate (WER).")
    pairs = [(a.long(text), a.short(text)) for a in find_abbreviations(text)]
    assert pairs == [("Multi-Task Deep Neural Network", "MT-DNN"), ("named entity recognition", "NER"),
                     ("word error rate", "WER")]


def test_abbreviation_tagger_types_and_reuses_short_forms(nlp: Language, matcher: KnownEntityMatcher) -> None:
    text = "We present the Adaptive Relation Modeling Network (ARM-Net). ARM-Net beats BERT; ARM-Nets scale."
    doc = AbbreviationTagger()(matcher(make_doc(nlp, text, "abstract")))
    assert ents(doc) == [("Adaptive Relation Modeling Network", "METHOD"), ("ARM-Net", "METHOD"),
                         ("ARM-Net", "METHOD"), ("BERT", "METHOD"), ("ARM-Nets", "METHOD")]
    assert [d.short(text) for d in doc._.kg_abbreviations] == ["ARM-Net"]


def test_abbreviation_takes_type_from_knowledge_base(nlp: Language, matcher: KnownEntityMatcher) -> None:
    doc = AbbreviationTagger()(matcher(make_doc(nlp, "Large Language Models (LLMs) are big. LLMs talk.", "abstract")))
    assert [(e.text, e.label_, e.kb_id_) for e in entities(doc)] == [
        ("Large Language Models", "METHOD", "method/large-language-model"),
        ("LLMs", "METHOD", "method/large-language-model"),
        ("LLMs", "METHOD", "method/large-language-model"),
    ]


def test_head_words() -> None:
    assert label_by_head("Stanford Sentiment Treebank") == "DATASET"
    assert label_by_head("mean average precision") == "METRIC"
    assert label_by_head("optical character recognition") == "TASK"


def test_name_shapes_and_context(nlp: Language) -> None:
    text = "ShiftQuant and MT-DNN are evaluated on SciTail and the NewsQA-2 dataset, unlike COVID-19 or 3-D."
    doc = NamePatterns()(make_doc(nlp, text, "abstract"))
    assert ents(doc) == [("ShiftQuant", "METHOD"), ("MT-DNN", "METHOD"), ("SciTail", "DATASET"),
                         ("NewsQA-2", "DATASET")]
    assert {e.id_ for e in entities(doc)} == {"pattern"}


def test_named_dataset_before_head_word(nlp: Language) -> None:
    doc = NamePatterns()(make_doc(nlp, "Results on the Penn Treebank corpus improve.", "abstract"))
    assert ents(doc) == [("Penn Treebank", "DATASET")]


def test_name_after_cue(nlp: Language) -> None:
    doc = NamePatterns()(make_doc(nlp, "We propose a method called Sparrow that learns fast.", "abstract"))
    assert ents(doc) == [("Sparrow", "METHOD")]


def test_title_prefix_names_a_method(nlp: Language) -> None:
    doc = make_doc(nlp, "Trans-Encoder: Unsupervised sentence-pair modelling", "title")
    span = title_name(doc)
    assert span is not None and span.text == "Trans-Encoder"
    assert title_name(make_doc(nlp, "Linguistic Collapse: Neural Collapse in Language Models", "title")) is None


def test_merge_prefers_existing_unless_override(nlp: Language) -> None:
    doc = make_doc(nlp, "deep neural network models", "abstract")
    merge_entities(doc, [make_span(doc, 1, 3, "METHOD", "kb")])
    merge_entities(doc, [make_span(doc, 0, 3, "METHOD", "pattern")])
    assert ents(doc) == [("neural network", "METHOD")]
    merge_entities(doc, [make_span(doc, 0, 3, "METHOD", "abbrev")], override=True)
    assert ents(doc) == [("deep neural network", "METHOD")]


SHORT_ISH = st.lists(st.sampled_from(["LLM", "LLMs", "A", "s", "-", "_", "x", " ", "(", "1", "é", "C++", "a.b", "."]),
                     max_size=12).map("".join)


@given(st.sampled_from(["LLM", "A", "C++", "a.b", "X-Y"]), SHORT_ISH)
def test_short_form_pattern_agrees_with_a_leading_lookbehind(short: str, text: str) -> None:
    original = re.compile(r"(?<![\w-])" + re.escape(short) + r"s?(?![\w-])")
    assert [m.span() for m in short_form_pattern(short).finditer(text)] == [m.span() for m in original.finditer(text)]


@given(st.text(max_size=40))
def test_fold_is_the_translation_table(text: str) -> None:
    assert fold(text) == text.translate(textfold._TABLE)


def test_lexeme_flag_uses_a_free_bit_once() -> None:
    nlp = spacy.blank("en")
    spacy_flags = set(nlp.vocab.lex_attr_getters)
    flag = lexeme_flag(nlp.vocab)
    assert flag >= FLAG19 and flag not in spacy_flags
    assert lexeme_flag(nlp.vocab) == flag
    doc = nlp("MT-DNN and ShiftQuant, we propose a dataset")
    marked = [t.text for t, on in zip(doc, doc.to_array([flag]).tolist(), strict=True) if on]
    assert marked == ["-", "ShiftQuant", "propose", "dataset"]


def test_components_give_the_same_docs_in_batches(nlp: Language, matcher: KnownEntityMatcher) -> None:
    texts = ["Large Language Models (LLMs) beat BERT.", "We propose ShiftQuant on CIFAR10.", "", "GLUE (G) and MT-DNN"]
    components = (matcher, AbbreviationTagger(), NamePatterns())
    one_by_one = [make_doc(nlp, t, "abstract") for t in texts]
    for component in components:
        one_by_one = [component(doc) for doc in one_by_one]
    batched = iter([make_doc(nlp, t, "abstract") for t in texts])
    for component in components:
        batched = component.pipe(batched, batch_size=3)
    assert [ents(d) for d in batched] == [ents(d) for d in one_by_one]


def test_cue_ends_agree_with_the_case_insensitive_pattern() -> None:
    for sentence in ["We propose X.", "In this paper, we PROPOSE X", "a model termed Y", "We present",
                     "ſo we propoſe Z", "this work simply introduces W", "Nothing here.", "we   build and design"]:
        assert _cue_ends(sentence) == [m.end() for m in _CUE.finditer(sentence)]
    # every word of the cue pattern contains one of the words the cheap test looks for
    for word in re.findall(r"[a-z][a-z ]+[a-z]", _CUE.pattern.split(r"(?:\w+\s+){0,2}?")[1]):
        assert any(cue in word for cue in _CUE_WORDS), word


@pytest.mark.slow
def test_a_doc_leaving_the_pipeline_has_its_entities_in_doc_ents() -> None:
    from kg.extract import build_nlp

    for pipeline in ("fast", "default"):
        doc = build_nlp(pipeline)("We fine-tune BERT on SQuAD and reach 91.2 F1 with Large Language Models (LLMs).")
        assert [(e.text, e.label_) for e in doc.ents] == ents(doc)
        assert ("BERT", "METHOD") in ents(doc) and ("SQuAD", "DATASET") in ents(doc)


@pytest.mark.slow
def test_pipelines_by_name() -> None:
    from kg.errors import OptionError
    from kg.extract import PIPELINES, build_nlp

    assert set(PIPELINES) == {"default", "fast"}
    assert build_nlp("fast").pipe_names == list(PIPELINES["fast"])
    with pytest.raises(OptionError, match="unknown pipeline 'quick'; use default, fast"):
        build_nlp("quick")
