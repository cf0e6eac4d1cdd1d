"""kg's statistical tagger: a linear-chain CRF (CRFsuite) over token features and the rules' findings.

Why a CRF and not a neural tagger: kg's training data is small (1.5k TDMSci sentences, 100 SciREX
abstracts) and no pretrained weights may be used. In 5-fold cross-validation on that data, a CRF over
the features below beat spaCy's CNN NER trained on the same folds, on both gold sets, and it trains in
about a minute and tags several times faster (README, "Extraction quality with the trained tagger").

The features of a token are the classic ones of feature-based NER, plus what kg already knows:
- the word: lower-cased form (and the form as written), prefixes and suffixes of 2 and 3 letters,
  shape ("Xxx", "XX-dd"), case, digit and hyphen flags;
- its context: the words, shapes and rule tags two tokens either side, the suffix of each neighbour,
  the two bigrams and the trigram around it, whether it stands alone in parentheses;
- the rules: the BIO tag of the span kg's rules put on it ("B-kb-DATASET", "I-abbrev-TASK", "O"), with
  its label alone, for the token and its neighbours, and joined with the token's shape, so the CRF
  learns when the knowledge base, abbreviations and patterns are right and when a corpus does not
  count their find as an entity;
- the knowledge base word by word: the labels of the names that contain the word and of the names
  that end with it ("parsing" ends task names, "treebank" dataset names), also for the neighbours, so
  unseen names built from known words are recognised.

Decoding keeps the spans well formed: a span that leaves a bracket unpartnered ("British National
Corpus (BNC") is replaced by whichever of its balanced repairs the model finds most probable (closed
at the partner, cut before the bracket, or dropped). In cross-validation this raised TDMSci exact F1
on every fold (0.618 to 0.624 on average) and left SciREX as it was.

`FeatureExtractor` computes them (per-word parts are cached, so a corpus costs a few microseconds a
token); `CrfTagger` runs a model trained by `kg.train.crf` and returns token spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.knowledge_base import KBEntry

FEATURE_GROUPS = ("kb_words", "parentheses", "neighbour_suffixes", "trigram", "exact_word", "rule_shape")
"""Optional feature groups (the word, context and rule features are always on); a model records the
groups it was trained with in its meta.json, and is tagged with the same."""

_WORD = re.compile(r"\w+")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")
_RUN = re.compile(r"(.)\1+")


def word_shape(word: str) -> str:
    """Capitals as X, small letters as x, digits as d, runs cut to two.

    >>> word_shape("ImageNet-1k"), word_shape("BLEU"), word_shape("2019")
    ('XxxXxx-dx', 'XX', 'dd')
    """
    shape = _DIGIT.sub("d", _LOWER.sub("x", _UPPER.sub("X", word)))
    return _RUN.sub(r"\1\1", shape)


def rule_tags(length: int, spans: Iterable[tuple[int, int, str, str]]) -> list[str]:
    """BIO tags of the rules' spans `(start, end, source, label)` over `length` tokens.

    >>> rule_tags(4, [(1, 3, "kb", "DATASET")])
    ['O', 'B-kb-DATASET', 'I-kb-DATASET', 'O']
    """
    tags = ["O"] * length
    for start, end, source, label in spans:
        tags[start] = f"B-{source}-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{source}-{label}"
    return tags


@dataclass(frozen=True, slots=True)
class _Word:
    """The features of one word form that do not depend on its neighbours, and its parts as a neighbour."""

    lower: str
    own: tuple[str, ...]
    left: tuple[str, ...]  # as the token before: "-1w=", "-1sh=", ...
    right: tuple[str, ...]  # as the token after
    left2: tuple[str, ...]
    right2: tuple[str, ...]


class FeatureExtractor:
    """Token features for kg's CRF (see the module docstring); `groups` picks the optional groups.

    >>> fx = FeatureExtractor([KBEntry("task/mt", "machine translation", "TASK")])
    >>> feats = fx(["We", "study", "translation", "."], ["O", "O", "B-kb-TASK", "O"])
    >>> [f for f in feats[2] if f.startswith(("w=", "r=", "rl=", "kh=", "-1w=", "tri="))]
    ['w=translation', 'kh=TASK', 'r=B-kb-TASK', 'rl=TASK', '-1w=study', 'tri=study|translation|.']
    """

    def __init__(self, kb_entries: Iterable[KBEntry], groups: Sequence[str] = FEATURE_GROUPS) -> None:
        unknown = set(groups) - set(FEATURE_GROUPS)
        if unknown:
            raise ValueError(f"unknown feature group(s) {sorted(unknown)}; use {', '.join(FEATURE_GROUPS)}")
        self.groups = frozenset(groups)
        contains: dict[str, set[str]] = {}
        ends: dict[str, set[str]] = {}
        for entry in kb_entries:
            for form in entry.forms:
                words = _WORD.findall(form.lower())
                for w in words:
                    contains.setdefault(w, set()).add(entry.type)
                if words:
                    ends.setdefault(words[-1], set()).add(entry.type)
        self._contains = {w: tuple(sorted(labels)) for w, labels in contains.items()}
        self._ends = {w: tuple(sorted(labels)) for w, labels in ends.items()}
        self._words: dict[str, _Word] = {}
        self._rules: dict[str, tuple[str, str, str, str, str, str]] = {}
        self._shapes: dict[str, str] = {}

    def _word(self, word: str) -> _Word:
        cached = self._words.get(word)
        if cached is not None:
            return cached
        lw = word.lower()
        shape = word_shape(word)
        kb = "kb_words" in self.groups
        ends = self._ends.get(lw, ()) if kb else ()
        own = ["b", "w=" + lw, "s3=" + lw[-3:], "s2=" + lw[-2:], "p3=" + lw[:3], "p2=" + lw[:2], "sh=" + shape]
        if kb:
            own += ["kt=" + label for label in self._contains.get(lw, ())]
            own += ["kh=" + label for label in ends]
        if "exact_word" in self.groups:
            own.append("W=" + word)
        if word.istitle():
            own.append("title")
        if word.isupper():
            own.append("upper")
        if any(c.isdigit() for c in word):
            own.append("digit")
        if "-" in word:
            own.append("hyph")
        suffix = "neighbour_suffixes" in self.groups

        def near(d: str) -> tuple[str, ...]:
            parts = [f"{d}w={lw}", f"{d}sh={shape}"]
            if d in ("-1", "1"):
                if suffix:
                    parts.append(f"{d}s3={lw[-3:]}")
                parts += [f"{d}kh={label}" for label in ends]
            return tuple(parts)

        info = _Word(lw, tuple(own), near("-1"), near("1"), near("-2"), near("2"))
        if len(self._words) < 500_000:
            self._words[word] = info
        return info

    def _shape(self, word: str) -> str:
        shape = self._shapes.get(word)
        if shape is None:
            shape = word_shape(word)
            if len(self._shapes) < 500_000:
                self._shapes[word] = shape
        return shape

    def _rule(self, tag: str) -> tuple[str, str, str, str, str, str]:
        """The rule-tag features of a token and as each neighbour: own, label, -2, -1, 1, 2."""
        cached = self._rules.get(tag)
        if cached is None:
            label = tag.rsplit("-", 1)[-1] if tag != "O" else "O"
            cached = ("r=" + tag, "rl=" + label, "-2r=" + tag, "-1r=" + tag, "1r=" + tag, "2r=" + tag)
            self._rules[tag] = cached
        return cached

    def __call__(self, words: Sequence[str], tags: Sequence[str]) -> list[list[str]]:
        """One feature list per token of `words`, whose rule tags are `tags` (see `rule_tags`)."""
        n = len(words)
        info = [self._word(w) for w in words]
        rules = [self._rule(t) for t in tags]
        rule_shape = "rule_shape" in self.groups
        parens = "parentheses" in self.groups
        trigram = "trigram" in self.groups
        out: list[list[str]] = []
        for i in range(n):
            me = info[i]
            feats = [*me.own, rules[i][0], rules[i][1]]
            if rule_shape:
                feats.append(f"r|sh={tags[i]}|{self._shape(words[i])}")
            if i >= 2:
                feats += info[i - 2].left2
                feats.append(rules[i - 2][2])
            else:
                feats.append("-2pad")
            if i >= 1:
                prev = info[i - 1]
                feats += prev.left
                feats.append(rules[i - 1][3])
                feats.append(f"-1bi={prev.lower}|{me.lower}")
            else:
                feats.append("-1pad")
            if i + 1 < n:
                nxt = info[i + 1]
                feats += nxt.right
                feats.append(rules[i + 1][4])
                feats.append(f"1bi={me.lower}|{nxt.lower}")
                if trigram and i >= 1:
                    feats.append(f"tri={info[i - 1].lower}|{me.lower}|{nxt.lower}")
                if parens and i >= 1 and words[i - 1] == "(" and words[i + 1] == ")":
                    feats.append("inparen")
            else:
                feats.append("1pad")
            if i + 2 < n:
                feats += info[i + 2].right2
                feats.append(rules[i + 2][5])
            else:
                feats.append("2pad")
            out.append(feats)
        return out


_OPENING = {"(": ")", "[": "]"}
_CLOSING = {")": "(", "]": "["}
_REACH = 8
"""How many tokens beyond a span its repair may look for a bracket's partner."""


def _unbalanced(words: Sequence[str], start: int, end: int) -> bool:
    """Whether tokens `start` to `end` hold a bracket without its partner.

    >>> w = ["British", "National", "Corpus", "(", "BNC", ")"]
    >>> _unbalanced(w, 0, 5), _unbalanced(w, 0, 6), _unbalanced(w, 4, 6)
    (True, False, True)
    """
    depth = 0
    for word in words[start:end]:
        if word in _OPENING:
            depth += 1
        elif word in _CLOSING:
            depth -= 1
            if depth < 0:
                return True
    return depth != 0


def _bracket_repairs(words: Sequence[str], start: int, end: int) -> list[tuple[int, int]]:
    """Balanced alternatives `(start, end)` to an unbalanced span: extended right to close its open
    brackets (within `_REACH` tokens), cut before its first unpartnered bracket, and empty (dropped).

    >>> w = ["the", "British", "Corpus", "(", "BNC", ")", "and", "TER", ")"]
    >>> _bracket_repairs(w, 1, 5), _bracket_repairs(w, 7, 9)
    ([(1, 6), (1, 3), (1, 1)], [(7, 8), (7, 7)])
    """
    unclosed: list[int] = []
    unopened: list[int] = []
    for i in range(start, end):
        if words[i] in _OPENING:
            unclosed.append(i)
        elif words[i] in _CLOSING:
            if unclosed:
                unclosed.pop()
            else:
                unopened.append(i)
    options: list[tuple[int, int]] = []
    if unclosed and not unopened:
        depth = len(unclosed)
        for j in range(end, min(len(words), end + _REACH)):
            if words[j] in _OPENING:
                depth += 1
            elif words[j] in _CLOSING:
                depth -= 1
                if depth == 0:
                    options.append((start, j + 1))
                    break
    cut = min(unclosed[:1] + unopened[:1])
    options += [(start, cut), (start, start)]
    return [(a, b) for a, b in dict.fromkeys(options) if a == b or not _unbalanced(words, a, b)]


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token spans `(start, end, label)` of a BIO tag sequence; an I- that starts a new label opens a span.

    >>> bio_spans(["O", "B-TASK", "I-TASK", "I-METRIC", "O", "B-DATASET"])
    [(1, 3, 'TASK'), (3, 4, 'METRIC'), (5, 6, 'DATASET')]
    """
    out: list[tuple[int, int, str]] = []
    start, label = -1, ""
    for i, tag in enumerate(tags):
        if tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != label):
            if label:
                out.append((start, i, label))
            start, label = i, tag[2:]
        elif not tag.startswith("I-"):
            if label:
                out.append((start, i, label))
            label = ""
    if label:
        out.append((start, len(tags), label))
    return out


class CrfTagger:
    """A trained CRFsuite model: labels token sequences given their features."""

    def __init__(self, model_file: str | Path) -> None:
        import pycrfsuite

        self.path = Path(model_file)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(self.path))
        self.labels = sorted({tag[2:] for tag in self._tagger.labels() if tag[:2] in ("B-", "I-")})

    def spans(self, features: list[list[str]], words: Sequence[str] | None = None) -> list[tuple[int, int, str]]:
        """The labelled token spans the model finds in one sequence (an empty sequence has none).

        With the sequence's `words`, a span that opens a bracket it does not close, or closes one it
        did not open ("British National Corpus (BNC", "TER)"), is replaced by the most probable
        (under the model) of its well-formed repairs: extended to the bracket's partner, or cut
        before the unpartnered bracket, or dropped.
        """
        if not features:
            return []
        tags = self._tagger.tag(features)
        found = bio_spans(tags)
        if words is None or not any(_unbalanced(words, a, b) for a, b, _ in found):
            return found
        return bio_spans(self._repair(tags, found, words))

    def _repair(self, tags: list[str], found: list[tuple[int, int, str]], words: Sequence[str]) -> list[str]:
        """`tags` with each bracket-unbalanced span replaced by its most probable balanced repair."""
        best = list(tags)
        for start, end, label in found:
            if not _unbalanced(words, start, end):
                continue
            options = []
            for a, b in _bracket_repairs(words, start, end):
                if any(t != "O" for t in (best[a:start] + best[end:b])):
                    continue  # would overlap another span
                option = list(best)
                option[start:end] = ["O"] * (end - start)
                if a < b:
                    option[a:b] = ["B-" + label] + ["I-" + label] * (b - a - 1)
                if a < b and b < len(option) and option[b].startswith("I-"):
                    option[b] = "B-" + option[b][2:]
                options.append(option)
            if options:
                best = max(options, key=self._tagger.probability)
        return best
