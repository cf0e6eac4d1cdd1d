"""Clustering keys: a union-find that keeps known entities apart, and blocked fuzzy pairing.

Fuzzy pairing never compares all pairs. Keys are put into blocks that share a group (the label)
and their first three characters, and again into blocks that share their last three characters,
so one typo anywhere but at both ends is still found. A block larger than a bound is split by a
longer prefix (suffix), so the work per key is bounded however skewed the names are. Inside a
block, keys are sorted by length and compared with `rapidfuzz.process.cdist` (vectorised) only
against keys whose length still allows the threshold, in row chunks that bound the memory.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from functools import cache

import numpy as np
from rapidfuzz import fuzz, process

from kg.linking.normalise import digit_signature

_AFFIX = 3  # blocks start as keys sharing their first (or last) three characters
_MAX_BLOCK = 128  # larger blocks are split by a longer prefix (suffix) ...
_MAX_AFFIX = 16  # ... up to this many characters
_CHUNK = 1024  # rows of one cdist call: 1024 x block size scores at most in memory
_SMALL = 8  # blocks up to this size are scored pair by pair
_THREADED = 256  # blocks at least this large use every core


class UnionFind:
    """Disjoint sets over 0..n-1; a set may carry one anchor (a KB id) and two anchors never merge.

    >>> uf = UnionFind()
    >>> a, b, c = uf.add("dataset/cifar-10"), uf.add(), uf.add("dataset/cifar-100")
    >>> uf.union(a, b), uf.union(b, c), uf.find(b) == uf.find(a), uf.anchor(b)
    (True, False, True, 'dataset/cifar-10')
    """

    def __init__(self) -> None:
        self._parent: list[int] = []
        self._size: list[int] = []
        self._anchor: list[str | None] = []

    def __len__(self) -> int:
        return len(self._parent)

    def add(self, anchor: str | None = None) -> int:
        """A new singleton set; returns its element."""
        self._parent.append(len(self._parent))
        self._size.append(1)
        self._anchor.append(anchor)
        return len(self._parent) - 1

    def find(self, x: int) -> int:
        """The representative of x's set (path halving)."""
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def anchor(self, x: int) -> str | None:
        """The anchor of x's set, if any."""
        return self._anchor[self.find(x)]

    def union(self, x: int, y: int) -> bool:
        """Merge the sets of x and y unless they carry different anchors; True when they are one set."""
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return True
        ax, ay = self._anchor[rx], self._anchor[ry]
        if ax is not None and ay is not None and ax != ay:
            return False
        if self._size[rx] < self._size[ry]:
            rx, ry = ry, rx
        self._parent[ry] = rx
        self._size[rx] += self._size[ry]
        self._anchor[rx] = ax if ax is not None else ay
        return True


@cache
def min_fuzzy_length(threshold: float) -> int:
    """Keys shorter than this match nothing but themselves at `threshold` (one insertion costs too much).

    With the Indel ratio 200·m/(a+b), a key of length a against any longer one scores at most
    200a/(2a+1), so a key needs a >= t/(2(100-t)).

    >>> min_fuzzy_length(92.0), min_fuzzy_length(80.0)
    (6, 2)
    """
    if threshold >= 100:
        return 1 << 30
    return max(1, math.ceil(threshold / (2 * (100 - threshold)) - 1e-9))


def fuzzy_pairs(keys: Sequence[str], groups: Sequence[str], threshold: float) -> list[tuple[float, int, int]]:
    """Pairs (score, i, j), i < j, of keys in the same group whose `fuzz.ratio` is >= threshold.

    Pairs whose digit sequences differ are left out ("cifar10"/"cifar100", "gpt3"/"gpt4"), and so are
    pairs where one key only extends the other at one end by two or more characters. The
    result is sorted by score (best first), then by indices, so a caller that merges in this order
    does the same thing on every run.

    >>> fuzzy_pairs(["transencoder", "transencodr", "cifar10", "cifar100"], ["M", "M", "D", "D"], 90)
    ... # doctest: +ELLIPSIS
    [(95.65..., 0, 1)]
    """
    blocks: defaultdict[tuple[str, int, str], list[int]] = defaultdict(list)
    shortest = min_fuzzy_length(threshold)
    for i, (key, group) in enumerate(zip(keys, groups, strict=True)):
        if len(key) >= shortest:
            blocks[(group, 0, key[:_AFFIX])].append(i)
            blocks[(group, 1, key[-_AFFIX:])].append(i)
    found: dict[tuple[int, int], float] = {}
    signatures: dict[int, tuple[str, ...]] = {}
    small = (part for (_, end, _), block in blocks.items() for part in _refine(block, keys, end, _AFFIX))
    for members in small:
        if len(members) < 2:
            continue
        for i, j, score in _block_pairs(members, keys, threshold):
            a, b = (i, j) if i < j else (j, i)
            if (a, b) in found:
                continue
            if a not in signatures:
                signatures[a] = digit_signature(keys[a])
            if b not in signatures:
                signatures[b] = digit_signature(keys[b])
            if signatures[a] == signatures[b] and not _extends(keys[a], keys[b]):
                found[(a, b)] = score
    return sorted(((s, a, b) for (a, b), s in found.items()), key=lambda t: (-t[0], t[1], t[2]))


def _refine(members: list[int], keys: Sequence[str], end: int, length: int) -> Iterator[list[int]]:
    """Split a block that is too large by a longer prefix (end 0) or suffix (end 1), recursively.

    This bounds the work per key (so linking stays linear on skewed names: thousands of keys
    starting "multi..."). A pair is lost only when its differences sit near both ends of the key.
    """
    if len(members) <= _MAX_BLOCK or length >= _MAX_AFFIX:
        yield members
        return
    length += 1
    parts: defaultdict[str, list[int]] = defaultdict(list)
    for i in members:
        parts[keys[i][:length] if end == 0 else keys[i][-length:]].append(i)
    for part in parts.values():
        yield from _refine(part, keys, end, length)


def _extends(a: str, b: str) -> bool:
    """Whether one key is the other plus at least two characters at one end: a modifier, not a typo.

    "fastmultipersonposeestimation" scores 92.6 against "multipersonposeestimation" but names a
    particular method of that task; "transformerxl" is not "transformer".

    >>> _extends("multipersonposeestimation", "fastmultipersonposeestimation"), _extends("abcd", "abce")
    (True, False)
    """
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(long) - len(short) >= 2 and (long.startswith(short) or long.endswith(short))


def _block_pairs(members: list[int], keys: Sequence[str], threshold: float) -> list[tuple[int, int, float]]:
    """All pairs of one block at or above the threshold, comparing only length-compatible keys."""
    if len(members) <= _SMALL:  # most blocks: calling cdist costs more than a few direct ratios
        out_small = []
        for n, i in enumerate(members):
            for j in members[n + 1:]:
                score = fuzz.ratio(keys[i], keys[j], score_cutoff=threshold)
                if score >= threshold:
                    out_small.append((i, j, score))
        return out_small
    members = sorted(members, key=lambda i: (len(keys[i]), keys[i]))
    strings = [keys[i] for i in members]
    lengths = np.fromiter((len(s) for s in strings), dtype=np.int64, count=len(strings))
    # a shorter key of length a can reach the threshold only against keys of length <= a(200-t)/t
    stretch = (200.0 - threshold) / threshold if threshold > 0 else math.inf
    workers = -1 if len(strings) >= _THREADED else 1
    out: list[tuple[int, int, float]] = []
    for start in range(0, len(strings), _CHUNK):
        stop = min(start + _CHUNK, len(strings))
        longest = int(lengths[stop - 1])
        limit = len(strings) if math.isinf(stretch) else int(np.searchsorted(
            lengths, math.floor(longest * stretch + 1e-9), side="right"))
        scores = process.cdist(strings[start:stop], strings[start:limit], scorer=fuzz.ratio,
                               score_cutoff=threshold, workers=workers)
        rows, cols = np.nonzero(scores >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if c > r:  # the block is compared with itself from `start`: keep each pair once
                out.append((members[start + r], members[start + c], float(scores[r, c])))
    return out
