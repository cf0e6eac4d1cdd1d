"""Adding entity spans to a Doc from several sources without overlaps.

Each component proposes spans; `merge_entities` keeps the existing ones unless a proposal is
strictly longer and the component is allowed to override. The source of a span ("kb", "abbrev",
"pattern", "ner") is kept in `Span.id_`, its knowledge-base id in `Span.kb_id_`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extract.extensions import (
    ENTS,
    ENTS_PENDING,
    FIELD,
    FOLDED,
    LATEX_BARRIER,
    LATEX_COMMANDS,
    RECORDS_ONLY,
    TEXT,
)
from kg.extract.latex import blank, reference_commands
from kg.extract.textfold import fold
from kg.extract.tokenizer import tokenize
from kg.types import Mention


def make_span(doc: Doc, start: int, end: int, label: str | int, source: str | int, kb_id: str | int = "") -> Span:
    """A token span labelled with the entity type, its source and its knowledge-base id.

    Each of these is a string or its id in the Doc's StringStore (faster: no lookup).
    """
    return Span(doc, start, end, label=label, kb_id=kb_id, span_id=source)


def entities(doc: Doc) -> list[Span]:
    """The Doc's entities as kg's components last set them.

    kg's components keep their spans in `doc._.kg_ents`, and `doc.ents` is written once, by
    `sync_entities` at the end of the pipeline: reading `doc.ents` rebuilds every span from the
    tokens, and writing it visits every token, and done by each component these were the largest
    costs of the rules-only pipeline. Code that sets `doc.ents` itself must use `set_entities`.
    """
    cached = doc.user_data.get(ENTS)
    return list(cached) if cached is not None else list(doc.ents)


def set_entities(doc: Doc, spans: Sequence[Span]) -> None:
    """Sets the entities `entities` reads (and `sync_entities` writes to `doc.ents`)."""
    _set_located(doc, [(span.start, span.end, span) for span in spans])


def _set_located(doc: Doc, located: list[tuple[int, int, Span]]) -> None:
    if doc.user_data.get(LATEX_COMMANDS):
        located = _cut_at_commands(doc, located)
    located.sort(key=_by_start)
    doc.user_data[ENTS] = tuple([span for _, _, span in located])
    doc.user_data[ENTS_PENDING] = True


def _cut_at_commands(doc: Doc, located: list[tuple[int, int, Span]]) -> list[tuple[int, int, Span]]:
    """Each span cut where a blanked LaTeX command was: the first part of it that has words is kept,
    so "SQuAD \\cite{r} dataset" gives "SQuAD" and "\\cite{r} FooQA" gives "FooQA"."""
    barrier = doc.user_data.get(LATEX_BARRIER)
    if barrier is None:
        barrier = bytearray(len(doc))
        for start, end in doc.user_data[LATEX_COMMANDS]:
            blanked = doc.char_span(start, end, alignment_mode="expand")
            if blanked is not None:
                barrier[blanked.start:blanked.end] = b"\x01" * (blanked.end - blanked.start)
        doc.user_data[LATEX_BARRIER] = barrier
    out: list[tuple[int, int, Span]] = []
    for a, b, span in located:
        if barrier.find(1, a, b) == -1:
            out.append((a, b, span))
            continue
        start = a
        while start < b:
            end = barrier.find(1, start, b)
            end = b if end == -1 else end
            first, last = start, end
            while first < last and doc[first].is_space:
                first += 1
            while last > first and doc[last - 1].is_space:
                last -= 1
            if first < last:
                out.append((first, last, make_span(doc, first, last, span.label, span.id, span.kb_id)))
                break
            start = end + 1
    return out


def sync_entities(doc: Doc) -> Doc:
    """Writes the entities of `entities` to `doc.ents` (other tokens outside), if they changed.

    The last component of kg's pipeline calls it, so a Doc that leaves the pipeline has them in
    `doc.ents` as spaCy users expect. A Doc marked `kg_records_only` (by `extract_papers`, which turns
    it into records and drops it) keeps them unwritten: a twentieth of the rules-only pipeline's time.
    """
    if doc.user_data.pop(ENTS_PENDING, False) and not doc.user_data.get(RECORDS_ONLY):
        doc.set_ents(list(doc.user_data[ENTS]), default="outside")
    return doc


def _by_start(item: tuple[int, int, Span]) -> int:
    return item[0]


def _longest_first(item: tuple[int, int, Span]) -> tuple[int, int]:
    return item[0] - item[1], item[0]


def merge_entities(doc: Doc, proposals: Iterable[Span], *, override: bool = False) -> None:
    """Sets `doc.ents` to the existing entities plus the proposals that do not clash.

    A proposal that overlaps an existing entity is dropped, or replaces it when `override` is set
    and the proposal is longer. Among proposals, longer spans win, then earlier ones.
    """
    taken = bytearray(len(doc))
    kept: list[tuple[int, int, Span]] = []
    existing = [(span.start, span.end, span) for span in entities(doc)]
    ordered = sorted(((span.start, span.end, span) for span in proposals), key=_longest_first)
    if override:
        # Longer proposals may displace existing entities; equal or shorter ones may not.
        pool = sorted([*existing, *ordered], key=_longest_first) if existing else ordered
    else:
        for item in existing:
            kept.append(item)
            taken[item[0]:item[1]] = b"\x01" * (item[1] - item[0])
        pool = ordered
    for item in pool:
        a, b = item[0], item[1]
        if taken.find(1, a, b) == -1:
            kept.append(item)
            taken[a:b] = b"\x01" * (b - a)
    _set_located(doc, kept)


def make_doc(nlp: Language, text: str, field: str) -> Doc:
    """A Doc of the folded text (same length as `text`, LaTeX reference commands blanked out), marked
    with the field and text it comes from."""
    folded = fold(text)
    commands = reference_commands(folded)
    if commands:  # \cite{...} and the like are no text: blanked, and no span crosses one
        folded = blank(folded, commands)
    doc = tokenize(nlp, folded)
    if commands:
        doc.user_data[LATEX_COMMANDS] = commands
    doc.user_data[FIELD] = field
    doc.user_data[TEXT] = text
    doc.user_data[FOLDED] = folded
    return doc


def doc_text(doc: Doc) -> str:
    """The Doc's text (the folded text `make_doc` tokenized): `doc.text` rebuilds it from every token."""
    text = doc.user_data.get(FOLDED)
    return text if isinstance(text, str) else doc.text


def source_text(doc: Doc) -> str:
    """The text as the input gave it (same length as the Doc's folded text)."""
    text = doc.user_data.get(TEXT)
    return text if isinstance(text, str) else doc_text(doc)


SOURCE_SCORES = {"kb": 0.95, "abbrev": 0.9, "pattern": 0.7, "ner": 0.6}
"""How much a mention is trusted, by the component that found it."""


def entity_mentions(doc: Doc) -> list[Mention]:
    """The Doc's entities as Mentions of its field and text, each Span attribute read once (the
    string ones are lookups); the last component keeps them in `doc._.kg_mentions`."""
    field = doc.user_data.get(FIELD) or "abstract"
    text = source_text(doc)
    out: list[Mention] = []
    for ent in entities(doc):
        start, end, source = ent.start_char, ent.end_char, ent.id_
        out.append(Mention(field, start, end, text[start:end], ent.label_,  # type: ignore[arg-type]
                           SOURCE_SCORES.get(source, 0.5), source or "kb", ent.kb_id_ or None))
    return out
