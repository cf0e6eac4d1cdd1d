"""Which numbers are claims, and of what kind.

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
Rules 1-7 are `KIND_RULES`, in this order; rule 8 is `_by_unit`.

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
7. "by" before a %, points or unit-less number ("closes the gap by 96.4%"): ``improvement`` (a
   change, and changes are mostly gains).
8. by unit (last; it may also overrule a size): ``params`` and other size units with at least
   1,000 -> ``size``; points -> ``improvement``; % -> ``score`` with a metric, else ``other``;
   x -> ``other``; time, memory, compute, rates -> ``score`` with a metric next to them, else
   ``other`` (``size`` for >= 1,000 hours); no unit -> ``score`` when a metric is next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kg.extract.claims.attribution import _adjacent_builtin, _adjacent_metric, _nearest
from kg.extract.claims.vocabulary import (
    _BY_BEFORE,
    _FROM_BEFORE,
    _LETTER_WORD,
    _MEASURE_UNITS,
    _MEMORY_OR_COMPUTE,
    _MODIFIERS,
    _SCALE_UNITS,
    _SIZE_UNITS,
    _TARGET_BEFORE,
    _VERSION_BEFORE,
    _after_cue,
    _before_cue,
    _counts_something,
    _list_gap,
)
from kg.types import ClaimKind, Mention, Quantity


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


def _is_year(q: Quantity) -> bool:
    """A bare four-digit number 1900-2039 ("in 2019", "2019-2021"): a date, not a result."""
    if q.unit is not None or q.kind_hint == "delta":
        return False
    digits = q.text[:4]
    if not (digits.isdigit() and 1900 <= q.value <= 2039 and q.value == int(q.value)):
        return False
    return q.high is None or 1900 <= q.high <= 2039


@dataclass(slots=True)
class _Facts:
    """What the rules read about one number: its neighbours, cues, metric, and the claim before it."""

    text: str
    q: Quantity
    unit: str | None
    after: str
    tail: str
    metrics: list[Mention]
    metric: str | None
    metric_mention: Mention | None
    adjacent: bool
    last: _Draft | None
    gap_ok: bool
    after_kind: ClaimKind | None
    sign_kind: ClaimKind | None
    before_kind: ClaimKind | None
    target: bool
    role: str | None


def _facts(text: str, q: Quantity, before: str, after: str, in_sentence: list[Mention],
           last: _Draft | None) -> _Facts:
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
    return _Facts(text, q, unit, after, tail, metrics, metric, metric_mention, adjacent, last, gap_ok, after_kind,
                  sign_kind, before_kind, target, role)


def _from_to(f: _Facts) -> ClaimKind | None:
    """Rule 1: "from X to Y"."""
    if f.role is None:
        return None
    return "score" if f.metric is not None else "other"


def _in_half(f: _Facts) -> ClaimKind | None:
    """Rule 2: "in half", "halves"."""
    return "reduction" if f.q.kind_hint == "reduction" else None


def _cue_after(f: _Facts) -> ClaimKind | None:
    """Rule 3: a cue word right after the number."""
    return f.after_kind


def _sign(f: _Facts) -> ClaimKind | None:
    """Rule 4: an explicit sign."""
    return f.sign_kind


def _cue_before(f: _Facts) -> ClaimKind | None:
    """Rule 5: the nearest cue word before the number; after "to", the number is the new value."""
    kind = f.before_kind
    if kind is not None and f.target and kind in ("improvement", "reduction", "speedup"):
        return "score" if f.metric is not None or f.unit in _MEASURE_UNITS else "other"
    return kind


def _list_item(f: _Facts) -> ClaimKind | None:
    """Rule 6: a list item after a claim of the same unit takes its kind."""
    return f.last.kind if f.gap_ok and f.last is not None else None


def _by_change(f: _Facts) -> ClaimKind | None:
    """Rule 7: "by 96.4%"."""
    return "improvement" if f.unit in (None, "%", "points") and _BY_BEFORE.search(f.tail) else None


KIND_RULES: tuple[Callable[[_Facts], ClaimKind | None], ...] = (
    _from_to, _in_half, _cue_after, _sign, _cue_before, _list_item, _by_change)
"""Rules 1-7 of the module docstring, in order: the first that gives a kind decides it."""


def _judge(
    text: str,
    q: Quantity,
    sentence: tuple[int, int],
    before: str,
    after: str,
    in_sentence: list[Mention],
    last: _Draft | None,
) -> _Draft | None:
    """Decide whether `q` is a claim, its kind (`KIND_RULES`, then `_by_unit`) and its metric."""
    f = _facts(text, q, before, after, in_sentence, last)
    kind: ClaimKind | None = None
    for rule in KIND_RULES:
        kind = rule(f)
        if kind is not None:
            break
    if f.role is not None and f.unit is None and not f.adjacent and "." not in q.text \
            and not (f.role == "to" and last is not None):
        return None  # "from 3 to 5 layers": a bare count changing, not a result
    return _by_unit(f, kind, sentence)


def _by_unit(f: _Facts, kind: ClaimKind | None, sentence: tuple[int, int]) -> _Draft | None:
    """Rule 8 (the kind by unit, where the rules before gave none; sizes always), and the numbers
    that are no claims after all (versions, counts, scales, settings)."""
    q, unit, adjacent, metric, metric_mention = f.q, f.unit, f.adjacent, f.metric, f.metric_mention
    value = abs(q.value)
    if unit is None and not adjacent and f.sign_kind is None and _VERSION_BEFORE.search(f.tail):
        return None  # "Qwen 2.5", "NVLM 1.0", "Llama 3.2 1B": a version in a name
    if unit is None and _counts_something(f.after, q.end, f.metrics):
        return None  # "50 languages", "three datasets": the number counts the noun after it
    if unit is None:
        # counts ("three datasets", "12 layers") are not claims: need a metric, a sign or a decimal
        if not (adjacent or f.sign_kind is not None or q.kind_hint in ("reduction", "from", "to")
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
    return _Draft(q=q, kind=kind, metric=metric, sentence=sentence, metric_adjacent=adjacent, role=f.role,
                  metric_mention=metric_mention)
