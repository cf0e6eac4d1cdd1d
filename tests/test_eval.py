"""Scoring extraction records against gold annotations."""

from __future__ import annotations

from kg.eval import evaluate, match_overlap, normalise_name

GOLD = [{
    "id": "g1", "title": "BERT for NER", "abstract": "We train BERT on CoNLL-2003 and reach 92.4 F1.",
    "entities": [
        {"field": "title", "start": 0, "end": 4, "text": "BERT", "label": "METHOD"},
        {"field": "title", "start": 9, "end": 12, "text": "NER", "label": "TASK"},
        {"field": "abstract", "start": 9, "end": 13, "text": "BERT", "label": "METHOD"},
        {"field": "abstract", "start": 17, "end": 27, "text": "CoNLL-2003", "label": "DATASET"},
        {"field": "abstract", "start": 43, "end": 45, "text": "F1", "label": "METRIC"},
    ],
    "claims": [{"field": "abstract", "start": 38, "end": 42, "text": "92.4", "value": 92.4, "unit": None,
                "kind": "score", "metric": "F1", "dataset": "CoNLL-2003", "method": "BERT"}],
}]


def test_exact_overlap_and_names_views() -> None:
    pred = {"g1": {"id": "g1", "entities": [
        {"field": "title", "start": 0, "end": 4, "label": "METHOD"},          # exact
        {"field": "abstract", "start": 17, "end": 22, "label": "DATASET"},    # overlap only ("CoNLL")
        {"field": "abstract", "start": 43, "end": 45, "label": "TASK"},       # wrong label
    ], "claims": [{"field": "abstract", "start": 38, "end": 42, "metric": "f1", "dataset": "CoNLL"}]}}
    report = evaluate(GOLD, pred)
    exact = report.entities["exact"]["micro"]
    overlap = report.entities["overlap"]["micro"]
    assert (exact.tp, exact.pred, exact.gold) == (1, 3, 5)
    assert (overlap.tp, overlap.pred, overlap.gold) == (2, 3, 5)
    names = report.entities["names"]
    assert (names["METHOD"].tp, names["METHOD"].gold) == (1, 1)  # "BERT" twice is one name
    assert report.claims is not None and report.claims.tp == 1
    assert report.metric_agreement == (1, 1)
    assert report.dataset_agreement == (0, 1)
    assert "claims   detect" in report.table()


def test_only_labels_the_gold_annotates_count() -> None:
    gold = [{"id": "t", "title": "", "abstract": "accuracy", "entities": [
        {"field": "abstract", "start": 0, "end": 8, "label": "METRIC"}]}]
    pred = {"t": {"entities": [{"field": "abstract", "start": 0, "end": 8, "label": "METHOD"}]}}
    report = evaluate(gold, pred)
    assert report.labels == ("METRIC",)
    assert report.entities["exact"]["micro"].pred == 0
    assert report.claims is None


def test_missing_prediction_counts_as_empty() -> None:
    report = evaluate(GOLD, {})
    assert report.entities["overlap"]["micro"].recall == 0.0
    assert report.entities["overlap"]["micro"].gold == 5


def test_overlap_matching_is_one_to_one() -> None:
    # One long prediction overlapping two gold spans counts once.
    assert match_overlap([("abstract", 0, 20)], [("abstract", 0, 5), ("abstract", 6, 20)]) == [(0, 1)]


def test_name_normalisation() -> None:
    assert normalise_name("Large Language Models") == normalise_name("large-language model")
    assert normalise_name("loss") == "loss"
