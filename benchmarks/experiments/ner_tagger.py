"""The tagger kind and combination modes kg tried and does not ship, registered for experiments.

`register()` adds to `kg.extract.tagger`:

- the kind ``ner``: a spaCy NER pipeline (trained by `benchmarks.experiments.ner_train`), run with the
  rules' entities set aside so it predicts freely (and, if trained so, reading them as token tags);
- the modes
  - ``"fill"``: known names win everywhere; the tagger only adds spans where nothing was found;
  - ``"override"``: sure names (multi-word or case-matched knowledge-base names, abbreviation
    definitions and their short forms) win; the tagger replaces pattern guesses and one-word
    lower-case knowledge-base matches it disagrees with, and adds the rest;
  - ``"sure_first"``: sure names first, then the tagger's spans where they are free, then the other
    rule spans where they are free;
  - ``"ner_first"``: the tagger's spans first; a rule span displaces them where it is longer, and
    keeps its label and knowledge-base id where both found the same span (the mode of a spaCy NER
    model, whose meta.json names none);
  - ``"ner_only"``: the tagger's spans alone; where a rule found the very same span with the same
    label, the rule's span (its source and knowledge-base id) stands for it.

Cross-validation scored them all (`python -m benchmarks.experiments.ner_cv`); the shipped CRF and its
``ner_results`` mode are in `kg.extract.tagger`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extract import tagger
from kg.extract.spans import entities, make_span, merge_entities, set_entities

SURE_SOURCES = frozenset({"abbrev"})
NER_MODE = "ner_first"
"""The mode of a spaCy NER model whose meta.json names none."""


def rule_features(doc: Doc, ents: Iterable[Span]) -> None:
    """Writes what the rules found into each token's `tag_` ("B-kb-METHOD", "I-pattern-DATASET", "O"),
    the feature through which a model trained with rule features sees them. kg runs no POS tagger,
    so the attribute is free."""
    tags = ["O"] * len(doc)
    for ent in ents:
        source = ent.id_ or "kb"
        tags[ent.start] = f"B-{source}-{ent.label_}"
        for i in range(ent.start + 1, ent.end):
            tags[i] = f"I-{source}-{ent.label_}"
    for token, tag in zip(doc, tags, strict=True):
        token.tag_ = tag


def is_sure(span: Span) -> bool:
    """Whether a rule span is a name kg is sure of: an abbreviation, or a knowledge-base name that is
    several tokens long or was matched with its case."""
    if span.id_ in SURE_SOURCES:
        return True
    if span.id_ != "kb":
        return False
    return len(span) > 1 or any(c.isupper() for c in span.text)


def fill(doc: Doc, found: list[Span]) -> None:
    merge_entities(doc, found)


def override(doc: Doc, found: list[Span]) -> None:
    claimed = [False] * len(doc)
    for span in found:
        for i in range(span.start, span.end):
            claimed[i] = True
    kept = [e for e in entities(doc) if is_sure(e) or not any(claimed[e.start:e.end])]
    set_entities(doc, kept)
    merge_entities(doc, found)


def sure_first(doc: Doc, found: list[Span]) -> None:
    rules = entities(doc)
    set_entities(doc, [e for e in rules if is_sure(e)])
    merge_entities(doc, found)
    merge_entities(doc, [e for e in rules if not is_sure(e)])


def ner_first(doc: Doc, found: list[Span]) -> None:
    rules = entities(doc)
    known = {(e.start, e.end) for e in rules}
    set_entities(doc, [s for s in found if (s.start, s.end) not in known])
    merge_entities(doc, rules, override=True)


def ner_only(doc: Doc, found: list[Span]) -> None:
    same = {(e.start, e.end, e.label_): e for e in entities(doc)}
    set_entities(doc, [same.get((s.start, s.end, s.label_), s) for s in found])


MODES: dict[str, tagger.Combine] = {"fill": fill, "override": override, "sure_first": sure_first,
                                    "ner_first": ner_first, "ner_only": ner_only}
ALL_MODES = ("fill", "override", "sure_first", "ner_first", "ner_only", "ner_results")
"""Every mode cross-validation scores, in the order of its tables."""


@lru_cache(maxsize=4)
def _load(path: str) -> Language:
    import spacy

    return spacy.load(path)


class NerModel:
    """A spaCy NER pipeline, run on each Doc with the rules' entities set aside (restored afterwards)."""

    def __init__(self, nlp: Language, path: Path) -> None:
        trained = _load(str(path))
        ner: Any = trained.get_pipe("ner")
        self.ner = ner
        self.rule_features = bool(trained.meta.get("kg", {}).get("rule_features", False))
        for label in ner.labels:
            nlp.vocab.strings.add(label)

    def __call__(self, batch: list[Doc]) -> list[list[Span]]:
        saved = [entities(doc) for doc in batch]
        for doc, rules in zip(batch, saved, strict=True):
            if self.rule_features:
                rule_features(doc, rules)
            doc.set_ents([], default="missing")
        self.ner.set_annotations(batch, self.ner.predict(batch))
        out = []
        for doc, rules in zip(batch, saved, strict=True):
            out.append([make_span(doc, e.start, e.end, e.label_, "ner") for e in doc.ents])
            set_entities(doc, rules)
        return out


def _load_ner(nlp: Language, path: Path, meta: dict[str, Any], kb_paths: list[str] | None) -> tagger.Predictor:
    return NerModel(nlp, path)


def register() -> None:
    """Adds the ``ner`` kind and the five experimental modes to `kg.extract.tagger` (idempotent)."""
    tagger.register_kind("ner", _load_ner)
    for name, combine in MODES.items():
        tagger.register_mode(name, combine)
