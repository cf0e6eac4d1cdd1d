"""Adding entity spans to a Doc from several sources without overlaps.

Each component proposes spans; `merge_entities` keeps the existing ones unless a proposal is
strictly longer and the component is allowed to override. The source of a span ("kb", "abbrev",
"pattern", "ner") is kept in `Span.id_`, its knowledge-base id in `Span.kb_id_`.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extract.textfold import fold


def make_span(doc: Doc, start: int, end: int, label: str, source: str, kb_id: str = "") -> Span:
    """A token span labelled with the entity type, its source and its knowledge-base id."""
    return Span(doc, start, end, label=label, kb_id=kb_id, span_id=source)


def merge_entities(doc: Doc, proposals: Iterable[Span], *, override: bool = False) -> None:
    """Sets `doc.ents` to the existing entities plus the proposals that do not clash.

    A proposal that overlaps an existing entity is dropped, or replaces it when `override` is set
    and the proposal is longer. Among proposals, longer spans win, then earlier ones.
    """
    taken = [False] * len(doc)
    kept: list[Span] = []
    existing = list(doc.ents)
    ordered = sorted(proposals, key=lambda s: (-(s.end - s.start), s.start))
    if override:
        # Longer proposals may displace existing entities; equal or shorter ones may not.
        pool = sorted([*existing, *ordered], key=lambda s: (-(s.end - s.start), s.start))
        for span in pool:
            if not any(taken[span.start:span.end]):
                kept.append(span)
                for i in range(span.start, span.end):
                    taken[i] = True
    else:
        for span in existing:
            kept.append(span)
            for i in range(span.start, span.end):
                taken[i] = True
        for span in ordered:
            if not any(taken[span.start:span.end]):
                kept.append(span)
                for i in range(span.start, span.end):
                    taken[i] = True
    doc.ents = sorted(kept, key=lambda s: s.start)


def make_doc(nlp: Language, text: str, field: str) -> Doc:
    """A Doc of the folded text (same length as `text`), marked with the field and text it comes from."""
    doc = nlp.make_doc(fold(text))
    doc.user_data["kg_field"] = field
    doc.user_data["kg_text"] = text
    return doc
