"""What kg's components leave on a Doc, as spaCy `Doc._` extensions registered in this one module.

A Doc that went through `kg.extract.build_nlp` carries, besides `doc.ents`:

- `doc._.kg_field` ("title" or "abstract") and `doc._.kg_text`, the text as the input gave it
  (`doc.text` is its folded form, of the same length, that the components read: `doc._.kg_folded`);
- `doc._.kg_abbreviations`: the abbreviation definitions found (`AbbreviationSpan`s);
- `doc._.kg_sentences`: the sentence spans `(start, end)` of the text;
- `doc._.kg_mentions` and `doc._.kg_claims`: the Doc's entities as `Mention`s and its `Claim`s, whose
  mention indices refer to `doc._.kg_mentions`;
- and kg's working state: `doc._.kg_ents` (the entities as the components last set them, written
  to `doc.ents` once, at the end), `kg_ents_pending`, `kg_records_only`, `kg_latex_commands` and
  `kg_latex_barrier` (see `kg.extract.spans`).

Registered at import (spaCy's own convention, and cheap: no model, no file). kg's components read
and write these values where spaCy keeps them, `data(doc)[KEY]` (`doc.user_data`) with the keys below, because
`doc._.name` costs about 3 µs a read, sixty times a dict lookup, and a Doc's entities are read a
few dozen times on their way through the pipeline.

>>> import spacy
>>> doc = spacy.blank("en")("a text")
>>> data(doc)[FIELD] = "title"
>>> doc._.kg_field, doc._.kg_claims
('title', None)
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc

EXTENSIONS: tuple[str, ...] = (
    "kg_field", "kg_text", "kg_folded", "kg_abbreviations", "kg_sentences", "kg_mentions", "kg_claims",
    "kg_ents", "kg_ents_pending", "kg_records_only", "kg_latex_commands", "kg_latex_barrier",
)


def key(name: str) -> tuple[str, str, None, None]:
    """Where spaCy keeps `doc._.<name>` in `doc.user_data` (`spacy.tokens.underscore.Underscore`).

    >>> key("kg_field")
    ('._.', 'kg_field', None, None)
    """
    return ("._.", name, None, None)


FIELD = key("kg_field")
TEXT = key("kg_text")
FOLDED = key("kg_folded")
ABBREVIATIONS = key("kg_abbreviations")
SENTENCES = key("kg_sentences")
MENTIONS = key("kg_mentions")
CLAIMS = key("kg_claims")
ENTS = key("kg_ents")
ENTS_PENDING = key("kg_ents_pending")
RECORDS_ONLY = key("kg_records_only")
LATEX_COMMANDS = key("kg_latex_commands")
LATEX_BARRIER = key("kg_latex_barrier")


def data(doc: Doc) -> dict[Any, Any]:
    """`doc.user_data`, typed as what it is: spaCy's stubs say `dict[str, Any]`, but `doc._` keeps its
    values there under the tuple keys of `key`."""
    return doc.user_data


def register() -> None:
    """Registers the extensions (once per process; also done at import)."""
    for name in EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


register()
