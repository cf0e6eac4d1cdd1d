"""Text saved from a listing page of papers: a title line, then an abstract line, maybe metadata.

Three layouts occur, and mix freely because blank lines are ignored:

- title, blank, abstract, blank, metadata (``  • 5 authors`` or an organisation, ``·``, ``Nov 7, 2024``
  with maybe an upvote count after it);
- title, blank, abstract, without metadata;
- title line directly followed by the abstract line.

Page chrome ("new", "Subscribe", "Daily Papers", a bare date such as "May 7") is dropped, also when it
is glued to the first title ("SubscribeTrans-Encoder: ..." gives the title "Trans-Encoder: ...").

A title is told from an abstract by shape: a title has at most 35 words and no final period (or it is
followed by a line of 40 words or more); everything else is an abstract. A line shaped like an abstract
where a title is expected becomes a paper with an empty title; a title that no abstract follows is
reported and skipped. The metadata's author count is not kept (`Paper` has no field for it); its date
becomes `Paper.date` in ISO form when it has a year ("Nov 7, 2024" -> "2024-11-07"), else None.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from kg.errors import Problem
from kg.ingest.ids import paper_id
from kg.ingest.records import normalise_date
from kg.textio import Input, OnProblem, as_input, bad_text, open_lines, strip_newline
from kg.types import Paper

CHROME = ("Get trending papers in your email inbox once a day!", "Get trending papers in your email inbox!",
          "byAK and the research community", "Daily Papers", "Subscribe", "new")
GLUED_CHROME = tuple(c for c in CHROME if c != "new")  # chrome that may be glued to the first title
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DATE = re.compile(rf"({_MONTH}) (\d{{1,2}})(?:, (\d{{4}}))?(?: \d+)?")
_AUTHORS = re.compile(r"•\s*\d+\s+authors?")
_COUNT = re.compile(r"\d+")
_DOT = "·"
TITLE_MAX_WORDS = 35
ABSTRACT_MIN_WORDS = 40

Line = tuple[int, str]


class _Lookahead:
    """The non-blank lines of a file, with a look at the next few before taking them."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self._ahead: deque[Line] = deque()

    def peek(self, index: int = 0) -> Line | None:
        while len(self._ahead) <= index:
            line = next(self._lines, None)
            if line is None:
                return None
            self._ahead.append(line)
        return self._ahead[index]

    def take(self) -> Line | None:
        line = self.peek()
        if line is not None:
            self._ahead.popleft()
        return line


def is_chrome(text: str) -> bool:
    """A line of page chrome or stray metadata, never a title.

    >>> is_chrome("Daily Papers"), is_chrome("May 7"), is_chrome("  • 3 authors"), is_chrome("BERT")
    (True, True, True, False)
    """
    text = text.strip()
    return (text in CHROME or text == _DOT or _DATE.fullmatch(text) is not None
            or _AUTHORS.fullmatch(text) is not None or _COUNT.fullmatch(text) is not None)


def _unglue(text: str) -> str:
    """`text` without chrome glued to its start ("SubscribeTrans-Encoder" -> "Trans-Encoder")."""
    changed = True
    while changed:
        changed = False
        for chrome in GLUED_CHROME:
            rest = text[len(chrome):]
            if text.startswith(chrome) and rest and not rest[0].islower() and not rest[0].isspace():
                text, changed = rest, True
    return text


def _words(text: str, most: int) -> int:
    """The number of words in `text`, counted up to `most` + 1 (cheap on long lines)."""
    return len(text.split(maxsplit=most))


def _short(text: str) -> bool:
    return len(text) <= 300 and 0 < _words(text, TITLE_MAX_WORDS) <= TITLE_MAX_WORDS


def _title_shaped(text: str) -> bool:
    return _short(text) and not text.rstrip().endswith(".")


def _long(line: Line | None) -> bool:
    return line is not None and _words(line[1], ABSTRACT_MIN_WORDS) >= ABSTRACT_MIN_WORDS


def _is_title(text: str, following: Line | None) -> bool:
    return _title_shaped(text) or (_short(text) and _long(following))


def _has_abstract(lines: _Lookahead) -> bool:
    """Whether the next line is the abstract of the title just taken."""
    following = lines.peek()
    if following is None or is_chrome(following[1]):
        return False
    after = lines.peek(1)
    new_title = _title_shaped(following[1]) and after is not None and not _title_shaped(after[1])
    return not new_title


def _metadata(lines: _Lookahead) -> str | None:
    """Take the metadata block after an abstract; its date in ISO form, when it has a year."""
    date = None
    while (line := lines.peek()) is not None:
        text = line[1].strip()
        after = lines.peek(1)
        organisation = after is not None and after[1].strip() == _DOT and _title_shaped(text)
        found = _DATE.fullmatch(text)
        if found:
            month, day, year = found.groups()
            date = normalise_date(f"{month} {day}, {year}") if year else None
        elif not (text == _DOT or _AUTHORS.fullmatch(text) or organisation):
            return date
        lines.take()
    return date


def read_listing(path: str | Path | Input, on_problem: OnProblem) -> Iterator[Paper]:
    """Papers from a saved listing page, in any of the three layouts, with the page chrome dropped.

    Title and abstract are their lines exactly, without the line break (and without glued chrome).
    """
    inp = as_input(path)
    with open_lines(inp, on_problem) as handle:
        lines = _Lookahead((n, strip_newline(t)) for n, t in enumerate(handle, start=1) if t.strip())
        first = True
        while (line := lines.take()) is not None:
            if is_chrome(line[1]):
                continue
            if first:
                text = _unglue(line[1])
                if is_chrome(text):
                    continue
                line, first = (line[0], text), False
            title: Line | None = None
            abstract: Line | None = line
            if _is_title(line[1], lines.peek()):
                title = line
                abstract = lines.take() if _has_abstract(lines) else None
            if abstract is None:
                on_problem(Problem(inp.name, line[0], "title without an abstract"))
                continue
            date = _metadata(lines)
            bad = next(((n, w) for n, t in filter(None, (title, abstract)) if (w := bad_text(t))), None)
            if bad is not None:
                on_problem(Problem(inp.name, bad[0], bad[1]))
                continue
            title_text = title[1] if title else ""
            yield Paper(id=paper_id(title_text, abstract[1]), title=title_text, abstract=abstract[1],
                        source=f"{inp.name}:{line[0]}", date=date)
