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
"""

from __future__ import annotations

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
