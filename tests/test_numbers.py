"""The number grammar: spans, values and units of every written number, and what is not a number."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.numbers import find_quantities, grammar

# (text, [(span text, value, unit), ...]) — every quantity the grammar must report, in order.
CASES: list[tuple[str, list[tuple[str, float, str | None]]]] = [
    # plain numbers, separators, signs
    ("We use 1,024 GPUs.", [("1,024", 1024, None)]),
    ("a rate of 3.5 and .5", [("3.5", 3.5, None), (".5", 0.5, None)]),
    ("a 1,234,567.5 total", [("1,234,567.5", 1234567.5, None)]),
    ("gains +2.1 BLEU", [("+2.1", 2.1, None)]),
    ("a change of −0.8 here", [("−0.8", -0.8, None)]),
    ("a shift of -3 overall", [("-3", -3, None)]),
    ("lr 1e-4 works", [("1e-4", 1e-4, None)]),
    ("about 3 × 10^5 steps", [("3 × 10^5", 3e5, None)]),
    # percentages
    ("accuracy of 92.3%", [("92.3%", 92.3, "%")]),
    ("in 92.3 % of cases", [("92.3 %", 92.3, "%")]),
    ("a 15.3 percent gain", [("15.3 percent", 15.3, "%")]),
    ("reaches 92.3\\% on X", [("92.3\\%", 92.3, "%")]),
    ("with 8.9% parameters", [("8.9%", 8.9, "%")]),
    # percentage points
    ("up 2.1 points", [("2.1 points", 2.1, "points")]),
    ("up 3.4 pp on MMLU", [("3.4 pp", 3.4, "points")]),
    ("by 1.2 percentage points", [("1.2 percentage points", 1.2, "points")]),
    # multipliers
    ("1.85× faster", [("1.85×", 1.85, "x")]),
    ("is 1.85x faster", [("1.85x", 1.85, "x")]),
    ("a 3X speedup", [("3X", 3, "x")]),
    ("up to 1.85times faster", [("1.85times", 1.85, "x")]),
    ("a 2-fold gain", [("2-fold", 2, "x")]),
    ("a two-fold gain", [("two-fold", 2, "x")]),
    ("a tenfold gain", [("tenfold", 10, "x")]),
    ("twice as fast", [("twice", 2, "x")]),
    ("three times faster", [("three times", 3, "x")]),
    ("it doubles the throughput", [("doubles", 2, "x")]),
    ("double the speed", [("double", 2, "x")]),
    ("an order of magnitude cheaper", [("an order of magnitude", 10, "x")]),
    ("two orders of magnitude", [("two orders of magnitude", 100, "x")]),
    ("3 orders of magnitude", [("3 orders of magnitude", 1000, "x")]),
    # scales and sizes: value in absolute terms, unit = size noun or scale letter
    ("Mistral 7B is small", [("7B", 7e9, "B")]),
    ("a 7B model", [("7B", 7e9, "params")]),
    ("a 7 billion parameter model", [("7 billion parameter", 7e9, "params")]),
    ("a 1.3B-parameter model", [("1.3B-parameter", 1.3e9, "params")]),
    ("with 340M parameters", [("340M parameters", 3.4e8, "params")]),
    ("500K examples", [("500K examples", 5e5, "examples")]),
    ("on 1.2M images", [("1.2M images", 1.2e6, "images")]),
    ("for 10k steps", [("10k", 1e4, "K")]),
    ("on 300B training tokens", [("300B training tokens", 3e11, "tokens")]),
    ("1 trillion tokens", [("1 trillion tokens", 1e12, "tokens")]),
    ("a 12M-instance corpus", [("12M-instance", 1.2e7, "instances")]),
    # written numbers
    ("a third of the data", [("a third", 1 / 3, None)]),
    ("two thirds of it", [("two thirds", 2 / 3, None)]),
    ("twenty-five runs", [("twenty-five", 25, None)]),
    ("seventeen runs", [("seventeen", 17, None)]),
    ("hundreds of GPUs", [("hundreds", 100, None)]),
    ("two million users", [("two million", 2e6, "M")]),
    # measured units
    ("12 ms per query", [("12 ms", 12, "ms")]),
    ("in 3.5 s", [("3.5 s", 3.5, "s")]),
    ("5 minutes", [("5 minutes", 5, "min")]),
    ("20 hours", [("20 hours", 20, "hours")]),
    ("10 GPU hours", [("10 GPU hours", 10, "GPU hours")]),
    ("40 GB of memory", [("40 GB", 40, "GB")]),
    ("3.2 GFLOPs", [("3.2 GFLOPs", 3.2, "GFLOPs")]),
    ("120 tokens/s", [("120 tokens/s", 120, "tokens/s")]),
    ("30 fps", [("30 fps", 30, "fps")]),
    ("4-bit weights", [("4-bit", 4, "bit")]),
    # several in one text; "/" continuing a number
    ("1.85times/15.3% improvement", [("1.85times", 1.85, "x"), ("15.3%", 15.3, "%")]),
    ("Mistral 7B/13B", [("7B", 7e9, "B"), ("13B", 1.3e10, "B")]),
    ("from 74.4% to 33.4%", [("74.4%", 74.4, "%"), ("33.4%", 33.4, "%")]),
]

# Digits in names, identifiers, LaTeX, citations, dates, versions: never quantities.
NOT_NUMBERS = [
    "CIFAR-10", "GPT-4", "ResNet-50", "Llama-2-7B", "T5", "BERT-base", "top-5 accuracy", "top-1",
    "WMT14", "ImageNet-1k", "3D", "2D", "L1", "H100", "A100", "fp16", "int8", "x_1", "n^2",
    "\\frac{1}{2}", "$\\ell_{2}$", "[12]", "[3, 4]", "[12-14]", "(1)", "1st", "2nd", "v1.2", "3.5.1",
    "2024-11-07", "the 1990s", "the '90s", "two-stage", "half-precision", "one-shot", "Llama 3.1-8B",
    "LLaMA2-7B/13B", "Qwen2.5-7B", "pass@1", "CC-12M", "YFCC15M", "GPT3.5",
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_grammar(text: str, expected: list[tuple[str, float, str | None]]) -> None:
    got = find_quantities(text)
    assert [(q.text, q.unit) for q in got] == [(t, u) for t, _, u in expected]
    for q, (_, value, _) in zip(got, expected, strict=True):
        assert q.value == pytest.approx(value)
        assert text[q.start:q.end] == q.text


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_numbers(text: str) -> None:
    assert find_quantities(f"We compare {text} here.") == []


@pytest.mark.parametrize(
    ("text", "span", "value", "high", "unit"),
    [
        ("8 to 24 times faster", "8 to 24 times", 8, 24, "x"),
        ("range 8–24 here", "8–24", 8, 24, None),
        ("gains of 8-24%", "8-24%", 8, 24, "%"),
        ("5%–10% less", "5%–10%", 5, 10, "%"),
        ("between 3 and 5 points", "3 and 5 points", 3, 5, "points"),
        ("by 1.4 - 7.8 times", "1.4 - 7.8 times", 1.4, 7.8, "x"),
        ("7-13B models", "7-13B", 7e9, 1.3e10, "params"),
        ("ranging from 33M to 3B parameters", "33M to 3B parameters", 3.3e7, 3e9, "params"),
    ],
)
def test_ranges(text: str, span: str, value: float, high: float, unit: str | None) -> None:
    (q,) = find_quantities(text)
    assert (q.text, q.unit) == (span, unit)
    assert q.value == pytest.approx(value)
    assert q.high == pytest.approx(high)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("cut in half", "reduction"),
        ("reduced by more than half", "reduction"),
        ("it halves the cost", "reduction"),
        ("+2.1 BLEU", "delta"),
        ("5-shot prompts", "setting"),
        ("5-fold cross-validation", "setting"),
        ("224×224 pixels", "dimension"),
        ("thousands of GPUs", "vague"),
    ],
)
def test_kind_hints(text: str, hint: str) -> None:
    (q,) = find_quantities(text)
    assert q.kind_hint == hint


def test_half_without_reduction() -> None:
    (q,) = find_quantities("half of the layers")
    assert (q.text, q.value, q.kind_hint) == ("half", 0.5, None)


def test_from_to_is_two_values() -> None:
    first, second = find_quantities("reduces latency from 10 to 2 ms")
    assert (first.value, first.unit, first.kind_hint) == (10, "ms", "from")
    assert (second.text, second.value, second.unit, second.kind_hint) == ("2 ms", 2, "ms", "to")


def test_error_bar() -> None:
    mean, err = find_quantities("92.3 ± 0.4")
    assert (mean.value, mean.kind_hint) == (92.3, None)
    assert (err.value, err.kind_hint) == (0.4, "stderr")


def _check(text: str) -> None:
    for q in find_quantities(text):
        assert 0 <= q.start < q.end <= len(text)
        assert text[q.start:q.end] == q.text
        assert math.isfinite(q.value)
        assert q.high is None or math.isfinite(q.high)


NUMBERISH = st.text(
    alphabet="0123456789.,%x×X-−–+ \n[](){}^_\\$'/BKMkTbtimesfoldpointsandbetweenhalftwoGPU±",
    max_size=60,
)


@given(st.text(max_size=200))
def test_never_raises_on_any_text(text: str) -> None:
    _check(text)


@given(NUMBERISH)
@settings(max_examples=500)
def test_never_raises_on_numberish_text(text: str) -> None:
    _check(text)


def test_huge_numbers_stay_finite() -> None:
    parts = ["9" * 400, "1e999", "10^{999}", "9" * 305 + "B", "5 × 10^999", "999 orders of magnitude"]
    text = " and ".join(parts)
    _check(text)
    assert find_quantities(text) == []


UNITS = [("%", "%"), (" %", "%"), ("×", "x"), ("x", "x"), (" points", "points"), (" pp", "points")]


@given(
    value=st.decimals(min_value=0, max_value=10**7, places=3, allow_nan=False, allow_infinity=False),
    places=st.integers(min_value=0, max_value=3),
    commas=st.booleans(),
    suffix=st.sampled_from(UNITS),
)
def test_round_trip(value: object, places: int, commas: bool, suffix: tuple[str, str]) -> None:
    written = f"{value:,.{places}f}" if commas else f"{value:.{places}f}"
    text = f"We see {written}{suffix[0]} here."
    (q,) = find_quantities(text)
    assert q.text == written + suffix[0]
    assert q.unit == suffix[1]
    assert q.value == pytest.approx(float(written.replace(",", "")))


def test_long_text_completes() -> None:
    sentence = (
        "On CIFAR-10 our 7B model reaches 92.3% accuracy, 2.1 points over GPT-4, and is 3x faster "
        "with 40% fewer parameters since 2019 [12]. "
    )
    words = sentence.split()
    text = " ".join(words * (100_000 // len(words) + 1))
    found = find_quantities(text)
    assert len(found) > 10_000


# `find_quantities` runs the grammar only where a match may start (`_match_starts`); the matches
# must be exactly those of running it everywhere.
WORDISH = st.lists(
    st.sampled_from(
        ["0", "7", "12", "3.5", ".5", "1,024", "-", "+", "−", ".", ",", "%", "x", "×", " ", "  ", "\n", "\t",
         "\u00a0", "(", ")", "[", "]", "/", "'", "@", "é", "_", "B", "K", "a ", "A-", "an ", "One ", "one",
         "two", "Two", "ten", "tens", "seventeen", "twenty-five", "half", "halves", "Hallucination", "twice",
         "between", "Between", "and", "order", "orders", "of", "magnitude", "third", "quarter", "hundred",
         "million", "thousands", "times", "-fold", "fold", "points", "tokens", "model", "GPT", "the"]
    ),
    max_size=30,
).map("".join)


def _old_matches(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in grammar._PATTERN.finditer(text)]


@given(WORDISH)
@settings(max_examples=1000)
def test_candidate_scan_finds_what_finditer_finds(text: str) -> None:
    assert [m.span() for m in grammar._matches(text)] == _old_matches(text)


@pytest.mark.parametrize("text", [t for t, _ in CASES] + [
    "Two-fold gains, between 3 and 5 points, a third, an order of magnitude, (1) and [2, 3] at 7B/13B.",
    "twice", "Between 2 and 4", "half of it", "5", "[12]", "(3)", "One order of magnitude",
])
def test_candidate_scan_on_cases(text: str) -> None:
    assert [m.span() for m in grammar._matches(text)] == _old_matches(text)
