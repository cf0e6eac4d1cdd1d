"""Patterns for names no list can hold: model-name shapes, "the X dataset", "we propose X", "X: ..." titles.

The shapes are those of new ML names: inner capitals ("ShiftQuant", "RoBERTa"), acronyms joined
with words or versions ("MT-DNN", "ARM-Net", "Llama-2-7B"), and capitalised names right before a
dataset word ("the Penn Treebank corpus"). The word around a name decides its type: a dataset word
after it or "on" before it makes it a dataset, otherwise a method.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.tokens import Doc, Span

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


class _Tokens:
    """Plain Python views of a Doc's tokens, built once: the loops below touch no Token objects."""

    __slots__ = ("doc", "ends", "lower", "n", "starts", "taken", "text")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        starts, lengths = doc.to_array(["IDX", "LENGTH"]).T.tolist()
        text = doc_text(doc)
        self.starts = starts
        self.ends = [a + n for a, n in zip(starts, lengths, strict=True)]
        self.text = [text[a:b] for a, b in zip(starts, self.ends, strict=True)]
        self.lower = [t.lower() for t in self.text]
        self.n = len(self.text)
        # whether each token is inside an entity already found
        self.taken = [False] * self.n
        self.take(entities(doc))

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
    text = toks.text
    while (end + 1 < toks.n and text[end] in {"-", "/"} and not toks.spaced(end - 1)
           and not toks.spaced(end) and text[end + 1][:1].isalnum()):
        end += 2
    return end


def _is_model_compound(parts: list[str]) -> bool:
    if len(parts) < 2 or parts[0] in _NOT_MODEL_PREFIXES:
        return False
    if any(p.lower() in _SETTING_WORDS for p in parts[1:]) or parts[-1].lower() in _ADJECTIVE_TAILS:
        return False
    has_acronym = any(_ACRONYM.match(p) and len(p) >= 2 for p in parts)
    has_inner_caps = any(_INNER_CAPS.match(p) for p in parts)
    has_version = any(_VERSION.match(p) for p in parts[1:])
    if not (has_acronym or has_inner_caps):
        return False
    return has_version or (has_acronym and any(p[:1].isupper() for p in parts[1:])) or has_inner_caps


def _type_from_context(toks: _Tokens, start: int, end: int) -> str:
    if end < toks.n and toks.lower[end] in DATASET_HEADS:
        return "DATASET"
    if end < toks.n and toks.lower[end] in METHOD_HEADS:
        return "METHOD"
    if start > 0 and toks.lower[start - 1] in {"on", "from"}:
        return "DATASET"
    return "METHOD"


def _candidates(toks: _Tokens) -> list[int]:
    """The tokens a shape span can start at, in order: those followed by "-" or "/", those with a
    capital after their first letter, and dataset words. Finding them with comprehensions keeps the
    per-token Python work of the loop below to the few tokens that matter."""
    text, lower = toks.text, toks.lower
    before_joiner = [i - 1 for i, t in enumerate(text) if i and (t == "-" or t == "/")]
    shaped = [i for i, (t, low) in enumerate(zip(text, lower, strict=True))
              if (t != low and t[1:] != low[1:]) or low in DATASET_HEADS]
    return sorted({*before_joiner, *shaped})


def _shape_spans(toks: _Tokens, is_title: bool) -> Iterator[Span]:
    doc, text, taken = toks.doc, toks.text, toks.taken
    free = 0  # tokens before this one belong to a compound already looked at
    for i in _candidates(toks):
        if i < free or taken[i] or not text[i][:1].isalpha():
            continue
        end = free = _compound_end(toks, i)
        if any(taken[i:end]):
            continue
        if end - i > 1:
            if _is_model_compound([t for t in text[i:end] if t not in {"-", "/"}]):
                yield make_span(doc, i, end, _type_from_context(toks, i, end), "pattern")
        elif _INNER_CAPS.match(text[i]) and text[i] not in _NOT_NAMES:
            yield make_span(doc, i, end, _type_from_context(toks, i, end), "pattern")
        elif not is_title and toks.lower[i] in DATASET_HEADS:
            span = _named_dataset_before(toks, i)
            if span is not None:
                yield span


def _named_dataset_before(toks: _Tokens, head: int) -> Span | None:
    """ "the Penn Treebank corpus": the capitalised words right before a dataset word."""
    text = toks.text
    start = head
    while start > 1:
        prev = text[start - 1]
        if toks.taken[start - 1]:
            break
        if prev[:1].isupper() or _NUMBER.match(prev) or prev == "-":
            start -= 1
            continue
        break
    if start == head or text[start] == "-" or not any(t[:1].isupper() for t in text[start:head]):
        return None
    if start > 0 and toks.lower[start - 1] not in {"the", "our", "new", "a", "and", "on", "of", ","}:
        return None
    return make_span(toks.doc, start, head, "DATASET", "pattern")


def _named_after_cue(toks: _Tokens) -> Iterator[Span]:
    """ "we propose X", "a model called X": the name right after the cue is a method."""
    text, taken = toks.text, toks.taken
    for cue, lower in enumerate(toks.lower):
        if lower not in _PROPOSE_CUES:
            continue
        i = cue + 1
        if i < toks.n and text[i] in {"\"", "'"}:
            i += 1
        if i >= toks.n or taken[i]:
            continue
        first = text[i]
        if not (first[:1].isupper() and ((len(first) > 1 and any(c.isupper() for c in first[1:]))
                                         or lower in _NAMED_BY)):
            continue
        end = _compound_end(toks, i)
        if any(taken[i:end]):
            continue
        yield make_span(toks.doc, i, end, "METHOD", "pattern")


def title_name(doc: Doc) -> Span | None:
    """A title of the form "Name: what it does" names the method the paper proposes."""
    for i, token in enumerate(doc):
        if token.text == ":" and 0 < i <= 5:
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

    def __call__(self, doc: Doc) -> Doc:
        is_title = bool(doc.user_data.get("kg_field") == "title")
        toks = _Tokens(doc)
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
