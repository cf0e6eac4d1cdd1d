"""The tokenizer kg uses: spaCy's English rules, with hyphens and slashes always split.

spaCy keeps "CIFAR-10" and "Llama-2" as single tokens but splits "Trans-Encoder"; names are matched
token by token, so kg splits every hyphen and slash between word characters. Gold spans such as
"BERT" in "BERT-base" then align with token boundaries too.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokenizer import Tokenizer
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
