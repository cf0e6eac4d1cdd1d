"""Which method mentions a paper proposes, as opposed to uses.

A paper proposes a method when its title is "Name: what it does", or when the method is the first one
named after a cue in the same sentence: "we propose X", "we introduce X", "this paper presents X",
"a new model called X", "X, a novel ...". Everything else is used.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from kg.types import Mention

_CUE = re.compile(
    r"\b(?:we|this (?:paper|work|article|study)|the present (?:paper|work)|in this (?:paper|work),? we)"
    r"\s+(?:\w+\s+){0,2}?(?:propose|proposes|introduce|introduces|present|presents|develop|develops|design"
    r"|designs|devise|devises|put forward|contribute|contributes|build|builds)\b"
    r"|\b(?:called|named|termed|dubbed|coined)\b",
    re.IGNORECASE,
)
# The same pattern (all lower case) with case, for lower-cased ASCII sentences: sre rejects an
# alternative whose first character differs without entering it, but enters every alternative of
# a case-insensitive pattern, so this finds the same cues in about half the time.
_CUE_LOWER = re.compile(_CUE.pattern)
# Lower-cased words of which every `_CUE` match contains one ("propos" for propose and proposes).
_CUE_WORDS = ("propos", "introduc", "present", "develop", "design", "devis", "put forward", "contribut", "build",
              "called", "named", "termed", "dubbed", "coined")
_NOVEL_AFTER = re.compile(r"^\s*(?:\([^)]*\))?\s*,\s*(?:a|an)\s+(?:novel|new|simple|unified|general)\b", re.I)


def proposed_indices(title: str, abstract: str, mentions: Sequence[Mention],
                     sentences: Sequence[tuple[int, int]]) -> list[int]:
    """Indices into `mentions` of the methods the paper proposes.

    `sentences` are the abstract's sentence spans.

    >>> a = "We propose FooNet, a model for parsing. FooNet beats BERT."
    >>> ms = [Mention("abstract", 11, 17, "FooNet", "METHOD"), Mention("abstract", 53, 57, "BERT", "METHOD")]
    >>> proposed_indices("", a, ms, [(0, 39), (40, 58)])
    [0]
    """
    chosen: set[int] = set()
    methods = [(i, m) for i, m in enumerate(mentions) if m.label == "METHOD"]
    for i, m in methods:
        if m.field == "title" and m.start == 0 and title[m.end:m.end + 2].lstrip().startswith(":"):
            chosen.add(i)
    in_abstract = sorted((m.start, i, m) for i, m in methods if m.field == "abstract")
    starts = [s for s, _, _ in in_abstract]
    for sent_start, sent_end in sentences:
        lo, hi = bisect_left(starts, sent_start), bisect_left(starts, sent_end)
        if lo == hi:
            continue
        sentence = abstract[sent_start:sent_end]
        in_sentence = [(i, m) for _, i, m in in_abstract[lo:hi]]
        if not in_sentence:
            continue
        cues = [sent_start + end for end in _cue_ends(sentence)]
        for cue_end in cues:
            after = [(i, m) for i, m in in_sentence if m.start >= cue_end]
            if after:
                chosen.add(after[0][0])
        for i, m in in_sentence:
            if _NOVEL_AFTER.match(abstract[m.end:m.end + 40]):
                chosen.add(i)
    names = {mentions[i].text.lower() for i in chosen}
    # Every later mention of a proposed name in the same paper is the same proposal.
    chosen.update(i for i, m in methods if m.text.lower() in names)
    return sorted(chosen)


def _cue_ends(sentence: str) -> list[int]:
    """Where each proposal cue of `sentence` ends ("We propose", "a model called").

    `_CUE` starts with a word boundary, which gives sre no first character to skip ahead to, so it
    is tried at every character. For ASCII sentences (where only ASCII letters differ in case) the
    lower-cased sentence is searched instead, first for the verbs with substring tests, which rule
    out three sentences in four, then with `_CUE_LOWER`. (`re.IGNORECASE` also equates a few
    non-ASCII letters with ASCII ones, "ſ" with "s": other sentences are searched with `_CUE`.)

    >>> _cue_ends("We propose X."), _cue_ends("Results improve."), _cue_ends("a model dubbed Y")
    ([10], [], [14])
    """
    if not sentence.isascii():
        return [m.end() for m in _CUE.finditer(sentence)]
    low = sentence.lower()
    if not any(word in low for word in _CUE_WORDS):
        return []
    return [m.end() for m in _CUE_LOWER.finditer(low)]
