"""`link()`: mentions of the same thing in any paper become one entity with a stable id.

Rules, in order (each mention takes the first that applies):

1. Abbreviations. A short form defined in the mention's own paper ("Large Language Models (LLMs)")
   links where its long form links (the long form's KB entry, else the long form's cluster). A
   short form with no definition in its paper follows the definitions of other papers only when
   that is unambiguous: every defining paper agrees after normalisation and the KB does not say
   otherwise, or the KB has exactly one entry with that alias. Otherwise it joins the cluster keyed
   by the short form itself ("SST" defined two ways stays apart from both meanings).
2. The knowledge base: the mention's `kb_id` if the extractor set one the KB knows, else an exact
   match of the normalised text against KB names and aliases (`KnowledgeBase.lookup`).
3. Everything else is clustered by its normalised key across papers; then keys are merged with
   near-spellings and with KB keys of the same type by blocked `rapidfuzz` matching
   (`kg.linking.cluster.fuzzy_pairs`), never across different digits, through a union-find in
   which two KB entries never merge.

Entities are KB entries (id, name, type from the KB) or new ones: ``new/<label>/<slug>`` with the
slug of the canonical name (the most frequent full form, ties alphabetical), the label the majority
type of the mentions (ties in the order METHOD, DATASET, METRIC, TASK). Nothing depends on the order
of the input papers; the entity table is sorted by id.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from operator import itemgetter

from kg.errors import OptionError
from kg.linking.cluster import UnionFind, fuzzy_pairs
from kg.linking.kb_index import KnowledgeBase
from kg.linking.normalise import KeyVariants, key_variants, slug
from kg.types import LABELS, Entity, Extraction, Label, Linked, Mention

_UNKEYED = "\x00"  # prefix of the key of a text with no word in it: matched exactly, never fuzzily
_LABEL_ORDER = {label: i for i, label in enumerate(LABELS)}


class _Keys:
    """Memoised keys: each distinct text is normalised once, however often it occurs."""

    def __init__(self) -> None:
        self._variants: dict[str, KeyVariants] = {}

    def variants(self, text: str) -> KeyVariants:
        keys = self._variants.get(text)
        if keys is None:
            keys = self._variants[text] = key_variants(text)
        return keys

    def typed(self, text: str, label: Label) -> str:
        """`normalise(text, label=label)`, or for a text without words a key of its own."""
        return self.variants(text).typed(label) or _UNKEYED + " ".join(text.split()).casefold()

    def plain(self, text: str) -> str:
        return self.variants(text).plain


@dataclass
class _Graph:
    """Union-find elements for KB entries and for keys, created on first use."""

    uf: UnionFind = field(default_factory=UnionFind)
    kb: dict[str, int] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)

    def kb_node(self, entry_id: str) -> int:
        node = self.kb.get(entry_id)
        if node is None:
            node = self.kb[entry_id] = self.uf.add(entry_id)
        return node

    def key_node(self, key: str) -> int:
        node = self.keys.get(key)
        if node is None:
            node = self.keys[key] = self.uf.add()
        return node


@dataclass(frozen=True, slots=True)
class _Linked:
    """Where one mention went: its element, and the long form it was read as (for short forms)."""

    node: int
    short: bool = False
    long_form: str | None = None


class _Linker:
    def __init__(self, kb: KnowledgeBase, threshold: float) -> None:
        self.kb = kb
        self.threshold = threshold
        self.keys = _Keys()
        self.graph = _Graph()
        self._global: dict[tuple[str, Label], _Linked] = {}  # (text, label) of undefined short forms
        self._placed: dict[tuple[str, Label, str | None], _Linked] = {}  # (text, label, kb_id) -> where
        # short key -> {target: smallest long form}, over all papers that define the short form
        self.defined: defaultdict[str, dict[tuple[str, str], str]] = defaultdict(dict)

    # -- rule 1: abbreviations ------------------------------------------------------------------

    def definitions(self, extraction: Extraction) -> dict[str, str]:
        """This paper's short key -> long form (the first definition of a short form wins)."""
        defs: dict[str, str] = {}
        for abbreviation in extraction.abbreviations:
            short, long = self.keys.plain(abbreviation.short), " ".join(abbreviation.long.split())
            if short and long and short != self.keys.plain(long) and short not in defs:
                defs[short] = long
        if defs:
            # the labels this paper gives the short and long forms it defines
            wanted = set(defs) | {self.keys.plain(long) for long in defs.values()}
            hints: defaultdict[str, Counter[Label]] = defaultdict(Counter)
            for mention in extraction.mentions:
                key = self.keys.plain(mention.text)
                if key in wanted:
                    hints[key][mention.label] += 1
            for short, long in defs.items():
                votes = hints.get(short, Counter()) + hints.get(self.keys.plain(long), Counter())
                hint = _majority(votes) if votes else None
                entry = self.kb.lookup(self.keys.variants(long), hint)
                target = ("kb", entry.id) if entry else ("key", self.keys.plain(long))
                known = self.defined[short].get(target)
                if known is None or long < known:
                    self.defined[short][target] = long
        return defs

    def long_form(self, long: str, label: Label) -> _Linked:
        entry = self.kb.lookup(self.keys.variants(long), label)
        node = self.graph.kb_node(entry.id) if entry else self.graph.key_node(self.keys.typed(long, label))
        return _Linked(node, short=True, long_form=long)

    def undefined_short(self, short: str, text: str, label: Label) -> _Linked:
        """A short form its paper does not define, read through the other papers' definitions."""
        done = self._global.get((text, label))
        if done is not None:
            return done
        entry = self.kb.lookup(self.keys.variants(text), label)
        targets = self.defined[short]
        if len(targets) == 1:
            (target, long), = targets.items()
            if entry is None or target == ("kb", entry.id):
                done = self.long_form(long, label)
        if done is None and entry is not None:
            done = _Linked(self.graph.kb_node(entry.id), short=True)
        if done is None:
            done = _Linked(self.graph.key_node(short), short=True)
        self._global[(text, label)] = done
        return done

    # -- rules 1-3 for one mention --------------------------------------------------------------

    def place(self, mention: Mention, local: dict[str, str]) -> _Linked:
        if local:
            short = self.keys.plain(mention.text)
            if short in local:
                return self.long_form(local[short], mention.label)
        # past the paper's own definitions, where a mention goes depends on its text, label and KB id only
        what = (mention.text, mention.label, mention.kb_id)
        done = self._placed.get(what)
        if done is None:
            done = self._placed[what] = self.place_anywhere(*what)
        return done

    def place_anywhere(self, text: str, label: Label, kb_id: str | None) -> _Linked:
        """Rules 1 (definitions in other papers) to 3 for a mention its own paper does not define."""
        short = self.keys.plain(text) if self.defined else ""
        if short in self.defined:
            return self.undefined_short(short, text, label)
        if kb_id is not None and kb_id in self.kb:
            return _Linked(self.graph.kb_node(kb_id))
        entry = self.kb.lookup(self.keys.variants(text), label)
        if entry is not None:
            return _Linked(self.graph.kb_node(entry.id))
        return _Linked(self.graph.key_node(self.keys.typed(text, label)))

    # -- rule 3: near-spellings -----------------------------------------------------------------

    def merge_spellings(self, labels_of: dict[int, Counter[Label]]) -> None:
        keys = sorted(k for k in self.graph.keys if not k.startswith(_UNKEYED))
        groups: list[str] = [_majority(labels_of.get(self.graph.keys[k], Counter())) for k in keys]
        known: list[str] = []
        for label in LABELS:
            for key, entry in sorted(self.kb.typed_keys(label).items()):
                keys.append(key)
                groups.append(label)
                known.append(entry.id)
        first_known = len(keys) - len(known)
        for _score, i, j in fuzzy_pairs(keys, groups, self.threshold):
            if j < first_known:
                self.graph.uf.union(self.graph.keys[keys[i]], self.graph.keys[keys[j]])
            elif i < first_known:
                self.graph.uf.union(self.graph.keys[keys[i]], self.graph.kb_node(known[j - first_known]))


def link(extractions: Iterable[Extraction], kb: KnowledgeBase, *, fuzzy_threshold: float = 92.0) -> Linked:
    """Link every mention of every paper to an entity; returns the entity table and the extractions.

    Every mention gets `entity_id` (the extractions are otherwise unchanged and keep their order);
    every entity has a stable id, a label, a name, aliases, and paper and mention counts. See the
    module docstring for the rules. `fuzzy_threshold` is the `rapidfuzz.fuzz.ratio` (0-100) at
    which two normalised spellings are taken for one name (100: exact keys only); another value
    raises `OptionError`.

    >>> from kg.types import Abbreviation
    >>> def m(text, label="METHOD"):
    ...     return Mention("abstract", 0, len(text), text, label, source="test")
    >>> llms = Abbreviation("LLMs", "large language models", "abstract", 30, 0)
    >>> papers = [Extraction("p1", (m("Trans-Encoder"), m("LLMs"))),
    ...           Extraction("p2", (m("TransEncoder"), m("LLMs")), abbreviations=(llms,))]
    >>> linked = link(papers, KnowledgeBase())
    >>> for e in linked.entities:
    ...     print(e.id, e.name, e.paper_count, e.aliases)
    new/method/large-language-model large language models 2 ('LLMs',)
    new/method/trans-encoder Trans-Encoder 2 ('TransEncoder',)
    >>> [m.entity_id for m in linked.extractions[0].mentions]
    ['new/method/trans-encoder', 'new/method/large-language-model']
    """
    if not 0.0 <= fuzzy_threshold <= 100.0:
        raise OptionError(f"fuzzy_threshold is a rapidfuzz ratio from 0 to 100, not {fuzzy_threshold}; "
                          "use 100 to match exact keys only")
    papers = list(extractions)
    linker = _Linker(kb, fuzzy_threshold)
    local = [linker.definitions(extraction) for extraction in papers]
    placed = [[linker.place(mention, defs) for mention in extraction.mentions]
              for extraction, defs in zip(papers, local, strict=True)]

    labels_of: defaultdict[int, Counter[Label]] = defaultdict(Counter)
    votes = Counter((linked.node, mention.label) for extraction, where in zip(papers, placed, strict=True)
                    for mention, linked in zip(extraction.mentions, where, strict=True))
    for (node, label), count in votes.items():
        labels_of[node][label] = count
    linker.merge_spellings(labels_of)

    uf = linker.graph.uf
    members: defaultdict[int, list[tuple[str, Mention, _Linked]]] = defaultdict(list)
    for extraction, where in zip(papers, placed, strict=True):
        for mention, linked in zip(extraction.mentions, where, strict=True):
            members[uf.find(linked.node)].append((extraction.paper_id, mention, linked))
    key_of_node = {node: key for key, node in linker.graph.keys.items()}
    entity_of_root = _entities(members, kb, uf, key_of_node, linker.keys)

    entity_of_node = {node: entity_of_root[uf.find(node)].id for node in range(len(uf))
                      if uf.find(node) in entity_of_root}
    out = []
    for extraction, where in zip(papers, placed, strict=True):
        mentions = tuple([mention.with_entity(entity_of_node[linked.node])
                          for mention, linked in zip(extraction.mentions, where, strict=True)])
        out.append(replace(extraction, mentions=mentions))
    entities = sorted(entity_of_root.values(), key=lambda e: e.id)
    return Linked(entities=tuple(entities), extractions=tuple(out))


def _entities(members: dict[int, list[tuple[str, Mention, _Linked]]], kb: KnowledgeBase, uf: UnionFind,
              key_of_node: dict[int, str], keys: _Keys) -> dict[int, Entity]:
    """One entity per cluster root; new ids that would collide get a hash of their cluster's keys."""
    out: dict[int, Entity] = {}
    for root, cluster in members.items():
        anchor = uf.anchor(root)
        entry = kb.get(anchor) if anchor else None
        if len(cluster) == 1:  # most clusters: skip the counting
            mention, linked = cluster[0][1], cluster[0][2]
            text = " ".join(mention.text.split())
            canonical, label = linked.long_form or text, mention.label
            seen = {text, canonical}
        else:
            canonical, label, seen = _forms(cluster, keys)
        if entry is not None:
            label, name, ident = entry.type, entry.name, entry.id
            seen.update(entry.aliases)
        else:
            name = canonical
            ident = f"new/{label.lower()}/{slug(canonical, label=label)}"
        seen.discard(name)
        seen.discard("")
        out[root] = Entity(
            id=ident, label=label, name=name, aliases=tuple(sorted(seen)),
            paper_count=len(set(map(itemgetter(0), cluster))), mention_count=len(cluster),
            kb_id=entry.id if entry else None,
        )
    by_id: defaultdict[str, list[int]] = defaultdict(list)
    for root, entity in out.items():
        by_id[entity.id].append(root)
    clashes = {root for roots in by_id.values() if len(roots) > 1 for root in roots}
    if clashes:
        signature: dict[int, str] = {}  # the smallest key of each clashing cluster
        for node, key in key_of_node.items():
            root = uf.find(node)
            if root in clashes and (root not in signature or key < signature[root]):
                signature[root] = key
        for root in clashes:
            digest = hashlib.sha1(signature.get(root, out[root].id).encode("utf-8")).hexdigest()[:8]
            out[root] = replace(out[root], id=f"{out[root].id}-{digest}")
    return out


def _forms(cluster: list[tuple[str, Mention, _Linked]], keys: _Keys) -> tuple[str, Label, set[str]]:
    """The canonical form of a cluster, its majority label and every form seen.

    Candidates are the full forms (not short forms of an abbreviation), else the long forms that
    short forms were read as, else all forms. The most frequent normalised spelling wins (so
    "Multi-Person Pose Estimation" and "multi person pose estimation" count together), then its most
    frequent written form; ties go to the alphabetically first.
    """
    full: Counter[str] = Counter()
    long_forms: Counter[str] = Counter()
    every: Counter[str] = Counter()
    labels: Counter[Label] = Counter()
    # large clusters repeat a few spellings many times: count them first, look at each once
    spellings = Counter((mention.text, mention.label, linked.short, linked.long_form) for _, mention, linked in cluster)
    for (written_as, label, short, long_form), count in spellings.items():
        text = " ".join(written_as.split())
        every[text] += count
        labels[label] += count
        if not short:
            full[text] += count
        elif long_form:
            long_forms[long_form] += count
    seen = set(every) | set(long_forms)
    forms = full or long_forms or every
    by_key: defaultdict[str, int] = defaultdict(int)
    for text, count in forms.items():
        by_key[keys.plain(text)] += count
    best = min(by_key.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    written = [kv for kv in forms.items() if keys.plain(kv[0]) == best]
    canonical = min(written, key=lambda kv: (-kv[1], kv[0]))[0]
    return canonical, _majority(labels), seen


def _majority(votes: Counter[Label]) -> Label:
    """The most common label; ties go to the first in LABELS order (METHOD when there are no votes)."""
    if not votes:
        return LABELS[0]
    return min(votes.items(), key=lambda kv: (-kv[1], _LABEL_ORDER[kv[0]]))[0]
