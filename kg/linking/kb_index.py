"""The knowledge base of known entities: JSONL records, indexed by normalised name and alias.

As in scispaCy's linker the knowledge base is only an index; deciding what a mention means is
`kg.linking.linker`'s job. Records look like
``{"id": "dataset/cifar-10", "name": "CIFAR-10", "type": "DATASET", "aliases": ["CIFAR10"]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from rapidfuzz import fuzz, process

from kg.knowledge_base import KBEntry, read_kb
from kg.linking.normalise import KeyVariants, digit_signature, key_variants, normalise
from kg.types import LABELS, Label

_PACKAGE = "kg.ontology.entities"
# A source checkout keeps the data at ontology/entities next to kg/ (the wheel maps it into kg.ontology).
_SOURCE_TREE = Path(__file__).resolve().parents[2] / "ontology" / "entities"


# One hit in an index: the entry and whether the key came from its name (names beat aliases).
_Hit = tuple[KBEntry, bool]


class KnowledgeBase:
    """An index of known entities: normalised name/alias -> entries, and entries by id.

    Two indexes: *typed* keys are normalised with the entry's type (so "BLEU score" is "bleu" for a
    metric), *bare* keys without head stripping (so a mention typed wrongly still finds "ImageNet").

    >>> kb = KnowledgeBase([KBEntry("dataset/cifar-10", "CIFAR-10", "DATASET", ("CIFAR10",))])
    >>> kb.lookup("cifar 10 dataset", "DATASET").id, kb.lookup("CIFAR-100"), len(kb)
    ('dataset/cifar-10', None, 1)
    """

    def __init__(self, entries: Iterable[KBEntry] = ()) -> None:
        self._by_id: dict[str, KBEntry] = {}
        for entry in entries:
            seen = self._by_id.get(entry.id)
            if seen is None:
                self._by_id[entry.id] = entry
            else:  # the same id in two files: keep the first name and type, pool the aliases
                extra = tuple(a for a in entry.forms if a not in seen.forms)
                self._by_id[entry.id] = KBEntry(seen.id, seen.name, seen.type, seen.aliases + extra)
        self._typed: dict[Label, dict[str, list[_Hit]]] = {label: {} for label in LABELS}
        self._bare: dict[str, list[_Hit]] = {}
        for entry in sorted(self._by_id.values(), key=lambda e: e.id):
            for i, form in enumerate(entry.forms):
                _add(self._typed[entry.type], normalise(form, label=entry.type), entry, is_name=i == 0)
                _add(self._bare, key_variants(form).bare, entry, is_name=i == 0)
        self._choices: dict[Label, list[str]] = {label: sorted(keys) for label, keys in self._typed.items()}

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[KBEntry]:
        return iter(sorted(self._by_id.values(), key=lambda e: e.id))

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def get(self, entry_id: str) -> KBEntry | None:
        """The entry with this id, or None.

        >>> KnowledgeBase().get("method/bert") is None
        True
        """
        return self._by_id.get(entry_id)

    def typed_keys(self, label: Label) -> dict[str, KBEntry]:
        """Unambiguous typed keys of one type -> their entry (the targets of fuzzy matching).

        >>> sorted(KnowledgeBase([KBEntry("metric/bleu", "BLEU score", "METRIC")]).typed_keys("METRIC"))
        ['bleu']
        """
        return {key: hits[0][0] for key, hits in self._typed[label].items() if len(hits) == 1}

    def lookup(self, text: str | KeyVariants, label: Label | None = None) -> KBEntry | None:
        """The one entry `text` names exactly (after normalisation), or None if none or ambiguous.

        `text` may also be its `key_variants` (a caller that looks up many texts caches them).

        Tried in order, the first tier with a hit decides: the typed key for `label`; the bare key
        (same type first, then any type: the KB type wins over a mistyped mention); the typed key
        of another type whose head word the text carries ("CIFAR-10 dataset" tagged METHOD).
        Within a tier, several entries are resolved by preferring a name over an alias; if that
        leaves more than one, the text is ambiguous and None is returned.

        >>> kb = KnowledgeBase([KBEntry("method/bert", "BERT", "METHOD"),
        ...                     KBEntry("dataset/sst-2", "SST-2", "DATASET", ("SST",)),
        ...                     KBEntry("task/sst", "sea surface temperature", "TASK", ("SST",))])
        >>> kb.lookup("BERT model", "METHOD").id, kb.lookup("BERT", "DATASET").id
        ('method/bert', 'method/bert')
        >>> kb.lookup("SST", "DATASET").id, kb.lookup("SST") is None
        ('dataset/sst-2', True)
        """
        keys = key_variants(text) if isinstance(text, str) else text
        if label is not None:
            hits = self._typed[label].get(keys.typed(label))
            if hits:
                return _decide(hits)
        hits = self._bare.get(keys.bare)
        if hits:
            same = [h for h in hits if h[0].type == label]
            return _decide(same or hits)
        for other in LABELS:
            key = keys.typed(other)
            if other != label and key != keys.bare:  # the text carries a head word of `other`
                hits = self._typed[other].get(key)
                if hits:
                    return _decide(hits)
        return None

    def candidates(self, text: str, label: Label | None = None, limit: int = 5,
                   *, score_cutoff: float = 0.0) -> list[tuple[KBEntry, float]]:
        """The entries whose keys are nearest to `text`'s key, best first (rapidfuzz `ratio`, 0-100).

        Keys whose digits differ are never candidates ("CIFAR-100" is not a spelling of "CIFAR-10").

        >>> kb = KnowledgeBase([KBEntry("method/trans-encoder", "Trans-Encoder", "METHOD"),
        ...                     KBEntry("dataset/cifar-10", "CIFAR-10", "DATASET")])
        >>> [(e.id, round(s)) for e, s in kb.candidates("TransEncoders model", "METHOD")]
        [('method/trans-encoder', 100)]
        >>> kb.candidates("CIFAR-100", "DATASET")
        []
        """
        labels = LABELS if label is None else (label,)
        best: dict[str, tuple[KBEntry, float]] = {}
        for kind in labels:
            choices = self._choices[kind]
            if not choices:
                continue
            query = normalise(text, label=kind)
            digits = digit_signature(query)
            found = process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=score_cutoff,
                                    limit=max(limit * 4, 10))
            for key, score, _ in found:
                if digit_signature(key) != digits:
                    continue
                for entry, _is_name in self._typed[kind][key]:
                    if score > best.get(entry.id, (entry, -1.0))[1]:
                        best[entry.id] = (entry, float(score))
        return sorted(best.values(), key=lambda pair: (-pair[1], pair[0].id))[:limit]


def _add(index: dict[str, list[_Hit]], key: str, entry: KBEntry, *, is_name: bool) -> None:
    if key and not any(e.id == entry.id for e, _ in index.setdefault(key, [])):
        index[key].append((entry, is_name))


def _decide(hits: list[_Hit]) -> KBEntry | None:
    """The one entry of a tier's hits (a name beats aliases), or None when they stay ambiguous."""
    if len({e.id for e, _ in hits}) == 1:
        return hits[0][0]
    names = [e for e, is_name in hits if is_name]
    return names[0] if len(names) == 1 else None


def load_kb(paths: Iterable[Path | str] | None = None) -> KnowledgeBase:
    """Read knowledge-base JSONL files (a directory means its ``*.jsonl``, in name order).

    Without paths, the files shipped in the package (`kg.ontology.entities`, read with
    `importlib.resources`; in a source checkout `ontology/entities/`); if there are none, the
    knowledge base is empty. Blank lines are skipped; a bad record raises `InputError` naming
    the file and line.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "m.jsonl").write_text('{"id": "method/bert", "name": "BERT", "type": "METHOD"}\\n')
    >>> [e.id for e in load_kb([d])]
    ['method/bert']
    """
    return KnowledgeBase(list(read_kb(paths)))
