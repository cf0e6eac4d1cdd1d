"""The knowledge-base layer: known names of methods, datasets, metrics and tasks, matched as phrases.

Names are matched on the folded, lower-cased text by a PhraseMatcher (cheap: DESIGN.md measured an
EntityRuler with the same terms at half the throughput). Short names that carry capitals ("BERT",
"GLUE", "Adam", "SQuAD") are matched with their case, so that the words "glue" or "adam" are not
taken for them. Spelling variants (hyphen or space or nothing between parts, plurals) are added
automatically so that the knowledge base lists each name once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.extract.batching import in_batches
from kg.extract.heads import DATASET_HEADS
from kg.extract.spans import make_span, merge_entities
from kg.knowledge_base import KBEntry, read_kb

_CASED_PREFIX = "="
"""Prefix of the matcher keys of names matched with their case."""
_TYPE_ORDER = {"DATASET": 0, "METHOD": 1, "TASK": 2, "METRIC": 3}
_SPLIT_POINT = re.compile(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")


def is_case_sensitive(name: str) -> bool:
    """Whether a name is matched with its case: short names that carry a capital letter.

    >>> is_case_sensitive("GLUE"), is_case_sensitive("ImageNet"), is_case_sensitive("accuracy")
    (True, False, False)
    """
    return len(name) <= 5 and any(c.isupper() for c in name)


def name_variants(name: str) -> set[str]:
    """Spellings of a name that papers use interchangeably.

    >>> sorted(name_variants("CIFAR-10"))
    ['CIFAR 10', 'CIFAR-10', 'CIFAR10']
    >>> sorted(name_variants("large language model"))
    ['large language model', 'large language models', 'large-language model', 'large-language models']
    >>> sorted(name_variants("LLM"))
    ['LLM', 'LLMs']
    """
    name = " ".join(name.split())
    out = {name}
    if "-" in name:
        out.add(name.replace("-", " "))
        out.add(name.replace("-", ""))
    words = name.split(" ")
    if 1 < len(words) <= 3 and "-" not in name:
        out.add("-".join(words[:2]) + (" " + " ".join(words[2:]) if len(words) > 2 else ""))
    if "-" not in name and " " not in name and _SPLIT_POINT.search(name) and len(name) > 3:
        out.add(_SPLIT_POINT.sub("-", name))
    for variant in list(out):
        plural = _plural(variant)
        if plural:
            out.add(plural)
    return {v for v in out if v.strip()}


def _plural(name: str) -> str | None:
    last = name.split(" ")[-1]
    if not last or not last[-1].isalpha():
        return None
    if last.isupper() and len(last) >= 2:
        return name + "s"
    if last.islower() and " " in name and not last.endswith(("s", "x", "y", "ing", "ion")):
        return name + "s"
    return None


class KnownEntityMatcher:
    """Marks every knowledge-base name in a Doc as an entity with its type and id."""

    def __init__(self, nlp: Language, entries: Iterable[KBEntry]) -> None:
        self.by_id: dict[str, KBEntry] = {}
        # Each entry by its match id (the id of its name in the StringStore), with the ids of its
        # label and name: a Span built from ids skips the StringStore lookups of one built from strings.
        strings = nlp.vocab.strings
        self.by_key: dict[int, tuple[KBEntry, int, int]] = {}
        self.source = strings.add("kb")
        # One matcher over lower-cased words for every name: names matched with their case are added
        # under a key of their own, and a match of one counts only where the words are written as
        # in one of its variants. One pass instead of a second matcher over the exact words saved
        # a tenth of the rules-only pipeline.
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._cased: dict[int, frozenset[tuple[int, ...]]] = {}
        sensitive: dict[str, list[str]] = {}
        insensitive: dict[str, list[str]] = {}
        for entry in entries:
            self.by_id[entry.id] = entry
            self.by_key[strings.add(entry.id)] = (entry, strings.add(entry.type), strings.add(entry.id))
            for name in entry.forms:
                for variant in name_variants(name):
                    target = sensitive if is_case_sensitive(variant) else insensitive
                    target.setdefault(entry.id, []).append(variant)
        for kb_id, names in insensitive.items():
            self.matcher.add(kb_id, [nlp.make_doc(n) for n in sorted(set(names))])
        for kb_id, names in sensitive.items():
            docs = [nlp.make_doc(n) for n in sorted(set(names))]
            key = strings.add(_CASED_PREFIX + kb_id)
            self.by_key[key] = self.by_key[strings.add(kb_id)]
            self._cased[key] = frozenset(tuple(t.orth for t in d) for d in docs)
            self.matcher.add(_CASED_PREFIX + kb_id, docs)

    def __call__(self, doc: Doc) -> Doc:
        merge_entities(doc, self._spans(doc), override=True)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """The component over `batch_size` Docs at a time (see `kg.extract.batching`)."""
        return in_batches(self, docs, batch_size)

    def _spans(self, doc: Doc) -> Iterator[Any]:
        best: dict[tuple[int, int], tuple[KBEntry, int, int]] = {}
        cased = self._cased
        orths: list[int] | None = None  # the words' ORTH ids, read once a cased name needs them
        for match_id, start, end in self.matcher(doc):
            written = cased.get(match_id)
            if written is not None:
                if orths is None:
                    orths = doc.to_array(ORTH).tolist()
                if tuple(orths[start:end]) not in written:
                    continue
            found = self.by_key[match_id]
            key = (start, end)
            if key not in best or self._prefer(doc, end, found[0], best[key][0]):
                best[key] = found
        for (start, end), (_, label, kb_id) in best.items():
            yield make_span(doc, start, end, label, self.source, kb_id)

    @staticmethod
    def _prefer(doc: Doc, end: int, new: KBEntry, old: KBEntry) -> bool:
        """Chooses between two entries sharing a name: the next word decides, else a fixed order."""
        if end < len(doc) and doc[end].lower_ in DATASET_HEADS:
            return new.type == "DATASET" and old.type != "DATASET"
        return _TYPE_ORDER[new.type] < _TYPE_ORDER[old.type]


@Language.factory("kg_known_entities", default_config={"kb_paths": None})
def make_known_entities(nlp: Language, name: str, kb_paths: list[str] | None) -> KnownEntityMatcher:
    """spaCy factory of `KnownEntityMatcher` over the knowledge-base files `kb_paths` (the packaged
    knowledge base when None)."""
    return KnownEntityMatcher(nlp, read_kb(kb_paths))
