"""Training corpora of the spaCy NER experiment: gold records and silver papers turned into annotated spaCy Docs.

Docs are made exactly as the extraction pipeline makes them (kg's tokenizer over the folded text), so
the tagger learns on the tokens it will see. Gold spans that do not fall on token boundaries are
trimmed to the tokens inside them. Two kinds of partial labels keep the model from learning what a
corpus does not say:

- a gold set that annotates no METHOD (TDMSci) gets the METHOD spans that kg's rules find in it marked
  *missing* rather than outside, so the model is not taught that methods are "O";
- silver papers (the shared corpus, labelled by the rules-only pipeline) keep the knowledge-base and
  abbreviation spans as entities, mark pattern guesses missing, and everything else outside.

Every Doc also carries what the rules found, as token tags (`benchmarks.experiments.ner_tagger.rule_features`), for
a model configured to read them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

from benchmarks.experiments.ner_tagger import rule_features
from kg.extract.spans import make_doc
from kg.train.corpus import FIELDS, gold_labels
from kg.types import LABELS, Paper

DOCBIN_ATTRS = ["ORTH", "SPACY", "TAG", "ENT_IOB", "ENT_TYPE"]


@dataclass
class ConversionStats:
    """What a conversion kept and dropped, for the training log."""

    docs: int = 0
    entities: int = 0
    misaligned: int = 0
    overlapping: int = 0
    missing: int = 0
    by_label: dict[str, int] = field(default_factory=dict)


def gold_docs(records: Sequence[Mapping[str, Any]], nlp: Language, *, rules: Language | None = None,
              stats: ConversionStats | None = None) -> list[Doc]:
    """One annotated Doc per non-empty title and abstract of the gold records.

    `nlp` supplies the tokenizer. When the records annotate no METHOD and `rules` (kg's rules-only
    pipeline) is given, the METHOD spans the rules find are marked missing.
    """
    stats = stats if stats is not None else ConversionStats()
    no_methods = "METHOD" not in gold_labels(records)
    out: list[Doc] = []
    for record in records:
        for fld in FIELDS:
            text = str(record.get(fld) or "")
            if not text.strip():
                continue
            doc = make_doc(nlp, text, fld)
            spans = []
            for ent in record["entities"]:
                if ent.get("field", "abstract") != fld or ent.get("label") not in LABELS:
                    continue
                span = doc.char_span(int(ent["start"]), int(ent["end"]), label=str(ent["label"]),
                                     alignment_mode="contract")
                if span is None or len(span) == 0:
                    stats.misaligned += 1
                    continue
                spans.append(span)
            kept = filter_spans(spans)
            stats.overlapping += len(spans) - len(kept)
            missing: list[Span] = []
            if rules is not None:
                predicted = rules(make_doc(rules, text, fld))
                rule_features(doc, [Span(doc, e.start, e.end, label=e.label_, span_id=e.id_) for e in predicted.ents])
                if no_methods:
                    missing = _rule_methods(predicted, kept)
                    stats.missing += len(missing)
            _annotate(doc, kept, missing, stats)
            doc.user_data = {"kg_id": str(record["id"]), "kg_field": fld}
            out.append(doc)
    return out


def _rule_methods(predicted: Doc, gold: list[Span]) -> list[Span]:
    """Spans (on the gold Doc's tokens) where the rules see a METHOD that no gold span touches."""
    taken = {i for s in gold for i in range(s.start, s.end)}
    return [Span(predicted, e.start, e.end) for e in predicted.ents
            if e.label_ == "METHOD" and not taken.intersection(range(e.start, e.end))]


def _annotate(doc: Doc, entities: list[Span], missing: list[Span], stats: ConversionStats) -> None:
    ents = [Span(doc, s.start, s.end, label=s.label_) for s in entities]
    gaps = [Span(doc, s.start, s.end) for s in missing]
    doc.set_ents(ents, missing=gaps, default="outside")
    stats.docs += 1
    stats.entities += len(ents)
    for s in ents:
        stats.by_label[s.label_] = stats.by_label.get(s.label_, 0) + 1


def silver_docs(papers: Iterable[Paper], rules: Language, *, stats: ConversionStats | None = None,
                sure_sources: frozenset[str] = frozenset({"kb", "abbrev"})) -> list[Doc]:
    """Docs of unlabelled papers annotated by the rules-only pipeline.

    Spans from `sure_sources` become entities, other rule spans (pattern guesses) are missing, every
    other token is outside.
    """
    stats = stats if stats is not None else ConversionStats()
    out: list[Doc] = []
    for paper in papers:
        for fld in FIELDS:
            text = paper.text(fld)  # type: ignore[arg-type]
            if not text.strip():
                continue
            doc = rules(make_doc(rules, text, fld))
            rule_features(doc, doc.ents)
            sure = [e for e in doc.ents if e.id_ in sure_sources]
            unsure = [e for e in doc.ents if e.id_ not in sure_sources]
            _annotate(doc, sure, unsure, stats)
            doc.user_data = {"kg_id": paper.id, "kg_field": fld}
            out.append(doc)
    return out


def to_docbin(docs: Iterable[Doc]) -> DocBin:
    """The Docs in a DocBin that keeps tokens, spaces and entity annotation (with missing tokens).

    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> len(to_docbin([nlp("a b")]))
    1
    """
    docbin = DocBin(attrs=DOCBIN_ATTRS, store_user_data=False)
    for doc in docs:
        docbin.add(doc)
    return docbin
