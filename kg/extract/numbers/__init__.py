"""The number grammar: every number written in a text, with its character span, value and unit.

`find_quantities` runs one compiled regular expression over the text and post-processes each match
with a few constant-time checks of its neighbours. DESIGN.md measured a compiled regex mapped to
spans at about a quarter of the cost of a spaCy token `Matcher` with the same patterns, and this
module keeps no spaCy objects, so it is usable (and testable) on plain strings.

Conventions (what a `Quantity` holds)
------------------------------------
- `text` is exactly `text[start:end]`: the number, its sign, its scale suffix and its unit as written
  ("92.3%", "2.1 points", "1.85×", "8 to 24 times", "300B tokens", "7B"). A metric name after a number
  ("41.2 BLEU") is not part of the span and leaves `unit` None: the claim finder attributes metrics.
- `value` is the number in absolute terms: the written number times its scale ("7B" -> 7e9,
  "500K" -> 5e5, "1.2 million" -> 1.2e6), negative when written with "-" or the Unicode minus "−".
  Percentages keep the written number (92.3 for "92.3%"), multipliers the factor (1.85 for "1.85×").
- `unit` is normalised:
  ``%`` (%, percent), ``points`` (points, pp, percentage points), ``x`` (x, ×, times, -fold, twice,
  an order of magnitude), ``params`` (parameters/params, and a scaled number directly before
  "model"/"LLM": "a 7B model"), the plural noun for other size units (``tokens``, ``images``,
  ``examples``, ``samples``, ...), ``ms`` / ``s`` / ``min`` / ``hours`` / ``days`` / ``GPU hours``,
  memory as written (``GB``), compute as written (``FLOPs``, ``GFLOPs``), rates (``tokens/s``,
  ``fps``), ``bit``; when a scale is written but no unit, the scale letter (``K``, ``M``, ``B``, ``T``).
- `high` is the upper end of a range ("8 to 24", "8–24%", "between 3 and 5", "1.4 - 7.8 times"); a
  scale written only on the upper end applies to both ("7-13B" -> 7e9..13e9). "from X to Y" is a
  change, not a range, and gives two quantities (kind_hint "from" and "to"), except after "range(s)".
- `kind_hint` carries what the grammar alone can tell: ``delta`` (explicit sign: "+2.1"),
  ``reduction`` ("in half", "by half", "halves"), ``from`` / ``to`` (see above), ``setting``
  (a number-word compound: "4-bit", "5-shot", "12-layer", "5-fold cross-validation"), ``dimension``
  ("224×224"), ``stderr`` (after "±"), ``vague`` ("thousands of", "dozens").

What is not a number at all: digits inside names and identifiers (CIFAR-10, GPT-4, ResNet-50,
Llama-2-7B, T5, top-5, WMT14, ImageNet-1k, 3D, H100, fp16, "Llama 3.1-8B"), ordinals ("1st"),
version strings ("3.5.1"), dates ("2024-11-07"), LaTeX sub/superscripts and arguments
("x_1", "n^2", "\\frac{1}{2}"), citation brackets ("[12]", "[3, 4]") and enumerations ("(1)").
A word number joined to a word by a hyphen ("two-stage", "half-precision") is not reported either.

Invisible characters (zero-width space, joiners, word joiner, BOM, soft hyphen) are read as
absent: "7\u200b6.1%" is 76.1% (its span, as every span, is in the original text, the invisible
character included).

`find_quantities` never raises, every span satisfies 0 <= start < end <= len(text), and every
value is finite.
"""

from __future__ import annotations

import math
import re

from kg.extract.numbers.grammar import (
    _COMPOUND_UNIT,
    _CROSS_AFTER,
    _FRACTIONS,
    _FROM_BEFORE,
    _HALF_REDUCE,
    _MINUSES,
    _MODEL_AFTER,
    _MULT_WORDS,
    _PLURAL_VALUE,
    _RANGE_FROM,
    _SCALE_VALUE,
    _SCALE_WORD,
    _SIZE_COMPOUND,
    _TIME_UNIT,
    _WORDNUMS,
    _matches,
)
from kg.types import Quantity

__all__ = ["find_quantities"]

# --- helpers -------------------------------------------------------------------------------------


def _num(s: str) -> float:
    """Parse one `_NUM` match ("1,024.5", ".5", "1e-4")."""
    return float(s.replace(",", ""))


def _scale_of(m: re.Match[str], p: str) -> tuple[float, str | None]:
    """The multiplier and letter of the scale in groups `<p>w`/`<p>l`, (1.0, None) without one."""
    word = m.group(p + "w")
    if word:
        letter = _SCALE_WORD[word.lower()]
        return _SCALE_VALUE[letter], letter
    letter = m.group(p + "l")
    if letter:
        letter = letter.upper()
        return _SCALE_VALUE[letter], letter
    return 1.0, None


def _unit_of(m: re.Match[str], text: str) -> tuple[str | None, str | None]:
    """The normalised trailing unit of a match and a kind hint it implies."""
    g = m.group
    if g("pct") is not None:
        return "%", None
    if g("pp") is not None:
        return "points", None
    if g("mult") is not None or g("oom") is not None:
        return "x", None
    if g("fold") is not None:
        if _CROSS_AFTER.match(text, m.end()):
            return "fold", "setting"
        return "x", None
    cword = g("cword")
    if cword is not None:
        if cword == "fold" and _CROSS_AFTER.match(text, m.end()):
            return "fold", "setting"
        if cword in _COMPOUND_UNIT:
            unit = _COMPOUND_UNIT[cword]
            return unit, ("setting" if unit == "bit" else None)
        if cword in _SIZE_COMPOUND:  # "12M-instance", "8K-token": a size, judged by the claim finder
            return (cword if cword.endswith("s") else cword + "s"), None
        return cword, "setting"
    if g("gpuh") is not None:
        return ("GPU days" if "d" in g("gpuh")[3:].lower() else "GPU hours"), None
    rate = g("rate")
    if rate is not None:
        low = rate.lower()
        if low in ("fps", "qps", "tps"):
            return low, None
        noun = low.split("/")[0]
        noun = {"tok": "tokens", "toks": "tokens", "img": "images", "imgs": "images", "it": "it"}.get(
            noun, noun if noun.endswith("s") else noun + "s"
        )
        return noun + "/s", None
    if g("time") is not None:
        return _TIME_UNIT[g("time")], None
    if g("mem") is not None:
        return g("mem"), None
    if g("flops") is not None:
        return g("flops"), None
    if g("bits") is not None:
        return "bit", None
    size = g("size")
    if size is not None:
        low = size.lower()
        if low.startswith("param"):
            return "params", None
        return (low if low.endswith("s") else low + "s"), None
    return None, None


def _alnum(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _after_pm(text: str, start: int) -> bool:
    """True when the number follows "±", "+/-" or "\\pm": an error bar, not a result."""
    before = text[max(0, start - 4):start].rstrip()
    return before.endswith(("±", "+/-", "\\pm"))


def _joined_after(text: str, end: int) -> bool:
    """True when the character at `end` glues the match to a following word, version or power."""
    if end >= len(text):
        return False
    ch = text[end]
    if _alnum(ch) or ch in "^_":
        return True
    nxt = text[end + 1] if end + 1 < len(text) else ""
    if ch == "." and nxt.isdigit():  # 3.5.1
        return True
    return ch in "-‐" and _alnum(nxt)  # 3-D, 2024-11-07 (a lowercase word would be a compound unit)


def _quantity(text: str, start: int, end: int, value: float, unit: str | None,
              high: float | None = None, hint: str | None = None) -> Quantity | None:
    """A Quantity for `text[start:end]`, or None when the values are not finite or the span is empty."""
    if not (0 <= start < end <= len(text)) or not math.isfinite(value):
        return None
    if high is not None and not math.isfinite(high):
        return None
    return Quantity(start=start, end=end, text=text[start:end], value=value, unit=unit, high=high,
                    kind_hint=hint)


# --- the public function -------------------------------------------------------------------------


def find_quantities(text: str) -> list[Quantity]:
    """Every number written in `text`, in order of position, with value, unit and range.

    See the module docstring for the value and unit conventions.

    >>> [(q.text, q.value, q.unit) for q in find_quantities("It reaches 92.3% accuracy, 1.85× faster.")]
    [('92.3%', 92.3, '%'), ('1.85×', 1.85, 'x')]
    >>> q = find_quantities("a 7B model trained on 1.2M images")
    >>> [(x.text, x.value, x.unit) for x in q]
    [('7B', 7000000000.0, 'params'), ('1.2M images', 1200000.0, 'images')]
    >>> [(q.value, q.high, q.unit) for q in find_quantities("8 to 24 times faster")]
    [(8.0, 24.0, 'x')]
    >>> find_quantities("GPT-4 beats ResNet-50 on CIFAR-10 [12] in 3D")
    []
    >>> [(q.text, q.value, q.start) for q in find_quantities("up to 7\u200b6.1% accuracy")]
    [('7\u200b6.1%', 76.1, 6)]
    """
    if not text:
        return []
    if _INVISIBLE.search(text) is None:
        return _find(text)
    # Read as a reader sees it: without the invisible characters ("7\u200b6.1%" is 76.1%, never
    # 6.1%); each span is mapped back onto the original text, invisible characters included.
    kept = [i for i, ch in enumerate(text) if ch not in _INVISIBLE_CHARS]
    out = []
    for q in _find("".join(text[i] for i in kept)):
        start, end = kept[q.start], kept[q.end - 1] + 1
        out.append(Quantity(start=start, end=end, text=text[start:end], value=q.value, unit=q.unit, high=q.high,
                            kind_hint=q.kind_hint))
    return out


_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
"""Zero-width space, non-joiner, joiner, word joiner, BOM (zero-width no-break space), soft hyphen:
characters a reader does not see, which PDF extraction and web pages leave inside numbers."""
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")


def _find(text: str) -> list[Quantity]:
    """`find_quantities` of a text without invisible characters."""
    out: list[Quantity] = []
    prev_end = -1
    for m in _matches(text):
        if m.group("cite") is not None:
            continue
        try:
            found = _convert(m, text, prev_end)
        except (ValueError, OverflowError, KeyError):  # defensive: the grammar should not allow these
            found = []
        for q in found:
            out.append(q)
            prev_end = q.end
    return out


def _convert(m: re.Match[str], text: str, prev_end: int) -> list[Quantity]:
    """Check one match's boundaries and turn it into zero, one or two quantities."""
    g = m.group
    start, end = m.start(), m.end()
    if _joined_after(text, end):
        return []
    # "/": joined to a name ("LLaMA2-7B/13B") unless it continues the previous number ("7B/13B").
    if start >= 2 and text[start - 1] == "/" and _alnum(text[start - 2]) and prev_end != start - 1:
        return []
    unit, hint = _unit_of(m, text)
    if _after_pm(text, start):
        hint = "stderr"

    if g("n1") is not None:
        return _numeric(m, text, unit, hint)
    if g("bn1") is not None:
        lo_scale, lo_letter = _scale_of(m, "bs1")
        hi_scale, hi_letter = _scale_of(m, "bs2")
        if lo_letter is None:
            lo_scale, lo_letter = hi_scale, hi_letter
        if unit is None and g("bu1"):
            unit = "%" if "%" in g("bu1") else "x"
        if unit is None:
            unit = hi_letter
        q = _quantity(text, m.start("bn1"), end, _num(g("bn1")) * lo_scale, unit,
                      high=_num(g("bn2")) * hi_scale, hint=hint)
        return [q] if q else []
    if g("pw") is not None:
        q = _quantity(text, start, end, float("1e" + g("pexp").replace("−", "-")), unit, hint=hint)
        return [q] if q else []
    if g("sn") is not None:
        value = float(g("sn").replace(",", "") + "e" + g("sexp").replace("−", "-"))
        q = _quantity(text, start, end, value, unit, hint=hint)
        return [q] if q else []
    if g("d1") is not None:
        q = _quantity(text, start, end, _num(g("d1")), None, hint="dimension")
        return [q] if q else []
    return _words(m, text, unit, hint)


def _numeric(m: re.Match[str], text: str, unit: str | None, hint: str | None) -> list[Quantity]:
    """A written number, optionally signed, scaled, with a unit, or a range of two."""
    g = m.group
    start, end = m.start(), m.end()
    sign = g("sign")
    value = _num(g("n1"))
    if sign is not None:
        if sign in _MINUSES:
            value = -value
        hint = hint or "delta"
    lo_scale, lo_letter = _scale_of(m, "s1")
    u1 = g("u1")
    u1_unit = None if not u1 else ("%" if "%" in u1 else "x")

    if g("n2") is None:
        if u1_unit is not None and unit != u1_unit:  # "8.9% parameters": the noun is what % counts
            unit, end = u1_unit, m.end("u1")
        if g("oom") is not None:  # "3 orders of magnitude": a factor of 10^3
            value = 10.0 ** value if value <= 300 else math.inf
        if unit == "s" and lo_letter is None and "." not in g("n1") and m.start("time") == m.end("n1"):
            return []  # "1990s", "1s": a decade or a plural, not seconds
        value *= lo_scale
        if lo_letter is not None and unit is None:
            unit = "params" if _MODEL_AFTER.match(text, end) else lo_letter
        q = _quantity(text, start, end, value, unit, hint=hint)
        return [q] if q else []

    sep = g("sep")
    hi_scale, hi_letter = _scale_of(m, "s2")
    hyphen = sep.strip() in ("-", "–", "—", "‐", "~")
    if hyphen and sep == sep.strip() and "." in g("n1") and lo_letter is None and hi_letter is not None:
        return []  # "Llama 3.1-8B": a version and a size glued into a model name
    if lo_letter is None and hi_letter is not None:
        lo_scale, lo_letter = hi_scale, hi_letter
    high = _num(g("n2")) * hi_scale
    value *= lo_scale
    if unit is None:
        unit = u1_unit
    if unit is None and hi_letter is not None:
        unit = "params" if _MODEL_AFTER.match(text, end) else hi_letter

    before = text[max(0, start - 40):start]
    if not hyphen and _FROM_BEFORE.search(before) and not _RANGE_FROM.search(before):
        # "from 74.4% to 33.4%": a change; report both ends.
        lo_end = max(e for e in (m.end("n1"), m.end("s1l"), m.end("s1w"), m.end("u1")) if e >= 0)
        lo_unit = u1_unit or (lo_letter if lo_letter and unit in (None, hi_letter) else unit)
        if lo_letter is not None and lo_unit is None:
            lo_unit = lo_letter
        first = _quantity(text, start, lo_end, value, lo_unit, hint="from" if hint != "stderr" else hint)
        second = _quantity(text, m.start("n2"), end, high, unit, hint="to")
        return [q for q in (first, second) if q]
    q = _quantity(text, start, end, value, unit, high=high, hint=hint)
    return [q] if q else []


def _words(m: re.Match[str], text: str, unit: str | None, hint: str | None) -> list[Quantity]:
    """A number written in words: "twice", "half", "a third", "three times", "two million"."""
    g = m.group
    start, end = m.start(), m.end()
    if g("cword") is not None and unit != "x":
        return []  # "two-stage", "half-precision", "one-shot": a word compound, not a number
    if g("mag") is not None:
        magn = g("magn")
        value = 10.0 ** _WORDNUMS[magn.lower()] if magn else 10.0
        q = _quantity(text, start, end, value, unit or "x", hint=hint)
        return [q] if q else []
    if g("twice") is not None:
        q = _quantity(text, start, end, _MULT_WORDS[g("twice").lower()], "x", hint=hint)
        return [q] if q else []
    if g("half") is not None:
        word = g("half").lower()
        if word != "half" or _HALF_REDUCE.search(text[max(0, start - 40):start]):
            hint = "reduction"
        q = _quantity(text, start, end, 0.5, unit, hint=hint)
        return [q] if q else []
    if g("frac") is not None:
        last = re.split(r"[\s\-]", g("frac").lower())[-1]
        q = _quantity(text, start, end, _FRACTIONS[last], unit, hint=hint)
        return [q] if q else []
    if g("wplural") is not None:
        q = _quantity(text, start, end, _PLURAL_VALUE[g("wplural").lower()], unit, hint="vague")
        return [q] if q else []
    # a number word, possibly "twenty-five", "two million", "three times", "two-fold"
    word_end = m.end("wscale") if g("wscale") else m.end("wnum")
    if word_end < len(text) and text[word_end].isalpha() and unit != "x":
        return []  # a unit glued to a word ("hundreds"): not this grammar's business
    if g("wtens"):
        value = float(_WORDNUMS[g("wtens").lower()] + _WORDNUMS[g("wones").lower()])
    else:
        value = float(_WORDNUMS[g("wnum").lower()])
    wscale = g("wscale")
    if wscale:
        if wscale.lower() == "hundred":
            value *= 100
        else:
            letter = _SCALE_WORD[wscale.lower()]
            value *= _SCALE_VALUE[letter]
            if unit is None:
                unit = "params" if _MODEL_AFTER.match(text, end) else letter
    q = _quantity(text, start, end, value, unit, hint=hint)
    return [q] if q else []
