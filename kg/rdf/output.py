"""Format a QueryResult for people (an aligned table) and for programs (CSV, TSV, JSON).

>>> from kg.rdf.query import QueryResult
>>> result = QueryResult(["dataset", "papers"], [("CIFAR-10", 12), ("ImageNet", 3)])
>>> print(format_result(result, "table"))
dataset   papers
--------  ------
CIFAR-10      12
ImageNet       3
"""

from __future__ import annotations

import csv
import enum
import io
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator

from kg.errors import FormatError
from kg.rdf.query import QueryResult, Value


class OutputFormat(enum.Enum):
    """How `kg query` prints its answer."""

    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"

    @classmethod
    def parse(cls, name: str | OutputFormat) -> OutputFormat:
        """The format called `name`.

        >>> OutputFormat.parse("xml")
        Traceback (most recent call last):
        ...
        kg.errors.FormatError: unknown output format 'xml'; use table, csv, tsv, json
        """
        if isinstance(name, OutputFormat):
            return name
        for fmt in cls:
            if fmt.value == str(name).strip().lower():
                return fmt
        raise FormatError(f"unknown output format '{name}'; use {', '.join(f.value for f in cls)}")


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _cell(value: Value) -> str:
    # One line per row: newlines and tabs inside values are shown escaped.
    return _text(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


# What a terminal may act on: C0/C1 controls (ESC starts escape sequences), bidi and other format
# characters, line separators, surrogates; and the backslash, so that escapes are unambiguous.
_UNSAFE = re.compile("[\\\\\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                     "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0001-\U000e007f]")
_NAMED = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def safe_cell(value: Value) -> str:
    r"""A value as a table shows it: control, format and bidi characters escaped (\x1b, \u202e),
    so that nothing in the data can drive the terminal.

    >>> print(safe_cell("a\x1b]0;x\x07 \u202eb\\"))
    a\x1b]0;x\x07 \u202eb\\
    """
    return _UNSAFE.sub(_escape, _text(value))


def _width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def format_table(result: QueryResult, *, max_width: int = 60) -> str:
    """An aligned text table with a header rule; numbers are right-aligned, long cells cut with "…".

    >>> print(format_table(QueryResult(["a"], [])))
    a
    -
    (no rows)
    """
    def cut(text: str) -> str:
        return text if _width(text) <= max_width else text[: max_width - 1] + "…"

    header = [cut(safe_cell(c)) for c in result.columns]
    body = [[cut(safe_cell(v)) for v in row] for row in result.rows]
    def is_number(value: Value) -> bool:
        return value is None or (isinstance(value, int | float) and not isinstance(value, bool))

    numeric = [
        bool(result.rows) and all(is_number(row[i]) for row in result.rows) for i in range(len(header))
    ]
    widths = [max([_width(header[i])] + [_width(r[i]) for r in body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _width(cell))
            parts.append(pad + cell if numeric[i] else cell + pad)
        return "  ".join(parts).rstrip()

    lines = [line(header), "  ".join("-" * w for w in widths)]
    lines.extend(line(r) for r in body)
    if not body:
        lines.append("(no rows)")
    return "\n".join(lines)


def _delimited(result: QueryResult, dialect: str) -> str:
    out = io.StringIO()
    if dialect == "tsv":
        out.write("\t".join(_cell(c) for c in result.columns) + "\n")
        for row in result.rows:
            out.write("\t".join(_cell(v) for v in row) + "\n")
        return out.getvalue()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_text(v) for v in row])
    return out.getvalue()


def format_csv(result: QueryResult) -> str:
    """CSV with a header row (RFC 4180 quoting; unbound values are empty).

    >>> print(format_csv(QueryResult(["a", "b"], [("x,y", None)])), end="")
    a,b
    "x,y",
    """
    return _delimited(result, "csv")


def format_tsv(result: QueryResult) -> str:
    """TSV with a header row; tabs, newlines and backslashes inside values are escaped (\\t, \\n, \\\\).

    >>> format_tsv(QueryResult(["a"], [("x\\ty",)]))
    'a\\nx\\\\ty\\n'
    """
    return _delimited(result, "tsv")


def format_json(result: QueryResult) -> str:
    """A JSON list of objects, one per row, keyed by column (unbound values are null).

    >>> format_json(QueryResult(["a", "n"], [("x", 1)]))
    '[\\n  {\\n    "a": "x",\\n    "n": 1\\n  }\\n]'
    """
    rows = [
        {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
        for row in result.as_dicts()
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2)


def format_result(result: QueryResult, format: OutputFormat | str = OutputFormat.TABLE) -> str:
    """The result in one of the output formats ("table", "csv", "tsv", "json")."""
    fmt = OutputFormat.parse(format)
    if fmt is OutputFormat.TABLE:
        return format_table(result)
    if fmt is OutputFormat.CSV:
        return format_csv(result)
    if fmt is OutputFormat.TSV:
        return format_tsv(result)
    return format_json(result)


TABLE_BLOCK = 1000
"""Rows a streamed table reads before it sets its column widths."""


def stream_result(columns: list[str], rows: Iterable[tuple[Value, ...]],
                  format: OutputFormat | str = OutputFormat.TABLE) -> Iterator[str]:
    """The result as chunks of text, made as the rows come, ending with a newline: the same text as
    `format_result` (plus a final newline for tables and JSON) in bounded memory. A table sets its
    column widths from its first TABLE_BLOCK rows; later, wider cells push their row out of line.

    >>> rows = [("x", 1), ("y", 2)]
    >>> "".join(stream_result(["a", "n"], iter(rows), "json")) == format_json(QueryResult(["a", "n"], rows)) + "\\n"
    True
    """
    fmt = OutputFormat.parse(format)
    rows = iter(rows)
    if fmt is OutputFormat.TABLE:
        first = list(itertools.islice(rows, TABLE_BLOCK))
        table = format_table(QueryResult(columns, first))
        yield table + "\n"
        if len(first) < TABLE_BLOCK:
            return
        rule = table.split("\n")[1]
        widths = [len(part) for part in rule.split("  ")]
        numeric = [all(_is_number(row[i]) for row in first) for i in range(len(columns))]
        for row in rows:
            cells = [safe_cell(v) for v in row]
            cells = [c if _width(c) <= 60 else c[:59] + "…" for c in cells]
            parts = [(" " * (w - _width(c)) + c) if num else (c + " " * (w - _width(c)))
                     for c, w, num in zip(cells, widths, numeric, strict=True)]
            yield "  ".join(parts).rstrip() + "\n"
    elif fmt is OutputFormat.TSV:
        yield "\t".join(_cell(c) for c in columns) + "\n"
        for row in rows:
            yield "\t".join(_cell(v) for v in row) + "\n"
    elif fmt is OutputFormat.CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_text(v) for v in row])
            if out.tell() > 65536:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()
    else:
        started = False
        for row in rows:
            obj = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                   for k, v in zip(columns, row, strict=True)}
            text = json.dumps(obj, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            yield ("[\n  " if not started else ",\n  ") + text
            started = True
        yield "\n]\n" if started else "[]\n"


def _is_number(value: Value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))
