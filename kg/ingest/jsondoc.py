"""JSON documents: an array of paper objects, an object holding such an array under "papers", "data" or
"records", or a single paper object (several top-level values in a row are read one after another).

The document is streamed: a window over the text holds one paper at a time, decoded with
`json.JSONDecoder.raw_decode`, so a large array costs no more memory than its largest element.
A syntax error ends the file (a JSON document cannot be resynchronised); the papers before it are kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from kg.errors import Problem
from kg.ingest.records import json_type, paper_from_record
from kg.textio import MAX_LINE, Input, OnProblem, as_input, open_text
from kg.types import Paper

WRAPPER_KEYS = frozenset({"papers", "data", "records"})
_CHUNK = 65536
_NON_SPACE = re.compile(r"[^ \t\r\n]")


class _TooLarge(Exception):
    """One JSON value longer than `MAX_LINE` characters: reading it whole could exhaust memory."""


class _Scanner:
    """A sliding window over a text stream that decodes one JSON value at a time and counts lines.

    The window never holds more than about `MAX_LINE` characters of one value (`_TooLarge`)."""

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self._decoder = json.JSONDecoder()
        self._eof = False
        self._line = 1
        self._counted = 0  # buf[:_counted] is counted into _line
        self.buf = ""
        self.pos = 0

    def _more(self) -> bool:
        """Read more text, dropping what was consumed; False at the end of the stream."""
        if self._eof:
            return False
        pending = len(self.buf) - self.pos  # the start of a value that goes on past the window
        if pending > MAX_LINE:
            raise _TooLarge
        chunk = self._text.read(max(_CHUNK, min(len(self.buf), MAX_LINE - pending)))
        if not chunk:
            self._eof = True
            return False
        self.line(self.pos)
        self.buf = self.buf[self.pos:] + chunk
        self._counted -= self.pos
        self.pos = 0
        return True

    def line(self, pos: int | None = None) -> int:
        """The 1-based line of `pos` (default: the current position); positions only move forward."""
        pos = self.pos if pos is None else pos
        if pos > self._counted:
            self._line += self.buf.count("\n", self._counted, pos)
            self._counted = pos
        return self._line

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), without consuming it."""
        while True:
            found = _NON_SPACE.search(self.buf, self.pos)
            if found:
                self.pos = found.start()
                return self.buf[self.pos]
            self.pos = len(self.buf)
            if not self._more():
                return ""

    def take(self, chars: str) -> str:
        """Consume and return the next non-space character, which must be one of `chars`."""
        found = self.peek()
        if found and found in chars:
            self.pos += 1
            return found
        wanted = " or ".join(repr(c) for c in chars)
        raise json.JSONDecodeError(f"Expecting {wanted}", self.buf, self.pos)

    def value(self) -> Any:
        """Decode the next value, reading more text as needed."""
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as err:
                truncated = err.pos >= len(self.buf) - 8 or err.msg.startswith("Unterminated string")
                if truncated and self._more():
                    continue
                raise
            if end >= len(self.buf) and self._more():
                continue  # a number at the end of the window may go on
            self.pos = end
            return value


def _paper(item: Any, name: str, line: int, on_problem: OnProblem) -> Paper | None:
    if not isinstance(item, dict):
        on_problem(Problem(name, line, f"expected a JSON object, got {json_type(item)}"))
        return None
    return paper_from_record(item, name, line, on_problem)


def _array(scan: _Scanner, name: str, on_problem: OnProblem) -> Iterator[Paper]:
    """The papers of an array whose "[" was consumed, up to and including its "]"."""
    if scan.peek() == "]":
        scan.pos += 1
        return
    while True:
        scan.peek()
        line = scan.line()
        paper = _paper(scan.value(), name, line, on_problem)
        if paper is not None:
            yield paper
        if scan.take("],") == "]":
            return


def _object(scan: _Scanner, name: str, on_problem: OnProblem) -> Iterator[Paper]:
    """A top-level object: a wrapper whose paper array is streamed, or else one paper."""
    line = scan.line()
    scan.take("{")
    record: dict[str, Any] = {}
    wrapper = False
    if scan.peek() == "}":
        scan.pos += 1
    else:
        while True:
            if scan.peek() != '"':
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes",
                                           scan.buf, scan.pos)
            key = scan.value()
            scan.take(":")
            if scan.peek() == "[" and str(key).lower() in WRAPPER_KEYS:
                scan.pos += 1
                wrapper = True
                yield from _array(scan, name, on_problem)
            else:
                record[key] = scan.value()
            if scan.take("},") == "}":
                break
    if not wrapper:
        paper = _paper(record, name, line, on_problem)
        if paper is not None:
            yield paper


def _values(scan: _Scanner, name: str, on_problem: OnProblem) -> Iterator[Paper]:
    while char := scan.peek():
        if char == "[":
            scan.pos += 1
            yield from _array(scan, name, on_problem)
        elif char == "{":
            yield from _object(scan, name, on_problem)
        else:
            line = scan.line()
            value = scan.value()
            on_problem(Problem(name, line, f"expected a JSON array or object, got {json_type(value)}"))


def read_json(path: str | Path | Input, on_problem: OnProblem) -> Iterator[Paper]:
    """Papers from a JSON document (array, wrapper object or single object), streamed element by element.

    A malformed document is reported as one Problem at the line of the error, and reading stops there.
    """
    inp = as_input(path)
    with open_text(inp) as text:
        scan = _Scanner(text)
        try:
            yield from _values(scan, inp.name, on_problem)
        except json.JSONDecodeError as err:
            on_problem(Problem(inp.name, scan.line(err.pos), f"bad JSON: {err.msg}"))
        except RecursionError:
            on_problem(Problem(inp.name, scan.line(), "bad JSON: nested too deeply"))
        except _TooLarge:
            on_problem(Problem(inp.name, scan.line(), f"a JSON value longer than {MAX_LINE:,} characters, the most "
                                                      "kg reads as one record; reading stops here"))
