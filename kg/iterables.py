"""`batched`: an iterable cut into lists of a given size, the one batching helper of kg.

Python 3.12's `itertools.batched` does this (in tuples); kg still supports 3.11. Any stage may use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """The items in lists of `size` (the last one shorter), in order, reading only one list ahead.

    >>> list(batched(range(7), 3))
    [[0, 1, 2], [3, 4, 5], [6]]
    >>> list(batched([], 3))
    []
    """
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    remaining = iter(items)
    while batch := list(islice(remaining, size)):
        yield batch
