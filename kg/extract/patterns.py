"""Patterns for names no list can hold: model-name shapes, "the X dataset", "we propose X", "X: ..." titles.

The shapes are those of new ML names: inner capitals ("ShiftQuant", "RoBERTa"), acronyms joined
with words or versions ("MT-DNN", "ARM-Net", "Llama-2-7B"), and capitalised names right before a
dataset word ("the Penn Treebank corpus"). The word around a name decides its type: a dataset word
after it or "on" before it makes it a dataset, otherwise a method.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from spacy.attrs import FLAG19, IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from kg.errors import KgError
from kg.extract.batching import in_batches
from kg.extract.extensions import FIELD
from kg.extract.heads import DATASET_HEADS, METHOD_HEADS
from kg.extract.spans import doc_text, entities, make_span, merge_entities

_INNER_CAPS = re.compile(r"^(?:[A-Z]?[a-z]+[A-Z]|[A-Z]{2,}[a-z]+|[a-z]+[A-Z]{2,})[A-Za-z0-9]*$")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*s?$")
_VERSION = re.compile(r"^(?:v?\d+(?:\.\d+)?[A-Za-z]{0,2}|[A-Z]{1,3}\d*|base|large|small|tiny|mini|xl|XL|XXL)$")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
_NAMED_BY = frozenset({"called", "named", "termed", "dubbed", "coined"})
_PROPOSE_CUES = frozenset({
    "propose", "proposes", "proposed", "introduce", "introduces", "introduced", "present", "presents",
    "presented", "develop", "develops", "developed", "design", "designs", "designed", "devise", "devised",
    "called", "named", "termed", "dubbed", "coined",
})
_NOT_NAMES = frozenset({
    "PyTorch", "TensorFlow", "GitHub", "YouTube", "LaTeX", "arXiv", "OpenAI", "DeepMind", "HuggingFace",
    "JavaScript", "iPhone", "macOS", "iOS", "LinkedIn", "WeChat", "PhD", "McDonald", "MacBook", "PubMed",
    "TeX", "BibTeX", "NumPy", "SciPy", "GPUs", "CPUs", "TPUs", "APIs", "URLs", "LLMs",
})
_NOT_MODEL_PREFIXES = frozenset({
    "COVID", "SARS", "MERS", "ISO", "IEEE", "RFC", "ICD", "ACL", "EMNLP", "NAACL", "EACL", "COLING", "NeurIPS",
    "NIPS", "ICLR", "ICML", "CVPR", "ICCV", "ECCV", "AAAI", "IJCAI", "KDD", "SIGIR", "WWW", "UTF", "ASCII",
})
_GENERIC_TITLE_WORDS = frozenset({
    "Survey", "Review", "Position", "Tutorial", "Editorial", "Commentary", "Erratum", "Correction", "Overview",
    "Introduction", "Abstract", "Keynote", "Perspective", "Opinion", "Preface", "Foreword", "Case", "Report",
})
_ADJECTIVE_TAILS = frozenset({
    "based", "like", "style", "free", "aware", "specific", "level", "only", "wise", "driven", "guided",
    "friendly", "centric", "oriented", "agnostic", "dependent", "independent", "invariant", "efficient",
    "scale", "sized", "shot", "step", "time", "related", "enhanced", "augmented", "tuned", "trained",
})
_SETTING_WORDS = frozenset({"bit", "bits", "d", "shot", "way", "layer", "layers", "fold", "th", "nd", "st"})


_JOINERS = frozenset({"-", "/"})


def _is_joiner(word: str) -> bool:
    """ "-" and "/", which join the parts of a compound name ("MT-DNN", "7B/13B")."""
    return word in _JOINERS


def _may_start_shape(word: str) -> bool:
    """A word that is a name by its shape alone ("ShiftQuant", not "PyTorch"), or a dataset word.

    (A compound such as "MT-DNN" starts at the token before a joiner, whatever its shape.)
    """
    return (bool(_INNER_CAPS.match(word)) and word not in _NOT_NAMES) or word.lower() in DATASET_HEADS


def _is_propose_cue(word: str) -> bool:
    """A word after which a new name is a proposed method ("propose", "called")."""
    return word.lower() in _PROPOSE_CUES


def _may_start_rule(word: str) -> bool:
    """A word one of the rules below starts from: a joiner, a possible shape start or a cue."""
    return _is_joiner(word) or _may_start_shape(word) or _is_propose_cue(word)


def lexeme_flag(vocab: Vocab) -> int:
    """The id of the lexeme flag `_may_start_rule` in `vocab`, added (on a free bit) on first use.

    spaCy computes a flag once per distinct word and keeps it on the lexeme, so `Doc.to_array` reads
    it for every token at C speed: finding the few tokens the rules start from this way replaced
    Python loops over every token's text, which cost more than the rules themselves.

    >>> import spacy
    >>> vocab = spacy.blank("en").vocab
    >>> lexeme_flag(vocab) == lexeme_flag(vocab)
    True
    """
    getters: dict[int, Any] = vocab.lex_attr_getters  # type: ignore[attr-defined]
    flag = next((key for key, func in getters.items() if func is _may_start_rule), None)
    if flag is None:
        # the bits below FLAG19 are spaCy's own (IS_ALPHA, ..., and the retired IS_OOV)
        flag = next((bit for bit in range(FLAG19, 64) if bit not in getters), None)
        if flag is None:
            raise KgError("no free lexeme flag left in the vocabulary for kg's name patterns")
        vocab.add_flag(_may_start_rule, flag)
    return flag


class _Tokens:
    """Plain Python views of a Doc's tokens, built once: the loops below touch no Token objects.

    Offsets are read for every token, a token's text only when a rule looks at it: the tokens the
    rules start from are the few that carry the lexeme flag of `lexeme_flag`.
    """

    __slots__ = ("before_joiner", "cues", "doc", "ends", "n", "shape_starts", "source", "starts", "taken")

    def __init__(self, doc: Doc, flag: int) -> None:
        self.doc = doc
        self.source = doc_text(doc)
        table = doc.to_array([IDX, LENGTH, flag])
        self.starts: list[int] = table[:, 0].tolist()
        self.ends: list[int] = (table[:, 0] + table[:, 1]).tolist()
        self.n = len(self.starts)
        self.before_joiner: list[int] = []  # tokens followed by "-" or "/"
        self.shape_starts: list[int] = []  # tokens a shape may start at
        self.cues: list[int] = []  # "propose", "called", ...
        for i in np.flatnonzero(table[:, 2]).tolist():
            word = self.text(i)
            if _is_joiner(word):  # and so neither of the others
                if i:
                    self.before_joiner.append(i - 1)
                continue
            if _may_start_shape(word):
                self.shape_starts.append(i)
            if _is_propose_cue(word):
                self.cues.append(i)
        # whether each token is inside an entity already found
        self.taken = [False] * self.n
        self.take(entities(doc))

    def text(self, i: int) -> str:
        """The text of token `i`."""
        return self.source[self.starts[i]:self.ends[i]]

    def lower(self, i: int) -> str:
        """The lower-cased text of token `i`."""
        return self.source[self.starts[i]:self.ends[i]].lower()

    def texts(self, start: int, end: int) -> list[str]:
        """The texts of tokens `start` to `end` (exclusive)."""
        return [self.source[a:b] for a, b in zip(self.starts[start:end], self.ends[start:end], strict=True)]

    def spaced(self, i: int) -> bool:
        """Whether whitespace follows token `i`."""
        return i + 1 >= self.n or self.ends[i] < self.starts[i + 1]

    def take(self, spans: list[Span]) -> None:
        for span in spans:
            for i in range(span.start, span.end):
                self.taken[i] = True


def _compound_end(toks: _Tokens, start: int) -> int:
    """End of a hyphen-joined compound starting at `start` ("MT-DNN", "Llama-2-7B"), or `start`."""
    end = start + 1
    while (end + 1 < toks.n and toks.text(end) in _JOINERS and not toks.spaced(end - 1)
           and not toks.spaced(end) and toks.text(end + 1)[:1].isalnum()):
        end += 2
    return end


def _is_model_compound(parts: list[str]) -> bool:
    if len(parts) < 2 or parts[0] in _NOT_MODEL_PREFIXES:
        return False
    if any(p.lower() in _SETTING_WORDS for p in parts[1:]) or parts[-1].lower() in _ADJECTIVE_TAILS:
        return False
    has_acronym = any(_ACRONYM.match(p) and len(p) >= 2 for p in parts)
    has_inner_caps = any(_INNER_CAPS.match(p) for p in parts)
    if not (has_acronym or has_inner_caps):
        return False
    has_version = any(_VERSION.match(p) for p in parts[1:])
    return has_version or (has_acronym and any(p[:1].isupper() for p in parts[1:])) or has_inner_caps


def _type_from_context(toks: _Tokens, start: int, end: int) -> str:
    after = toks.lower(end) if end < toks.n else ""
    if after in DATASET_HEADS:
        return "DATASET"
    if after in METHOD_HEADS:
        return "METHOD"
    if start > 0 and toks.lower(start - 1) in {"on", "from"}:
        return "DATASET"
    return "METHOD"


def _candidates(toks: _Tokens) -> list[int]:
    """The tokens a shape span can start at, in order: those followed by "-" or "/", names by their
    shape alone, and dataset words."""
    return sorted({*toks.before_joiner, *toks.shape_starts})


def _shape_spans(toks: _Tokens, is_title: bool) -> Iterator[Span]:
    doc, taken = toks.doc, toks.taken
    free = 0  # tokens before this one belong to a compound already looked at
    for i in _candidates(toks):
        if i < free or taken[i]:
            continue
        word = toks.text(i)
        if not word[:1].isalpha():
            continue
        end = free = _compound_end(toks, i)
        if any(taken[i:end]):
            continue
        if end - i > 1:
            if _is_model_compound([t for t in toks.texts(i, end) if t not in _JOINERS]):
                yield make_span(doc, i, end, _type_from_context(toks, i, end), "pattern")
        elif _INNER_CAPS.match(word) and word not in _NOT_NAMES:
            yield make_span(doc, i, end, _type_from_context(toks, i, end), "pattern")
        elif not is_title and word.lower() in DATASET_HEADS:
            span = _named_dataset_before(toks, i)
            if span is not None:
                yield span


def _named_dataset_before(toks: _Tokens, head: int) -> Span | None:
    """ "the Penn Treebank corpus": the capitalised words right before a dataset word."""
    start = head
    while start > 1:
        prev = toks.text(start - 1)
        if toks.taken[start - 1]:
            break
        if prev[:1].isupper() or _NUMBER.match(prev) or prev == "-":
            start -= 1
            continue
        break
    if start == head or toks.text(start) == "-" or not any(t[:1].isupper() for t in toks.texts(start, head)):
        return None
    if start > 0 and toks.lower(start - 1) not in {"the", "our", "new", "a", "and", "on", "of", ","}:
        return None
    return make_span(toks.doc, start, head, "DATASET", "pattern")


def _named_after_cue(toks: _Tokens) -> Iterator[Span]:
    """ "we propose X", "a model called X": the name right after the cue is a method."""
    taken = toks.taken
    for cue in toks.cues:
        lower = toks.lower(cue)
        i = cue + 1
        if i < toks.n and toks.text(i) in {"\"", "'"}:
            i += 1
        if i >= toks.n or taken[i]:
            continue
        first = toks.text(i)
        if not (first[:1].isupper() and ((len(first) > 1 and any(c.isupper() for c in first[1:]))
                                         or lower in _NAMED_BY)):
            continue
        end = _compound_end(toks, i)
        if any(taken[i:end]):
            continue
        yield make_span(toks.doc, i, end, "METHOD", "pattern")


def title_name(doc: Doc) -> Span | None:
    """A title of the form "Name: what it does" names the method the paper proposes."""
    if ":" not in doc_text(doc):  # most titles: no need to look at their tokens
        return None
    for i, token in enumerate(doc[:6]):  # the name is at most five tokens long
        if token.text == ":" and i > 0:
            words = [t for t in doc[:i] if t.text not in {"-", "/"}]
            joined = not any(t.whitespace_ for t in doc[: i - 1])
            shaped = any(_INNER_CAPS.match(t.text) or _ACRONYM.match(t.text) or t.like_num for t in words)
            single = len(words) == 1 and words[0].text[:1].isupper() and words[0].text not in _GENERIC_TITLE_WORDS
            if joined and words and (shaped or single or len(words) < i):
                return make_span(doc, 0, i, "METHOD", "pattern")
            return None
    return None


class NamePatterns:
    """Adds pattern-found names that the knowledge base did not already cover."""

    def __init__(self) -> None:
        self._vocab: Vocab | None = None
        self._flag = 0

    def __call__(self, doc: Doc) -> Doc:
        is_title = doc.user_data.get(FIELD) == "title"
        if doc.vocab is not self._vocab:
            self._flag, self._vocab = lexeme_flag(doc.vocab), doc.vocab
        toks = _Tokens(doc, self._flag)
        proposals = list(_named_after_cue(toks))
        if is_title:
            span = title_name(doc)
            if span is not None and not any(toks.taken[span.start:span.end]):
                proposals.append(span)
        toks.take(proposals)
        proposals.extend(_shape_spans(toks, is_title))
        if proposals:
            merge_entities(doc, proposals)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """The component over `batch_size` Docs at a time (see `kg.extract.batching`)."""
        return in_batches(self, docs, batch_size)


@Language.factory("kg_name_patterns")
def make_name_patterns(nlp: Language, name: str) -> NamePatterns:
    """spaCy factory of `NamePatterns`."""
    return NamePatterns()
