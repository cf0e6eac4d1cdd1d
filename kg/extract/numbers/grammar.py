"""The number grammar's regular expressions: numbers, number words, scales, units and the
neighbours that make a match something else (a setting, a range, a citation), and where a match may
start (`_matches`, which skips ahead to the few characters a number can start with).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

_SP = r"[ \t\u00a0\u2009\u202f]"  # one horizontal space (never a line break)
_NUM = (
    r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?"  # 1,024 / 1,024.5
    r"|[0-9]+(?:\.[0-9]+)?"  # 3 / 3.5
    r"|\.[0-9]+)"  # .5
    r"(?:[eE][-+]?[0-9]{1,3}(?![0-9]))?"  # 1e-4
)


def _scale(p: str) -> str:
    """A scale after a number: a word ("billion") or a glued letter ("7B"); groups `<p>w`/`<p>l`."""
    return (
        rf"(?:{_SP}?(?P<{p}w>(?i:thousand|million|billion|trillion))(?!\w)"
        rf"|(?P<{p}l>[KkMBT])(?![A-Za-z0-9]))"
    )


_SIZE_MOD = (
    r"training|pretraining|pre-training|trainable|total|unique|labeled|labelled|unlabeled|annotated"
    r"|synthetic|high-quality|text|image|video|audio|speech|instruction|parallel|pre-trained"
)
_SIZE_NOUN = (
    r"parameters?|params?|tokens?|images?|examples?|samples?|instances?|sentences?|words?"
    r"|documents?|pairs?|videos?|utterances?|frames?|questions?|dialogues?|conversations?"
)

_UNIT = rf"""
(?:
   {_SP}?(?P<pp>(?i:percentage{_SP}+points?|pp|p\.p\.|points?|pts))(?![\w])
 | {_SP}?(?P<pct>\\?%|(?i:per{_SP}?cent)(?!\w))
 | {_SP}+(?P<oom>orders?{_SP}+of{_SP}+magnitude)(?!\w)
 | {_SP}?(?P<mult>(?:[×xX](?:{_SP}?times)?|times)(?![A-Za-z0-9]))
 | {_SP}?(?P<fold>fold)(?!\w)
 | -(?P<cword>[a-z]+)(?![A-Za-z0-9])
 | {_SP}?(?P<gpuh>GPU[ -]?(?:hours?|hrs?|days?))(?!\w)
 | {_SP}?(?P<rate>(?:tokens?|toks?|samples?|images?|imgs?|frames?|queries|sequences|it)/s(?:ec)?
            |(?i:fps|qps|tps))(?!\w)
 | {_SP}?(?P<time>ms|milliseconds?|seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|weeks?)(?!\w)
 | {_SP}?(?P<mem>[KMGTP]i?B)(?!\w)
 | {_SP}?(?P<flops>[KMGTPE]?FLOP[sS]?|[KMGTPE]?MACs)(?!\w)
 | {_SP}?(?P<bits>bits?)(?!\w)
 | {_SP}?(?:(?:{_SIZE_MOD})[ -])?(?P<size>{_SIZE_NOUN})(?!\w)
)"""

_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}
_WORDNUMS: Final[dict[str, float]] = {
    **_ONES, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100,
}
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def _cased_alt(words: list[str] | tuple[str, ...]) -> str:
    """An alternation of lower-case words that also matches them capitalised, as a first-letter trie.

    Python's `re` skips a branch in C when its first op is a literal or a set that does not match,
    but not when the branch is case-insensitive: `(?i:one|two|...)` costs about three times more on
    ordinary text than `[Oo]ne|[Tt](?:wo|...)`. Longer words come first so "seventeen" is not read
    as "seven".
    """
    by_first: dict[str, list[str]] = {}
    for w in words:
        by_first.setdefault(w[0], []).append(w[1:])
    parts = []
    for first, rests in by_first.items():
        rests.sort(key=len, reverse=True)
        parts.append(f"[{first.upper()}{first}](?:{'|'.join(rests)})")
    return "|".join(parts)


_WORD_ALT = _cased_alt(list(_WORDNUMS))
_TENS_ALT = _cased_alt(_TENS)
_ONES_ALT = "|".join(_ONES)

# Digit-led forms, tried only where a digit, sign or point starts (a lookahead keeps the cost of
# the many alternatives off the ordinary word starts).
_DIGIT_CORE = rf"""
(?=[-+−.0-9])
(?:
   (?P<pw>10)\^\{{?(?P<pexp>[-−]?[0-9]{{1,3}})\}}?
 | (?P<sn>{_NUM}){_SP}?(?:×|x|\\times|times){_SP}?10\^\{{?(?P<sexp>[-−]?[0-9]{{1,3}})\}}?
 | (?P<d1>{_NUM}){_SP}?(?:[×xX]|\\?times){_SP}?{_NUM}(?:{_SP}?(?:[×xX]|\\?times){_SP}?{_NUM})*(?![0-9.])
 | (?P<sign>[-+−](?=\.?[0-9]))?(?P<n1>{_NUM}){_scale("s1")}?
     (?P<u1>{_SP}?\\?%|[×xX](?![A-Za-z0-9]))?
     (?:(?P<sep>{_SP}?[-–—‐~]{_SP}?|{_SP}+(?i:to){_SP}+)(?P<n2>{_NUM}){_scale("s2")}?)?
)"""

# Word-led forms: "between 3 and 5", "twice", "half", "a third", "three times", "two million".
_WORD_CORE = rf"""
(?=[ABDEFHMNOQSTabdefhmnoqst])
(?:
   [Bb]etween{_SP}+(?P<bn1>{_NUM}){_scale("bs1")}?(?P<bu1>{_SP}?\\?%|[×xX](?![A-Za-z0-9]))?
     {_SP}+and{_SP}+(?P<bn2>{_NUM}){_scale("bs2")}?
 | (?P<mag>(?:[Aa]n?|[Oo]ne){_SP}+order{_SP}+of{_SP}+magnitude
          |(?P<magn>{_cased_alt(("two", "three", "four", "five"))}){_SP}+orders{_SP}+of{_SP}+magnitude)
 | (?P<twice>{_cased_alt(("twice", "thrice", "doubles", "doubled", "triples", "tripled", "quadruples",
                          "quadrupled"))}|[Dd]ouble(?={_SP}+the\b))
 | (?P<half>[Hh]al(?:ves|ved|ving|f))
 | (?P<frac>(?:[Aa]|[Oo]ne)[{_SP[1:-1]}-](?:third|quarter|fifth|tenth)|[Tt]wo[{_SP[1:-1]}-]thirds
          |[Tt]hree[{_SP[1:-1]}-]quarters)
 | (?P<wplural>{_cased_alt(("hundreds", "thousands", "millions", "billions", "dozens", "tens"))})
     (?={_SP}+of\b)
 | (?P<wnum>(?P<wtens>{_TENS_ALT})-(?P<wones>{_ONES_ALT})|{_WORD_ALT})
     (?:{_SP}+(?P<wscale>hundred|thousand|million|billion|trillion)(?!\w))?
)"""

_CITE = rf"(?P<cite>\[{_SP}*[0-9]{{1,3}}(?:{_SP}*[,;–-]{_SP}*[0-9]{{1,3}})*{_SP}*\]|\([0-9]{{1,2}}\))"
_GLUED = r"[\w.@^{\\\-‐'’]"  # a character a number or number word may not follow

_PATTERN: Final[re.Pattern[str]] = re.compile(
    rf"{_CITE}|(?<!{_GLUED})(?:{_DIGIT_CORE}|{_WORD_CORE}){_UNIT}?", re.VERBOSE
)

# --- where a match may start ---------------------------------------------------------------------
# `_PATTERN.finditer` would try the grammar at every character: its first op (an alternation behind
# a lookbehind) gives sre no first character to skip ahead with, and at about 100 ns a try that was
# two thirds of `find_quantities`'s time, for one match per 500 characters. The scans below find the
# positions where a match may start instead; each begins with a literal or a character set, so sre
# skips the text between hits in a tight C loop. Their hits are a superset of the match starts (the
# grammar's own conditions are checked again by `_PATTERN.match`), so `_matches` finds what finditer
# finds, in about a third of the time.


def _literal_alt(words: list[str], *, cased: bool = True) -> str:
    """An alternation of lower-case words that also matches them capitalised, one branch per first letter.

    Unlike `_cased_alt`'s `[Tt](?:...)` branches, each branch starts with a literal: sre rejects it
    with one comparison, which makes the scans below about a third faster. With `cased=False`, the
    lower-case branches alone.

    >>> _literal_alt(["two", "ten"])
    't(?:wo|en)|T(?:wo|en)'
    """
    by_first: dict[str, list[str]] = {}
    for w in words:
        by_first.setdefault(w[0], []).append(w[1:])
    return "|".join(f"{first}(?:{'|'.join(rests)})" for lower, rests in by_first.items()
                    for first in ((lower, lower.upper()) if cased else (lower,)))


# The words a word-led form begins with, as prefixes ("halv" for halves/halved/halving; "tens"
# and "tenfold" start with "ten"); "between" before its first number; "a", "an" and "one" before
# "order", "third", "quarter", ...
_LEADING_WORDS = (
    "twice", "thrice", "double", "tripl", "quadrupl", "half", "halv", "hundreds", "thousands",
    "millions", "billions", "dozens", *_WORDNUMS,
)
_LEADING_PREFIXES = sorted(w for w in _LEADING_WORDS if not any(w != v and w.startswith(v) for v in _LEADING_WORDS))
_LEADING = _literal_alt(_LEADING_PREFIXES) + rf"|[Bb]etween{_SP}+\.?[0-9]|[Aa]n?[{_SP[1:-1]}-]+(?:or|th|qu|fi|te)"
_LEADING_LOWER = (_literal_alt(_LEADING_PREFIXES, cased=False)
                  + rf"|between{_SP}+\.?[0-9]|an?[{_SP[1:-1]}-]+(?:or|th|qu|fi|te)")
_LEADING_AT: Final[re.Pattern[str]] = re.compile(_LEADING)

# A citation bracket, or a digit, sign or point that no glued character precedes: a match starts at it.
_AT_START: Final[re.Pattern[str]] = re.compile(
    rf"[\[(\-+−.0-9](?:(?<=[\[(])(?={_SP}*[0-9])|(?<!{_GLUED}.)(?=\.?[0-9]|(?<=[0-9])))"
)
# A space, or another character a number may follow, before a leading word: a match may start after
# it. (The second scan's class is the complement of `_GLUED` with `\w` spelled out for ASCII only:
# non-ASCII letters are hits too, which `_PATTERN`'s own lookbehind then rejects.)
_BEFORE_WORD: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(rf" (?={_LEADING})"),
    re.compile(rf"[^ a-zA-Z0-9_.@^{{\\\-‐'’](?={_LEADING})"),
)


# The first scan again, for lower-cased ASCII text: one branch per first letter instead of two, which
# sre rejects at a space twice as fast. Lower-casing only adds hits ("TWICE"), and hits are checked.
_BEFORE_WORD_LOWER: Final[re.Pattern[str]] = re.compile(rf" (?={_LEADING_LOWER})")


def _match_starts(text: str) -> list[int]:
    """Positions of `text` where `_PATTERN` may match, in order: a superset of its match starts."""
    starts = [m.start() for m in _AT_START.finditer(text)]
    if text.isascii():
        starts.extend(m.end() for m in _BEFORE_WORD_LOWER.finditer(text.lower()))
        starts.extend(m.end() for m in _BEFORE_WORD[1].finditer(text))
    else:
        for scan in _BEFORE_WORD:
            starts.extend(m.end() for m in scan.finditer(text))
    if _LEADING_AT.match(text):  # a leading word at the very start has nothing before it
        starts.append(0)
    return sorted(set(starts))


def _matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of `_PATTERN.finditer(text)`, found by trying `_PATTERN.match` at `_match_starts` only.

    Like finditer, the next match is looked for where the previous one ended (no match is empty).

    >>> t = "GPT-4 [12] reaches twice 92.3% (1) on CIFAR-10, -0.5 vs. .5 and a third"
    >>> [m.group() for m in _matches(t)] == [m.group() for m in _PATTERN.finditer(t)]
    True
    """
    match = _PATTERN.match
    end = 0
    for start in _match_starts(text):
        if start >= end:
            m = match(text, start)
            if m is not None:
                end = m.end()
                yield m

# Small helper patterns run on a bounded slice around one match.
_FROM_BEFORE = re.compile(r"(?i)\bfrom\s+(?:about\s+|around\s+|approximately\s+|roughly\s+|~\s*)?$")
_RANGE_FROM = re.compile(r"(?i)\brang\w*\s+from\s+(?:about\s+|around\s+|approximately\s+|roughly\s+)?$")
_HALF_REDUCE = re.compile(
    r"(?i)\b(?:in|by|to)\s+(?:(?:more|less)\s+than\s+|(?:nearly|almost|about|roughly|over|around"
    r"|approximately|just|only)\s+)?(?:a\s+)?$"
)
_MODEL_AFTER = re.compile(
    rf"{_SP}?-?{_SP}?(?:(?:parameter|param){_SP}?)?(?:models?|LLMs?|LMs?|language{_SP}models?"
    r"|transformers?|networks?|checkpoints?|teachers?|students?|variants?|versions?|scale)\b"
)
_CROSS_AFTER = re.compile(rf"{_SP}?-?{_SP}?(?i:cross|cv\b)")

_SCALE_VALUE: Final[dict[str, float]] = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_SCALE_WORD: Final[dict[str, str]] = {"thousand": "K", "million": "M", "billion": "B", "trillion": "T"}
_TIME_UNIT: Final[dict[str, str]] = {
    "ms": "ms", "millisecond": "ms", "milliseconds": "ms", "s": "s", "sec": "s", "secs": "s",
    "second": "s", "seconds": "s", "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "day": "days", "days": "days", "week": "weeks", "weeks": "weeks",
}
_COMPOUND_UNIT: Final[dict[str, str]] = {
    "fold": "x", "times": "x", "bit": "bit", "bits": "bit", "parameter": "params",
    "parameters": "params", "param": "params", "params": "params",
}
_SIZE_COMPOUND: Final[frozenset[str]] = frozenset(
    {"token", "tokens", "image", "images", "example", "examples", "sample", "samples", "instance",
     "instances", "sentence", "sentences", "word", "words", "document", "documents"}
)
_PLURAL_VALUE: Final[dict[str, float]] = {
    "hundreds": 100.0, "thousands": 1e3, "millions": 1e6, "billions": 1e9, "dozens": 12.0, "tens": 10.0,
}
_FRACTIONS: Final[dict[str, float]] = {
    "third": 1 / 3, "quarter": 0.25, "fifth": 0.2, "tenth": 0.1, "thirds": 2 / 3, "quarters": 0.75,
}
_MULT_WORDS: Final[dict[str, float]] = {
    "twice": 2.0, "thrice": 3.0, "double": 2.0, "doubles": 2.0, "doubled": 2.0,
    "triples": 3.0, "tripled": 3.0, "quadruples": 4.0, "quadrupled": 4.0,
}
_MINUSES = "-−"
