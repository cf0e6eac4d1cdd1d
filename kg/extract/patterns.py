"""Patterns for names no list can hold: model-name shapes, "the X dataset", "we propose X", "X: ..." titles.

The shapes are those of new ML names: inner capitals ("ShiftQuant", "RoBERTa"), acronyms joined
with words or versions ("MT-DNN", "ARM-Net", "Llama-2-7B"), and capitalised names right before a
dataset word ("the Penn Treebank corpus"). The word around a name decides its type: a dataset word
after it or "on" before it makes it a dataset, otherwise a method.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.tokens import Doc, Span, Token

from kg.extract.heads import DATASET_HEADS, METHOD_HEADS
from kg.extract.spans import make_span, merge_entities

_INNER_CAPS = re.compile(r"^(?:[A-Z]?[a-z]+[A-Z]|[A-Z]{2,}[a-z]+|[a-z]+[A-Z]{2,})[A-Za-z0-9]*$")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*s?$")
_VERSION = re.compile(r"^(?:v?\d+(?:\.\d+)?[A-Za-z]{0,2}|[A-Z]{1,3}\d*|base|large|small|tiny|mini|xl|XL|XXL)$")
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


def _is_name_token(token: Token) -> bool:
    text = token.text
    return bool(_INNER_CAPS.match(text)) and text not in _NOT_NAMES


def _compound_end(doc: Doc, start: int) -> int:
    """End of a hyphen-joined compound starting at `start` ("MT-DNN", "Llama-2-7B"), or `start`."""
    end = start + 1
    while (end + 1 < len(doc) and doc[end].text in {"-", "/"} and not doc[end - 1].whitespace_
           and not doc[end].whitespace_ and doc[end + 1].text[:1].isalnum()):
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


def _type_from_context(doc: Doc, start: int, end: int) -> str:
    if end < len(doc) and doc[end].lower_ in DATASET_HEADS:
        return "DATASET"
    if end < len(doc) and doc[end].lower_ in METHOD_HEADS:
        return "METHOD"
    if start > 0 and doc[start - 1].lower_ in {"on", "from"}:
        return "DATASET"
    return "METHOD"


def _shape_spans(doc: Doc, is_title: bool) -> Iterator[Span]:
    i = 0
    while i < len(doc):
        token = doc[i]
        if token.ent_type_ or not token.text[:1].isalpha():
            i += 1
            continue
        end = _compound_end(doc, i)
        parts = [t.text for t in doc[i:end] if t.text not in {"-", "/"}]
        if any(t.ent_type_ for t in doc[i:end]):
            i = end
            continue
        if (end - i > 1 and _is_model_compound(parts)) or (end - i == 1 and _is_name_token(token)):
            yield make_span(doc, i, end, _type_from_context(doc, i, end), "pattern")
        elif not is_title and end - i == 1 and token.lower_ in DATASET_HEADS:
            span = _named_dataset_before(doc, i)
            if span is not None:
                yield span
        i = end


def _named_dataset_before(doc: Doc, head: int) -> Span | None:
    """ "the Penn Treebank corpus": the capitalised words right before a dataset word."""
    start = head
    while start > 0:
        prev = doc[start - 1]
        if prev.ent_type_ or prev.is_sent_start:
            break
        if prev.text[:1].isupper() or prev.like_num or (prev.text == "-" and start - 1 > 0):
            start -= 1
            continue
        break
    if start == head or doc[start].text == "-" or not any(t.text[:1].isupper() for t in doc[start:head]):
        return None
    if start > 0 and doc[start - 1].lower_ not in {"the", "our", "new", "a", "and", "on", "of", ","}:
        return None
    return make_span(doc, start, head, "DATASET", "pattern")


def _named_after_cue(doc: Doc) -> Iterator[Span]:
    """ "we propose X", "a model called X": the name right after the cue is a method."""
    for token in doc:
        lower = token.lower_
        if lower not in _PROPOSE_CUES:
            continue
        i = token.i + 1
        if i < len(doc) and doc[i].text in {"\"", "'"}:
            i += 1
        if i >= len(doc) or doc[i].ent_type_:
            continue
        first = doc[i]
        if not (first.text[:1].isupper() and ((len(first.text) > 1 and any(c.isupper() for c in first.text[1:]))
                                              or lower in _NAMED_BY)):
            continue
        end = _compound_end(doc, i)
        if any(t.ent_type_ for t in doc[i:end]):
            continue
        yield make_span(doc, i, end, "METHOD", "pattern")


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
        proposals = list(_named_after_cue(doc))
        if is_title:
            span = title_name(doc)
            if span is not None:
                proposals.append(span)
        merge_entities(doc, proposals)
        merge_entities(doc, list(_shape_spans(doc, is_title)))
        return doc
