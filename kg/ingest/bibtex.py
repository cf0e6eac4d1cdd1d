"""BibTeX files: every entry with an abstract is a paper, its citation key the id.

Entries without an abstract are skipped silently: bibliographies list many references that have
none, and a Problem for each would drown the real ones. Values keep their inner LaTeX as is; only the
outer braces or quotes are removed (``title = {{BERT}: Pre-training}`` gives ``{BERT}: Pre-training``).
``@string`` macros and the month abbreviations are expanded; ``@comment`` and ``@preamble`` are ignored.

The file is read line by line and one entry at a time is held in memory. An entry whose braces never
balance is reported when the next line starting with ``@type{`` (or the end of the file) is reached.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import Problem
from kg.ingest.ids import paper_id
from kg.ingest.records import check_paper, normalise_date
from kg.textio import Input, OnProblem, as_input, open_lines
from kg.types import Paper

_ENTRY = re.compile(r"@\s*([A-Za-z][\w:-]*)\s*([{(])")
_ENTRY_AT_LINE_START = re.compile(r"\s*@\s*[A-Za-z][\w:-]*\s*[{(]")
_DELIMITERS = re.compile(r"[{}()]")
_BRACES = re.compile(r"[{}]")
_BRACES_OR_QUOTE = re.compile(r'[{}"]')
_SPACE = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s,]+")
_NAME = re.compile(r"[^\s=,{}\"#()]+")
_WORD = re.compile(r"[^\s,#{}\"=]+")
_AND = re.compile(r"[{}]|\s+and\s+")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
MONTH_MACROS = {m[:3]: m.capitalize() for m in _MONTHS}


class BibError(ValueError):
    """A syntax error inside one entry."""


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """The position after the run of `pattern` at `pos` (`pos` itself when there is none)."""
    found = pattern.match(text, pos)
    return found.end() if found else pos


def _entries(lines: Iterable[str], name: str, on_problem: OnProblem) -> Iterator[tuple[int, str, str]]:
    """(line, entry type, body) for each entry; the body is the text between its outer delimiters."""
    body: list[str] | None = None
    kind, opener, start, depth = "", "{", 0, 0
    for number, line in enumerate(lines, start=1):
        if body is not None and _ENTRY_AT_LINE_START.match(line):
            on_problem(Problem(name, start, f"unterminated @{kind} entry: its braces do not balance"))
            body = None
        pos = 0
        while True:
            if body is None:
                found = _ENTRY.search(line, pos)
                if found is None:
                    break
                kind, opener, start = found.group(1).lower(), found.group(2), number
                depth = 1 if opener == "{" else 0
                body, pos = [], found.end()
            close = None
            for match in _DELIMITERS.finditer(line, pos):
                char = match.group()
                if char == "{":
                    depth += 1
                elif char == "}":
                    depth = max(0, depth - 1)
                    if opener == "{" and depth == 0:
                        close = match.start()
                        break
                elif char == ")" and opener == "(" and depth == 0:
                    close = match.start()
                    break
            if close is None:
                body.append(line[pos:])
                break
            body.append(line[pos:close])
            yield start, kind, "".join(body)
            body, pos = None, close + 1
    if body is not None:
        on_problem(Problem(name, start, f"unterminated @{kind} entry at the end of the file"))


def _closing(text: str, pos: int, quote: bool) -> int:
    """The index of the "}" (or, when `quote`, the '"') that closes the value opened before `pos`."""
    depth = 0
    for match in (_BRACES_OR_QUOTE if quote else _BRACES).finditer(text, pos):
        char = match.group()
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and not quote:
                return match.start()
            depth = max(0, depth - 1)
        elif depth == 0:
            return match.start()
    raise BibError("unterminated " + ("quoted" if quote else "braced") + " value")


def _value(body: str, pos: int, macros: dict[str, str]) -> tuple[str, int]:
    """The value starting at `pos` (parts joined by "#"), and the position after it."""
    parts: list[str] = []
    while True:
        pos = _skip(_SPACE, body, pos)
        char = body[pos:pos + 1]
        if char in ("{", '"'):
            end = _closing(body, pos + 1, quote=char == '"')
            parts.append(body[pos + 1:end])
            pos = end + 1
        else:
            word = _WORD.match(body, pos)
            if word is None:
                raise BibError("expected a value")
            text = word.group()
            parts.append(text if text.isdigit() else macros.get(text.lower(), text))
            pos = word.end()
        pos = _skip(_SPACE, body, pos)
        if body[pos:pos + 1] != "#":
            return "".join(parts), pos
        pos += 1


def parse_fields(body: str, macros: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The citation key and the fields (names lower-cased, the first of a repeated name kept).

    >>> parse_fields('k1, title = {{BERT}: Deep}, year = 2019, month = mar', dict(MONTH_MACROS))
    ('k1', {'title': '{BERT}: Deep', 'year': '2019', 'month': 'March'})
    """
    comma = body.find(",")
    if comma < 0:
        return body.strip(), {}
    fields: dict[str, str] = {}
    pos = comma + 1
    while True:
        pos = _skip(_SEPARATORS, body, pos)
        if pos >= len(body):
            return body[:comma].strip(), fields
        name = _NAME.match(body, pos)
        if name is None:
            raise BibError(f"expected a field name, found {body[pos:pos + 20]!r}")
        pos = _skip(_SPACE, body, name.end())
        if body[pos:pos + 1] != "=":
            raise BibError(f"expected '=' after field name {name.group()!r}")
        value, pos = _value(body, pos + 1, macros)
        fields.setdefault(name.group().lower(), value)
        if pos < len(body) and body[pos] != ",":
            raise BibError(f"expected ',' after field {name.group()!r}")


def split_names(text: str) -> tuple[str, ...]:
    """Author names from "A and B", splitting only outside braces.

    >>> split_names("Lee, Ann and {Barnes and Noble} and\\n  Bo Chen")
    ('Lee, Ann', '{Barnes and Noble}', 'Bo Chen')
    """
    names: list[str] = []
    depth, start = 0, 0
    for match in _AND.finditer(text):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            names.append(text[start:match.start()])
            start = match.end()
    names.append(text[start:])
    return tuple(" ".join(n.split()) for n in names if n.strip())


def _date(fields: dict[str, str]) -> str | None:
    if fields.get("date"):
        return normalise_date(fields["date"])
    year = fields.get("year", "").strip()
    month = fields.get("month", "").strip().lower()
    number = int(month) if month.isdigit() else next(
        (i for i, m in enumerate(_MONTHS, start=1) if month and m.startswith(month[:3])), 0)
    if re.fullmatch(r"\d{4}", year) and 1 <= number <= 12:
        return f"{year}-{number:02d}"
    return normalise_date(year)


def read_bibtex(path: str | Path | Input, on_problem: OnProblem) -> Iterator[Paper]:
    """Papers from the entries of a BibTeX file that have an abstract; a malformed entry is reported."""
    inp = as_input(path)
    macros = dict(MONTH_MACROS)
    with open_lines(inp, on_problem) as lines:
        for line, kind, body in _entries(lines, inp.name, on_problem):
            if kind in ("comment", "preamble"):
                continue
            try:
                if kind == "string":
                    _, fields = parse_fields("," + body, macros)
                    macros.update(fields)
                    continue
                key, fields = parse_fields(body, macros)
            except BibError as err:
                on_problem(Problem(inp.name, line, f"malformed @{kind} entry: {err}"))
                continue
            title, abstract = fields.get("title", ""), fields.get("abstract", "")
            if not abstract.strip():
                continue
            paper = Paper(id=key or paper_id(title, abstract), title=title, abstract=abstract,
                          source=f"{inp.name}:{line}", authors=split_names(fields.get("author", "")),
                          date=_date(fields), url=fields.get("url", "").strip() or None)
            checked = check_paper(paper, inp.name, line, on_problem)
            if checked is not None:
                yield checked
