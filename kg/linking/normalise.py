"""The matching key of a surface form: two mentions name the same thing when their keys are equal.

Why a key and not a similarity: exact keys are a dictionary lookup, so linking a million mentions
stays linear; fuzzy matching (`kg.linking.cluster`) only mops up near-spellings that survive it.

The key is built from tokens: NFKC, case-folded, split on everything that is not a letter, a digit
or one of ``+ @ # & *`` (so dashes of every kind, spaces, underscores, dots and slashes separate
tokens), apostrophes dropped, plurals folded per token, a leading article and trailing generic
head words ("dataset", "benchmark", "task", ...) removed, and the tokens joined *without*
separators, so "CIFAR10", "CIFAR-10" and "cifar 10" share the key "cifar10".
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import NamedTuple

from kg.types import LABELS, Label

# Characters that stay inside a token besides letters and digits: "C++", "R@1", "A*", "C#".
_SPLIT = re.compile(r"[^\w+@#&*]+|_+")
_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018\u02bc`")
_POSSESSIVE = re.compile(r"['\u2019\u02bc]s\b")  # "Cohen's kappa" -> "Cohen kappa"
_DIGITS = re.compile(r"\d+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_ACRONYM_PLURAL = re.compile(r"[A-Z0-9]{2,}s")  # "LLMs", "GANs", "MTs", "V100s"

_ARTICLES = frozenset({"the", "a", "an"})
# Words that end in "s" but are not plurals (or whose plural folding would only cause confusion).
_NOT_PLURAL = frozenset({
    "news", "series", "species", "bias", "alias", "atlas", "canvas", "lens", "gas", "chess", "physics",
    "mathematics", "diabetes", "always", "towards", "perhaps", "whereas", "across", "this", "thus",
    "has", "was", "does", "yes", "less", "unless", "mamba",
})
_IES_NOT_Y = frozenset({
    "movies", "cookies", "zombies", "pies", "ties", "lies", "dies", "calories", "selfies",
})
_ES_AFTER = ("sses", "xes", "ches", "shes", "zzes")

# Trailing head words that are not part of a name, by label (compared after plural folding).
_DATASET_HEADS = frozenset({"dataset", "benchmark", "corpus", "corpora", "suite"})
_HEADS: dict[Label | None, frozenset[str]] = {
    None: _DATASET_HEADS,
    "DATASET": _DATASET_HEADS,
    "TASK": frozenset({"task"}),
    "METRIC": frozenset({"score", "metric", "measure"}),
    "METHOD": frozenset({"model", "method", "algorithm", "architecture", "framework", "approach"}),
}
# For methods a head is removed only after a name ("BERT model", "GPT-3 architecture"), never after a
# common word: "language model" and "diffusion model" are names of kinds of model, not of "language".
_GENERIC_WORDS = frozenset({
    "language", "diffusion", "generative", "neural", "deep", "base", "baseline", "proposed", "our", "new",
    "large", "small", "foundation", "reward", "world", "vision", "text", "image", "video", "speech",
    "audio", "graph", "attention", "sequence", "linear", "mixture", "learning", "statistical",
    "probabilistic", "latent", "hybrid", "unified", "general", "simple", "this", "that", "these", "such",
    "final", "full", "teacher", "student", "policy", "value", "energy", "reasoning", "retrieval",
    "classification", "detection", "segmentation", "translation", "generation", "embedding",
    "recurrent", "convolutional", "multimodal", "pretrained", "trained",
})


def _fold_plural(token: str) -> str:
    """The singular of one case-folded word ("networks", "queries", "losses"; not "loss", "analysis")."""
    if len(token) <= 3 or not token.endswith("s") or not token.isascii() or not token.isalpha():
        return token
    if token in _NOT_PLURAL or token.endswith(("ss", "us", "is")):
        return token
    if token.endswith("ies") and len(token) > 4 and token not in _IES_NOT_Y:
        return token[:-3] + "y"
    if token.endswith(_ES_AFTER) and token != "caches":
        return token[:-2]
    return token[:-1]


def _name_like(originals: list[str]) -> bool:
    """Whether the words before a method head look like a name ("BERT", "GPT-3", "Transformer-XL")."""
    for word in originals:
        if any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:]):
            return True
    word = originals[0] if len(originals) == 1 else ""
    return word[:1].isupper() and word.casefold() not in _GENERIC_WORDS


def _is_acronym_plural(word: str) -> bool:
    return word[-1:] == "s" and _ACRONYM_PLURAL.fullmatch(word) is not None


def _words(text: str) -> tuple[list[str], list[str]]:
    """Case-folded words and the words as written, without a leading article, last word singular."""
    if not text.isascii():
        text = _POSSESSIVE.sub("", unicodedata.normalize("NFKC", text)).translate(_APOSTROPHES)
    elif "'" in text or "`" in text:
        text = _POSSESSIVE.sub("", text).translate(_APOSTROPHES)
    originals = [t for t in _SPLIT.split(text) if t]
    # Acronym plurals fold anywhere ("LLMs-as-judges"); other plurals only in the last word, because
    # an inner "Trans" in "Trans-Encoder" must give the same key as the single word "TransEncoder".
    words = [t[:-1].casefold() if _is_acronym_plural(t) else t.casefold() for t in originals]
    while len(words) > 1 and words[0] in _ARTICLES:
        words.pop(0)
        originals.pop(0)
    if words and not _is_acronym_plural(originals[-1]):
        words[-1] = _fold_plural(words[-1])
    return words, originals


def _strip_heads(words: list[str], originals: list[str], label: Label | None) -> list[str]:
    """`words` without the trailing head words that are generic for `label` (a new list if any go)."""
    heads = _HEADS[label]
    if len(words) < 2 or (words[-1] not in heads and words[-1] != "set"):
        return words
    words, originals = list(words), list(originals)
    while len(words) > 1:
        if words[-1] in heads and (label != "METHOD" or _name_like(originals[:-1])):
            del words[-1], originals[-1]
        elif len(words) > 2 and words[-2:] == ["data", "set"] and label in (None, "DATASET"):
            del words[-2:], originals[-2:]
        else:
            break
        if not _is_acronym_plural(originals[-1]):
            words[-1] = _fold_plural(words[-1])
    return words


def tokens(text: str, *, label: Label | None = None, strip_heads: bool = True) -> list[str]:
    """The normalised tokens of `text`; `normalise` joins them, `slug` joins them with hyphens.

    >>> tokens("the GLUE benchmark suite")
    ['glue']
    >>> tokens("Large Language Models")
    ['large', 'language', 'model']
    """
    words, originals = _words(text)
    return _strip_heads(words, originals, label) if strip_heads else words


class KeyVariants(NamedTuple):
    """Every key of one text, computed in one pass: bare (no heads stripped), plain (label None), typed.

    >>> v = key_variants("CIFAR-10 dataset")
    >>> v.bare, v.plain, v.typed("DATASET"), v.typed("METHOD")
    ('cifar10dataset', 'cifar10', 'cifar10', 'cifar10dataset')
    """

    bare: str
    plain: str
    method: str
    dataset: str
    metric: str
    task: str

    def typed(self, label: Label | None) -> str:
        """The key `normalise(text, label=label)`."""
        return self[_SLOT[label]]


_SLOT: dict[Label | None, int] = {None: 1, "METHOD": 2, "DATASET": 3, "METRIC": 4, "TASK": 5}
_ALL_HEADS = frozenset().union(*_HEADS.values(), {"set"})


def key_variants(text: str) -> KeyVariants:
    """All keys of `text` (see `KeyVariants`); cheap when the text ends in no head word at all."""
    words, originals = _words(text)
    bare = "".join(words)
    if len(words) < 2 or words[-1] not in _ALL_HEADS:
        return KeyVariants(bare, bare, bare, bare, bare, bare)
    keys = ["".join(_strip_heads(words, originals, label)) for label in (None, *LABELS)]
    return KeyVariants(bare, *keys)


def normalise(text: str, *, label: Label | None = None) -> str:
    """The matching key of a surface form (see the module docstring); '' when it has no word at all.

    `label` selects which trailing head words are generic: without a label (and for DATASET) the
    dataset heads go ("CIFAR-10 dataset", "the GLUE benchmark suite"); for TASK the word "task";
    for METRIC "score"/"metric"/"measure"; for METHOD "model"/"method"/"algorithm"/... but only after
    a name ("BERT model"), not after a common word ("language model" stays).

    >>> normalise("CIFAR-10") == normalise("CIFAR10") == normalise("cifar 10") == "cifar10"
    True
    >>> normalise("Llama-2") == normalise("LLaMA 2")
    True
    >>> [normalise(t) for t in ("LLMs", "GANs", "networks", "loss", "analysis", "losses", "queries")]
    ['llm', 'gan', 'network', 'loss', 'analysis', 'loss', 'query']
    >>> normalise("Trans-Encoder") == normalise("TransEncoder") == normalise("Trans Encoders")
    True
    >>> normalise("the CIFAR-10 dataset"), normalise("the GLUE benchmark suite"), normalise("SQuAD benchmark")
    ('cifar10', 'glue', 'squad')
    >>> normalise("machine translation task", label="TASK"), normalise("machine translation task")
    ('machinetranslation', 'machinetranslationtask')
    >>> normalise("BERT model", label="METHOD"), normalise("language model", label="METHOD")
    ('bert', 'languagemodel')
    >>> normalise("BLEU score", label="METRIC"), normalise("model", label="METHOD"), normalise("--")
    ('bleu', 'model', '')
    """
    return "".join(tokens(text, label=label))


def bare_key(text: str) -> str:
    """The key without head stripping: what a text says, whatever type it is taken for.

    >>> bare_key("CIFAR-10 dataset"), bare_key("the LLMs")
    ('cifar10dataset', 'llm')
    """
    return "".join(tokens(text, strip_heads=False))


def digit_signature(key: str) -> tuple[str, ...]:
    """The digit runs of a key: two keys whose signatures differ never merge by spelling.

    >>> digit_signature("resnet50"), digit_signature("cifar100"), digit_signature("bert")
    (('50',), ('100',), ())
    """
    return tuple(_DIGITS.findall(key))


def slug(text: str, *, label: Label | None = None, max_length: int = 80) -> str:
    """A readable id part: the normalised tokens, ASCII-folded, joined by '-' (only a-z, 0-9, '-').

    Falls back to a short SHA-1 of the text when nothing ASCII is left, so it is never empty.

    >>> slug("Trans-Encoder"), slug("the CIFAR-10 dataset"), slug("Large Language Models")
    ('trans-encoder', 'cifar-10', 'large-language-model')
    >>> slug("Éclair++"), len(slug("βγδ"))
    ('eclair', 12)
    """
    joined = "-".join(tokens(text, label=label))
    if not joined.isascii():
        joined = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode()
    ascii_text = joined.lower()
    out = _NOT_SLUG.sub("-", ascii_text).strip("-")[:max_length].strip("-")
    return out or hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
