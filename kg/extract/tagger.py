"""The trained tagger inside kg's pipeline: runs a model trained by `kg train` and combines its spans with the rules'.

Two kinds of model, told apart by their meta.json:
- ``crf`` (the one shipped in `kg/models/tagger`): kg's CRF (`kg.extract.crf`), which reads the rules'
  spans as features and so decides itself when a knowledge-base, abbreviation or pattern find is an
  entity;
- ``ner``: a spaCy NER pipeline (`kg train --kind ner`), run with the rules' entities set aside so it
  predicts freely.

The tagger's spans are then combined with what the knowledge base, abbreviations and patterns found.
The combination (`mode`) was chosen by cross-validation (`kg cv` scores all of them) and is recorded in
the model's meta.json: `ner_only` for the CRF, `ner_first` for the spaCy NER.

- ``"fill"``: known names win everywhere; the tagger only adds spans where nothing was found;
- ``"override"``: sure names (multi-word or case-matched knowledge-base names, abbreviation
  definitions and their short forms) win; the tagger replaces pattern guesses and one-word
  lower-case knowledge-base matches it disagrees with, and adds the rest;
- ``"sure_first"``: sure names first, then the tagger's spans where they are free, then the other
  rule spans where they are free;
- ``"ner_first"``: the tagger's spans first; a rule span displaces them where it is longer, and
  keeps its label and knowledge-base id where both found the same span;
- ``"ner_only"``: the tagger's spans alone; where a rule found the very same span with the same label,
  the rule's span (its source and knowledge-base id) stands for it;
- ``"ner_results"``: ``ner_only``, plus the rules' metric and dataset names within a few tokens of a
  number where nothing else was found. TDMSci, on which the CRF mostly learns, marks a metric only
  where a sentence is about it, so the CRF leaves many a "92.3% accuracy" untagged; a claim needs
  that metric (and dataset) to be attributed. This costs nothing on either gold set's F1 in
  cross-validation and raised metric attribution on kg's claims set from 0.72 to 0.77 when it was
  chosen.
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

MODES = ("fill", "override", "sure_first", "ner_first", "ner_only", "ner_results")
DEFAULT_MODE = "ner_first"
"""The mode of a model whose meta.json names none (spaCy NER models trained before modes were recorded)."""
SURE_SOURCES = frozenset({"abbrev"})
RESULT_LABELS = frozenset({"METRIC", "DATASET"})
NUMBER_WINDOW = 8
"""How many tokens before or after a metric or dataset name a number may be for `ner_results`."""
KINDS = ("crf", "ner")


def shipped_model() -> Path:
    """The directory of the trained tagger shipped inside the package."""
    return Path(str(resources.files("kg.models").joinpath("tagger")))


def model_meta(model: str | Path | None = None) -> dict[str, Any]:
    """kg's part of a trained model's meta.json (kind, mode, trained_on, ...); {} when unreadable."""
    path = Path(model) if model is not None else shipped_model()
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    kg_meta = meta.get("kg", {}) if isinstance(meta, dict) else {}
    return dict(kg_meta) if isinstance(kg_meta, dict) else {}


@lru_cache(maxsize=4)
def _load(path: str) -> Language:
    import spacy

    return spacy.load(path)


def trained_on(model: str | Path | None = None) -> dict[str, list[str]]:
    """The gold files and record ids a trained model was trained on (from its meta), by file name."""
    return dict(model_meta(model).get("trained_on", {}))


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


def near_number(doc: Doc, span: Span, window: int = NUMBER_WINDOW) -> bool:
    """Whether a token with a digit lies within `window` tokens before or after the span.

    >>> import spacy
    >>> doc = spacy.blank("en")("It reaches 92.3 % top-1 accuracy on the benchmark of many other words here")
    >>> near_number(doc, doc[5:7]), near_number(doc, doc[14:15], window=3)
    (True, False)
    """
    before = range(max(0, span.start - window), span.start)
    after = range(span.end, min(len(doc), span.end + window))
    return any(any(c.isdigit() for c in doc[i].text) for i in (*before, *after))


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
        same = {(e.start, e.end, e.label_): e for e in entities(doc)}
        set_entities(doc, [same.get((s.start, s.end, s.label_), s) for s in found])
    elif mode == "ner_results":
        rules = entities(doc)
        combine(doc, found, "ner_only")
        merge_entities(doc, [e for e in rules if e.label_ in RESULT_LABELS and near_number(doc, e)])
    elif mode == "ner_first":
        rules = entities(doc)
        known = {(e.start, e.end) for e in rules}
        set_entities(doc, [s for s in found if (s.start, s.end) not in known])
        merge_entities(doc, rules, override=True)
    else:
        raise KgError(f"unknown tagger mode {mode!r}; use {', '.join(MODES)}")


class Tagger:
    """spaCy component: the trained model of `model_path` (the shipped one when None), combined with the
    rules' entities by `mode` (the model's own recorded mode when None)."""

    def __init__(self, nlp: Language, model_path: str | None, mode: str | None = None,
                 kb_paths: list[str] | None = None) -> None:
        path = Path(model_path) if model_path else shipped_model()
        if not (path / "meta.json").is_file():
            raise KgError(f"no trained tagger at {path}; train one with `kg train` or use --fast")
        meta = model_meta(path)
        kind = str(meta.get("kind", "ner"))
        if kind not in KINDS:
            raise KgError(f"{path}: unknown tagger kind {kind!r}; use {', '.join(KINDS)}")
        mode = mode or str(meta.get("mode", DEFAULT_MODE))
        if mode not in MODES:
            raise KgError(f"unknown tagger mode {mode!r}; use {', '.join(MODES)}")
        self.kind = kind
        self.mode = mode
        self.path = path
        self._predict = _CrfModel(path, meta, kb_paths) if kind == "crf" else _NerModel(nlp, path)

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):  # type: ignore[no-untyped-call]
            found = self._predict(batch)
            for doc, spans in zip(batch, found, strict=True):
                combine(doc, spans, self.mode)
            yield from batch


class _CrfModel:
    """kg's CRF: features from each Doc's tokens and the rules' spans, then CRFsuite's labels."""

    def __init__(self, path: Path, meta: dict[str, Any], kb_paths: list[str] | None) -> None:
        from kg.extract.crf import FEATURE_GROUPS, CrfTagger, FeatureExtractor
        from kg.knowledge_base import read_kb

        model = path / str(meta.get("model_file", "crf.model"))
        if not model.is_file():
            raise KgError(f"{path}: the CRF model file {model.name} is missing; retrain with `kg train`")
        self.crf = CrfTagger(model)
        self.features = FeatureExtractor(read_kb(kb_paths), meta.get("feature_groups", FEATURE_GROUPS))

    def __call__(self, batch: list[Doc]) -> list[list[Span]]:
        from kg.extract.crf import rule_tags

        out = []
        for doc in batch:
            tags = rule_tags(len(doc), ((e.start, e.end, e.id_ or "kb", e.label_) for e in entities(doc)))
            words = [t.text for t in doc]
            spans = self.crf.spans(self.features(words, tags), words)
            out.append([make_span(doc, start, end, label, "ner") for start, end, label in spans])
        return out


class _NerModel:
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


def training_overlap(ids: Iterable[str], model: str | Path | None = None) -> int:
    """How many of `ids` the model (the shipped one by default) was trained on."""
    seen = {i for file_ids in trained_on(model).values() for i in file_ids}
    return sum(1 for i in ids if i in seen)


@Language.factory("kg_tagger", default_config={"model_path": None, "mode": None, "kb_paths": None})
def make_tagger(nlp: Language, name: str, model_path: str | None, mode: str | None,
                kb_paths: list[str] | None) -> Tagger:
    """spaCy factory of `Tagger`."""
    return Tagger(nlp, model_path, mode, kb_paths)
