"""The trained tagger inside kg's pipeline: runs a model trained by `kg train` and combines its spans with the rules'.

The model's kind, read from its meta.json, names its predictor in `KINDS`: ``crf`` (the one shipped
in `kg/models/tagger`) is kg's CRF (`kg.extract.crf`), which reads the rules' spans as features and so
decides itself when a knowledge-base, abbreviation or pattern find is an entity.

Its spans are then combined with what the knowledge base, abbreviations and patterns found, by the
combination `mode` recorded in the model's meta.json; `MODES` names the combinations. The shipped one,
chosen by cross-validation:

- ``"ner_results"``: the tagger's spans alone (where a rule found the very same span with the same
  label, the rule's span, its source and knowledge-base id, stands for it), plus the rules' metric
  and dataset names within a few tokens of a number where nothing else was found. TDMSci, on which
  the CRF mostly learns, marks a metric only where a sentence is about it, so the CRF leaves many a
  "92.3% accuracy" untagged; a claim needs that metric (and dataset) to be attributed. This costs
  nothing on either gold set's F1 in cross-validation and raised metric attribution on kg's claims
  set from 0.72 to 0.77 when it was chosen.

The other kinds and modes kg tried (spaCy's NER; "fill", "override", "sure_first", "ner_first",
"ner_only") are experiments: `benchmarks.experiments.ner_tagger` registers them (`register_mode`,
`register_kind`) for `python -m benchmarks.experiments.ner_cv`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from kg.errors import KgError
from kg.extract.spans import entities, make_span, merge_entities, set_entities

DEFAULT_MODE = "ner_results"
"""The mode of a model whose meta.json names none."""
RESULT_LABELS = frozenset({"METRIC", "DATASET"})
NUMBER_WINDOW = 8
"""How many tokens before or after a metric or dataset name a number may be for `ner_results`."""


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


def trained_on(model: str | Path | None = None) -> dict[str, list[str]]:
    """The gold files and record ids a trained model was trained on (from its meta), by file name."""
    return dict(model_meta(model).get("trained_on", {}))


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


def _ner_only(doc: Doc, found: list[Span]) -> None:
    """The tagger's spans alone; where a rule found the very same span with the same label, the rule's
    span (its source and knowledge-base id) stands for it."""
    same = {(e.start, e.end, e.label_): e for e in entities(doc)}
    set_entities(doc, [same.get((s.start, s.end, s.label_), s) for s in found])


def _ner_results(doc: Doc, found: list[Span]) -> None:
    """`_ner_only`, plus the rules' metric and dataset names next to a number where nothing was found."""
    rules = entities(doc)
    _ner_only(doc, found)
    merge_entities(doc, [e for e in rules if e.label_ in RESULT_LABELS and near_number(doc, e)])


Combine = Callable[[Doc, list[Span]], None]
"""A combination mode: sets the Doc's entities from its rule entities and the tagger's spans."""

MODES: dict[str, Combine] = {"ner_results": _ner_results}
"""The combination modes by name (`register_mode` adds one)."""


def register_mode(name: str, combine: Combine) -> None:
    """Makes `combine` available as mode `name` (of a model's meta.json, or `build_nlp(mode=...)`)."""
    MODES[name] = combine


def combine(doc: Doc, found: list[Span], mode: str) -> None:
    """Combines the tagger's spans with the Doc's entities (the rules'), in place, by `mode`."""
    run = MODES.get(mode)
    if run is None:
        raise KgError(f"unknown tagger mode {mode!r}; use {', '.join(MODES)}")
    run(doc, found)


Predictor = Callable[[list[Doc]], list[list[Span]]]
"""A model kind's predictor: the tagger's spans of each Doc of a batch."""
KindLoader = Callable[[Language, Path, dict[str, Any], "list[str] | None"], Predictor]

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
        load = KINDS.get(kind)
        if load is None:
            raise KgError(f"{path}: unknown tagger kind {kind!r}; use {', '.join(KINDS)}")
        mode = mode or str(meta.get("mode", DEFAULT_MODE))
        if mode not in MODES:
            raise KgError(f"unknown tagger mode {mode!r}; use {', '.join(MODES)}")
        self.kind = kind
        self.mode = mode
        self.path = path
        self._predict = load(nlp, path, meta, kb_paths)

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


def _load_crf(nlp: Language, path: Path, meta: dict[str, Any], kb_paths: list[str] | None) -> Predictor:
    return _CrfModel(path, meta, kb_paths)


KINDS: dict[str, KindLoader] = {"crf": _load_crf}
"""The model kinds by the name a meta.json gives (`register_kind` adds one): each loads a predictor."""


def register_kind(name: str, load: KindLoader) -> None:
    """Makes models whose meta.json says kind `name` loadable, by `load(nlp, path, meta, kb_paths)`."""
    KINDS[name] = load


def training_overlap(ids: Iterable[str], model: str | Path | None = None) -> int:
    """How many of `ids` the model (the shipped one by default) was trained on."""
    seen = {i for file_ids in trained_on(model).values() for i in file_ids}
    return sum(1 for i in ids if i in seen)


@Language.factory("kg_tagger", default_config={"model_path": None, "mode": None, "kb_paths": None})
def make_tagger(nlp: Language, name: str, model_path: str | None, mode: str | None,
                kb_paths: list[str] | None) -> Tagger:
    """spaCy factory of `Tagger`."""
    return Tagger(nlp, model_path, mode, kb_paths)
