"""`find_claims` takes the quantities of `kg.extract.numbers.find_quantities`, drops the ones that are
not results, gives each remaining one a kind, and attributes it to the metric, dataset and method
mentioned in its sentence. It works on plain strings, sentence spans and `Mention`s, so the spaCy
pipeline (or anything else) can feed it, and tests can build its input by hand.

The rules live next to the code that applies them: `kg.extract.claims.kinds` (which numbers are
claims, and their kind) and `kg.extract.claims.attribution` (their metric, dataset and method);
`kg.extract.claims.vocabulary` holds the words both read.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from kg.extract.claims.attribution import _dataset, _method
from kg.extract.claims.kinds import _Draft, _is_year, _judge
from kg.extract.claims.vocabulary import _REFERENCE_BEFORE
from kg.extract.numbers import find_quantities
from kg.extract.sentences import split_sentences
from kg.types import Claim, Field, Mention, Quantity, short_name

__all__ = ["find_claims", "short_name", "split_sentences"]


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
