"""Linking: mentions of the same method, dataset, metric or task in any paper become one entity.

The public API of the linking stage; the work is done in `kg.linking` (normalisation, the knowledge
base index, blocked fuzzy clustering, the linker and its pairwise evaluation).

>>> from kg.link import KnowledgeBase, KBEntry, link, normalise
>>> normalise("the CIFAR-10 dataset")
'cifar10'
"""

from __future__ import annotations

from kg.kb import KBEntry
from kg.linking.cluster import UnionFind, fuzzy_pairs
from kg.linking.evaluate import linking_pairwise
from kg.linking.kb import KnowledgeBase, load_kb
from kg.linking.linker import link
from kg.linking.normalise import bare_key, digit_signature, normalise, slug

__all__ = [
    "KBEntry",
    "KnowledgeBase",
    "UnionFind",
    "bare_key",
    "digit_signature",
    "fuzzy_pairs",
    "link",
    "linking_pairwise",
    "load_kb",
    "normalise",
    "slug",
]
