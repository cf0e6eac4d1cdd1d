"""The tokenizer kg uses: spaCy's English rules, with hyphens and slashes always split.

spaCy keeps "CIFAR-10" and "Llama-2" as single tokens but splits "Trans-Encoder"; names are matched
token by token, so kg splits every hyphen and slash between word characters. Gold spans such as
"BERT" in "BERT-base" then align with token boundaries too.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

_EXTRA_INFIXES = (
    r"(?<=[0-9A-Za-z\u00C0-\u024F])[-/](?=[0-9A-Za-z\u00C0-\u024F])",
    r"(?<=[0-9])(?=[%\u00d7])",
)


def customize_tokenizer(nlp: Language) -> None:
    """Adds kg's infix rules to `nlp`'s tokenizer, in place.

    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> customize_tokenizer(nlp)
    >>> [t.text for t in nlp("CIFAR-10 with Llama-2-7B, 92.3%")]
    ['CIFAR', '-', '10', 'with', 'Llama', '-', '2', '-', '7B', ',', '92.3', '%']
    """
    infixes = list(nlp.Defaults.infixes or ()) + list(_EXTRA_INFIXES)
    tokenizer: Tokenizer = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    tokenizer.max_cache_size = CACHE_CHUNKS


CACHE_CHUNKS = 250_000
"""How many distinct whitespace-separated chunks the tokenizer remembers. spaCy's default, 10,000, is
filled by the knowledge base's names alone, after which no chunk of a paper was cached and every
word went through the affix rules again; 250,000 chunks take about 20 MB."""


LONG_RUN = 200
"""Non-space runs longer than this many characters are tokenized piece by piece (see `tokenize`)."""
_LONG_RUN = re.compile(rf"\S{{{LONG_RUN + 1},}}")


def tokenize(nlp: Language, text: str) -> Doc:
    """`nlp.make_doc(text)`, in time linear in the length of `text` whatever it holds.

    spaCy's tokenizer strips prefixes and suffixes from a whitespace-separated chunk one at a time,
    searching the rest of the chunk again after each: a chunk of n brackets costs n searches of up
    to n characters (10 kB of "(((...)))" took 11 s, 20 kB 26 s). Ordinary text has no chunk longer
    than `LONG_RUN` characters (a long URL has a few hundred at most), and is tokenized exactly as
    before; in a text that has one, each over-long run is tokenized in pieces of `LONG_RUN`
    characters (a token boundary falls at every piece boundary) and the rest of the text as usual.

    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> doc = tokenize(nlp, "see " + "(" * 450 + " here")
    >>> doc.text == "see " + "(" * 450 + " here", len(doc)
    (True, 452)
    """
    if _LONG_RUN.search(text) is None:
        return nlp.make_doc(text)
    words: list[str] = []
    spaces: list[bool] = []

    def add(piece: str) -> None:
        if piece:
            for token in nlp.tokenizer(piece):
                words.append(token.text)
                spaces.append(bool(token.whitespace_))

    done = 0
    for run in _LONG_RUN.finditer(text):
        add(text[done:run.start()])
        # a space after the run stays with its last piece, as the whitespace of its last token
        done = run.end() + 1 if text.startswith(" ", run.end()) else run.end()
        for at in range(run.start(), run.end(), LONG_RUN):
            add(text[at:done if at + LONG_RUN >= run.end() else at + LONG_RUN])
    add(text[done:])
    return Doc(nlp.vocab, words=words, spaces=spaces)
