"""The claim finder: which numbers are results, their kind, and the metric/dataset/method they are about."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.extract import sentences as sentences_module
from kg.extract.claims import find_claims, vocabulary
from kg.extract.numbers import find_quantities
from kg.extract.sentences import split_sentences
from kg.types import Claim, Field, Label, Mention


def mentions(text: str, *items: tuple[str, Label], field: Field = "abstract") -> list[Mention]:
    """Mentions for the first whole-word occurrence of each surface form in `text`."""
    out = []
    for surface, label in items:
        m = re.search(rf"(?<![\w-]){re.escape(surface)}(?![\w-])", text)
        assert m is not None, surface
        out.append(Mention(field=field, start=m.start(), end=m.end(), text=surface, label=label))
    return out


def claims(text: str, *items: tuple[str, Label]) -> list[Claim]:
    return find_claims(text, "abstract", split_sentences(text), mentions(text, *items))


M: Label = "METHOD"
D: Label = "DATASET"
R: Label = "METRIC"

# (text, mentions, expected claims as dicts of the fields that matter, in order)
CASES: list[tuple[str, list[tuple[str, Label]], list[dict[str, Any]]]] = [
    (
        "ResNet-50 achieves 76.1% top-1 accuracy on ImageNet.",
        [("ResNet-50", M), ("top-1 accuracy", R), ("ImageNet", D)],
        [dict(text="76.1%", kind="score", value=76.1, unit="%", metric="top-1 accuracy",
              dataset="ImageNet", method="ResNet-50")],
    ),
    (
        "Our model reaches an accuracy of 92.3% on CIFAR-10.",
        [("accuracy", R), ("CIFAR-10", D)],
        [dict(kind="score", value=92.3, metric="accuracy", dataset="CIFAR-10", method=None)],
    ),
    (
        "Transformer-big obtains 41.2 BLEU on WMT14 En-De.",
        [("Transformer-big", M), ("BLEU", R), ("WMT14 En-De", D)],
        [dict(text="41.2", kind="score", unit=None, metric="BLEU", dataset="WMT14 En-De",
              method="Transformer-big")],
    ),
    (
        "LoRA-X improves over LoRA by 2.1 points in F1 on SQuAD.",
        [("LoRA-X", M), ("LoRA", M), ("F1", R), ("SQuAD", D)],
        [dict(text="2.1 points", kind="improvement", unit="points", metric="F1", dataset="SQuAD",
              method="LoRA-X")],
    ),
    (
        "Compared to GPT-3, our approach is 3.2× faster at inference.",
        [("GPT-3", M)],
        [dict(text="3.2×", kind="speedup", value=3.2, unit="x", metric=None, method=None)],
    ),
    (
        "FlashAttn speeds up training by 2-4x over the PyTorch baseline.",
        [("FlashAttn", M), ("PyTorch", M)],
        [dict(kind="speedup", value=2, high=4, unit="x", method="FlashAttn")],
    ),
    (
        "Pruning reduces memory usage by 40% with no loss in accuracy.",
        [("accuracy", R)],
        [dict(kind="reduction", value=40, unit="%", metric="memory usage")],
    ),
    (
        "Our method uses 40% fewer parameters than BERT.",
        [("BERT", M)],
        [dict(kind="reduction", value=40, metric="parameters", method=None)],
    ),
    (
        "The 7B model is trained on 2T tokens.",
        [],
        [dict(text="7B", kind="size", value=7e9, unit="params"),
         dict(text="2T tokens", kind="size", value=2e12, unit="tokens")],
    ),
    (
        "Our scheduler cuts the inference cost in half.",
        [],
        [dict(text="half", kind="reduction", value=0.5, unit=None)],
    ),
    (
        "Distilled students run twice as fast as their teachers.",
        [],
        [dict(text="twice", kind="speedup", value=2, unit="x")],
    ),
    (
        "On GSM8K, our model gains +3.4 accuracy points over Llama-2.",
        [("GSM8K", D), ("Llama-2", M)],
        [dict(text="+3.4", kind="improvement", value=3.4, metric="accuracy", dataset="GSM8K",
              method=None)],
    ),
    (
        "It achieves 85.1 F1 on SQuAD and 79.3 EM on Natural Questions.",
        [("F1", R), ("SQuAD", D), ("EM", R), ("Natural Questions", D)],
        [dict(value=85.1, kind="score", metric="F1", dataset="SQuAD"),
         dict(value=79.3, kind="score", metric="EM", dataset="Natural Questions")],
    ),
    (
        "Accuracy improves from 70.2% to 75.8% on MMLU.",
        [("Accuracy", R), ("MMLU", D)],
        [dict(value=70.2, kind="score", metric="Accuracy", dataset="MMLU"),
         dict(value=75.8, kind="score", metric="Accuracy", dataset="MMLU")],
    ),
    (
        "We report gains of 24.2% on GSM8K, 32.6% on MATH and 5.1% on HumanEval.",
        [("GSM8K", D), ("MATH", D), ("HumanEval", D)],
        [dict(value=24.2, kind="improvement", dataset="GSM8K"),
         dict(value=32.6, kind="improvement", dataset="MATH"),
         dict(value=5.1, kind="improvement", dataset="HumanEval")],
    ),
    (
        "Our approach scales to a 1.3B-parameter model.",
        [],
        [dict(text="1.3B-parameter", kind="size", value=1.3e9, unit="params")],
    ),
    (
        "Latency drops to 12 ms per query.",
        [],
        [dict(text="12 ms", kind="score", unit="ms", metric="Latency")],
    ),
    (
        "The error rate is reduced by 3.1% relative to the baseline.",
        [],
        [dict(kind="reduction", value=3.1, metric="error rate")],
    ),
    (
        "Our sparse model is 5.5x smaller and 1.7x faster than the dense model.",
        [],
        [dict(value=5.5, kind="reduction"), dict(value=1.7, kind="speedup")],
    ),
    (
        "It surpasses the prior state of the art by 1.2 BLEU.",
        [],
        [dict(text="1.2", kind="improvement", metric="BLEU")],
    ),
    (
        "With only 1K examples, SFT reaches strong alignment.",
        [],
        [dict(text="1K examples", kind="size", value=1000, unit="examples")],
    ),
    (
        "PN outperforms LN by 0.4 BLEU on IWSLT14.",
        [("PN", M), ("LN", M), ("BLEU", R), ("IWSLT14", D)],
        [dict(kind="improvement", value=0.4, metric="BLEU", dataset="IWSLT14", method="PN")],
    ),
    (
        "Our method achieves a 2.1% absolute improvement over strong baselines.",
        [],
        [dict(kind="improvement", value=2.1, unit="%")],
    ),
    (
        "It is between 3 and 5 points higher than ViT.",
        [("ViT", M)],
        [dict(kind="improvement", value=3, high=5, unit="points", method=None)],
    ),
    (
        "ViT-L scores 88.5% on ImageNet, beating DeiT and Swin by 1.1% and 0.9%.",
        [("ViT-L", M), ("ImageNet", D), ("DeiT", M), ("Swin", M)],
        [dict(value=88.5, kind="score", dataset="ImageNet", method="ViT-L"),
         dict(value=1.1, kind="improvement", method="ViT-L"),
         dict(value=0.9, kind="improvement", method="ViT-L")],
    ),
    (
        "Our 8-bit optimizer saves 75% of the optimizer memory.",
        [],
        [dict(value=75, kind="reduction", metric="memory")],
    ),
    (
        "It increases perplexity by 3 orders of magnitude.",
        [("perplexity", R)],
        [dict(value=1000, unit="x", kind="improvement", metric="perplexity")],
    ),
    (
        "We obtain an F1-score of 0.92 and an AUC of 0.95.",
        [("F1-score", R), ("AUC", R)],
        [dict(value=0.92, kind="score", metric="F1-score"), dict(value=0.95, kind="score", metric="AUC")],
    ),
]


@pytest.mark.parametrize(("text", "items", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_claims(text: str, items: list[tuple[str, Label]], expected: list[dict[str, Any]]) -> None:
    got = claims(text, *items)
    assert len(got) == len(expected), [(c.text, c.kind) for c in got]
    for claim, want in zip(got, expected, strict=True):
        for key, value in want.items():
            actual = getattr(claim, key)
            if isinstance(value, float | int) and not isinstance(value, bool) and actual is not None:
                assert actual == pytest.approx(value), (key, claim)
            else:
                assert actual == value, (key, claim)
        assert text[claim.start:claim.end] == claim.text
        assert claim.field == "abstract"


NON_CLAIMS: list[tuple[str, list[tuple[str, Label]]]] = [
    ("Since 2019, many works have studied this problem.", []),
    ("We evaluate on three datasets in 5 languages with 12 layers and two tasks.", []),
    ("GPT-4 and CIFAR-10 are discussed in Section 3 and Table 2.", [("GPT-4", M), ("CIFAR-10", D)]),
    ("As shown in prior work [12], see Eq. 4 and Figure 3.", []),
    ("We train with 4-bit weights and 5-shot prompts on 8 GPUs.", []),
    ("We use 5-fold cross-validation on 224×224 images.", []),
    ("Mistral 7B outperforms Llama 2 13B on all benchmarks.", [("Mistral 7B", M), ("Llama 2 13B", M)]),
    ("Mistral 7B outperforms Llama 2 13B on all benchmarks.", []),
    ("Compared to previous releases, Qwen 2.5 has been significantly improved.", []),
    ("The vocabulary is extended by thousands of entries.", []),
    ("We report the top 5 predictions and the results of (1) and (2).", []),
    ("We average over 5 ± 2 seeds.", []),
]


@pytest.mark.parametrize(("text", "items"), NON_CLAIMS, ids=[c[0][:40] for c in NON_CLAIMS])
def test_not_claims(text: str, items: list[tuple[str, Label]]) -> None:
    assert claims(text, *items) == []


def test_error_bar_is_not_a_claim_but_its_mean_is() -> None:
    got = claims("Accuracy is 92.3 ± 0.4 on CIFAR-10.", ("Accuracy", R), ("CIFAR-10", D))
    assert [(c.text, c.kind, c.metric, c.dataset) for c in got] == [("92.3", "score", "Accuracy", "CIFAR-10")]


def test_no_reaching_into_other_sentences() -> None:
    text = "Model A reaches 90.1% accuracy. On CIFAR-100 the accuracy of BiT is 70.2%."
    got = claims(text, ("CIFAR-100", D), ("BiT", M))
    assert [(c.value, c.dataset, c.method) for c in got] == [(90.1, None, None), (70.2, "CIFAR-100", "BiT")]
    first, second = got
    assert first.sentence == (0, text.index(" On"))
    assert second.sentence == (text.index("On"), len(text))
    assert first.metric == second.metric == "accuracy"


def test_empty_sentences_means_one_sentence() -> None:
    text = "It gets 90.1% accuracy. It is 2x faster."
    got = find_claims(text, "abstract", [], [])
    assert [c.sentence for c in got] == [(0, len(text)), (0, len(text))]


def test_mentions_of_other_fields_are_ignored() -> None:
    text = "BERT reaches 80.5% accuracy."
    title_mentions = mentions(text, ("BERT", M), field="title")
    (claim,) = find_claims(text, "abstract", [], title_mentions)
    assert claim.method is None
    (claim,) = find_claims(text, "title", [], title_mentions)
    assert (claim.method, claim.field) == ("BERT", "title")


def test_mention_overlap_drops_number() -> None:
    text = "We train on ImageNet-21k with a 92% accuracy."
    got = claims(text, ("ImageNet-21k", D))
    assert [c.text for c in got] == ["92%"]
    assert got[0].dataset == "ImageNet-21k"


def test_claims_are_sorted_and_json_round_trips() -> None:
    text = "X is 3x faster, uses 50% less memory and reaches 81.2% accuracy on MNLI."
    got = claims(text, ("MNLI", D))
    assert [c.start for c in got] == sorted(c.start for c in got)
    assert [c.kind for c in got] == ["speedup", "reduction", "score"]
    for c in got:
        assert Claim.from_json(c.to_json()) == c


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("We use BERT, e.g. for QA. It works.", ["We use BERT, e.g. for QA.", "It works."]),
        ("As in Smith et al. (2020), we train. Then we test.",
         ["As in Smith et al. (2020), we train.", "Then we test."]),
        ("It gets 3.5 points, i.e. a gain. Next one!", ["It gets 3.5 points, i.e. a gain.", "Next one!"]),
        ("A vs. B is shown in Fig. 3. Done?  Yes.", ["A vs. B is shown in Fig. 3.", "Done?", "Yes."]),
        ("First line\nSecond line.", ["First line", "Second line."]),
        ("  Padded.   ", ["Padded."]),
        ("", []),
        ("Results (see Eq. 2) hold. J. Smith agrees.", ["Results (see Eq. 2) hold.", "J. Smith agrees."]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text)] == sentences


@pytest.mark.slow
@given(st.text(max_size=300))
def test_split_sentences_covers_text(text: str) -> None:
    spans = split_sentences(text)
    covered: set[int] = set()
    last_end = 0
    for s, e in spans:
        assert last_end <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        covered.update(range(s, e))
        last_end = e
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


@given(st.text(alphabet="0123456789.,%x× -+abcdefonbyto[]()ACDMB", max_size=120))
def test_find_claims_never_raises(text: str) -> None:
    got = find_claims(text, "abstract", split_sentences(text), [])
    for c in got:
        assert text[c.start:c.end] == c.text
        assert c.sentence is not None and c.sentence[0] <= c.start < c.end <= c.sentence[1]


@pytest.mark.slow
def test_long_text_completes() -> None:
    sentence = (
        "On CIFAR-10 our 7B model reaches 92.3% accuracy, 2.1 points over GPT-4, and is 3x faster "
        "with 40% fewer parameters since 2019 [12]. "
    )
    text = sentence * 6000  # about 100,000 words
    got = find_claims(text, "abstract", split_sentences(text), [])
    assert len(got) >= 6000 * 4


# Faster forms of the same patterns must find the same things.
SENTENCE_ISH = st.lists(
    st.sampled_from(["a", "B", "e.g", "al", "3", ".", "!", "?", "..", '"', "'", ")", "]", " ", "  ", "\t", "\n",
                     "\u00a0", "(", "x", "Fig", "5"]),
    max_size=30,
).map("".join)


@given(SENTENCE_ISH)
def test_sentence_end_patterns_agree(text: str) -> None:
    original = re.compile(r"[.!?]+[\"'”’)\]]*[ \t\u00a0]+(?=\S)|[ \t]*\n\s*")
    expected = [m.span() for m in original.finditer(text)]
    assert [m.span() for m in sentences_module._SENT_END.finditer(text)] == expected
    if "\n" not in text:
        assert [m.span() for m in sentences_module._SENT_END_INLINE.finditer(text)] == expected


METRIC_ISH = st.lists(
    st.sampled_from(["BLEU", "bleu", "F1", "f1-score", "Accuracy", "top-1 accuracy", "Top-5  Accuracy", "mAP",
                     "MAP", "error rate", "memory usage", "ROUGE-L", "rouge-2", "pass@1", "-", " ", ",", "x",
                     "é", "ſ", "K", "speed", "costs"]),
    max_size=12,
).map("".join)


@given(METRIC_ISH, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=80))
def test_metric_word_spans_agree_with_the_pattern(text: str, pos: int, endpos: int) -> None:
    expected = [m.span() for m in vocabulary._BUILTIN_METRIC.finditer(text, pos, endpos)]
    assert list(vocabulary._metric_word_spans(text, pos, endpos)) == expected


def test_quantities_can_be_passed_in() -> None:
    text = "ResNet-50 reaches 76.1% accuracy on ImageNet."
    ms = mentions(text, ("ResNet-50", M), ("accuracy", R), ("ImageNet", D))
    given_q = find_claims(text, "abstract", [], ms, quantities=find_quantities(text))
    assert given_q == find_claims(text, "abstract", [], ms)
    assert find_claims(text, "abstract", [], ms, quantities=[]) == []


def test_a_mention_written_as_a_definition_names_the_claim_by_its_short_form() -> None:
    text = "Our recognizer lowers the word error rate (WER) to 3.4% on the Wall Street Journal corpus (WSJ)."
    (claim,) = claims(text, ("word error rate (WER)", R), ("Wall Street Journal corpus (WSJ)", D))
    assert (claim.text, claim.metric, claim.dataset) == ("3.4%", "WER", "WSJ")
    # the claim still reaches the mentions' entities in the graph
    from kg.graph import build_graph
    from kg.schema import CLAIM_DATASET, CLAIM_METRIC
    from kg.types import Entity, Extraction, Linked, Paper

    found = mentions(text, ("word error rate (WER)", R), ("Wall Street Journal corpus (WSJ)", D))
    linked_mentions = tuple(m.with_entity(f"e{i}") for i, m in enumerate(found))
    entities = (Entity("e0", "METRIC", "word error rate", paper_count=1), Entity("e1", "DATASET", "WSJ", paper_count=1))
    extraction = Extraction("p", mentions=linked_mentions, claims=(claim,))
    graph = build_graph([Paper(id="p", title="", abstract=text)], Linked(entities, (extraction,)))
    edges = {(v, k) for _, v, k in graph.edges(keys=True) if k in (CLAIM_METRIC, CLAIM_DATASET)}
    assert edges == {("e0", CLAIM_METRIC), ("e1", CLAIM_DATASET)}
    # with the indices, and as an old record without them, the graph links the same entities
    assert (claim.metric_mention, claim.dataset_mention) == (0, 1)
    old = Claim.from_json({k: v for k, v in claim.to_json().items() if not k.endswith("_mention")})
    assert old.metric_mention is None
    old_graph = build_graph([Paper(id="p", title="", abstract=text)],
                            Linked(entities, (Extraction("p", mentions=linked_mentions, claims=(old,)),)))
    assert {(v, k) for _, v, k in old_graph.edges(keys=True) if k in (CLAIM_METRIC, CLAIM_DATASET)} == edges


@pytest.mark.slow
def test_claims_refer_to_their_mentions_by_index() -> None:
    from kg.extract import build_nlp, extract_papers
    from kg.types import Paper

    text = "BERT reaches 91.2 F1 on SQuAD. Our method cuts memory by 40% over BERT on SQuAD."
    (ex,) = extract_papers([Paper(id="p", title="SQuAD with BERT", abstract=text)], build_nlp(pipeline="fast"))
    first, second = ex.claims
    assert [ex.mentions[i].text for i in (first.metric_mention, first.dataset_mention, first.method_mention)
            if i is not None] == ["F1", "SQuAD", "BERT"]
    assert ex.mentions[first.method_mention].field == "abstract"  # not the title's BERT
    assert ex.mentions[first.method_mention].start == 0
    # "memory" is a built-in metric word, no mention: no index; the baseline BERT is not the method
    assert (second.metric, second.metric_mention, second.method) == ("memory", None, None)
    assert "metric_mention" not in second.to_json() and second.to_json()["dataset_mention"] == second.dataset_mention
    assert Claim.from_json(second.to_json()) == second
