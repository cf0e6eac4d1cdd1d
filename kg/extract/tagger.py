"""The trained tagger inside kg's pipeline: runs the shipped NER and combines its spans with the rules'.

The NER (trained by `kg train`, shipped in `kg/models/ner`) is run on each Doc with the rules'
entities set aside, so it predicts freely; its spans are then combined with what the knowledge base,
abbreviations and patterns found. The combination (`mode`) was chosen by cross-validation (`kg cv`
scores all of them; `ner_first` is the default: best on TDMSci's exact spans, close to `fill` on
SciREX's overlapping spans):

- ``"fill"``: known names win everywhere; the tagger only adds spans where nothing was found;
- ``"override"``: sure names (multi-word or case-matched knowledge-base names, abbreviation
  definitions and their short forms) win; the tagger replaces pattern guesses and one-word
  lower-case knowledge-base matches it disagrees with, and adds the rest;
- ``"sure_first"``: sure names first, then the tagger's spans where they are free, then the other
  rule spans where they are free;
- ``"ner_first"``: the tagger's spans first; a rule span displaces them where it is longer, and
  keeps its label and knowledge-base id where both found the same span;
- ``"ner_only"``: the tagger's spans alone (for measurement).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from kg.errors import KgError
from kg.extract.spans import entities, make_span, merge_entities, set_entities

MODES = ("fill", "override", "sure_first", "ner_first", "ner_only")
DEFAULT_MODE = "ner_first"
SURE_SOURCES = frozenset({"abbrev"})


def shipped_model() -> Path:
    """The directory of the trained pipeline shipped inside the package."""
    return Path(str(resources.files("kg.models").joinpath("ner")))


@lru_cache(maxsize=4)
def _load(path: str) -> Language:
    import spacy

    return spacy.load(path)


def trained_on(model: str | Path | None = None) -> dict[str, list[str]]:
    """The gold files and record ids a trained model was trained on (from its meta), by file name."""
    path = Path(model) if model is not None else shipped_model()
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return dict(meta.get("kg", {}).get("trained_on", {}))


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


def combine(doc: Doc, found: list[Span], mode: str) -> None:
    """Combines the tagger's spans with the Doc's entities (the rules'), in place."""
    if mode == "fill":
        merge_entities(doc, found)
    elif mode == "override":
        claimed = [False] * len(doc)
        for span in found:
            for i in range(span.start, span.end):
                claimed[i] = True
        kept = [e for e in entities(doc) if is_sure(e) or not any(claimed[e.start:e.end])]
        set_entities(doc, kept)
        merge_entities(doc, found)
    elif mode == "sure_first":
        rules = entities(doc)
        set_entities(doc, [e for e in rules if is_sure(e)])
        merge_entities(doc, found)
        merge_entities(doc, [e for e in rules if not is_sure(e)])
    elif mode == "ner_only":
        set_entities(doc, found)
    elif mode == "ner_first":
        rules = entities(doc)
        known = {(e.start, e.end) for e in rules}
        set_entities(doc, [s for s in found if (s.start, s.end) not in known])
        merge_entities(doc, rules, override=True)
    else:
        raise KgError(f"unknown tagger mode {mode!r}; use {', '.join(MODES)}")


class Tagger:
    """spaCy component: the trained NER of `model_path`, combined with the rules' entities by `mode`."""

    def __init__(self, nlp: Language, model_path: str | None, mode: str = DEFAULT_MODE) -> None:
        if mode not in MODES:
            raise KgError(f"unknown tagger mode {mode!r}; use {', '.join(MODES)}")
        path = Path(model_path) if model_path else shipped_model()
        if not (path / "meta.json").is_file():
            raise KgError(f"no trained tagger at {path}; train one with `kg train` or use --fast")
        trained = _load(str(path))
        ner: Any = trained.get_pipe("ner")
        self.ner = ner
        self.rule_features = bool(trained.meta.get("kg", {}).get("rule_features", False))
        self.mode = mode
        self.path = path
        for label in ner.labels:
            nlp.vocab.strings.add(label)

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):  # type: ignore[no-untyped-call]
            saved = [entities(doc) for doc in batch]
            for doc, rules in zip(batch, saved, strict=True):
                if self.rule_features:
                    rule_features(doc, rules)
                doc.set_ents([], default="missing")
            self.ner.set_annotations(batch, self.ner.predict(batch))
            for doc, rules in zip(batch, saved, strict=True):
                found = [make_span(doc, e.start, e.end, e.label_, "ner") for e in doc.ents]
                set_entities(doc, rules)
                combine(doc, found, self.mode)
            yield from batch


def training_overlap(ids: Iterable[str], model: str | Path | None = None) -> int:
    """How many of `ids` the model (the shipped one by default) was trained on."""
    seen = {i for file_ids in trained_on(model).values() for i in file_ids}
    return sum(1 for i in ids if i in seen)
