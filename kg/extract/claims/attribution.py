"""What a claim is about: the metric next to its number, the dataset and the method of its sentence.

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

from kg.extract.claims.vocabulary import (
    _BASELINE_BEFORE,
    _DATASET_INTRO,
    _IN_TERMS_OF,
    _LIST_JOIN,
    _OF_THE,
    _STOP_AFTER,
    _WORD,
    _links,
    _metric_word_spans,
    _n_words,
)
from kg.types import Mention, Quantity


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
