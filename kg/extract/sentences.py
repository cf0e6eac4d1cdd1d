"""Sentence spans of a text: a cheap splitter that knows abbreviations, initials and decimals.

Claims are attributed within their sentence, and the proposal cues are read per sentence, so both
use these spans.
"""

from __future__ import annotations

import re
from typing import Final

# A sentence end: ".", "!" or "?" (closing quotes and brackets after it) and a space, or a line break.
# Texts without a line break (almost every abstract) are split with the first branch alone: the
# line-break branch starts with `[ \t]*`, which gives sre no first character to skip ahead to, so
# with it sre tries the pattern at every character of the text. For the same reason the first
# branch says `[.!?][.!?]*`, not `[.!?]+`: sre skips ahead only to a pattern's first character set,
# not to that of a leading repeat.
_SENT_END_INLINE = re.compile(r"[.!?][.!?]*[\"'”’)\]]*[ \t\u00a0]+(?=\S)")
_SENT_END = re.compile(_SENT_END_INLINE.pattern + r"|[ \t]*\n\s*")
_ABBREVIATIONS: Final[frozenset[str]] = frozenset(
    {"e.g", "i.e", "al", "vs", "fig", "figs", "eq", "eqs", "cf", "approx", "resp", "sec", "secs",
     "tab", "no", "nos", "dr", "mr", "ms", "prof", "st", "vol", "ref", "refs", "incl", "w.r.t", "viz",
     "ca", "etc.,", "e.g.,", "i.e.,", "appx", "eqn", "thm", "def", "lem", "sect", "ch", "chap"}
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans `(start, end)` of `text`, trimmed of surrounding whitespace, in order.

    A cheap splitter: a sentence ends at ".", "!" or "?" followed by a space and an upper-case
    letter, digit, quote or bracket, or at a line break. It does not end after "e.g.", "i.e.",
    "et al.", "vs.", "Fig.", "Eq." and the like, after a single capital ("J. Smith"), or inside a
    decimal ("3.5"). Every non-space character of `text` lies in exactly one span.

    >>> t = "We use BERT, e.g. for QA. It gets 3.5 points vs. GPT-2 (Smith et al. 2020). Done."
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['We use BERT, e.g. for QA.', 'It gets 3.5 points vs. GPT-2 (Smith et al. 2020).', 'Done.']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in (_SENT_END if "\n" in text else _SENT_END_INLINE).finditer(text):
        chunk = m.group()
        if "\n" not in chunk:
            nxt = text[m.end()] if m.end() < len(text) else ""
            if not (nxt.isupper() or nxt.isdigit() or nxt in "\"'“‘([$"):
                continue
            if chunk[0] == "." and _abbreviation_before(text, m.start()):
                continue
            end = m.start() + len(chunk.rstrip())
        else:
            end = m.start()
        _add_span(spans, text, start, end)
        start = m.end()
    _add_span(spans, text, start, len(text))
    return spans


def _abbreviation_before(text: str, dot: int) -> bool:
    """True when the word that ends at `dot` (a ".") is an abbreviation or an initial."""
    lo = max(0, dot - 12)
    chunk = text[lo:dot]
    cut = max(chunk.rfind(" "), chunk.rfind("("), chunk.rfind("\t"), chunk.rfind("\n"))
    word = chunk[cut + 1:]
    if len(word) == 1 and word.isupper():
        return True
    return word.lower() in _ABBREVIATIONS


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
