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
and write these values where spaCy keeps them, `doc.user_data[KEY]` with the keys below (typed Any:
spaCy's stubs say the keys of `user_data` are strings, but `doc._` uses these tuples), because
`doc._.name` costs about 3 µs a read, sixty times a dict lookup, and a Doc's entities are read a
few dozen times on their way through the pipeline.

>>> import spacy
>>> doc = spacy.blank("en")("a text")
>>> doc.user_data[FIELD] = "title"
>>> doc._.kg_field, doc._.kg_claims
('title', None)
"""

from __future__ import annotations

from typing import Any, Final

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


FIELD: Final[Any] = key("kg_field")
TEXT: Final[Any] = key("kg_text")
FOLDED: Final[Any] = key("kg_folded")
ABBREVIATIONS: Final[Any] = key("kg_abbreviations")
SENTENCES: Final[Any] = key("kg_sentences")
MENTIONS: Final[Any] = key("kg_mentions")
CLAIMS: Final[Any] = key("kg_claims")
ENTS: Final[Any] = key("kg_ents")
ENTS_PENDING: Final[Any] = key("kg_ents_pending")
RECORDS_ONLY: Final[Any] = key("kg_records_only")
LATEX_COMMANDS: Final[Any] = key("kg_latex_commands")
LATEX_BARRIER: Final[Any] = key("kg_latex_barrier")


def register() -> None:
    """Registers the extensions (once per process; also done at import)."""
    for name in EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


register()
