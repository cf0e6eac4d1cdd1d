"""The claim finder: which numbers of a text state a result, of what kind, and about what.

`find_claims` takes the quantities of `kg.extract.numbers.find_quantities`, drops the ones that are
not results, gives each remaining one a kind, and attributes it to the metric, dataset and method
mentioned in its sentence. It works on plain strings, sentence spans and `Mention`s, so the spaCy
pipeline (or anything else) can feed it, and tests can build its input by hand.

Not claims
----------
- numbers inside a mention ("CIFAR-10", "Mistral 7B" when the tagger found them), years (a bare
  four-digit 1900-2039: "in 2019"), references ("Section 3", "Table 2", "Eq. 4", "top 5"), settings
  ("4-bit", "5-shot", "5-fold cross-validation"), sizes of images ("224×224"), error bars ("± 0.4"),
  vague amounts ("thousands of"), citation brackets (the grammar never reports those);
- bare numbers that count things ("three datasets", "5 languages", "12 layers"): a number without a
  unit is a claim only when a metric is written right next to it ("41.2 BLEU", "accuracy of 92.3"),
  when it is signed ("+2.1"), or when it is a decimal right after a cue ("achieves 85.1 on SQuAD");
- a scale without a unit ("Llama 70B", "a vocabulary of 32K"), a size noun below 1,000 ("5 examples").

Kinds (first rule that applies)
-------------------------------
1. "from X to Y": both ends are values of the metric: ``score`` with a metric, else ``other``.
2. "in half" / "halves": ``reduction``.
3. a cue word right after the number: "faster", "speedup" -> ``speedup``; "fewer", "less", "lower",
   "reduction", "smaller" -> ``reduction``; "improvement", "gain", "higher", "better" ->
   ``improvement``; "larger", "more", "longer" -> ``other``. "absolute" and "relative" only qualify
   the word that gives the direction ("3.1% relative reduction"); alone they mean ``improvement``.
4. an explicit sign: "+2.1" -> ``improvement``, "−0.8" -> ``reduction``.
5. the nearest cue word before the number in its clause (up to the previous number): "achieves",
   "reaches", "obtains", "scores" -> ``score``; "improves", "outperforms ... by", "boosts", "gain" ->
   ``improvement``; "reduces", "cuts", "saves", "compresses" -> ``reduction``; "speeds up",
   "accelerates" -> ``speedup``. After "to" ("improves accuracy to 92%") the number is the new value:
   ``score`` (or ``other`` without a metric).
6. a number in a list after a claim of the same unit with no cue of its own ("24.2% on GSM8K, 32.6%
   on MATH") takes that claim's kind (and metric when it has none next to it).
7. by unit: ``params`` and other size units with at least 1,000 -> ``size``; points -> ``improvement``;
   % -> ``score`` with a metric, else ``other``; x -> ``other``; time, memory, compute, rates ->
   ``score`` with a metric next to them, else ``other`` (``size`` for >= 1,000 hours); no unit ->
   ``score`` when a metric is next to it.

Attribution (only inside the number's sentence; ``None`` when the sentence does not say)
----------------------------------------------------------------------------------------
- metric: the METRIC mention directly after ("92.3% accuracy", "+2.1 BLEU", up to two words between)
  or before ("accuracy of 92.3%", "improves BLEU by 2.1": up to five words, no comma or "and"
  between, the last one a linking word such as of/by/is/to); else
  a metric word from a small built-in list in the same positions ("reduces memory by 40%"); else the
  metric of the list claim it follows; else, for %, points and unit-less numbers, the nearest METRIC
  mention of the sentence. Adjacency is preferred over distance because "2x faster with no loss
  in accuracy" must not make accuracy the metric of the speedup.
- dataset: the DATASET mention of the sentence introduced by "on"/"in"/"across"/"at" that follows
  the number with no other claim between ("92.3% on CIFAR-10"), else such a mention before it
  ("On CIFAR-10, it reaches 92.3%"), else the nearest DATASET mention.
- method: the METHOD mention the number belongs to, i.e. the nearest one not introduced as a
  baseline ("over X", "than X", "compared to X", "vs. X", "outperforms X", "such as X"; a list after
  such a word is all baselines), preferring one before the number (the subject).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from kg.extract.numbers import find_quantities
from kg.types import Claim, ClaimKind, Field, Mention, Quantity, short_name

__all__ = ["find_claims", "short_name", "split_sentences"]

# --- sentences -----------------------------------------------------------------------------------

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


# --- vocabulary ----------------------------------------------------------------------------------

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


# --- the claim finder ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    """A quantity judged to be a claim, before dataset and method attribution."""

    q: Quantity
    kind: ClaimKind
    metric: str | None
    sentence: tuple[int, int]
    metric_adjacent: bool
    role: str | None = None
    metric_mention: Mention | None = None


def find_claims(
    text: str,
    field: Field,
    sentences: Sequence[tuple[int, int]],
    mentions: Sequence[Mention],
    *,
    quantities: Sequence[Quantity] | None = None,
) -> list[Claim]:
    """The numbers of `text` that state results, with kind, metric, dataset and method.

    `sentences` are (start, end) spans of `text` (empty: the whole text is one sentence);
    `mentions` are the METHOD/DATASET/METRIC/TASK mentions of the same field (others are ignored);
    `quantities` are `find_quantities(text)` when the caller has them already.
    The rules are in the module docstring. Claims come sorted by start.

    >>> t = "ResNet-50 reaches 76.1% accuracy on ImageNet, 2.1 points over ViT."
    >>> ms = [Mention("abstract", t.index(w), t.index(w) + len(w), w, lab) for w, lab in
    ...       [("ResNet-50", "METHOD"), ("accuracy", "METRIC"), ("ImageNet", "DATASET"), ("ViT", "METHOD")]]
    >>> for c in find_claims(t, "abstract", [], ms):
    ...     print(c.text, c.kind, c.metric, c.dataset, c.method)
    76.1% score accuracy ImageNet ResNet-50
    2.1 points improvement accuracy ImageNet ResNet-50
    >>> find_claims("We train on three datasets in 2019 (Section 3) [12].", "abstract", [], [])
    []
    """
    if quantities is None:
        quantities = find_quantities(text)
    if not quantities:
        return []
    n = len(text)
    spans = sorted((max(0, s), min(n, e)) for s, e in sentences if min(n, e) > max(0, s))
    if not spans:
        spans = [(0, n)]
    span_starts = [s for s, _ in spans]
    ments = sorted(
        (m for m in mentions if m.field == field and 0 <= m.start < m.end <= n),
        key=lambda m: (m.start, m.end),
    )
    index_of = {id(m): i for i, m in enumerate(mentions)}
    m_starts = [m.start for m in ments]
    max_end: list[int] = []
    for m in ments:
        max_end.append(max(m.end, max_end[-1]) if max_end else m.end)

    drafts: list[_Draft] = []
    prev_q: Quantity | None = None
    prev_sentence: tuple[int, int] | None = None
    for i, q in enumerate(quantities):
        sentence = _sentence_of(q, spans, span_starts, n)
        same_prev = prev_q if prev_sentence == sentence else None
        prev_q, prev_sentence = q, sentence
        if q.kind_hint in ("setting", "dimension", "stderr", "vague"):
            continue
        idx = bisect.bisect_left(m_starts, q.end)
        if idx > 0 and max_end[idx - 1] > q.start:
            continue  # inside (or overlapping) a mention: "CIFAR-10", "Mistral 7B"
        if _is_year(q):
            continue
        s_start, s_end = sentence
        clause_start = max(s_start, same_prev.end if same_prev else s_start, q.start - 120)
        before = text[clause_start:q.start]
        if ";" in before:
            before = before[before.rindex(";") + 1:]
        if _REFERENCE_BEFORE.search(text[max(s_start, q.start - 16):q.start]):
            continue
        nxt = quantities[i + 1].start if i + 1 < len(quantities) else n
        after = text[q.end:min(s_end, nxt, q.end + 60)]
        lo = bisect.bisect_left(m_starts, s_start)
        hi = bisect.bisect_left(m_starts, s_end)
        in_sentence = [m for m in ments[lo:hi] if m.end <= s_end]
        last = drafts[-1] if drafts and drafts[-1].sentence == sentence else None
        draft = _judge(text, q, sentence, before, after, in_sentence, last)
        if draft is not None:
            drafts.append(draft)

    claims = []
    for k, d in enumerate(drafts):
        s_start, s_end = d.sentence
        lo = bisect.bisect_left(m_starts, s_start)
        hi = bisect.bisect_left(m_starts, s_end)
        in_sentence = [m for m in ments[lo:hi] if m.end <= s_end]
        prev_end = drafts[k - 1].q.end if k > 0 and drafts[k - 1].sentence == d.sentence else s_start
        next_start = drafts[k + 1].q.start if k + 1 < len(drafts) and drafts[k + 1].sentence == d.sentence \
            else s_end
        dataset = _dataset(text, d.q, in_sentence, prev_end, next_start, s_start)
        method = _method(text, d.q, in_sentence, s_start)
        claims.append(Claim(
            field=field, start=d.q.start, end=d.q.end, text=d.q.text, value=d.q.value, unit=d.q.unit,
            kind=d.kind, metric=short_name(d.metric),
            dataset=short_name(dataset.text) if dataset is not None else None,
            method=short_name(method.text) if method is not None else None,
            high=d.q.high, sentence=d.sentence,
            metric_mention=index_of.get(id(d.metric_mention)) if d.metric_mention is not None else None,
            dataset_mention=index_of.get(id(dataset)) if dataset is not None else None,
            method_mention=index_of.get(id(method)) if method is not None else None,
        ))
    return claims


def _sentence_of(q: Quantity, spans: list[tuple[int, int]], starts: list[int], n: int) -> tuple[int, int]:
    """The span holding `q`; the gap between spans when the caller's sentences leave `q` out."""
    idx = bisect.bisect_right(starts, q.start) - 1
    if idx >= 0 and q.start < spans[idx][1]:
        return spans[idx]
    lo = spans[idx][1] if idx >= 0 else 0
    hi = spans[idx + 1][0] if idx + 1 < len(spans) else n
    return (lo, hi)


def _is_year(q: Quantity) -> bool:
    """A bare four-digit number 1900-2039 ("in 2019", "2019-2021"): a date, not a result."""
    if q.unit is not None or q.kind_hint == "delta":
        return False
    digits = q.text[:4]
    if not (digits.isdigit() and 1900 <= q.value <= 2039 and q.value == int(q.value)):
        return False
    return q.high is None or 1900 <= q.high <= 2039


def _judge(
    text: str,
    q: Quantity,
    sentence: tuple[int, int],
    before: str,
    after: str,
    in_sentence: list[Mention],
    last: _Draft | None,
) -> _Draft | None:
    """Decide whether `q` is a claim, its kind and its metric."""
    unit = q.unit
    metrics = [m for m in in_sentence if m.label == "METRIC"]
    metric_mention, adjacent = _adjacent_metric(text, q, before, after, metrics)
    metric = metric_mention.text if metric_mention is not None else None
    if metric is None:
        metric, adjacent = _adjacent_builtin(before, after, percent=unit == "%")

    # a list continuation: "24.2% on GSM8K, 32.6% on MATH", "by 9.8% and 7.7%"
    gap_ok = last is not None and last.q.unit == unit and _list_gap(text[last.q.end:q.start])
    after_kind = _after_cue(after)
    sign_kind: ClaimKind | None = None
    if q.kind_hint == "delta":
        sign_kind = "reduction" if q.value < 0 else "improvement"
    before_kind = _before_cue(before)
    if before_kind is None and after_kind is None and any(
        w.lower() in _MODIFIERS for w in _LETTER_WORD.findall(after)[:2]
    ):
        before_kind = "improvement"  # "a 2.1% absolute": a change, and changes are mostly gains
    tail = before[-48:]  # the anchored patterns below only look at the last few words
    target = bool(_TARGET_BEFORE.search(tail))
    # "from 24 GB to 1 GB", "from 74.4% to 33.4%": both ends are values, not the change
    role = q.kind_hint if q.kind_hint in ("from", "to") else None
    if role is None and _FROM_BEFORE.search(tail):
        role = "from"
    elif role is None and target and last is not None and last.role == "from" \
            and text[last.q.end:q.start].strip().lower() == "to":
        role = "to"

    if metric is None and last is not None and last.metric is not None and (
        role == "to" or (gap_ok and before_kind is None and after_kind is None)
    ):
        metric, metric_mention = last.metric, last.metric_mention
    if metric is None and unit in (None, "%", "points") and metrics:
        metric_mention = _nearest(q, metrics)
        metric = metric_mention.text

    kind: ClaimKind | None
    if role is not None:
        kind = "score" if metric is not None else "other"
        if unit is None and not adjacent and "." not in q.text and not (role == "to" and last is not None):
            return None
    elif q.kind_hint == "reduction":
        kind = "reduction"
    elif after_kind is not None:
        kind = after_kind
    elif sign_kind is not None:
        kind = sign_kind
    elif before_kind is not None:
        kind = before_kind
        if target and kind in ("improvement", "reduction", "speedup"):
            kind = "score" if metric is not None or unit in _MEASURE_UNITS else "other"
    elif gap_ok and last is not None:
        kind = last.kind
    elif unit in (None, "%", "points") and _BY_BEFORE.search(tail):
        kind = "improvement"  # "closes the gap by 96.4%": a change, and changes are mostly gains
    else:
        kind = None

    value = abs(q.value)
    if unit is None and not adjacent and sign_kind is None and _VERSION_BEFORE.search(tail):
        return None  # "Qwen 2.5", "NVLM 1.0", "Llama 3.2 1B": a version in a name
    if unit is None and _counts_something(after, q.end, metrics):
        return None  # "50 languages", "three datasets": the number counts the noun after it
    if unit is None:
        # counts ("three datasets", "12 layers") are not claims: need a metric, a sign or a decimal
        if not (adjacent or sign_kind is not None or q.kind_hint in ("reduction", "from", "to")
                or (kind is not None and "." in q.text)):
            return None
        kind = kind or "score"
    elif unit in _SCALE_UNITS:
        return None
    elif unit == "params":
        kind = "size"
    elif unit in _SIZE_UNITS:
        if value < 1000:
            return None
        kind = "size"
    elif unit == "bit":
        return None  # "4 bits per weight": a setting
    elif unit == "points":
        if kind is None:
            if value >= 100:
                return None
            kind = "improvement"
    elif unit == "%":
        kind = kind or ("score" if metric is not None else "other")
    elif unit == "x":
        kind = kind or "other"
    elif unit in ("hours", "GPU hours", "GPU days", "days") and value >= 1000:
        kind = "size"
    elif unit in _MEASURE_UNITS or _MEMORY_OR_COMPUTE.match(unit):
        kind = kind or ("score" if adjacent else "other")
    else:
        kind = kind or "other"
    if kind == "score" and unit == "x":
        kind = "other"
    measured = unit == "x" or unit in _MEASURE_UNITS or bool(unit and _MEMORY_OR_COMPUTE.match(unit))
    if (measured or kind == "size") and not adjacent:
        metric = metric_mention = None  # a speedup or a size has no metric unless one is written next to it
    return _Draft(q=q, kind=kind, metric=metric, sentence=sentence, metric_adjacent=adjacent, role=role,
                  metric_mention=metric_mention)


def _adjacent_metric(
    text: str, q: Quantity, before: str, after: str, metrics: list[Mention]
) -> tuple[Mention | None, bool]:
    """The METRIC mention written right after (<= 2 words) or before (<= 5 words) the number."""
    best: tuple[int, int, str, Mention] | None = None  # (gap words, 0 after / 1 before, text, mention)
    before_start = q.start - len(before)
    after_end = q.end + len(after)
    for m in metrics:
        if q.end <= m.start < after_end:
            gap = text[q.end:m.start]
            words = [w.lower() for w in _WORD.findall(gap)]
            if (len(words) <= 2 and not any(w in _STOP_AFTER for w in words) and not any(
                c in gap for c in ",;()"
            )) or _IN_TERMS_OF.match(gap):
                cand = (len(words), 0, m.text, m)
                best = cand if best is None or cand[:3] < best[:3] else best
        elif before_start <= m.start and m.end <= q.start:
            gap = text[m.end:q.start]
            if _links(gap):
                cand = (_n_words(gap), 1, m.text, m)
                best = cand if best is None or cand[:3] < best[:3] else best
    return (best[3], True) if best else (None, False)


def _adjacent_builtin(before: str, after: str, *, percent: bool = False) -> tuple[str | None, bool]:
    """A metric word of the built-in list right after or before the number ("41.2 BLEU").

    A percentage may also name its metric after "of the" ("saves 75% of the optimizer memory").
    """
    best: tuple[int, int, str] | None = None
    cut = len(after)
    for ch in ",;()":
        i = after.find(ch)
        if 0 <= i < cut:
            cut = i
    for start, end in _metric_word_spans(after, 0, cut):
        gap = after[:start]
        words = [w.lower() for w in _WORD.findall(gap)]
        if (len(words) <= 2 and not any(w in _STOP_AFTER for w in words)) or _IN_TERMS_OF.match(gap) \
                or (percent and _OF_THE.match(gap)):
            best = (len(words), 0, after[start:end])
        break
    if "," in before or ";" in before:
        before = before[max(before.rfind(","), before.rfind(";")) + 1:]
    found = list(_metric_word_spans(before, max(0, len(before) - 80), len(before)))
    last = found[-1] if found else None
    if last is not None and _links(before[last[1]:]):
        cand = (_n_words(before[last[1]:]), 1, before[last[0]:last[1]])
        best = cand if best is None or cand < best else best
    return (best[2], True) if best else (None, False)


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


def _nearest(q: Quantity, mentions: list[Mention]) -> Mention:
    """The mention closest to the number's span (by characters)."""
    return min(mentions, key=lambda m: (m.start - q.end) if m.start >= q.end else (q.start - m.end) + 0.5)


def _dataset(
    text: str, q: Quantity, in_sentence: list[Mention], prev_end: int, next_start: int, s_start: int
) -> Mention | None:
    """The DATASET mention the number is measured on (see the module docstring)."""
    datasets = [m for m in in_sentence if m.label == "DATASET"]
    if not datasets:
        return None
    intro = [m for m in datasets if _DATASET_INTRO.search(text[max(s_start, m.start - 12):m.start])]
    after = [m for m in intro if m.start >= q.end and m.start < next_start]
    if after:
        return min(after, key=lambda m: m.start)
    before = [m for m in intro if m.end <= q.start and m.end > prev_end]
    if before:
        return max(before, key=lambda m: m.end)
    if intro:
        return _nearest(q, intro)
    return _nearest(q, datasets)


def _method(text: str, q: Quantity, in_sentence: list[Mention], s_start: int) -> Mention | None:
    """The METHOD mention the number belongs to: the nearest non-baseline, the subject first."""
    candidates: list[Mention] = []
    previous: Mention | None = None
    previous_baseline = False
    for m in in_sentence:
        if m.label != "METHOD":
            continue
        lead = text[max(s_start, m.start - 48):m.start]
        baseline = bool(_BASELINE_BEFORE.search(lead))
        if not baseline and previous is not None and previous_baseline and \
                _LIST_JOIN.match(text[previous.end:m.start]):
            baseline = True  # "over A, B and C": the whole list is baselines
        if not baseline:
            candidates.append(m)
        previous, previous_baseline = m, baseline
    if not candidates:
        return None
    before = [m for m in candidates if m.end <= q.start]
    if before:
        return max(before, key=lambda m: m.end)
    return _nearest(q, candidates)
