"""What kg's training reads from gold files: the fields, the labels a gold set annotates, the folds."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kg.types import LABELS

FIELDS = ("title", "abstract")


def gold_labels(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """The labels a gold set annotates at least once.

    >>> sorted(gold_labels([{"entities": [{"label": "TASK"}, {"label": "METRIC"}]}]))
    ['METRIC', 'TASK']
    """
    return {str(e["label"]) for r in records for e in r["entities"] if e.get("label") in LABELS}


def assign_folds(ids: Sequence[str], k: int, seed: int) -> dict[str, int]:
    """Balanced folds: ids ordered by their seeded hash, then dealt round-robin into k folds.

    >>> folds = assign_folds([f"s{i}" for i in range(10)], 5, 0)
    >>> sorted(list(folds.values()).count(f) for f in range(5))
    [2, 2, 2, 2, 2]
    """
    ordered = sorted(dict.fromkeys(ids), key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
    return {key: n % k for n, key in enumerate(ordered)}
