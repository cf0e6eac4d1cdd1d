"""Pairwise precision and recall of a linking: "are these two mentions the same entity?".

Counting pairs one by one is quadratic; instead each count comes from cluster sizes. With n_ij the
number of mentions in predicted cluster i and gold cluster j, a_i and b_j the cluster sizes:
true-positive pairs = Σ C(n_ij, 2), predicted pairs = Σ C(a_i, 2), gold pairs = Σ C(b_j, 2).
The same sums over (paper, cluster) cells give the pairs inside one paper; the rest are across papers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

MentionKey = tuple[str, str, int, int]  # (paper_id, field, start, end)


def _pairs(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _scores(tp: int, predicted: int, gold: int) -> dict[str, Any]:
    precision, recall = _ratio(tp, predicted), _ratio(tp, gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "predicted": predicted, "gold": gold,
            "precision": precision, "recall": recall, "f1": f1}


def linking_pairwise(predicted: Sequence[tuple[MentionKey, str]],
                     gold: Sequence[tuple[MentionKey, Hashable]]) -> dict[str, Any]:
    """Pairwise precision, recall and F1 of a linking, within papers, across papers and overall.

    `predicted` pairs each mention key (paper_id, field, start, end) with its entity id, `gold`
    with its gold canonical name; only mentions present in both are scored (a key given twice
    keeps its last value). A ratio with nothing to count (no predicted or no gold pairs) is 1.0.

    >>> a1, a2, b1 = ("a", "abstract", 0, 4), ("a", "abstract", 9, 12), ("b", "title", 0, 4)
    >>> r = linking_pairwise([(a1, "E1"), (a2, "E1"), (b1, "E1")], [(a1, "BERT"), (a2, "LSTM"), (b1, "BERT")])
    >>> r["mentions"], r["within"]["tp"], r["within"]["predicted"], r["across"]["tp"]
    (3, 0, 1, 1)
    >>> r["all"]["precision"], r["all"]["recall"]
    (0.3333333333333333, 1.0)
    """
    pred = dict(predicted)
    truth = dict(gold)
    common = [key for key in pred if key in truth]
    cells = Counter((pred[k], truth[k]) for k in common)
    paper_cells = Counter((k[0], pred[k], truth[k]) for k in common)
    tp = _pairs(cells.values())
    tp_within = _pairs(paper_cells.values())
    n_pred = _pairs(Counter(pred[k] for k in common).values())
    n_pred_within = _pairs(Counter((k[0], pred[k]) for k in common).values())
    n_gold = _pairs(Counter(truth[k] for k in common).values())
    n_gold_within = _pairs(Counter((k[0], truth[k]) for k in common).values())
    return {
        "mentions": len(common),
        "predicted_only": len(pred) - len(common),
        "gold_only": len(truth) - len(common),
        "within": _scores(tp_within, n_pred_within, n_gold_within),
        "across": _scores(tp - tp_within, n_pred - n_pred_within, n_gold - n_gold_within),
        "all": _scores(tp, n_pred, n_gold),
    }
