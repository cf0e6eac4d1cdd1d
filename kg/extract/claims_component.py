"""The last component of kg's pipeline: the Doc's claims, attributed to its entities.

It runs `kg.extract.claims.find_claims` over the Doc's text (plain strings and `Mention`s, so that
module needs no spaCy) and keeps what it made on the Doc: `doc._.kg_sentences`, `doc._.kg_mentions`
(the entities as Mentions, made once) and `doc._.kg_claims` (whose mention indices refer to
`doc._.kg_mentions`). It also writes the entities to `doc.ents` (`kg.extract.spans.sync_entities`).
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.claims import find_claims
from kg.extract.extensions import CLAIMS, FIELD, MENTIONS, SENTENCES
from kg.extract.numbers import find_quantities
from kg.extract.sentences import split_sentences
from kg.extract.spans import entity_mentions, source_text, sync_entities
from kg.types import Field


def find_claims_in_doc(doc: Doc) -> Doc:
    """Claims of the Doc's text, attributed to its entities; kept in `doc._.kg_claims`.

    >>> from kg.extract import build_nlp
    >>> doc = build_nlp("fast")("BERT reaches 91.2 F1 on SQuAD.")
    >>> [(c.text, doc._.kg_mentions[c.dataset_mention].text) for c in doc._.kg_claims]
    [('91.2', 'SQuAD')]
    """
    field: Field = doc.user_data.get(FIELD) or "abstract"
    text = source_text(doc)
    sentences = split_sentences(text)
    doc.user_data[SENTENCES] = sentences
    quantities = find_quantities(text)
    # The record's mentions, made once: the claims are attributed to them, and extract_papers keeps them.
    mentions = entity_mentions(doc)
    doc.user_data[MENTIONS] = mentions
    doc.user_data[CLAIMS] = find_claims(text, field, sentences, mentions, quantities=quantities)
    return sync_entities(doc)


@Language.factory("kg_claims")
def make_claims(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """spaCy factory of the claims component."""
    return find_claims_in_doc
