"""Linking: mentions of the same method, dataset, metric or task in any paper become one entity.

The public API of the linking stage. Its modules:

- `normalise`: the matching key of a surface form, the slug of an entity id, digit signatures;
- `kb_index`: the knowledge base of known entities (an index of normalised names and aliases);
- `cluster`: union-find and the blocked, vectorised fuzzy pairing of keys;
- `linker`: `link()`, which turns mentions in many papers into entities;
- `evaluate`: pairwise precision and recall of a linking against gold clusters.

>>> from kg.linking import KnowledgeBase, KBEntry, link, normalise
>>> normalise("the CIFAR-10 dataset")
'cifar10'
"""

from __future__ import annotations

from kg.knowledge_base import KBEntry
from kg.linking.cluster import UnionFind, fuzzy_pairs
from kg.linking.evaluate import linking_pairwise
from kg.linking.kb_index import KnowledgeBase, load_kb
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
