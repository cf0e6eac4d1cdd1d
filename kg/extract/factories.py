"""Every spaCy factory of kg, registered in one place.

Registration happens when `register()` is called (by `build_nlp`), not at import, so that importing
kg does no work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.abbreviations import AbbreviationTagger
from kg.extract.claims import find_claims
from kg.extract.known_entities import KnownEntityMatcher
from kg.extract.numbers import find_quantities
from kg.extract.patterns import NamePatterns
from kg.extract.sentences import split_sentences
from kg.extract.spans import MENTIONS_KEY, entity_mentions, source_text, sync_entities
from kg.knowledge_base import read_kb


def _make_known_entities(nlp: Language, name: str, kb_paths: list[str] | None) -> KnownEntityMatcher:
    return KnownEntityMatcher(nlp, read_kb(kb_paths))


def _make_abbreviations(nlp: Language, name: str) -> AbbreviationTagger:
    return AbbreviationTagger()


def _make_name_patterns(nlp: Language, name: str) -> NamePatterns:
    return NamePatterns()


def _make_tagger(nlp: Language, name: str, model_path: str | None, mode: str | None,
                 kb_paths: list[str] | None) -> Any:
    from kg.extract.tagger import Tagger

    return Tagger(nlp, model_path, mode, kb_paths)


def find_claims_in_doc(doc: Doc) -> Doc:
    """Claims of the Doc's text, attributed to its entities; kept in `doc.user_data["kg_claims"]`.

    The last component of kg's pipeline: it also writes the entities to `doc.ents`."""
    field = doc.user_data.get("kg_field", "abstract")
    text = source_text(doc)
    sentences = split_sentences(text)
    doc.user_data["kg_sentences"] = sentences
    quantities = find_quantities(text)
    # The record's mentions, made once: the claims are attributed to them, and extract_papers keeps them.
    mentions = entity_mentions(doc)
    doc.user_data[MENTIONS_KEY] = mentions
    doc.user_data["kg_claims"] = find_claims(text, field, sentences, mentions, quantities=quantities)
    return sync_entities(doc)


def _make_claims(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    return find_claims_in_doc


_FACTORIES: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "kg_known_entities": (_make_known_entities, {"kb_paths": None}),
    "kg_abbreviations": (_make_abbreviations, {}),
    "kg_name_patterns": (_make_name_patterns, {}),
    "kg_claims": (_make_claims, {}),
    "kg_tagger": (_make_tagger, {"model_path": None, "mode": None, "kb_paths": None}),
}


def register() -> None:
    """Registers kg's factories with spaCy (once per process)."""
    for name, (func, config) in _FACTORIES.items():
        if not Language.has_factory(name):
            Language.factory(name, default_config=config, func=func)
