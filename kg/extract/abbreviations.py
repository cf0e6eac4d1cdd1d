"""Abbreviation definitions: "Large Language Models (LLMs)" gives the long form, the short form and the pair.

The pairing follows Schwartz & Hearst (PSB 2003): the short form sits in parentheses, and the long
form is the shortest run of preceding words whose letters cover the short form's characters in
order, the first character starting a word. A long form that names nothing kg knows is typed by its
head word ("... Network" is a method, "... Recognition" a task, "... Corpus" a dataset).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extract.batching import in_batches
from kg.extract.extensions import ABBREVIATIONS
from kg.extract.heads import DATASET_HEADS, METHOD_HEADS, METRIC_HEADS, TASK_HEADS
from kg.extract.spans import doc_text, entities, make_span, merge_entities

_PAREN = re.compile(r"\(\s*([^()\s][^()]{0,18}?)\s*\)")
_WORD = re.compile(r"[^\s]+")

@dataclass(frozen=True, slots=True)
class AbbreviationSpan:
    """A definition found in one text: character spans of the long and the short form."""

    long_start: int
    long_end: int
    short_start: int
    short_end: int

    def long(self, text: str) -> str:
        return text[self.long_start:self.long_end]

    def short(self, text: str) -> str:
        return text[self.short_start:self.short_end]


def _is_short_form(candidate: str) -> bool:
    if not 2 <= len(candidate) <= 12 or len(candidate.split()) > 2:
        return False
    if not candidate[0].isalnum() or not any(c.isalpha() for c in candidate):
        return False
    # An abbreviation has a capital letter or a digit somewhere; "(see)" or "(i.e.)" do not.
    return any(c.isupper() for c in candidate) and not candidate.replace(".", "").islower()


def _best_long_form(short: str, words: list[re.Match[str]], text: str) -> int | None:
    """Index into `words` where the long form starts, or None (Schwartz & Hearst's backward match)."""
    letters = [c.lower() for c in short if c.isalnum()]
    if not letters:
        return None
    long_text_start = words[0].start()
    candidate = text[long_text_start:words[-1].end()].lower()
    s = len(letters) - 1
    li = len(candidate) - 1
    while s >= 0:
        c = letters[s]
        while li >= 0 and (candidate[li] != c or (s == 0 and li > 0 and candidate[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
        s -= 1
    start_char = long_text_start + li + 1
    for index, word in enumerate(words):
        if word.start() <= start_char < word.end():
            return index
    return None


def find_abbreviations(text: str) -> list[AbbreviationSpan]:
    """Every "long form (SHORT)" definition in `text`.

    >>> t = "We study large language models (LLMs) and named entity recognition (NER)."
    >>> [(a.long(t), a.short(t)) for a in find_abbreviations(t)]
    [('large language models', 'LLMs'), ('named entity recognition', 'NER')]
    >>> find_abbreviations("results (see Table 2) hold (i.e. always)")
    []
    """
    found: list[AbbreviationSpan] = []
    for match in _PAREN.finditer(text):
        short = match.group(1).strip()
        if not _is_short_form(short):
            continue
        short_start = match.start(1)
        short_end = short_start + len(short)
        before = text[max(0, match.start() - 200):match.start()]
        offset = max(0, match.start() - 200)
        # Stop at sentence or clause punctuation: a long form does not cross it.
        cut = max(before.rfind(". "), before.rfind("; "), before.rfind(": "), before.rfind("("),
                  before.rfind(")"), before.rfind(", "))
        if cut >= 0:
            offset += cut + 1
            before = text[offset:match.start()]
        words = [m for m in _WORD.finditer(text, offset, match.start())]
        n_letters = sum(c.isalnum() for c in short)
        words = words[-min(n_letters + 5, n_letters * 2):] if words else words
        if not words:
            continue
        index = _best_long_form(short, words, text)
        if index is None:
            continue
        long_start = words[index].start()
        long_end = words[-1].end()
        long_text = text[long_start:long_end]
        if len(long_text) <= len(short) or long_text.lower() == short.lower():
            continue
        found.append(AbbreviationSpan(long_start, long_end, short_start, short_end))
    return found


def label_by_head(long_form: str) -> str | None:
    """The entity type a long form's head word suggests, or None.

    >>> label_by_head("Adaptive Relation Modeling Network"), label_by_head("named entity recognition")
    ('METHOD', 'TASK')
    >>> label_by_head("Penn Treebank"), label_by_head("word error rate"), label_by_head("in this work")
    ('DATASET', 'METRIC', None)
    """
    words = long_form.lower().replace("-", " ").split()
    if not words:
        return None
    head = words[-1]
    if long_form.lower().endswith(("fine-tuning", "pre-training")):
        return "METHOD"
    for heads, label in ((DATASET_HEADS, "DATASET"), (METRIC_HEADS, "METRIC"), (TASK_HEADS, "TASK"),
                         (METHOD_HEADS, "METHOD")):
        if head in heads:
            return label
    return None


class AbbreviationTagger:
    """spaCy component: marks long and short forms of every definition, and later uses of the short form.

    The definitions found are kept in `doc._.kg_abbreviations` as AbbreviationSpans.
    """

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        found = find_abbreviations(text)
        doc.user_data[ABBREVIATIONS] = found
        if not found:
            return doc
        proposals: list[Span] = []
        ents = entities(doc)
        for abbr in found:
            long_span = doc.char_span(abbr.long_start, abbr.long_end, alignment_mode="expand")
            short_span = doc.char_span(abbr.short_start, abbr.short_end, alignment_mode="expand")
            if long_span is None or short_span is None:
                continue
            label, kb_id = _label_of(ents, long_span, short_span)
            if label is None:
                continue
            proposals.append(make_span(doc, long_span.start, long_span.end, label, "abbrev", kb_id))
            short = abbr.short(text)
            for start, end in _occurrences(doc, short):
                proposals.append(make_span(doc, start, end, label, "abbrev", kb_id))
        merge_entities(doc, proposals, override=True)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """The component over `batch_size` Docs at a time (see `kg.extract.batching`)."""
        return in_batches(self, docs, batch_size)


def _label_of(ents: list[Span], long_span: Span, short_span: Span) -> tuple[str | None, str]:
    """Type of a definition: the knowledge base's word on either form, else the long form's head word."""
    for ent in ents:
        if ent.start == long_span.start and ent.end == long_span.end:
            return ent.label_, ent.kb_id_
    for ent in ents:
        if ent.start <= short_span.start and short_span.end <= ent.end and ent.id_ == "kb":
            return ent.label_, ent.kb_id_
    label = label_by_head(long_span.text)
    if label is None:
        for ent in ents:
            if long_span.start <= ent.start and ent.end == long_span.end:
                return ent.label_, ""
    if label is None and sum(t.text[:1].isupper() for t in long_span) >= max(2, len(long_span) // 2):
        label = "METHOD"
    return label, ""


@lru_cache(maxsize=4096)
def short_form_pattern(short: str) -> re.Pattern[str]:
    """Where a short form (or its plural) is written as a whole word, not inside a longer name.

    The pattern starts with the short form itself and checks the character before it afterwards,
    with a lookbehind over both: starting with a literal lets sre find the candidates with a fast
    string search, where a leading lookbehind made it try the pattern at every character. Compiled
    patterns are kept here: the few hundred short forms of a corpus overflowed `re`'s own cache.

    >>> [m.span() for m in short_form_pattern("LLM").finditer("LLMs, MLLM, LLM-based, LLM")]
    [(0, 4), (23, 26)]
    """
    literal = re.escape(short)
    return re.compile(rf"{literal}(?<![\w-]{literal})s?(?![\w-])")


def _occurrences(doc: Doc, short: str) -> list[tuple[int, int]]:
    """Token spans where the short form (or its plural) is written as a whole word."""
    out: list[tuple[int, int]] = []
    for match in short_form_pattern(short).finditer(doc_text(doc)):
        span = doc.char_span(match.start(), match.end())
        if span is not None:
            out.append((span.start, span.end))
    return out


@Language.factory("kg_abbreviations")
def make_abbreviations(nlp: Language, name: str) -> AbbreviationTagger:
    """spaCy factory of `AbbreviationTagger`."""
    return AbbreviationTagger()
