"""The words and patterns the claim finder reads around a number: cue words and their kinds, units,
metric words, and the gaps that link a number to a metric or make numbers a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Final

from kg.types import ClaimKind, Mention

_WORD = re.compile(r"[A-Za-z0-9][\w'@-]*")
_LETTER_WORD = re.compile(r"[A-Za-z][A-Za-z-]*")

_SCORE_CUES: Final = ("achiev", "reach", "obtain", "attain", "scor", "yield", "record", "deliver",
                      "hit", "gets", "got", "rank", "establish")
_IMPROVE_CUES: Final = ("improv", "outperform", "surpass", "boost", "gain", "increas", "exceed",
                        "beat", "enhanc", "advanc", "margin", "rais", "lift", "uplift", "better",
                        "higher", "above", "ahead")
_REDUCE_CUES: Final = ("reduc", "fewer", "less", "lower", "cut", "sav", "decreas", "shrink", "compress",
                       "smaller", "cheaper", "drop", "halv", "trim", "lessen", "minimi", "declin",
                       "shorten", "prun", "below", "remov", "eliminat")
_SPEED_CUES: Final = ("faster", "speedup", "speed", "accelerat", "quicker", "throughput")
_AFTER_CUES: Final[dict[str, ClaimKind]] = {
    **dict.fromkeys(("fast", "quick", "quickly", "faster", "speedup", "speedups", "speed-up", "speed-ups",
                     "acceleration", "quicker", "throughput"), "speedup"),
    **dict.fromkeys(("fewer", "less", "lower", "reduction", "reductions", "decrease", "smaller", "cheaper",
                     "savings", "saving", "drop", "compression", "shorter", "cut", "lighter", "small",
                     "few", "little", "cheap"), "reduction"),
    **dict.fromkeys(("improvement", "improvements", "gain", "gains", "increase", "boost", "higher",
                     "better", "above", "stronger", "uplift", "margin", "lead"),
                    "improvement"),
    **dict.fromkeys(("larger", "bigger", "longer", "greater", "more", "wider", "deeper", "loss",
                     "degradation", "large", "many", "much", "long"), "other"),
}
# "absolute" and "relative" qualify a change whose direction another word gives ("a relative
# reduction of 3%"); alone ("a 2.1% absolute gain" aside) they mean an improvement.
_MODIFIERS: Final[frozenset[str]] = frozenset({"absolute", "relative", "absolutely", "relatively"})
_AFTER_PRECEDENCE: Final[tuple[ClaimKind, ...]] = ("speedup", "reduction", "improvement", "other")
_STOP_AFTER: Final[frozenset[str]] = frozenset(
    {"on", "in", "for", "and", "or", "while", "with", "than", "over", "compared", "to", "at", "from",
     "by", "across", "of", "vs", "versus", "against", "using", "when", "whereas", "but", "as", "the",
     "a", "an", "respectively", "which", "that", "under", "within", "without", "per"}
)
_QUALIFIERS: Final[frozenset[str]] = frozenset(
    {"about", "around", "approximately", "roughly", "nearly", "almost", "only", "just", "over", "under",
     "at", "least", "most", "up", "to", "by", "of", "a", "an", "the", "as", "much", "many", "some",
     "average", "on", "mere", "merely", "even", "still", "substantial", "significant", "remarkable",
     "impressive", "notable", "consistent", "large", "absolute"}
)

_MEASURE_UNITS: Final[frozenset[str]] = frozenset(
    {"ms", "s", "min", "hours", "days", "weeks", "GPU hours", "GPU days", "fps", "qps", "tps"}
)
_SIZE_UNITS: Final[frozenset[str]] = frozenset(
    {"tokens", "images", "examples", "samples", "instances", "sentences", "words", "documents", "pairs",
     "videos", "utterances", "frames", "questions", "dialogues", "conversations"}
)
_SCALE_UNITS: Final[frozenset[str]] = frozenset({"K", "M", "B", "T"})
_MEMORY_OR_COMPUTE = re.compile(r"^(?:[KMGTP]i?B|[KMGTPE]?FLOP[sS]?|[KMGTPE]?MACs|.+/s)$")

_BUILTIN_METRIC_WORDS = (
    r"(?<![\w-])(?:top-[15]\s+accuracy|exact\s+match|win\s+rate|success\s+rate|error\s+rate"
    r"|inference\s+(?:time|speed|latency|cost)|training\s+(?:time|cost|speed)|model\s+size"
    r"|memory(?:\s+(?:usage|footprint|consumption|cost))?|accuracy|f1(?:[- ]score)?|bleu|rouge(?:-[12l])?"
    r"|em|perplexity|ppl|wer|cer|map|miou|iou|auc|auroc|latency|throughput|parameters|flops|compute"
    r"|precision|recall|psnr|ssim|fid|spearman|pearson|correlation|pass@1|bertscore|meteor|cider"
    r"|chrf|comet|ndcg|mrr|mae|mse|rmse|error|cost|energy|speed)(?![\w-])"
)
_BUILTIN_METRIC = re.compile(_BUILTIN_METRIC_WORDS, re.IGNORECASE)
# The same words for lower-cased ASCII text, matched with case: sre rejects an alternative whose
# first character differs without entering it, but enters every alternative of a case-insensitive
# pattern, so this is about three times faster (see `_metric_word_spans`).
_BUILTIN_METRIC_LOWER = re.compile(_BUILTIN_METRIC_WORDS)
_REFERENCE_BEFORE = re.compile(
    r"(?i)(?<![\w-])(?:sections?|sec|secs|sect|tables?|tab|figures?|figs?|eqs?|eqn|equations?"
    r"|appendix|appendices|chapters?|ch|algorithms?|alg|theorems?|thm|lemmas?|corollary|definitions?"
    r"|propositions?|steps?|lines?|pages?|top|rank|version|phase|stage|part|round|level|task"
    r"|experiment|exp|setting|case|#)\.?[\s~(]*$"
)
_TARGET_BEFORE = re.compile(
    r"(?i)(?<!\bup\s)(?<![\w-])to\s+(?:(?:about|around|approximately|roughly|nearly|only|just|a|an)\s+)*$"
)
_DATASET_INTRO = re.compile(r"(?i)(?<![\w-])(?:on|in|across|at)\s+(?:the\s+|a\s+)?$")
_BASELINE_BEFORE = re.compile(
    r"(?i)(?<![\w-])(?:over|than|vs\.?|versus|against|compared\s+(?:to|with)|relative\s+to"
    r"|outperform\w*|surpass\w*|beat\w*|exceed\w*|baselines?|upon|like|such\s+as|including|e\.g\.,?"
    r"|from)\s+(?:(?:the|a|an|strong|competitive|state-of-the-art|previous|prior|existing|standard"
    r"|vanilla|original|baseline)\s+)*$"
)
# The words that may end the gap between a metric and its number: "accuracy of 92.3%", "improves
# BLEU by 2.1", "accuracy is 92.3", "accuracy (92.3%)". Anything else ("perplexity anomalies and
# introduce 15 domains") means the metric belongs to another part of the sentence.
_LINKING = frozenset(
    {"of", "by", "is", "was", "are", "were", "at", "to", "from", "reaches", "reached", "achieves",
     "achieved", "achieving", "reaching", "obtains", "obtained", "attains", "scores", "scored", "yields",
     "improves", "improved", "improving", "increases", "increased", "reduces", "reduced", "reducing",
     "boosts", "boosted", "drops", "dropped", "gains", "only", "just", "nearly", "about", "approximately",
     "around", "roughly", "up", "over", "above", "below", "than", "as", "high", "low", "average"}
)
_FROM_BEFORE = re.compile(r"(?i)(?<![\w-])from\s+(?:(?:about|around|approximately|roughly|~)\s*)?$")
_BY_BEFORE = re.compile(
    r"(?i)(?<![\w-])by\s+(?:(?:up\s+to|about|around|approximately|roughly|nearly|almost|over|more\s+than"
    r"|at\s+least|as\s+much\s+as|an?\s+(?:average|absolute|relative)\s+of|~)\s*)*$"
)
_VERSION_BEFORE = re.compile(r"(?<![\w-])(?:[A-Z][\w-]*|[a-z]+[A-Z][\w-]*) $")
_FIRST_WORD = re.compile(r"[ \t\u00a0]+([A-Za-z][A-Za-z-]*)")
_CLAUSE_BREAK = frozenset({"and", "or", "while", "whereas", "but", "which", "that", "where", "when"})
_IN_TERMS_OF = re.compile(r"(?i)^\s*in\s+terms\s+of\s+(?:the\s+)?(?:average\s+|mean\s+|overall\s+)?$")
_OF_THE = re.compile(r"(?i)^\s*of\s+(?:the\s+|its\s+|their\s+)?(?:[a-z-]+\s+)?$")
_LIST_WORDS = frozenset({"and", "or", "vs", "versus", "respectively"})
_LIST_JOIN = re.compile(r"(?i)^\s*(?:,\s*|,?\s*(?:and|or)\s+)(?:the\s+)?$")


@lru_cache(maxsize=4096)
def _cue(word: str) -> ClaimKind | None:
    """The kind a cue word before a number signals, by prefix; None for a word that is not a cue.

    Remembered per word: the same few hundred words come before numbers again and again.
    """
    w = word.lower()
    if w.startswith(_SPEED_CUES):
        return "speedup"
    if w.startswith(_REDUCE_CUES):
        return "reduction"
    if w.startswith(_IMPROVE_CUES):
        return "improvement"
    if w.startswith(_SCORE_CUES):
        return "score"
    return None


def _after_cue(after: str) -> ClaimKind | None:
    """A cue among the first words after a number ("40% fewer", "2x faster", "2.1% absolute gain").

    Only nouns and comparatives count here: a verb after the number ("Qwen 2.5 has improved")
    starts the next clause.
    """
    cut = len(after)
    for ch in ",;()":
        i = after.find(ch)
        if 0 <= i < cut:
            cut = i
    found: list[ClaimKind] = []
    for k, w in enumerate(_LETTER_WORD.findall(after[:cut])[:4]):
        low = w.lower()
        if low == "as" and k == 0:
            continue  # "twice as fast", "half as large"
        if low in _STOP_AFTER:
            break
        if low in _MODIFIERS:
            continue  # "3.1% relative reduction": the next word says which way
        kind = _AFTER_CUES.get(low)
        if kind is not None:
            found.append(kind)
    for kind in _AFTER_PRECEDENCE:
        if kind in found:
            return kind
    return None


def _before_cue(before: str) -> ClaimKind | None:
    """The nearest cue word before a number in its clause ("outperforms X by", "achieves")."""
    words = _LETTER_WORD.findall(before)
    skip = False
    modifier = False
    for w in reversed(words[-14:]):
        low = w.lower()
        if skip:  # the comparative of "less than", "more than", "fewer than"
            skip = False
            continue
        if low == "than":
            skip = True
            continue
        if low in _MODIFIERS:
            modifier = True
            continue
        kind = _cue(w)
        if kind is not None:
            return kind
    return "improvement" if modifier else None


def _n_words(s: str) -> int:
    return len(_WORD.findall(s))


def _metric_word_spans(text: str, pos: int, endpos: int) -> Iterator[tuple[int, int]]:
    """Spans of the built-in metric words in `text[pos:endpos]`: those `_BUILTIN_METRIC.finditer` finds.

    ASCII text is lower-cased and matched with `_BUILTIN_METRIC_LOWER`, which finds the same spans
    (only ASCII letters differ in case there) about three times faster.

    >>> list(_metric_word_spans("top-1 Accuracy and BLEU-4, F1", 0, 29))
    [(0, 14), (27, 29)]
    """
    if text.isascii():
        return (m.span() for m in _BUILTIN_METRIC_LOWER.finditer(text.lower(), pos, endpos))
    return (m.span() for m in _BUILTIN_METRIC.finditer(text, pos, endpos))


def _counts_something(after: str, offset: int, metrics: list[Mention]) -> bool:
    """True when the word right after a unit-less number is a plain noun it counts ("5 languages").

    `after` starts at `offset` in the text; a METRIC mention or a built-in metric word there means
    the number is that metric's value ("0.82 kappa", "92.3 accuracy").
    """
    m = _FIRST_WORD.match(after)
    if m is None:
        return False
    word = m.group(1)
    if not word.islower() or word in _STOP_AFTER or word in _AFTER_CUES:
        return False
    if any(x.start == offset + m.start(1) for x in metrics):
        return False
    return not _BUILTIN_METRIC.match(word)


def _list_gap(gap: str) -> bool:
    """True when `gap`, the text between two numbers, makes them items of one list.

    At most six words, a list joiner ("," "/" "and" "or" "vs"), and no verb-like word ("while
    utilizing only 8.9%" starts a new statement).
    """
    words = [w.lower() for w in _WORD.findall(gap)]
    if len(words) > 6 or ";" in gap:
        return False
    if not ("," in gap or "/" in gap or any(w in _LIST_WORDS for w in words)):
        return False
    return not any(w.endswith(("ing", "ed")) or w in _CLAUSE_BREAK - {"and", "or"} for w in words)


def _links(gap: str) -> bool:
    """True when `gap`, the text between a metric and a number after it, ties the two together.

    At most five words, no "," or ";", and either nothing, an opening bracket, or a linking word
    ("of", "by", "is", "to", ...) right before the number. A bracket opened earlier in the gap means
    the number sits in an aside about something else.
    """
    if any(c in gap for c in ",;"):
        return False
    words = _WORD.findall(gap)
    if any(w.lower() in _CLAUSE_BREAK for w in words):
        return False
    if len(words) > 5:
        return False
    stripped = gap.rstrip(" \t~≈$")
    if stripped.endswith("("):
        return "(" not in stripped[:-1]
    if "(" in stripped:
        return False
    return not words or words[-1].lower() in _LINKING
